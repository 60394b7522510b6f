"""Cases (办件) through their lives over HTTP, on both databases (issue 17, "Cases followed to their result").

The test hall (tests/halls/small.toml) works Mon-Fri, with 2026-12-24 (Thu) a holiday and 2026-12-26 (Sat) a
make-up workday (调休). Window 1 (GA) has S001 on A and S002 on B; window 2 (GA) S003; window 3 (SJ) S004.
"""
from __future__ import annotations

import datetime as dt

import pytest

from hallq.queue.settings import RatingSettings
from tests.conftest import Hall, local
from tests.helpers import clerk_api, issue
from tests.queue.web.test_api import assert_error


@pytest.fixture
def hall(db, clock):
    # S004 (window 3) is the 市场监管 (SJ) department's chief representative.
    return Hall(db, clock, ratings=RatingSettings(chiefs={"SJ": "S004"}))


@pytest.fixture
def people(hall, server):
    kiosk = server.api(hall.token("kiosk", "k1"))
    at_1 = clerk_api(hall, server, "S001", window=1)
    at_2 = clerk_api(hall, server, "S003", window=2)
    hall.user("S004", "clerk")
    hall.user("S005", "clerk")
    hall.user("boss", "supervisor")
    return kiosk, at_1, at_2


def relogin(hall, server, username):
    """A fresh token (staff tokens end after an idle time; the tests move the clock by days)."""
    return server.api(hall.login(username))


def accept(kiosk, clerk, window: int, service="GA01", **finish) -> dict:
    ticket = issue(kiosk, service)
    r = clerk.post(f"/windows/{window}/call", {"ticket": ticket["number"]})
    assert r.status_code == 200, r.text
    r = clerk.post(f"/windows/{window}/finish", finish)
    assert r.status_code == 200, r.text
    return ticket


def test_a_promised_case_is_opened_by_the_finish_due_in_working_days_and_finished_once(hall, server, people,
                                                                                        clock):
    kiosk, at_1, _ = people
    t = accept(kiosk, at_1, 1, "GA02", outcome="promised", promised_days=10)
    case = at_1.get(f"/cases/{t['id']}").json()
    # Mon 23 Nov + 10 working days, over two weekends: Mon 7 Dec.
    assert (case["kind"], case["status"], case["window"], case["due_on"]) == ("promised", "open", 1, "2026-12-07")
    assert case["working_days_left"] == 10 and not case["due_soon"] and case["log"][0]["action"] == "opened"
    immediate = accept(kiosk, at_1, 1, outcome="immediate")
    assert_error(at_1.get(f"/cases/{immediate['id']}"), 409, "case_unknown")  # 即办件 opens no case
    r = at_1.post(f"/cases/{t['id']}/completion", {"completed_on": "2026-11-23", "note": "已发证"})
    assert r.status_code == 201, r.text
    assert (r.json()["status"], r.json()["completed_on"]) == ("done", "2026-11-23")
    # The public page now says the result is ready.
    public = server.api(None).get(f"/t/{t['token']}").json()
    assert public["case"]["result_ready"] is True and public["case"]["kind"] == "promised"


def test_due_dates_skip_a_holiday_and_count_a_make_up_saturday(hall, server, people, clock):
    kiosk, *_ = people
    clock.set(local(2026, 12, 23, 10, 0))  # Wed; Thu 24 is a holiday, Sat 26 a make-up workday
    at_3 = server.api(hall.login("S004"))
    assert at_3.post("/windows/3/sign-in", {"post": "A"}).status_code == 200
    t = accept(kiosk, at_3, 3, "SJ01", outcome="promised", promised_days=3)
    case = at_3.get(f"/cases/{t['id']}").json()
    assert case["due_on"] == "2026-12-28"  # Fri 25, Sat 26 (调休), Mon 28
    assert case["working_days_left"] == 3
    clock.set(local(2026, 12, 26, 10, 0))  # the make-up Saturday: one working day left, so warned
    case = relogin(hall, server, "S004").get(f"/cases/{t['id']}").json()
    assert (case["working_days_left"], case["due_soon"]) == (1, True)


