"""The evaluator pad page in real headless Chromium, against the real server.

Window 1 of tests/halls/small.toml has its clerk (S001 王芳) signed in over
the HTTP API and a pad (an evaluator token) on a 1280x800 landscape tablet.
The clerk finishes tickets through the clerk API; the pad must ask, take the
citizen's touch, and say what happened. Screenshots land in
tests/screenshots/pad-*.png.
"""
from __future__ import annotations

import pytest
from PIL import Image, ImageDraw
from sqlalchemy import select, update

from hallq.queue.agent_scope import AgentScope
from hallq.evaluator.models import FollowUp
from hallq.queue.models import Staff, Window
from hallq.queue.settings import RatingSettings
from tests.browser import TABLET, WAIT_MS, open_with_token, screenshot
from hallq.server.app import create_app
from tests.conftest import Hall, Server
from tests.helpers import clerk_api, issue


@pytest.fixture
def db(sqlite_db):
    # A page shows the same thing whatever the database; the engine's tests cover both.
    return sqlite_db


@pytest.fixture
def hall(db, clock):
    # Stars from 3 ratings: the idle test rates three times (the hall's default minimum is 10).
    return Hall(db, clock, ratings=RatingSettings(chiefs={"GA": "S003"}, pad_min_ratings=3))


class Desk:
    """Window 1: its clerk over HTTP, a kiosk, a supervisor, and the pad's token."""

    def __init__(self, hall, server):
        self.hall, self.server = hall, server
        self.clerk = clerk_api(hall, server, "S001", window=1)
        self.kiosk = server.api(hall.token("kiosk", "k1"))
        self.pad_token = hall.token("evaluator", "pad1", window=1)
        hall.user("boss", "supervisor")
        self.boss = server.api(hall.login("boss"))

    def serve(self, service: str = "GA02") -> dict:
        """A citizen served and finished at window 1: the pad is asked for a rating."""
        ticket = issue(self.kiosk, service)
        assert self.clerk.post("/windows/1/call-next").json()["number"] == ticket["number"]
        r = self.clerk.post("/windows/1/finish", {"outcome": "immediate"})
        assert r.status_code == 200, r.text
        return ticket

    def ratings(self) -> list[dict]:
        r = self.boss.get("/ratings")
        assert r.status_code == 200, r.text
        return r.json()


@pytest.fixture
def photos(tmp_path):
    """The staff photo directory, given to the app the way `hallq serve --photos` gives it."""
    directory = tmp_path / "photos"
    directory.mkdir()
    return directory


@pytest.fixture
def server(hall, clock, photos):
    srv = Server(create_app(hall.db, clock=clock, photo_dir=photos))
    yield srv
    srv.stop()


@pytest.fixture
def desk(hall, server):
    return Desk(hall, server)


def open_pad(page, server, token: str, *, lang: str | None = None):
    query = f"?lang={lang}" if lang else ""
    return open_with_token(page, f"{server.url}/evaluator{query}", token,
                           "() => window.hallqPad && window.hallqPad.state.pad && window.hallqPad.state.options.zh",
                           size=TABLET)


def mode(page) -> str:
    return page.evaluate("() => window.hallqPad.state.mode")


def wait_mode(page, wanted: str, timeout: int = WAIT_MS) -> None:
    page.wait_for_function(f"() => window.hallqPad.state.mode === {wanted!r}", timeout=timeout)


def wait_asked(page) -> None:
    """The pad asks, and has heard the server's own word on the time left (moving the test's
    clock before that answer arrives would make the pad learn that the time is up)."""
    wait_mode(page, "ask")
    page.wait_for_function("() => window.hallqPad.state.request.synced", timeout=WAIT_MS)


def visible_text(page, selector: str) -> str:
    return page.locator(selector).inner_text()


# --- idle -------------------------------------------------------------------------------

def badge_photo() -> Image.Image:
    portrait = Image.new("RGB", (300, 400), (214, 226, 240))  # a badge photo: head and shoulders
    draw = ImageDraw.Draw(portrait)
    draw.ellipse((95, 70, 205, 200), fill=(236, 196, 160))
    draw.pieslice((30, 230, 270, 520), 180, 360, fill=(30, 50, 90))
    return portrait


