"""Stand-ins (顶岗) on both databases: a pause names its stand-in (the B post by default), and the duty screen's
list of windows whose A and B posts are both away in opening hours (seed 001 第十条 AB岗).

The test hall: window 1 A S001, B S002; window 2 A S003 (no B); window 3 A S004; window 4 no posts. GA's chief
representative is S003.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from hallq.queue.models import Staff, WindowPause
from hallq.queue.settings import RatingSettings
from tests.conftest import Hall, local


@pytest.fixture
def hall(db, clock):
    return Hall(db, clock, ratings=RatingSettings(chiefs={"GA": "S003"}))


def ok(r, status=200):
    assert r.status_code == status, r.text
    return r.json()


def test_the_windows_whose_a_and_b_posts_are_both_away(hall, server, clock):
    for name in ("S001", "S002", "S003", "S004", "S005"):
        hall.user(name, "clerk")
    api = {name: server.api(hall.login(name)) for name in ("S001", "S002", "S003", "S004", "S005")}
    away = {w["number"]: w for w in ok(api["S005"].get("/posts-away"))}
    assert sorted(away) == [1, 2, 3]  # window 4 has no posts
    assert away[1]["a"]["why"] == away[1]["b"]["why"] == "not_signed_in" and away[2]["b"] is None

    # S001 on an approved morning's leave today, S002 to stand in; S002 not here yet.
    lid = ok(api["S001"].post("/leave", {"first_day": "2026-11-23", "last_day": "2026-11-23", "last_half": "am",
                                         "reason": "看病"}), 201)["id"]
    ok(api["S003"].post(f"/leave/{lid}/approve"))
    one = {w["number"]: w for w in ok(api["S005"].get("/posts-away"))}[1]
    assert one["a"]["why"] == "leave" and one["a"]["leave"] == {"id": lid, "stand_in": {"number": "S002",
                                                                                         "name": "李强"}}
    # The B post comes: window 1 is staffed. S003 pauses window 2 for a meeting, naming S005 to stand in;
    # S004 serves at window 4, away from its own window 3.
    ok(api["S002"].post("/windows/1/sign-in", {"post": "B"}))
    ok(api["S003"].post("/windows/2/sign-in", {"post": "A"}))
    ok(api["S003"].post("/windows/2/pause", {"reason": "会议", "stand_in": "S005"}))
    ok(api["S004"].post("/windows/4/sign-in", {"post": "A"}))
    away = {w["number"]: w for w in ok(api["S005"].get("/posts-away"))}
    assert sorted(away) == [2, 3]
    assert (away[2]["status"], away[2]["pause_reason"], away[2]["a"]["why"]) == ("paused", "会议", "paused")
    assert away[2]["pause_stand_in"] == {"number": "S005", "name": "陈静"}
    assert (away[3]["a"]["why"], away[3]["a"]["window"]) == ("elsewhere", 4)
    # Resumed: staffed again. Over the lunch break nothing is listed.
    ok(api["S003"].post("/windows/2/resume"))
    assert [w["number"] for w in ok(api["S005"].get("/posts-away"))] == [3]
    clock.set(local(2026, 11, 23, 12, 30))
    assert server.api(hall.login("S005")).get("/posts-away").json() == []
    # Devices do not read who is on leave.
    assert server.api(hall.token("display", "tv")).get("/posts-away").status_code == 403


def test_a_pause_names_the_b_post_by_default(hall, server):
    for name in ("S001", "S003"):
        hall.user(name, "clerk")
    s001, s003 = server.api(hall.login("S001")), server.api(hall.login("S003"))
    ok(s001.post("/windows/1/sign-in", {"post": "A"}))
    ok(s001.post("/windows/1/pause", {"reason": "其他"}))
    ok(s003.post("/windows/2/sign-in", {"post": "A"}))
    assert s003.post("/windows/2/pause", {"reason": "其他", "stand_in": "S003"}).status_code == 400  # oneself
    assert s003.post("/windows/2/pause", {"reason": "其他", "stand_in": "S999"}).status_code == 400
    ok(s003.post("/windows/2/pause", {"reason": "其他"}))  # window 2 has no B post: nobody named
    with hall.db.read() as s:
        named = dict(s.execute(select(WindowPause.session_id, Staff.number)
                               .outerjoin(Staff, Staff.id == WindowPause.stand_in_staff_id)
                               .order_by(WindowPause.id)).all())
    assert list(named.values()) == ["S002", None]


def test_whom_the_console_offers_to_stand_in_when_pausing(hall, server, clock):
    """GET /windows/{n}/console's stand_ins: the window's other post (the B post first, the default when the one
    pausing holds A), then the colleagues of the departments it serves; leave and another window shown."""
    for name in ("S001", "S002", "S003", "S004"):
        hall.user(name, "clerk")
    api = {name: server.api(hall.login(name)) for name in ("S001", "S002", "S003", "S004")}
    ok(api["S003"].post("/windows/2/sign-in", {"post": "A"}))
    offered = ok(api["S001"].get("/windows/1/console"))["stand_ins"]
    assert offered == [
        {"number": "S002", "name": "李强", "post": "B", "department": "县公安局", "default": True, "on_leave": False,
         "window": None},
        {"number": "S003", "name": "张伟", "post": None, "department": "县公安局", "default": False,
         "on_leave": False, "window": 2}]
    # The B post asks: the A post is offered, no default (a B pausing names nobody by default).
    assert [(p["number"], p["post"], p["default"]) for p in ok(api["S002"].get("/windows/1/console"))["stand_ins"]] \
        == [("S001", "A", False), ("S003", None, False)]
    # Window 3 (市场监管, serving GA01 too): its departments' colleagues, both; S004 himself never.
    assert [p["number"] for p in ok(api["S004"].get("/windows/3/console"))["stand_ins"]] == ["S001", "S002", "S003"]
    # S002 on an approved morning's leave: still listed, marked.
    lid = ok(api["S002"].post("/leave", {"first_day": "2026-11-23", "last_day": "2026-11-23", "last_half": "am",
                                         "reason": "看病"}), 201)["id"]
    ok(api["S003"].post(f"/leave/{lid}/approve"))
    first = ok(api["S001"].get("/windows/1/console"))["stand_ins"][0]
    assert (first["number"], first["on_leave"], first["default"]) == ("S002", True, True)
    # The pause now open says whom it named.
    assert ok(api["S001"].get("/windows/1/console"))["pause_stand_in"] is None
    ok(api["S003"].post("/windows/2/pause", {"reason": "会议", "stand_in": "S004"}))
    assert ok(api["S003"].get("/windows/2/console"))["pause_stand_in"] == {"number": "S004", "name": "刘洋"}
    # Devices read the console without who is on leave or stands in.
    tv = ok(server.api(hall.token("display", "tv")).get("/windows/2/console"))
    assert tv["stand_ins"] == [] and tv["pause_stand_in"] is None
