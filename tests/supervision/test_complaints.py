"""The complaint register through a complaint's whole life, over real HTTP on both databases (issue 16).

seed 004 投诉处理制度: registered, forwarded with a deadline in working days (over a weekend; over a holiday and
a 调休 Saturday), the reply, the result reported back, re-verified when the complainant is not satisfied, the
return visit, closed as verified (an assessment record, the complaint its evidence) or unfounded. seed 002
第十三条（五）: a late reply costs −4 a working day on the maiji_window scheme. 考核办法 第十五条: two
verified complaints in a row against one person raise 立即调离. The complainant is whole for the supervision
office alone.
"""
from __future__ import annotations

import pytest

from hallq.queue.settings import ComplaintSettings, RatingSettings
from tests.conftest import Hall, local

PHONE = "13812345678"
NAME = "赵敏华"


@pytest.fixture
def hall(db, clock):
    # GA's chief representative is S003: the department's own account. Replies are due in 2 working days.
    return Hall(db, clock, ratings=RatingSettings(chiefs={"GA": "S003"}),
                complaints=ComplaintSettings(reply_working_days=2))


@pytest.fixture
def people(hall, server):
    """Signs everyone in (call it after setting the clock: a staff token ends after its idle time)."""
    hall.user("duban", "supervisor")
    hall.user("admin", "admin")
    hall.user("S001", "clerk")
    hall.user("S003", "clerk")
    return lambda: {who: server.api(hall.login(name)) for who, name in
                    (("office", "duban"), ("admin", "admin"), ("clerk", "S001"), ("chief", "S003"))}


def ok(r, status=200):
    assert r.status_code == status, r.text
    return r.json()


def register(office, **extra):
    body = {"channel": "phone", "name": NAME, "contact": PHONE, "content": "窗口工作人员态度生硬，材料一次没说清",
            "window": 1, "staff": "S001", **extra}
    return ok(office.post("/complaints", body), 201)


def test_a_complaint_through_its_life_with_a_deadline_over_the_weekend(hall, people, clock):
    clock.set(local(2026, 11, 27, 9, 30))  # a Friday
    office = people()["office"]
    c = register(office)
    assert c["status"] == "registered" and c["department"]["code"] == "GA"  # window 1's department
    assert c["complainant"] == {"name": NAME, "contact": PHONE, "masked": False}
    c = ok(office.post(f"/complaints/{c['id']}/forward", {"note": "请3日内核实答复"}))
    # Two working days after Friday: Monday, Tuesday.
    assert c["status"] == "forwarded" and c["due_date"] == "2026-12-01" and not c["overdue"]
    clock.set(local(2026, 12, 1, 17, 0))
    office = people()["office"]  # a new day, a new sign-in
    assert [x["id"] for x in ok(office.get("/complaints?due=true"))] == [c["id"]]
    clock.set(local(2026, 12, 2, 9, 0))  # Wednesday: a working day past the deadline
    office = people()["office"]
    assert [x["id"] for x in ok(office.get("/complaints?overdue=true"))] == [c["id"]]
    assert ok(office.get(f"/complaints/{c['id']}"))["days_late"] == 1
    c = ok(office.post(f"/complaints/{c['id']}/reply", {"text": "已批评教育，当面致歉", "person": "公安局 李科长"}))
    reply = c["steps"][-1]
    assert (reply["kind"], reply["days_late"], reply["person"]) == ("replied", 1, "公安局 李科长")
    # The default scheme (county_window) does not count late replies: no record.
    assert reply["record"] is None
    c = ok(office.post(f"/complaints/{c['id']}/report", {"satisfied": False, "text": "投诉人认为致歉不够"}))
    assert c["status"] == "reported"
    # Not satisfied: back to the department, on a new deadline (Wednesday + 2 working days).
    c = ok(office.post(f"/complaints/{c['id']}/reverify", {"note": "请调取录像重新核实"}))
    assert c["status"] == "forwarded" and c["due_date"] == "2026-12-04"
    c = ok(office.post(f"/complaints/{c['id']}/reply", {"text": "录像显示确有推诿"}))
    assert c["steps"][-1]["days_late"] == 0
    c = ok(office.post(f"/complaints/{c['id']}/report", {"satisfied": True, "text": "投诉人接受处理结果"}))
    # Closing needs a return visit first.
    r = office.post(f"/complaints/{c['id']}/close", {"outcome": "verified", "reason": "录像证实"})
    assert r.status_code == 409 and r.json()["error"] == "complaint_visit_missing"
    clock.set(local(2026, 12, 3, 15, 0))
    office = people()["office"]  # a new day, a new sign-in
    c = ok(office.post(f"/complaints/{c['id']}/visit", {"text": "回访：满意", "satisfied": True}))
    c = ok(office.post(f"/complaints/{c['id']}/close", {"outcome": "verified", "reason": "录像证实工作人员推诿"}))
    assert (c["status"], c["outcome"]) == ("closed", "verified") and c["record"]
    kinds = [s["kind"] for s in c["steps"]]
    assert kinds == ["registered", "forwarded", "replied", "reported", "reverify", "replied", "reported", "visit",
                     "closed"]
    assert all(s["actor"] == "user:duban" and s["at"] for s in c["steps"])
    # The verified complaint is an assessment record on the county scheme's verified-complaint line,
    # the complaint its evidence, nothing retyped; the complainant is not in it.
    records = ok(office.get("/assessment/records?month=2026-12"))
    record = next(r for r in records if r["id"] == c["record"])
    assert (record["item"], record["kind"], record["window"], record["staff"]["number"]) == \
        ("verified_complaint", "verified_complaint", 1, "S001")
    assert f"投诉登记第{c['id']}号" in record["evidence"] and "态度生硬" in record["evidence"]
    assert NAME not in record["evidence"] and PHONE not in record["evidence"]
    # A step out of order is refused, not a 500.
    r = office.post(f"/complaints/{c['id']}/reply", {"text": "again"})
    assert r.status_code == 409 and r.json()["error"] == "complaint_wrong_step"


