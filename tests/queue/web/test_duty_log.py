"""The duty log (值班日志) over HTTP on both databases: the opening check against opening time less 15
minutes (seed 004 值班长), checks, incidents, handover, then kept: only corrections; who writes and reads."""
from __future__ import annotations

from tests.conftest import local


def test_the_duty_log_from_opening_check_to_handover_and_corrections(hall, server, clock):
    hall.user("S004", "supervisor")
    hall.user("S005", "supervisor")
    hall.user("root", "admin")
    boss = server.api(hall.login("S004"))
    clock.set(local(2026, 11, 23, 8, 50))  # 10 minutes before opening: short of the 15
    r = boss.post("/duty-log/entries", {"kind": "opening", "text": "设备已开机"})
    assert r.status_code == 201, r.text
    assert r.json()["data"] == {"opening_at": "2026-11-23T01:00:00Z", "minutes_before": 10, "on_time": False}
    assert boss.post("/duty-log/entries", {"kind": "opening"}).json()["error"] == "duty_log_opening_recorded"
    bad = boss.post("/duty-log/entries", {"kind": "safety", "checks": {"fire": "ok"}})
    assert bad.status_code == 400
    problem = {"electricity": "ok", "fire": "ok", "water": "problem", "theft": "ok"}
    assert boss.post("/duty-log/entries", {"kind": "safety", "checks": problem}).status_code == 400  # say what
    assert boss.post("/duty-log/entries", {"kind": "safety", "checks": problem,
                                            "text": "卫生间漏水，已报物业"}).status_code == 201
    assert boss.post("/duty-log/entries", {"kind": "incident", "text": "争吵"}).status_code == 400  # how handled?
    incident = boss.post("/duty-log/entries", {"kind": "incident", "text": "争吵", "handling": "劝解"}).json()
    assert boss.post("/duty-log/entries", {"kind": "opinion_forms", "handed_out": 20, "collected": 12}).status_code == 201

    # Read by supervisors and admins; written by the duty manager (supervisors) alone.
    admin = server.api(hall.login("root"))
    log = admin.get("/duty-log").json()
    assert [e["kind"] for e in log["entries"]] == ["opening", "safety", "incident", "opinion_forms"]
    assert log["may_write"] is False and log["started_by"] == "刘洋（S004）"
    assert admin.post("/duty-log/entries", {"kind": "note", "text": "x"}).status_code == 403

    assert boss.post("/duty-log/handover", {"to": "root"}).json()["error"] == "duty_handover_not_duty"
    handed = boss.post("/duty-log/handover", {"to": "S005", "note": "漏水待修"})
    assert handed.status_code == 200, handed.text
    assert handed.json()["to"] == "陈静（S005）"
    assert boss.post("/duty-log/handover", {"to": "S005"}).status_code == 409
    assert boss.post("/duty-log/entries", {"kind": "note", "text": "补"}).json()["error"] == "duty_log_handed_over"
    fix = boss.post("/duty-log/entries", {"kind": "correction", "corrects": incident["id"], "text": "是咨询，不是争吵"})
    assert fix.status_code == 201 and fix.json()["corrects"] == incident["id"]
    log = boss.get("/duty-log?day=2026-11-23").json()
    assert log["handover"]["to"] == "陈静（S005）" and log["entries"][2]["text"] == "争吵"  # the original stays
    assert log["entries"][-1]["kind"] == "correction"

    # The next day's log says whom it was received from.
    clock.set(local(2026, 11, 24, 8, 40))
    nxt = server.api(hall.login("S005"))
    assert nxt.post("/duty-log/entries", {"kind": "opening"}).json()["data"]["on_time"] is True
    received = nxt.get("/duty-log").json()["received_from"]
    assert received == {"day": "2026-11-23", "by": "刘洋（S004）", "to": "陈静（S005）", "note": "漏水待修"}
    assert nxt.get("/duty-log?day=2026-02-30").status_code == 400
