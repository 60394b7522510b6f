"""The hall TV display page in real headless Chromium, against the real server.

A busy test hall (tickets over several items, calls at several windows over the
HTTP API) is shown by display tokens of each profile in tests/halls/small.toml:
`east` (windows 1-2), `market` (department SJ: window 3, item SJ01) and any
other name (the whole hall). Screenshots land in tests/screenshots/display-*.png.
"""
from __future__ import annotations

import io
import logging
import math
import struct
import wave

import pytest

from hallq.server.realtime import display_room
from tests.browser import LANDSCAPE, PORTRAIT, WAIT_MS, open_with_token, screenshot
from tests.conftest import Hall
from tests.helpers import clerk_api, issue, wait_for


@pytest.fixture
def hall(sqlite_db, clock):
    # A page shows the same thing whatever the database; the engine's tests cover both.
    return Hall(sqlite_db, clock)


class BusyHall:
    """The test hall in mid-morning: people waiting for four items, three windows at work."""

    def __init__(self, hall, server):
        self.hall, self.server = hall, server
        self.kiosk = server.api(hall.token("kiosk", "k1"))
        for service, count in (("GA01", 4), ("GA02", 3), ("SJ01", 4), ("MZ01", 2)):
            for _ in range(count):
                issue(self.kiosk, service)
        self.clerks = {1: clerk_api(hall, server, "S001", 1), 2: clerk_api(hall, server, "S003", 2),
                       3: clerk_api(hall, server, "S004", 3)}
        self.call(1)                      # A001 -> 1
        self.call(2)                      # A002 -> 2
        self.call(3)                      # B001 -> 3
        self.finish(1)
        self.call(1)                      # A003 -> 1, the newest

    def call(self, window: int) -> dict:
        r = self.clerks[window].post(f"/windows/{window}/call-next")
        assert r.status_code == 200, r.text
        return r.json()

    def finish(self, window: int) -> None:
        r = self.clerks[window].post(f"/windows/{window}/finish", {"outcome": "immediate"})
        assert r.status_code == 200, r.text


def open_display(page, server, token: str, *, lang: str | None = None, size=LANDSCAPE):
    query = f"?lang={lang}" if lang else ""
    return open_with_token(page, f"{server.url}/display{query}", token,
                           "() => window.hallqDisplay && window.hallqDisplay.state.hall", size=size, settle_ms=300)


def newest(page) -> str:
    return page.locator("#newest").inner_text()


def shown_windows(page) -> list[int]:
    return [int(n) for n in page.locator(".win").evaluate_all("els => els.map(e => e.dataset.window)")]


def shown_services(page) -> list[str]:
    return page.locator(".q").evaluate_all("els => els.map(e => e.dataset.service)")


def recent(page) -> str:
    return page.locator("#recent").inner_text()


# --- each profile, with a busy hall ---------------------------------------------------

def test_whole_hall_shows_the_newest_call_highlighted_windows_and_queues(hall, server, browser_page):
    BusyHall(hall, server)
    page = open_display(browser_page, server, hall.token("display", "lobby"))
    screenshot(page, "display-whole-hall")
    assert "A003" in newest(page) and "请到1号窗口办理" in newest(page)
    assert "fresh" in page.locator("#newest").get_attribute("class")  # blinking: it was just called
    assert page.locator('.win[data-window="1"]').get_attribute("class").split().count("fresh") == 1
    assert shown_windows(page) == [1, 2, 3, 4]
    assert "A002" in recent(page) and "B001" in recent(page) and "A001" in recent(page)
    assert "A003" not in recent(page)  # the newest is on top, not repeated below
    assert page.locator('.win[data-window="2"] .serving').inner_text() == "A002"
    assert page.locator('.win[data-window="4"]').inner_text().count("未开放") == 1
    queues = {s: page.locator(f'.q[data-service="{s}"] .count').inner_text() for s in shown_services(page)}
    assert queues == {"GA01": "等候 1 人", "GA02": "等候 3 人", "SJ01": "等候 3 人", "MZ01": "等候 2 人"}
    assert page.locator("#hall-name").inner_text() == "测试县政务服务中心"
    assert page.locator("#time").inner_text().startswith("10:0")  # the hall's clock, in Asia/Shanghai
    assert "2026年11月23日" in page.locator("#date").inner_text()
    page.wait_for_function("() => !document.querySelector('#newest').classList.contains('fresh')", timeout=15_000)
    screenshot(page, "display-whole-hall-settled")


