"""The duty manager's alerts are never lost (issue 16): stored on the server, shown to every duty screen that
connects (later ones by the `alerts.snapshot` they get as they join the supervisors' room), acknowledged once by
a named person, and the kiosk that called for help is told. Real server, real Socket.IO clients, both databases.
The housekeeping tick (app.extensions["hallq.sweep"]) is driven by the test at the test's clock: no sleeping.
"""
from __future__ import annotations

from hallq.queue import alerts
from hallq.queue.unstaffed import watch_windows
from tests.conftest import local
from tests.helpers import clerk_api, issue, wait_for


def duty_screen(hall, server, username: str):
    """A duty screen's socket: a supervisor's, joined to the supervisors' room as duty.js does."""
    client = server.socket(hall.login(username))
    assert client.call("join", {"room": "supervisors"}, timeout=30) == {"ok": True, "room": "supervisors"}
    return client


def test_a_call_for_help_with_no_duty_screen_open_is_seen_by_later_screens_and_acknowledged_once(hall, server):
    kiosk_screen = server.socket(hall.token("kiosk", "k1"))  # the kiosk's page, listening for the answer
    kiosk = server.api(hall.token("kiosk", "k1"))
    other_kiosk = server.socket(hall.token("kiosk", "k2"))
    alert = kiosk.post("/kiosk/help", {"screen": "items"}).json()["alert"]  # nobody's duty screen is open
    assert kiosk.get("/kiosk/state").json()["help"]["acknowledged_at"] is None

    hall.user("S004", "supervisor")
    hall.user("S005", "supervisor")
    first = duty_screen(hall, server, "S004")
    second = duty_screen(hall, server, "S005")
    for screen in (first, second):
        [seen] = wait_for(screen, "alerts.snapshot", timeout=30)["alerts"]
        assert (seen["id"], seen["kind"], seen["subject"], seen["acked_at"]) == (alert, "help", "kiosk:k1", None)
        assert seen["data"] == {"kiosk": "k1", "screen": "items"}

    boss = server.api(hall.login("S004"))
    r = boss.post(f"/alerts/{alert}/acknowledge")
    assert r.status_code == 200 and r.json()["acked_by"] == "刘洋（S004）" and r.json()["acked_at"]
    for screen in (first, second):  # both screens hear it was seen to, and by whom
        assert wait_for(screen, "alert.acknowledged", timeout=30)["acked_by"] == "刘洋（S004）"
    again = server.api(hall.login("S005")).post(f"/alerts/{alert}/acknowledge")
    assert again.status_code == 409 and again.json()["error"] == "alert_acknowledged"
    assert "刘洋（S004）" in again.json()["message"]

    # The kiosk is told someone is coming, live and in its state (a page reloaded since asks that).
    assert wait_for(kiosk_screen, "kiosk.help.acknowledged", timeout=30)["kiosk"] == "k1"
    assert kiosk.get("/kiosk/state").json()["help"]["acknowledged_at"]
    assert [e for e, _ in other_kiosk.received if e == "kiosk.help.acknowledged"] == []

    # A screen opened later still shows it, acknowledged, by whom.
    hall.user("S006", "supervisor")
    [later] = wait_for(duty_screen(hall, server, "S006"), "alerts.snapshot", timeout=30)["alerts"]
    assert (later["id"], later["acked_by"], later["ongoing"]) == (alert, "刘洋（S004）", False)
    assert server.api(hall.login("S006")).get("/alerts").json()[0]["id"] == alert


def test_raising_an_ongoing_alert_again_does_not_duplicate_it(hall, clock):
    first, new = hall.run(alerts.raise_alert, hall.id, "complaint", "complaint:7", clock(), {"n": 1})
    again, new_again = hall.run(alerts.raise_alert, hall.id, "complaint", "complaint:7", clock(), {"n": 2})
    assert new and not new_again and again.id == first.id
    assert hall.run(alerts.end_alert, hall.id, "complaint", "complaint:7", clock()) is not None
    third, new_third = hall.run(alerts.raise_alert, hall.id, "complaint", "complaint:7", clock())
    assert new_third and third.id != first.id  # the condition came back: a new alert
    with hall.db.read() as s:
        assert [a.subject for a in alerts.screen_alerts(s, hall.id, clock())] == ["complaint:7", "complaint:7"]


