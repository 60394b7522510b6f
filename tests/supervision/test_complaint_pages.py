"""The supervision office's complaint pages in real headless Chromium (desktop 1366x768) against the real server.

A complaint registered on the page and taken through its life on the page (forward, reply, report not
satisfied, re-verify, reply, report, return visit, close as verified); the register with an overdue reply;
the second verified complaint against one clerk raising 立即调离 on the complaint and on the clerk's card;
an admin sees the complainant masked, a clerk gets no page; the export is masked.
Screenshots: tests/screenshots/supervision-*.png.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from hallq.queue.halls import hall_context
from hallq.queue.settings import ComplaintSettings
from hallq.supervision import complaints
from tests.browser import screenshot
from tests.conftest import PASSWORD, Hall, local

on_sqlite = pytest.mark.parametrize("db", ["sqlite"], indirect=True)
expect.set_options(timeout=15_000)
DESKTOP = {"width": 1366, "height": 768}
NAME, PHONE = "赵敏华", "13812345678"


@pytest.fixture
def hall(db, clock):
    return Hall(db, clock, complaints=ComplaintSettings(reply_working_days=2))


def _through(hall, office, clock, *, day: int, staff: str, outcome: str | None, forward_only: bool = False) -> int:
    """A complaint taken through its life by the engine, on 2026-11-<day>."""
    clock.set(local(2026, 11, day, 9, 0))
    with hall.db.write() as s:
        ctx = hall_context(s, hall.id)
        c = complaints.register(s, office, ctx, clock(), channel="letter", name="钱学文", contact="城关镇幸福路12号",
                                content="办理时推诿，让跑了三次", window=1, staff=staff)
        complaints.forward(s, office, ctx, c.id, clock())
        if not forward_only:
            complaints.reply(s, office, ctx, c.id, clock(), text="已核实")
            complaints.report(s, office, ctx, c.id, clock(), satisfied=True, text="已告知")
            complaints.visit(s, office, ctx, c.id, clock(), text="回访满意")
            complaints.close(s, office, ctx, c.id, clock(), outcome=outcome, reason="核实属实")
        s.commit()
        return c.id


def sign_in(page: Page, base: str, username: str, path: str = "/assessment/complaints") -> None:
    page.set_viewport_size(DESKTOP)
    page.goto(base + path)
    expect(page.locator("#username")).to_be_visible()
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.keyboard.press("Enter")


def step(page: Page, form: str, fields: dict[str, str], selects: dict[str, str] | None = None) -> None:
    box = page.locator(form)
    for name, value in fields.items():
        box.locator(f"[name={name}]").fill(value)
    for name, value in (selects or {}).items():
        box.locator(f"select[name={name}]").select_option(value)
    box.locator("button[type=submit]").click()
    expect(page.locator(".notice.ok")).to_be_visible()


@on_sqlite
def test_the_supervision_office_takes_a_complaint_through_its_life_on_the_page(hall, server, clock, browser_page,
                                                                              chromium):
    office = hall.user("duban", "supervisor")
    hall.user("admin", "admin")
    hall.user("S001", "clerk")
    first = _through(hall, office, clock, day=16, staff="S001", outcome="verified")  # S001's first verified
    late = _through(hall, office, clock, day=18, staff="S002", outcome=None, forward_only=True)  # due Fri 20th
    clock.set(local(2026, 11, 23, 10, 0))  # Monday: the reply of `late` is a working day overdue
    page = browser_page
    sign_in(page, server.url, "duban")
    expect(page.locator("h1")).to_contain_text("投诉来访登记")
    expect(page.locator(f"#complaints tr[data-id='{late}']")).to_contain_text("超期1个工作日")
    expect(page.locator("#tab-overdue")).to_contain_text("1")

    # Register on the page: the supervisor sees the complainant whole.
    form = page.locator("#register-form")
    form.locator("#channel").select_option("phone")
    form.locator("#name").fill(NAME)
    form.locator("#contact").fill(PHONE)
    form.locator("#window").select_option("1")
    form.locator("#staff").select_option("S001")
    form.locator("#content").fill("窗口工作人员态度生硬，一次性告知没有做到")
    form.locator("#register").click()
    expect(page.locator("h1")).to_contain_text("已登记")
    expect(page.locator("#complainant")).to_have_text(f"{NAME} · {PHONE}")
    number = int(page.url.split("/complaints/")[1].split("?")[0])

    step(page, "#forward-form", {"note": "请核实后答复"})
    expect(page.locator(".big-score")).to_contain_text("2026-11-25")  # Monday + 2 working days
    step(page, "#reply-form", {"text": "已批评教育", "person": "公安局 李科长"})
    step(page, "#report-form", {"text": "投诉人认为处理太轻"}, {"satisfied": "no"})
    step(page, "#reverify-form", {"text": "请调取录像重新核实"})
    step(page, "#reply-form", {"text": "录像证实态度生硬，已调整岗位"})
    step(page, "#report-form", {"text": "投诉人接受"}, {"satisfied": "yes"})
    step(page, "#visit-form", {"text": "回访：投诉人满意"}, {"satisfied": "yes"})
    step(page, "#close-form", {"reason": "录像证实"}, {"outcome": "verified"})
    expect(page.locator("h1")).to_contain_text("已办结（查实）")
    kinds = [li.get_attribute("data-kind") for li in page.locator("#timeline li").all()]
    assert kinds == ["registered", "forwarded", "replied", "reported", "reverify", "replied", "reported", "visit",
                     "closed"]
    # The second verified complaint in a row against S001: 立即调离, here and on S001's card.
    expect(page.locator("#transfer-flag")).to_contain_text("立即调离")
    screenshot(page, "supervision-complaint-timeline")
    page.goto(server.url + "/assessment/2026-11/staff/S001")
    expect(page.locator("#transfer-flag")).to_contain_text(f"投诉第{first}号、第{number}号")
    screenshot(page, "supervision-card-transfer-flag")

    page.goto(server.url + "/assessment/complaints?view=overdue")
    expect(page.locator("#complaints tbody tr")).to_have_count(1)
    page.goto(server.url + "/assessment/complaints")
    expect(page.locator(f"#complaints tr[data-id='{number}'] .complainant")).to_contain_text(NAME)
    screenshot(page, "supervision-register")
    # The export is masked, even for the office.
    csv = page.request.get(server.url + "/assessment/complaints/export.csv")
    assert csv.status == 200
    text = csv.body().decode("utf-8-sig")
    assert NAME not in text and PHONE not in text and "赵**" in text and "138****5678" in text

    # In English on request.
    page.goto(server.url + f"/assessment/complaints/{number}?lang=en")
    expect(page.locator("h1")).to_have_text(f"Complaint {number} · closed (verified)")
    expect(page.locator("#timeline li").nth(4)).to_contain_text("re-verification")
    screenshot(page, "supervision-complaint-en")

    # An admin keeps the register but sees the complainant masked.
    admin = chromium.new_context(viewport=DESKTOP, locale="zh-CN").new_page()
    sign_in(admin, server.url, "admin", f"/assessment/complaints/{number}")
    expect(admin.locator("#complainant")).to_have_text("赵** · 138****5678")
    admin.goto(server.url + "/assessment/complaints")
    expect(admin.locator(f"#complaints tr[data-id='{number}'] .complainant")).to_contain_text("赵**")
    assert NAME not in admin.content() and PHONE not in admin.content()
    screenshot(admin, "supervision-register-admin-masked")
    admin.context.close()

    # A clerk gets no page of it.
    clerk = chromium.new_context(viewport=DESKTOP, locale="zh-CN").new_page()
    sign_in(clerk, server.url, "S001")
    expect(clerk.locator(".error")).to_contain_text("没有考核督查权限")
    assert NAME not in clerk.content()
    clerk.context.close()


@on_sqlite
def test_a_step_out_of_turn_on_the_page_says_why(hall, server, browser_page):
    hall.user("duban", "supervisor")
    page = browser_page
    sign_in(page, server.url, "duban")
    form = page.locator("#register-form")
    form.locator("#name").fill(NAME)
    form.locator("#content").fill("没有指明对象")
    form.locator("#register").click()
    expect(page.locator(".error")).to_contain_text("a complaint is about a window")
    expect(page.locator("#name")).to_have_value(NAME)  # what was typed stays
