"""The duty manager's screen (值班长) and the guide desk (导办台).

The pages run in real headless Chromium against the real server; a plain
socketio.Client speaks the device agent's protocol (agent.hello, device.status,
job.result) as in tests/server/test_printing_flow.py, a kiosk and an evaluator
pad use the HTTP API with their own tokens. The pages are database-agnostic,
so they run on SQLite; the stale-device sweep is engine code and runs on both
databases. Screenshots land in tests/screenshots/duty-*.png.
"""
from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import Page, expect

from hallq import protocol as m
from hallq.queue import device_states as registry
from hallq.queue.device_states import STALE_AFTER, mark_silent
from hallq.queue.agent_scope import AgentScope
from tests.helpers import clerk_api, demo_server, issue, until, wait_for
from tests.queue.web.staff_page import StaffPage
from tests.queue.tcp_proxy import TcpProxy

on_sqlite = pytest.mark.parametrize("db", ["sqlite"], indirect=True)
expect.set_options(timeout=10_000)


# --- the stale-state sweep (engine) ------------------------------------------------------------

def _report(hall, name: str, state: str):
    status = m.DeviceStatus(kind="printer", name=name, state=state)
    return hall.run(registry.report, hall.id, "agent-1", status, hall.clock())


def _statuses(hall) -> list[tuple[str, str, str | None]]:
    return [(e.payload["name"], e.payload["state"], e.payload["detail"]) for e in hall.published
            if e.name == m.DEVICE_STATUS]


def test_a_device_gone_silent_is_announced_unknown_once_and_its_return_is_news(hall, clock):
    _report(hall, "k1", "ok")
    _report(hall, "k2", "paper_out")
    clock.advance(seconds=20)
    _report(hall, "k2", "paper_out")  # k2 re-reports (a heartbeat); k1 says nothing from now on
    hall.published.clear()

    assert hall.run(mark_silent, clock()) == 0  # 20 s of silence is still within STALE_AFTER
    clock.advance(seconds=STALE_AFTER.total_seconds() - 20 + 1)
    assert hall.run(mark_silent, clock()) == 1
    [(name, state, detail)] = _statuses(hall)
    assert (name, state) == ("k1", "unknown") and detail.startswith("no report since ")
    with hall.db.read() as s:
        [k1] = [d for d in registry.devices(s, hall.id, clock()) if d["name"] == "k1"]
    assert k1["state"] == "unknown" and k1["detail"] == detail and k1["changed_at"] != k1["seen_at"]

    hall.published.clear()
    assert hall.run(mark_silent, clock()) == 0  # announced once, not at every sweep
    clock.advance(seconds=20)
    assert hall.run(mark_silent, clock()) == 1  # k2 went silent too, with its paper_out no longer believed
    assert _statuses(hall)[0][:2] == ("k2", "unknown")

    hall.published.clear()
    assert _report(hall, "k1", "ok") is True  # it speaks again: back, and the duty screen hears of it
    assert _statuses(hall) == [("k1", "ok", None)]


def test_a_device_that_never_reported_after_its_agent_came_is_not_announced_twice(hall, clock):
    hall.run(registry.register, hall.id, "agent-1", [m.DeviceInfo(kind="printer", name="k1")], clock())
    clock.advance(seconds=STALE_AFTER.total_seconds() + 1)
    hall.published.clear()
    assert hall.run(mark_silent, clock()) == 0  # already "unknown" (agent connected): nothing new to say


# --- the pages ------------------------------------------------------------------------------------

class DutyPage(StaffPage):
    """The duty screen or guide desk as staff use it."""

    def __init__(self, page: Page, base: str):
        super().__init__(page, base, "duty")

    def sign_in(self, username: str, path: str = "/duty/", lang: str = "") -> None:
        self.submit_sign_in(path, username, lang)
        expect(self.page.locator("#app")).to_be_visible()
        self.live()

    def supervisors_room(self, answer: str = "ok") -> None:
        """Waits for the server's answer to the screen's join of the supervisors' room (calls for help, bad reviews)."""
        self.page.wait_for_function("(want) => window.hallqDuty.supervisors === want", arg=answer)

    def alert(self, text: str):
        return self.page.locator("#alerts li.alert", has_text=text)

    def device(self, name: str, kind: str = "printer"):
        return self.page.locator(f'#devices tr[data-device="{kind}:{name}"]')


