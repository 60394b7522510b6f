"""The citizen's status page (/t/<token>, the ticket's QR target) on a phone-sized Chromium."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.browser import screenshot
from tests.conftest import Hall
from tests.helpers import clerk_api, issue
from tests.kiosk.kit import id_number

PHONE = {"width": 390, "height": 844}
WAIT_MS = 10_000


@pytest.fixture
def hall(sqlite_db, clock):
    return Hall(sqlite_db, clock)


def test_the_status_page_follows_the_ticket_until_it_is_called(hall, server, browser_page):
    """Live over the public socket: the page asks nothing by HTTP while it is connected."""
    kiosk = server.api(hall.token("kiosk", "k1"))
    person = id_number(dt.date(1980, 1, 2))
    issue(kiosk, "GA01")
    issue(kiosk, "GA01")
    mine = issue(kiosk, "GA01", id_number=person, phone="13912345678")
    page = browser_page
    page.set_viewport_size(PHONE)
    asked = []
    page.on("request", lambda r: asked.append(r.url) if r.url.split("?")[0].endswith(f"/api/v1/t/{mine['token']}")
            else None)
    page.goto(f"{server.url}/t/{mine['token']}")
    page.wait_for_function("() => window.hallqStatus.live", timeout=WAIT_MS)
    assert page.inner_text("#number") == "A003"
    assert page.inner_text("#ahead") == "2" and page.inner_text("#status") == "等候中"
    assert page.inner_text("#eta").startswith("约")
    assert page.is_hidden("#calling")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scrolling
    text = page.inner_text("body")
    assert person[-4:] not in text and "5678" not in text
    screenshot(page, "status-01-waiting-phone")

    clerk = clerk_api(hall, server, "S001", 1)
    clerk.post("/windows/1/call-next")  # A001
    page.wait_for_function("() => document.getElementById('ahead').textContent === '1'", timeout=WAIT_MS)
    clerk.post("/windows/1/finish", {"outcome": "immediate"})
    clerk.post("/windows/1/call", {"ticket": "A003"})  # called by number, ahead of A002
    page.wait_for_selector("#calling:not([hidden])", timeout=WAIT_MS)
    assert page.inner_text("#calling") == "请到1号窗口办理"
    assert page.inner_text("#status") == "正在叫号" and page.is_hidden("#queue")
    screenshot(page, "status-02-called-phone")

    clerk.post("/windows/1/finish", {"outcome": "immediate"})
    page.wait_for_function("() => document.getElementById('status').textContent.startsWith('已办结')", timeout=WAIT_MS)
    assert page.is_hidden("#calling")
    assert page.evaluate("() => window.hallqStatus.polls") == 0 and asked == []  # all of it came over the socket


def test_without_its_socket_the_status_page_falls_back_on_polling(hall, server, browser_page):
    """A network that lets no Socket.IO through (both transports refused): the page polls, and says it is current."""
    kiosk = server.api(hall.token("kiosk", "k1"))
    issue(kiosk, "GA01")
    mine = issue(kiosk, "GA01")
    page = browser_page
    page.set_viewport_size(PHONE)
    page.route("**/socket.io/**", lambda route: route.abort())  # long-polling
    page.route_web_socket(re.compile(r".*/socket\.io/.*"), lambda ws: ws.close())  # and the websocket
    page.goto(f"{server.url}/t/{mine['token']}?poll=1")
    assert page.inner_text("#ahead") == "1"
    clerk = clerk_api(hall, server, "S001", 1)
    clerk.post("/windows/1/call-next")  # A001
    page.wait_for_function("() => document.getElementById('ahead').textContent === '0'", timeout=WAIT_MS)
    assert page.evaluate("() => window.hallqStatus.live") is False
    assert page.evaluate("() => window.hallqStatus.polls") >= 1
    assert page.inner_text("#updated").startswith("更新于")
    screenshot(page, "status-05-polling-fallback-phone")


def test_the_status_page_in_english_and_for_an_unknown_ticket(hall, server, browser_page):
    ticket = issue(server.api(hall.token("kiosk", "k1")), "SJ01")
    page = browser_page
    page.set_viewport_size(PHONE)
    page.goto(f"{server.url}/t/{ticket['token']}?lang=en")
    assert page.inner_text("#status") == "waiting" and page.inner_text("#eta") == "any moment"
    screenshot(page, "status-03-english-phone")
    response = page.goto(f"{server.url}/t/not-a-ticket")
    assert response.status == 404
    assert page.inner_text("#unknown") == "没有找到这张号票，可能已过期或号码有误。"
    screenshot(page, "status-04-unknown-phone")


def test_after_service_the_qr_code_rates_it_once_with_a_reason_for_a_bad_review(hall, server, browser_page, clock):
    kiosk = server.api(hall.token("kiosk", "k1"))
    mine = issue(kiosk, "GA01")
    clerk = clerk_api(hall, server, "S001", 1)
    page = browser_page
    page.set_viewport_size(PHONE)
    page.goto(f"{server.url}/t/{mine['token']}?poll=1")
    assert page.is_hidden("#rate")  # nothing to rate while waiting
    clerk.post("/windows/1/call-next")
    clerk.post("/windows/1/finish", {"outcome": "immediate"})
    page.wait_for_selector("#rate:not([hidden])", timeout=WAIT_MS)  # appears once finished
    page.click("#levels button:has-text('不满意') >> nth=0")
    assert page.is_visible("#bad")
    page.click("#send")  # no reason chosen: refused in plain words, nothing recorded
    page.wait_for_function("() => document.getElementById('rate-msg').textContent.includes('原因')", timeout=WAIT_MS)
    page.check("#reasons input[value='slow']")
    page.fill("#comment", "等了很久，电话13912345678")
    page.click("#send")
    page.wait_for_function("() => document.getElementById('rate-msg').textContent === '感谢您的评价！'",
                           timeout=WAIT_MS)
    screenshot(page, "status-03-rated-phone")

    boss = server.api(hall.login(hall.user("boss", "supervisor").name))
    rated = boss.get("/ratings").json()
    assert [(r["level"], r["channel"], [x["code"] for x in r["reasons"]]) for r in rated] == [(2, "qr", ["slow"])]
    assert "13912345678" not in str(rated)  # the phone number in the free text is masked
    page.reload()
    page.wait_for_function("() => document.getElementById('rate-msg').textContent.includes('已评价')", timeout=WAIT_MS)
    assert page.is_hidden("#levels")

    other = issue(kiosk, "GA01")
    clerk.post("/windows/1/call-next")
    clerk.post("/windows/1/finish", {"outcome": "immediate"})
    clock.advance(days=8)  # past the hall's 7 days: no form
    page.goto(f"{server.url}/t/{other['token']}")
    state = server.api().get(f"/t/{other['token']}/rating").json()
    assert state["open"] is False and state["rated"] is False
    assert page.is_hidden("#rate")