def test_a_floor_profile_shows_only_its_windows_items_and_calls(hall, server, browser_page):
    busy = BusyHall(hall, server)
    page = open_display(browser_page, server, hall.token("display", "east"))
    screenshot(page, "display-profile-east")
    assert page.locator("#profile-title").inner_text() == "东区 公安窗口"
    assert shown_windows(page) == [1, 2]
    assert sorted(shown_services(page)) == ["GA01", "GA02"]  # what windows 1 and 2 serve
    assert "A003" in newest(page) and "A002" in recent(page) and "A001" in recent(page)
    assert "B001" not in recent(page)  # called to window 3, another zone
    # Live: a call elsewhere does not reach it, a call here does.
    busy.finish(3)
    busy.call(3)  # B002 -> 3
    busy.finish(2)
    busy.call(2)  # A004 -> 2
    page.wait_for_function("() => document.querySelector('#newest').innerText.includes('A004')", timeout=WAIT_MS)
    assert "B002" not in page.locator("body").inner_text()
    assert page.locator('.win[data-window="2"] .serving').inner_text() == "A004"


def test_a_department_profile_shows_its_windows_and_items(hall, server, browser_page):
    busy = BusyHall(hall, server)
    page = open_display(browser_page, server, hall.token("display", "market"))
    screenshot(page, "display-profile-market")
    assert page.locator("#profile-title").inner_text() == "市场监管专区"
    assert shown_windows(page) == [3]
    assert shown_services(page) == ["SJ01"]
    assert "B001" in newest(page) and "请到3号窗口办理" in newest(page)
    assert "A00" not in page.locator("main").inner_text()
    # Waiting counts follow issuing live, for its own item only.
    issue(busy.kiosk, "SJ01")
    issue(busy.kiosk, "MZ01")
    page.wait_for_function(
        "() => document.querySelector('.q[data-service=\"SJ01\"] .count').innerText === '等候 4 人'", timeout=WAIT_MS)
    assert shown_services(page) == ["SJ01"]


def test_portrait_screen_and_english(hall, server, browser_page):
    BusyHall(hall, server)
    token = hall.token("display", "lobby")
    page = open_display(browser_page, server, token, size=PORTRAIT)
    screenshot(page, "display-portrait")
    board = page.locator("main").bounding_box()
    calling, windows = page.locator(".calling").bounding_box(), page.locator(".windows").bounding_box()
    assert windows["y"] > calling["y"] + calling["height"] - 1  # stacked, not side by side
    assert calling["width"] > board["width"] * 0.9
    page = open_display(browser_page, server, token, lang="en")
    screenshot(page, "display-english")
    assert "please go to window 1" in newest(page)
    assert page.locator("#profile-title").inner_text() == "Whole hall"
    assert page.locator('.q[data-service="SJ01"] .count').inner_text() == "3 waiting"
    assert "Monday" in page.locator("#date").inner_text()


def test_before_any_call_it_shows_who_waits_and_asks_people_to_watch(hall, server, browser_page):
    kiosk = server.api(hall.token("kiosk", "k1"))
    for service in ("GA01", "GA01", "MZ01"):
        issue(kiosk, service)
    page = open_display(browser_page, server, hall.token("display", "lobby"))
    screenshot(page, "display-no-calls-yet")
    assert newest(page) == "请留意叫号"
    assert page.locator('.q[data-service="GA01"] .count').inner_text() == "等候 2 人"
    assert page.locator('.q[data-service="MZ01"] .count').inner_text() == "等候 1 人"
    assert shown_windows(page) == [1, 2, 3, 4] and page.locator(".win.closed").count() == 4