def test_warnings_delay_reason_and_escalation_after_three_working_days(hall, server, people, clock):
    kiosk, at_1, _ = people
    t = accept(kiosk, at_1, 1, "GA02", outcome="promised", promised_days=2)  # due Wed 25 Nov
    sweep = server.app.extensions["hallq.sweep"]
    clock.set(local(2026, 11, 24, 10, 0))
    at_1 = relogin(hall, server, "S001")
    soon = at_1.get("/cases?standing=due_soon").json()
    assert [c["number"] for c in soon] == [t["number"]]  # warned on the window's list
    assert at_1.get("/cases?standing=overdue").json() == []
    assert_error(at_1.post(f"/cases/{t['id']}/delay-reason", {"reason": "x"}), 409, "case_not_overdue")
    clock.set(local(2026, 11, 27, 10, 0))  # Fri: two working days past Wed
    boss = relogin(hall, server, "boss")
    overdue = boss.get("/cases?standing=overdue").json()
    assert [(c["number"], c["days_overdue"], c["escalated"]) for c in overdue] == [(t["number"], 2, False)]
    sweep()
    assert boss.get("/alerts").json() == [] or all(a["kind"] != "case_overdue" for a in boss.get("/alerts").json())
    # Finishing it late needs the delay reason.
    at_1 = relogin(hall, server, "S001")
    assert_error(at_1.post(f"/cases/{t['id']}/completion", {"completed_on": "2026-11-27"}), 400,
                 "delay_reason_required")
    r = at_1.post(f"/cases/{t['id']}/delay-reason", {"reason": "等待省厅系统恢复"})
    assert r.status_code == 200 and r.json()["delay_reason"] == "等待省厅系统恢复"
    clock.set(local(2026, 11, 30, 10, 0))  # Mon: three working days past (Thu, Fri, Mon)
    sweep()
    boss = relogin(hall, server, "boss")
    alerts = [a for a in boss.get("/alerts").json() if a["kind"] == "case_overdue"]
    assert len(alerts) == 1 and alerts[0]["data"]["number"] == t["number"] and alerts[0]["data"]["days_overdue"] == 3
    assert "等待省厅系统恢复" in alerts[0]["data"]["text"]
    assert [c["number"] for c in boss.get("/cases?standing=escalated").json()] == [t["number"]]
    sweep()  # once: a second sweep raises nothing new
    assert len([a for a in boss.get("/alerts").json() if a["kind"] == "case_overdue"]) == 1
    case = boss.get(f"/cases/{t['id']}").json()
    assert [e["action"] for e in case["log"]] == ["opened", "delay_reason", "escalated"]
    # Finished: the alert ends at the next sweep.
    assert relogin(hall, server, "S001").post(f"/cases/{t['id']}/completion",
                                             {"completed_on": "2026-11-30"}).status_code == 201
    sweep()
    alert = next(a for a in boss.get("/alerts").json() if a["kind"] == "case_overdue")
    assert alert["ongoing"] is False


def test_completion_is_refused_to_the_wrong_people_and_corrections_are_logged(hall, server, people):
    kiosk, at_1, at_2 = people
    t = accept(kiosk, at_1, 1, "GA02", outcome="promised", promised_days=10)
    done = {"completed_on": "2026-11-23"}
    r = assert_error(at_2.post(f"/cases/{t['id']}/completion", done), 403, "case_not_yours")
    assert "1号窗口" in r["message"]
    assert_error(server.api(hall.login("S004")).post(f"/cases/{t['id']}/completion", done), 403,
                 "case_not_yours")  # SJ's chief: a GA case
    assert_error(server.api(hall.login("S005")).post(f"/cases/{t['id']}/completion", done), 403, "case_not_yours")
    assert_error(kiosk.post(f"/cases/{t['id']}/completion", done), 403, "forbidden")
    hall.user("S002", "clerk")
    b_post = server.api(hall.login("S002"))  # window 1's B post
    assert b_post.post(f"/cases/{t['id']}/completion", done).status_code == 201
    # Entered once; a correction says why, and the log keeps who, when, before and after.
    assert_error(at_1.post(f"/cases/{t['id']}/completion", {"completed_on": "2026-11-23"}), 400, "invalid_input")
    boss = server.api(hall.login("boss"))
    r = boss.post(f"/cases/{t['id']}/completion", {"completed_on": "2026-11-23", "note": "证件已制成",
                                                    "reason": "补记备注"})
    assert r.status_code == 200, r.text
    change = r.json()["log"][-1]
    assert change["action"] == "corrected" and change["actor"] == "user:boss" and change["note"] == "补记备注"
    assert change["before"] == {"completed_on": "2026-11-23", "note": None}
    assert change["after"] == {"completed_on": "2026-11-23", "note": "证件已制成"}
    assert change["at"]


