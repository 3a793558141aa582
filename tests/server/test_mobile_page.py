"""The collectors' phone page ``/m/`` (issue #15) in a real headless Chromium on a real server.

One server (PostgreSQL) and one browser for the module: Debian's ``chromium`` and
``chromium-driver`` through selenium, the window a 360×740 phone.  The desk's side is the API
as a desk calls it.  Covered: the issue's full loop of one public report (核实 answered on the
page with a photo and a GCJ-02 position stored as its WGS-84 conversion, then 核查 passed on
the page, the desk closing); a report made offline is queued and sent exactly once when the
network returns; a queued result the server refuses (409) leaves the queue with its message;
a 自处置 from the page; the page's headers and the category list; the page in English.

Without chromium, its driver or selenium this skips on a developer's machine and FAILS with
``CI=true`` (``.ci/setup`` installs them on Debian as root).  ``CITYDESK_UPDATE_SCREENSHOTS=1``
writes the page's screenshots to docs/screenshots/ (task list, one task, the report form).
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from PIL import Image
from sqlalchemy import Engine, text

from console.domain.coords import wgs84_to_gcj02
from console.domain.geo import haversine_m
from tests.server.conftest import PASSWORD, Server
from tests.server.test_field_api import CELL, MIDDLE, _act, _post

pytestmark = pytest.mark.postgres

PHONE = {"width": 360, "height": 740, "pixelRatio": 1.0}
WAIT = 20.0
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _required(what: str) -> None:
    reason = f"{what} (bash .ci/setup installs chromium, chromium-driver and selenium as root)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; required because CI=true")
    pytest.skip(reason)


def _browser_paths() -> tuple[str, str]:
    if importlib.util.find_spec("selenium") is None:
        _required("selenium is not installed")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if chromium is None or driver is None:
        _required("chromium or chromedriver is not installed")
    assert chromium is not None and driver is not None
    return chromium, driver


@pytest.fixture(scope="module")
def browser(server: Server) -> Iterator[Any]:
    """One headless Chromium as a 360×740 phone, allowed to locate, on the server's origin."""
    chromium, driver_path = _browser_paths()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--lang=zh-CN", "--window-size=360,740"):
        options.add_argument(arg)
    options.add_experimental_option("mobileEmulation", {"deviceMetrics": PHONE})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        driver.set_script_timeout(WAIT)
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Browser.grantPermissions",
                               {"origin": server.url, "permissions": ["geolocation"]})
        driver.execute_cdp_cmd("Emulation.setGeolocationOverride",
                               {"latitude": MIDDLE[1], "longitude": MIDDLE[0], "accuracy": 8})
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def phone(browser: Any, server: Server) -> Any:
    """The browser with caiji01 signed in on ``/m/``."""
    browser.get(f"{server.url}/m/")
    _by_id(browser, "username").send_keys("caiji01")
    _by_id(browser, "password").send_keys(PASSWORD)
    _tap(browser, browser.find_element("css selector", "#signin-form button[type=submit]"))
    _until(browser, lambda d: _by_id(d, "view-tasks").is_displayed())
    return browser


def _by_id(driver: Any, name: str) -> Any:
    return driver.find_element("id", name)