def test_a_late_reply_costs_four_points_a_working_day_over_a_holiday_and_a_make_up_saturday(hall, people, clock):
    clock.set(local(2026, 12, 22, 10, 0))  # a Tuesday
    office = people()["office"]
    ok(office.post("/assessment/schemes", {"scope": "window", "preset": "maiji_window"}))
    c = register(office, window=None, staff=None, department="GA", channel="hotline_12345", hotline_ref="12345-88")
    c = ok(office.post(f"/complaints/{c['id']}/forward", {}))
    # Wednesday 23rd; the 24th is the hall's holiday; Friday 25th. (The make-up Saturday comes next.)
    assert c["due_date"] == "2026-12-25"
    clock.set(local(2026, 12, 28, 11, 0))  # Monday: Saturday 26th (调休, a working day) and Monday are late
    office = people()["office"]
    c = ok(office.post(f"/complaints/{c['id']}/reply", {"text": "已整改"}))
    reply = c["steps"][-1]
    assert reply["days_late"] == 2 and reply["record"]
    record = next(r for r in ok(office.get("/assessment/records?month=2026-12")) if r["id"] == reply["record"])
    # Recorded on the department's first window (the scheme scores windows), count = days late, −4 each.
    assert (record["item"], record["count"], record["points_each"], record["window"], record["department"]["code"]) \
        == ("complaint_reply_late", 2, -4, 1, "GA")
    card = ok(office.get("/assessment/2026-12/cards/window/1"))
    line = next(i for i in card["items"] if i.get("key") == "complaint_reply_late" or
                i.get("item") == "complaint_reply_late")
    assert line["points"] == -8


def test_the_re_verification_deadline_falls_on_the_make_up_saturday(hall, people, clock):
    clock.set(local(2026, 12, 23, 10, 0))  # Wednesday: Thursday the 24th is a holiday
    office = people()["office"]
    c = register(office)
    c = ok(office.post(f"/complaints/{c['id']}/forward", {}))
    assert c["due_date"] == "2026-12-26"  # Friday 25th, then the 调休 Saturday
    clock.set(local(2026, 12, 28, 9, 0))
    office = people()["office"]  # a new day, a new sign-in
    c = ok(office.post(f"/complaints/{c['id']}/reply", {"text": "x", "at": "2026-12-27T03:00:00Z"}))
    assert c["steps"][-1]["days_late"] == 0  # replied on the Sunday: no working day late


