"""Socket.IO: who may listen, what they hear, snapshots, and events only after commit.

Real python-socketio clients over websocket to the real server on 127.0.0.1,
on SQLite and PostgreSQL.
"""
from __future__ import annotations

import datetime as dt
import time

import pytest
import socketio
from sqlalchemy import select

from hallq.queue.models import Ticket
from tests.helpers import clerk_api, issue, wait_for
from tests.conftest import Hall

ID_NUMBER = "11010519491231002X"
PHONE = "13812345678"


# --- helpers ----------------------------------------------------------------------

def received(client, name: str, where=lambda data: True) -> list:
    return [data for event, data in list(client.received) if event == name and where(data)]


def at_window(n):
    return lambda data: data.get("window") == n


def is_time(value) -> bool:
    return isinstance(value, str) and dt.datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None


@pytest.fixture
def connect(server):
    """server.socket(...) that disconnects every client at the end of the test."""
    clients = []

    def make(token, **kwargs):
        client = server.socket(token, **kwargs)
        clients.append(client)
        return client

    yield make
    for client in clients:
        try:
            client.disconnect()
        except Exception:
            pass


@pytest.mark.parametrize("auth", [None, {}, {"token": ""}, {"token": "not-a-token"}, "not-a-dict"])
def test_connecting_without_a_valid_token_is_refused(hall, server, auth):
    client = socketio.Client(reconnection=False)
    client.received = []
    client.on("*", lambda event, data: client.received.append((event, data)))
    kwargs = {} if auth is None else {"auth": auth}
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(server.url, transports=["websocket"], wait_timeout=5, **kwargs)
    assert not client.connected
    assert received(client, "snapshot") == []
    client.disconnect()


def test_a_revoked_or_foreign_token_is_refused_and_a_good_one_accepted(hall, server, connect, db):
    from hallq.queue.accounts import Token
    token = hall.token("display", "d1")
    with db.write() as s:
        for row in s.scalars(select(Token)):
            row.revoked_at = hall.clock()
        s.commit()
    with pytest.raises(socketio.exceptions.ConnectionError):
        connect(token)
    good = connect(hall.token("display", "d2"))
    assert good.connected
    wait_for(good, "snapshot")


# --- a display --------------------------------------------------------------------

def test_display_gets_a_snapshot_then_the_news(hall, server, connect, clock):
    display = connect(hall.token("display", "d1"))
    snap = wait_for(display, "snapshot")
    assert [w["number"] for w in snap["windows"]] == [1, 2, 3, 4]
    assert all(w["status"] == "closed" and w["serving"] is None for w in snap["windows"])
    assert {s["code"] for s in snap["services"]} == {"GA01", "GA02", "SJ01", "MZ01"}
    assert snap["recent_calls"] == []

    kiosk = server.api(hall.token("kiosk"))
    ticket = issue(kiosk)
    issued = wait_for(display, "ticket.issued")
    assert issued["number"] == "A001" and issued["service"] == "GA01" and issued["id"] == ticket["id"]
    assert issued["window"] is None and is_time(issued["at"])
    stats = wait_for(display, "queue.stats", lambda d: d["service"] == "GA01")
    assert stats["waiting"] == 1 and "estimated_wait_s" in stats

    clerk = clerk_api(hall, server, "S001", window=1)
    opened = wait_for(display, "window.status", at_window(1))
    assert opened["status"] == "open" and is_time(opened["at"])

    clock.advance(minutes=3)
    assert clerk.post("/windows/1/call-next").status_code == 200
    called = wait_for(display, "ticket.called")
    assert called["number"] == "A001" and called["window"] == 1 and called["service"] == "GA01"
    assert dt.datetime.fromisoformat(called["at"].replace("Z", "+00:00")) == clock()
    wait_for(display, "queue.stats", lambda d: d["service"] == "GA01" and d["waiting"] == 0)

    assert clerk.post("/windows/1/recall").status_code == 200
    recalled = wait_for(display, "ticket.recalled")
    assert (recalled["number"], recalled["window"], recalled["service"]) == ("A001", 1, "GA01")
    assert is_time(recalled["at"])

    assert clerk.post("/windows/1/finish", {"outcome": "immediate"}).status_code == 200
    finished = wait_for(display, "ticket.finished")
    assert (finished["number"], finished["window"], finished["service"]) == ("A001", 1, "GA01")

    issue(kiosk)
    assert clerk.post("/windows/1/call-next").status_code == 200
    clock.advance(minutes=3)  # the hall's minimum before a skip (skip_after_minutes)
    assert clerk.post("/windows/1/skip").status_code == 200
    skipped = wait_for(display, "ticket.skipped")
    assert (skipped["number"], skipped["window"], skipped["service"]) == ("A002", 1, "GA01")

    issue(kiosk)
    assert clerk.post("/windows/1/call-next").json()["number"] == "A003"
    assert clerk.post("/windows/1/transfer", {"service": "MZ01"}).status_code == 200
    moved = wait_for(display, "ticket.transferred")
    assert moved["number"] == "A003" and moved["window"] == 1 and moved["service"] == "MZ01" and is_time(moved["at"])

    assert clerk.post("/windows/1/pause", {"reason": "系统故障"}).status_code == 200
    paused = wait_for(display, "window.status", lambda d: d["window"] == 1 and d["status"] == "paused")
    assert is_time(paused["at"])
    assert clerk.post("/windows/1/resume").status_code == 200
    wait_for(display, "window.status", lambda d: d["window"] == 1 and d["status"] == "open"
             and d["at"] != opened["at"])
    assert clerk.post("/windows/1/sign-out").status_code == 200
    wait_for(display, "window.status", lambda d: d["window"] == 1 and d["status"] == "closed")
    # Each call was pushed once.
    assert len(received(display, "ticket.called")) == 3


