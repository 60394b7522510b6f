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


@on_sqlite
def test_the_duty_screen_lists_the_windows_whose_a_and_b_posts_are_both_away(hall, server, chromium, db):
    """Monday 10:00: S001 (window 1's A post) on an approved morning's leave naming S002 (its B post), who has
    not come; S003 paused window 2 (no B post) for a meeting; S004 serves at window 4, away from window 3.
    Then S002 signs in at window 1 and the screen drops it."""
    for name in ("S001", "S002", "S003", "S004"):
        hall.user(name, "clerk")
    hall.user("duban", "supervisor")
    api = {name: server.api(hall.login(name)) for name in ("S001", "S002", "S003", "S004")}
    lid = api["S001"].post("/leave", {"first_day": "2026-11-23", "last_day": "2026-11-23", "last_half": "am",
                                      "reason": "看病"}).json()["id"]
    assert api["S003"].post(f"/leave/{lid}/approve").status_code == 200
    assert api["S003"].post("/windows/2/sign-in", {"post": "A"}).status_code == 200
    assert api["S003"].post("/windows/2/pause", {"reason": "会议"}).status_code == 200
    assert api["S004"].post("/windows/4/sign-in", {"post": "A"}).status_code == 200

    duty = _person(chromium, server, "/duty/", "duban", "leave-duty")
    away = duty.page.locator("#posts-away li")
    expect(away).to_have_count(3)
    expect(duty.page.locator("#posts-away li[data-window='1']")).to_contain_text("请假（已批准）")
    expect(duty.page.locator("#posts-away li[data-window='1']")).to_contain_text("指定顶岗：李强 S002")
    expect(duty.page.locator("#posts-away li[data-window='2']")).to_contain_text("暂停服务")
    expect(duty.page.locator("#posts-away li[data-window='3']")).to_contain_text("在4号窗口")
    duty.page.locator("#away-h").scroll_into_view_if_needed()
    duty.shot("posts-away")
    # The stand-in comes: the window's status event reloads the list.
    assert api["S002"].post("/windows/1/sign-in", {"post": "B"}).status_code == 200
    expect(away).to_have_count(2)
    expect(duty.page.locator("#posts-away li[data-window='1']")).to_have_count(0)
