"""The console's pause dialog names the stand-in (顶岗, AB岗) and links the leave page, in real Chromium against
the real server, from the keyboard alone (issue 17: the people behind the windows).

The test hall: window 1 A S001, B S002 (both 县公安局); S003 holds window 2's A post, also 县公安局, and is its
chief representative here. The console offers S002 (the B post, the default) and S003 (a colleague of the
department the window serves); S004 (市场监管) is not offered for a police window.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from hallq.queue.models import Staff, WindowPause
from hallq.queue.settings import RatingSettings
from tests.browser import screenshot
from tests.conftest import PASSWORD, Hall
from tests.queue.web.test_console_page import Console

expect.set_options(timeout=30_000)


@pytest.fixture
def hall(sqlite_db, clock):
    return Hall(sqlite_db, clock, ratings=RatingSettings(chiefs={"GA": "S003"}))


def ok(r, status=200):
    assert r.status_code == status, r.text
    return r.json()


def _pause_row(hall):
    with hall.db.read() as s:
        row = s.scalars(select(WindowPause).order_by(WindowPause.id.desc())).first()
        return row.reason, row.ended_at, (s.get(Staff, row.stand_in_staff_id).number if row.stand_in_staff_id else None)


def test_pausing_names_a_stand_in_from_the_keyboard(hall, server, browser_page):
    for name in ("S001", "S002", "S003", "S005"):
        hall.user(name, "clerk")
    s003 = server.api(hall.login("S003"))
    ok(s003.post("/windows/2/sign-in", {"post": "A"}))
    page = browser_page
    console = Console(page, server.url)
    console.sign_in("S001", 1)
    console.open_window()
    console.live()
    link = page.locator("#leave-nav")
    expect(link).to_have_attribute("href", "/leave")
    console.shot("stand-in-01-console")

    # P: the dialog offers the B post (preselected: what a pause naming nobody records) and the department's
    # colleague, with where he is now; nobody of another department.
    console.key("p")
    dialog = page.locator("#dlg-pause")
    expect(dialog).to_be_visible()
    options = page.locator("#pause-stand-in option")
    expect(options).to_have_count(2)
    expect(options.nth(0)).to_have_text("李强（S002） · 本窗口B岗（默认）")
    expect(options.nth(1)).to_have_text("张伟（S003） · 县公安局 · 在2号窗口")
    expect(page.locator("#pause-stand-in")).to_have_value("S002")
    expect(page.locator("#leave-link")).to_have_attribute("href", "/leave")
    console.shot("stand-in-02-dialog")
    page.set_viewport_size({"width": 1366, "height": 768})
    screenshot(page, "console-stand-in-02b-dialog-1366")
    page.set_viewport_size({"width": 1920, "height": 1080})

    # From the keyboard: 开会 (arrow on the reasons), Tab to the stand-in, arrow to 张伟, Enter.
    console.key("ArrowRight")
    console.key("Tab")
    expect(page.locator("#pause-stand-in")).to_be_focused()
    console.key("ArrowDown")
    expect(page.locator("#pause-stand-in")).to_have_value("S003")
    console.key("Enter")
    expect(dialog).to_be_hidden()
    console.message("已暂停服务：开会，顶岗：张伟（S003）。")
    expect(page.locator("#status")).to_have_text("暂停服务：开会")
    expect(page.locator("#pause-cover")).to_have_text("顶岗：张伟（S003）")  # said while the pause lasts
    assert _pause_row(hall) == ("meeting", None, "S003")
    # The duty screen's list says who was named (GET /posts-away, the same record).
    away = {w["number"]: w for w in ok(server.api(hall.login("S005")).get("/posts-away"))}
    assert away[1]["pause_stand_in"] == {"number": "S003", "name": "张伟"}
    console.shot("stand-in-03-paused")
    console.key("p")
    expect(page.locator("#status")).to_have_text("服务中")
    expect(page.locator("#pause-cover")).to_be_hidden()

    # S002 on approved leave this morning: shown, not choosable; with no default left, "nobody" comes first.
    s002 = server.api(hall.login("S002"))
    lid = ok(s002.post("/leave", {"first_day": "2026-11-23", "last_day": "2026-11-23", "last_half": "am",
                                  "reason": "看病"}), 201)["id"]
    ok(s003.post(f"/leave/{lid}/approve"))
    page.reload()
    console.live()
    console.key("p")
    expect(dialog).to_be_visible()
    expect(options).to_have_count(3)
    expect(options.nth(0)).to_have_text("不指定")
    expect(options.nth(1)).to_have_text("李强（S002） · 本窗口B岗 · 请假中（默认）")
    expect(options.nth(1)).to_be_disabled()
    expect(page.locator("#pause-stand-in")).to_have_value("")
    console.shot("stand-in-04-on-leave")
    console.key("Enter")  # 午休, nobody named: the server's default is the B post, who is on leave
    console.message("已暂停服务：午休。")
    assert _pause_row(hall) == ("lunch", None, "S002")

    # The leave link opens the leave page in a tab of its own; the console stays at the window.
    with page.context.expect_page() as opened:
        page.click("#leave-nav")
    leave_page = opened.value
    leave_page.wait_for_load_state()
    assert leave_page.url == server.url + "/leave"
    # Its own sign-in (the console's token stays in the console's tab), then the form to ask for leave.
    leave_page.fill("#username", "S001")
    leave_page.fill("#password", PASSWORD)
    leave_page.keyboard.press("Enter")
    expect(leave_page.locator("#ask-form")).to_be_visible()
    expect(leave_page.locator("#stand-in-hint")).to_contain_text("李强 S002")
    screenshot(leave_page, "console-stand-in-05-leave-page")
    expect(page.locator("#status")).to_have_text("暂停服务：午休")


def test_english_stand_in_words(hall, server, browser_page):
    hall.user("S001", "clerk")
    console = Console(browser_page, server.url)
    console.sign_in("S001", 1, lang="en")
    console.open_window()
    console.live()
    console.key("p")
    expect(browser_page.locator("#pause-stand-in option").nth(0)).to_have_text(
        "李强 (S002) · this window's B post (default)")
    expect(browser_page.locator("#leave-link")).to_have_text("Ask for leave")
    console.shot("stand-in-06-english")