@pytest.fixture
def duty(browser_page, server):
    return DutyPage(browser_page, server.url)


def agent(hall, server, printers=("k1",)):
    client = server.socket(hall.token("agent", "agent-1", scope=AgentScope(printers=frozenset(printers))))
    answer = client.call(m.HELLO, {"devices": [{"kind": "printer", "name": p} for p in printers]}, timeout=10)
    assert answer == {"ok": True}
    return client


def report(client, name: str, state: str, detail: str | None = None) -> None:
    answer = client.call(m.DEVICE_STATUS, {"kind": "printer", "name": name, "state": state, "detail": detail},
                         timeout=10)
    assert answer == {"ok": True}


def jobs(client) -> list[dict]:
    return [data for event, data in client.received if event == m.PRINT]


@on_sqlite
def test_a_call_for_help_and_a_printer_running_out_of_paper_reach_the_duty_screen(hall, server, duty, db):
    page = duty.page
    printer = agent(hall, server, printers=("k1",))
    report(printer, "k1", "ok")
    kiosk = server.api(hall.token("kiosk", "k1"))
    hall.user("boss", "supervisor")

    duty.sign_in("boss")
    expect(page.locator("#who")).to_contain_text("boss（督查）")
    expect(duty.device("k1")).to_contain_text("正常")
    expect(page.locator("#alerts")).to_contain_text("暂无提醒")  # an agent starting up is not trouble
    # Browsers make sound only once a person has touched the page; this one may allow it from the start.
    page.wait_for_function("window.hallqDuty.soundChecked")
    if page.get_attribute("#sound", "aria-pressed") != "true":
        page.click("#sound")
    expect(page.locator("#sound")).to_have_attribute("aria-pressed", "true")
    beeps = page.evaluate("window.hallqDuty.beeps")
    duty.supervisors_room()  # a call for help goes there alone, and only live: no list holds it

    # A citizen presses "call for help" at the kiosk.
    assert kiosk.post("/kiosk/help", {"screen": "items"}).json()["repeated"] is False
    help_alert = duty.alert("取号机 k1：有群众呼叫帮助")
    expect(help_alert).to_be_visible()
    expect(help_alert).to_contain_text("当时界面：选择事项")
    expect(help_alert.locator("button[data-ack]")).to_be_visible()
    expect(page.locator("#alerts-count")).to_have_text("1条待确认")
    expect(page.locator(".alerts-panel")).to_have_class(re.compile(r"\bflash\b"))
    page.wait_for_function(f"window.hallqDuty.beeps > {beeps}")
    assert page.title().startswith("(1) ")

    # The printer runs out of paper: the kiosk will refuse; the duty manager is told.
    report(printer, "k1", "paper_out", "paper_end")
    paper = duty.alert("打印机 k1 缺纸")
    expect(paper).to_be_visible()
    expect(paper).to_have_class(re.compile(r"\bbad\b"))
    expect(paper).to_contain_text("打印机缺纸")  # the printer's own status code, in words
    expect(duty.device("k1")).to_contain_text("缺纸")
    expect(duty.device("k1")).to_have_class(re.compile(r"\btrouble\b"))
    expect(page.locator("#alerts li.alert").first).to_contain_text("缺纸")  # newest first
    assert kiosk.post("/tickets", {"service": "GA01", "print": True}).status_code == 409
    duty.shot("01-help-and-paper-out")

    # Paper is put in: the alert's condition is over, which the screen says; it still waits to be acknowledged.
    report(printer, "k1", "ok")
    expect(paper).to_contain_text("已于")
    expect(paper).to_contain_text("恢复")
    expect(duty.device("k1")).to_contain_text("正常")
    expect(page.locator("#alerts-count")).to_have_text("2条待确认")

    # Acknowledge from the keyboard: A takes the newest first; the server keeps it, by name, across a reload.
    page.locator("body").press("a")
    expect(paper).to_have_class(re.compile(r"\backed\b"))
    expect(paper).to_contain_text("boss 已确认")
    expect(page.locator("#alerts-count")).to_have_text("1条待确认")
    page.keyboard.press("a")
    expect(page.locator("#alerts-count")).to_have_text("")
    page.reload()
    duty.live()
    expect(page.locator("#alerts li.alert.acked")).to_have_count(2)
    duty.shot("02-acknowledged")

    # The agent goes away: its printer is unknown, and that is trouble, not a start.
    printer.disconnect()
    gone = duty.alert("打印机 k1 状态未知")
    expect(gone).to_contain_text("设备代理已断开")


