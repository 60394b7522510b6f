"""The staff register (人员备案) on both databases: changes proposed and approved or refused by the centre, and a
change made without its consent becoming an assessment record with the change as its evidence where the
scheme has the line (seed 002: maiji_window "中途无故更换窗口工作人员的，每人次扣5分").
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import screenshot
from tests.conftest import PASSWORD, local


def ok(r, status=200):
    assert r.status_code == status, r.text
    return r.json()


@pytest.fixture
def people(hall, server):
    hall.user("duban", "supervisor")
    hall.user("admin", "admin")
    hall.user("S001", "clerk")
    return lambda: {who: server.api(hall.login(name)) for who, name in
                    (("office", "duban"), ("admin", "admin"), ("clerk", "S001"))}


def test_a_change_proposed_then_approved_or_refused_by_the_centre_only(people):
    p = people()
    office, admin, clerk = p["office"], p["admin"], p["clerk"]
    before = {x["number"]: x for x in ok(office.get("/register"))["staff"]}
    assert before["S002"]["kind"] is None and before["S002"]["department"]["code"] == "GA"  # 未备案
    assert before["S001"]["posts"] == ["1A"] and before["S002"]["posts"] == ["1B"]
    assert clerk.get("/register").status_code == 403
    body = {"staff": "S005", "kind": "standin", "since": "2026-12-01", "department": "GA", "replaces": "S002",
            "reason": "李强调回原单位，由陈静替岗"}
    assert clerk.post("/register/changes", body).status_code == 403
    change = ok(office.post("/register/changes", body), 201)
    assert (change["status"], change["replaces"]["number"], change["record"]) == ("proposed", "S002", None)
    assert ok(office.get("/register"))["staff"][4]["pending"] is True
    assert clerk.post(f"/register/changes/{change['id']}/approve").status_code == 403
    change = ok(admin.post(f"/register/changes/{change['id']}/approve"))
    assert (change["status"], change["decided_by"]) == ("approved", "user:admin")
    entry = {x["number"]: x for x in ok(office.get("/register"))["staff"]}["S005"]
    assert (entry["department"]["code"], entry["kind"], entry["since"], entry["status"]) == \
        ("GA", "standin", "2026-12-01", "approved")
    assert office.post(f"/register/changes/{change['id']}/refuse", {"reason": "x"}).status_code == 409
    other = ok(office.post("/register/changes", {"staff": "S004", "kind": "resident", "since": "2026-12-01",
                                                 "reason": "调整"}), 201)
    assert office.post(f"/register/changes/{other['id']}/refuse", {}).status_code == 400
    refused = ok(office.post(f"/register/changes/{other['id']}/refuse", {"reason": "工作不满一年，一般不得调换"}))
    assert refused["status"] == "refused"
    assert {x["number"]: x for x in ok(office.get("/register"))["staff"]}["S004"]["kind"] is None
    assert office.post("/register/changes", {**body, "staff": "S999"}).status_code == 400
    assert office.post("/register/changes/99/approve").status_code == 404


def test_an_unapproved_change_costs_the_window_per_the_scheme(people, clock):
    clock.set(local(2026, 12, 14, 10, 0))
    p = people()
    office = p["office"]
    # The default scheme (county_window) has no such line: recorded, flagged, no assessment record.
    change = ok(office.post("/register/changes", {"staff": "S003", "kind": "resident", "since": "2026-12-07",
                                                  "reason": "公安局自行调换窗口人员"}), 201)
    assert change["status"] == "proposed"
    found = ok(office.post("/register/changes", {"staff": "S003", "kind": "resident", "since": "2026-12-07",
                                                 "reason": "公安局自行调换", "unapproved": True}), 201)
    assert (found["status"], found["record"]) == ("unapproved", None)
    ok(office.post("/assessment/schemes", {"scope": "window", "preset": "maiji_window"}))
    found = ok(office.post("/register/changes", {"staff": "S004", "kind": "resident", "since": "2026-12-08",
                                                 "replaces": "S005", "reason": "市场监管局中途换人，未报中心",
                                                 "unapproved": True}), 201)
    assert found["status"] == "unapproved" and found["record"]
    assert office.post("/register/changes", {"staff": "S004", "kind": "resident", "since": "2026-12-20",
                                             "reason": "x", "unapproved": True}).status_code == 400  # not yet
    record = next(r for r in ok(office.get("/assessment/records?month=2026-12")) if r["id"] == found["record"])
    assert (record["item"], record["window"], record["department"]["code"]) == ("staff_unfixed", 3, "SJ")
    assert f"人员变动第{found['id']}号" in record["evidence"] and "未经中心同意" in record["evidence"]
    card = ok(office.get("/assessment/2026-12/cards/window/3"))
    line = next(i for i in card["items"] if i.get("key") == "staff_unfixed" or i.get("item") == "staff_unfixed")
    assert line["points"] == -5
    entry = {x["number"]: x for x in ok(office.get("/register"))["staff"]}["S004"]
    assert entry["status"] == "unapproved"


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_the_register_page_in_chromium(hall, server, chromium, clock, db):
    """A supervisor proposes a change on the page and an admin approves it; a change found made without consent
    is flagged (desktop size, Chinese and English)."""
    hall.user("duban", "supervisor")
    hall.user("admin", "admin")
    clock.set(local(2026, 12, 14, 10, 0))

    def signed_in(username: str, lang: str = ""):
        page = chromium.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN").new_page()
        page.goto(f"{server.url}/assessment/login?next=/assessment/register{'?lang=' + lang if lang else ''}")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        expect(page.locator("#register")).to_be_visible()
        return page

    page = signed_in("duban")
    page.select_option("#staff", "S005")
    page.select_option("#department", "GA")
    page.select_option("#kind", "standin")
    page.fill("#since", "2026-12-15")
    page.select_option("#replaces", "S002")
    page.fill("#reason", "李强调回原单位，由陈静替岗")
    page.click("#propose")
    expect(page.locator("#changes tr[data-change='1']")).to_contain_text("待审批")
    page.select_option("#staff", "S004")
    page.fill("#since", "2026-12-08")
    page.fill("#reason", "市场监管局中途换人，未报中心")
    page.check("#unapproved")
    page.click("#propose")
    expect(page.locator("#register tr[data-staff='S004']")).to_contain_text("未经中心同意")
    screenshot(page, "register-supervisor")

    admin = signed_in("admin", "en")
    admin.locator("#changes tr[data-change='1'] button", has_text="Approve").click()
    expect(admin.locator("#register tr[data-staff='S005']")).to_contain_text("stand-in")
    expect(admin.locator("#register tr[data-staff='S005']")).to_contain_text("2026-12-15")
    expect(admin.locator("#changes tr[data-change='1']")).to_contain_text("approved")
    screenshot(admin, "register-admin-en")