def test_events_carry_no_personal_data(hall, server, connect):
    display = connect(hall.token("display", "d1"))
    kiosk = server.api(hall.token("kiosk"))
    clerk = clerk_api(hall, server, "S001", window=1)
    issue(kiosk, id_number=ID_NUMBER, phone=PHONE)
    assert clerk.post("/windows/1/call-next").status_code == 200
    assert clerk.post("/windows/1/finish", {"outcome": "immediate"}).status_code == 200
    wait_for(display, "ticket.finished")
    display.emit("snapshot")
    wait_for(display, "snapshot", lambda d: d["recent_calls"])
    dump = repr(display.received).upper()
    assert ID_NUMBER not in dump and PHONE not in dump
    assert "002X" not in dump and "5678" not in dump  # screens show not even the masked forms


# --- an evaluator pad -------------------------------------------------------------

def test_evaluator_hears_its_own_window_only(hall, server, connect):
    evaluator = connect(hall.token("evaluator", "e1", window=1))
    snap = wait_for(evaluator, "snapshot")
    assert [w["number"] for w in snap["windows"]] == [1]

    kiosk = server.api(hall.token("kiosk"))
    w1 = clerk_api(hall, server, "S001", window=1)
    w2 = clerk_api(hall, server, "S003", window=2)
    issue(kiosk)
    issue(kiosk)

    # Window 2 acts first; window 1's news, sent later, proves window 2's would have arrived.
    r = w2.post("/windows/2/call-next")
    assert r.status_code == 200 and r.json()["number"] == "A001"
    r = w1.post("/windows/1/call-next")
    assert r.status_code == 200 and r.json()["number"] == "A002"
    called = wait_for(evaluator, "ticket.called")
    assert called["window"] == 1 and called["number"] == "A002"

    assert w2.post("/windows/2/finish", {"outcome": "immediate"}).status_code == 200
    assert w1.post("/windows/1/finish", {"outcome": "immediate"}).status_code == 200
    asked = wait_for(evaluator, "rating.requested")
    assert asked["number"] == "A002" and asked["window"] == 1 and asked["service"] == "GA01"
    assert isinstance(asked["id"], int) and is_time(asked["at"])

    assert received(evaluator, "ticket.called", at_window(2)) == []
    assert received(evaluator, "ticket.finished", at_window(2)) == []
    assert received(evaluator, "rating.requested", at_window(2)) == []
    assert len(received(evaluator, "rating.requested")) == 1


