"""The chief representative's pages (首席代表, /assessment/chief, issue 16) in real headless Chromium (desktop
1366x768) against the real server, and over plain HTTP on both databases.

The chief of 县公安局 (GA, staff S003) signs in to the back office and lands on their own page: the complaints
forwarded to GA (the complainant masked, one overdue flagged), records GA's late reply themselves (the late
working day counted to that moment), and follows up the bad review they own (callback, rectification,
close; closing early refused with the reason). The chief of 县市场监督管理局 (S004) sees only SJ's complaint,
and is refused GA's complaint (404) and GA's follow-up (403). A clerk who is no chief is refused at sign-in,
and a chief is refused the supervision office's pages. Screenshots: tests/screenshots/chief-*.png.
"""
from __future__ import annotations

import pytest
import requests
from playwright.sync_api import Page, expect

from hallq.queue.halls import hall_context
from hallq.queue.settings import ComplaintSettings, RatingSettings
from hallq.supervision import complaints
from tests.browser import screenshot
from tests.conftest import PASSWORD, Hall, local
from tests.evaluator.conftest import pad_rate, serve

on_sqlite = pytest.mark.parametrize("db", ["sqlite"], indirect=True)
expect.set_options(timeout=15_000)
DESKTOP = {"width": 1366, "height": 768}
NAME, PHONE = "赵敏华", "13812345678"


@pytest.fixture
def hall(db, clock):
    return Hall(db, clock, ratings=RatingSettings(chiefs={"GA": "S003", "SJ": "S004"}, followup_working_days=2),
                complaints=ComplaintSettings(reply_working_days=2))


def _forwarded(hall, office, clock, *, window: int, staff: str | None, forward: bool = True) -> int:
    with hall.db.write() as s:
        ctx = hall_context(s, hall.id)
        c = complaints.register(s, office, ctx, clock(), channel="phone", name=NAME, contact=PHONE,
                                content="窗口工作人员态度生硬，材料一次没说清", window=window, staff=staff)
        if forward:
            complaints.forward(s, office, ctx, c.id, clock(), note="请核实后答复")
        s.commit()
        return c.id


def _setting_up(hall, clock) -> dict:
    """Monday 23 Nov: two bad reviews at GA's window 1 (S003 owns both cases); GA's complaint and SJ's
    forwarded (due Wednesday 25th), another of GA's registered only."""
    office = hall.user("duban", "supervisor")
    clerk = hall.clerk("S001", window=1)
    hall.clerk("S003", window=2)
    hall.user("S004", "clerk")
    clock.advance(seconds=30)
    pad_rate(hall, serve(hall, clerk, 1), 1, window=1, reasons=["attitude"])  # case 1
    clock.advance(seconds=30)
    pad_rate(hall, serve(hall, clerk, 1), 2, window=1, reasons=["slow"])  # case 2
    ids = {"ga": _forwarded(hall, office, clock, window=1, staff="S001"),
           "sj": _forwarded(hall, office, clock, window=3, staff="S004"),
           "unforwarded": _forwarded(hall, office, clock, window=1, staff="S002", forward=False)}
    clock.set(local(2026, 11, 26, 10, 0))  # Thursday: GA's reply is a working day late
    return ids


def sign_in(page: Page, base: str, username: str, path: str = "/assessment/chief") -> None:
    page.set_viewport_size(DESKTOP)
    page.goto(base + path)
    expect(page.locator("#username")).to_be_visible()
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.keyboard.press("Enter")


def step(page: Page, form: str, text: str, selects: dict[str, str] | None = None) -> None:
    box = page.locator(form)
    box.locator("textarea[name=text]").fill(text)
    for name, value in (selects or {}).items():
        box.locator(f"select[name={name}]").select_option(value)
    box.locator("button[type=submit]").click()
    expect(page.locator(".notice.ok")).to_be_visible()


