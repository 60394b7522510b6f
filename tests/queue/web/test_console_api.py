"""The read routes the clerk console stands on: who am I, the window's console state,
my day, and the due date of a promised case. Real server, SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt

from tests.conftest import local
from tests.helpers import clerk_api, issue


def test_me_names_the_staff_member_their_posts_and_window(hall, server):
    clerk = clerk_api(hall, server, "S001")
    me = clerk.get("/me").json()
    assert me["username"] == "S001" and me["role"] == "clerk"
    assert me["staff"] == {"number": "S001", "name": "王芳", "department": "县公安局"}
    assert me["posts"] == [{"window": 1, "post": "A"}]
    assert me["signed_in"] is None
    assert clerk.post("/windows/1/sign-in", {"post": "A"}).status_code == 200
    assert clerk.get("/me").json()["signed_in"]["window"] == 1
    # A device has no "me".
    assert server.api(hall.token("display", "d1")).get("/me").status_code == 403
    assert server.api().get("/me").status_code == 401


def test_console_state_follows_the_window(hall, server, clock):
    kiosk = server.api(hall.token())
    clerk = clerk_api(hall, server, "S001", window=1)
    other = clerk_api(hall, server, "S004", window=3)
    a1 = issue(kiosk, "GA01")
    clock.advance(minutes=1)
    a2 = issue(kiosk, "GA02")
    clock.advance(minutes=1)
    green = server.api(hall.login("S004")).post("/tickets", {"service": "GA02", "priority": "green", "reason": "elderly"}).json()
    clock.advance(minutes=5)

    state = clerk.get("/windows/1/console").json()
    assert state["window"]["status"] == "open" and state["window"]["staff"]["name"] == "王芳"
    assert [(i["code"], i["waiting"]) for i in state["items"]] == [("GA01", 1), ("GA02", 2)]
    # The next tickets in the order the window calls them: green channel first.
    assert [t["number"] for t in state["upcoming"]] == [green["number"], a1["number"], a2["number"]]
    assert state["upcoming"][0]["priority_reason"] == "elderly"
    assert state["upcoming"][1]["waited_s"] == 7 * 60
    assert state["current"] is None and state["recall_limit"] == 2

    called = clerk.post("/windows/1/call-next").json()
    assert called["number"] == green["number"]
    clock.advance(minutes=1)
    assert clerk.post("/windows/1/recall").status_code == 200
    current = clerk.get("/windows/1/console").json()["current"]
    assert current["number"] == green["number"] and current["priority_reason"] == "elderly"
    assert current["waited_s"] == 5 * 60 and current["recall_count"] == 1
    assert current["guide"]["materials"] == ["准迁证"]

    # Transfer with return: window 3 sees it sent by name, then it comes back here.
    assert clerk.post("/windows/1/transfer", {"window": 3, "return": True}).status_code == 200
    at3 = other.get("/windows/3/console").json()
    assert at3["sent_here"] == 1 and at3["upcoming"][0] == {**at3["upcoming"][0], "number": green["number"], "targeted": True}
    assert other.post("/windows/3/call-next").json()["number"] == green["number"]
    current3 = other.get("/windows/3/console").json()["current"]
    assert current3["returns_to"] == 1
    assert [(t["from_window"], t["to_window"], t["return"]) for t in current3["transfers"]] == [(1, 3, True)]
    assert other.post("/windows/3/finish", {"outcome": "immediate"}).status_code == 200
    back = clerk.get("/windows/1/console").json()
    assert back["upcoming"][0]["number"] == green["number"] and back["upcoming"][0]["targeted"]

    # Held and missed tickets stay listed for calling back; the last finished case too.
    assert clerk.post("/windows/1/call-next").json()["number"] == green["number"]
    assert clerk.post("/windows/1/finish", {"outcome": "supplement", "missing_materials": ["准迁证"]}).status_code == 200
    assert clerk.post("/windows/1/call-next").json()["number"] == a1["number"]
    assert clerk.post("/windows/1/hold").status_code == 200
    assert clerk.post("/windows/1/call-next").json()["number"] == a2["number"]
    clock.advance(minutes=3)  # the hall's minimum before a skip (skip_after_minutes)
    assert clerk.post("/windows/1/skip").status_code == 200
    state = clerk.get("/windows/1/console").json()
    assert [t["number"] for t in state["held"]] == [a1["number"]]
    assert [t["number"] for t in state["missed"]] == [a2["number"]]
    assert state["last_finished"]["number"] == green["number"]
    assert state["last_finished"]["outcome"] == "supplement"
    assert state["last_finished"]["missing_materials"] == ["准迁证"]


def test_my_day_counts_what_the_clerk_did(hall, server, clock):
    kiosk = server.api(hall.token())
    clerk = clerk_api(hall, server, "S001", window=1)
    for _ in range(3):
        issue(kiosk, "GA02")
    empty = clerk.get("/me/day").json()
    assert empty["served"] == 0 and empty["average_service_s"] is None
    assert empty["ratings"] == {"count": 0, "counted": 0, "unrated": 0, "rate": None,
                                "levels": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0}}
    # An account with no staff record has no ratings of its own.
    assert server.api(hall.login(hall.user("boss", "supervisor").name)).get("/me/day").json()["ratings"] is None
    # Each citizen rates on window 1's evaluator pad as service ends: one satisfied, one bad review.
    pad = server.api(hall.token("evaluator", "pad-1", window=1))
    for minutes, outcome, rating in ((4, {"outcome": "immediate"}, {"level": 5}),
                                     (8, {"outcome": "promised", "promised_days": 5}, {"level": 2, "reasons": ["slow"]})):
        clerk.post("/windows/1/call-next")
        clock.advance(minutes=minutes)
        done = clerk.post("/windows/1/finish", outcome).json()
        assert pad.post("/ratings", {"ticket": done["id"], "channel": "pad", **rating}).status_code == 201
    clerk.post("/windows/1/call-next")
    clock.advance(minutes=3)  # the hall's minimum before a skip (skip_after_minutes)
    clerk.post("/windows/1/skip")
    assert clerk.post("/windows/1/pause", {"reason": "lunch"}).status_code == 200
    clock.advance(minutes=30)
    day = clerk.get("/me/day").json()
    assert day["ratings"]["count"] == 2 and day["ratings"]["rate"] == 0.5
    assert day["ratings"]["levels"]["5"] == 1 and day["ratings"]["levels"]["2"] == 1
    assert day["served"] == 2 and day["average_service_s"] == 6 * 60
    assert day["outcomes"] == {"immediate": 1, "promised": 1}
    assert day["calls"] == 3 and day["skipped"] == 1
    assert day["paused_s"] == 30 * 60
    assert [s["window"] for s in day["sessions"]] == [1] and day["sessions"][0]["ended_at"] is None
    # Another clerk's day is their own.
    assert clerk_api(hall, server, "S003").get("/me/day").json()["served"] == 0


def test_due_date_follows_the_official_calendar(hall, server, clock):
    clerk = clerk_api(hall, server, "S001")
    # Friday 2026-10-30 + 1 working day is Monday 2026-11-02.
    clock.set(local(2026, 10, 30, 10))
    r = clerk.get("/calendar/due-date", params={"days": 1})
    assert r.json() == {"from": "2026-10-30", "days": 1, "due_date": "2026-11-02"}
    # The hall file's holiday (2026-12-24) and make-up workday (Saturday 2026-12-26) count.
    clock.set(local(2026, 12, 23, 10))
    clerk = server.api(hall.login("S001"))  # a month on: a new sign-in (a staff token ends after its idle time)
    assert clerk.get("/calendar/due-date", params={"days": 2}).json()["due_date"] == "2026-12-26"
    for bad in ("0", "366", "x", "", "-1"):
        assert clerk.get("/calendar/due-date", params={"days": bad}).status_code == 400
    # The date finish() records is the one shown.
    clock.set(local(2026, 12, 23, 10))
    kiosk = server.api(hall.token())
    issue(kiosk, "GA02")
    assert clerk.post("/windows/1/sign-in", {"post": "A"}).status_code == 200
    clerk.post("/windows/1/call-next")
    done = clerk.post("/windows/1/finish", {"outcome": "promised", "promised_days": 2}).json()
    assert done["due_date"] == "2026-12-26"
    assert dt.date.fromisoformat(done["due_date"]).weekday() == 5


def test_console_reads_need_a_token_and_a_known_window(hall, server):
    clerk = clerk_api(hall, server, "S001")
    assert server.api().get("/windows/1/console").status_code == 401
    assert clerk.get("/windows/99/console").status_code == 404
    assert server.api(hall.token("display", "d1")).get("/windows/1/console").status_code == 200