def test_a_joint_case_with_two_departments_each_task_its_own_date(hall, server, people):
    kiosk, at_1, _ = people
    t = accept(kiosk, at_1, 1, "GA01", outcome="joint", departments=["SJ"], promised_days=5)
    case = at_1.get(f"/cases/{t['id']}").json()
    assert case["due_on"] == "2026-11-30"
    assert [(x["department"], x["role"], x["due_on"]) for x in case["tasks"]] == [
        ("GA", "lead", "2026-11-30"), ("SJ", "assist", "2026-11-30")]
    sj_task = case["tasks"][1]["id"]
    chief = server.api(hall.login("S004"))  # SJ's chief representative records SJ's part
    r = chief.post(f"/cases/{t['id']}/tasks/{sj_task}", {"due_on": "2026-11-26", "done_on": "2026-11-23"})
    assert r.status_code == 200, r.text
    assert [(x["department"], x["due_on"], x["done_on"]) for x in r.json()["tasks"]] == [
        ("GA", "2026-11-30", None), ("SJ", "2026-11-26", "2026-11-23")]
    public = server.api(None).get(f"/t/{t['token']}").json()["case"]
    assert [(d["name"], d["role"], d["done"]) for d in public["departments"]] == [
        ("县公安局", "lead", False), ("县市场监督管理局", "assist", True)]


def test_a_supplement_waits_for_its_materials_then_runs_its_promised_time(hall, server, people, clock):
    kiosk, at_1, _ = people
    t = accept(kiosk, at_1, 1, "GA02", outcome="supplement", missing_materials=["准迁证原件", "户口簿"])
    case = at_1.get(f"/cases/{t['id']}").json()
    assert (case["status"], case["due_on"], case["details"]["materials_due"]) == ("waiting", None, "2026-12-07")
    public = server.api(None).get(f"/t/{t['token']}").json()["case"]
    assert public["missing_materials"] == ["准迁证原件", "户口簿"] and public["window"] == 1
    assert_error(at_1.post(f"/cases/{t['id']}/completion", {"completed_on": "2026-11-23"}), 409, "case_waiting")
    clock.set(local(2026, 11, 25, 10, 0))
    at_1 = relogin(hall, server, "S001")
    r = at_1.post(f"/cases/{t['id']}/materials", {"note": "材料已补齐"})
    assert (r.json()["status"], r.json()["due_on"]) == ("open", "2026-12-09")  # GA02: 10 working days


def test_forwarded_and_rejected_cases(hall, server, people):
    kiosk, at_1, _ = people
    up = accept(kiosk, at_1, 1, "GA02", outcome="forwarded", forwarded_to="市公安局户政支队", promised_days=15)
    r = at_1.post(f"/cases/{up['id']}/chase", {"note": "电话催办"})
    assert r.status_code == 200 and r.json()["details"]["chased"] == ["2026-11-23"]
    assert r.json()["details"]["forwarded_to"] == "市公安局户政支队"
    no = accept(kiosk, at_1, 1, "GA02", outcome="rejected", note="不符合迁入条件")
    case = at_1.get(f"/cases/{no['id']}").json()
    assert (case["status"], case["completed_on"]) == ("done", "2026-11-23")
    public = server.api(None).get(f"/t/{no['token']}").json()["case"]
    assert public["reason"] == "不符合迁入条件" and "行政复议" in public["remedies"] and "行政诉讼" in public["remedies"]
    assert public["result_ready"] is False
    assert_error(at_1.post(f"/cases/{no['id']}/chase", {}), 409, "case_not_forwarded")


def test_the_result_is_handed_out_once_and_the_citizen_sees_when_by_whom_to_whom(hall, server, people):
    kiosk, at_1, _ = people
    t = accept(kiosk, at_1, 1, "GA02", outcome="promised", promised_days=10)
    assert_error(at_1.post(f"/cases/{t['id']}/delivery", {"to": "赵敏华"}), 409, "case_not_ready")
    assert at_1.post(f"/cases/{t['id']}/completion", {"completed_on": "2026-11-23"}).status_code == 201
    r = at_1.post(f"/cases/{t['id']}/delivery", {"to": "赵敏华"})
    assert r.status_code == 200 and r.json()["status"] == "delivered" and r.json()["delivered_by"] == "王芳"
    assert r.json()["delivered_to"] == "赵**"  # masked, even to staff
    public = server.api(None).get(f"/t/{t['token']}").json()["case"]
    assert (public["status"], public["delivered_by"], public["delivered_to"]) == ("delivered", "王芳", "赵**")
    assert public["delivered_at"]
    assert_error(at_1.post(f"/cases/{t['id']}/delivery", {"to": "赵敏华"}), 409, "case_delivered")