def test_a_pads_rating_request_stays_at_its_window(hall, server, connect):
    display = connect(hall.token("display", "tv"))
    evaluator = connect(hall.token("evaluator", "e1", window=1))
    kiosk = server.api(hall.token("kiosk"))
    clerk = clerk_api(hall, server, "S001", window=1)
    issue(kiosk)
    assert clerk.post("/windows/1/call-next").status_code == 200
    assert clerk.post("/windows/1/finish", {"outcome": "immediate"}).status_code == 200
    asked = wait_for(evaluator, "rating.requested")
    assert asked["window"] == 1
    # A ticket issued after the request was sent reaches the display; the request never does.
    later = issue(kiosk)
    wait_for(display, "ticket.issued", lambda d: d["number"] == later["number"])
    assert received(display, "ticket.finished") and received(display, "rating.requested") == []


# --- staff joining rooms ----------------------------------------------------------

def test_staff_join_rooms_of_their_hall(hall, server, connect, db, clock):
    other = Hall(db, clock, code="other", name="另一个大厅")
    other_kiosk = server.api(other.token("kiosk", "k-other"))
    kiosk = server.api(hall.token("kiosk"))
    clerk = clerk_api(hall, server, "S001", window=1)
    hall.user("S004", "supervisor")
    staff = connect(hall.login("S004"))
    wait_for(staff, "snapshot")

    answer = staff.call("join", {"room": f"hall:{other.id}"}, timeout=5)
    assert isinstance(answer, dict) and "error" in answer
    for room in ("bogus:1", "", "hall", "window:", "window:x"):
        answer = staff.call("join", {"room": room}, timeout=5)
        assert isinstance(answer, dict) and "error" in answer, (room, answer)
    answer = staff.call("join", "not-a-dict-nor-room", timeout=5)
    assert isinstance(answer, dict) and "error" in answer

    staff.received.clear()
    answer = staff.call("join", {"room": "window:1"}, timeout=5)
    assert answer and answer.get("ok") is True and "error" not in answer
    snap = wait_for(staff, "snapshot")
    assert [w["number"] for w in snap["windows"]] == [1]

    issue(other_kiosk)  # news of the other hall
    issue(kiosk)  # news of this hall's room, not window 1's
    assert clerk.post("/windows/1/call-next").status_code == 200
    called = wait_for(staff, "ticket.called")
    assert called["window"] == 1 and called["number"] == "A001"
    assert received(staff, "ticket.issued") == []
    assert received(staff, "queue.stats") == []

    answer = staff.call("join", {"room": f"hall:{hall.id}"}, timeout=5)
    assert answer and answer.get("ok") is True
    issue(kiosk)
    issued = wait_for(staff, "ticket.issued")
    assert issued["number"] == "A002"


def test_a_device_cannot_join(hall, server, connect):
    evaluator = connect(hall.token("evaluator", "e1", window=1))
    display = connect(hall.token("display", "d1"))
    wait_for(evaluator, "snapshot")
    for client in (evaluator, display):
        answer = client.call("join", {"room": "window:2"}, timeout=5)
        assert isinstance(answer, dict) and "error" in answer
    answer = evaluator.call("join", {"room": f"hall:{hall.id}"}, timeout=5)
    assert isinstance(answer, dict) and "error" in answer

    kiosk = server.api(hall.token("kiosk"))
    w1 = clerk_api(hall, server, "S001", window=1)
    w2 = clerk_api(hall, server, "S003", window=2)
    issue(kiosk)
    issue(kiosk)
    assert w2.post("/windows/2/call-next").status_code == 200
    assert w1.post("/windows/1/call-next").status_code == 200
    wait_for(evaluator, "ticket.called", at_window(1))
    assert received(evaluator, "ticket.called", at_window(2)) == []
    assert received(evaluator, "ticket.issued") == []


# --- events only after commit -----------------------------------------------------

