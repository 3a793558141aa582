"""The platform adapters against fake platforms on loopback that check the token and the
signature (tests/video_platforms.py), and where their credentials may come from."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from console.domain.cameras import Camera
from console.video.config import (
    PlatformConfig,
    VideoConfig,
    VideoConfigError,
    load_video_config,
    parse_video_config,
)
from console.video.platforms import VideoPlatformError, adapter_for, play_url
from tests.video_platforms import (
    APP_KEY,
    APP_SECRET,
    ARTEMIS_CAMERA,
    CHANNEL,
    DEVICE,
    WVP_PASSWORD,
    WVP_USER,
    FakePlatform,
    artemis_server,
    wvp_server,
)

__all__ = ["artemis_server", "wvp_server"]  # fixtures


def _camera(platform: str, platform_id: str = "", main: str = "", sub: str = "") -> Camera:
    return Camera(1, "cam-1", "cam", "", 118.4, 29.1, None, platform, platform_id, main, sub,
                  False)


def _creds(monkeypatch: pytest.MonkeyPatch, name: str, user: str, password: str) -> None:
    monkeypatch.setenv(f"CITYDESK_VIDEO_{name.upper()}_USER", user)
    monkeypatch.setenv(f"CITYDESK_VIDEO_{name.upper()}_PASSWORD", password)


def _config(name: str, kind: str, url: str) -> VideoConfig:
    return parse_video_config({"platforms": {name: {"kind": kind, "url": url}}})


def test_wvp_lists_channels_and_starts_a_play(wvp_server: FakePlatform,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    _creds(monkeypatch, "wvp1", WVP_USER, WVP_PASSWORD)
    config = _config("wvp1", "wvp", wvp_server.url)
    camera = _camera("wvp1", f"{DEVICE}/{CHANNEL}")
    adapter = adapter_for(camera, config)
    listed = adapter.list()
    assert [(c.platform_id, c.name, c.online, c.ptz) for c in listed] == [
        (f"{DEVICE}/{CHANNEL}", "解放街口", True, True)]
    assert adapter.play_url(camera).startswith(f"rtsp://127.0.0.1:554/rtp/{DEVICE}_")
    wvp_server.tokens.clear()  # the token expired: signed in again, once
    assert play_url(camera, config=config).startswith("rtsp://")
    assert wvp_server.refused == 1


def test_wvp_refuses_a_wrong_password(wvp_server: FakePlatform,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    _creds(monkeypatch, "wvp2", WVP_USER, "wrong")
    config = _config("wvp2", "wvp", wvp_server.url)
    with pytest.raises(VideoPlatformError, match="登录失败"):
        play_url(_camera("wvp2", f"{DEVICE}/{CHANNEL}"), config=config)


def test_artemis_signed_requests(artemis_server: FakePlatform,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    _creds(monkeypatch, "isc", APP_KEY, APP_SECRET)
    config = _config("isc", "artemis", artemis_server.url)
    camera = _camera("isc", ARTEMIS_CAMERA)
    adapter = adapter_for(camera, config)
    assert [(c.platform_id, c.code, c.lon) for c in adapter.list()] == [
        (ARTEMIS_CAMERA, "33082400001320000009", 118.409)]
    assert adapter.play_url(camera) == "rtsp://127.0.0.1:655/openUrl/main-rtsp"
    assert adapter.play_url(camera, sub=True) == "rtsp://127.0.0.1:655/openUrl/sub-rtsp"
    assert artemis_server.refused == 0
    with pytest.raises(VideoPlatformError, match="资源不存在"):
        adapter.play_url(_camera("isc", "unknown"))


def test_artemis_with_a_wrong_secret_is_refused(artemis_server: FakePlatform,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    _creds(monkeypatch, "isc", APP_KEY, APP_SECRET + "x")
    config = _config("isc", "artemis", artemis_server.url)
    with pytest.raises(VideoPlatformError, match="拒绝了凭据或签名"):
        play_url(_camera("isc", ARTEMIS_CAMERA), config=config)
    assert artemis_server.refused == 1


def test_plain_urls_and_url_platform_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    plain = _camera("", main="rtsp://10.0.0.7/main", sub="rtsp://10.0.0.7/sub")
    config = _config("cams", "url", "")
    assert play_url(plain, sub=True, config=config) == "rtsp://10.0.0.7/sub"
    _creds(monkeypatch, "cams", "viewer", "p@ss:w")
    named = _camera("cams", main="rtsp://10.0.0.7:8554/main")
    assert play_url(named, config=config) == "rtsp://viewer:p%40ss%3Aw@10.0.0.7:8554/main"
    with pytest.raises(VideoPlatformError, match="没有视频地址"):
        play_url(_camera(""), config=config)
    with pytest.raises(VideoConfigError, match="没有平台"):
        play_url(_camera("ghost", main="rtsp://h/1"), config=config)


def test_credentials_file_must_be_private(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("USER", "PASSWORD"):
        monkeypatch.delenv(f"CITYDESK_VIDEO_W_{name}", raising=False)
    secret = tmp_path / "w.secret"
    secret.write_text('user = "u"\npassword = "p"\n', encoding="utf-8")
    os.chmod(secret, 0o644)
    platform = PlatformConfig("w", "wvp", "http://h", str(secret))
    with pytest.raises(VideoConfigError, match="0600"):
        platform.credentials()
    os.chmod(secret, 0o600)
    assert (platform.credentials().user, platform.credentials().password) == ("u", "p")
    with pytest.raises(VideoConfigError, match="没有凭据"):
        PlatformConfig("w", "wvp", "http://h").credentials()


@pytest.mark.parametrize(("text", "message"), [
    ('[platforms.a]\nkind = "wvp"\nurl = "http://h"\npassword = "x"\n', "不能写在"),
    ('[platforms.a]\nkind = "vms"\nurl = "http://h"\n', "kind"),
    ('[platforms.a]\nkind = "wvp"\n', "http(s)"),
    ('[alarms]\nfold_minutes = -1\n', "fold_minutes"),
    ("[platforms\n", "无法读取"),
])
def test_video_toml_faults_are_one_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "video.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(VideoConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_video_config(path)


def test_video_toml_gives_the_fold_window(tmp_path: Path) -> None:
    path = tmp_path / "video.toml"
    path.write_text('[alarms]\nfold_minutes = 45\n[platforms.cams]\nkind = "url"\n',
                    encoding="utf-8")
    config = load_video_config(path)
    assert config.fold_minutes == 45 and config.platform("cams").kind == "url"
    assert load_video_config(tmp_path / "none.toml").platforms == {}