# --- live updates, outages ------------------------------------------------------------------

def test_a_new_call_shows_at_once_and_blinks_for_a_few_seconds(hall, server, browser_page):
    busy = BusyHall(hall, server)
    page = open_display(browser_page, server, hall.token("display", "lobby"))
    page.wait_for_function("() => !document.querySelector('#newest').classList.contains('fresh')", timeout=15_000)
    busy.finish(2)
    called = busy.call(2)
    page.wait_for_function(f"() => document.querySelector('#newest').innerText.includes('{called['number']}')",
                           timeout=WAIT_MS)
    assert "fresh" in page.locator("#newest").get_attribute("class")
    assert "fresh" in page.locator('.win[data-window="2"]').get_attribute("class")
    screenshot(page, "display-new-call")
    page.wait_for_function("() => !document.querySelector('#newest').classList.contains('fresh')", timeout=15_000)
    assert called["number"] in newest(page)  # still the newest, no longer blinking
    r = busy.clerks[2].post("/windows/2/recall")
    assert r.status_code == 200, r.text
    page.wait_for_function("() => document.querySelector('#newest').classList.contains('fresh')", timeout=WAIT_MS)
    assert "重呼" in newest(page)
    assert recent(page).count(called["number"]) == 0  # a recall is one line, on top


def test_a_pause_reason_from_the_list_reads_as_on_the_windows_led_screen(hall, server, browser_page):
    from hallq.devices.led.text import ScreenLayout, window_lines

    busy = BusyHall(hall, server)
    hall.clock.advance(minutes=3)  # the hall's minimum before a skip (skip_after_minutes)
    assert busy.clerks[2].post("/windows/2/skip").status_code == 200
    assert busy.clerks[2].post("/windows/2/pause", {"reason": "lunch"}).status_code == 200
    state = [w for w in busy.clerks[2].get("/windows").json() if w["number"] == 2][0]
    token = hall.token("display", "lobby")
    for lang, paused, why in ((None, "暂停服务", "午休"), ("en", "Paused", "Lunch break")):
        page = open_display(browser_page, server, token, lang=lang)
        card = page.locator('.win[data-window="2"]')
        assert (card.locator(".state").inner_text(), card.locator(".reason").inner_text()) == (paused, why)
        assert window_lines(state, ScreenLayout(columns=24, rows=2), lang or "zh") == [paused, why]
    screenshot(page, "display-english-paused-lunch")


def test_after_the_network_comes_back_the_page_shows_what_happened_meanwhile(hall, server, browser_page):
    busy = BusyHall(hall, server)
    page = open_display(browser_page, server, hall.token("display", "lobby"))
    page.evaluate("() => { window.snapshots = 0; window.hallqDisplay.socket.on('snapshot', () => window.snapshots++); return 0; }")
    page.context.set_offline(True)
    page.wait_for_function("() => !window.hallqDisplay.state.connected", timeout=WAIT_MS)
    page.wait_for_selector("#offline", state="visible", timeout=WAIT_MS)
    # Meanwhile the hall goes on: calls, a pause, more tickets.
    busy.finish(1)
    first = busy.call(1)
    busy.finish(3)
    second = busy.call(3)
    hall.clock.advance(minutes=3)  # the hall's minimum before a skip (skip_after_minutes)
    r = busy.clerks[2].post("/windows/2/skip")
    assert r.status_code == 200, r.text
    assert busy.clerks[2].post("/windows/2/pause", {"reason": "系统维护"}).status_code == 200
    issue(busy.kiosk, "MZ01")
    page.wait_for_timeout(1000)
    assert second["number"] not in page.locator("main").inner_text()  # it really was cut off
    screenshot(page, "display-offline")
    page.context.set_offline(False)
    page.wait_for_function("() => window.snapshots > 0", timeout=WAIT_MS)
    page.wait_for_selector("#offline", state="hidden", timeout=WAIT_MS)
    assert second["number"] in newest(page) and "请到3号窗口办理" in newest(page)
    assert first["number"] in recent(page)
    assert page.locator('.win[data-window="1"] .serving').inner_text() == first["number"]
    assert "暂停服务" in page.locator('.win[data-window="2"]').inner_text()
    assert "系统维护" in page.locator('.win[data-window="2"]').inner_text()
    assert page.locator('.q[data-service="MZ01"] .count').inner_text() == "等候 3 人"
    screenshot(page, "display-back-online")