def test_idle_shows_the_clerk_on_duty_with_photo_and_this_months_stars(hall, server, desk, browser_page, tmp_path,
                                                                        clock, photos):
    badge_photo().save(photos / "S001.jpg", "JPEG")
    with hall.db.write() as s:
        s.execute(update(Staff).where(Staff.number == "S001").values(photo="S001.jpg"))
        s.commit()
    pad = server.api(desk.pad_token)
    # This month: 5, 4 and a 2 (a bad review); last month's 1 does not count.
    for level, reasons in ((5, []), (4, []), (2, ["slow"])):
        ticket = desk.serve()
        clock.advance(seconds=10)
        r = pad.post("/ratings", {"ticket": ticket["id"], "level": level, "reasons": reasons, "channel": "pad"})
        assert r.status_code == 201, r.text
    clock.advance(minutes=2)

    page = open_pad(browser_page, server, desk.pad_token)
    page.wait_for_selector("#photo img", timeout=WAIT_MS)
    assert mode(page) == "idle"
    card = visible_text(page, "#staff-card")
    assert "王芳" in card and "工号 S001" in card and "亮证上岗" in card and "A岗" in card
    assert "3.7分" in card and "3条评价 · 满意率67%" in card  # (5+4+2)/3; 2 of 3 at 基本满意 or better
    width = page.locator("#stars-fill").evaluate("e => e.getBoundingClientRect().width")
    full = page.locator("#stars").evaluate("e => e.getBoundingClientRect().width")
    assert 0.7 < width / full < 0.76  # 3.7 of 5 stars filled
    natural = page.locator("#photo img").evaluate("img => img.naturalWidth")
    assert natural == 300  # the real picture, not a broken image
    assert "window 1" not in page.content()  # Chinese by default
    assert visible_text(page, "#window-title") == "1号窗口 公安窗口"
    screenshot(page, "pad-idle")
    page.set_viewport_size({"width": 800, "height": 1280})  # a tablet turned upright
    page.wait_for_timeout(200)
    screenshot(page, "pad-idle-portrait")

    def photo(number: str, token: str = desk.pad_token):
        return pad.http.get(f"{server.url}/evaluator/photo/{number}", headers={"Authorization": f"Bearer {token}"})

    assert photo("S001").headers["Content-Type"] == "image/jpeg"
    assert photo("S003").status_code == 404  # only the clerk on duty at this pad's window
    assert photo("S001", hall.token("kiosk", "k2")).status_code == 403
    # A photo path leading out of the photo directory, or a file that is no picture, is never
    # served: the pad shows initials, never a broken image.
    (photos / "notes.jpg").write_text("not a picture")
    # A real picture next to the directory, reached by a relative path, an absolute one or a link inside it.
    badge_photo().save(tmp_path / "outside.jpg", "JPEG")
    (photos / "link.jpg").symlink_to(tmp_path / "outside.jpg")
    for path in ("../outside.jpg", str(tmp_path / "outside.jpg"), "link.jpg",
                 "../../../../etc/passwd", "/etc/passwd", "notes.jpg", "missing.jpg"):
        with hall.db.write() as s:
            s.execute(update(Staff).where(Staff.number == "S001").values(photo=path))
            s.commit()
        assert photo("S001").status_code == 404, path
        assert pad.http.get(f"{server.url}/evaluator/state",
                            headers={"Authorization": f"Bearer {desk.pad_token}"}).json()["staff"]["photo"] is False
    page = open_pad(browser_page, server, desk.pad_token)
    page.wait_for_selector("#photo .initials", timeout=WAIT_MS)
    assert visible_text(page, "#photo") == "王"
    assert page.locator("#photo img").count() == 0


def test_idle_says_when_nobody_serves_or_the_window_is_paused(hall, server, desk, browser_page):
    page = open_pad(browser_page, server, hall.token("evaluator", "pad2", window=2))
    assert visible_text(page, "#unstaffed-state") == "窗口未开放"
    assert page.locator("#staff-card").is_hidden()
    screenshot(page, "pad-closed")

    page = open_pad(browser_page, server, desk.pad_token)
    assert "王芳" in visible_text(page, "#staff-card")
    assert desk.clerk.post("/windows/1/pause", {"reason": "午间休息"}).status_code == 200
    page.wait_for_function("() => document.getElementById('unstaffed-state').textContent === '暂停服务'",
                           timeout=WAIT_MS)
    assert visible_text(page, "#unstaffed-hint") == "午间休息"
    screenshot(page, "pad-paused")
    assert desk.clerk.post("/windows/1/resume").status_code == 200
    page.wait_for_selector("#staff-card:not([hidden])", timeout=WAIT_MS)
    assert "王芳" in visible_text(page, "#staff-card")
    assert page.locator("#month").is_hidden()  # no ratings yet: below the hall's minimum, nothing shown