@on_sqlite
def test_a_failed_print_is_listed_and_reprinted_on_the_guide_desk_printer(hall, server, duty, db):
    page = duty.page
    printer = agent(hall, server, printers=("k1", "desk"))
    report(printer, "k1", "ok")
    report(printer, "desk", "ok")
    kiosk = server.api(hall.token("kiosk", "k1"))
    hall.user("boss", "supervisor")
    duty.sign_in("boss")
    expect(page.locator("#failures")).to_contain_text("今天没有打印失败的号票")

    ticket = issue(kiosk, print=True)
    job = wait_for(printer, m.PRINT)
    printer.call(m.JOB_RESULT, {"id": job["id"], "ok": False, "reason": "卡纸"}, timeout=10)

    alert = duty.alert("A001 打印失败（k1）")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("原因：卡纸。号仍有效")
    row = page.locator(f'#failures tr[data-ticket="{ticket["id"]}"]')
    expect(row).to_contain_text("A001")
    expect(row).to_contain_text("居民身份证申领")
    select = page.locator(f"#reprint-printer-{ticket['id']}")
    expect(select).to_have_value("k1")  # the kiosk's own printer by default
    expect(select.locator("option")).to_have_text(["k1（原取号机） · 正常", "desk · 正常"])
    duty.shot("03-print-failed")

    # The guide desk's printer; chosen and sent from the keyboard.
    select.select_option("desk")
    page.locator(f"#reprint-{ticket['id']}").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#reprint-msg")).to_have_text("A001 已送 desk 补打。")
    again = wait_for(printer, m.PRINT, lambda d: d["id"] != job["id"])
    assert again["printer"] == "desk" and again["ticket"] == ticket["id"]
    assert again["document"]["ticket"]["number"] == "A001"
    printer.call(m.JOB_RESULT, {"id": again["id"], "ok": True}, timeout=10)
    expect(page.locator("#reprint-msg")).to_have_text("A001 已补打。")
    expect(page.locator("#failures")).to_contain_text("今天没有打印失败的号票")

    # A reprint on a printer that is out of paper is refused in plain words, and nothing is sent.
    issue(kiosk, print=True)
    second = wait_for(printer, m.PRINT, lambda d: d["ticket"] != ticket["id"])
    printer.call(m.JOB_RESULT, {"id": second["id"], "ok": False, "reason": "offline"}, timeout=10)
    expect(duty.alert("A002 打印失败（k1）")).to_contain_text("原因：打印机离线。")
    report(printer, "k1", "paper_out")
    row = page.locator(f'#failures tr[data-ticket="{second["ticket"]}"]')
    expect(row).to_contain_text("A002")
    expect(page.locator(f"#reprint-printer-{second['ticket']}")).to_contain_text("k1（原取号机） · 缺纸")
    sent = len(jobs(printer))
    page.click(f"#reprint-{second['ticket']}")
    expect(page.locator("#reprint-msg")).to_have_text("打印机 k1 现在缺纸，没有打印。请换一台打印机。")
    assert len(jobs(printer)) == sent


