"""Cases on the back-office pages in real Chromium (issue 17): the supervision office's daily overdue list
(/assessment/cases) and the warnings on the responsible window's clerk console."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import screenshot
from tests.conftest import PASSWORD, Hall, local
from tests.helpers import clerk_api, issue
from tests.queue.web.test_console_page import Console


@pytest.fixture
def hall(sqlite_db, clock):
    return Hall(sqlite_db, clock)


def _accept(kiosk, clerk, service, days):
    t = issue(kiosk, service)
    assert clerk.post("/windows/1/call", {"ticket": t["number"]}).status_code == 200
    assert clerk.post("/windows/1/finish", {"outcome": "promised", "promised_days": days}).status_code == 200
    return t


def test_the_overdue_list_and_the_console_warnings(hall, server, clock, browser_page):
    kiosk = server.api(hall.token("kiosk", "k1"))
    clerk = clerk_api(hall, server, "S001", 1)
    late = _accept(kiosk, clerk, "GA02", 2)  # Mon 23 Nov + 2: due Wed 25
    clock.set(local(2026, 11, 30, 10, 0))  # Mon 30: Thu, Fri, Mon past it
    clerk = server.api(hall.login("S001"))
    assert clerk.post("/windows/1/sign-in", {"post": "A"}).status_code == 200
    soon = _accept(server.api(hall.token("kiosk", "k2")), clerk, "GA02", 1)  # due Tue 1 Dec
    server.app.extensions["hallq.sweep"]()  # the daily check escalates the late one
    clerk.post("/windows/1/sign-out")
    hall.user("boss", "supervisor")

    page = browser_page
    page.goto(server.url + "/assessment/cases")
    page.fill("#username", "boss")
    page.fill("#password", PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator("#cases")).to_be_visible()
    rows = page.locator("#cases tbody tr")
    expect(rows).to_have_count(1)
    row = rows.first
    assert row.get_attribute("data-ticket") == str(late["id"])
    text = row.inner_text()
    assert late["number"] in text and "1号窗口" in text and "2026-11-25" in text
    assert "超期3个工作日" in text and "已报督查股" in text and "未注明原因" in text
    assert "超期未办结 1" in page.inner_text("#tab-overdue") and "即将到期 1" in page.inner_text("#tab-due_soon")
    screenshot(page, "cases-supervision-overdue")
    page.click("#tab-due_soon")
    expect(page.locator(f"#cases tr[data-ticket='{soon['id']}']")).to_contain_text("剩1个工作日")
    screenshot(page, "cases-supervision-due-soon")

    console = Console(page.context.new_page(), server.url)
    console.sign_in("S001", 1)
    console.open_window()
    alerts = console.page.locator("#case-alerts li")
    expect(alerts).to_have_count(2)
    expect(alerts.nth(0)).to_contain_text(f"{late['number']} 户口迁移 已超期3个工作日（应于2026-11-25办结）")
    expect(alerts.nth(0)).to_contain_text("须注明延期原因")
    expect(alerts.nth(1)).to_contain_text(f"{soon['number']} 户口迁移 应于2026-12-01办结，剩1个工作日")
    console.shot("case-warnings")