def test_a_pad_without_a_valid_evaluator_token_says_so(hall, server, browser_page):
    browser_page.set_viewport_size(TABLET)
    browser_page.goto(f"{server.url}/evaluator")
    assert "地址中缺少评价器令牌" in browser_page.locator("#failure").inner_text()
    browser_page.goto("about:blank")
    browser_page.goto(f"{server.url}/evaluator#token={hall.token('kiosk', 'k9')}")
    browser_page.wait_for_selector("#failure:not([hidden])", timeout=WAIT_MS)
    assert "不是评价器令牌" in browser_page.locator("#failure").inner_text()
    with hall.db.write() as s:  # window 4 taken out of service after its pad was set up
        s.execute(update(Window).where(Window.number == 4).values(active=False))
        s.commit()
    browser_page.goto("about:blank")
    browser_page.goto(f"{server.url}/evaluator#token={hall.token('evaluator', 'pad4', window=4)}")
    browser_page.wait_for_selector("#failure:not([hidden])", timeout=WAIT_MS)
    assert "没有4号窗口" in browser_page.locator("#failure").inner_text()


# --- asking -------------------------------------------------------------------------------

def test_a_finish_makes_the_pad_ask_and_a_top_rating_is_thanked(hall, server, desk, browser_page, clock):
    page = open_pad(browser_page, server, desk.pad_token)
    ticket = desk.serve()
    wait_asked(page)
    assert ticket["number"] in visible_text(page, "#ask-ticket") and "户口迁移" in visible_text(page, "#ask-ticket")
    names = page.locator("#levels button.level").all_inner_texts()
    assert names == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    assert "剩余 60 秒" in visible_text(page, "#countdown-text") or "剩余 59 秒" in visible_text(page, "#countdown-text")
    screenshot(page, "pad-ask")

    clock.advance(seconds=6)
    page.locator("#levels button[data-level='5']").click()
    wait_mode(page, "message")
    assert visible_text(page, "#message-headline") == "感谢您的评价！"
    screenshot(page, "pad-thanks")
    [rating] = desk.ratings()
    assert (rating["number"], rating["level"], rating["level_name"], rating["channel"], rating["window"]) == \
        (ticket["number"], 5, "非常满意", "pad", 1)
    assert rating["staff"] == {"name": "王芳", "number": "S001"} and rating["flagged"] is False
    assert page.evaluate("() => window.hallqPad.state.spoken.map(s => [s.text, s.lang])") == [["感谢您的评价", "zh-CN"]]
    wait_mode(page, "idle", timeout=THANKS_WAIT)
    assert "王芳" in visible_text(page, "#staff-card")
    # One rating is below the hall's minimum (3 here): the month shows no stars yet (test_pad_screens shows them).
    page.wait_for_function("() => window.hallqPad.state.pad.staff.month.shown === false", timeout=WAIT_MS)
    assert page.locator("#month").is_hidden()


THANKS_WAIT = 8_000


def test_a_bad_rating_needs_a_reason_and_opens_a_follow_up_case(hall, server, desk, browser_page, clock):
    page = open_pad(browser_page, server, desk.pad_token)
    ticket = desk.serve()
    wait_asked(page)
    clock.advance(seconds=12)
    page.locator("#levels button[data-level='2']").click()
    wait_mode(page, "reason")
    assert visible_text(page, "#reasons-box h2") == "请告诉我们不满意的原因（可多选）"
    assert "不满意" in visible_text(page, "#chosen-level")
    reasons = page.locator("#reasons button").all_inner_texts()
    assert "服务态度差" in reasons and "其他" in reasons and len(reasons) == 9

    page.locator("#submit").click()
    assert visible_text(page, "#reason-problem") == "请至少选择一个原因。"
    page.locator("#reasons button", has_text="其他").click()
    page.locator("#submit").click()
    assert visible_text(page, "#reason-problem") == "选择“其他”时，请写下具体原因。"
    assert desk.ratings() == [] and page.evaluate("() => window.hallqPad.state.requests") == 0
    page.locator("#reasons button", has_text="办事效率低").click()
    page.locator("#other-text").fill("叫号后等了很久，电话13912345678")
    screenshot(page, "pad-reasons")
    page.locator("#submit").click()
    wait_mode(page, "message")
    assert visible_text(page, "#message-headline") == "感谢您的评价！"
    assert visible_text(page, "#message-detail") == "我们会认真核实，尽快改进。"
    screenshot(page, "pad-thanks-bad")

    [rating] = desk.ratings()
    assert (rating["number"], rating["level"]) == (ticket["number"], 2)
    assert [r["code"] for r in rating["reasons"]] == ["other", "slow"]
    assert rating["comment"] == "叫号后等了很久，电话139****5678"
    [case] = desk.boss.get("/followups").json()
    assert case["rating"]["id"] == rating["id"] and case["status"] == "open" and case["window"] == 1
    assert rating["followup"] == case["id"]
    with hall.db.read() as s:
        assert s.scalar(select(FollowUp.assignee_staff_id)) == s.scalar(select(Staff.id).where(Staff.number == "S003"))