# --- rooms: what each display hears ----------------------------------------------------------

def test_a_profile_display_hears_only_its_windows_and_items(hall, server):
    busy = BusyHall(hall, server)
    market = server.socket(hall.token("display", "market"))
    lobby = server.socket(hall.token("display", "lobby"))
    try:
        snap = wait_for(market, "snapshot")
        assert [w["number"] for w in snap["windows"]] == [3]
        assert [s["code"] for s in snap["services"]] == ["SJ01"]
        assert [c["number"] for c in snap["recent_calls"]] == ["B001"]
        assert snap["display"]["title"] == "市场监管专区" and snap["hall"]["timezone"] == "Asia/Shanghai"
        assert len(wait_for(lobby, "snapshot")["windows"]) == 4
        busy.finish(1)
        elsewhere = busy.call(1)
        busy.finish(3)
        here = busy.call(3)
        wait_for(market, "ticket.called", lambda d: d["number"] == here["number"])
        wait_for(lobby, "ticket.called", lambda d: d["number"] == here["number"])
        assert wait_for(lobby, "ticket.called", lambda d: d["number"] == elsewhere["number"])
        heard = [(e, d) for e, d in list(market.received) if e != "snapshot"]
        assert heard and all(d.get("window") == 3 or d.get("service") == "SJ01" for e, d in heard)
        assert not any(d.get("number") == elsewhere["number"] for e, d in heard)
    finally:
        market.disconnect()
        lobby.disconnect()


def test_staff_joining_a_display_room_see_what_its_screens_see(hall, server):
    BusyHall(hall, server)
    hall.user("boss", "supervisor")
    client = server.socket(hall.login("boss"))
    try:
        client.received.clear()
        assert client.call("join", {"room": "display:east"}, timeout=10)["ok"] is True
        snap = wait_for(client, "snapshot")
        assert [w["number"] for w in snap["windows"]] == [1, 2] and snap["display"]["name"] == "east"
    finally:
        client.disconnect()


# --- tokens: none, bad, never logged ---------------------------------------------------------

def test_a_bad_or_missing_token_gets_a_clear_error_screen(hall, server, browser_page):
    page = browser_page
    page.goto(f"{server.url}/display#token=not-a-real-token")
    page.wait_for_selector("#failure", state="visible", timeout=WAIT_MS)
    screenshot(page, "display-bad-token")
    assert "显示屏令牌无效或已停用" in page.locator("#failure").inner_text()
    assert "hallq token create --kind display" in page.locator("#failure").inner_text()
    page.goto(f"{server.url}/display?lang=en")
    page.wait_for_selector("#failure", state="visible", timeout=WAIT_MS)
    assert "The address has no display token." in page.locator("#failure").inner_text()


