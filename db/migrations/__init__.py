"""Alembic environment of CityDesk (``env.py``, ``script.py.mako``, ``versions/``).

Run it through :mod:`db.schema` (``python -m db.schema upgrade``); no ``alembic.ini`` needed.
"""
