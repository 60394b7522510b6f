"""The 双目标 API and page over a real server (seed 003 (三); tests/assessment/dual_db.py's 2025): the supervision
office enters and corrects the centre's findings, the page shows each department's share and figure with the
finding it stands on, the centre reports the year; in Chromium at desktop size, in Chinese and English."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from hallq.server.app import create_app
from tests.assessment import dual_db
from tests.assessment.web.test_pages import sign_in
from tests.browser import screenshot
from tests.conftest import Server
from tests.queue.web.test_api import assert_error

BASE = "/assessment/dual-target/2025"


@pytest.fixture
def year(db, clock):
    return dual_db.build(db, clock)


@pytest.fixture
def site(year, db, clock):
    srv = Server(create_app(db, clock=clock))
    yield srv
    srv.stop()


def test_the_api_who_may_and_what_it_refuses(year, site):
    hall = year.hall
    sup, boss, clerk = (site.api(hall.login(u)) for u in ("duban", "boss", "S001"))
    assert_error(clerk.get(BASE), 403, "forbidden")
    assert_error(clerk.post(BASE + "/findings", {"department": "GA", "finding": "full", "evidence": "x"}), 403)
    answer = sup.get(BASE)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["scheme"]["id"], body["reported"], body["provisional"]) == ("window_stars_003", False, False)
    assert [c["key"] for c in body["classes"]] == ["full", "government", "partial", "consult_only", "no_window"]
    assert [(c["department"], c["total"], c["finding"]) for c in body["departments"]] == [
        ("FG", None, None), ("GA", 91.9, None), ("MZ", None, None), ("SJ", 92.5, None), ("TJ", None, None),
        ("ZJ", 88, None)]

    made = sup.post(BASE + "/findings", {"department": "ZJ", "finding": "consult_only", "evidence": "只设咨询台"})
    assert made.status_code == 201, made.text
    assert (made.json()["entered_by"], made.json()["entered_at"]) == ("user:duban", "2026-11-23T02:00:00Z")
    assert_error(sup.post(BASE + "/findings", {"department": "ZJ", "finding": "partial", "evidence": "复核"}),
                 400, "finding_reason_required")  # a correction without its reason
    assert_error(sup.post(BASE + "/findings", {"department": "ZJ", "finding": "all", "evidence": "x"}), 400)
    assert_error(sup.post(BASE + "/findings", {"department": "XX", "finding": "full", "evidence": "x"}), 404)
    assert_error(sup.post(BASE + "/findings", {"department": "ZJ", "evidence": "x"}), 400)  # finding: say it
    assert_error(sup.post("/assessment/dual-target/2027/findings", {"department": "ZJ", "finding": "full",
                                                                    "evidence": "x"}), 400)
    zj = next(c for c in sup.get(BASE).json()["departments"] if c["department"] == "ZJ")
    assert (zj["share"], zj["score"], zj["finding_id"]) == (0.25, 22, made.json()["id"])

    assert_error(sup.post(BASE + "/report", {}), 403, "forbidden")
    refused = assert_error(boss.post(BASE + "/report", {}), 409, "months_unpublished")
    assert "2025-12" in refused["message"]
    dual_db.publish_december(year)
    reported = boss.post(BASE + "/report", {"note": "2025年度双目标考核结果"})
    assert reported.status_code == 200, reported.text
    assert (reported.json()["revision"], reported.json()["reason"]) == (1, "2025年度双目标考核结果")
    assert_error(boss.post(BASE + "/report", {}), 409, "dual_target_reported")
    later = sup.post(BASE + "/findings", {"department": "GA", "finding": "full", "evidence": "进驻清单",
                                          "reason": "报送后补充认定"})
    assert later.status_code == 201 and later.json()["revision"] == 2
    body = sup.get(BASE).json()
    assert (body["reported"], body["revision"], len(body["revisions"])) == (True, 2, 2)
    assert body["revisions"][1]["changes"] == [{"department": "GA", "name": "县公安局",
                                                "before": {"finding": None, "share": None, "score": None},
                                                "after": {"finding": "full", "share": 1, "score": 91.9}}]


def test_the_page_enter_correct_trace_and_report(year, site, browser_page):
    page = browser_page
    page.set_viewport_size({"width": 1440, "height": 900})  # a back-office desktop
    sign_in(page, site.url, "duban", "/assessment/year/2025")
    page.click("#dual-target-link")
    expect(page.locator("h1")).to_contain_text("2025年政府“双目标”责任制考核")
    expect(page.locator("#dept-GA")).to_contain_text("未认定")

    def enter(dept: str, finding: str, evidence: str, reason: str = "") -> None:
        page.select_option("#department", dept)
        page.select_option("#finding", finding)
        page.fill("#evidence", evidence)
        page.fill("#reason", reason)
        page.click("#save-finding")
        expect(page.locator("#done")).to_contain_text("已录入认定")

    enter("GA", "full", "公安局审批事项已全部进驻（进驻事项清单 2025-17号）")
    enter("SJ", "full", "12月实地核查：登记注册事项已进驻")
    enter("ZJ", "consult_only", "住建局窗口只提供咨询（核查记录 2025-21号）")
    enter("FG", "no_window", "县政府明确发改局应进驻，未设窗口")
    enter("TJ", "government", "统计局无面向公众的审批职能")
    # A correction without a reason is refused, with the form kept; with one, it replaces the finding.
    page.select_option("#department", "SJ")
    page.select_option("#finding", "partial")
    page.fill("#evidence", "复核：食品经营许可仍在局机关受理")
    page.click("#save-finding")
    expect(page.locator(".error")).to_contain_text("请填写更正理由")
    expect(page.locator("#evidence")).to_have_value("复核：食品经营许可仍在局机关受理")
    page.fill("#reason", "复核发现能纳入中心的职能没有完全纳入")
    page.click("#save-finding")
    expect(page.locator("#done")).to_contain_text("已录入认定")

    expect(page.locator("#dept-GA")).to_contain_text("91.9")
    expect(page.locator("#dept-SJ td.score")).to_have_text("46.25")
    expect(page.locator("#dept-ZJ td.score")).to_have_text("22")
    expect(page.locator("#dept-FG td.score")).to_have_text("0")
    expect(page.locator("#dept-TJ")).to_contain_text("依照政府综合意见评分")
    expect(page.locator("#dept-MZ")).to_contain_text("中心尚未认定")
    expect(page.locator("#dept-SJ")).to_contain_text("user:duban 2026-11-23 10:00")  # the hall's time
    expect(page.locator("#history tbody tr")).to_have_count(6)
    screenshot(page, "assessment-dual-target")

    # The figure traces to its finding, and the finding to the one it corrected.
    page.click("#dept-SJ a.finding")
    expect(page.locator("#finding")).to_contain_text("复核：食品经营许可仍在局机关受理")
    expect(page.locator("#finding")).to_contain_text("复核发现能纳入中心的职能没有完全纳入")
    expect(page.locator("#chain")).to_contain_text("12月实地核查：登记注册事项已进驻")
    screenshot(page, "assessment-dual-target-finding")

    # The centre reports the year once December is published; the page then says it is frozen.
    dual_db.publish_december(year)
    page.goto(site.url + "/assessment/logout")
    sign_in(page, site.url, "boss", "/assessment/year/2025/dual-target")
    page.click("#report")
    expect(page.locator("#reported")).to_contain_text("已报送（第1版）")
    expect(page.locator("#revisions")).to_contain_text("boss")
    # A democratic score changed after the report: the report stands, and the page says what moved.
    sup = site.api(year.hall.login("duban"))
    assert sup.post("/assessment/democratic/2025", {"scope": "window", "scores": {"4": 100}}).status_code == 200
    page.reload()
    expect(page.locator("#moved")).to_contain_text("县住房和城乡建设局 总分 88 → 100，得分 22 → 25")
    expect(page.locator("#dept-ZJ td.score")).to_have_text("22")
    assert sup.get(BASE).json()["moved_since_report"][0]["now"] == {"total": 100, "score": 25}
    page.goto(site.url + "/assessment/year/2025/dual-target?lang=en")
    expect(page.locator("h1")).to_contain_text("双目标 assessment")
    expect(page.locator("#dept-TJ")).to_contain_text("Scored by the government's overall opinion")
    expect(page.locator("#dept-SJ")).to_contain_text("half of its total")
    screenshot(page, "assessment-en-dual-target-reported")


def test_a_hall_whose_scheme_has_no_dual_target_is_told_so(hall, server, browser_page):
    hall.user("duban", "supervisor")  # small.toml: the county scheme, no 双目标 classes
    sign_in(browser_page, server.url, "duban", "/assessment/year/2025/dual-target")
    expect(browser_page.locator("#unavailable")).to_contain_text("没有“双目标”评分说明")
    expect(browser_page.locator("#finding-form")).to_have_count(0)
