"""Supervisors' pages in real headless Chromium against the real server (SQLite; the
engine tests cover both databases). October 2025 of tests/assessment/month_db.py.
Screenshots land in tests/screenshots/assessment-*.png."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from hallq.queue import calling, sessions
from tests.assessment import month_db
from tests.browser import screenshot
from tests.conftest import PASSWORD, local

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
    expect(rows.nth(0).locator(".score")).to_have_text("100")
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
    # The record behind the praise, entered at 10:00 hall time (02:00 UTC): shown in the hall's time.
    page.goto(server.url + "/assessment/2025-10/window/3")
    page.locator("#item-praise .evidence a").first.click()
    expect(page.locator("main")).to_contain_text("JQ-08")
    expect(page.locator("main")).to_contain_text("duban，2026-11-23 10:00")
    screenshot(page, "assessment-evidence-record")

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
    expect(page.locator("#annual tbody tr").first).to_contain_text("96优秀")  # 0.6 × 100 + 0.4 × 90
    screenshot(page, "assessment-year")

    # A clerk signs in: refused, and the pages stay closed.
    other = chromium.new_context(locale="zh-CN").new_page()
    sign_in(other, server.url, "S001")
    expect(other.locator(".error")).to_contain_text("没有考核督查权限")
    screenshot(other, "assessment-login-refused")
    other.goto(server.url + "/assessment/2025-10/bulletin")
    expect(other.locator("#username")).to_be_visible()
    other.context.close()


# --- English ----------------------------------------------------------------------------------------

CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")


def no_chinese(page: Page, selector: str) -> None:
    """What the system itself writes there is all English (nothing people entered sits in it)."""
    for text in page.locator(selector).all_inner_texts():
        assert not CJK.search(text), (selector, text)


@on_sqlite
def test_pages_in_english(october, server, browser_page):
    page = browser_page
    page.goto(server.url + "/assessment/login?lang=en&next=/assessment/2025-10")
    expect(page.locator("h1")).to_have_text("Assessment sign-in")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    screenshot(page, "assessment-en-login")
    page.fill("#username", "duban")
    page.fill("#password", PASSWORD)
    page.keyboard.press("Enter")

    # The ranking: the cookie keeps English without ?lang on the way.
    expect(page.locator("h1")).to_contain_text("Ranking, October 2025")
    expect(page.locator("#scheme-name")).to_have_text("County service centre: assessment of windows and staff")
    rows = page.locator("#ranking tbody tr")
    expect(rows.nth(0)).to_contain_text("Excellent")
    expect(rows.nth(3)).to_contain_text("Good")
    expect(rows.nth(3).locator(".items .chip").nth(1)).to_have_attribute(
        "title", "Case finished after its promised limit, -2 per case and working day late")
    no_chinese(page, "header.bar nav a:not(.lang), #ranking thead, #ranking .items, #ranking td:nth-child(5), .kpis, figcaption, h2")
    charts_drawn(page)
    screenshot(page, "assessment-en-ranking")

    # Window 2's card: scheme names from the preset, the engine's lines in English.
    page.click("#ranking tr[data-unit='2'] a.unit")
    expect(page.locator(".big-score")).to_contain_text("88 points · rank 4 of 4")
    overdue = page.locator("#item-overdue")
    expect(overdue).to_contain_text("Case finished after its promised limit, -2 per case and working day late")
    expect(overdue).to_contain_text("(3 working days)")
    expect(overdue).to_contain_text("promised in 3 working days, due by 10-13; finished 10-16; 3 working days late this month")
    expect(page.locator("#item-late")).to_contain_text("(1 time)")
    expect(page.locator("#item-late")).to_contain_text("Late 10-13 09:00–10-13 09:07, 7 min")
    expect(page.locator("#item-ratings")).to_contain_text("satisfaction 4/5 = 80.0%, 5 of 10 points")
    no_chinese(page, "main h2, table.sections, section.item, details.defs")
    screenshot(page, "assessment-en-card")

    overdue.locator(".evidence a").first.click()
    expect(page.locator("h1")).to_contain_text(f"Ticket {october.tickets['promised']}")
    expect(page.locator("body")).to_contain_text("promised in 3 working days, due 2025-10-13")
    expect(page.locator("body")).to_contain_text("已发证")  # the completion's note, as entered
    screenshot(page, "assessment-en-evidence")

    # Window 1: a record's evidence stays as entered, the rest is English.
    page.goto(server.url + "/assessment/2025-10/window/1")
    praise = page.locator("#item-praise")
    expect(praise).to_contain_text("Citizen praised the attitude, quality or speed of service")
    expect(praise).to_contain_text("群众来信表扬王芳耐心细致（信件编号 2025-101） (praise letter, entered by user:duban)")
    # The media praise is S001's own bonus (篇二 (五) "工作人员在月度考评时可加分"), not the window's.
    expect(page.locator("#item-media_praise")).to_have_count(0)
    page.goto(server.url + "/assessment/2025-10/staff/S001")
    expect(page.locator("#item-media_praise")).to_contain_text("Praised by the news media, +2 each time")

    page.goto(server.url + "/assessment/2025-10/records")
    expect(page.locator("h1")).to_have_text("Supervisors' records, October 2025")
    expect(page.locator("#records")).to_contain_text("verified complaint")
    expect(page.locator("#records")).to_contain_text("12345热线投诉工单")
    expect(page.locator("#item option[value=praise]")).to_contain_text("Citizen praised")
    no_chinese(page, "#record-form h2, #record-form button, #records thead, #kind")
    screenshot(page, "assessment-en-records")

    page.goto(server.url + "/assessment/2025-10/bulletin")
    expect(page.locator(".doc-title")).to_contain_text("Operations bulletin, October 2025")
    paper = page.locator(".paper")
    expect(paper).to_contain_text("19 tickets were issued and 18 cases finished this month")
    expect(paper).to_contain_text("the satisfaction rate was 90.0%")
    expect(paper).to_contain_text("Window 2 (公安窗口): Case finished after its promised limit, 3 working days, -6 points.")
    expect(paper).to_contain_text("Window 2 (公安窗口): Late for work, 1 time, -1 point.")
    charts_drawn(page)
    screenshot(page, "assessment-en-bulletin")

    page.goto(server.url + "/assessment/followups")
    expect(page.locator("#followups")).to_contain_text("dissatisfied")
    expect(page.locator("#followups")).to_contain_text("poor attitude")
    no_chinese(page, "main h1, #followups thead, .tools")
    screenshot(page, "assessment-en-followups")

    page.goto(server.url + "/assessment/2025-10/appeals")
    expect(page.locator("#appeals")).to_contain_text("No appeals this month")
    page.goto(server.url + "/assessment/year/2025")
    expect(page.locator("h1")).to_contain_text("Annual assessment 2025 (Windows)")
    expect(page.locator("#annual tbody tr").first).to_contain_text("No democratic evaluation score")
    expect(page.locator("#save-democratic")).to_have_text("Save the democratic evaluation")
    screenshot(page, "assessment-en-year")

    # Back to Chinese through the link; the cookie follows.
    page.click("header.bar a.lang")
    expect(page.locator("h1")).to_contain_text("2025年度考核")
    page.goto(server.url + "/assessment/2025-10")
    expect(page.locator("h1")).to_contain_text("2025年10月 考核排名")


# --- choosing the scheme ----------------------------------------------------------------------------

@on_sqlite
def test_scheme_page_changes_the_months_scores(october, server, browser_page):
    page = browser_page
    sign_in(page, server.url, "duban", "/assessment/schemes?scope=window&lang=en")
    expect(page.locator("h1")).to_contain_text("Assessment scheme (Windows)")
    expect(page.locator("#preset option:checked")).to_have_text("County service centre: assessment of windows and staff")
    line = page.locator("#scheme-lines tr[data-key='overdue']")
    expect(line).to_contain_text("Case management")
    line.locator("input").fill("-1")
    # The hall's October is not published: the change may apply from it (the page offers this month).
    page.locator("#points-form .from-month").fill("2025-10")
    screenshot(page, "assessment-en-schemes")
    page.click("#save-points")
    expect(page.locator("#saved")).to_be_visible()
    expect(page.locator("#scheme-lines tr[data-key='overdue'] input")).to_have_value("-1")
    expect(page.locator("#scheme-lines tr.adjusted")).to_have_count(1)

    # Window 2's three working days late now cost 3 points, not 6: 88 → 91, still last.
    page.goto(server.url + "/assessment/2025-10/window/2")
    expect(page.locator("#item-overdue .pts")).to_have_text("-3")
    expect(page.locator(".big-score")).to_contain_text("91 points")
    # A department is the average of its windows: GA (100 + 91) / 2 = 95.5, each window named.
    page.goto(server.url + "/assessment/2025-10/department/GA")
    expect(page.locator("#item-windows_average")).to_contain_text("window 1 100, window 2 91: average 95.5")
    expect(page.locator("#item-windows_average")).to_contain_text("window 2: 91 points")
    expect(page.locator(".big-score")).to_contain_text("95.5 points")

    # Windows move to the best-window scheme (seed 004): overdue −3 a case-day, best windows chosen.
    page.goto(server.url + "/assessment/schemes?scope=window")
    page.select_option("#preset", "window_best")
    page.locator("#preset-form .from-month").fill("2025-10")
    page.click("#preset-form button[type=submit]")
    expect(page.locator("#saved")).to_be_visible()
    expect(page.locator("#scheme-lines tr[data-key='faster_50']")).to_contain_text("+8")
    page.goto(server.url + "/assessment/2025-10")
    expect(page.locator("#scheme-name")).to_have_text("Best service window and red-flag window selection")
    expect(page.locator(".selection").first).to_contain_text("Best service window")
    page.goto(server.url + "/assessment/2025-10/window/2")
    expect(page.locator("#item-overdue .pts")).to_have_text("-9")
    screenshot(page, "assessment-en-best-window-card")

    # In Chinese the same page names the preset in Chinese.
    page.goto(server.url + "/assessment/schemes?scope=window&lang=zh")
    expect(page.locator("#preset option:checked")).to_have_text("最佳服务窗口与红旗窗口评选")
    screenshot(page, "assessment-schemes")


# --- entering completions (办结登记) ------------------------------------------------------------------

@on_sqlite
def test_registered_completion_changes_the_overdue_deduction(hall, clock, server, browser_page):
    hall.user("duban", "supervisor")
    back_to = clock.now
    clock.now = local(2026, 11, 2, 10)  # Monday 2 November
    clerk = hall.clerk("S003", window=2)
    ticket = hall.issue("GA02")
    hall.run(calling.call, clerk, 2, clock.advance(minutes=1), ticket.id)
    hall.run(calling.finish, clerk, 2, clock.advance(minutes=3), outcome="promised", promised_days=3)  # due Thu 5
    hall.run(sessions.sign_out, clerk, 2, clock.advance(minutes=1))
    clock.now = back_to  # Monday 23 November

    page = browser_page
    sign_in(page, server.url, "duban", "/assessment/2026-11/completions?lang=en")
    expect(page.locator("h1")).to_contain_text("Promised cases, November 2026: completions")
    row = page.locator(f"#open-cases tr[data-ticket='{ticket.id}']")
    expect(row).to_contain_text("2026-11-05")
    # 6, 9–13, 16–20, 23 November: 12 working days late by today.
    expect(row.locator("td.num")).to_have_text("12")
    screenshot(page, "assessment-en-completions")

    # A running month counts an open case up to today, as the completions page does: 12 × −2,
    # never the 17 working days to the month's end.
    page.goto(server.url + "/assessment/2026-11/window/2")
    # 办件管理 has 15 points to lose: the card shows the −15 applied, and the −24 computed beside it.
    expect(page.locator("#item-overdue .pts")).to_have_text("-15")
    expect(page.locator("#item-overdue .applied-note")).to_have_text("-24 computed; the section had only 15 left")
    expect(page.locator("#item-overdue")).to_contain_text("still open on 11-23; 12 working days late this month")
    expect(page.locator("#provisional")).to_have_text("Provisional: facts up to 23 November")
    # The definitions the card used, by their names (never their keys).
    expect(page.locator("details.defs dt[data-key=satisfaction_rate]")).to_have_text("Satisfaction rate")
    page.goto(server.url + "/assessment/year/2026?lang=zh")  # the year holds the running month
    expect(page.locator("#provisional")).to_have_text("截至11月23日 · 临时数据")
    screenshot(page, "assessment-year-provisional")
    page.goto(server.url + "/assessment/year/2025")
    expect(page.locator("#provisional")).to_have_count(0)
    page.goto(server.url + "/assessment/2026-11/window/2")
    page.locator("details.defs summary").click()
    expect(page.locator("details.defs dt[data-key=days_late]")).to_have_text("超期天数")
    screenshot(page, "assessment-card-definitions")
    page.goto(server.url + "/assessment/2026-11/bulletin?lang=zh")
    expect(page.locator("#provisional")).to_have_text("截至11月23日 · 临时数据")
    screenshot(page, "assessment-bulletin-provisional")
    page.goto(server.url + "/assessment/2026-10?lang=en")  # October is over: final
    expect(page.locator("#provisional")).to_have_count(0)

    page.goto(server.url + "/assessment/2026-11/completions")
    row = page.locator(f"#open-cases tr[data-ticket='{ticket.id}']")
    row.locator("input[name=completed_on]").fill("2026-11-10")
    row.locator("input[name=note]").fill("licence issued")
    row.locator("input[name=delay_reason]").fill("waiting for the provincial system")  # late: the reason asked
    row.locator("button").click()
    expect(page.locator(".notice.ok")).to_contain_text(f"The completion of {ticket.number} is on record")
    expect(page.locator("#open-cases")).to_contain_text("No open promised cases")
    expect(page.locator("#done-cases tbody tr").first).to_contain_text("2026-11-10")
    expect(page.locator("#done-cases tbody tr").first.locator("td.num")).to_have_text("3")
    screenshot(page, "assessment-en-completion-entered")

    # Finished Tue 10 November: 6, 9, 10 → 3 working days × −2.
    page.goto(server.url + "/assessment/2026-11/window/2")
    expect(page.locator("#item-overdue .pts")).to_have_text("-6")
    expect(page.locator("#item-overdue")).to_contain_text("finished 11-10; 3 working days late this month")

    # The same list in Chinese keeps the note as entered.
    page.goto(server.url + "/assessment/2026-11/completions?lang=zh")
    expect(page.locator("h1")).to_contain_text("2026年11月 承诺件办结登记")
    expect(page.locator("#done-cases")).to_contain_text("licence issued")