def test_two_verified_complaints_in_a_row_raise_the_transfer_flag_an_unfounded_one_breaks_the_row(hall, people, clock):
    office = people()["office"]

    def through(outcome: str, staff: str) -> dict:
        c = register(office, staff=staff)
        for action, body in (("forward", {}), ("reply", {"text": "答复"}), ("report", {"satisfied": True, "text": "告知"}),
                             ("visit", {"text": "回访"})):
            ok(office.post(f"/complaints/{c['id']}/{action}", body))
        return ok(office.post(f"/complaints/{c['id']}/close", {"outcome": outcome, "reason": "核实"}))

    assert through("verified", "S002")["record"]
    assert through("unfounded", "S002")["record"] is None
    assert through("verified", "S002")["staff"]["transfer_flag"] is False  # the unfounded one broke the row
    assert through("verified", "S001")["staff"]["transfer_flag"] is False
    last = through("verified", "S001")
    assert last["staff"]["transfer_flag"] is True
    assert ok(office.get("/complaints"))[0]["staff"]["transfer_flag"] is True


def test_the_complainant_is_hidden_from_everyone_but_the_supervision_office(hall, people, clock, server):
    apis = people()
    office, admin, clerk, chief = apis["office"], apis["admin"], apis["clerk"], apis["chief"]
    c = register(office)
    other = register(office, window=3, staff="S004")  # market regulation's: not the GA chief's
    # Before forwarding, the department does not see it.
    assert ok(chief.get("/complaints")) == []
    ok(office.post(f"/complaints/{c['id']}/forward", {}))
    ok(office.post(f"/complaints/{other['id']}/forward", {}))
    masked = {"name": "赵**", "contact": "138****5678", "masked": True}
    assert ok(admin.get(f"/complaints/{c['id']}"))["complainant"] == masked
    # The department's chief representative reads its own forwarded complaints, masked, and no other.
    assert [x["id"] for x in ok(chief.get("/complaints"))] == [c["id"]]
    assert ok(chief.get(f"/complaints/{c['id']}"))["complainant"] == masked
    assert chief.get(f"/complaints/{other['id']}").status_code == 404
    # The chief records the department's reply (test_the_chief_records_the_reply...), and nothing else.
    assert chief.post(f"/complaints/{c['id']}/report", {"satisfied": True, "text": "x"}).status_code == 403
    assert chief.post(f"/complaints/{c['id']}/forward", {}).status_code == 403
    # A clerk: nothing.
    assert clerk.get("/complaints").status_code == 403
    assert clerk.get(f"/complaints/{c['id']}").status_code == 403
    assert clerk.get("/complaints.csv").status_code == 403
    # The export is masked even for the office.
    for api in (office, admin, chief):
        r = api.get("/complaints.csv")
        assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
        text = r.content.decode("utf-8-sig")
        assert NAME not in text and PHONE not in text and "赵**" in text and "138****5678" in text
    # Nor does it reach the other API answers of the office's.
    assert NAME not in office.get("/assessment/records?month=2026-11").text


def test_bad_input_is_a_clear_4xx(hall, people):
    office = people()["office"]
    for body in ({"channel": "fax", "name": "a", "content": "b", "window": 1},
                 {"channel": "phone", "name": "a", "content": "b"},
                 {"channel": "phone", "name": "a", "content": "b", "window": 99},
                 {"channel": "phone", "name": "", "content": "b", "window": 1},
                 {"channel": "phone", "name": "a", "content": "b", "window": 1, "received_at": "2099-01-01T00:00:00Z"}):
        r = office.post("/complaints", body)
        assert 400 <= r.status_code < 500, (body, r.text)
    assert office.get("/complaints/999").status_code == 404
    assert office.get("/complaints?overdue=maybe").status_code == 400
    assert office.get("/complaints?status=lost").status_code == 400
    c = register(office)
    r = office.post(f"/complaints/{c['id']}/close", {"outcome": "verified", "reason": "x"})
    assert r.status_code == 409 and r.json()["error"] == "complaint_wrong_step"
    r = office.post(f"/complaints/{c['id']}/forward", {"department": "XX"})
    assert r.status_code == 404


