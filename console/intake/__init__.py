"""Channels that bring reports in by themselves: Open311, the collector/hotline feed, files.

Each channel reads records (HTTP with ``requests``, a drop folder, a CSV or XLSX file), turns
them into :class:`~console.services.intake_ports.IntakeRecord` values with pure converters, and
hands them to :func:`console.services.intake.take_in`.  Nothing here imports PySide6,
SQLAlchemy or ``db``: the console and the worker give a channel its unit-of-work factory.
"""
