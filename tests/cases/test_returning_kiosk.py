"""A citizen back for their case checks in at the kiosk (issue 17), in real Chromium at the kiosk's sizes
(it needs no printer: nothing is printed, the screen shows the number and its QR code):
the earlier ticket's QR code (a keyboard-wedge scanner types its address) or the ID number, then the
window to go to, ahead of today's new arrivals."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.browser import LANDSCAPE, PORTRAIT, screenshot
from tests.conftest import Hall, local
from tests.helpers import clerk_api, issue
from tests.kiosk.kit import id_number
from tests.kiosk.web.test_kiosk_page import open_kiosk, wait_screen


@pytest.fixture
def hall(sqlite_db, clock):
    return Hall(sqlite_db, clock)


def test_back_with_the_materials_by_qr_code_and_by_id_number(hall, server, clock, browser_page):
    kiosk = server.api(hall.token("kiosk", "k0"))
    clerk = clerk_api(hall, server, "S001", 1)
    person = id_number(dt.date(1980, 1, 2))
    cases = []
    for who in (None, person):
        t = issue(kiosk, "GA02", **({"id_number": who} if who else {}))
        assert clerk.post("/windows/1/call", {"ticket": t["number"]}).status_code == 200
        assert clerk.post("/windows/1/finish", {"outcome": "supplement", "missing_materials": ["户口簿"]}).status_code == 200
        cases.append(t)
    clock.set(local(2026, 11, 24, 10, 0))

    page = open_kiosk(browser_page, server, hall.token("kiosk", "k1"))
    page.click("#go-returning")
    wait_screen(page, "returning")
    screenshot(page, "kiosk-returning-portrait")
    page.keyboard.type(f"{server.url}/t/{cases[0]['token']}")  # the scanner types where the focus is
    page.keyboard.press("Enter")
    wait_screen(page, "returned")
    assert page.inner_text("#returned-go") == "请到1号窗口，留意叫号"
    number = page.inner_text("#returned-number")
    assert number.startswith("A")
    screenshot(page, "kiosk-returned-portrait")

    page.set_viewport_size(LANDSCAPE)
    page.click("#screen-returned button.primary")  # home: this kiosk has no printer, so its printer screen
    page.wait_for_function("() => document.body.dataset.screen !== 'returned'")
    page.click("#go-returning")
    wait_screen(page, "returning")
    page.keyboard.type(person)
    assert person[6:14] not in page.inner_text("#returning-shown")  # masked as it is typed
    page.keyboard.press("Enter")
    wait_screen(page, "returned")
    assert page.inner_text("#returned-go") == "请到1号窗口，留意叫号"
    screenshot(page, "kiosk-returned-landscape")
    page.click("#screen-returned button.primary")
    page.wait_for_function("() => document.body.dataset.screen !== 'returned'")
    page.click("#go-returning")
    page.keyboard.type("no-such-ticket")
    page.keyboard.press("Enter")
    page.wait_for_selector("#returning-error:not([hidden])")
    assert "没有找到需要补齐材料或领取结果的办件" in page.inner_text("#returning-error")
    screenshot(page, "kiosk-returning-not-found-landscape")
    page.set_viewport_size(PORTRAIT)