def test_choose_again_goes_back_to_the_levels(hall, server, desk, browser_page, clock):
    page = open_pad(browser_page, server, desk.pad_token)
    desk.serve()
    wait_asked(page)
    page.locator("#levels button[data-level='1']").click()
    wait_mode(page, "reason")
    page.locator("#back").click()
    wait_asked(page)
    clock.advance(seconds=5)
    page.locator("#levels button[data-level='3']").click()
    wait_mode(page, "message")
    assert [r["level"] for r in desk.ratings()] == [3]
    assert desk.boss.get("/followups").json() == []


# --- refusals in plain words ------------------------------------------------------------

def test_after_the_time_limit_the_pad_says_it_has_passed(hall, server, desk, browser_page, clock):
    page = open_pad(browser_page, server, desk.pad_token)
    desk.serve()
    wait_asked(page)
    clock.advance(seconds=61)
    page.locator("#levels button[data-level='4']").click()
    wait_mode(page, "message")
    assert visible_text(page, "#message-headline") == "评价时间已过。您还可以扫描号票上的二维码进行评价。"
    screenshot(page, "pad-expired")
    assert desk.ratings() == []
    # A pad (re)loaded after the time is up does not ask at all.
    page = open_pad(browser_page, server, desk.pad_token)
    assert mode(page) == "idle"


def test_a_second_rating_is_refused_in_plain_words(hall, server, desk, browser_page, clock):
    page = open_pad(browser_page, server, desk.pad_token)
    ticket = desk.serve()
    wait_asked(page)
    # The pad loses its connection; meanwhile the window's keypad answers first.
    page.evaluate("() => window.hallqPad.socket.disconnect()")
    clock.advance(seconds=5)
    agent = server.api(hall.token("agent", "agent1", scope=AgentScope(windows=frozenset({1}))))
    r = agent.post("/ratings", {"ticket": ticket["id"], "level": 4, "channel": "keypad", "window": 1})
    assert r.status_code == 201, r.text
    page.locator("#levels button[data-level='5']").click()
    wait_mode(page, "message")
    assert visible_text(page, "#message-headline") == "这笔业务已经评价过了，感谢您的参与。"
    screenshot(page, "pad-already-rated")
    assert [(x["level"], x["channel"]) for x in desk.ratings()] == [(4, "keypad")]


def test_a_rating_given_elsewhere_ends_the_question(hall, server, desk, browser_page, clock):
    page = open_pad(browser_page, server, desk.pad_token)
    ticket = desk.serve()
    wait_asked(page)
    clock.advance(seconds=5)
    agent = server.api(hall.token("agent", "agent1", scope=AgentScope(windows=frozenset({1}))))
    assert agent.post("/ratings", {"ticket": ticket["id"], "level": 4, "channel": "keypad",
                                   "window": 1}).status_code == 201
    wait_mode(page, "message")
    assert visible_text(page, "#message-headline") == "这笔业务已通过其他方式评价，感谢您的参与。"
    assert page.evaluate("() => window.hallqPad.state.requests") == 0


# --- reconnecting, time, language ---------------------------------------------------------