def test_a_late_reply_dated_in_a_published_month_is_refused_and_the_complaint_waits(hall, clock):
    """A published month changes only by an appeal ruling (hallq.assessment.publication): the late reply's
    record would land in it, so recording that reply is refused, readably, and nothing is half done."""
    from hallq.assessment import publication, service
    from hallq.queue.errors import Refused
    from hallq.queue.halls import hall_context
    from hallq.supervision import complaints

    office, admin = hall.user("duban", "supervisor"), hall.user("boss", "admin")
    with hall.db.write() as s:
        ctx = hall_context(s, hall.id)
        service.set_scheme(s, ctx, "window", "maiji_window", None, office.actor, clock())
        c = complaints.register(s, office, ctx, clock(), channel="online", name=NAME, content="x", window=1)
        complaints.forward(s, office, ctx, c.id, clock())  # Monday 23rd: due Wednesday 25th
        s.commit()
        number = c.id
    clock.set(local(2026, 12, 1, 10, 0))
    with hall.db.write() as s:
        publication.open_self_check(s, office, hall_context(s, hall.id), "2026-11", clock(), days=1)
        s.commit()
    clock.set(local(2026, 12, 3, 10, 0))
    with hall.db.write() as s:
        ctx = hall_context(s, hall.id)
        publication.review(s, office, ctx, "2026-11", clock())
        publication.approve(s, admin, ctx, "2026-11", clock())
        publication.publish(s, admin, ctx, "2026-11", clock())
        s.commit()
    with hall.db.write() as s:
        ctx = hall_context(s, hall.id)
        with pytest.raises(Refused) as refused:
            complaints.reply(s, office, ctx, number, clock(), text="答复", at=local(2026, 11, 27, 16, 0))
        assert refused.value.code == "month_published"
        s.rollback()
    with hall.db.write() as s:
        ctx = hall_context(s, hall.id)
        assert complaints.get(s, ctx, office, number).status == "forwarded"
        # Recorded as received today (December, not published), the reply goes through with its record.
        step = complaints.reply(s, office, ctx, number, clock(), text="答复")
        assert step.days_late == 6 and step.record_id  # 26, 27, 30 Nov, 1, 2, 3 Dec
        s.commit()



def test_the_chief_records_the_department_reply_late_costs_four_a_working_day_from_that_moment(
        hall, people, clock, server):
    """The department's chief representative (首席代表) records its reply themselves (issue 16): dated when
    recorded (never back), and a late one costs −4 a working day (seed 002) counted to that moment; another
    department's chief cannot reply to it, nor can a clerk; the reply needs its text."""
    clock.set(local(2026, 12, 22, 10, 0))  # a Tuesday
    apis = people()
    office = apis["office"]
    ok(office.post("/assessment/schemes", {"scope": "window", "preset": "maiji_window"}))
    # The market regulator's chief, named on the admin's Departments page: S004, with an account of their own.
    assert ok(apis["admin"].post("/admin/departments/SJ", {"chief": "S004"}))["chief"] == "S004"
    hall.user("S004", "clerk")
    late = ok(office.post(f"/complaints/{register(office)['id']}/forward", {}))
    on_time = ok(office.post(f"/complaints/{register(office, staff='S002')['id']}/forward", {}))
    assert late["due_date"] == on_time["due_date"] == "2026-12-25"  # the 24th is the hall's holiday

    clock.set(local(2026, 12, 24, 16, 0))  # the holiday, before the deadline
    chief = people()["chief"]
    c = ok(chief.post(f"/complaints/{on_time['id']}/reply", {"text": "已核实，当面致歉"}))
    reply = c["steps"][-1]
    assert (c["status"], reply["days_late"], reply["record"], reply["person"], reply["actor"]) == \
        ("replied", 0, None, "张伟", "user:S003")

    clock.set(local(2026, 12, 28, 11, 0))  # Monday: the 调休 Saturday 26th and Monday are late
    apis = people()
    office, chief, clerk = apis["office"], apis["chief"], apis["clerk"]
    other = server.api(hall.login("S004"))
    # Dating it back to the deadline is refused, and changes nothing.
    r = chief.post(f"/complaints/{late['id']}/reply", {"text": "答复", "at": "2026-12-25T08:00:00Z"})
    assert r.status_code == 400 and "dated when" in r.json()["message"]
    assert other.post(f"/complaints/{late['id']}/reply", {"text": "答复"}).status_code == 404
    assert other.get("/complaints").json() == []
    assert clerk.post(f"/complaints/{late['id']}/reply", {"text": "答复"}).status_code == 403
    assert chief.post(f"/complaints/{late['id']}/reply", {"text": " "}).status_code == 400
    assert ok(office.get(f"/complaints/{late['id']}"))["status"] == "forwarded"
    c = ok(chief.post(f"/complaints/{late['id']}/reply", {"text": "已整改"}))
    reply = c["steps"][-1]
    assert reply["days_late"] == 2 and reply["record"] and reply["actor"] == "user:S003"
    record = next(r for r in ok(office.get("/assessment/records?month=2026-12")) if r["id"] == reply["record"])
    assert (record["item"], record["count"], record["points_each"], record["department"]["code"]) == \
        ("complaint_reply_late", 2, -4, "GA")
    assert record["entered_by"] == "user:S003"