def _tap(driver: Any, element: Any) -> None:
    """Scroll ``element`` to the middle (as a thumb would, clear of the fixed tabs), tap it."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def _until(driver: Any, condition: Any, timeout: float = WAIT) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(condition)


def _offline(driver: Any, offline: bool) -> None:
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
        "offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})


def _queue(driver: Any) -> list[dict[str, Any]]:
    raw = driver.execute_script("return localStorage.getItem('citydesk.queue.caiji01')")
    return list(json.loads(raw or "[]"))


def _notices(driver: Any) -> list[str]:
    # One script: a notice may expire between a list of elements and reading each one.
    return list(driver.execute_script(
        "return Array.from(document.querySelectorAll('#notices li'), (n) => n.innerText)"))


def _shot(driver: Any, name: str, tmp_path: Path) -> Path:
    folder = DOCS if os.environ.get("CITYDESK_UPDATE_SCREENSHOTS") == "1" else tmp_path
    path = folder / f"{name}.png"
    driver.save_screenshot(str(path))
    with Image.open(path) as shot:
        assert shot.size == (360, 740), shot.size
    return path


def _photo(tmp_path: Path, name: str = "scene.jpg") -> str:
    out = io.BytesIO()
    Image.new("RGB", (2400, 1800), (200, 40, 30)).save(out, "JPEG")
    path = tmp_path / name
    path.write_bytes(out.getvalue())
    return str(path)


def _public_report_to_verify(server: Server, description: str) -> dict[str, Any]:
    body = {"category": "06010", "description": description, "grid": CELL,
            "address": "芹阳办事处北门社区 解放路 3 号", "source": "公众举报"}
    case = _post(server, "shouli1", "/api/v1/reports", json=body)["case"]
    case = _act(server, "shouli1", case, "accept")
    return _act(server, "shouli1", case, "request-verify", collector="caiji01")


def _card(driver: Any, case_id: int) -> Any:
    return _until(driver, lambda d: d.find_elements(
        "css selector", f"#task-list button[data-case='{case_id}']"))[0]


def _answer(driver: Any, case_id: int, outcome: str, photo: str | None = None) -> None:
    _tap(driver, _card(driver, case_id))
    _until(driver, lambda d: _by_id(d, "view-task").is_displayed())
    _tap(driver, driver.find_element("css selector", f"#t-outcomes button[data-outcome='{outcome}']"))
    if photo:
        _by_id(driver, "t-photo").send_keys(photo)
    _until(driver, lambda d: "获取中" not in _by_id(d, "t-position").text)
    _tap(driver, driver.find_element("css selector", "#answer-form button[type=submit]"))
    _until(driver, lambda d: _by_id(d, "view-tasks").is_displayed())


def _case(server: Server, case_id: int) -> dict[str, Any]:
    reply = server.get(f"/api/v1/cases/{case_id}", server.as_user("shouli1"))
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def _severe(driver: Any) -> list[str]:
    """Console errors other than the failed loads a test provokes (offline, 409, 401)."""
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"
            and "Failed to load resource" not in e["message"]]


def test_the_full_loop_of_a_public_report(phone: Any, server: Server, tmp_path: Path) -> None:
    case = _public_report_to_verify(server, "路口垃圾成堆（全流程）")
    card = _card(phone, case["id"])
    assert case["case_no"] in card.text and "核实" in card.text
    assert "剩 " in card.text or "超 " in card.text  # the countdown runs
    _shot(phone, "mobile_tasks", tmp_path)

    gcj = wgs84_to_gcj02(*MIDDLE)
    phone.execute_script(
        "const lon = arguments[0], lat = arguments[1];"
        "window.citydeskPosition = () => Promise.resolve({lon, lat, crs: 'gcj02', accuracy: 6});",
        gcj[0], gcj[1])
    _tap(phone, _card(phone, case["id"]))
    _until(phone, lambda d: _by_id(d, "view-task").is_displayed())
    assert "暴露垃圾" in _by_id(phone, "t-title").text
    assert "解放路 3 号" in _by_id(phone, "t-fields").text
    _tap(phone, phone.find_element("css selector", "#t-outcomes button[data-outcome='found']"))
    _by_id(phone, "t-photo").send_keys(_photo(tmp_path))
    _by_id(phone, "t-notes").send_keys("现场属实")
    _until(phone, lambda d: "获取中" not in _by_id(d, "t-position").text)
    _until(phone, lambda d: d.find_elements("css selector", "#t-previews img"))
    _shot(phone, "mobile_task", tmp_path)
    _tap(phone, phone.find_element("css selector", "#answer-form button[type=submit]"))
    _until(phone, lambda d: not _queue(d) and any("已发送：核实" in n for n in _notices(d)))
    phone.execute_script("delete window.citydeskPosition")

    detail = _case(server, case["id"])
    assert detail["state"] == "待立案"
    step = detail["timeline"][-1]
    assert (step["type"], step["actor"], step["role"]) == ("verify", "caiji01", "监督员")
    assert step["payload"]["crs"] == "gcj02"
    assert haversine_m(step["payload"]["lon"], step["payload"]["lat"], *MIDDLE) < 1.0
    assert [p["kind"] for p in detail["photos"]] == ["before"]

    filed = _act(server, "shouli1", detail, "file")
    dispatched = _act(server, "paiqian1", filed, "dispatch")
    started = _act(server, "unit_zhzf", dispatched, "start")
    fed_back = _act(server, "unit_zhzf", started, "feedback", notes="已清运")
    check = _act(server, "shouli1", fed_back, "request-check", collector="caiji01")
    card = _card(phone, check["id"])  # the long poll brings it without a reload
    assert "核查" in card.text
    _answer(phone, check["id"], "pass")
    _until(phone, lambda d: not _queue(d) and any("已发送：核查" in n for n in _notices(d)))
    passed = _case(server, check["id"])
    assert passed["state"] == "待结案"
    closed = _act(server, "zhibanzhang1", passed, "close", close_type="正常")
    assert closed["state"] == "已结案"
    assert _severe(phone) == []


def test_a_report_made_offline_is_sent_once(phone: Any, server: Server, db: Engine,
                                            tmp_path: Path) -> None:
    _tap(phone, phone.find_element("css selector", "#tabs button[data-view='report']"))
    _until(phone, lambda d: _by_id(d, "view-report").is_displayed())
    _by_id(phone, "r-filter").send_keys("bllj")  # pinyin initials of 暴露垃圾
    _until(phone, lambda d: _by_id(d, "r-category").get_attribute("value") == "06010")
    marker = f"离线上报 {uuid.uuid4().hex[:8]}"
    _by_id(phone, "r-description").send_keys(marker)
    _by_id(phone, "r-photo").send_keys(_photo(tmp_path, "report.jpg"))
    _until(phone, lambda d: "获取中" not in _by_id(d, "r-position").text)
    assert "118.401522" in _by_id(phone, "r-position").text
    _until(phone, lambda d: d.find_elements("css selector", "#r-previews img"))
    _shot(phone, "mobile_report", tmp_path)

    _offline(phone, True)
    try:
        _until(phone, lambda d: not d.execute_script("return navigator.onLine"))
        _tap(phone, phone.find_element("css selector", "#r-submit"))
        _until(phone, lambda d: len(_queue(d)) == 1)
        assert "离线" in _by_id(phone, "net-text").text
        assert "待发送 1 项" in _by_id(phone, "net-text").text
        [item] = _queue(phone)
        client_id = item["body"]["client_id"]
        assert item["body"]["crs"] == "wgs84" and "grid" not in item["body"]
        _tap(phone, _by_id(phone, "retry"))  # pressing retry while offline sends nothing
        assert _cases_described(db, marker) == 0
    finally:
        _offline(phone, False)
    # The online event and a burst of retries: still one case, one report event.
    phone.execute_script("for (let i = 0; i < 3; i++) window.dispatchEvent(new Event('online'));")
    _until(phone, lambda d: not _queue(d))
    assert any("已发送：上报 暴露垃圾" in n for n in _notices(phone))
    assert _cases_described(db, marker) == 1
    with db.connect() as conn:
        events = conn.execute(text("SELECT count(*) FROM case_events WHERE request_id = :r"),
                              {"r": client_id}).scalar_one()
        grid = conn.execute(text("SELECT grid FROM cases WHERE description = :d"),
                            {"d": marker}).scalar_one()
    assert (events, grid) == (1, CELL)


def _cases_described(db: Engine, description: str) -> int:
    with db.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM cases WHERE description = :d"),
                                {"d": description}).scalar_one())


def test_a_queued_result_refused_leaves_the_queue_with_its_message(phone: Any, server: Server,
                                                                   db: Engine) -> None:
    _tap(phone, phone.find_element("css selector", "#tabs button[data-view='tasks']"))
    case = _public_report_to_verify(server, "已被他处答复的任务")
    _card(phone, case["id"])
    _offline(phone, True)
    try:
        _answer(phone, case["id"], "not_found")
        assert len(_queue(phone)) == 1
        # Meanwhile the task is answered another way (the collector's other device).
        _post(server, "caiji01", f"/api/v1/tasks/{case['id']}/result", json={"outcome": "found"})
    finally:
        _offline(phone, False)
    _until(phone, lambda d: not _queue(d))
    refused = [n for n in _notices(phone) if n.startswith("未被接受：核实")]
    assert refused and case["case_no"] in refused[0], _notices(phone)
    assert _case(server, case["id"])["state"] == "待立案"  # the other answer stands
    with db.connect() as conn:
        verifies = conn.execute(text("SELECT count(*) FROM case_events WHERE case_id = :c "
                                     "AND type = 'verify'"), {"c": case["id"]}).scalar_one()
    assert verifies == 1


def test_a_self_handled_fix_from_the_page(phone: Any, server: Server, db: Engine,
                                          tmp_path: Path) -> None:
    _tap(phone, phone.find_element("css selector", "#tabs button[data-view='report']"))
    _tap(phone, phone.find_element("css selector", "#r-mode button[data-mode='self']"))
    assert _by_id(phone, "r-after-box").is_displayed()
    _by_id(phone, "r-filter").clear()
    _by_id(phone, "r-filter").send_keys("06010")
    _until(phone, lambda d: _by_id(d, "r-category").get_attribute("value") == "06010")
    marker = f"自处置 {uuid.uuid4().hex[:8]}"
    _by_id(phone, "r-description").send_keys(marker)
    _by_id(phone, "r-photo").send_keys(_photo(tmp_path, "before.jpg"))
    _until(phone, lambda d: "获取中" not in _by_id(d, "r-position").text)
    _tap(phone, phone.find_element("css selector", "#r-submit"))
    _until(phone, lambda d: "处置后照片" in _by_id(d, "r-error").text)  # no after photo: kept
    assert _queue(phone) == []
    _by_id(phone, "r-after").send_keys(_photo(tmp_path, "after.jpg"))
    _tap(phone, phone.find_element("css selector", "#r-submit"))
    _until(phone, lambda d: not _queue(d) and any("已发送：自处置" in n for n in _notices(d)))
    with db.connect() as conn:
        state, case_id = conn.execute(text("SELECT state, id FROM cases WHERE description = :d"),
                                      {"d": marker}).one()
        kinds = sorted(conn.execute(text("SELECT kind FROM photos WHERE case_id = :c"),
                                    {"c": case_id}).scalars())
    assert (state, kinds) == ("自处置待审核", ["after", "before"])
    assert _severe(phone) == []


def test_a_lapsed_session_keeps_the_queue_for_the_next_sign_in(phone: Any, server: Server,
                                                              db: Engine) -> None:
    _tap(phone, phone.find_element("css selector", "#tabs button[data-view='report']"))
    _tap(phone, phone.find_element("css selector", "#r-mode button[data-mode='report']"))
    _by_id(phone, "r-filter").clear()
    _by_id(phone, "r-filter").send_keys("06010")
    _until(phone, lambda d: _by_id(d, "r-category").get_attribute("value") == "06010")
    marker = f"会话过期 {uuid.uuid4().hex[:8]}"
    _by_id(phone, "r-description").send_keys(marker)
    _offline(phone, True)
    try:
        _tap(phone, phone.find_element("css selector", "#r-submit"))
        _until(phone, lambda d: len(_queue(d)) == 1)
        token = phone.execute_script("return sessionStorage.getItem('citydesk.token')")
        assert server.post("/api/v1/logout", token).status_code == 200  # the session ends
    finally:
        _offline(phone, False)
    _until(phone, lambda d: _by_id(d, "view-signin").is_displayed())
    assert "登录已过期" in _by_id(phone, "signin-error").text
    assert len(_queue(phone)) == 1 and _cases_described(db, marker) == 0
    _by_id(phone, "password").send_keys(PASSWORD)  # the user name is filled in
    _tap(phone, phone.find_element("css selector", "#signin-form button[type=submit]"))
    _until(phone, lambda d: not _queue(d))
    assert _cases_described(db, marker) == 1


def test_the_page_headers_and_the_category_list(server: Server) -> None:
    page = requests.get(f"{server.url}/m/", timeout=10)
    assert page.status_code == 200 and "城管通" in page.text
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "http" not in csp
    for name in ("i18n.js", "app.js", "app.css"):
        asset = requests.get(f"{server.url}/m/{name}", timeout=10)
        assert asset.status_code == 200 and asset.headers["content-security-policy"] == csp
    assert requests.get(f"{server.url}/m/../README.md", timeout=10).status_code == 404
    moved = requests.get(f"{server.url}/m", timeout=10, allow_redirects=False)
    assert (moved.status_code, moved.headers["location"]) == (308, "/m/")
    assert requests.get(f"{server.url}/api/v1/categories", timeout=10).status_code == 401
    listed = server.get("/api/v1/categories", server.as_user("caiji01")).json()
    garbage = next(c for c in listed if c["code"] == "06010")
    assert garbage == {"code": "06010", "name": "暴露垃圾", "name_en": "Exposed garbage",
                       "kind": "event", "kind_name": "事件",
                       "initials": "bllj", "aliases": garbage["aliases"]}
    assert [c["code"] for c in listed] == sorted(c["code"] for c in listed)


def _chrome_text(driver: Any) -> str:
    """The page's own words on screen: title, tabs, headings, labels and buttons (not the
    task cards nor the collector's name: those are the centre's data)."""
    return str(driver.execute_script(
        "return Array.from(document.querySelectorAll("
        "'#bar h1, #tabs, h2, label, button:not(.task), legend'))"
        ".filter((n) => n.offsetParent !== null).map((n) => n.innerText)"
        ".join(' | ')"))


def test_the_page_in_english(phone: Any, server: Server, tmp_path: Path) -> None:
    """English is one tap away and stays chosen; the centre's data keeps its own language."""
    case = _public_report_to_verify(server, "路口垃圾（英文页面）")
    _tap(phone, _by_id(phone, "lang"))
    try:
        _until(phone, lambda d: d.execute_script("return document.documentElement.lang") == "en"
               and _by_id(d, "view-tasks").is_displayed())
        card = _card(phone, case["id"])
        assert "Verify" in card.text and "Exposed garbage" in card.text
        assert " left" in card.text or "over " in card.text  # the countdown, in English
        assert "My tasks" in _chrome_text(phone) and "中文" in _by_id(phone, "lang").text
        _tap(phone, card)
        _until(phone, lambda d: _by_id(d, "view-task").is_displayed())
        assert _by_id(phone, "t-question").text == "Is the problem real?"
        assert "Case no." in _by_id(phone, "t-fields").text
        assert "解放路 3 号" in _by_id(phone, "t-fields").text  # data stays as entered
        # the page's own words carry no Chinese (the language button names 中文 on purpose)
        words = _chrome_text(phone).replace("中文", "")
        assert not re.search("[\u4e00-\u9fff]", words), words
        _tap(phone, _by_id(phone, "back"))
        _tap(phone, phone.find_element("css selector", "#tabs button[data-view='report']"))
        assert _by_id(phone, "r-submit").text == "Send report"
        options = [o.text for o in phone.find_elements("css selector", "#r-category option")]
        assert "Exposed garbage（06010）" in options
        words = _chrome_text(phone).replace("中文", "")
        assert not re.search("[\u4e00-\u9fff]", words), words
        _shot(phone, "mobile_report_en", tmp_path)
        phone.refresh()  # the choice stays on the phone
        _until(phone, lambda d: d.execute_script("return document.documentElement.lang") == "en")
    finally:
        phone.execute_script("localStorage.setItem('citydesk.lang', 'zh'); location.reload()")
        _until(phone, lambda d: d.execute_script("return document.documentElement.lang")
               == "zh-CN" and _by_id(d, "view-tasks").is_displayed())
    assert _severe(phone) == []
