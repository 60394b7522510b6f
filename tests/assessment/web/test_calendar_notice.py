"""Supervisors and admins see, on their pages, that the official calendar of the coming months is not
entered, until the hall enters it (hallq.queue.hours). The supervisors' pages over plain HTTP (the notice is in the page's HTML); the duty screen, which
writes it from GET /me, in Chromium."""
from __future__ import annotations

import datetime as dt

import pytest
import requests
from playwright.sync_api import expect

from hallq.queue import hallfile
from hallq.queue.settings import Hours
from tests.conftest import HALLS, PASSWORD, local
from tests.queue.official_calendar import EXAMPLE_2027, library_until_2026  # noqa: F401  (fixture)
from tests.queue.web.staff_page import StaffPage

on_sqlite = pytest.mark.parametrize("db", ["sqlite"], indirect=True)
pytestmark = [on_sqlite, pytest.mark.usefixtures("library_until_2026")]

NOTICE_ZH = "2027年的法定节假日安排尚未录入"
NOTICE_EN = "The official holiday arrangement for 2027 has not been entered"


def signed_in(server, username: str) -> requests.Session:
    http = requests.Session()
    r = http.post(server.url + "/assessment/login", data={"username": username, "password": PASSWORD}, timeout=30)
    assert r.status_code == 200 and r.url.startswith(server.url + "/assessment/20"), (r.status_code, r.url)
    return http


def enter(hall, official: dict) -> None:
    """The hall file loaded again with `official` in [hall.hours] (as `hallq load-hall` would)."""
    spec = hallfile.read(HALLS / "small.toml")
    spec.hall.hours = Hours(**{**spec.hall.hours.model_dump(), "official": official})
    with hall.db.write() as s:
        hallfile.load(s, spec, hall.clock().date())
        s.commit()


def test_the_supervisor_pages_say_2027_is_not_entered_until_it_is(hall, server, clock):
    clock.set(local(2026, 12, 7, 10, 0))
    hall.user("duban", "supervisor")
    hall.user("root", "admin")
    http = signed_in(server, "duban")
    for path in ("/assessment/2026-12", "/assessment/2026-12/records", "/assessment/followups", "/assessment/year/2026"):
        page = http.get(server.url + path, timeout=30)
        assert page.status_code == 200 and 'id="calendar-notice"' in page.text and NOTICE_ZH in page.text, path
    assert "春节等" not in page.text and "调休上班和补假未计入" in page.text
    english = http.get(server.url + "/assessment/2026-12?lang=en", timeout=30).text
    assert NOTICE_EN in english and "[hall.hours.official.2027]" in english
    assert NOTICE_ZH in signed_in(server, "root").get(server.url + "/assessment/2026-12", timeout=30).text
    # The duty screen reads it from GET /me (it shows it to supervisors and admins).
    assert server.api(hall.login("duban")).get("/me").json()["hall"]["calendar_not_entered"] == [2027]

    enter(hall, {2027: EXAMPLE_2027})
    page = http.get(server.url + "/assessment/2026-12?lang=zh", timeout=30).text
    assert "calendar-notice" not in page and NOTICE_ZH not in page
    assert server.api(hall.login("duban")).get("/me").json()["hall"]["calendar_not_entered"] == []
    # ... and the entered days count: the console's due date of a 20-working-day promise made today.
    due = server.api(hall.login("duban")).get("/calendar/due-date", params={"days": 20}).json()
    assert due == {"from": "2026-12-07", "days": 20, "due_date": "2027-01-06"}


def test_no_notice_while_the_coming_months_are_known(hall, server, clock):
    clock.set(local(2026, 9, 1, 10, 0))  # three months ahead end in 2026, which chinese_calendar has
    hall.user("duban", "supervisor")
    page = signed_in(server, "duban").get(server.url + "/assessment/2026-09", timeout=30).text
    assert "calendar-notice" not in page
    assert dt.date(2026, 9, 1) + dt.timedelta(days=92) < dt.date(2027, 1, 1)


def test_the_duty_screen_tells_supervisors_not_clerks(hall, server, clock, browser_page):
    clock.set(local(2026, 12, 7, 10, 0))
    hall.user("boss", "supervisor")
    hall.user("S010", "clerk")
    duty = StaffPage(browser_page, server.url, "duty")
    duty.submit_sign_in("/duty/", "boss")
    notice = browser_page.locator("#calendar-notice")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text(NOTICE_ZH)
    duty.shot("calendar-notice")

    with browser_page.expect_navigation():  # the sign-in is ended at the server, then the page reloads
        browser_page.click("#logout")
    duty.submit_sign_in("/duty/", "S010")
    expect(browser_page.locator("#read-only")).to_be_visible()
    expect(notice).to_be_hidden()