def test_refused_actions_emit_nothing(hall, server, connect):
    display = connect(hall.token("display", "d1"))
    kiosk = server.api(hall.token("kiosk"))
    clerk = clerk_api(hall, server, "S001", window=1)
    wait_for(display, "window.status", lambda d: d["window"] == 1 and d["status"] == "open")
    for _ in range(5):  # GA01's daily quota
        issue(kiosk)
    assert clerk.post("/windows/1/pause", {"reason": "午休"}).status_code == 200
    wait_for(display, "window.status", lambda d: d["status"] == "paused")
    wait_for(display, "ticket.issued", lambda d: d["number"] == "A005")
    wait_for(display, "queue.stats", lambda d: d["service"] == "GA01" and d["waiting"] == 5)  # they trail the news
    # The figures are paced: a mark made while the last ones were measured sends them once more,
    # the same figures (the clock stands still). Such a repeat is not news.
    figures = {d["service"]: d for event, d in display.received if event == "queue.stats"}
    display.received.clear()

    assert clerk.post("/windows/1/call-next").status_code == 409  # paused
    assert clerk.post("/windows/1/pause", {"reason": "again"}).status_code == 409
    assert kiosk.post("/tickets", {"service": "GA01"}).status_code == 409  # quota used up
    assert kiosk.post("/tickets", {"service": "ZZ99"}).status_code == 404
    assert clerk.post("/windows/1/finish", {"outcome": "immediate"}).status_code == 409
    assert server.api(hall.token("display", "d2")).post("/tickets", {"service": "GA02"}).status_code == 403

    # The next real change is the first thing the display hears.
    assert clerk.post("/windows/1/resume").status_code == 200
    wait_for(display, "window.status", lambda d: d["window"] == 1 and d["status"] == "open")
    assert clerk.post("/windows/1/call-next").status_code == 200
    wait_for(display, "ticket.called")
    names = [event for event, d in display.received
             if not (event == "queue.stats" and figures.get(d["service"]) == d)]
    assert names[0] == "window.status", names
    assert names.count("ticket.called") == 1
    assert "ticket.issued" not in names
    assert received(display, "ticket.called")[0]["number"] == "A001"


def test_an_event_arrives_only_once_the_change_is_committed(hall, server, connect, db):
    """When a screen hears of a call, any other reader already sees it in the database."""
    display = connect(hall.token("display", "d1"))
    seen = []

    def status_of(ticket_id):
        with db.read() as s:
            return s.scalar(select(Ticket.status).where(Ticket.id == ticket_id))

    display.on("ticket.issued", lambda data: seen.append(("issued", data["id"], status_of(data["id"]))))
    display.on("ticket.called", lambda data: seen.append(("called", data["id"], status_of(data["id"]))))
    kiosk = server.api(hall.token("kiosk"))
    clerk = clerk_api(hall, server, "S001", window=1)
    ids = [issue(kiosk, "GA02")["id"] for _ in range(3)]
    for _ in range(3):
        assert clerk.post("/windows/1/call-next").status_code == 200
        assert clerk.post("/windows/1/finish", {"outcome": "immediate"}).status_code == 200
    deadline = time.monotonic() + 5
    while len(seen) < 6 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(seen) == 6, seen
    assert sorted(i for _, i, _ in seen) == sorted(ids + ids)
    # Every issued ticket was already in the database, every call already recorded.
    for kind, _, status in seen:
        assert status in (("waiting", "called", "finished") if kind == "issued" else ("called", "finished")), seen


# --- reconnecting -----------------------------------------------------------------

def test_reconnect_snapshot_shows_calls_made_while_away(hall, server, connect):
    token = hall.token("display", "d1")
    display = connect(token)
    wait_for(display, "snapshot")
    kiosk = server.api(hall.token("kiosk"))
    w1 = clerk_api(hall, server, "S001", window=1)
    w2 = clerk_api(hall, server, "S003", window=2)
    issue(kiosk)
    issue(kiosk)
    wait_for(display, "ticket.issued", lambda d: d["number"] == "A002")

    display.disconnect()
    assert not display.connected
    display.received.clear()
    assert w1.post("/windows/1/call-next").json()["number"] == "A001"
    assert w2.post("/windows/2/call-next").json()["number"] == "A002"
    assert w2.post("/windows/2/recall").status_code == 200

    display.connect(server.url, auth={"token": token}, transports=["websocket"], wait_timeout=10)
    snap = wait_for(display, "snapshot")
    calls = [(c["number"], c["window"]) for c in snap["recent_calls"]]
    assert ("A001", 1) in calls and ("A002", 2) in calls
    assert snap["recent_calls"][0]["number"] == "A002"  # newest first
    serving = {w["number"]: (w["serving"] or {}).get("number") for w in snap["windows"]}
    assert serving == {1: "A001", 2: "A002", 3: None, 4: None}
    status = {w["number"]: w["status"] for w in snap["windows"]}
    assert status == {1: "open", 2: "open", 3: "closed", 4: "closed"}
    assert {s["code"]: s["waiting"] for s in snap["services"]}["GA01"] == 0
    # None of the news sent while away was replayed; the snapshot made the screen whole.
    assert received(display, "ticket.called") == []

    # And the reconnected client hears new news.
    assert w1.post("/windows/1/finish", {"outcome": "immediate"}).status_code == 200
    wait_for(display, "ticket.finished", lambda d: d["number"] == "A001")