def test_the_list_a_clerk_sees_is_their_own(hall, server, people):
    kiosk, at_1, at_2 = people
    mine = accept(kiosk, at_1, 1, "GA02", outcome="promised", promised_days=10)
    theirs = accept(kiosk, at_2, 2, "GA02", outcome="promised", promised_days=10)
    assert [c["number"] for c in at_1.get("/cases").json()] == [mine["number"]]
    assert [c["number"] for c in at_2.get("/cases").json()] == [theirs["number"]]
    boss = server.api(hall.login("boss"))
    assert sorted(c["number"] for c in boss.get("/cases").json()) == sorted([mine["number"], theirs["number"]])
    assert [c["number"] for c in boss.get("/cases?window=2").json()] == [theirs["number"]]
    assert_error(boss.get("/cases?standing=soon"), 400)
    assert_error(kiosk.get("/cases"), 403)


def test_a_returning_citizen_checks_in_by_qr_or_id_and_is_called_before_new_arrivals(hall, server, people, clock):
    from tests.kiosk.kit import id_number
    kiosk, at_1, _ = people
    person = id_number(dt.date(1980, 1, 2))
    first = issue(kiosk, "GA02", id_number=person)
    assert at_1.post("/windows/1/call", {"ticket": first["number"]}).status_code == 200
    assert at_1.post("/windows/1/finish", {"outcome": "supplement", "missing_materials": ["户口簿"]}).status_code == 200
    ready = accept(kiosk, at_1, 1, "GA02", outcome="promised", promised_days=10)
    assert_error(kiosk.post("/kiosk/returns", {"scanned": f"{server.url}/t/{ready['token']}"}), 409,
                 "case_in_progress")  # nothing to bring yet, nothing to collect
    assert_error(kiosk.post("/kiosk/returns", {"scanned": "no-such-token"}), 404, "case_not_found")
    assert_error(kiosk.post("/kiosk/returns", {}), 400)
    assert_error(at_1.post("/kiosk/returns", {"scanned": ready["token"]}), 403)

    clock.set(local(2026, 11, 24, 10, 0))  # the next day: others arrive first
    kiosk = server.api(hall.token("kiosk", "k2"))
    early = issue(kiosk, "GA02")
    r = kiosk.post("/kiosk/returns", {"id_number": person})  # with the materials, by ID number
    assert r.status_code == 201, r.text
    back = r.json()
    assert back["windows"] == [1] and back["number"] != early["number"]
    assert_error(kiosk.post("/kiosk/returns", {"id_number": person}), 409, "already_waiting")
    at_1 = relogin(hall, server, "S001")
    assert at_1.post("/windows/1/sign-in", {"post": "A"}).status_code == 200
    called = at_1.post("/windows/1/call-next").json()
    assert called["number"] == back["number"]  # before the day's earlier arrival: the first ticket's place
    log = at_1.get(f"/cases/{first['id']}").json()["log"]
    assert log[-1]["action"] == "returned" and log[-1]["after"] == {"ticket": back["number"], "for": "materials"}


def test_result_ready_goes_to_the_notification_hook_once(hall, server, people):
    """hallq.cases.notify.result_ready is the one place "办理结果已可领取" is sent: on the first completion,
    never again on a correction."""
    from sqlalchemy import select

    from hallq.cases.models import Case
    kiosk, at_1, _ = people
    t = accept(kiosk, at_1, 1, "GA02", outcome="promised", promised_days=10)
    with hall.db.read() as s:
        assert s.scalar(select(Case.notified_at).where(Case.ticket_id == t["id"])) is None
    assert at_1.post(f"/cases/{t['id']}/completion", {"completed_on": "2026-11-23"}).status_code == 201
    with hall.db.read() as s:
        sent = s.scalar(select(Case.notified_at).where(Case.ticket_id == t["id"]))
    assert sent is not None
    hall.clock.advance(minutes=5)
    r = at_1.post(f"/cases/{t['id']}/completion", {"completed_on": "2026-11-23", "reason": "备注更正", "note": "x"})
    assert r.status_code == 200, r.text
    with hall.db.read() as s:
        assert s.scalar(select(Case.notified_at).where(Case.ticket_id == t["id"])) == sent
