"""Text reminders opted into in real Chromium: on the phone's status page (390x844) and at the kiosk after
taking a ticket (1080x1920), through to the messages the simulator records."""
from __future__ import annotations

import pytest

from hallq import protocol as m
from hallq.queue.settings import NotifySettings
from tests.browser import PORTRAIT, WAIT_MS, screenshot
from tests.conftest import Hall
from tests.helpers import clerk_api, issue, wait_for
from tests.kiosk.kit import printer_agent
from tests.kiosk.web.test_kiosk_page import open_kiosk, wait_screen
from tests.notify_kit import server, simulator  # noqa: F401  (fixtures)

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def hall(sqlite_db, clock):
    return Hall(sqlite_db, clock, notify=NotifySettings(channel="simulator", soon_ahead=1))


def test_the_phone_page_opts_in_and_the_citizen_is_texted(hall, server, simulator, browser_page):
    kiosk = server.api(hall.token("kiosk", "k1"))
    issue(kiosk, "GA01")
    issue(kiosk, "GA01")
    mine = issue(kiosk, "GA01")  # A003, two ahead
    page = browser_page
    page.set_viewport_size(PHONE)
    page.goto(f"{server.url}/t/{mine['token']}")
    page.wait_for_function("() => window.hallqStatus.live", timeout=WAIT_MS)
    assert page.is_visible("#notify-form")
    screenshot(page, "phone-01-offer")
    page.fill("#notify-phone", "1391234")
    page.click("#notify-send")
    assert page.inner_text("#notify-done") == "请输入11位手机号码。"
    page.fill("#notify-phone", "139 1234 5678")
    page.click("#notify-send")
    page.wait_for_function("() => document.getElementById('notify-done').textContent.includes('139****5678')",
                           timeout=WAIT_MS)
    assert page.is_hidden("#notify-form") and "13912345678" not in page.inner_text("body")
    screenshot(page, "phone-02-opted-in")

    sender = server.app.extensions["hallq.notify"]
    assert sender.run_once() == 0  # two ahead: more than the hall's one
    clerk = clerk_api(hall, server, "S001", 1)
    clerk.post("/windows/1/call-next")
    page.wait_for_function("() => document.getElementById('ahead').textContent === '1'", timeout=WAIT_MS)
    assert sender.run_once() == 1
    page.reload()
    assert page.inner_text("#notify-done") == "已开通短信提醒" and page.is_hidden("#notify-form")
    assert [(m.kind, m.address) for m in simulator.recorded()] == [("soon", "13912345678")]


def test_a_citizen_asks_the_kiosk_for_text_reminders_after_taking_a_ticket(hall, server, simulator, browser_page):
    agent = printer_agent(hall, server, "k1", "ok")
    try:
        page = open_kiosk(browser_page, server, hall.token("kiosk", "k1"), size=PORTRAIT)
        page.click("[data-department=GA]")
        wait_screen(page, "items")
        page.click("#items [data-service=GA01]")
        wait_screen(page, "confirm")
        page.click("#take")
        job = wait_for(agent, m.PRINT)
        agent.call(m.JOB_RESULT, {"id": job["id"], "ok": True}, timeout=10)
        wait_screen(page, "done")
        assert page.is_visible("#notify-offer") and page.inner_text("#notify-offer") == "短信提醒我"
        screenshot(page, "kiosk-phone-01-done-offer")
        page.click("#notify-offer")
        wait_screen(page, "phone")
        for key in "1381234":
            page.click(f"#screen-phone .key[data-key='{key}']")
        page.click("#phone-go")
        assert page.inner_text("#phone-error") == "请输入11位手机号码。"
        for key in "5678":
            page.click(f"#screen-phone .key[data-key='{key}']")
        assert page.is_hidden("#phone-error")  # typing on puts the error away
        screenshot(page, "kiosk-phone-02-typed")
        page.click("#phone-go")
        wait_screen(page, "done")
        assert page.inner_text("#done-notify") == "已开通短信提醒：138****5678"
        assert page.is_hidden("#notify-offer") and "13812345678" not in page.inner_text("body")
        screenshot(page, "kiosk-phone-03-done-opted-in")
        assert server.app.extensions["hallq.notify"].run_once() == 1  # nobody ahead: "即将轮到您" at once
        assert [(m.kind, m.address, m.text[:5]) for m in simulator.recorded()] == [("soon", "13812345678", "即将轮到您")]
        page.click("#screen-done [data-go=start]")
        wait_screen(page, "start")
        assert page.input_value("#phone-input") == ""
    finally:
        agent.disconnect()


