"""The bad-review follow-up workflow page (差评整改, issue 16) in real headless Chromium (desktop 1366x768).

A bad review's case through its life on the page: callback to the rater, rectification, close; a case owned by
the supervisors because the chief representative was the rated clerk, flagged overdue after a weekend and a
holiday; a mistaken review ruled out from the supervisor's side with reasons (its case withdrawn).
Screenshots: tests/screenshots/followup-*.png.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from hallq.queue.settings import RatingSettings
from tests.browser import screenshot
from tests.conftest import PASSWORD, Hall, local
from tests.evaluator.conftest import pad_rate, serve

on_sqlite = pytest.mark.parametrize("db", ["sqlite"], indirect=True)
expect.set_options(timeout=15_000)
DESKTOP = {"width": 1366, "height": 768}


@pytest.fixture
def hall(db, clock):
    return Hall(db, clock, ratings=RatingSettings(chiefs={"GA": "S003"}, followup_working_days=2))


def sign_in(page: Page, base: str, username: str, path: str) -> None:
    page.set_viewport_size(DESKTOP)
    page.goto(base + path)
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.keyboard.press("Enter")


def step(page: Page, form: str, text: str, selects: dict[str, str] | None = None, person: str | None = None):
    box = page.locator(form)
    box.locator("textarea[name=text]").fill(text)
    if person:
        box.locator("input[name=person]").fill(person)
    for name, value in (selects or {}).items():
        box.locator(f"select[name={name}]").select_option(value)
    box.locator("button[type=submit]").click()
    expect(page.locator(".notice.ok")).to_be_visible()


@on_sqlite
def test_a_bad_review_followed_up_on_the_page_and_one_ruled_mistaken(hall, server, clock, browser_page):
    clock.set(local(2026, 12, 23, 10, 0))  # Wednesday; Thursday 24th is the hall's holiday
    clerk = hall.clerk("S001", window=1)
    chief = hall.clerk("S003", window=2)  # GA's chief representative, serving at window 2
    hall.user("duban", "supervisor")
    clock.advance(seconds=30)
    ordinary = pad_rate(hall, serve(hall, clerk, 1), 1, window=1, reasons=["attitude"])  # case 1: S003 owns it
    clock.advance(seconds=30)
    own = pad_rate(hall, serve(hall, chief, 2), 2, window=2, reasons=["slow"], name="pad2")  # case 2: the chief's own
    clock.advance(seconds=30)
    mistaken = pad_rate(hall, serve(hall, clerk, 1), 1, window=1, reasons=["attitude"])  # case 3
    # Due two working days on: Friday 25th, then the make-up Saturday 26th. Monday 28th: a working day late.
    clock.set(local(2026, 12, 28, 10, 0))
    page = browser_page
    sign_in(page, server.url, "duban", "/assessment/followups")
    rows = page.locator("#followups tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator("#followups tr[data-id='2'] .owner")).to_have_text("督查（首席代表被评价）")
    expect(page.locator("#followups tr[data-id='1'] .owner")).to_have_text("张伟")
    expect(page.locator("#followups tr[data-id='2']")).to_contain_text("超期1个工作日")
    screenshot(page, "followup-list")

    # The chief's own review: supervisors follow it up.
    page.click("#followups tr[data-id='2'] a")
    expect(page.locator("#owner")).to_contain_text("首席代表即被评价人")
    expect(page.locator("#overdue")).to_contain_text("超期1个工作日")
    step(page, "#callback-form", "电话回访评价人：反映等候时间长，已致歉", {"reached": "yes"}, person="督查 周敏")
    step(page, "#rectification-form", "增开B岗，高峰时段两人同时接件")
    step(page, "#close-form", "已回访、已整改")
    expect(page.locator("#status")).to_contain_text("已办结（超期）")
    kinds = [li.get_attribute("data-kind") for li in page.locator("#timeline li").all()]
    assert kinds == ["callback", "rectification"]
    expect(page.locator("#timeline li").first).to_contain_text("督查 周敏")
    expect(page.locator("#callback-form")).to_have_count(0)
    screenshot(page, "followup-closed")

    # Closing without a callback is refused with the reason.
    page.goto(server.url + "/assessment/followups/1")
    page.locator("#close-form button").click()
    expect(page.locator(".error")).to_be_visible()
    expect(page.locator("#status")).to_contain_text("办理中")

    # The supervisor rules the third review mistaken: it stops counting, its case is withdrawn.
    page.goto(server.url + "/assessment/followups/3")
    step(page, "#appeal-form", "评价人当场说明按错了键，录像可证", {"ruling": "mistaken"})
    expect(page.locator("#appeal-ruling")).to_contain_text("误评")
    expect(page.locator("#appeal-ruling")).to_contain_text("不计入考核")
    expect(page.locator("#status")).to_contain_text("已撤回")
    expect(page.locator("#appeal-form")).to_have_count(0)
    screenshot(page, "followup-appeal")
    assert ordinary.id and own.id and mistaken.id

    page.goto(server.url + "/assessment/followups?status=overdue")
    expect(page.locator("#followups tbody tr")).to_have_count(1)  # case 1 still open and late
    expect(page.locator("#followups tr[data-id='1']")).to_be_visible()
