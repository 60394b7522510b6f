"""The citizen's phone page (/t/<token>) at each stage of a case, in real Chromium at 390x844 (issue 17):
what the outcome means (due day, missing materials and where to bring them, the reason and the right to
复议/诉讼, the new window after a transfer), then "办理结果已可领取" and the pickup."""
from __future__ import annotations

import pytest

from tests.browser import screenshot
from tests.conftest import Hall
from tests.helpers import clerk_api, issue

PHONE = {"width": 390, "height": 844}
WAIT_MS = 30_000


@pytest.fixture
def hall(sqlite_db, clock):
    return Hall(sqlite_db, clock)


def _served(kiosk, clerk, window, service, **finish):
    t = issue(kiosk, service)
    assert clerk.post(f"/windows/{window}/call", {"ticket": t["number"]}).status_code == 200
    assert clerk.post(f"/windows/{window}/finish", finish).status_code == 200
    return t


def _fits(page):
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_promised_case_from_acceptance_to_pickup(hall, server, browser_page):
    kiosk = server.api(hall.token("kiosk", "k1"))
    clerk = clerk_api(hall, server, "S001", 1)
    t = _served(kiosk, clerk, 1, "GA02", outcome="promised", promised_days=10)
    page = browser_page
    page.set_viewport_size(PHONE)
    page.goto(f"{server.url}/t/{t['token']}?poll=1")
    assert page.inner_text("#status") == "已受理（承诺件），正在办理"
    assert page.inner_text("#case-due") == "承诺办结日期：2026-12-07"
    assert "已办结，感谢您的耐心" not in page.inner_text("body")
    _fits(page)
    screenshot(page, "case-01-promised-phone")

    assert clerk.post(f"/cases/{t['id']}/completion", {"completed_on": "2026-11-23"}).status_code == 201
    page.reload()
    assert page.inner_text("#status") == "办理结果已可领取"
    assert page.inner_text("#case-pickup") == "请到1号窗口领取办理结果（请携带本号票或身份证）。"
    screenshot(page, "case-02-result-ready-phone")

    assert clerk.post(f"/cases/{t['id']}/delivery", {"to": "赵敏华"}).status_code == 200
    page.reload()
    assert page.inner_text("#status") == "办理结果已领取"
    delivered = page.inner_text("#case-delivered")
    assert "由王芳发放" in delivered and "领取人：赵**" in delivered and "敏华" not in page.inner_text("body")
    assert "2026/11/23" in delivered or "2026-11-23" in delivered
    screenshot(page, "case-03-delivered-phone")


def test_supplement_refusal_and_transfer_say_what_they_mean(hall, server, browser_page):
    kiosk = server.api(hall.token("kiosk", "k1"))
    clerk = clerk_api(hall, server, "S001", 1)
    page = browser_page
    page.set_viewport_size(PHONE)

    more = _served(kiosk, clerk, 1, "GA02", outcome="supplement", missing_materials=["准迁证原件", "户口簿"])
    page.goto(f"{server.url}/t/{more['token']}")
    assert page.inner_text("#status") == "材料不齐，请补齐材料（补办件）"
    assert page.inner_text("#case-materials").split("\n") == ["准迁证原件", "户口簿"]
    assert "请于2026-12-07前带齐材料到1号窗口" in page.inner_text("#case")
    _fits(page)
    screenshot(page, "case-04-supplement-phone")

    no = _served(kiosk, clerk, 1, "GA02", outcome="rejected", note="不符合迁入条件")
    page.goto(f"{server.url}/t/{no['token']}")
    assert page.inner_text("#status") == "答复件：不予办理"
    assert page.inner_text("#case-reason") == "原因：不符合迁入条件"
    assert "六十日内申请行政复议" in page.inner_text("#case") and "行政诉讼" in page.inner_text("#case")
    _fits(page)
    screenshot(page, "case-05-rejected-phone")

    clerk_api(hall, server, "S004", 3)  # window 3 is open to take the transfer
    moved = issue(kiosk, "GA01")
    assert clerk.post("/windows/1/call", {"ticket": moved["number"]}).status_code == 200
    r = clerk.post("/windows/1/transfer", {"window": 3})
    assert r.status_code == 200, r.text
    page.goto(f"{server.url}/t/{moved['token']}")
    assert page.inner_text("#windows") == "办理窗口：3"  # the new window, not GA01's windows 1, 2 and 3
    screenshot(page, "case-06-transferred-phone")
    page.goto(f"{server.url}/t/{more['token']}?lang=en")
    assert page.inner_text("#status") == "Materials missing: please bring them"
