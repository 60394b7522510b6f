"""The supervision office acts on a case from its page (/assessment/cases/<ticket>), in real Chromium against the
real server on both databases (issue 17): a delay reason for an overdue case, the completion refused without one
and then recorded, corrected with a reason (logged), a forwarded case chased. The same step functions as
/api/v1/cases; what the page did is read back through that API.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from hallq.queue.settings import RatingSettings
from tests.browser import screenshot
from tests.conftest import PASSWORD, Hall, local
from tests.helpers import clerk_api, issue

expect.set_options(timeout=30_000)


@pytest.fixture
def hall(db, clock):
    return Hall(db, clock, ratings=RatingSettings(chiefs={"SJ": "S004"}))


def _accept(kiosk, clerk, service, **finish):
    t = issue(kiosk, service)
    assert clerk.post("/windows/1/call", {"ticket": t["number"]}).status_code == 200
    r = clerk.post("/windows/1/finish", finish)
    assert r.status_code == 200, r.text
    return t


def _sign_in(page, base, username, path):
    page.goto(base + path)
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.keyboard.press("Enter")


def test_the_office_records_corrects_and_chases_on_the_case_page(hall, server, clock, browser_page):
    kiosk = server.api(hall.token("kiosk", "k1"))
    clerk = clerk_api(hall, server, "S001", 1)
    late = _accept(kiosk, clerk, "GA02", outcome="promised", promised_days=2)  # Mon 23 Nov + 2: due Wed 25
    sent = _accept(kiosk, clerk, "GA01", outcome="forwarded", forwarded_to="市公安局")
    clock.set(local(2026, 11, 30, 10, 0))  # Mon 30: three working days past the due day
    hall.user("boss", "supervisor")
    page = browser_page
    _sign_in(page, server.url, "boss", "/assessment/cases")
    page.click(f"#cases tr[data-ticket='{late['id']}'] a")
    expect(page.locator("h1")).to_contain_text(f"办件 {late['number']} · 承诺件 · 在办")
    expect(page.locator("#overdue-flag")).to_have_text("超期3个工作日")
    expect(page.locator("#delay-reason")).to_contain_text("未注明原因")
    expect(page.locator("#log li").first).to_contain_text("2026-11-23 10:00 受理 · S001")  # the hall's time
    expect(page.locator("#facts")).to_contain_text("户口迁移（GA02） · 县公安局")
    expect(page.locator("#chase-form")).to_have_count(0)  # a promised case is not chased
    expect(page.locator("#correct-form")).to_have_count(0)  # nothing to correct yet
    screenshot(page, "case-page-01-overdue")

    # Finished late without the reason: refused, said on the page, nothing recorded.
    page.fill("#complete-form input[name=completed_on]", "2026-11-27")
    page.click("#complete-form button[type=submit]")
    expect(page.locator("#error")).to_contain_text("超期办结须先注明延期原因")
    screenshot(page, "case-page-02-refused")
    boss = server.api(hall.login("boss"))
    assert boss.get(f"/cases/{late['id']}").json()["completed_on"] is None

    # The delay reason, then the completion, then a correction with its reason.
    page.fill("#delay-form textarea[name=reason]", "等待上级部门出具证明")
    page.click("#delay-form button[type=submit]")
    expect(page.locator("#saved")).to_be_visible()
    expect(page.locator("#delay-reason")).to_have_text("等待上级部门出具证明")
    page.fill("#complete-form input[name=completed_on]", "2026-11-27")
    page.fill("#complete-form textarea[name=note]", "已发证")
    page.click("#complete-form button[type=submit]")
    expect(page.locator("#case-status")).to_have_text("已办结，待领取")
    expect(page.locator("#completed-on")).to_have_text("2026-11-27")
    expect(page.locator("#complete-form")).to_have_count(0)
    page.fill("#correct-form input[name=completed_on]", "2026-11-30")
    page.click("#correct-form button[type=submit]")  # the reason is required: the browser asks first
    expect(page.locator("#completed-on")).to_have_text("2026-11-27")
    page.fill("#correct-form textarea[name=reason]", "办结日期录入错误，以发证记录为准")
    page.click("#correct-form button[type=submit]")
    expect(page.locator("#completed-on")).to_have_text("2026-11-30")
    log = page.locator("#log li")
    expect(log.last).to_contain_text("更正办结 · boss")
    expect(log.last).to_contain_text("办结日期 2026-11-27 → 2026-11-30")
    expect(log.last).to_contain_text("办结日期录入错误，以发证记录为准")
    screenshot(page, "case-page-03-corrected")
    case = boss.get(f"/cases/{late['id']}").json()
    assert (case["status"], case["completed_on"], case["delay_reason"]) == ("done", "2026-11-30", "等待上级部门出具证明")
    assert [e["action"] for e in case["log"]] == ["opened", "delay_reason", "completed", "corrected"]
    assert case["log"][-1]["before"]["completed_on"] == "2026-11-27" and case["log"][-1]["actor"] == "user:boss"

    # A completion entered earlier is found again from the month's completions (办结登记) page.
    page.goto(server.url + "/assessment/2026-11/completions")
    page.click(f"#done-cases a.correct[href$='/assessment/cases/{late['id']}']")
    expect(page.locator("#correct-form")).to_be_visible()
    expect(page.locator("#completed-on")).to_have_text("2026-11-30")

    # The forwarded case, chased (催办) from its page.
    page.goto(server.url + "/assessment/cases?view=all")
    expect(page.locator(f"#cases tr[data-ticket='{late['id']}']")).to_have_count(0)  # finished: off the list
    page.click(f"#cases tr[data-ticket='{sent['id']}'] a")
    expect(page.locator("#facts")).to_contain_text("市公安局")
    page.fill("#chase-form textarea[name=note]", "电话催办，答复本周内出结果")
    page.click("#chase-form button[type=submit]")
    expect(page.locator("#facts")).to_contain_text("已催办1次（最近2026-11-30）")
    expect(page.locator("#log li").last).to_contain_text("催办 · boss")
    screenshot(page, "case-page-04-chased")
    assert boss.get(f"/cases/{sent['id']}").json()["details"]["chased"] == ["2026-11-30"]

    page.goto(server.url + f"/assessment/cases/{late['id']}?lang=en")
    expect(page.locator("h1")).to_contain_text(f"Case {late['number']} · promised · finished, result ready")
    screenshot(page, "case-page-05-english")


def test_the_case_page_is_the_offices_alone(hall, server, browser_page):
    kiosk = server.api(hall.token("kiosk", "k1"))
    clerk = clerk_api(hall, server, "S001", 1)
    t = _accept(kiosk, clerk, "GA02", outcome="promised", promised_days=2)
    page = browser_page
    _sign_in(page, server.url, "S001", f"/assessment/cases/{t['id']}")  # the window's own clerk: the API's way
    expect(page.locator("[role=alert]")).to_contain_text("该账号没有考核督查权限")  # the back office refuses
    assert "complete-form" not in page.content()
    hall.user("boss", "supervisor")
    boss = server.api(hall.login("boss"))
    # A ticket with no case, and no ticket at all: 404, never a 500.
    immediate = _accept(kiosk, clerk, "GA01", outcome="immediate")
    page.context.clear_cookies()
    _sign_in(page, server.url, "boss", "/assessment/cases")
    expect(page.locator("#cases")).to_be_visible()
    for ref in (immediate["id"], 999999):
        assert page.goto(f"{server.url}/assessment/cases/{ref}").status == 404
    assert boss.get(f"/cases/{t['id']}").status_code == 200
