"""Supervisors' pages in real headless Chromium against the real server (SQLite; the
engine tests cover both databases). October 2025 of tests/assessment/month_db.py.
Screenshots land in tests/screenshots/assessment-*.png."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.assessment import month_db
from tests.browser import screenshot
from tests.conftest import PASSWORD

on_sqlite = pytest.mark.parametrize("db", ["sqlite"], indirect=True)
expect.set_options(timeout=10_000)


@pytest.fixture
def october(hall):
    return month_db.build(hall)


def sign_in(page: Page, base: str, username: str, path: str = "/assessment/2025-10") -> None:
    page.goto(base + path)
    expect(page.locator("#username")).to_be_visible()
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.keyboard.press("Enter")


def charts_drawn(page: Page, ids=("chart-satisfaction", "chart-waits", "chart-hours")) -> None:
    expect(page.locator("body")).to_have_attribute("data-charts", "drawn")
    for cid in ids:
        drawn = page.evaluate("""(id) => {
            const c = document.getElementById(id), chart = Chart.getChart(c);
            const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let ink = 0; for (let i = 3; i < px.length; i += 4) if (px[i]) ink++;
            return {points: chart.data.datasets[0].data.length, ink, w: c.width};
        }""", cid)
        assert drawn["points"] > 0 and drawn["w"] > 100 and drawn["ink"] > 500, (cid, drawn)


@on_sqlite
def test_ranking_drill_down_and_charts(october, server, browser_page):
    page = browser_page
    sign_in(page, server.url, "duban")
    rows = page.locator("#ranking tbody tr")
    expect(rows).to_have_count(4)
    assert [page.locator("#ranking tbody tr").nth(i).get_attribute("data-unit") for i in range(4)] == ["1", "3", "4", "2"]
    expect(rows.nth(0).locator(".score")).to_have_text("102")
    expect(rows.nth(0)).to_contain_text("优秀")
    charts_drawn(page)
    screenshot(page, "assessment-ranking")

    page.click("#ranking tr[data-unit='2'] a.unit")
    expect(page.locator("h1")).to_contain_text("2号")
    overdue = page.locator("#item-overdue")
    expect(overdue).to_contain_text("-6")
    expect(overdue).to_contain_text("本月超期3个工作日")
    screenshot(page, "assessment-card")

    overdue.locator(".evidence a").first.click()
    expect(page.locator("h1")).to_contain_text(f"办件 {october.tickets['promised']}")
    expect(page.locator("body")).to_contain_text("承诺3个工作日，期限2025-10-13")
    expect(page.locator("body")).to_contain_text("2025-10-16")  # the completion entered
    screenshot(page, "assessment-evidence-ticket")

    page.go_back()
    page.locator("#item-late .evidence a").first.click()
    expect(page.locator("body")).to_contain_text("2025-10-13 09:07")
    page.go_back()
    page.locator("#item-ratings .evidence a").first.click()
    expect(page.locator("body")).to_contain_text("不满意")
    expect(page.locator("body")).to_contain_text("服务态度差")
    screenshot(page, "assessment-evidence-rating")

    page.goto(server.url + "/assessment/2025-10/3")
    page.goto(server.url + "/assessment/2025-10/window/3")
    page.locator("#item-off_post .evidence a").first.click()
    expect(page.locator("tr.hl")).to_contain_text("私事")
    screenshot(page, "assessment-evidence-pause")


@on_sqlite
def test_record_entry_appeal_and_rank(october, server, browser_page):
    page = browser_page
    sign_in(page, server.url, "duban", "/assessment/2025-10/records")
    expect(page.locator("#records tbody tr")).to_have_count(3)
    expect(page.locator("#points")).to_be_disabled()
    page.select_option("#kind", "praise_letter")
    page.select_option("#item", "praise")
    expect(page.locator("#points")).to_be_enabled()
    page.fill("#occurred_on", "2025-10-28")
    page.select_option("#window", "3")
    page.select_option("#staff", "S004")
    page.fill("#points", "2")
    page.fill("#evidence", "群众送锦旗一面（登记号 JQ-08）")
    screenshot(page, "assessment-record-form")
    page.click("#record-form button[type=submit]")
    expect(page.locator(".notice.ok")).to_contain_text("已保存")
    expect(page.locator("#records tbody tr")).to_have_count(4)
    expect(page.locator("#records")).to_contain_text("JQ-08")
    screenshot(page, "assessment-records")

    # Window 4 appeals its verified complaint; the supervisor removes it: 94 → 99, 3rd → 2nd.
    page.goto(server.url + "/assessment/2025-10/window/4")
    item = page.locator("#item-verified_complaint")
    item.locator("summary").click()
    item.locator("textarea").fill("投诉所涉业务不属本窗口")
    item.locator("button[type=submit]").click()
    expect(page.locator(".notice.ok")).to_contain_text("已提交")
    page.goto(server.url + "/assessment/2025-10")
    expect(page.locator(".notice")).to_contain_text("1 件复议待决定")
    page.click("text=去处理")
    form = page.locator("#appeals form.decide")
    form.locator("select").select_option("removed")
    form.locator("input[name=reason]").fill("经核实投诉工单派错窗口")
    form.locator("button").click()
    expect(page.locator("#appeals")).to_contain_text("94分第3名 → 99分第2名")
    screenshot(page, "assessment-appeals")
    page.goto(server.url + "/assessment/2025-10")
    assert page.locator("#ranking tbody tr").nth(1).get_attribute("data-unit") == "4"
    page.goto(server.url + "/assessment/2025-10/window/4")
    expect(page.locator("#item-verified_complaint .appeal")).to_contain_text("撤销该项")


@on_sqlite
def test_bulletin_followups_year_and_refusal(october, server, browser_page, chromium):
    page = browser_page
    sign_in(page, server.url, "duban", "/assessment/2025-10/bulletin")
    expect(page.locator(".doc-title")).to_contain_text("2025年10月运行情况通报")
    paper = page.locator(".paper")
    expect(paper).to_contain_text("本月共取号 19 个，办结 18 件")
    expect(paper).to_contain_text("满意率 90.0%")
    expect(paper).to_contain_text("2号窗口（公安窗口）：办件超承诺时限")
    charts_drawn(page)
    screenshot(page, "assessment-bulletin")
    page.emulate_media(media="print")
    expect(page.locator("header.bar")).to_be_hidden()
    screenshot(page, "assessment-bulletin-print")
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 20_000
    page.emulate_media(media="screen")

    page.goto(server.url + "/assessment/followups")
    expect(page.locator("#followups tbody tr")).to_have_count(1)
    expect(page.locator("#followups")).to_contain_text("不满意")
    screenshot(page, "assessment-followups")

    page.goto(server.url + "/assessment/year/2025")
    page.fill("input[name=score_1]", "90")
    page.fill("input[name=score_2]", "85")
    page.fill("input[name=score_3]", "95")
    page.fill("input[name=score_4]", "80")
    page.click("text=保存民主测评成绩")
    expect(page.locator("#annual tbody tr").first).to_contain_text("97.2")
    screenshot(page, "assessment-year")

    # A clerk signs in: refused, and the pages stay closed.
    other = chromium.new_context(locale="zh-CN").new_page()
    sign_in(other, server.url, "S001")
    expect(other.locator(".error")).to_contain_text("没有考核督查权限")
    screenshot(other, "assessment-login-refused")
    other.goto(server.url + "/assessment/2025-10/bulletin")
    expect(other.locator("#username")).to_be_visible()
    other.context.close()
