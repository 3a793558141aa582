"""``citydesk camera …`` end to end: import a CSV registry, list cameras near a case, grab a
frame of a real H.264 clip (encoded in the test with PyAV, 64×36, ten frames) into the case,
核实 by video, alarm settings."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from console.cli.main import main
from console.domain.cases import Actor, Role
from console.services.cases import Report, act, report_case
from console.services.centre import load_centre
from db.uow import SqlUnitOfWork
from tests.rtsp_server import mp4_clip
from tests.video_platforms import (
    CHANNEL,
    DEVICE,
    WVP_PASSWORD,
    WVP_USER,
    FakePlatform,
    wvp_server,
)

__all__ = ["wvp_server"]  # a fixture

ACCEPTOR = Actor("shouli1", Role.ACCEPTOR)


@pytest.fixture
def cli(kaihua_factory: Callable[[], SqlUnitOfWork], db_url: str,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    monkeypatch.setenv("CITYDESK_CONFIG", "")
    monkeypatch.setenv("CITYDESK_VIDEO_CONFIG", "")
    monkeypatch.delenv("CITYDESK_SERVER", raising=False)

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(["--db", db_url, *argv])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def _count(factory: Callable[[], SqlUnitOfWork], table: str) -> int:
    from sqlalchemy import text

    with factory() as uow:
        return int(uow.session.scalar(text(f"SELECT count(*) FROM {table}")) or 0)


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_the_commands(cli: Any, kaihua_factory: Callable[[], SqlUnitOfWork],
                      tmp_path: Path) -> None:
    clip = mp4_clip(tmp_path / "clip.mp4", width=64, height=36, frames=10)  # H.264, PyAV
    registry = tmp_path / "cameras.csv"
    registry.write_text(
        "编码,名称,分组,经度,纬度,主码流,云台\n"
        f"33082400001320000001,解放街口,芹阳,118.4017,29.14745,{clip.as_uri()},是\n"
        "33082400001320000002,解放街西,芹阳,118.4009,29.1469,rtsp://10.0.0.2/1,否\n"
        "33082400001320000003,新华路口,芹阳,118.4033,29.1462,rtsp://10.0.0.3/1,\n"
        f"cam-dead,坏掉的,城东,118.4090,29.1475,{(tmp_path / 'gone.mp4').as_uri()},\n",
        encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text(registry.read_text(encoding="utf-8")
                   + "3308240000132000000,错,,118.4017,29.1474,rtsp://h/1,\n"
                   + "cam-9,颠倒,,29.1475,118.4015,rtsp://h/1,\n", encoding="utf-8")
    code, out, err = cli("camera", "import", str(bad))
    assert code == 2 and "第 6 行" in out and "第 7 行" in out and "未写入" in out
    assert _count(kaihua_factory, "cameras") == 0
    code, out, err = cli("camera", "import", str(registry), "--dry-run")
    assert code == 0 and "试运行" in out and _count(kaihua_factory, "cameras") == 0
    code, out, err = cli("camera", "import", str(registry), "--json")
    assert code == 0 and json.loads(out)["added"] == 4, err

    centre = load_centre(kaihua_factory())
    case = report_case(kaihua_factory, centre, ACCEPTOR, datetime.now(UTC),
                       Report("06010", "路口暴露垃圾", source="公众举报",
                              grid="330824001001001", lon=118.40155, lat=29.14745)).case
    code, out, err = cli("camera", "list", "--near", str(case.id), "--radius", "50", "--json")
    assert code == 0, err
    assert [(c["name"], c["reason"]) for c in json.loads(out)] == [
        ("解放街口", "radius"), ("解放街西", "cell"), ("新华路口", "neighbour")]
    code, out, err = cli("camera", "list", "--grid", "330824001001001")
    assert code == 0 and out.splitlines()[0].startswith("33082400001320000001\t解放街口")

    code, out, err = cli("camera", "snapshot", "33082400001320000001", "--case", str(case.id),
                         "--json")
    assert code == 0, err
    shot = json.loads(out)
    assert (shot["kind"], shot["width"], shot["height"]) == ("video", 64, 36)
    code, out, err = cli("case", "show", str(case.id), "--json")
    photos = json.loads(out)["photos"]
    assert [(p["kind"], p["camera"], p["frame_at"]) for p in photos] == [
        ("video", "33082400001320000001", shot["frame_at"])]
    code, out, err = cli("case", "show", str(case.id))
    assert "视频" in out

    before = _count(kaihua_factory, "photos")
    code, out, err = cli("camera", "snapshot", "cam-dead", "--case", str(case.id))
    assert code == 3 and err.startswith("citydesk: ") and err.count("\n") == 1, err
    code, out, err = cli("camera", "snapshot", "nope", "--case", str(case.id))
    assert code == 2 and "摄像机" in err
    assert _count(kaihua_factory, "photos") == before

    act(kaihua_factory, centre, ACCEPTOR, datetime.now(UTC), case.id or 0, "accept")
    code, out, err = cli("--as", "shouli1", "camera", "verify", "33082400001320000001",
                         "--case", str(case.id), "--not-found", "--notes", "无垃圾")
    assert code == 0 and "问题不存在" in out, err
    code, out, err = cli("case", "show", str(case.id), "--json")
    verify = json.loads(out)["timeline"][-1]
    assert verify["type"] == "verify" and verify["payload"]["by"] == "video"
    assert verify["payload"]["found"] is False and len(verify["photos"]) == 1


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_alarm_settings(cli: Any) -> None:
    code, out, err = cli("camera", "alarm-types", "set", "occupy", "06010", "--note", "占道经营")
    assert code == 0, err
    code, out, err = cli("camera", "alarm-types", "--json")
    assert json.loads(out) == [{"type": "occupy", "category": "06010", "note": "占道经营"}]
    code, out, err = cli("camera", "alarm-types", "set", "x", "no-such-category")
    assert code == 2 and err.count("\n") == 1
    code, out, err = cli("--as", "shouli1", "camera", "alarm-types", "set", "y", "06010")
    assert code == 3 and "管理员" in err
    code, out, err = cli("camera", "alarm-key", "caiji01")
    assert code == 2 and "受理员" in err
    code, out, err = cli("camera", "alarm-key", "shouli2")
    assert code == 0 and out.startswith("shouli2:")
    code, out, err = cli("camera", "alarm-types", "remove", "occupy")
    assert code == 0
    code, out, err = cli("camera", "alarm-types", "remove", "occupy")
    assert code == 2 and "没有告警类型" in err


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_sync_from_wvp_then_play_through_it(cli: Any, wvp_server: FakePlatform, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "video.toml"
    config.write_text(f'[platforms.wvp1]\nkind = "wvp"\nurl = "{wvp_server.url}"\n',
                      encoding="utf-8")
    monkeypatch.setenv("CITYDESK_VIDEO_CONFIG", str(config))
    monkeypatch.setenv("CITYDESK_VIDEO_WVP1_USER", WVP_USER)
    monkeypatch.setenv("CITYDESK_VIDEO_WVP1_PASSWORD", WVP_PASSWORD)
    code, out, err = cli("camera", "sync", "wvp1", "--group", "公安", "--dry-run")
    assert code == 0 and "试运行" in out, err
    code, out, err = cli("camera", "list", "--json")
    assert json.loads(out) == []
    code, out, err = cli("camera", "sync", "wvp1", "--group", "公安", "--json")
    assert code == 0 and json.loads(out)["added"] == 1, err
    code, out, err = cli("camera", "list", "--group", "公安", "--json")
    camera = json.loads(out)[0]
    assert (camera["code"], camera["platform"], camera["platform_id"], camera["online"],
            camera["ptz"], camera["cell"]) == (CHANNEL, "wvp1", f"{DEVICE}/{CHANNEL}", True,
                                               True, "330824001001001")
    code, out, err = cli("camera", "play-url", CHANNEL)
    assert code == 0 and out.startswith(f"rtsp://127.0.0.1:554/rtp/{DEVICE}_{CHANNEL}"), err
    monkeypatch.setenv("CITYDESK_VIDEO_WVP1_PASSWORD", "wrong")
    wvp_server.tokens.clear()  # the session ended: signing in again fails
    code, out, err = cli("camera", "sync", "wvp1")
    assert code == 3 and "登录失败" in err and err.count("\n") == 1
    code, out, err = cli("camera", "sync", "nope")
    assert code == 2 and "没有平台" in err


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_the_worker_checks_the_cameras(cli: Any, db_url: str, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess
    import sys

    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"\0")
    registry = tmp_path / "cameras.csv"
    registry.write_text("编码,名称,经度,纬度,主码流\n"
                        f"cam-1,文件,118.4017,29.14745,{clip.as_uri()}\n"
                        f"cam-2,没有了,118.4017,29.14745,{(tmp_path / 'gone.mp4').as_uri()}\n",
                        encoding="utf-8")
    assert cli("camera", "import", str(registry))[0] == 0
    env = {**os.environ, "CITYDESK_CONFIG": "", "CITYDESK_VIDEO_CONFIG": "",
           "CITYDESK_ANCHOR_DIR": str(tmp_path / "anchors")}
    env.pop("CITYDESK_SERVER", None)
    done = subprocess.run([sys.executable, "-m", "console", "worker", "--once", "--json",
                           "--db", db_url], cwd=Path(__file__).resolve().parents[2], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    # The worker logs to stdout too: the JSON is the object after the log lines.
    result, _end = json.JSONDecoder().raw_decode(done.stdout[done.stdout.index("\n{") + 1:])
    assert result["camera-online"] == {"checked": 2, "online": 1, "offline": 1,
                                       "platforms_failed": 0}
    code, out, _err = cli("camera", "list", "--json")
    assert code == 0
    assert {c["code"]: c["online"] for c in json.loads(out)} == {"cam-1": True, "cam-2": False}
