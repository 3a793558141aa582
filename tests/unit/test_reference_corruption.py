"""Corrupted reference files are refused in one line naming the file, the entry and the field.

Issue #13 part 7: ``citydesk init --resources DIR`` was fed corrupted variants; some crashed
with a traceback (GB18030 files, a missing components.csv, ``date: 2026-02-30``, NaN
coordinates, deep JSON, a YAML alias bomb) and some were written (negative or NaN limits, unit
cycles, duplicate component ids).  Here each variant of tests/unit/reference_corruptions.py is
read by the loader; tests/cli/test_cli_init_refusals.py runs them through ``citydesk init``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from console.domain.errors import ValidationError
from console.reference_files import load_centre_files
from tests.unit.mini_centre import CentreFolder, write_mini_centre
from tests.unit.reference_corruptions import CORRUPTIONS, Corruption


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_mini_centre(tmp_path_factory.mktemp("mini"))


def corrupted(template: Path, folder: Path, corruption: Corruption) -> Path:
    write_mini_centre(folder)
    corruption.apply(CentreFolder(folder))
    return folder


def check_message(message: str, corruption: Corruption) -> None:
    """One line naming the file, the entry and the field (and the case's own words)."""
    assert "\n" not in message and message.strip() == message, message
    assert corruption.file in message, message
    if corruption.entry is not None:
        assert corruption.entry in message, message
        assert re.search(r"第 \d+ (项|行|个要素)", message), message
    if corruption.field is not None:
        assert f"字段 {corruption.field}" in message, message
    for word in corruption.words:
        assert word in message, message
    assert "Traceback" not in message and len(message) < 400, message


def test_the_mini_centre_loads(template: Path) -> None:
    ref = load_centre_files(template)
    assert len(ref.categories) > 10 and ref.rules and ref.components and ref.calendar_days


def test_there_are_enough_variants() -> None:
    assert len(CORRUPTIONS) >= 40
    assert len({c.name for c in CORRUPTIONS}) == len(CORRUPTIONS)


@pytest.mark.parametrize("corruption", CORRUPTIONS, ids=[c.name for c in CORRUPTIONS])
def test_a_corrupted_file_is_refused_in_one_line(tmp_path: Path, corruption: Corruption) -> None:
    folder = corrupted(tmp_path, tmp_path / "centre", corruption)
    with pytest.raises(ValidationError) as err:
        load_centre_files(folder)
    check_message(err.value.message, corruption)


def test_a_utf8_bom_is_fine(tmp_path: Path) -> None:
    # Excel writes "CSV UTF-8" with a BOM: the file is UTF-8 all the same.
    folder = write_mini_centre(tmp_path / "centre")
    csv_path = folder / "components.csv"
    csv_path.write_bytes(b"\xef\xbb\xbf" + csv_path.read_bytes())
    assert load_centre_files(folder).components


def test_yaml_anchors_that_do_not_explode_are_fine(tmp_path: Path) -> None:
    folder = write_mini_centre(tmp_path / "centre")
    c = CentreFolder(folder)
    text = c.text("categories.yaml").replace("  limits:\n    一般性: 120\n    工程性: 1440\n"
                                             "    特殊性: 2160\n", "  limits: &cover\n"
                                             "    一般性: 120\n    工程性: 1440\n    特殊性: 2160\n", 1)
    c.write("categories.yaml", text.replace(
        "  limits:\n    一般性: 120\n    工程性: 1440\n    特殊性: 2160\n", "  limits: *cover\n"))
    assert "*cover" in c.text("categories.yaml")
    ref = load_centre_files(folder)
    assert ref.categories["01001"].limits == ref.categories["01002"].limits


def test_a_calendar_date_stays_a_date(tmp_path: Path) -> None:
    folder = write_mini_centre(tmp_path / "centre")
    days = load_centre_files(folder).calendar_days
    assert [(d.day.isoformat(), d.workday) for d in days] == [("2026-10-10", False),
                                                             ("2026-10-11", True)]


def test_a_partial_stage_limits_keeps_the_other_defaults(tmp_path: Path) -> None:
    folder = write_mini_centre(tmp_path / "centre")
    c = CentreFolder(folder)
    data = c.data("centre.yaml")
    data["stage_limits"] = {"受理": 15}
    c.save("centre.yaml", data)
    limits = load_centre_files(folder).config.stage_limits
    assert limits["受理"] == 15 and limits["结案"] == 60 and len(limits) == 6
