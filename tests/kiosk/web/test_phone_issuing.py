"""扫码取号: a ticket taken on the phone from the hall's posted QR code, by the kiosk's rules; the API on both
databases, the page in Chromium at 390x844."""
from __future__ import annotations

import datetime as dt

import pytest
import requests
from sqlalchemy import select

from hallq.queue.models import Ticket
from hallq.queue.notify_models import TicketContact
from hallq.queue.settings import NotifySettings, PhoneIssuing
from hallq.server.app import create_app
from tests.browser import WAIT_MS, screenshot
from tests.conftest import Hall, Server, local
from tests.kiosk.kit import id_number
from tests.notify_kit import server, simulator  # noqa: F401  (fixtures)

PHONE = {"width": 390, "height": 844}
PERSON = id_number(dt.date(1980, 1, 2))
OTHER = id_number(dt.date(1975, 5, 6))


@pytest.fixture
def hall(db, clock):
    return Hall(db, clock, phone_issuing=PhoneIssuing(enabled=True, daily_limit=4),
                notify=NotifySettings(channel="simulator"))


def take(server, **body):
    return server.api().post("/m/test/tickets", body)


def test_a_phone_takes_a_ticket_by_the_kiosks_rules(hall, server, simulator):
    listed = server.api().get("/m/test/services").json()
    assert listed["hall"] == "测试县政务服务中心" and listed["issuing"] is None
    assert {s["code"] for s in listed["services"]} >= {"GA01", "SJ01"}
    assert "guide" not in listed["services"][0]

    r = take(server, service="GA01", id_number=PERSON, phone="13912345678")
    assert r.status_code == 201, r.text
    mine = r.json()
    assert mine["number"] == "A001" and mine["status_page"].startswith(server.url + "/t/")
    assert set(mine) == {"number", "service", "service_name", "ahead", "estimated_wait_s", "windows", "status_page"}
    with hall.db.read() as s:
        ticket = s.scalar(select(Ticket))
        assert (ticket.issued_by, ticket.priority, ticket.id_masked) == ("phone:qr", "normal", PERSON[:3] + "*" * 11 + PERSON[-4:])
        assert s.scalar(select(TicketContact.masked)) == "139****5678"

    # One waiting ticket per person per item, as at the kiosk; another item is another queue.
    again = take(server, service="GA01", id_number=PERSON)
    assert (again.status_code, again.json()["error"]) == (409, "already_waiting")
    assert take(server, service="GA02", id_number=PERSON).status_code == 201
    # The ID number is required and checked; no priority is taken from a phone.
    assert take(server, service="SJ01", id_number="").json()["error"] in ("invalid_input", "id_number_required")
    assert take(server, service="SJ01", id_number="123456789012345678").json()["error"] == "id_number_invalid"
    r = server.api().post("/m/test/tickets", {"service": "SJ01", "id_number": OTHER, "priority": "green"})
    assert r.status_code == 201
    with hall.db.read() as s:
        assert s.scalar(select(Ticket.priority).where(Ticket.number == r.json()["number"])) == "normal"
    # The hall's daily cap for phones (4 here), beyond the items' quotas.
    assert take(server, service="SJ01", id_number=id_number(dt.date(1990, 1, 1))).status_code == 201
    capped = take(server, service="SJ01", id_number=id_number(dt.date(1991, 1, 1)))
    assert (capped.status_code, capped.json()["error"]) == (409, "phone_daily_limit")
    assert server.app.extensions["hallq.notify"].run_once() == 1  # A001: nobody ahead, "即将轮到您"


def test_outside_hours_and_in_a_hall_that_does_not_issue_by_phone(hall, server, clock, db):
    clock.set(local(2026, 11, 23, 12, 30))  # the lunch break
    r = take(server, service="GA01", id_number=PERSON)
    assert r.status_code == 409 and r.json()["error"] in ("hall_closed", "closing_soon")
    assert server.api().get("/m/test/services").json()["issuing"] == r.json()["error"]
    assert server.api().get("/m/elsewhere/services").status_code == 404
    assert take(server, service="GA01", id_number=PERSON).status_code == 409


def test_a_hall_that_has_not_turned_it_on_answers_as_if_unknown(db, clock):
    Hall(db, clock)  # phone_issuing off by default
    srv = Server(create_app(db, clock=clock))
    try:
        r = srv.api().post("/m/test/tickets", {"service": "GA01", "id_number": PERSON})
        assert (r.status_code, r.json()["error"]) == (404, "phone_issuing_off")
        assert requests.get(f"{srv.url}/m/test", timeout=30).status_code == 404
    finally:
        srv.stop()


def test_the_public_is_throttled_per_address(hall, server):
    answers = [server.api().get("/m/test/services").status_code for _ in range(11)]
    assert answers[:10] == [200] * 10 and answers[10] == 429


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_the_phone_page_takes_a_number_and_follows_it(hall, server, browser_page, simulator):
    page = browser_page
    page.set_viewport_size(PHONE)
    page.goto(f"{server.url}/m/test")
    page.wait_for_selector("#items .item[data-service=GA01]", timeout=WAIT_MS)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "phone-issue-01-items")
    page.click("#items .item[data-service=GA01]")
    page.fill("#id-number", "123")
    page.click("#take")
    page.wait_for_selector("#error:not([hidden])", timeout=WAIT_MS)
    assert page.inner_text("#error") == "身份证号码无效。"
    page.fill("#id-number", PERSON)
    page.fill("#phone", "13912345678")
    page.check("#also input[value=SJ01]")  # 一票到底: 个体工商户登记 after, on the same number
    screenshot(page, "phone-issue-02-form")
    page.click("#take")
    # Nobody is signed in at its windows: the citizen is told first, as at the kiosk, and takes it on their word.
    page.wait_for_selector("#take-anyway:not([hidden])", timeout=WAIT_MS)
    assert "现在没有窗口在办理" in page.inner_text("#error")
    screenshot(page, "phone-issue-03-unstaffed")
    page.click("#take-anyway")
    page.wait_for_url(f"{server.url}/t/*", timeout=WAIT_MS)
    page.wait_for_function("() => window.hallqStatus && window.hallqStatus.live", timeout=WAIT_MS)
    assert page.inner_text("#number") == "A001"
    assert page.inner_text("#notify-done") == "已开通短信提醒"
    assert page.inner_text("#next") == "本号之后还要办理：个体工商户登记（叫号时请留意，不用重新取号）"
    screenshot(page, "phone-issue-04-status")
    qr = requests.get(f"{server.url}/m/test/qr.svg", timeout=30)
    assert qr.status_code == 200 and qr.headers["Content-Type"].startswith("image/svg")