def test_a_pad_opened_after_the_finish_still_asks(hall, server, desk, browser_page, clock):
    ticket = desk.serve()
    clock.advance(seconds=20)
    page = open_pad(browser_page, server, desk.pad_token)
    wait_asked(page)
    assert ticket["number"] in visible_text(page, "#ask-ticket")
    left = page.evaluate("() => (window.hallqPad.state.request.deadline - Date.now()) / 1000")
    assert 35 < left <= 40  # the server's count: 60 s less the 20 s gone by
    # A reconnect (snapshot) mid-question keeps the question.
    page.evaluate("() => { window.hallqPad.socket.disconnect(); window.hallqPad.socket.connect(); }")
    page.wait_for_function("() => window.hallqPad.state.connected", timeout=WAIT_MS)
    page.wait_for_timeout(500)
    assert mode(page) == "ask"
    page.locator("#levels button[data-level='4']").click()
    wait_mode(page, "message")
    assert [x["level"] for x in desk.ratings()] == [4]


@pytest.fixture
def hall_with(db, clock):
    """A test hall with its own rating rules, served on its own server."""
    servers = []

    def make(**rules):
        hall = Hall(db, clock, ratings=RatingSettings(**rules))
        servers.append(Server(create_app(hall.db, clock=clock)))
        return Desk(hall, servers[-1])

    yield make
    for server in servers:
        server.stop()


def test_the_countdown_runs_out_back_to_idle(hall_with, clock, browser_page):
    desk = hall_with(request_seconds=5)
    server = desk.server
    page = open_pad(browser_page, server, desk.pad_token)
    desk.serve()
    wait_asked(page)
    assert visible_text(page, "#countdown-text") in ("剩余 5 秒", "剩余 4 秒")
    page.wait_for_function("() => document.getElementById('ask').classList.contains('hurry')", timeout=WAIT_MS)
    wait_mode(page, "idle", timeout=8_000)
    assert "王芳" in visible_text(page, "#staff-card")
    # A late state (this test's server clock stands still) does not bring the question back.
    page.evaluate("() => window.hallqPad.loadState()")
    page.wait_for_timeout(500)
    assert mode(page) == "idle"


def test_too_many_ratings_are_refused_for_now_not_for_good(hall_with, clock, browser_page):
    desk = hall_with(per_token_per_minute=1, request_seconds=120)
    page = open_pad(browser_page, desk.server, desk.pad_token)
    desk.serve()
    wait_asked(page)
    clock.advance(seconds=5)
    page.locator("#levels button[data-level='4']").click()
    wait_mode(page, "message")
    wait_mode(page, "idle", timeout=THANKS_WAIT)
    second = desk.serve()
    wait_asked(page)
    clock.advance(seconds=5)
    page.locator("#levels button[data-level='5']").click()
    wait_mode(page, "message")
    assert visible_text(page, "#message-headline") == "评价太频繁了，请稍后再试。"
    screenshot(page, "pad-rate-limited")
    # The question comes back while its time lasts; a minute later the rating is taken.
    wait_mode(page, "ask", timeout=10_000)
    assert second["number"] in visible_text(page, "#ask-ticket")
    clock.advance(seconds=56)  # the first rating is now more than a minute old
    page.locator("#levels button[data-level='5']").click()
    wait_mode(page, "message")
    assert visible_text(page, "#message-headline") == "感谢您的评价！"
    assert [r["level"] for r in desk.ratings()] == [5, 4]


def test_english_on_request_and_chinese_again_for_the_next_citizen(hall, server, desk, browser_page, clock):
    page = open_pad(browser_page, server, desk.pad_token)
    desk.serve()
    wait_asked(page)
    page.locator("#lang").click()
    assert visible_text(page, "#ask h1") == "Please rate this service"
    assert page.locator("#levels button.level").all_inner_texts() == [
        "very satisfied", "satisfied", "basically satisfied", "dissatisfied", "very dissatisfied"]
    page.locator("#levels button[data-level='1']").click()
    wait_mode(page, "reason")
    assert "poor attitude" in page.locator("#reasons").inner_text()
    screenshot(page, "pad-reasons-en")
    page.locator("#reasons button", has_text="poor attitude").click()
    clock.advance(seconds=9)
    page.locator("#submit").click()
    wait_mode(page, "message")
    assert visible_text(page, "#message-headline") == "Thank you for your rating!"
    assert page.evaluate("() => window.hallqPad.state.spoken.map(s => s.lang)") == ["en-GB"]
    wait_mode(page, "idle", timeout=THANKS_WAIT)
    assert visible_text(page, "#lang") == "English" and "亮证上岗" in visible_text(page, "#staff-card")
    english = open_pad(browser_page, server, desk.pad_token, lang="en")
    assert "Staff no. S001" in visible_text(english, "#staff-card")
    screenshot(english, "pad-idle-en")