def test_the_token_never_reaches_the_request_log(hall, server, browser_page):
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record.getMessage())

    logger = logging.getLogger("werkzeug")
    handler, level = Keep(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        BusyHall(hall, server)
        token = hall.token("display", "lobby")
        page = open_display(browser_page, server, token)
        page.evaluate("() => window.hallqDisplay.socket.emit('snapshot')")
        page.wait_for_timeout(500)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    assert any("GET /display" in line for line in records)  # the log was really captured
    assert not any(token in line for line in records)


# --- the demo hall: 17 windows, 51 items ----------------------------------------------------

@pytest.mark.real_clock
def test_the_demo_links_a_display_for_every_profile_and_a_big_hall_reads_well(sqlite_db, browser_page):
    from hallq.demo import hall as demo
    from tests.conftest import Server

    setup = demo.prepare(sqlite_db)
    srv = Server(demo.create_demo_app(sqlite_db, setup))
    try:
        landing = srv.api().http.get(srv.url + "/", timeout=30).text
        names = [name for name, _, _ in setup.display_profiles]
        assert names == ["floor1", "floor2", "floor3", "bdc", "info"]
        for _, title, token in setup.display_profiles:
            assert f"/display#token={token}" in landing and title in landing
        assert f"/display#token={setup.display_token}" in landing
        kiosk = srv.api(setup.kiosk_token)
        for service, count in (("GA01", 6), ("GA07", 3), ("SJ01", 5), ("BDC01", 4), ("BDC02", 2), ("SW01", 3),
                               ("RS01", 2), ("GJJ01", 3), ("MZ01", 2), ("JT01", 1), ("ZR01", 1)):
            for _ in range(count):
                issue(kiosk, service)
        for window in (1, 2, 3, 4, 7, 8, 10, 14, 16, 17, 9):
            r = srv.api(setup.clerk_tokens[window]).post(f"/windows/{window}/call-next")
            assert r.status_code == 200, r.text
        r = srv.api(setup.clerk_tokens[12]).post("/windows/12/pause", {"reason": "午间交接"})
        assert r.status_code == 200, r.text
        page = open_display(browser_page, srv, setup.display_token)
        screenshot(page, "display-demo-whole-hall")
        assert len(shown_windows(page)) == 17
        assert "请到9号窗口办理" in newest(page)
        assert "暂停服务" in page.locator('.win[data-window="12"]').inner_text()
        floor2 = dict((n, t) for n, _, t in setup.display_profiles)["floor2"]
        page = open_display(browser_page, srv, floor2)
        screenshot(page, "display-demo-floor2")
        assert shown_windows(page) == [7, 8, 9, 10, 11, 12, 13]
        page = open_display(browser_page, srv, floor2, size=PORTRAIT)
        screenshot(page, "display-demo-floor2-portrait")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PORTRAIT["width"]  # nothing spills
    finally:
        srv.stop()


# --- audio -----------------------------------------------------------------------------------

def tone_wav(seconds: float, hz: float, rate: int = 16_000) -> bytes:
    """A plain sine tone as a 16-bit mono WAV file."""
    frames = b"".join(struct.pack("<h", int(12_000 * math.sin(2 * math.pi * hz * i / rate)))
                      for i in range(int(seconds * rate)))
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)
    return out.getvalue()


def played(page, count: int) -> list[dict]:
    page.wait_for_function(f"() => window.hallqDisplay.announcer.history.length >= {count}", timeout=20_000)
    return page.evaluate("() => window.hallqDisplay.announcer.history")


def test_announcements_play_in_order_one_at_a_time(hall, server, browser_page):
    token = hall.token("display", "lobby")
    page = open_display(browser_page, server, token)
    clips = {"/clips/one.wav": 0.6, "/clips/two.wav": 0.25, "/clips/three.wav": 0.4}
    asked: list[tuple[str, str | None]] = []

    def serve(route):
        path = "/" + route.request.url.split("/", 3)[3]
        asked.append((path, route.request.headers.get("authorization")))
        route.fulfill(status=200, content_type="audio/wav", body=tone_wav(clips[path], 440 + 110 * len(asked)))

    page.route("**/clips/*.wav", serve)
    # The server pushes audio to one profile's screens through its display room...
    realtime = server.app.extensions["hallq.server.realtime"]
    realtime.sio.emit("announce", {"audio": ["/clips/one.wav", "/clips/two.wav"]}, to=display_room(hall.id, "lobby"))
    # ...and anything on the page may queue more while those play.
    page.wait_for_function("() => window.hallqDisplay.announcer.busy || window.hallqDisplay.announcer.blocked",
                           timeout=WAIT_MS)
    page.evaluate("() => window.hallqDisplay.announce({audio: '/clips/three.wav'})")
    if page.locator("#sound").is_visible():  # a browser that wants a tap before sound gets one
        page.locator("#sound").click()
    history = played(page, 3)
    assert [h["url"] for h in history] == list(clips)
    assert all(h["error"] is None and h["started"] is not None and h["ended"] is not None for h in history), history
    for before, after in zip(history, history[1:]):
        assert after["started"] >= before["ended"]  # never two at once
    for h in history:
        assert (h["ended"] - h["started"]) / 1000 >= clips[h["url"]] * 0.8  # played through, not cut short
    assert all(auth == f"Bearer {token}" for _, auth in asked)


