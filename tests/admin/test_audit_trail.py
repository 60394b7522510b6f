"""The audit trail: a day's staff actions (ticket events, sessions, pauses) and admin changes, filtered,
as CSV, and on its page for supervisors and admins."""
from __future__ import annotations

import csv
import io

import pytest

from tests.admin.test_admin_pages import WAIT_MS, sign_in
from tests.browser import screenshot
from tests.helpers import clerk_api, issue

on_sqlite = pytest.mark.parametrize("db", ["sqlite"], indirect=True)


@pytest.fixture
def busy(hall, server, clock):
    """Window 1: S001 signs in, calls, finishes, pauses and resumes; an admin adds window 9."""
    kiosk = server.api(hall.token("kiosk", "k1"))
    clerk = clerk_api(hall, server, "S001", window=1)
    clock.advance(minutes=1)
    issue(kiosk)
    clock.advance(minutes=1)
    assert clerk.post("/windows/1/call-next").status_code == 200
    clock.advance(minutes=5)
    assert clerk.post("/windows/1/finish", {"outcome": "immediate"}).status_code == 200
    assert clerk.post("/windows/1/pause", {"reason": "=HYPERLINK(\"x\")"}).status_code == 200
    clock.advance(minutes=10)
    assert clerk.post("/windows/1/resume").status_code == 200
    hall.user("admin", "admin")
    hall.user("S004", "supervisor")
    admin = server.api(hall.login("admin"))
    assert admin.post("/admin/windows", {"number": 9, "name": "新窗口", "items": ["MZ01"]}).status_code == 201
    return server.api(hall.login("S004")), admin


def test_the_day_filtered_by_person_window_and_action(busy):
    boss, admin = busy
    rows = boss.get("/audit-trail").json()
    assert [r["action"] for r in rows] == ["sign_in", "issued", "called", "finished", "pause", "resume",
                                           "window.create"]
    assert rows[0]["at"].endswith("+08:00")  # the hall's time
    mine = boss.get("/audit-trail?person=S001").json()
    assert [r["action"] for r in mine] == ["sign_in", "called", "finished", "pause", "resume"]
    assert [r["action"] for r in boss.get("/audit-trail?window=9").json()] == ["window.create"]
    assert [r["subject"] for r in boss.get("/audit-trail?action=called").json()] == ["A001"]
    assert [r["person"] for r in boss.get("/audit-trail?action=window").json()] == ["user:admin"]
    assert boss.get("/audit-trail?day=2026-11-22").json() == []
    assert boss.get("/audit-trail?day=yesterday").status_code == 400
    assert admin.get("/audit-trail?person=admin").json()[0]["action"] == "window.create"


def test_the_csv_opens_in_excel_without_running_anything(busy):
    boss, _ = busy
    r = boss.get("/audit-trail.csv?window=1")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    text = r.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == ["at", "person", "window", "action", "subject", "detail"]
    [pause] = [row for row in rows if row[3] == "pause"]
    assert pause[5] == "'=HYPERLINK(\"x\")"  # a formula is text here


@on_sqlite
def test_the_page_for_a_supervisor(busy, server, browser_page):
    page = browser_page
    sign_in(page, f"{server.url}/audit/", "S004")
    page.wait_for_function("() => window.hallqTrail.ready", timeout=WAIT_MS)
    assert page.evaluate("window.hallqTrail.rows") == 7
    page.fill("#trail-form [name=person]", "S001")
    page.click("#trail-form button[type=submit]")
    page.wait_for_function("() => window.hallqTrail.ready && window.hallqTrail.rows === 5", timeout=WAIT_MS)
    assert "A001" in page.inner_text("#trail") and "叫号" in page.inner_text("#trail")
    screenshot(page, "audit-10-trail")
    with page.expect_download() as download:
        page.click("#export")
    assert download.value.suggested_filename == "audit-trail.csv"
