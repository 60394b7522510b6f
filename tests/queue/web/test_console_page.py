"""The clerk console in real headless Chromium against the real server.

A clerk's morning at window 1, driven from the keyboard, checking after each
step what the page shows AND what the engine recorded (ticket events, window
sessions and pauses). Screenshots land in tests/screenshots/console-*.png.
The console is database-agnostic (the engine tests cover both databases), so
these run on SQLite.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from hallq.queue.models import WindowPause, WindowSession
from tests.conftest import local
from tests.helpers import clerk_api, demo_server, issue
from tests.queue.web.staff_page import StaffPage
from tests.queue.tcp_proxy import TcpProxy

on_sqlite = pytest.mark.parametrize("db", ["sqlite"], indirect=True)
expect.set_options(timeout=10_000)


class Console(StaffPage):
    """The console page as a clerk uses it: keys, dialogs, and what it shows."""

    def __init__(self, page: Page, base: str):
        super().__init__(page, base, "console")

    def sign_in(self, username: str, window: int | None = None, post: str = "A", lang: str = "") -> None:
        self.submit_sign_in("/console/", username, lang)
        expect(self.page.locator("#window-card")).to_be_visible()
        if window is not None:
            self.page.select_option("#window-select", str(window))
        self.page.check(f"input[name=post][value={post}]")

    def open_window(self) -> None:
        self.page.click("#window-sign-in")

    def key(self, key: str) -> None:
        self.page.keyboard.press(key)

    def message(self, text: str) -> None:
        expect(self.page.locator("#msg")).to_contain_text(text)

    def current(self, number: str) -> None:
        expect(self.page.locator("#current-number")).to_have_text(number)

    def idle(self) -> None:
        expect(self.page.locator("#current .idle")).to_be_visible()

    def finish(self, digit: str, fill=None, shot: str | None = None) -> None:
        """F, the outcome's digit, the outcome's fields, Enter on the finish button."""
        self.key("f")
        dialog = self.page.locator("#dlg-finish")
        expect(dialog).to_be_visible()
        self.key(digit)
        if fill:
            fill(self.page)
        if shot:
            self.shot(shot)
        dialog.locator("button.primary").focus()
        self.key("Enter")


def events(api, ticket_id: int) -> list[tuple[str, int | None, dict]]:
    r = api.get(f"/tickets/{ticket_id}")
    assert r.status_code == 200, r.text
    return [(e["kind"], e["window"], e["data"]) for e in r.json()["events"]]


def ticket(api, ticket_id: int) -> dict:
    return api.get(f"/tickets/{ticket_id}").json()


@pytest.fixture
def console(browser_page, server):
    return Console(browser_page, server.url)


@on_sqlite
def test_a_morning_at_the_console(hall, server, clock, console, db):
    page = console.page
    kiosk = server.api(hall.token())
    admin = server.api(hall.login(hall.user("admin", "admin").name))
    clerk3 = clerk_api(hall, server, "S004", window=3)
    hall.user("S001", "clerk")
    tickets = {}
    for service in ("GA01", "GA01", "GA02", "GA02", "GA02", "GA02", "GA02"):
        t = issue(kiosk, service)
        tickets[t["number"]] = t["id"]
        clock.advance(minutes=1)
    green = admin.post("/tickets", {"service": "GA02", "priority": "green", "reason": "elderly"}).json()
    tickets[green["number"]] = green["id"]
    assert list(tickets) == ["A001", "A002", "A003", "A004", "A005", "A006", "A007", "A008"]
    clock.advance(minutes=4)

    # Sign in: the account, then the window and post (the clerk's own A post is offered).
    console.sign_in("S001")
    expect(page.locator("#window-select")).to_have_value("1")
    expect(page.locator("#posts")).to_contain_text("1号窗口 A")
    console.shot("01-sign-in")
    console.open_window()
    page.wait_for_url(re.compile(r"/console/window/1$"))
    console.live()
    expect(page.locator("#items li")).to_have_count(2)
    expect(page.locator("#items")).to_contain_text("2人等候")  # GA01: A001, A002
    expect(page.locator("#items")).to_contain_text("6人等候")  # GA02: A003..A008
    expect(page.locator("#upcoming li").first).to_contain_text("A008")
    expect(page.locator("#banner")).to_be_hidden()
    console.shot("02-console")
    window1 = next(w for w in admin.get("/windows").json() if w["number"] == 1)
    assert window1["status"] == "open" and window1["staff"] == {"name": "王芳", "number": "S001", "post": "A"}

    # Call next (N): the green-channel ticket comes first, with its reason and its wait.
    console.key("n")
    console.current("A008")
    expect(page.locator("#current")).to_contain_text("绿色通道·老年人")
    expect(page.locator("#current")).to_contain_text("等候4分钟")
    console.message("已呼叫A008")
    console.shot("03-called")
    assert events(admin, tickets["A008"])[-1][:2] == ("called", 1)
    assert ticket(admin, tickets["A008"])["status"] == "called"

    # Recall (R): the count shows, up to the hall's limit.
    clock.advance(seconds=30)
    console.key("r")
    expect(page.locator("#recall-count")).to_have_text("重呼1/2次")
    assert events(admin, tickets["A008"])[-1][:2] == ("recalled", 1)

    # Skip (S) asks first, with the calls so far and the hall's minimum (3 calls or 3 minutes).
    console.key("s")
    dialog = page.locator("#dlg-skip")
    expect(dialog).to_be_visible()
    expect(page.locator("#dlg-skip-title")).to_have_text("确认A008未到，按过号处理？")
    expect(page.locator("#skip-calls")).to_contain_text("已呼叫2次")
    expect(page.locator("#skip-rule")).to_have_text("本厅规定：呼叫满3次或叫号满3分钟仍未到，才能过号。")
    expect(dialog.locator(".msg")).to_contain_text("还不能过号：请先重呼")
    console.key("Enter")  # confirmed anyway: the server refuses, and the dialog says why
    expect(dialog.locator(".msg")).to_contain_text("A008才呼叫了2次。本厅规定呼叫满3次或叫号满3分钟仍未到才能过号")
    console.shot("04a-skip-too-soon")
    assert ticket(admin, tickets["A008"])["status"] == "called"
    console.key("Escape")
    expect(dialog).to_be_hidden()
    console.key("r")  # the third call
    expect(page.locator("#recall-count")).to_have_text("重呼2/2次")
    console.key("s")
    expect(dialog).to_be_visible()
    expect(page.locator("#skip-calls")).to_contain_text("已呼叫3次")
    expect(dialog.locator(".msg")).to_have_text("")
    console.shot("04b-skip-confirm")
    console.key("Enter")
    # Missed, listed for calling back.
    console.idle()
    expect(page.locator("#missed")).to_contain_text("A008")
    assert ticket(admin, tickets["A008"])["status"] == "missed"
    assert events(admin, tickets["A008"])[-1][:2] == ("skipped", 1)
    console.shot("04-skipped")

    # Hold (H), then call it back by number (C).
    console.key("n")
    console.current("A001")
    console.key("h")
    console.idle()
    expect(page.locator("#held")).to_contain_text("A001")
    assert ticket(admin, tickets["A001"])["status"] == "held"
    console.key("c")
    expect(page.locator("#dlg-call")).to_be_visible()
    page.keyboard.type("a001")
    console.key("Enter")
    console.current("A001")  # the live event can come before the dialog closes: keys wait for it
    expect(page.locator("#dlg-call")).to_be_hidden()
    expect(page.locator("#held-panel")).to_be_hidden()
    kinds = events(admin, tickets["A001"])
    assert [k for k, _, _ in kinds][-3:] == ["called", "held", "called"] and kinds[-1][2]["how"] == "by_number"

    # Transfer (T) to window 3 with "come back to me".
    clock.advance(minutes=2)
    console.key("t")
    expect(page.locator("#dlg-transfer")).to_be_visible()
    page.select_option("#transfer-window", "3")
    page.check("#transfer-return")
    console.shot("05-transfer-dialog")
    page.locator("#form-transfer button.primary").focus()
    console.key("Enter")
    console.idle()
    console.message("A001已转移")
    transferred = events(admin, tickets["A001"])[-1]
    assert transferred[0] == "transferred" and transferred[2]["to_window"] == 3 and transferred[2]["return"] is True
    # Window 3 serves it and sends it back; the console learns of it live, without a click.
    assert clerk3.post("/windows/3/call-next").json()["number"] == "A001"
    clock.advance(minutes=3)
    assert clerk3.post("/windows/3/finish", {"outcome": "immediate"}).json()["status"] == "waiting"
    expect(page.locator("#upcoming li").first).to_contain_text("A001")
    expect(page.locator("#upcoming li").first).to_contain_text("转入")
    console.shot("06-came-back")
    console.key("n")
    console.current("A001")
    expect(page.locator("#transfers")).to_contain_text("由1号窗口（GA01）转至3号窗口（办完转回）")
    assert [(k, w) for k, w, _ in events(admin, tickets["A001"])][-3:] == [("called", 3), ("finished", 3), ("called", 1)]
    console.shot("07-returned-ticket")

    # Finish with each outcome.
    clock.advance(minutes=2)
    console.finish("1")
    console.message("A001已办结：即办件")
    assert ticket(admin, tickets["A001"])["outcome"] == "immediate"
    # The citizen rates on the window's pad; "my day" hears of it live.
    pad = server.api(hall.token("evaluator", "pad-1", window=1))
    assert pad.post("/ratings", {"ticket": tickets["A001"], "level": 5, "channel": "pad"}).status_code == 201
    expect(page.locator("#day-ratings")).to_have_text("1条，满意率100%，差评0条")

    console.key("n")
    console.current("A002")
    clock.advance(minutes=6)

    def promise(p):
        expect(p.locator("#promised-days")).to_have_value("20")  # the guide's promised limit
        expect(p.locator("#legal-days")).to_have_text("法定时限60个工作日")
        p.fill("#promised-days", "5")
        expect(p.locator("#due-date")).to_have_text("办结期限：2026-11-30")
    console.finish("2", promise, shot="08-finish-promised")
    console.message("A002已办结：承诺件")
    done = ticket(admin, tickets["A002"])
    assert (done["outcome"], done["due_date"]) == ("promised", "2026-11-30")
    assert events(admin, tickets["A002"])[-1][2]["promised_days"] == 5
    # No agent hosts this window's printer: the notice is refused in plain words, nothing numbered.
    # (tests/devices/test_agent.py prints notices through a real agent.)
    expect(page.locator("#btn-print")).to_have_text("打印受理通知书")
    page.click("#btn-print")
    expect(page.locator("#print-msg")).to_contain_text("打印机暂不可用")
    expect(page.locator("#print-msg")).not_to_contain_text("已送打印")
    assert events(admin, tickets["A002"])[-1][0] == "finished"  # no notice recorded
    console.shot("09-print-unavailable")

    console.key("n")
    console.current("A003")
    clock.advance(minutes=4)
    console.finish("3", lambda p: p.check("#departments input[value='县市场监督管理局']"))
    console.message("A003已办结：联办件")
    assert events(admin, tickets["A003"])[-1][2]["departments"] == ["县市场监督管理局"]

    console.key("n")
    console.current("A004")
    clock.advance(minutes=3)

    def supplement(p):
        expect(p.locator("#materials input")).to_have_count(1)
        p.check("#materials input[value='准迁证']")
        p.fill("#other-materials", "户口簿复印件")
    console.finish("4", supplement, shot="10-finish-supplement")
    console.message("A004已办结：补办件")
    assert events(admin, tickets["A004"])[-1][2]["missing_materials"] == ["准迁证", "户口簿复印件"]
    expect(page.locator("#last-case")).to_contain_text("准迁证、户口簿复印件")
    expect(page.locator("#btn-print")).to_have_text("打印材料补齐通知书")

    console.key("n")
    console.current("A005")
    clock.advance(minutes=2)
    console.finish("5", lambda p: p.fill("#forward-note", "报市公安局审批"))
    console.message("A005已办结：上报件")
    assert events(admin, tickets["A005"])[-1][2]["note"] == "报市公安局审批"

    console.key("n")
    console.current("A006")
    clock.advance(minutes=3)
    console.finish("6")  # no reason given: refused in the dialog
    expect(page.locator("#dlg-finish .msg")).to_have_text("请填写原因。")
    assert ticket(admin, tickets["A006"])["status"] == "called"
    page.fill("#reject-reason", "不属于本窗口受理范围")
    console.shot("11-finish-rejected")
    page.locator("#form-finish button.primary").focus()
    console.key("Enter")
    console.message("A006已办结：答复件")
    assert (ticket(admin, tickets["A006"])["outcome"], events(admin, tickets["A006"])[-1][2]["note"]) == (
        "rejected", "不属于本窗口受理范围")
    expect(page.locator("#btn-print")).to_have_text("打印不予受理告知书")

    # My day: what the engine recorded for this clerk.
    day = server.api(hall.login("S001")).get("/me/day").json()
    assert day["served"] == 6
    expect(page.locator("#day-served")).to_have_text("6")
    expect(page.locator("#day-average")).to_have_text(f"{day['average_service_s'] // 60}分钟")
    expect(page.locator("#day-ratings")).to_have_text("1条，满意率100%，差评0条")

    # Lunch: pause with a reason (P), the clock moves on, resume (P).
    clock.set(local(2026, 11, 23, 11, 55))
    console.key("p")
    expect(page.locator("#dlg-pause")).to_be_visible()
    console.key("Enter")  # 午休 is the first reason
    expect(page.locator("#status")).to_have_text("暂停服务：午休")
    expect(page.locator("#btn-call-next")).to_be_disabled()
    # The pause's own answer first: the screen may hear of the pause (window.status) before the answer comes,
    # and the answer's message would then replace the one N gives.
    console.message("已暂停服务：午休")
    console.key("n")
    console.message("本窗口已暂停服务，请先按P恢复服务。")
    console.shot("12-lunch")
    window1 = next(w for w in admin.get("/windows").json() if w["number"] == 1)
    assert (window1["status"], window1["pause_reason"]) == ("paused", "lunch")
    clock.set(local(2026, 11, 23, 14, 0))
    console.key("p")
    expect(page.locator("#status")).to_have_text("服务中")
    with db.read() as s:
        pause = s.scalars(select(WindowPause)).one()
        assert (pause.reason, pause.started_at, pause.ended_at) == (
            "lunch", local(2026, 11, 23, 11, 55), local(2026, 11, 23, 14, 0))

    # First-contact help (L): any item in the hall, where it is served, and its guide.
    console.key("l")
    page.keyboard.type("个体")
    result = page.locator("#lookup-results li").first
    expect(result).to_contain_text("个体工商户登记")
    expect(result).to_contain_text("3号窗口 市场监管窗口（服务中）")
    expect(result).to_contain_text("4号窗口 综合窗口（未签到）")
    console.key("Tab")
    console.key("Enter")
    expect(result.locator(".guide")).to_contain_text("经营场所证明")
    console.shot("13-lookup")
    console.key("Escape")

    # Sign out (Q): the session ends with its time.
    clock.advance(minutes=5)
    console.key("q")
    expect(page.locator("#dlg-sign-out")).to_be_visible()
    console.key("Enter")
    page.wait_for_url(re.compile(r"/console/$"))
    expect(page.locator("#login-card")).to_be_visible()
    window1 = next(w for w in admin.get("/windows").json() if w["number"] == 1)
    assert window1["status"] == "closed"
    with db.read() as s:
        rows = s.scalars(select(WindowSession).order_by(WindowSession.id)).all()
        mine = [r for r in rows if r.post == "A" and r.end_reason == "signed_out"]
        assert len(mine) == 1 and mine[0].ended_at == local(2026, 11, 23, 14, 5)


@on_sqlite
def test_a_clerk_cannot_act_at_a_window_they_are_not_signed_in_at(hall, server, console):
    page = console.page
    kiosk = server.api(hall.token())
    a001 = issue(kiosk, "GA01")
    issue(kiosk, "GA01")
    clerk2 = clerk_api(hall, server, "S003", window=2)
    assert clerk2.post("/windows/2/call-next").json()["number"] == "A001"
    hall.user("S001", "clerk")

    # Window 2's A post belongs to someone else: the sign-in page shows the refusal.
    console.sign_in("S001", window=2)
    console.open_window()
    expect(page.locator("#window-msg")).to_have_text("2号窗口已有张伟签到。")
    console.shot("20-window-taken")

    # Opening window 2's console anyway: a warning, and every action is refused by the server.
    page.goto(f"{server.url}/console/window/2")
    console.live()
    expect(page.locator("#banner")).to_contain_text("您没有在2号窗口签到，不能在此办理。")
    console.current("A001")
    console.key("r")
    console.message("您没有在2号窗口签到。")
    console.key("s")
    console.message("您没有在2号窗口签到。")
    console.shot("21-not-your-window")
    assert [e["kind"] for e in clerk2.get(f"/tickets/{a001['id']}").json()["events"]] == ["issued", "called"]
    assert clerk2.get(f"/tickets/{a001['id']}").json()["status"] == "called"


@on_sqlite
def test_english_on_a_toggle_errors_included(hall, server, console):
    page = console.page
    hall.user("S001", "clerk")
    console.sign_in("S001", lang="en")
    expect(page.locator("#posts")).to_have_text("Your posts: Window 1 A")
    console.open_window()
    console.live()
    expect(page.locator("#btn-call-next")).to_contain_text("Call next")
    console.key("n")
    console.message("Nobody is waiting.")
    console.key("f")
    console.message("Nobody is at the counter.")
    expect(page.locator("#day-ratings")).to_have_text("No ratings yet today")
    console.shot("30-english")
    page.click("a.lang")
    expect(page.locator("#btn-call-next")).to_contain_text("叫号")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")


@on_sqlite
def test_the_console_reconnects_after_a_dropped_connection_and_shows_the_true_state(hall, server, console):
    page = console.page
    proxy = TcpProxy(int(server.url.rsplit(":", 1)[1]))
    try:
        kiosk = server.api(hall.token())
        issue(kiosk, "GA01")
        hall.user("S001", "clerk")
        console.base = proxy.url
        console.sign_in("S001")
        console.open_window()
        console.live()
        expect(page.locator("#upcoming li")).to_have_count(1)

        proxy.drop()
        expect(page.locator("#conn")).to_have_class(re.compile(r"\blost\b"))
        expect(page.locator("#offline")).to_be_visible()
        # While the console is cut off, the window's state changes elsewhere.
        other_tab = server.api(hall.login("S001"))
        called = other_tab.post("/windows/1/call-next").json()
        issue(kiosk, "GA02")
        issue(kiosk, "GA02")
        console.shot("40-connection-lost")
        expect(page.locator("#current .idle")).to_be_visible()  # still the old picture

        proxy.restore()
        console.live()
        expect(page.locator("#offline")).to_be_hidden()
        console.current(called["number"])
        expect(page.locator("#upcoming li")).to_have_count(2)
        expect(page.locator("#items")).to_contain_text("2人等候")
        console.shot("41-reconnected")
        # And it keeps hearing news after the reconnect.
        issue(kiosk, "GA02")
        expect(page.locator("#upcoming li")).to_have_count(3)
    finally:
        proxy.drop()


@pytest.mark.real_clock
def test_demo_landing_links_the_console(tmp_path):
    import requests

    with demo_server(tmp_path) as srv:
        landing = requests.get(srv.url + "/", timeout=30).text
        assert 'href="/console/"' in landing
        page = requests.get(srv.url + "/console/", timeout=30)
        assert page.status_code == 200 and "工作人员登录" in page.text


@on_sqlite
def test_a_first_login_changes_its_password_and_logging_out_ends_the_sign_in(hall, server, console):
    """等保2.0: a generated password is changed before anything else; the log-out button ends the token itself."""
    from hallq.queue import accounts, passwords
    generated = passwords.generate()
    with hall.db.write() as s:
        accounts.add_user(s, hall.hall, "S001", generated, "clerk", generated=True)
        s.commit()
    page = console.page
    page.goto(f"{server.url}/console/")
    page.fill("#username", "S001")
    page.fill("#password", generated)
    page.keyboard.press("Enter")
    expect(page.locator("#password-form")).to_be_visible()
    expect(page.locator("#window-card")).to_be_hidden()
    page.fill("#new-password", "weakweak")
    page.fill("#new-password-again", "weakweak")
    page.click("#password-form button")
    expect(page.locator("#login-msg")).to_contain_text("密码不符合要求")
    page.fill("#new-password", "Mine-at-last-7")
    page.fill("#new-password-again", "Mine-at-last-7")
    page.click("#password-form button")
    expect(page.locator("#window-card")).to_be_visible()
    token = page.evaluate("sessionStorage.getItem('hallq.console.token')")
    assert token and server.api(token).get("/me").status_code == 200
    console.shot("30-password-changed")
    page.click("#logout")
    expect(page.locator("#login-card")).to_be_visible()
    assert server.api(token).get("/me").status_code == 401  # ended at the server, not only forgotten
    r = server.api().post("/auth/login", {"username": "S001", "password": "Mine-at-last-7"})
    assert r.status_code == 200 and r.json()["must_change_password"] is False


@on_sqlite
def test_a_sign_in_that_ran_out_sends_the_console_back_to_sign_in(hall, server, clock, console):
    """Idle past the hall's time: the server closes the live connection, the page's reconnect is refused,
    and the console asks the clerk to sign in again instead of showing a dead window."""
    from hallq.queue.settings import AccountSettings
    hall.user("S001", "clerk")
    console.sign_in("S001", window=1)
    console.open_window()
    console.live()
    clock.advance(minutes=AccountSettings().idle_minutes + 1)
    server.app.extensions["hallq.server.realtime"].sweep_tokens()
    expect(console.page.locator("#login-form")).to_be_visible()
    assert console.page.evaluate("sessionStorage.getItem('hallq.console.token')") is None
