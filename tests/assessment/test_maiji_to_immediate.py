"""Worked example: seed 002 第十八条（一）, 麦积区 window units (maiji_window), December 2026, on both databases.

"有下列情况之一的，窗口单位可以加分：（一）窗口单位将承诺件改为即办件的，每项加5分". "每项" counts items, not cases:
the evidence is the admin's change of the item, its promised time (承诺时限) set from some working days to 0
(即办件), kept in the admin log with who and when. It is credited to the item's department's window unit, its
lowest-numbered window. The test hall: GA (公安) windows 1 and 2, SJ (市场监管) window 3.

- Mon 23 Nov: GA02 户口迁移 shortened 10 -> 8 working days. Not 即办; and November's.            0
- Mon 7 Dec: GA02 8 -> 0, 即办件.                                                          GA +5
- Tue 8 Dec: GA01 居民身份证申领 20 -> 0, 即办件.                                              GA +5
- Tue 8 Dec: SJ01 个体工商户登记 made 即办件, then Wed 9 Dec back to 5 working days: its last
  change of the month leaves it 承诺件.                                                          0
- Thu 10 Dec: GA01 renamed, still 0: no change of its promised time, no second count.          0
Window 1 (GA's lowest): 2 items, +10, each traced to its admin change. Windows 2 and 3: nothing.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import screenshot
from tests.conftest import PASSWORD, Hall, local


def ok(r, status=200):
    assert r.status_code == status, r.text
    return r.json()


@pytest.fixture
def hall(db, clock):
    return Hall(db, clock)


def change_item(api, code: str, **changes) -> dict:
    """The admin saves the item as it is, with `changes` (guide keys into its guide)."""
    item = ok(api.get(f"/admin/items/{code}"))
    body = {k: item[k] for k in ("code", "name", "department", "prefix", "daily_quota", "keywords", "windows")}
    body["guide"] = {**item["guide"], "forms": []}
    for key, value in changes.items():
        if key in ("promised_days",):
            body["guide"][key] = value
        else:
            body[key] = value
    return ok(api.post(f"/admin/items/{code}", body))


def test_items_turned_into_immediate_earn_the_window_unit_five_points_each(hall, server, clock):
    hall.user("admin", "admin")
    hall.user("duban", "supervisor")
    office = lambda: server.api(hall.login("duban"))  # noqa: E731  (a fresh token after the clock moves)
    admin = lambda: server.api(hall.login("admin"))  # noqa: E731
    ok(office().post("/assessment/schemes", {"scope": "window", "preset": "maiji_window", "from": "2026-11"}))
    change_item(admin(), "GA02", promised_days=8)  # Mon 23 Nov
    clock.set(local(2026, 12, 7, 10, 0))
    change_item(admin(), "GA02", promised_days=0)
    clock.set(local(2026, 12, 8, 10, 0))
    change_item(admin(), "GA01", promised_days=0)
    change_item(admin(), "SJ01", promised_days=0)
    clock.set(local(2026, 12, 9, 10, 0))
    change_item(admin(), "SJ01", promised_days=5)
    clock.set(local(2026, 12, 10, 10, 0))
    change_item(admin(), "GA01", name="居民身份证申领（含临时身份证）")
    clock.set(local(2026, 12, 11, 10, 0))

    log = ok(admin().get("/admin/changes", params={"entity": "item"}))
    made = {(c["key"], c["after"]["promised_days"]): c["id"] for c in log if c["before"]}
    card = ok(office().get("/assessment/2026-12/cards/window/1"))
    line = next(i for i in card["items"] if i["key"] == "promised_to_immediate")
    assert (line["count"], line["points"]) == (2, 10)
    assert [e["id"] for e in line["evidence"]] == [made[("GA02", 0)], made[("GA01", 0)]]
    assert [e["type"] for e in line["evidence"]] == ["item_change", "item_change"]
    assert line["evidence"][0]["detail"] == "事项GA02（户口迁移）由承诺件（8个工作日）改为即办件，12-07由user:admin登记"
    assert line["evidence"][1]["label"] == "GA01"
    assert "to_immediate" in card["definitions"]
    for window in (2, 3):
        other = ok(office().get(f"/assessment/2026-12/cards/window/{window}"))
        assert not [i for i in other["items"] if i["key"] == "promised_to_immediate"]
    november = ok(office().get("/assessment/2026-11/cards/window/1"))
    assert not [i for i in november["items"] if i["key"] == "promised_to_immediate"]


def test_the_points_trace_to_the_change_on_the_evidence_pages(hall, server, clock, browser_page):
    hall.user("admin", "admin")
    hall.user("duban", "supervisor")
    ok(server.api(hall.login("duban")).post("/assessment/schemes",
                                            {"scope": "window", "preset": "maiji_window", "from": "2026-11"}))
    clock.set(local(2026, 12, 7, 10, 0))
    change_item(server.api(hall.login("admin")), "GA02", promised_days=0)
    clock.set(local(2026, 12, 8, 10, 0))  # the running month is read up to now
    page = browser_page
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(server.url + "/assessment/2026-12/window/1")
    page.fill("#username", "duban")
    page.fill("#password", PASSWORD)
    page.keyboard.press("Enter")
    link = page.locator("a", has_text="事项变更 GA02")
    expect(link).to_be_visible()
    row = page.locator("li", has=link)
    expect(row).to_contain_text("由承诺件（10个工作日）改为即办件，12-07由user:admin登记")
    screenshot(page, "assessment-maiji-to-immediate-card")
    link.click()
    table = page.locator("#item-change")
    expect(table).to_contain_text("户口迁移（GA02）")
    expect(table).to_contain_text("承诺件，10个工作日 → 即办件（当场办结）")
    expect(table).to_contain_text("user:admin")
    screenshot(page, "assessment-maiji-to-immediate-evidence")
    page.goto(page.url + ("&" if "?" in page.url else "?") + "lang=en")
    expect(page.locator("#item-change")).to_contain_text("promised, 10 working days → immediate (on the spot)")
    screenshot(page, "assessment-maiji-to-immediate-evidence-en")
    page.goto(server.url + "/assessment/2026-12/window/1?lang=en")
    expect(page.locator("body")).to_contain_text(
        "item GA02 (户口迁移) turned from promised in 10 working days into immediate, recorded 12-07 by user:admin")