def test_asking_for_a_snapshot_answers_with_one(hall, server, connect):
    display = connect(hall.token("display", "d1"))
    wait_for(display, "snapshot")
    kiosk = server.api(hall.token("kiosk"))
    issue(kiosk, "SJ01")
    wait_for(display, "ticket.issued")
    display.received.clear()
    display.emit("snapshot")
    snap = wait_for(display, "snapshot")
    assert {s["code"]: s["waiting"] for s in snap["services"]}["SJ01"] == 1


# --- the supervisors' room: calls for help and bad reviews ------------------------

def bad_review(hall, server, kiosk, clerk, clock) -> dict:
    """A ticket served at window 1 and rated 非常不满意 on its pad: a follow-up case opens."""
    pad = server.api(hall.token("evaluator", "pad1", window=1))
    ticket = issue(kiosk, "GA02")
    assert clerk.post("/windows/1/call-next").status_code == 200
    assert clerk.post("/windows/1/finish", {"outcome": "immediate"}).status_code == 200
    clock.advance(seconds=8)
    r = pad.post("/ratings", {"ticket": ticket["id"], "level": 1, "reasons": ["attitude"], "channel": "pad"})
    assert r.status_code == 201, r.text
    return ticket


def test_calls_for_help_and_bad_reviews_reach_supervisors_not_the_halls_screens(hall, server, connect, clock):
    tv = connect(hall.token("display", "tv"))  # a whole-hall display
    kiosk_screen = connect(hall.token("kiosk", "k1"))  # a kiosk's page: the hall room
    pad_screen = connect(hall.token("evaluator", "pad-screen", window=1))  # window 1's room
    hall.user("boss", "supervisor")
    boss = connect(hall.login("boss"))
    assert boss.call("join", {"room": "supervisors"}, timeout=5) == {"ok": True, "room": "supervisors"}
    for client in (tv, kiosk_screen, pad_screen):
        wait_for(client, "snapshot")
    kiosk = server.api(hall.token("kiosk", "k1"))
    clerk = clerk_api(hall, server, "S001", window=1)

    assert kiosk.post("/kiosk/help", {"screen": "items"}).json()["repeated"] is False
    ticket = bad_review(hall, server, kiosk, clerk, clock)
    help_news = wait_for(boss, "kiosk.help")
    assert help_news["kiosk"] == "k1" and help_news["screen"] == "items" and is_time(help_news["at"])
    opened = wait_for(boss, "followup.opened")
    assert (opened["number"], opened["window"], opened["level"]) == (ticket["number"], 1, 1)
    assert isinstance(opened["followup"], int) and opened["due_date"]

    boss_api = server.api(hall.login("boss"))
    r = boss_api.post(f"/followups/{opened['followup']}/callback", {"result": "已电话致歉", "reached": True})
    assert r.status_code == 200, r.text
    assert wait_for(boss, "followup.updated")["followup"] == opened["followup"]

    # News sent after these reaches every screen; the alerts never did.
    later = issue(kiosk)
    assert clerk.post("/windows/1/call-next").status_code == 200
    for client in (tv, kiosk_screen):
        wait_for(client, "ticket.issued", lambda d: d["number"] == later["number"])
    wait_for(pad_screen, "ticket.called", lambda d: d["number"] == later["number"])
    for client in (tv, kiosk_screen, pad_screen):
        assert received(client, "ticket.finished", lambda d: d["number"] == ticket["number"])  # it was listening
        assert received(client, "kiosk.help") == [] and received(client, "followup.opened") == []
        assert received(client, "followup.updated") == []
    # The supervisor joined only the supervisors' room: none of the hall's ticket news.
    assert received(boss, "ticket.issued") == [] and len(received(boss, "followup.opened")) == 1


