"""Scale benchmarks and the synthetic-history generator (``python -m benchmarks``).

See docs/BENCHMARKS.md.  Never imported by the application; timings are reported here and
never asserted in tests.
"""
