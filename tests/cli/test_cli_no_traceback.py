"""The command line never shows a traceback (issue #13 part 8): each input a fuzzer found.

600 fuzzed runs ended 8 kinds of input in a Python traceback with exit 1: file names over 255
bytes in ``--photo``, ``--out`` and ``import``; ``--reported-at 0001-01-01…``; a 30-digit
intake id; superscript digits as a case id; bytes that are not UTF-8 (a GBK terminal);
``--out`` under /proc.  ``--photo /dev/zero`` read without bound, ``citydesk wall`` ignored
Ctrl+C, ``audit verify --json`` said ``last_id: 0`` for an early break and a refused merge
exited 2 instead of 3.  Each is here: its exit code, one line on stderr, the database unchanged.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import text

from db.engine import make_engine
from tests.cli.conftest import fingerprint, run

GRID = "330824001001001"
LONG = "a" * 300  # a file name over the 255 bytes every Linux file system allows
GBK = os.fsdecode("发现".encode("gbk"))  # what Python makes of GBK bytes in a UTF-8 locale
MAPPING = str(Path(__file__).resolve().parents[2] / "resources" / "intake"
              / "import_mapping.example.yaml")
NEW = ["case", "new", "--category", "06010", "--desc", "垃圾", "--grid", GRID]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("files")
    Image.new("RGB", (8, 8), "red").save(folder / "ok.png")
    Image.new("RGB", (8, 8), "red").save(os.fsdecode(os.fsencode(str(folder)) + b"/\xb7\xa2.png"))
    return folder


REFUSED: list[tuple[str, list[str], int, str]] = [
    ("photo name over 255 bytes", [*NEW, "--photo", f"{{tmp}}/{LONG}.jpg"], 2, "照片"),
    ("report --out name over 255 bytes", ["report", "--period", "2026-02", "--out",
                                          f"{{tmp}}/{LONG}.csv"], 2, "报表"),
    ("import FILE name over 255 bytes", ["import", f"{{tmp}}/{LONG}.csv", "--mapping", MAPPING],
     2, "文件名过长"),
    ("import --mapping name over 255 bytes", ["import", "{tmp}/x.csv", "--mapping",
                                              f"{{tmp}}/{LONG}.yaml"], 2, "映射"),
    ("reported at 0001-01-01", [*NEW, "--reported-at", "0001-01-01T00:00:00+08:00"], 2, "范围"),
    ("reported at 0001-01-02", [*NEW, "--reported-at", "0001-01-02T00:00:00+08:00"], 2, "工作日历"),
    ("reported at 1900", [*NEW, "--reported-at", "1900-01-02T00:00:00+08:00"], 2, "工作日历"),
    ("--now 0001-01-01", ["case", "list", "--now", "0001-01-01T00:00:00+08:00"], 2, "范围"),
    ("--now 9999-12-31 west of Greenwich", ["case", "list", "--now", "9999-12-31T23:00:00-05:00"],
     2, "范围"),
    ("30-digit intake id (retry)", ["intake", "retry", "1" * 30], 2, "编号"),
    ("30-digit intake id (dismiss)", ["intake", "dismiss", "1" * 30], 2, "编号"),
    ("superscript intake id", ["intake", "dismiss", "²"], 2, "编号"),
    ("superscript case id (show)", ["case", "show", "²³"], 2, "无效"),
    ("superscript case id (accept)", ["case", "accept", "²"], 2, "无效"),
    ("Arabic-Indic case id", ["case", "show", "١٢"], 2, "无效"),
    ("20-digit case number", ["case", "show", "9" * 20], 2, "不存在"),
    ("merge into a 30-digit id", ["case", "merge", "{reported}", "--into", "9" * 30], 2, "9" * 30),
    ("--limit of 10^20", ["case", "list", "--limit", "1" + "0" * 20], 2, "--limit"),
    ("problems --limit of 10^20", ["intake", "problems", "--limit", "1" + "0" * 20], 2, "--limit"),
    ("GBK bytes in --desc", [*NEW[:4], "--desc", GBK, "--grid", GRID], 2, "--desc"),
    ("GBK bytes in --category", [*NEW[:2], "--category", GBK, *NEW[4:]], 2, "UTF-8"),
    ("GBK bytes as the case id", ["case", "show", GBK], 2, "UTF-8"),
    ("GBK bytes in --as", ["case", "list", "--as", GBK], 2, "--as"),
    ("GBK bytes in --reason", ["case", "refuse", "{reported}", "--reason", GBK], 2, "--reason"),
    ("report --out under /proc", ["report", "--period", "2026-02", "--out", "/proc/x.csv"], 2,
     "/proc/x.csv"),
    ("report --out under /proc/self", ["report", "--period", "2026-02", "--out",
                                       "/proc/self/x.csv"], 2, "/proc/self/x.csv"),
    ("--photo a folder", [*NEW, "--photo", "{tmp}"], 2, "普通文件"),
    ("--photo through a file", [*NEW, "--photo", "{tmp}/ok.png/x.png"], 2, "照片"),
]


@pytest.fixture(scope="module")
def reported(shared_db: str) -> str:
    made = run(shared_db, *NEW, "--json", user="caiji01")
    assert made.code == 0, made.err
    return str(json.loads(made.out)["id"])


@pytest.mark.parametrize(("name", "argv", "code", "words"), REFUSED, ids=[r[0] for r in REFUSED])
def test_refused_in_one_line_without_a_traceback(
        shared_db: str, reported: str, tmp_path: Path, name: str, argv: list[str], code: int,
        words: str) -> None:
    args = [a.replace("{tmp}", str(tmp_path)).replace("{reported}", reported) for a in argv]
    before = fingerprint(shared_db)
    result = run(shared_db, *args, user=None if "--as" in args else "admin")
    assert result.code == code, (result.out, result.err)
    assert result.err.count("\n") == 1 and result.err.startswith("citydesk"), result.err
    assert "Traceback" not in result.err and words in result.err, result.err
    assert fingerprint(shared_db) == before


def _subprocess(argv: list[str], timeout: float = 60, **env: str) -> subprocess.CompletedProcess[bytes]:
    """``citydesk`` as its own process, memory capped (an unbounded read must not take the
    machine down if it comes back)."""
    def limit() -> None:  # pragma: no cover  (runs in the child)
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))

    return subprocess.run([sys.executable, "-m", "console", *argv], capture_output=True,
                          timeout=timeout, preexec_fn=limit, env={**os.environ, **env},
                          cwd=Path(__file__).resolve().parents[2], check=False)


@pytest.mark.parametrize("device", ["/dev/zero", "fifo"])
def test_a_photo_that_never_ends_is_refused_at_once(shared_db: str, tmp_path: Path,
                                                    device: str) -> None:
    path = device
    if device == "fifo":
        path = str(tmp_path / "photo.jpg")
        os.mkfifo(path)  # open() for reading would wait for a writer forever
    before = fingerprint(shared_db)
    started = time.monotonic()
    done = _subprocess([*NEW, "--photo", path, "--db", shared_db, "--as", "caiji01"], timeout=30)
    assert time.monotonic() - started < 30
    assert done.returncode == 2, done.stderr.decode()
    assert done.stderr.decode().count("\n") == 1 and "普通文件" in done.stderr.decode()
    assert fingerprint(shared_db) == before


def test_a_photo_reads_no_more_than_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                              ) -> None:
    import console.photos as photos

    big = tmp_path / "big.jpg"
    big.touch()
    os.truncate(big, 64 * 1024 * 1024)  # sparse: 64 MB of zeros
    asked: list[int] = []
    real_fdopen = os.fdopen

    def spy(fd: int, mode: str = "r", *args: object, **kwargs: object) -> object:
        fh = real_fdopen(fd, mode, *args, **kwargs)
        real_read = fh.read

        def read(n: int = -1) -> bytes:
            asked.append(n)
            return real_read(n)
        fh.read = read  # type: ignore[method-assign]
        return fh

    monkeypatch.setattr(photos.os, "fdopen", spy)
    with pytest.raises(photos.ValidationError, match="10 MB"):
        photos.load_photo(big)
    assert asked == [photos.MAX_BYTES + 1]


def test_paths_in_a_gbk_name_work_and_print(shared_db: str, files: Path, tmp_path: Path) -> None:
    """A file name holding GBK bytes is the file's real name: it opens, is stored readable,
    and is printed back without a crash even by a strict UTF-8 terminal."""
    gbk_png = os.fsdecode(os.fsencode(str(files)) + b"/\xb7\xa2.png")
    made = run(shared_db, *NEW, "--photo", gbk_png, "--json", user="caiji01")
    assert made.code == 0, made.err
    engine = make_engine(shared_db)
    try:
        with engine.connect() as conn:
            name = conn.execute(text("SELECT filename FROM photos ORDER BY id DESC")).scalar()
    finally:
        engine.dispose()
    assert name == "\ufffd\ufffd.png"
    out = os.fsencode(str(tmp_path)) + b"/\xb7\xa2.csv"
    done = _subprocess(["report", "--period", "2026-03", "--out", os.fsdecode(out), "--db",
                        shared_db, "--now", "2026-03-31T10:00:00+08:00"],
                       PYTHONIOENCODING="utf-8:strict")
    assert done.returncode == 0, done.stderr.decode()
    assert os.path.exists(out) and b"Traceback" not in done.stderr


def test_a_refused_merge_exits_3(shared_db: str) -> None:
    ids = []
    for _ in range(3):
        made = run(shared_db, *NEW, "--json", user="caiji01")
        ids.append(str(json.loads(made.out)["id"]))
    assert run(shared_db, "case", "merge", ids[1], "--into", ids[0]).code == 0
    before = fingerprint(shared_db)
    refused = run(shared_db, "case", "merge", ids[2], "--into", ids[1])  # ids[1] is merged
    assert refused.code == 3, refused.err
    assert refused.err.count("\n") == 1 and "不能合并" in refused.err
    assert fingerprint(shared_db) == before
    assert run(shared_db, "case", "merge", ids[2], "--into", ids[2]).code == 2  # input: itself


def _tamper(url: str, event_id: int) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text("ALTER TABLE case_events DISABLE TRIGGER USER"))
            else:
                conn.execute(text("DROP TRIGGER case_events_no_update"))
            conn.execute(text("UPDATE case_events SET actor = 'mallory' WHERE id = :id"),
                         {"id": event_id})
            if engine.dialect.name == "postgresql":
                conn.execute(text("ALTER TABLE case_events ENABLE TRIGGER USER"))
    finally:
        engine.dispose()


def test_audit_verify_names_the_last_good_row_of_an_early_break(cli_db: str) -> None:
    for _ in range(3):
        assert run(cli_db, *NEW, user="caiji01").code == 0
    engine = make_engine(cli_db)
    try:
        with engine.connect() as conn:
            ids = list(conn.execute(text("SELECT id FROM case_events ORDER BY id")).scalars())
    finally:
        engine.dispose()
    _tamper(cli_db, ids[2])
    result = run(cli_db, "audit", "verify", "--json")
    assert result.code == 4, result.err
    report = json.loads(result.out)
    assert report["first_broken"]["event_id"] == ids[2]
    assert report["checked"] == 2 and report["last_id"] == ids[1]


def test_ctrl_c_and_an_internal_error_are_one_line(shared_db: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import console.cli.category as category

    def interrupted(_args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(category, "open_app", interrupted)
    result = run(shared_db, "category", "list")
    assert result.code == 130 and result.err == "citydesk: 已中断 / interrupted\n"

    def broken(_args: object) -> None:
        raise RuntimeError("a defect\nsecond line")

    monkeypatch.setattr(category, "open_app", broken)
    result = run(shared_db, "category", "list")
    assert result.code == 1 and result.err.count("\n") == 1
    assert "RuntimeError: a defect" in result.err and "CITYDESK_DEBUG" in result.err
    monkeypatch.setenv("CITYDESK_DEBUG", "1")
    with pytest.raises(RuntimeError, match="a defect"):
        run(shared_db, "category", "list")


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc for idleness")
def test_ctrl_c_closes_the_wall(sqlite_init_template: Path, tmp_path: Path) -> None:
    db = tmp_path / "wall.sqlite3"
    shutil.copy(sqlite_init_template, db)
    proc = subprocess.Popen(
        [sys.executable, "-m", "console", "wall", "--windowed", "--rotate", "0", "--db",
         f"sqlite:///{db}"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        cwd=Path(__file__).resolve().parents[2])
    try:
        # Wait until the wall is up: its event loop idles (CPU time stops growing).
        deadline, last, still = time.monotonic() + 90, -1.0, 0
        while time.monotonic() < deadline and proc.poll() is None and still < 4:
            time.sleep(0.5)
            used = _cpu_seconds(proc.pid)
            still = still + 1 if used - last < 0.05 and used > 1 else 0
            last = used
        assert proc.poll() is None, proc.communicate()[1].decode()
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err.decode()
    assert b"Traceback" not in err and b"KeyboardInterrupt" not in err
