"""Tests of the report model and its CSV, XLSX and PDF writers."""