def test_after_the_counter_the_status_page_offers_the_result_text_while_the_case_is_open(hall, server, simulator,
                                                                                         browser_page, clock):
    """zh: the page opened after the counter offers the case's text; en: a page open since waiting turns its
    offer into the case's when the clerk accepts the case. Each number gets its result text once, whole only
    in the simulator's record."""
    kiosk = server.api(hall.token("kiosk", "k1"))
    clerk = clerk_api(hall, server, "S001", 1)
    first, second = issue(kiosk, "GA02"), issue(kiosk, "GA02")
    with hall.db.read() as s:
        from sqlalchemy import select
        from hallq.queue.models import Ticket
        tokens = dict(s.execute(select(Ticket.id, Ticket.token)).all())
    page = browser_page
    page.set_viewport_size(PHONE)

    clerk.post("/windows/1/call", {"ticket": first["number"]})
    assert clerk.post("/windows/1/finish", {"outcome": "promised", "promised_days": 10}).status_code == 200
    clock.advance(seconds=120)
    page.goto(f"{server.url}/t/{tokens[first['id']]}")  # finished: the page follows the case by HTTP, no socket
    page.wait_for_function("() => window.hallqStatus && window.hallqStatus.data.case", timeout=WAIT_MS)
    assert page.is_visible("#notify-form")
    assert page.inner_text("#notify-label") == "办理结果短信通知"
    assert page.inner_text("#notify-hint").startswith("办理结果可以领取时发短信通知您")
    screenshot(page, "phone-case-01-offer-zh")
    page.fill("#notify-phone", "139 1234 5678")
    page.click("#notify-send")
    page.wait_for_function("() => document.getElementById('notify-done').textContent.includes('139****5678')",
                           timeout=WAIT_MS)
    assert page.is_hidden("#notify-form") and "13912345678" not in page.inner_text("body")
    screenshot(page, "phone-case-02-opted-in-zh")

    page.goto(f"{server.url}/t/{tokens[second['id']]}?lang=en")  # open while waiting
    page.wait_for_function("() => window.hallqStatus.live", timeout=WAIT_MS)
    assert page.inner_text("#notify-label") == "Text reminders"
    clerk.post("/windows/1/call", {"ticket": second["number"]})
    assert clerk.post("/windows/1/finish", {"outcome": "promised", "promised_days": 5}).status_code == 200
    page.wait_for_function("() => document.getElementById('notify-label').textContent"
                           " === 'A text when your result is ready'", timeout=WAIT_MS)
    assert page.is_visible("#notify-form")
    clock.advance(seconds=120)
    page.fill("#notify-phone", "13812345678")
    page.click("#notify-send")
    page.wait_for_function("() => document.getElementById('notify-done').textContent"
                           " === 'Text reminders on: 138****5678'", timeout=WAIT_MS)
    screenshot(page, "phone-case-03-opted-in-en")

    sender = server.app.extensions["hallq.notify"]
    sender.run_once()
    assert simulator.recorded() == []  # the calls came before the numbers: nothing owed until a result
    for t in (first, second):
        assert clerk.post(f"/cases/{t['id']}/completion", {"completed_on": "2026-11-23"}).status_code == 201
    sender.run_once()
    assert sorted((m.kind, m.address, m.lang) for m in simulator.recorded()) == [
        ("result_ready", "13812345678", "en"), ("result_ready", "13912345678", "zh")]
