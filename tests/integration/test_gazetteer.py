"""The gazetteer on SQLite and PostgreSQL: import (dry run, keep, quarantine), search, the
embedded seat's ``geocode`` and the ``citydesk gazetteer import`` / ``geocode`` commands."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from console.cli.main import main
from console.desk_local import LocalDeskBackend
from console.domain.cases import Actor, Role
from console.domain.coords import Crs
from console.domain.errors import ValidationError
from console.services.centre import Centre, load_centre
from console.services.gazetteer import GazetteerSearch, import_places
from db.uow import SqlUnitOfWork

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
ADMIN = Actor("admin", Role.ADMIN)
HEAD = ["名称", "地址", "经度", "纬度"]
ROWS = [
    (2, ["新华超市", "芹阳办事处解放街12号", 118.4015, 29.1474]),
    (3, ["开化县人民医院", "城关镇人民路1号", 118.403, 29.1474]),
    (4, ["无坐标", "某路", None, None]),
    (5, ["远方", "北京", 116.4, 39.9]),
]


def _count(factory: Callable[[], SqlUnitOfWork]) -> int:
    with factory() as uow:
        return len(uow.gazetteer.places())


def _import(factory: Callable[[], SqlUnitOfWork], centre: Centre, rows: Any, keep: bool) -> Any:
    return import_places(factory, centre, HEAD, rows, Crs.WGS84, keep=keep, source="t.csv",
                         actor=ADMIN, now=NOW)


def test_import_dry_run_keep_and_search(kaihua_factory: Callable[[], SqlUnitOfWork]) -> None:
    centre = load_centre(kaihua_factory())
    dry = _import(kaihua_factory, centre, ROWS, keep=False)
    assert (dry.landed, dry.counts) == (2, {"no_coordinates": 1, "outside": 1})
    assert _count(kaihua_factory) == 0  # the dry run changed nothing
    search = GazetteerSearch(kaihua_factory)
    assert search.search(centre, "新华") == []
    kept = _import(kaihua_factory, centre, ROWS, keep=True)
    assert kept.landed == 2 and _count(kaihua_factory) == 2
    hit = search.search(centre, "新华")[0]  # the index saw the import (a new newest id)
    assert (hit.name, hit.cell, hit.match) == ("新华超市", "330824001001001", "name")
    assert search.search(centre, "rmyy")[0].name == "开化县人民医院"
    again = _import(kaihua_factory, centre, ROWS[:2], keep=True)
    assert again.landed == 0 and again.counts == {"duplicate": 2}
    seat = LocalDeskBackend(kaihua_factory, centre, lambda: NOW, Actor("shouli1", Role.ACCEPTOR))
    found = seat.geocode("xhcs", 5)
    assert [(h.name, h.cell, h.match) for h in found] == [
        ("新华超市", "330824001001001", "initials")]
    with pytest.raises(ValidationError, match="limit"):
        seat.geocode("新华", 0)


def test_a_file_without_the_coordinate_columns_is_refused_whole(
        kaihua_factory: Callable[[], SqlUnitOfWork]) -> None:
    centre = load_centre(kaihua_factory())
    with pytest.raises(ValidationError, match="经度"):
        import_places(kaihua_factory, centre, ["名称", "地址"], [(2, ["店", "路"])], Crs.WGS84,
                      keep=True, source="t.csv", actor=ADMIN, now=NOW)
    assert _count(kaihua_factory) == 0


@pytest.fixture
def cli(kaihua_factory: Callable[[], SqlUnitOfWork], db_url: str,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    monkeypatch.setenv("CITYDESK_CONFIG", "")
    monkeypatch.delenv("CITYDESK_SERVER", raising=False)

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(["--db", db_url, *argv])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_the_commands(cli: Any, kaihua_factory: Callable[[], SqlUnitOfWork],
                      tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEAD)
    for _n, row in ROWS:
        sheet.append(row)
    xlsx = tmp_path / "places.xlsx"
    book.save(xlsx)
    code, out, err = cli("gazetteer", "import", str(xlsx))
    assert code == 0, err
    assert "试运行" in out and "导入 2 个地点，隔离 2 行" in out and "第 5 行 远方" in out
    assert _count(kaihua_factory) == 0
    code, out, err = cli("gazetteer", "import", str(xlsx), "--keep", "--json")
    data = json.loads(out)
    assert code == 0 and (data["landed"], data["kept"]) == (2, True)
    assert [r["reason"] for r in data["rows"]] == ["no_coordinates", "outside"]
    code, out, err = cli("geocode", "人民医")
    assert code == 0 and out.startswith("开化县人民医院\t城关镇人民路1号\t118.403000,29.147400\t"
                                        "330824001001002\tname")
    code, out, err = cli("geocode", "xhcs", "--json")
    assert code == 0 and json.loads(out)[0]["name"] == "新华超市"
    code, out, err = cli("geocode", "没有这个地方")
    assert code == 0 and "没有找到地点" in out
    # A bad file: one line, exit 2, nothing stored.
    bad = tmp_path / "bad.csv"
    bad.write_text("名称,地址\n店,路\n", encoding="utf-8")
    for argv in (("gazetteer", "import", str(bad), "--keep"),
                 ("gazetteer", "import", str(tmp_path / "missing.csv")),
                 ("gazetteer", "import", str(_text_file(tmp_path)))):
        code, out, err = cli(*argv)
        assert code == 2 and err.startswith("citydesk: ") and err.count("\n") == 1, err
    assert _count(kaihua_factory) == 2


def _text_file(folder: Path) -> Path:
    path = folder / "places.txt"
    path.write_text("名称,地址,经度,纬度\n", encoding="utf-8")
    return path
