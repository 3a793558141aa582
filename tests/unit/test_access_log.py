"""The server's access log leaves out accepted fixes and never holds a device key."""

from __future__ import annotations

import logging

from console.server.access_log import RoutineFixes, quiet_routine_fixes

FORMAT = '%s - "%s %s HTTP/%s" %d'


def _line(path: str, status: int) -> str | None:
    logger = logging.getLogger(f"test.access.{path}.{status}")
    logger.propagate = False
    quiet_routine_fixes(logger)
    quiet_routine_fixes(logger)  # once is enough: not two filters
    assert sum(isinstance(f, RoutineFixes) for f in logger.filters) == 1
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    logger.addHandler(Keep())
    logger.setLevel(logging.INFO)
    logger.info(FORMAT, "127.0.0.1:5000", "POST", path, "1.1", status)
    return lines[0] if lines else None


def test_accepted_fixes_are_left_out_and_refusals_kept() -> None:
    assert _line("/api/v1/positions", 200) is None
    assert _line("/osmand?id=caiji01:KEY&lat=29.1&lon=118.4", 200) is None
    assert _line("/api/v1/positions", 422) is not None
    assert _line("/api/v1/tasks", 200) is not None
    assert _line("/api/v1/positionsX", 200) is not None


def test_the_device_key_never_reaches_the_log() -> None:
    line = _line("/osmand?id=caiji01:s3cr3t-key&lat=29.1&lon=118.4", 401)
    assert line is not None and "s3cr3t-key" not in line and "/osmand?…" in line
    assert _line("/osmand", 401) == '127.0.0.1:5000 - "POST /osmand HTTP/1.1" 401'


def test_other_records_pass_untouched() -> None:
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, "plain %s",
                               ("x",), None)
    assert RoutineFixes().filter(record) and record.getMessage() == "plain x"
