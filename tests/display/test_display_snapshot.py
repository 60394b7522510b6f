"""What a display's snapshot says about calls and next tickets, on SQLite and PostgreSQL.

`recent_calls[].serving` says whether a call still stands (the ticket still at that
window), so a TV's "now calling" panel drops a finished ticket; with `prepare_next`
(the hall's or the profile's) each open window carries the ticket it will call next.
"""
from __future__ import annotations

from hallq.display import profiles
from hallq.queue.halls import hall_context
from hallq.queue.settings import DisplayProfile
from tests.conftest import Hall
from tests.helpers import clerk_api, issue, wait_for


def snapshot_of(server, token: str) -> dict:
    client = server.socket(token)
    try:
        return wait_for(client, "snapshot", timeout=30)
    finally:
        client.disconnect()


def test_a_call_stands_until_its_ticket_leaves_the_window(hall, server):
    kiosk = server.api(hall.token("kiosk", "k1"))
    for _ in range(3):
        issue(kiosk, "GA01")
    one = clerk_api(hall, server, "S001", 1)
    first = one.post("/windows/1/call-next").json()
    assert one.post("/windows/1/recall").status_code == 200
    calls = snapshot_of(server, hall.token("display", "lobby"))["recent_calls"]
    assert [(c["number"], c["kind"], c["serving"]) for c in calls] == [(first["number"], "recalled", True),
                                                                         (first["number"], "called", True)]
    assert all(c["id"] == first["id"] for c in calls)
    assert one.post("/windows/1/finish", {"outcome": "immediate"}).status_code == 200
    second = one.post("/windows/1/call-next").json()
    assert one.post("/windows/1/hold").status_code == 200
    calls = snapshot_of(server, hall.token("display", "lobby"))["recent_calls"]
    assert [(c["number"], c["serving"]) for c in calls] == [(second["number"], False), (first["number"], False),
                                                              (first["number"], False)]


def test_prepare_next_names_what_each_open_window_calls_next(db, clock):
    hall = Hall(db, clock, prepare_next=True,
                displays=[DisplayProfile(name="quiet", title="安静", windows=[1], prepare_next=False)])
    for _ in range(2):
        hall.issue("GA01")
    hall.issue("SJ01")
    hall.clerk("S001", 1)
    hall.clerk("S004", 3)
    with hall.uow() as uow:
        ctx = hall_context(uow.session, hall.id)
        snap = profiles.display_snapshot(uow.session, ctx, clock(), profiles.resolve(uow.session, ctx, "lobby"))
        quiet_snap = profiles.display_snapshot(uow.session, ctx, clock(), profiles.resolve(uow.session, ctx, "quiet"))
    assert snap["display"]["prepare_next"] is True and quiet_snap["display"]["prepare_next"] is False
    nexts = {w["number"]: w.get("next") for w in snap["windows"]}
    # Window 1 serves GA01 first: A001; window 3 serves SJ01 then GA01: B001; 2 and 4 are closed.
    assert nexts == {1: "A001", 2: None, 3: "B001", 4: None}
    assert all("next" not in w for w in quiet_snap["windows"])