def test_a_tv_that_wants_a_tap_before_sound_keeps_the_call_until_tapped(hall, server, browser_page):
    page = open_display(browser_page, server, hall.token("display", "lobby"))
    page.route("**/clips/*.wav", lambda route: route.fulfill(status=200, content_type="audio/wav",
                                                               body=tone_wav(0.3, 523)))
    # This Chromium lets pages play sound unasked; many TV browsers refuse until someone taps once.
    page.evaluate("""() => {
      const play = HTMLMediaElement.prototype.play;
      HTMLMediaElement.prototype.play = function () {
        HTMLMediaElement.prototype.play = play;
        return Promise.reject(new DOMException("a tap is needed first", "NotAllowedError"));
      };
      window.hallqDisplay.announce({audio: ["/clips/a.wav", "/clips/b.wav"]});
    }""")
    page.wait_for_selector("#sound", state="visible", timeout=WAIT_MS)
    screenshot(page, "display-tap-for-sound")
    assert page.evaluate("() => window.hallqDisplay.announcer.history.length") == 0
    page.locator("#sound").click()
    history = played(page, 2)
    assert [h["url"] for h in history] == ["/clips/a.wav", "/clips/b.wav"]
    assert all(h["error"] is None and h["ended"] is not None for h in history)
    assert not page.locator("#sound").is_visible()


def test_a_speaking_profile_plays_each_call_as_the_hall_speakers_say_it(hall, server, browser_page):
    busy = BusyHall(hall, server)
    page = open_display(browser_page, server, hall.token("display", "speaker"))
    answers = []
    page.on("response", lambda r: answers.append((r.url, r.status, r.headers.get("content-type")))
            if "/display/announce.wav" in r.url else None)
    busy.finish(2)
    called = busy.call(2)
    page.wait_for_function("() => window.hallqDisplay.announcer.busy || window.hallqDisplay.announcer.blocked",
                           timeout=WAIT_MS)
    if page.locator("#sound").is_visible():
        page.locator("#sound").click()
    page.wait_for_function("() => window.hallqDisplay.announcer.history.length >= 1"
                           " || (window.hallqDisplay.announcer.audio && window.hallqDisplay.announcer.audio.currentTime > 1)",
                           timeout=30_000)
    url, status, kind = answers[0]
    assert url.endswith(f"/display/announce.wav?number={called['number']}&window=2")
    assert status == 200 and kind == "audio/wav"
    assert page.evaluate("() => window.hallqDisplay.announcer.audio.duration") > 2  # chime and the spoken call


def test_the_announcement_audio_needs_a_token_and_a_real_call_shape(hall, server):
    display = server.api(hall.token("display", "lobby"))
    r = display.http.get(server.url + "/display/announce.wav", params={"number": "A001", "window": 3}, timeout=60)
    assert r.status_code == 200 and r.headers["content-type"] == "audio/wav"
    with wave.open(io.BytesIO(r.content)) as w:
        assert w.getnframes() / w.getframerate() > 2
    assert server.api().http.get(server.url + "/display/announce.wav?number=A001&window=3", timeout=30).status_code == 401
    for bad in ({"number": "A001"}, {"number": "'; DROP", "window": 3}, {"number": "A001", "window": "x"}):
        assert display.http.get(server.url + "/display/announce.wav", params=bad, timeout=30).status_code == 400