@on_sqlite
def test_a_bad_review_opens_a_follow_up_on_the_duty_screen(hall, server, duty, clock, db):
    page = duty.page
    kiosk = server.api(hall.token("kiosk", "k1"))
    clerk = clerk_api(hall, server, "S001", window=1)
    clerk_api(hall, server, "S003", window=2).post("/windows/2/pause", {"reason": "lunch"})
    pad = server.api(hall.token("evaluator", "pad1", window=1))
    hall.user("boss", "supervisor")
    duty.sign_in("boss")
    duty.supervisors_room()
    win1, win2 = page.locator('#windows li[data-window="1"]'), page.locator('#windows li[data-window="2"]')
    expect(win1).to_contain_text("服务中")
    expect(win2).to_contain_text("暂停：午休")
    expect(page.locator('#windows li[data-window="3"]')).to_contain_text("未签到")
    expect(page.locator("#followups")).to_contain_text("没有办理中的整改案件")

    ticket = issue(kiosk, "GA02")
    assert clerk.post("/windows/1/call-next").status_code == 200
    expect(win1).to_contain_text("正在办理 A001")
    assert clerk.post("/windows/1/finish", {"outcome": "immediate"}).status_code == 200
    expect(win1).to_contain_text("空闲")
    clock.advance(seconds=5)
    r = pad.post("/ratings", {"ticket": ticket["id"], "level": 1, "reasons": ["attitude", "slow"], "channel": "pad"})
    assert r.status_code == 201, r.text

    alert = duty.alert("差评：1号窗口 A001 “非常不满意”")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("已开立整改案件，期限 2026-11-30，尚未指定责任人")
    case = page.locator("#followups tbody tr")
    expect(case).to_have_count(1)
    expect(case).to_contain_text("非常不满意")
    expect(case).to_contain_text("服务态度差、办事效率低、等候时间长")
    expect(case).to_contain_text("期限内")
    expect(page.locator("#followups-link")).to_have_attribute("href", "/assessment/followups?status=open")
    duty.shot("04-bad-review")

    # Past its due day the case is flagged overdue (the screen re-reads on reconnect and reload).
    clock.advance(days=9)
    page.reload()  # nine days on, the sign-in has ended (idle time and lifetime): the screen asks for a new one
    expect(page.locator("#login-form")).to_be_visible()
    duty.sign_in("boss")
    expect(case).to_have_class(re.compile(r"\boverdue\b"))
    expect(case).to_contain_text("超期2个工作日")
    duty.shot("05-overdue")

    # In English, on request.
    page.goto(f"{server.url}/duty/?lang=en")
    duty.live()
    expect(page.locator("#alerts")).to_contain_text("Bad review: window 1, A001, “very dissatisfied”")
    expect(case).to_contain_text("poor attitude, slow service")
    expect(case).to_contain_text("2 working days overdue")
    expect(win2).to_contain_text("paused: lunch")
    duty.shot("06-english")


@on_sqlite
def test_the_guide_desk_issues_a_green_channel_ticket_and_prints_it(hall, server, duty, db):
    page = duty.page
    printer = agent(hall, server, printers=("k1", "desk"))
    report(printer, "desk", "ok")
    report(printer, "k1", "ok")
    kiosk = server.api(hall.token("kiosk", "k1"))
    issue(kiosk, "GA02")
    hall.user("S010", "clerk")  # the guide desk's clerk

    duty.sign_in("S010", path="/duty/desk")
    page.keyboard.press("g")
    expect(page.locator("#service-filter")).to_be_focused()
    page.keyboard.type("户口")
    expect(page.locator("#service option")).to_have_count(1)
    expect(page.locator("#service")).to_have_value("GA02")
    expect(page.locator("#service option")).to_contain_text("1人等候")
    # Numbers are issued, but no window serves 户口 now: the desk is told so, not that issuing stopped.
    expect(page.locator("#service option")).to_contain_text("暂无窗口办理")
    page.check("input[name=reason][value=disabled]")
    page.select_option("#printer", "desk")
    duty.shot("07-desk")
    page.click("#issue-green")

    expect(page.locator("#green-number")).to_have_text("A002")
    expect(page.locator("#green-result")).to_contain_text("已出号 · 残疾人")
    expect(page.locator("#green-result")).to_contain_text("户口迁移，前面0人")  # green goes first
    job = wait_for(printer, m.PRINT)
    assert job["printer"] == "desk" and job["document"]["ticket"]["number"] == "A002"
    assert job["document"]["ticket"]["priority"] == "green"
    printer.call(m.JOB_RESULT, {"id": job["id"], "ok": True}, timeout=10)
    expect(page.locator("#green-print")).to_have_text("已打印，请把号票交给群众。")
    green = kiosk.get(f"/tickets/{job['ticket']}").json()
    assert (green["priority"], green["priority_reason"]) == ("green", "disabled")
    duty.shot("08-desk-issued")

    # The desk printer runs out of paper: no number is used up, and the desk says what to do.
    report(printer, "desk", "paper_out")
    expect(page.locator("#printer-note")).to_have_text("所选打印机现在缺纸，出号会被拒绝：请换一台，或不打印。")
    page.click("#issue-green")
    expect(page.locator("#green-refusal")).to_contain_text("打印机 desk 现在缺纸，没有出号。")
    assert next(s for s in kiosk.get("/services").json() if s["code"] == "GA02")["waiting"] == 2
    duty.shot("09-desk-refused")

    # Without printing: the number is issued and the desk is told to hand it over by word.
    page.uncheck("#print-it")
    expect(page.locator("#printer-note")).to_be_hidden()
    page.check("input[name=reason][value=elderly]")
    page.click("#issue-green")
    expect(page.locator("#green-number")).to_have_text("A003")
    expect(page.locator("#green-print")).to_have_text("未打印：请把号码告知群众。")


