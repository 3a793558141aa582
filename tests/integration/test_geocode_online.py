"""天地图's place search after the gazetteer (issue #16 part 3), against a fake 天地图 on
loopback that checks the key and the request: the seat's ``geocode`` and ``citydesk geocode``
add its places (inside the centre's grid, not already found) only when the gazetteer finds too
few; without a key nothing is asked; a failing service leaves the gazetteer's places."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from console.desk_gazetteer import online_search
from console.desk_local import LocalDeskBackend
from console.domain.cell_finder import CellFinder
from console.geocode_online import TiandituSearch, parse_pois, with_online
from console.services.centre import load_centre
from db.uow import SqlUnitOfWork
from tests.integration.test_gazetteer import ADMIN, NOW, ROWS, _import

KEY = "0123abcd"
INSIDE = "118.40150,29.14800"  # in Kaihua's 330824001001xxx cells
POIS = [{"name": "开化县文化馆", "address": "芹阳办事处文化路8号", "lonlat": INSIDE},
        {"name": "杭州东站", "address": "杭州市", "lonlat": "120.2130,30.2910"},  # no cell
        {"name": "无坐标的点", "address": "", "lonlat": ""}]


class FakeTianditu(ThreadingHTTPServer):
    daemon_threads = True
    asked: list[dict[str, Any]]
    broken: bool = False


class _Handler(BaseHTTPRequestHandler):
    server: FakeTianditu

    def do_GET(self) -> None:
        query = parse_qs(urlparse(self.path).query)
        post = json.loads(query["postStr"][0])
        self.server.asked.append(post)
        if self.server.broken:
            self.send_response(502)
            self.end_headers()
            return
        if query.get("tk") != [KEY] or query.get("type") != ["query"]:
            body: dict[str, Any] = {"status": {"infocode": 1001, "cndesc": "key 错误"}}
        else:
            body = {"resultType": 1, "count": len(POIS), "pois": POIS,
                    "status": {"infocode": 1000, "cndesc": "服务正常"}}
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.fixture
def tianditu() -> Iterator[FakeTianditu]:
    server = FakeTianditu(("127.0.0.1", 0), _Handler)
    server.asked = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def _url(server: FakeTianditu) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/v2/search"


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_the_seat_adds_tianditus_places_after_the_gazetteers(
        kaihua_factory: Callable[[], SqlUnitOfWork], tianditu: FakeTianditu,
        monkeypatch: pytest.MonkeyPatch) -> None:
    centre = load_centre(kaihua_factory())
    _import(kaihua_factory, centre, ROWS, keep=True)
    seat = LocalDeskBackend(kaihua_factory, centre, lambda: NOW, ADMIN)
    monkeypatch.delenv("TIANDITU_TK", raising=False)
    online_search.cache_clear()
    assert seat.geocode("文化馆", 8) == [] and tianditu.asked == []  # no key: never asked
    monkeypatch.setenv("TIANDITU_TK", KEY)
    monkeypatch.setenv("CITYDESK_GEOCODER_URL", _url(tianditu))
    online_search.cache_clear()
    try:
        (hit,) = seat.geocode("文化馆", 8)  # Hangzhou (no cell) and the point without one left out
        cell = CellFinder(centre.ref.grids.values()).cell(118.4015, 29.148)
        assert cell is not None
        assert (hit.name, hit.match, hit.cell, hit.id) == ("开化县文化馆", "online", cell.code, 0)
        (asked,) = tianditu.asked
        assert asked["keyWord"] == "文化馆" and asked["queryType"] == "1"
        west, south, east, north = map(float, asked["mapBound"].split(","))
        assert west < 118.4015 < east and south < 29.148 < north  # the centre's grid box
        seat.geocode("文化馆", 8)
        assert len(tianditu.asked) == 1  # the answer is kept
        (local,) = seat.geocode("新华超市", 1)  # the gazetteer found enough: not asked
        assert local.match == "name" and len(tianditu.asked) == 1
        tianditu.broken = True
        assert [h.match for h in seat.geocode("人民医院", 8)] == ["name"]  # a 502: local only
    finally:
        online_search.cache_clear()


def test_a_refused_key_is_no_answer(tianditu: FakeTianditu) -> None:
    search = TiandituSearch("wrong", _url(tianditu))
    with pytest.raises(Exception, match="key 错误"):
        search.search("文化馆", (118.0, 29.0, 119.0, 30.0), 8)
    assert parse_pois({"pois": [{"name": "甲", "lonlat": "118.1 29.1"}]})[0].lat == 29.1


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_citydesk_geocode_asks_tianditu_too(
        kaihua_factory: Callable[[], SqlUnitOfWork], db_url: str, tianditu: FakeTianditu,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from console.cli.main import main

    monkeypatch.setenv("CITYDESK_CONFIG", "")
    monkeypatch.delenv("CITYDESK_SERVER", raising=False)
    monkeypatch.setenv("TIANDITU_TK", KEY)
    monkeypatch.setenv("CITYDESK_GEOCODER_URL", _url(tianditu))
    assert main(["--db", db_url, "geocode", "文化馆", "--json"]) == 0
    (hit,) = json.loads(capsys.readouterr().out)
    assert (hit["name"], hit["match"], hit["id"]) == ("开化县文化馆", "online", 0)
    assert hit["cell"] is not None


def test_without_a_key_the_local_places_stand() -> None:
    from console.reference_files import load_centre_files

    finder = CellFinder(load_centre_files().grids.values())
    assert with_online([], "文化馆", 8, finder, None) == []