@on_sqlite
def test_the_chief_replies_for_the_department_and_follows_up_their_bad_reviews(hall, server, clock, chromium):
    ids = _setting_up(hall, clock)
    context = chromium.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    # From the sign-in page the chief lands on their own page, whatever they asked for.
    sign_in(page, server.url, "S003", "/assessment/")
    expect(page.locator("h1")).to_have_text("本部门的投诉、差评整改与办件")
    assert page.url.endswith("/assessment/chief")
    expect(page.locator("#departments")).to_have_text("县公安局")
    rows = page.locator("#complaints tbody tr")
    expect(rows).to_have_count(1)  # SJ's and the unforwarded one are not GA's to see
    row = page.locator(f"#complaints tr[data-id='{ids['ga']}']")
    expect(row).to_contain_text("超期1个工作日")
    expect(row.locator(".complainant")).to_have_text("赵**")
    expect(page.locator("#count-overdue")).to_have_text("1")
    expect(page.locator("#followups tbody tr")).to_have_count(2)
    assert NAME not in page.content() and PHONE not in page.content()
    screenshot(page, "chief-home")

    # GA's reply, recorded by the chief: dated now, a working day late.
    row.locator("a").click()
    expect(page.locator("#complainant")).to_contain_text("138****5678")
    expect(page.locator("#overdue")).to_contain_text("超期1个工作日")
    expect(page.locator("input[name=at]")).to_have_count(0)  # a department never dates its reply back
    page.locator("#reply-form textarea[name=text]").fill("经核查，王芳确有态度生硬，已批评教育并当面致歉")
    page.locator("#reply-form button").click()
    expect(page.locator(".notice.ok")).to_be_visible()
    expect(page.locator("#status")).to_have_text("部门已答复")
    expect(page.locator("#reply-form")).to_have_count(0)
    last = page.locator("#timeline li").last
    expect(last).to_have_attribute("data-kind", "replied")
    expect(last).to_contain_text("张伟")
    expect(last).to_contain_text("逾期1个工作日")
    screenshot(page, "chief-complaint-replied")
    for other in (ids["sj"], ids["unforwarded"]):
        assert page.goto(f"{server.url}/assessment/chief/complaints/{other}").status == 404

    # The bad review they own: closing first is refused with the reason; then callback, rectification, close.
    page.goto(server.url + "/assessment/chief/followups/1")
    expect(page.locator("#owner")).to_contain_text("张伟")
    expect(page.locator("#appeal-form")).to_have_count(0)  # appeals are the supervisors'
    page.locator("#close-form button").click()
    expect(page.locator(".error")).to_contain_text("回访")
    expect(page.locator("#status")).to_have_text("办理中")
    step(page, "#callback-form", "电话回访评价人：反映窗口态度差，已致歉", {"reached": "yes"})
    step(page, "#rectification-form", "窗口人员服务规范再培训，每周抽查")
    step(page, "#close-form", "已回访、已整改")
    expect(page.locator("#status")).to_contain_text("已办结")
    kinds = [li.get_attribute("data-kind") for li in page.locator("#timeline li").all()]
    assert kinds == ["callback", "rectification"]
    expect(page.locator("#timeline li").first).to_contain_text("张伟")
    screenshot(page, "chief-followup-closed")

    # The supervision office's pages are not the chief's.
    assert page.goto(server.url + "/assessment/complaints").status == 403
    page.goto(server.url + "/assessment/chief?lang=en")
    expect(page.locator("h1")).to_have_text("Your department's complaints, bad-review follow-ups and cases")
    screenshot(page, "chief-home-en")
    context.close()

    # The market regulator's chief: SJ's complaint alone; GA's complaint 404, GA's follow-up 403.
    context = chromium.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    sign_in(page, server.url, "S004")
    expect(page.locator("#departments")).to_have_text("县市场监督管理局")
    expect(page.locator("#complaints tbody tr")).to_have_count(1)
    expect(page.locator(f"#complaints tr[data-id='{ids['sj']}']")).to_be_visible()
    expect(page.locator("#followups tbody tr")).to_contain_text("没有由您负责的差评整改")
    assert page.goto(f"{server.url}/assessment/chief/complaints/{ids['ga']}").status == 404
    assert page.goto(server.url + "/assessment/chief/followups/2").status == 403
    context.close()

    # A clerk who is no chief is refused at the sign-in.
    context = chromium.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    sign_in(page, server.url, "S001")
    expect(page.locator(".error")).to_contain_text("没有考核督查权限")
    context.close()