@on_sqlite
def test_a_clerk_sees_the_duty_screen_read_only(hall, server, duty, db):
    page = duty.page
    printer = agent(hall, server)
    report(printer, "k1", "ok")
    kiosk = server.api(hall.token("kiosk", "k1"))
    issue(kiosk, print=True)
    job = wait_for(printer, m.PRINT)
    printer.call(m.JOB_RESULT, {"id": job["id"], "ok": False, "reason": "paper out"}, timeout=10)
    hall.user("S010", "clerk")

    duty.sign_in("S010")
    expect(page.locator("#read-only")).to_be_visible()
    expect(page.locator("#failures")).to_contain_text("A001")
    expect(page.locator("#failures button[data-reprint]")).to_have_count(0)
    expect(page.locator("#followups-link")).to_be_hidden()
    expect(page.locator("#read-only")).to_contain_text("提醒只发给值班长和督查")
    # The alerts are the supervisors' (stored on the server, GET /alerts and their room): the panel says so.
    expect(page.locator("#alerts")).to_contain_text("提醒只发给值班长和督查")
    expect(page.locator("#ack-all")).to_be_hidden()

    # The server keeps a clerk out of the supervisors' room: a call for help does not reach this screen,
    # while the hall room's news sent after it does.
    duty.supervisors_room("forbidden")
    assert kiosk.post("/kiosk/help", {"screen": "items"}).json()["repeated"] is False
    report(printer, "k1", "paper_out")
    expect(duty.device("k1")).to_contain_text("缺纸")
    expect(page.locator("#alerts li.alert")).to_have_count(0)

    page.click("#logout")
    expect(page.locator("#signin")).to_be_visible()
    page.fill("#username", "S010")
    page.fill("#password", "wrong-password")
    page.keyboard.press("Enter")
    expect(page.locator("#login-msg")).not_to_be_empty()


@on_sqlite
def test_the_duty_screen_catches_up_after_a_dropped_connection(hall, server, duty, db):
    page = duty.page
    proxy = TcpProxy(int(server.url.rsplit(":", 1)[1]))
    try:
        printer = agent(hall, server)
        report(printer, "k1", "ok")
        kiosk = server.api(hall.token("kiosk", "k1"))
        hall.user("boss", "supervisor")
        duty.base = proxy.url
        duty.sign_in("boss")
        expect(duty.device("k1")).to_contain_text("正常")

        proxy.drop()
        expect(page.locator("#conn")).to_have_class(re.compile(r"\blost\b"))
        expect(page.locator("#offline")).to_be_visible()
        # While the screen is cut off: a print fails, then the printer runs out of paper.
        issue(kiosk, print=True)
        job = wait_for(printer, m.PRINT)
        printer.call(m.JOB_RESULT, {"id": job["id"], "ok": False, "reason": "connection_lost"}, timeout=10)
        report(printer, "k1", "paper_out")
        expect(page.locator("#alerts")).to_contain_text("暂无提醒")  # nothing could reach it

        proxy.restore()
        duty.live()
        expect(page.locator("#offline")).to_be_hidden()
        expect(duty.device("k1")).to_contain_text("缺纸")
        expect(duty.alert("打印机 k1 缺纸")).to_be_visible()
        expect(duty.alert("A001 打印失败（k1）")).to_be_visible()
        expect(page.locator("#failures")).to_contain_text("与打印机的连接中断")  # the agent's code, in words
        # And it keeps hearing news after the reconnect.
        report(printer, "k1", "ok")
        expect(duty.alert("打印机 k1 缺纸")).to_contain_text("恢复")
        duty.shot("10-reconnected")
    finally:
        proxy.drop()


