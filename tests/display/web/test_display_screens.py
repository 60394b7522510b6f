"""The hall TV on a real day, in real headless Chromium: what "now calling" shows, what can be read
from the seats, and the "请A003准备" line a hall may turn on.

Landscape 1920x1080 and portrait 1080x1920 TVs; the test hall (tests/halls/small.toml) and
the demo hall's 17 windows. Screenshots land in tests/screenshots/display-fit-*.png.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

import hallq
from hallq.server.app import create_app
from tests.browser import LANDSCAPE, PORTRAIT, WAIT_MS, screenshot
from tests.conftest import Hall, Server
from tests.display.web.test_display_page import BusyHall, newest, open_display, recent
from tests.helpers import clerk_api, issue

DEMO = Path(hallq.__file__).parent / "data" / "demo_hall.toml"
# 2.4 vmin: 26 px on a 1080-wide portrait TV or a 1080-high landscape one.
LEGIBLE_PX = 25.9


@pytest.fixture
def hall(sqlite_db, clock):
    # A page shows the same thing whatever the database; tests/display/test_display_snapshot.py covers both.
    return Hall(sqlite_db, clock)


@pytest.fixture
def server(hall, clock):
    srv = Server(create_app(hall.db, clock=clock))
    yield srv
    srv.stop()


def smallest_text(page) -> dict:
    """The smallest font of any visible words on the screen, and where."""
    return page.evaluate("""() => {
      let least = {px: Infinity, text: ''};
      for (const el of document.querySelectorAll('body *')) {
        const own = Array.from(el.childNodes).filter(n => n.nodeType === 3).map(n => n.textContent).join('').trim();
        if (!own) continue;
        const r = el.getBoundingClientRect();
        const style = getComputedStyle(el);
        if (!r.width || !r.height || style.visibility === 'hidden' || el.closest('[hidden]')) continue;
        if (r.bottom <= 0 || r.top >= innerHeight || r.right <= 0 || r.left >= innerWidth) continue;
        const px = parseFloat(style.fontSize);
        if (px < least.px) least = {px, text: own, cls: el.className};
      }
      return least;
    }""")


def sections_inside(page) -> None:
    size = page.viewport_size
    assert page.evaluate("() => document.documentElement.scrollWidth") <= size["width"]
    for selector in ("header.bar", ".calling", ".recent", ".windows", ".queues", "footer.notice"):
        b = page.locator(selector).bounding_box()
        assert b["x"] >= 0 and b["y"] >= 0, selector
        assert b["x"] + b["width"] <= size["width"] + 1 and b["y"] + b["height"] <= size["height"] + 1, (selector, b)


# --- now calling ---------------------------------------------------------------------------

@pytest.mark.parametrize("size,name", [(LANDSCAPE, "landscape"), (PORTRAIT, "portrait")])
def test_a_finished_ticket_leaves_now_calling(hall, server, browser_page, size, name):
    busy = BusyHall(hall, server)  # A001 finished at 1; A002 at 2, B001 at 3, A003 at 1 (the newest)
    page = open_display(browser_page, server, hall.token("display", "lobby"), size=size)
    assert "A003" in newest(page)
    busy.finish(1)
    # The newest call still standing takes the panel: B001 at window 3.
    page.wait_for_function("() => !document.querySelector('#newest').innerText.includes('A003')", timeout=WAIT_MS)
    assert "B001" in newest(page) and "请到3号窗口办理" in newest(page)
    assert "fresh" not in page.locator("#newest").get_attribute("class")  # an old call does not blink as new
    assert "A003" in recent(page) and "B001" not in recent(page)  # history keeps it; the panel's not repeated
    screenshot(page, f"display-fit-after-finish-{name}")
    hall.clock.advance(minutes=3)  # the hall's minimum before a skip
    assert busy.clerks[3].post("/windows/3/skip").status_code == 200
    assert busy.clerks[2].post("/windows/2/hold").status_code == 200
    page.wait_for_function("() => document.querySelector('#newest').innerText === '请留意叫号'", timeout=WAIT_MS)
    assert page.locator('.win[data-window="1"] .serving').count() == 0
    screenshot(page, f"display-fit-nobody-called-{name}")
    # A TV switched on now (its snapshot) shows the same.
    page = open_display(browser_page, server, hall.token("display", "lobby"), size=size)
    assert newest(page) == "请留意叫号"
    assert "A003" in recent(page) and "A002" in recent(page)
    # A held ticket called back stands again.
    assert busy.clerks[2].post("/windows/2/call", {"ticket": "A002"}).status_code == 200
    page.wait_for_function("() => document.querySelector('#newest').innerText.includes('A002')", timeout=WAIT_MS)
    sections_inside(page)


# --- legible from the seats -----------------------------------------------------------------

@pytest.mark.real_clock
@pytest.mark.parametrize("size,name", [(PORTRAIT, "portrait"), (LANDSCAPE, "landscape")])
def test_the_demo_halls_screens_have_no_small_words(sqlite_db, clock, browser_page, size, name):
    from hallq.demo import hall as demo

    setup = demo.prepare(sqlite_db)
    srv = Server(demo.create_demo_app(sqlite_db, setup))
    try:
        kiosk = srv.api(setup.kiosk_token)
        for service, count in (("GA01", 3), ("BDC01", 3), ("BDC02", 2), ("SW01", 2), ("RS01", 2)):
            for _ in range(count):
                issue(kiosk, service)
        for window in (1, 7, 8, 10):
            assert srv.api(setup.clerk_tokens[window]).post(f"/windows/{window}/call-next").status_code == 200
        r = srv.api(setup.clerk_tokens[12]).post("/windows/12/pause", {"reason": "窗口工作人员参加业务培训"})
        assert r.status_code == 200, r.text
        profiles = dict((n, t) for n, _, t in setup.display_profiles)
        for label, token in (("whole", setup.display_token), ("floor2", profiles["floor2"])):
            page = open_display(browser_page, srv, token, size=size)
            page.wait_for_timeout(500)
            screenshot(page, f"display-fit-demo-{label}-{name}")
            least = smallest_text(page)
            assert least["px"] >= LEGIBLE_PX, least
            sections_inside(page)
            for card in page.locator(".win").all():  # every card inside the board, none cut off
                b, grid = card.bounding_box(), page.locator("#windows").bounding_box()
                assert b["y"] + b["height"] <= grid["y"] + grid["height"] + 1
                # ...and every line of a card inside it, none cut in half at its edge.
                for line in card.locator(".card > * >> visible=true").all():
                    inner = line.bounding_box()
                    assert inner["y"] + inner["height"] <= b["y"] + b["height"] + 1, (card.inner_text(), inner, b)
            if label == "floor2":
                # Window names show on a zone's few cards, wrapped rather than shrunk.
                names = page.locator(".win .name").all_inner_texts()
                assert "不动产抵押及查询窗口" in [n.replace("\n", "") for n in names]
                assert page.locator('.win[data-window="12"] .reason').is_visible()
    finally:
        srv.stop()


# --- 请A003准备 --------------------------------------------------------------------------------

@pytest.mark.parametrize("size,name", [(LANDSCAPE, "landscape"), (PORTRAIT, "portrait")])
def test_a_hall_that_wants_it_names_the_next_ticket_to_get_ready(sqlite_db, clock, browser_page, size, name):
    hall = Hall(sqlite_db, clock, prepare_next=True)
    srv = Server(create_app(hall.db, clock=clock))
    try:
        busy = BusyHall(hall, srv)
        page = open_display(browser_page, srv, hall.token("display", "lobby"), size=size)
        line = page.locator("#newest .prepare")
        assert re.fullmatch(r"请A\d{3}准备", line.inner_text())
        told = line.inner_text()[1:5]
        card = page.locator('.win[data-window="1"] .prepare')
        assert card.inner_text() == f"请{told}准备"
        screenshot(page, f"display-fit-prepare-{name}")
        assert smallest_text(page)["px"] >= LEGIBLE_PX
        sections_inside(page)
        # The ticket told to get ready is the one window 1 calls next, and the line moves on with it.
        busy.finish(1)
        assert busy.call(1)["number"] == told
        page.wait_for_function(f"() => document.querySelector('#newest').innerText.includes('{told}')"
                               f" && !document.querySelector('#newest .prepare')?.innerText.includes('{told}')",
                               timeout=WAIT_MS)
        # A window that opens gets its line too, and calls the ticket it named.
        four = clerk_api(hall, srv, "S005", window=4)
        page.wait_for_function("() => /^请[A-Z]\\d{3}准备$/.test("
                               "(document.querySelector('.win[data-window=\"4\"] .prepare') || {}).innerText || '')",
                               timeout=WAIT_MS)
        named = page.locator('.win[data-window="4"] .prepare').inner_text()[1:5]
        r = four.post("/windows/4/call-next")
        assert r.status_code == 200 and r.json()["number"] == named
    finally:
        srv.stop()


def test_a_display_profile_may_turn_the_line_off_where_the_hall_has_it_on(sqlite_db, clock, browser_page):
    from hallq.queue.settings import DisplayProfile

    hall = Hall(sqlite_db, clock, prepare_next=True,
                displays=[DisplayProfile(name="quiet", title="安静屏", windows=[1, 2], prepare_next=False)])
    srv = Server(create_app(hall.db, clock=clock))
    try:
        BusyHall(hall, srv)
        page = open_display(browser_page, srv, hall.token("display", "quiet"))
        assert "A003" in newest(page) and page.locator(".prepare").count() == 0
        page = open_display(browser_page, srv, hall.token("display", "lobby"))
        assert page.locator(".win .prepare").count() >= 1
    finally:
        srv.stop()


def test_by_default_no_line_is_shown(hall, server, browser_page):
    BusyHall(hall, server)
    page = open_display(browser_page, server, hall.token("display", "lobby"))
    assert "A003" in newest(page) and page.locator(".prepare").count() == 0
