"""The evaluator pad greets the citizen at the counter by number, and shows the clerk's month
only once it means something (ratings.pad_min_ratings).

Real headless Chromium on the pad size the pad tests use (a 1280x800 tablet, and turned
upright); the state API on SQLite and PostgreSQL. Screenshots: tests/screenshots/pad-fit-*.png.
"""
from __future__ import annotations

import pytest

from hallq.queue.settings import RatingSettings
from hallq.server.app import create_app
from tests.browser import TABLET, WAIT_MS, screenshot
from tests.conftest import Hall, Server
from tests.evaluator.web.test_pad_page import open_pad
from tests.helpers import clerk_api, issue


def rate(server, pad_token, clerk, kiosk, clock, level: int) -> None:
    ticket = issue(kiosk, "GA02")
    assert clerk.post("/windows/1/call-next").json()["number"] == ticket["number"]
    assert clerk.post("/windows/1/finish", {"outcome": "immediate"}).status_code == 200
    clock.advance(seconds=10)
    reasons = ["slow"] if level <= 2 else []
    r = server.api(pad_token).post("/ratings", {"ticket": ticket["id"], "level": level, "reasons": reasons,
                                                 "channel": "pad"})
    assert r.status_code == 201, r.text


@pytest.fixture
def desk(db, clock):
    hall = Hall(db, clock, ratings=RatingSettings(pad_min_ratings=3))
    server = Server(create_app(hall.db, clock=clock))
    clerk = clerk_api(hall, server, "S001", window=1)
    yield hall, server, clerk, server.api(hall.token("kiosk", "k1")), hall.token("evaluator", "pad1", window=1)
    server.stop()


def state(server, token) -> dict:
    r = server.api(token).http.get(server.url + "/evaluator/state", headers={"Authorization": f"Bearer {token}"},
                                   timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def test_the_month_is_sent_only_from_the_halls_minimum_and_the_ticket_at_the_counter_always(desk, clock):
    hall, server, clerk, kiosk, pad = desk
    for level in (2, 1):
        rate(server, pad, clerk, kiosk, clock, level)
    month = state(server, pad)["staff"]["month"]
    assert month["shown"] is False and month["min_ratings"] == 3
    assert month["stars"] is None and month["satisfied_rate"] is None and month["count"] is None  # nothing to read
    rate(server, pad, clerk, kiosk, clock, 5)
    month = state(server, pad)["staff"]["month"]
    assert (month["shown"], month["count"], month["stars"]) == (True, 3, round((2 + 1 + 5) / 3, 1))
    assert state(server, pad)["serving"] is None
    ticket = issue(kiosk, "GA01")
    assert clerk.post("/windows/1/call-next").json()["number"] == ticket["number"]
    assert state(server, pad)["serving"] == {"number": ticket["number"]}


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_the_pad_says_whom_it_serves_and_hides_a_thin_month(desk, clock, browser_page):
    hall, server, clerk, kiosk, pad = desk
    for level in (2, 1):  # "1.5分 · 2条评价 · 满意率0%" would greet every citizen
        rate(server, pad, clerk, kiosk, clock, level)
    clock.advance(minutes=2)
    page = open_pad(browser_page, server, pad)
    card = page.locator("#staff-card").inner_text()
    assert "王芳" in card and "分" not in card and "条评价" not in card and "满意率" not in card
    assert page.locator("#month").is_hidden() and page.locator("#serving-now").is_hidden()
    screenshot(page, "pad-fit-thin-month")
    ticket = issue(kiosk, "GA01")
    assert clerk.post("/windows/1/call-next").json()["number"] == ticket["number"]
    page.wait_for_function(f"() => document.getElementById('serving-now').innerText === '正在为{ticket['number']}办理'",
                           timeout=WAIT_MS)
    line = page.locator("#serving-now")
    b = line.bounding_box()
    assert b["x"] >= 0 and b["y"] >= 0 and b["x"] + b["width"] <= TABLET["width"] and \
        b["y"] + b["height"] <= TABLET["height"]
    assert line.evaluate("e => parseFloat(getComputedStyle(e).fontSize)") >= 36
    screenshot(page, "pad-fit-serving")
    page.set_viewport_size({"width": 800, "height": 1280})
    page.wait_for_timeout(200)
    b = line.bounding_box()
    assert b["x"] >= 0 and b["x"] + b["width"] <= 800 and b["y"] + b["height"] <= 1280
    screenshot(page, "pad-fit-serving-portrait")
    page.set_viewport_size(TABLET)
    # Finished: the pad asks for the rating; back at idle it serves nobody until the next call.
    assert clerk.post("/windows/1/finish", {"outcome": "immediate"}).status_code == 200
    page.wait_for_function("() => window.hallqPad.state.mode === 'ask'", timeout=WAIT_MS)
    page.wait_for_function("() => document.getElementById('serving-now').hidden", timeout=WAIT_MS)
    page.locator("#levels button").first.click()  # 非常满意: the third rating, the hall's minimum
    page.wait_for_function("() => window.hallqPad.state.mode === 'idle'", timeout=30_000)
    page.wait_for_function("() => !document.getElementById('month').hidden", timeout=WAIT_MS)
    assert "3条评价" in page.locator("#staff-card").inner_text()
    screenshot(page, "pad-fit-month-shown")