@pytest.mark.real_clock
def test_demo_landing_links_the_duty_screen_and_guide_desk(tmp_path):
    with demo_server(tmp_path) as srv:
        landing = requests.get(srv.url + "/", timeout=30).text
        assert 'href="/duty/"' in landing and 'href="/duty/desk"' in landing
        for path, title in (("/duty/", "值班长工作台"), ("/duty/desk", "导办台"), ("/duty/?lang=en", "Duty manager")):
            page = requests.get(srv.url + path, timeout=30)
            assert page.status_code == 200 and title in page.text
        # The demo's supervisor account signs in.
        r = requests.post(srv.url + "/api/v1/auth/login", json={"username": "supervisor", "password": "Hallq-demo1"},
                          timeout=30)
        assert r.status_code == 200 and r.json()["token"]


@on_sqlite
def test_a_hall_full_of_devices_shows_the_ones_in_trouble_first(hall, server, duty, db):
    page = duty.page
    names = [f"p{n}" for n in range(1, 12)]
    printer = agent(hall, server, printers=names)
    for name in names:
        report(printer, name, *(("offline", "cover_open") if name == "p10" else ("ok",)))
    hall.user("boss", "supervisor")
    duty.sign_in("boss")
    expect(page.locator("#devices .summary")).to_have_text("共11台，10台正常")
    trouble = page.locator("#devices > table tbody tr")
    expect(trouble).to_have_count(1)
    expect(trouble).to_contain_text("打印机 p10")
    expect(trouble).to_contain_text("打印机盖未关好")  # the printer's status code, in words
    folded = page.locator("#devices details")
    expect(folded.locator("summary")).to_have_text("其余10台正常")
    expect(folded.locator("tbody tr").first).to_be_hidden()
    folded.locator("summary").click()
    # In natural order (p2 before p10), and the fold stays open while states come in.
    expect(folded.locator("tbody tr td:first-child")).to_have_text([f"打印机 p{n}" for n in (1, *range(2, 10), 11)])
    report(printer, "p3", "near_end")
    expect(page.locator("#devices > table tbody tr")).to_have_count(2)
    expect(page.locator("#devices details")).to_have_attribute("open", "")
    duty.shot("11-many-devices")


# --- alerts kept by the server; the duty log (issue 16) ----------------------------------------------

@on_sqlite
def test_an_alert_raised_with_no_duty_screen_open_is_seen_by_two_screens_and_acknowledged_once(
        hall, server, chromium, db):
    from tests.browser import CHROMIUM, CHROMIUM_ARGS

    kiosk = server.api(hall.token("kiosk", "k1"))
    assert kiosk.post("/kiosk/help", {"screen": "confirm"}).json()["repeated"] is False  # no duty screen open
    issue(kiosk, "MZ01")  # window 4 alone serves it, and nobody is signed in there
    server.app.extensions["hallq.sweep"]()  # the server's housekeeping tick
    hall.user("S004", "supervisor")
    hall.user("S005", "supervisor")
    # Chromium as a rebooted duty PC has it: no sound until a person clicks the page.
    blocked = chromium.browser_type.launch(executable_path=CHROMIUM, headless=True,
                                           args=CHROMIUM_ARGS + ["--autoplay-policy=document-user-activation-required"])
    try:
        def opened() -> DutyPage:
            return DutyPage(blocked.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN").new_page(),
                            server.url)

        # The first as after a reboot: the browser comes up on the page with its sign-in kept, nobody has
        # clicked anything. The second is signed in by hand (its typing is a click's worth: sound may start).
        first = opened()
        first.page.add_init_script(f"sessionStorage.setItem('hallq.duty.token', {hall.login('S004')!r})")
        first.page.goto(f"{server.url}/duty/")
        # Playwright runs its every query of a page as a user gesture, which lets sound start: a query made
        # before the page has tried its sound (it does so once signed in, then connects its socket) would
        # unblock it. So the first query waits until the server has the page's socket.
        sockets = server.app.extensions["hallq.server.realtime"].sio.manager
        until(lambda: any(True for _ in sockets.get_participants("/", None)), 30, "the first screen's socket")
        expect(first.page.locator("#app")).to_be_visible()
        first.live()
        second = opened()
        second.sign_in("S005")
        screens = [first, second]
        for screen in screens:
            screen.supervisors_room()
        for screen in screens:
            expect(screen.alert("取号机 k1：有群众呼叫帮助")).to_contain_text("当时界面：确认取号")
            expect(screen.alert("4号窗口未签到，1人在等候")).to_contain_text("只有该窗口办理：婚姻登记")
            expect(screen.page.locator("#alerts-count")).to_have_text("2条待确认")
        # The sound is blocked: the screen says so and offers the click.
        first.page.wait_for_function("window.hallqDuty.soundChecked")
        expect(first.page.locator("#sound-note")).to_be_visible()
        expect(first.page.locator("#sound-note")).to_contain_text("点击一次")
        first.shot("20-sound-blocked")
        first.page.click("#sound-enable")
        expect(first.page.locator("#sound-note")).to_be_hidden()
        expect(first.page.locator("#sound")).to_have_attribute("aria-pressed", "true")

        first.alert("取号机 k1").locator("button[data-ack]").click()
        for screen in screens:  # acknowledged once, by name, on every screen
            expect(screen.alert("取号机 k1")).to_contain_text("刘洋（S004） 已确认")
            expect(screen.page.locator("#alerts-count")).to_have_text("1条待确认")
        assert kiosk.get("/kiosk/state").json()["help"]["acknowledged_at"]
        first.shot("21-acknowledged-by-name")
        # A second acknowledgement is refused, naming the first.
        later = server.api(hall.login("S005")).post("/alerts/1/acknowledge")
        assert later.status_code == 409 and "刘洋（S004）" in later.json()["message"]
    finally:
        blocked.close()