def test_only_supervisors_and_admins_of_the_hall_join_the_supervisors_room(hall, server, connect, db, clock):
    other = Hall(db, clock, code="other", name="另一个大厅")
    other.user("elsewhere", "supervisor")
    foreign = connect(other.login("elsewhere"))
    hall.user("S010", "clerk")
    clerk_screen = connect(hall.login("S010"))
    hall.user("root", "admin")
    admin = connect(hall.login("root"))
    display = connect(hall.token("display", "tv"))
    kiosk_screen = connect(hall.token("kiosk", "k1"))
    wait_for(display, "snapshot")

    assert clerk_screen.call("join", {"room": "supervisors"}, timeout=5) == {"error": "forbidden"}
    assert clerk_screen.call("join", {"room": f"hall:{hall.id}"}, timeout=5)["ok"] is True
    for device in (display, kiosk_screen):
        assert device.call("join", {"room": "supervisors"}, timeout=5) == {"error": "forbidden"}
    for room in ("supervisors:1", "Supervisors", f"supervisors:{hall.id}"):
        answer = admin.call("join", {"room": room}, timeout=5)
        assert isinstance(answer, dict) and "error" in answer, (room, answer)
    assert admin.call("join", {"room": "supervisors"}, timeout=5) == {"ok": True, "room": "supervisors"}
    assert foreign.call("join", {"room": "supervisors"}, timeout=5)["ok"] is True  # their own hall's

    kiosk = server.api(hall.token("kiosk", "k1"))
    assert kiosk.post("/kiosk/help", {}).json()["repeated"] is False
    wait_for(admin, "kiosk.help", lambda d: d["kiosk"] == "k1")
    later = issue(kiosk)
    for client in (clerk_screen, display, kiosk_screen):
        wait_for(client, "ticket.issued", lambda d: d["number"] == later["number"])
        assert received(client, "kiosk.help") == []
    # Another hall's supervisors hear their own hall's calls only: one sent after this one reaches them.
    assert server.api(other.token("kiosk", "k-other")).post("/kiosk/help", {}).json()["repeated"] is False
    wait_for(foreign, "kiosk.help", lambda d: d["kiosk"] == "k-other")
    assert [d["kiosk"] for d in received(foreign, "kiosk.help")] == ["k-other"]


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_a_malformed_join_is_answered_with_an_error_never_a_crash(hall, server, connect):
    """Whatever shape a join's payload has, the client gets an answer, and the socket goes on working."""
    hall.user("S004", "supervisor")
    staff = connect(hall.login("S004"))
    wait_for(staff, "snapshot")
    for payload in ({"room": 5}, {"room": None}, {"room": ["window:1"]}, {"room": {"window": 1}}, 5, None, [],
                    ["window:1"], (5, 6), {"room": "window:¹"}, {"room": "window:１"}, {"room": "window:-1"},
                    {"room": "window:99999999999999999999"}, {"room": "display:" + "x" * 10_000},
                    {"room": "x" * 10_000}):
        answer = staff.call("join", payload, timeout=5)
        assert isinstance(answer, dict) and answer.get("error") in ("invalid_input", "forbidden"), (payload, answer)
        assert "ok" not in answer
    assert staff.call("join", {"room": "window:¹"}, timeout=5)["error"] == "invalid_input"
    assert staff.call("join", {"room": 5}, timeout=5)["error"] == "invalid_input"
    # The handler lived through all of that: a good join still works, with its snapshot.
    staff.received.clear()
    assert staff.call("join", {"room": "window:2"}, timeout=5) == {"ok": True, "room": "window:2"}
    assert [w["number"] for w in wait_for(staff, "snapshot")["windows"]] == [2]