def test_a_window_left_unstaffed_with_tickets_waiting_raises_an_alert_within_a_minute(hall, server, clock):
    """Window 4 alone serves MZ01 (small.toml); nobody signs in there while citizens wait for it."""
    hall.user("S004", "supervisor")
    screen = duty_screen(hall, server, "S004")
    kiosk = server.api(hall.token("kiosk", "k1"))
    clerk = clerk_api(hall, server, "S001", window=1)  # window 1 staffed: its items' tickets are fine
    issue(kiosk, "GA01")
    sweep = server.app.extensions["hallq.sweep"]
    sweep()
    with hall.db.read() as s:
        assert alerts.ongoing_subjects(s, hall.id, alerts.UNSTAFFED) == set()

    waiting = issue(kiosk, "MZ01")
    clock.advance(seconds=10)  # the server's next tick, SWEEP_SECONDS on
    sweep()
    raised = wait_for(screen, "alert.raised", lambda d: d["kind"] == "unstaffed", timeout=30)
    assert raised["subject"] == "window:4" and raised["data"]["waiting"] == 1
    assert raised["data"]["status"] == "closed" and raised["data"]["services"] == ["MZ01"]
    clock.advance(seconds=10)
    sweep()  # still unstaffed: the same alert, not a second one
    with hall.db.read() as s:
        assert [a.subject for a in alerts.screen_alerts(s, hall.id, clock()) if a.kind == "unstaffed"] == ["window:4"]

    # Staffed again, and the alert ends at the next tick; a pause with people waiting raises it again.
    window4 = clerk_api(hall, server, "S003", window=4)
    sweep()
    assert wait_for(screen, "alert.ended", timeout=30)["subject"] == "window:4"
    assert window4.post("/windows/4/pause", {"reason": "开会"}).status_code == 200
    clock.advance(seconds=10)
    sweep()
    paused = wait_for(screen, "alert.raised", lambda d: d["kind"] == "unstaffed" and d["id"] != raised["id"],
                      timeout=30)
    assert paused["data"]["status"] == "paused"
    assert waiting["number"] and clerk.get("/me").status_code == 200


def test_no_unstaffed_alert_outside_opening_hours(hall, clock):
    hall.issue("MZ01")
    clock.set(local(2026, 11, 23, 12, 30))  # the lunch break
    assert hall.run(watch_windows, hall.id, clock()) == []
    clock.set(local(2026, 11, 23, 14, 5))
    assert hall.run(watch_windows, hall.id, clock()) == [4]


def test_a_device_in_trouble_and_a_failed_print_are_alerts_until_they_end(hall, clock):
    from hallq import protocol as m
    from hallq.queue import device_states

    def report(state):
        hall.run(device_states.report, hall.id, "agent-1", m.DeviceStatus(kind="printer", name="k1", state=state),
                 clock())

    report("near_end")
    report("paper_out")  # worse: a new alert, the first ended
    report("paper_out")
    with hall.db.read() as s:
        rows = [(a.data["state"], a.level, a.open_key is not None) for a in alerts.screen_alerts(s, hall.id, clock())]
    assert rows == [("paper_out", "bad", True), ("near_end", "warn", False)]
    report("ok")
    with hall.db.read() as s:
        assert alerts.ongoing_subjects(s, hall.id, alerts.DEVICE) == set()


def test_a_bad_review_and_its_overdue_follow_up_are_alerts_until_the_case_is_closed(hall, server, clock):
    hall.user("S004", "supervisor")
    screen = duty_screen(hall, server, "S004")
    boss = server.api(hall.login("S004"))
    kiosk = server.api(hall.token("kiosk", "k1"))
    clerk = clerk_api(hall, server, "S001", window=1)
    pad = server.api(hall.token("evaluator", "e1", window=1))
    ticket = issue(kiosk)
    assert clerk.post("/windows/1/call-next").status_code == 200
    assert clerk.post("/windows/1/finish", {"outcome": "immediate"}).status_code == 200
    assert pad.post("/ratings", {"ticket": ticket["id"], "level": 1, "reasons": ["attitude"],
                                 "channel": "pad"}).status_code == 201
    review = wait_for(screen, "alert.raised", lambda d: d["kind"] == "bad_review", timeout=30)
    assert (review["data"]["number"], review["data"]["window"], review["data"]["level"]) == (ticket["number"], 1, 1)
    case = review["data"]["followup"]

    sweep = server.app.extensions["hallq.sweep"]
    # A week on: sign-ins of a week ago have ended (the sweep closes their sockets), so a new screen and sign-in.
    clock.set(local(2026, 11, 30, 10, 0))  # due Monday 11-30 (5 working days): not overdue on its due day
    sweep()
    clock.set(local(2026, 12, 1, 10, 0))
    screen = duty_screen(hall, server, "S004")
    boss = server.api(hall.login("S004"))
    sweep()
    overdue = wait_for(screen, "alert.raised", lambda d: d["kind"] == "followup_overdue", timeout=30)
    assert overdue["subject"] == f"followup:{case}" and overdue["data"]["due_date"] == "2026-11-30"
    sweep()  # overdue still: no second alert
    assert boss.post(f"/followups/{case}/callback", {"result": "已致歉", "reached": True}).status_code == 200
    assert boss.post(f"/followups/{case}/rectification", {"text": "加强培训"}).status_code == 200
    assert boss.post(f"/followups/{case}/close", {}).status_code == 200
    sweep()
    assert wait_for(screen, "alert.ended", lambda d: d["kind"] == "followup_overdue", timeout=30)["id"] == overdue["id"]
    # The bad review of a week ago is still shown (never acknowledged), and the overdue case once.
    kinds = [a["kind"] for a in boss.get("/alerts").json()]
    assert kinds.count("followup_overdue") == 1 and kinds.count("bad_review") == 1
