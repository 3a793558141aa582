"""``citydesk tiles fetch`` end to end against a loopback tile server: the file, resuming,
the rate, one-line refusals that write nothing, and a label layer composed over its base."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest
import yaml
from PIL import Image

from console.cli.main import main
from console.tile_fetch import FetchPlan, fetch
from tests.cli.conftest import Result
from tests.tile_server import EVEN, TileServer, tile_server  # noqa: F401
from widgets.tiles.grid import tile_count
from widgets.tiles.mbtiles import MBTiles
from widgets.tiles.source import TileSource

BBOX = "118.40,29.13,118.42,29.15"


def tiles(*argv: str) -> Result:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(["tiles", "fetch", *argv])
        except SystemExit as exc:
            code = int(exc.code or 0)
    return Result(code, out.getvalue(), err.getvalue())


@pytest.fixture
def centre(tmp_path: Path, tile_server: TileServer) -> Path:  # noqa: F811
    folder = tmp_path / "centre"
    folder.mkdir()
    basemap = [
        {"name": "local", "kind": "xyz", "url": tile_server.url + "/{z}/{x}/{y}.png",
         "attribution": "generated test tiles"},
        {"name": "keyed", "kind": "xyz", "url": tile_server.url + "/{z}/{x}/{y}.png?tk={tk}",
         "key_env": "CITYDESK_TEST_TK"},
        {"name": "offline", "kind": "mbtiles", "path": str(tmp_path / "x.mbtiles")},
    ]
    (folder / "centre.yaml").write_text(yaml.safe_dump({"basemap": basemap}, allow_unicode=True),
                                        encoding="utf-8")
    return folder


def test_fetch_fills_the_file_and_a_second_run_fetches_nothing(
        centre: Path, tmp_path: Path, tile_server: TileServer) -> None:  # noqa: F811
    out = tmp_path / "kaihua.mbtiles"
    args = ("--source", "local", "--bbox", BBOX, "--zoom", "14-15", "--out", str(out),
            "--rate", "50", "--resources", str(centre))
    hits = len(tile_server.hits)
    first = tiles(*args)
    assert first.code == 0, first.err
    expected = sum(tile_count("w", z, (118.40, 29.13, 118.42, 29.15)) for z in (14, 15))
    assert f"新下载 {expected} 块" in first.out and len(tile_server.hits) - hits == expected
    f = MBTiles(out)
    assert f.count() == expected and f.zooms() == [14, 15]
    assert f.metadata["minzoom"] == "14" and f.metadata["attribution"] == "generated test tiles"
    f.close()
    again = tiles(*args)
    assert again.code == 0 and f"已有 {expected} 块" in again.out and "新下载 0 块" in again.out
    assert len(tile_server.hits) - hits == expected  # resumed: nothing asked again


@pytest.mark.parametrize(("argv", "words"), [
    (("--bbox", "118.42,29.13,118.40,29.15"), "W < E"),
    (("--bbox", "118.4,29.1"), "W,S,E,N"),
    (("--zoom", "15-12"), "起 ≤ 止"),
    (("--zoom", "ten"), "--zoom"),
    (("--zoom", "19"), "层级 1–18"),
    (("--zoom", "14-18", "--max-tiles", "10"), "超过上限"),
    (("--rate", "0"), "--rate"),
    (("--source", "nope"), "没有名为 'nope' 的底图"),
    (("--source", "keyed"), "CITYDESK_TEST_TK"),
    (("--source", "offline"), "找不到 MBTiles"),
])
def test_bad_input_is_one_line_exit_2_and_nothing_written(
        centre: Path, tmp_path: Path, argv: tuple[str, ...], words: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CITYDESK_TEST_TK", raising=False)
    out = tmp_path / "never.mbtiles"
    base = {"--source": "local", "--bbox": BBOX, "--zoom": "14", "--out": str(out),
            "--resources": str(centre)}
    given = dict(zip(argv[::2], argv[1::2], strict=True))
    result = tiles(*[x for k, v in (base | given).items() for x in (k, v)])
    assert result.code == 2 and result.err.count("\n") == 1 and words in result.err, result.err
    assert not out.exists()


def test_the_key_comes_from_the_environment_and_never_shows(
        centre: Path, tmp_path: Path, tile_server: TileServer,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITYDESK_TEST_TK", "secret123")
    out = tmp_path / "k.mbtiles"
    result = tiles("--source", "keyed", "--bbox", BBOX, "--zoom", "14", "--out", str(out),
                   "--rate", "50", "--resources", str(centre))
    assert result.code == 0, result.err
    assert tile_server.hits[-1].endswith("tk=secret123") and "secret123" not in result.out


def test_layers_are_composed_and_the_rate_is_kept(tmp_path: Path,
                                                  tile_server: TileServer) -> None:  # noqa: F811
    # the label layer: a transparent PNG with one opaque pixel, composed over the base
    label = io.BytesIO()
    image = Image.new("RGBA", (256, 256), (0, 0, 0, 0))
    image.putpixel((10, 10), (255, 255, 255, 255))
    image.save(label, format="PNG")

    class Session:
        def __init__(self) -> None:
            self.headers: dict[str, str] = {}

        def get(self, url: str, timeout: float):
            import requests

            answer = requests.get(url.replace("/labels", ""), timeout=timeout)
            if "/labels" in url:
                answer._content = label.getvalue()
            return answer

    source = TileSource("two", urls=(tile_server.url + "/{z}/{x}/{y}.png",
                                     tile_server.url + "/labels/{z}/{x}/{y}.png"))
    job = FetchPlan(source, (118.40, 29.13, 118.402, 29.132), (14,), 1)
    now, slept = [0.0], []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    f = MBTiles(tmp_path / "two.mbtiles", writable=True)
    result = fetch(job, f, rate=2, session=Session(), sleep=sleep,  # type: ignore[arg-type]
                   clock=lambda: now[0])
    assert result.fetched == 1
    (z, x, y), = job.tiles()
    data = f.get(z, x, y)
    assert data is not None
    tile = Image.open(io.BytesIO(data)).convert("RGB")
    assert tile.getpixel((10, 10)) == (255, 255, 255)
    assert tile.getpixel((100, 100)) in (EVEN, (40, 60, 200))
    assert slept == [0.5]  # two requests at 2 a second: the second waited half a second