@on_sqlite
def test_the_duty_log_is_written_printed_handed_over_and_then_kept(hall, server, duty, clock, db):
    from tests.conftest import local

    clock.set(local(2026, 11, 23, 8, 40))  # 20 minutes before opening
    hall.user("S004", "supervisor")
    hall.user("S005", "supervisor")
    # An alert of the day, acknowledged: the log lists it with who saw to it.
    alert = server.api(hall.token("kiosk", "k1")).post("/kiosk/help", {"screen": "items"}).json()["alert"]
    assert server.api(hall.login("S005")).post(f"/alerts/{alert}/acknowledge").status_code == 200
    page = duty.page
    duty.submit_sign_in("/duty/log", "S004")
    page.wait_for_function("window.hallqDutyLog.loaded > 0")
    expect(page.locator("#log-facts")).to_contain_text("08:45 前到岗")
    page.click("#opening-save")
    expect(page.locator("#entries")).to_contain_text("开门前20分钟，按时")
    clock.set(local(2026, 11, 23, 9, 5))
    safety = page.locator('form.check[data-kind="safety"]')
    safety.locator('input[name="fire"][value="problem"]').check()
    safety.locator('input[name="text"]').fill("东侧消防通道堆放纸箱，已清理")
    safety.locator("button[type=submit]").click()
    expect(page.locator("#entries")).to_contain_text("消防：有问题")
    page.fill("#incident-text", "群众在3号窗口前争吵")
    page.fill("#incident-handling", "值班长到场劝解，引导至导办台")
    page.select_option("#incident-alert", str(alert))
    page.click("#incident-form button[type=submit]")
    expect(page.locator("#entries")).to_contain_text("处理：值班长到场劝解")
    expect(page.locator("#entries")).to_contain_text("来自提醒：08:40 群众求助 取号机 k1")
    expect(page.locator("#day-alerts")).to_contain_text("群众求助")
    expect(page.locator("#day-alerts")).to_contain_text("陈静（S005） 08:40")
    duty.shot("29-log-writing")
    page.fill("#handover-to", "S005")
    page.fill("#handover-note", "打印机k2纸将用完")
    page.click("#handover-form button[type=submit]")
    expect(page.locator("#log-kept")).to_contain_text("交接给")
    expect(page.locator("#log-forms")).to_be_hidden()
    duty.shot("30-log")
    page.emulate_media(media="print")
    expect(page.locator("header.bar")).to_be_hidden()
    duty.shot("31-log-print")
    page.emulate_media(media="screen")

    # Kept: nothing more but a correction, which stands beside the entry it corrects.
    boss = server.api(hall.login("S004"))
    refused = boss.post("/duty-log/entries", {"kind": "note", "text": "补记"})
    assert refused.status_code == 409 and refused.json()["error"] == "duty_log_handed_over"
    page.once("dialog", lambda d: d.accept("争吵发生在2号窗口，不是3号"))
    page.locator("#entries button[data-correct]").last.click()
    expect(page.locator("#entries")).to_contain_text("更正第")
    expect(page.locator("#entries")).to_contain_text("群众在3号窗口前争吵")  # the original stays
