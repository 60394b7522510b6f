"""The leave pages in real Chromium at a desktop size: a clerk asks (/leave), the window head and then the centre
decide (/leave/approvals), in Chinese and in English."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from hallq.queue.settings import RatingSettings
from tests.conftest import Hall
from tests.queue.web.staff_page import StaffPage

on_sqlite = pytest.mark.parametrize("db", ["sqlite"], indirect=True)
DESKTOP = {"width": 1440, "height": 900}


@pytest.fixture
def hall(db, clock):
    return Hall(db, clock, ratings=RatingSettings(chiefs={"GA": "S003"}))


def _person(chromium, server, path: str, username: str, shots: str, lang: str = "") -> StaffPage:
    context = chromium.new_context(viewport=DESKTOP, locale="zh-CN")
    page = StaffPage(context.new_page(), server.url, shots)
    page.submit_sign_in(path, username, lang)
    return page


@on_sqlite
def test_a_clerk_asks_the_window_head_and_the_centre_decide(hall, server, chromium, db):
    for name, role in (("S001", "clerk"), ("S003", "clerk"), ("duban", "supervisor")):
        hall.user(name, role)

    clerk = _person(chromium, server, "/leave", "S001", "leave-clerk")
    page = clerk.page
    expect(page.locator("#stand-in-hint")).to_contain_text("李强 S002")  # window 1's B post
    page.fill("#first-day", "2026-12-02")
    page.select_option("#first-half", "am")
    page.fill("#last-day", "2026-12-02")
    page.select_option("#last-half", "am")
    page.fill("#reason", "孩子看病")
    page.click("#ask-form button[type=submit]")
    expect(page.locator("#ask-msg")).to_contain_text("等待窗口负责人审批")
    page.fill("#first-day", "2026-12-07")
    page.select_option("#first-half", "am")
    page.fill("#last-day", "2026-12-08")
    page.select_option("#last-half", "pm")
    page.fill("#reason", "回老家办事")
    page.click("#ask-form button[type=submit]")
    expect(page.locator("#mine tbody tr")).to_have_count(2)
    expect(page.locator("#mine")).to_contain_text("4个半天")
    clerk.shot("asked")

    chief = _person(chromium, server, "/leave/approvals", "S003", "leave-chief")
    expect(chief.page.locator("#waiting tbody tr")).to_have_count(2)
    chief.shot("waiting")
    chief.page.locator("#waiting tr", has_text="孩子看病").locator("button[data-act=approve]").click()
    expect(chief.page.locator("#waiting tbody tr")).to_have_count(1)
    chief.page.locator("#waiting tr", has_text="回老家办事").locator("button[data-act=approve]").click()
    expect(chief.page.locator("#waiting")).to_contain_text("没有待您审批的请假")
    # The half day is approved; the two days wait for the centre.
    expect(chief.page.locator("#others tr", has_text="孩子看病")).to_contain_text("已批准")
    expect(chief.page.locator("#others tr", has_text="回老家办事")).to_contain_text("中心")

    centre = _person(chromium, server, "/leave/approvals", "duban", "leave-centre", lang="en")
    expect(centre.page.locator("#waiting tbody tr")).to_have_count(1)
    expect(centre.page.locator("#waiting")).to_contain_text("4 × half a day")
    centre.shot("waiting-en")
    centre.page.once("dialog", lambda d: d.accept("Short of staff that week"))
    centre.page.locator("#waiting button[data-act=refuse]").click()
    expect(centre.page.locator("#others tr", has_text="回老家办事")).to_contain_text("refused")
    expect(centre.page.locator("#others")).to_contain_text("Short of staff that week")
    centre.shot("decided-en")

    page.reload()
    expect(page.locator("#mine tr", has_text="回老家办事")).to_contain_text("不批准")
    expect(page.locator("#mine tr", has_text="孩子看病")).to_contain_text("已批准")
    # The approved half day has not begun: it may still be withdrawn.
    page.locator("#mine tr", has_text="孩子看病").locator("button[data-act=cancel]").click()
    expect(page.locator("#mine tr", has_text="孩子看病")).to_contain_text("已撤销")
    clerk.shot("mine")
