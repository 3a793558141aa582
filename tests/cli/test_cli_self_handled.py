"""``citydesk case self-handle`` and its review from the command line (issue #15, 自处置)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from tests.cli.conftest import fingerprint, run

GRID = "330824001001001"


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("photos")
    for name, colour in (("before", "red"), ("after", "green")):
        Image.new("RGB", (64, 48), colour).save(folder / f"{name}.jpg", "JPEG")
    (folder / "text.jpg").write_text("not a photo")
    return {p.stem: str(p) for p in Path(folder).iterdir()}


def _self_handle(url: str, *photo_args: str) -> object:
    return run(url, "case", "self-handle", "--category", "06010", "--desc", "路边垃圾已清理",
               "--grid", GRID, *photo_args, "--json", user="caiji01")


@pytest.mark.parametrize("args", [
    ("--before", "before"), ("--after", "after"), (), ("--before", "before", "--after", "text"),
])
def test_without_both_photos_it_is_one_line_and_nothing_changes(shared_db: str, photos,
                                                                 args) -> None:
    argv = [photos.get(a, a) for a in args]
    before = fingerprint(shared_db)
    res = _self_handle(shared_db, *argv)
    assert res.code == 2, res
    assert res.err.count("\n") == 1 and "Traceback" not in res.err
    assert fingerprint(shared_db) == before


def test_a_collector_self_handles_and_an_acceptor_reviews(shared_db: str, photos) -> None:
    res = _self_handle(shared_db, "--before", photos["before"], "--after", photos["after"])
    assert res.code == 0, res
    made = json.loads(res.out)
    assert made["state"] == "自处置待审核"
    shown = run(shared_db, "case", "show", str(made["id"]))
    assert "照片" in shown.out and "处置前" in shown.out and "处置后" in shown.out
    own = run(shared_db, "case", "approve", str(made["id"]), user="caiji01")
    assert own.code == 3 and "监督员" in own.err
    res = run(shared_db, "case", "approve", str(made["id"]), "--json", user="shouli1")
    assert res.code == 0, res
    assert json.loads(res.out)["state"] == "已结案"
    other = json.loads(_self_handle(shared_db, "--before", photos["before"],
                                    "--after", photos["after"]).out)
    res = run(shared_db, "case", "reject-self-handled", str(other["id"]), "--reason", "照片不清楚",
              "--json", user="shouli1")
    assert res.code == 0, res
    assert json.loads(res.out)["state"] == "待受理"