def _session(server, username: str) -> requests.Session:
    session = requests.Session()
    r = session.post(server.url + "/assessment/login", data={"username": username, "password": PASSWORD,
                                                              "next": "/assessment/chief"}, timeout=30)
    assert r.status_code == 200, r.text[:300]
    return session


def test_each_chief_acts_on_their_own_department_alone_over_http(hall, server, clock):
    """Both databases: the page's forms post to the same engine; another department's chief is refused
    every item of GA's (404 complaint, 403 follow-up) and changes nothing; bad input gets its message."""
    ids = _setting_up(hall, clock)
    ga, sj = _session(server, "S003"), _session(server, "S004")
    url = server.url + "/assessment/chief"
    # SJ's chief tries GA's complaint and GA's follow-up: refused, nothing recorded.
    assert sj.get(f"{url}/complaints/{ids['ga']}", timeout=30).status_code == 404
    assert sj.post(f"{url}/complaints/{ids['ga']}", data={"text": "代答"}, timeout=30).status_code == 404
    assert sj.get(f"{url}/followups/1", timeout=30).status_code == 403
    assert sj.post(f"{url}/followups/1", data={"action": "callback", "text": "x"}, timeout=30).status_code == 403
    # An empty reply: a clear message, the complaint still waits.
    r = ga.post(f"{url}/complaints/{ids['ga']}", data={"text": "  "}, timeout=30)
    assert r.status_code == 400 and 'role="alert">text is required' in r.text
    assert "待部门答复" in ga.get(f"{url}/complaints/{ids['ga']}", timeout=30).text
    # A callback dated before the case: refused with its message.
    r = ga.post(f"{url}/followups/1", data={"action": "callback", "text": "x", "at": "2026-01-01T09:00"}, timeout=30)
    assert r.status_code == 400 and 'class="error"' in r.text
    r = ga.post(f"{url}/complaints/{ids['ga']}", data={"text": "已核实处理", "person": "公安局 张伟"}, timeout=30)
    assert r.status_code == 200 and "部门已答复" in r.text and "逾期1个工作日" in r.text
    office = hall.user("duban2", "supervisor")
    with hall.db.write() as s:
        c = complaints.get(s, hall_context(s, hall.id), office, ids["ga"])
        step = complaints.steps(s, c)[-1]
        assert (c.status, step.kind, step.days_late, step.person, step.actor) == \
            ("replied", "replied", 1, "公安局 张伟", "user:S003")
    # SJ's complaint is about S004, SJ's chief himself: he may read it, never answer it (the office does).
    r = sj.post(f"{url}/complaints/{ids['sj']}", data={"text": "已处理，无问题"}, timeout=30)
    assert r.status_code == 403 and "针对您本人" in r.text
    mine = sj.get(url, timeout=30).text  # SJ's list: its own, still waiting, and not GA's
    assert f'data-id="{ids["sj"]}"' in mine and f'data-id="{ids["ga"]}"' not in mine and "部门已答复" not in mine
    # A clerk who is no chief gets no page.
    clerk = requests.Session()
    r = clerk.post(server.url + "/assessment/login", data={"username": "S001", "password": PASSWORD}, timeout=30)
    assert r.status_code == 403
    assert clerk.get(url, timeout=30, allow_redirects=False).status_code == 302  # to the sign-in
