"""A department's chief representative (首席代表) sees the department's open cases on their page
(/assessment/chief) and acts on one as hallq.cases.access allows (issue 17: completion is recorded by the
window's staff, its department's chief representative or a supervisor, nobody else): real Chromium at desktop
size, and plain HTTP on both databases for another department's chief, who is refused.
"""
from __future__ import annotations

import pytest
import requests
from playwright.sync_api import expect

from hallq.queue.settings import RatingSettings
from tests.browser import screenshot
from tests.conftest import PASSWORD, Hall, local
from tests.helpers import clerk_api, issue

expect.set_options(timeout=30_000)
DESKTOP = {"width": 1366, "height": 768}


@pytest.fixture
def hall(db, clock):
    return Hall(db, clock, ratings=RatingSettings(chiefs={"GA": "S003", "SJ": "S004"}))


def _accept(kiosk, clerk, window, service, **finish):
    t = issue(kiosk, service)
    assert clerk.post(f"/windows/{window}/call", {"ticket": t["number"]}).status_code == 200
    r = clerk.post(f"/windows/{window}/finish", finish)
    assert r.status_code == 200, r.text
    return t


def _cases(hall, server, clock):
    """Mon 23 Nov: window 1 (GA) accepts a case due Wed 25; window 3 (SJ) one due in 3 working days.
    Then Mon 30: GA's is three working days overdue."""
    kiosk = server.api(hall.token("kiosk", "k1"))
    ga = _accept(kiosk, clerk_api(hall, server, "S001", 1), 1, "GA02", outcome="promised", promised_days=2)
    sj = _accept(kiosk, clerk_api(hall, server, "S004", 3), 3, "SJ01", outcome="promised", promised_days=10)
    hall.user("S003", "clerk")
    clock.set(local(2026, 11, 30, 10, 0))
    return ga, sj


def _session(server, username):
    session = requests.Session()
    r = session.post(server.url + "/assessment/login", data={"username": username, "password": PASSWORD,
                                                              "next": "/assessment/chief"}, timeout=30)
    assert r.status_code == 200, r.text[:300]
    return session


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_the_chief_sees_the_departments_cases_and_records_one(hall, server, clock, chromium):
    ga, sj = _cases(hall, server, clock)
    context = chromium.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    page.goto(server.url + "/assessment/chief")
    page.fill("#username", "S003")
    page.fill("#password", PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator("#open-cases")).to_be_visible()
    rows = page.locator("#open-cases tbody tr")
    expect(rows).to_have_count(1)  # SJ's case is not GA's to see
    expect(rows.first).to_contain_text(ga["number"])
    expect(rows.first).to_contain_text("超期3个工作日")
    expect(rows.first).to_contain_text("未注明原因")
    expect(page.locator("#count-cases-overdue")).to_have_text("1")
    screenshot(page, "chief-cases-01-home")
    page.click(f"#open-cases tr[data-ticket='{ga['id']}'] a")
    expect(page.locator("h1")).to_contain_text(f"办件 {ga['number']} · 承诺件 · 在办")
    assert "月度排名" not in page.content()  # the chief's layout, no link to the office's pages
    page.fill("#delay-form textarea[name=reason]", "申请人补充证明材料")
    page.click("#delay-form button[type=submit]")
    expect(page.locator("#delay-reason")).to_have_text("申请人补充证明材料")
    page.fill("#complete-form input[name=completed_on]", "2026-11-30")
    page.click("#complete-form button[type=submit]")
    expect(page.locator("#completed-on")).to_have_text("2026-11-30")
    expect(page.locator("#log li").last).to_contain_text("办结登记 · S003")
    screenshot(page, "chief-cases-02-recorded")
    page.click(".crumbs a")
    expect(page.locator("#open-cases tbody tr")).to_have_count(1)
    expect(page.locator("#open-cases tbody")).to_contain_text("本部门没有在办件")
    context.close()
    case = server.api(hall.login("S003")).get(f"/cases/{ga['id']}").json()
    assert (case["completed_on"], case["entered_by"], case["delay_reason"]) == ("2026-11-30", "user:S003",
                                                                              "申请人补充证明材料")


def test_another_departments_chief_is_refused_the_case(hall, server, clock):
    ga, sj = _cases(hall, server, clock)
    url = server.url + "/assessment/chief/cases"
    other = _session(server, "S004")  # SJ's chief (and window 3's clerk)
    assert other.get(f"{url}/{ga['id']}", timeout=30).status_code == 403
    r = other.post(f"{url}/{ga['id']}", data={"action": "delay", "reason": "代填"}, timeout=30)
    assert r.status_code == 403
    assert other.get(f"{url}/999999", timeout=30).status_code == 404
    mine = other.get(server.url + "/assessment/chief", timeout=30).text
    assert f'data-ticket="{sj["id"]}"' in mine and f'data-ticket="{ga["id"]}"' not in mine
    # GA's chief: a completion after the due day with no reason is refused with its message; nothing recorded.
    own = _session(server, "S003")
    r = own.post(f"{url}/{ga['id']}", data={"action": "complete", "completed_on": "2026-11-30"}, timeout=30)
    assert r.status_code == 400 and "超期办结须先注明延期原因" in r.text
    r = own.post(f"{url}/{ga['id']}", data={"action": "nonsense"}, timeout=30)
    assert r.status_code == 400
    r = own.post(f"{url}/{ga['id']}", data={"action": "complete", "completed_on": "30/11/2026"}, timeout=30)
    assert r.status_code == 400
    boss = server.api(hall.login(hall.user("boss", "supervisor").name))
    case = boss.get(f"/cases/{ga['id']}").json()
    assert case["delay_reason"] is None and case["completed_on"] is None
    assert [e["action"] for e in case["log"]] == ["opened"]
