"""The sign-off page in Chromium: the supervisor opens the
self-check, answers a clerk's objection and reviews; the centre's admin approves and publishes;
the page then shows the revision and the steps, in Chinese and English."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.assessment import month_db
from tests.assessment.web.test_pages import sign_in
from tests.browser import screenshot
from tests.conftest import local


@pytest.fixture
def october(hall):
    return month_db.build(hall)


def test_a_month_signed_off_on_its_page(october, server, clock, browser_page):
    hall = october.hall
    hall.user("boss", "admin")
    page = browser_page
    sign_in(page, server.url, "duban", "/assessment/2025-10")
    expect(page.locator("#signoff-state")).to_contain_text("未发布")
    page.click("#signoff-state a")
    expect(page.locator("#state")).to_have_text("已计算，未送自查")
    page.fill("input[name=days]", "2")
    page.click("#open-self-check")
    expect(page.locator("#state")).to_contain_text("自查中（异议截止2026-11-25）")

    clerk = server.api(hall.login("S004"))
    r = clerk.post("/assessment/2025-10/objections", {"scope": "staff", "unit": "S004",
                                                      "statement": "10月9日迟到系参加县局会议，有会议通知"})
    assert r.status_code == 201, r.text
    clock.set(local(2026, 11, 26, 9, 0))
    # Days later: the supervisor's sign-in has ended (idle time), the page asks for it again and comes back.
    page.reload()
    sign_in(page, server.url, "duban", page.url.split(server.url, 1)[1])
    row = page.locator("#objections tr[data-id]")
    expect(row).to_contain_text("10月9日迟到系参加县局会议")
    row.locator("select[name=accepted]").select_option("no")
    row.locator("input[name=answer]").fill("会议通知未报中心备案，维持")
    row.locator("button").click()
    expect(page.locator("#objections")).to_contain_text("不采纳：会议通知未报中心备案，维持")
    page.fill("#next-step input[name=note]", "经考核小组审核")
    page.click("#review")
    expect(page.locator("#state")).to_have_text("已审核")
    expect(page.locator("#done")).to_have_text("已完成：考核小组审核")
    expect(page.locator("#next-step")).to_contain_text("等待管委会（管理员）审定和发布")
    screenshot(page, "assessment-signoff-reviewed")

    page.goto(server.url + "/assessment/logout")
    sign_in(page, server.url, "boss", "/assessment/2025-10/publication")
    page.click("#approve")
    expect(page.locator("#state")).to_have_text("已审定")
    page.fill("#next-step input[name=note]", "2025年10月考核结果")
    page.click("#publish")
    expect(page.locator("#state")).to_have_text("已发布 · 第1版")
    expect(page.locator("#revisions")).to_contain_text("2025年10月考核结果")
    expect(page.locator("#steps tbody tr")).to_have_count(4)
    expect(page.locator("#steps")).to_contain_text("2026-11-26 09:00")  # the hall's time
    screenshot(page, "assessment-signoff-published")
    page.goto(server.url + "/assessment/2025-10")
    expect(page.locator("#signoff-state")).to_contain_text("已发布 · 第1版")
    page.goto(server.url + "/assessment/2025-10/publication?lang=en")
    expect(page.locator("#state")).to_have_text("Published · revision 1")
    expect(page.locator("#steps")).to_contain_text("Opened for self-check")
    screenshot(page, "assessment-en-signoff-published")
