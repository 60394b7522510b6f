"""Leave (请假) up the seed 004 chain, over real HTTP on both databases, and what it does to the month's attendance.

seed 004《窗口单位考核实施细则》工作纪律 第3条: half a day, the window head approves (the centre is told); a day or
more (含一天), the window head agrees and the centre approves; "违反请假规定按旷工处理". In the test hall GA's chief
representative is S003 (window 2's A post); S001 holds window 1's A post, S002 its B post.
"""
from __future__ import annotations


import pytest

from hallq.assessment.presets import load_preset
from hallq.assessment.service import month_result
from hallq.queue import sessions
from hallq.queue.halls import hall_context
from hallq.queue.settings import RatingSettings
from tests.conftest import Hall, local


@pytest.fixture
def hall(db, clock):
    return Hall(db, clock, ratings=RatingSettings(chiefs={"GA": "S003"}))


@pytest.fixture
def people(hall, server):
    for name, role in (("S001", "clerk"), ("S002", "clerk"), ("S003", "clerk"), ("S004", "clerk"),
                       ("duban", "supervisor"), ("admin", "admin")):
        hall.user(name, role)
    return lambda: {name: server.api(hall.login(name)) for name in ("S001", "S002", "S003", "S004", "duban", "admin")}


def ok(r, status=200):
    assert r.status_code == status, r.text
    return r.json()


def ask(api, first, last, first_half="am", last_half="pm", **extra):
    return api.post("/leave", {"first_day": first, "first_half": first_half, "last_day": last,
                               "last_half": last_half, "reason": "家中有事", **extra})


def test_half_a_day_is_the_window_heads_to_approve_and_nobody_elses(people):
    p = people()
    leave = ok(ask(p["S001"], "2026-12-02", "2026-12-02", last_half="am"), 201)
    assert (leave["half_days"], leave["needs_centre"], leave["status"], leave["step"]) == (1, False, "pending", "chief")
    assert leave["stand_in"] == {"number": "S002", "name": "李强"}  # window 1's B post by default (AB岗)
    assert leave["window"] == 1 and leave["department"]["code"] == "GA"
    lid = leave["id"]
    # The one asking, the B post, another department's clerk and the centre: not their step.
    for wrong in ("S001", "S002", "S004", "duban", "admin"):
        r = p[wrong].post(f"/leave/{lid}/approve")
        assert r.status_code == 403, (wrong, r.text)
        assert r.json()["error"] in ("leave_not_your_step", "forbidden")
    assert ok(p["S003"].get("/leave"))["chief_of"] == ["GA"]
    waiting = [x for x in ok(p["S003"].get("/leave"))["leaves"] if x["may_decide"]]
    assert [x["id"] for x in waiting] == [lid]
    leave = ok(p["S003"].post(f"/leave/{lid}/approve"))
    assert (leave["status"], leave["step"], leave["decided_by"]) == ("approved", None, "user:S003")
    # Decided: no second decision, and the centre reads it on its list (中心备案).
    assert p["S003"].post(f"/leave/{lid}/refuse", {"reason": "x"}).status_code == 409
    assert lid in [x["id"] for x in ok(p["duban"].get("/leave?status=approved"))["leaves"]]
    # Another department's clerk cannot read it; the stand-in can.
    assert p["S004"].get(f"/leave/{lid}").status_code == 403
    assert ok(p["S002"].get(f"/leave/{lid}"))["id"] == lid


def test_a_day_or_more_goes_on_to_the_centre_and_may_be_refused_with_a_reason(people):
    p = people()
    leave = ok(ask(p["S001"], "2026-12-01", "2026-12-01"), 201)
    lid = leave["id"]
    assert (leave["half_days"], leave["needs_centre"]) == (2, True)
    assert p["duban"].post(f"/leave/{lid}/approve").status_code == 403  # the window head first
    leave = ok(p["S003"].post(f"/leave/{lid}/approve"))
    assert (leave["status"], leave["step"], leave["chief_by"]) == ("pending", "centre", "user:S003")
    assert p["S003"].post(f"/leave/{lid}/approve").status_code == 403  # the chief's step is done
    leave = ok(p["duban"].post(f"/leave/{lid}/approve"))
    assert (leave["status"], leave["decided_by"]) == ("approved", "user:duban")

    other = ok(ask(p["S001"], "2026-12-07", "2026-12-08"), 201)
    assert other["half_days"] == 4
    assert p["S003"].post(f"/leave/{other['id']}/refuse", {}).status_code == 400  # a refusal needs its reason
    refused = ok(p["S003"].post(f"/leave/{other['id']}/refuse", {"reason": "窗口人手不足，请改期"}))
    assert (refused["status"], refused["decision_note"]) == ("refused", "窗口人手不足，请改期")
    # The chief's own leave goes straight to the centre: nobody approves their own.
    own = ok(ask(p["S003"], "2026-12-09", "2026-12-09", last_half="am"), 201)
    assert own["step"] == "centre"
    assert p["S003"].post(f"/leave/{own['id']}/approve").status_code == 403
    assert ok(p["admin"].post(f"/leave/{own['id']}/approve"))["status"] == "approved"


def test_cancel_overlap_and_what_is_not_leave(people, clock):
    p = people()
    lid = ok(ask(p["S001"], "2026-12-01", "2026-12-01"), 201)["id"]
    # It overlaps: refused; and it must be one's own to cancel.
    r = ask(p["S001"], "2026-12-01", "2026-12-02", first_half="pm")
    assert r.status_code == 409 and r.json()["error"] == "leave_overlaps"
    assert p["S003"].post(f"/leave/{lid}/cancel").status_code == 403
    assert ok(p["S001"].post(f"/leave/{lid}/cancel"))["status"] == "cancelled"
    assert p["S001"].post(f"/leave/{lid}/cancel").status_code == 409
    # Only a weekend, only a holiday: no working half day, nothing to ask.
    r = ask(p["S001"], "2026-12-19", "2026-12-20")
    assert r.status_code == 400 and r.json()["error"] == "leave_no_workday"
    assert ask(p["S001"], "2026-12-24", "2026-12-24").status_code == 400  # the test hall's holiday
    assert ask(p["S001"], "2026-12-02", "2026-12-01").status_code == 400  # ends before it begins
    assert ask(p["S001"], "2026-11-20", "2026-11-20").status_code == 409  # days past
    assert ask(p["S001"], "2026-12-02", "2026-12-02", stand_in="S001").status_code == 400
    assert ask(p["S001"], "2026-12-02", "2026-12-02", stand_in="S999").status_code == 400
    assert p["S001"].post("/leave", {"first_day": "2026-13-01", "last_day": "2026-12-01", "reason": "x"}) \
        .status_code == 400
    # An approved leave that has begun cannot be withdrawn.
    lid = ok(ask(p["S001"], "2026-11-24", "2026-11-24", last_half="am"), 201)["id"]
    ok(p["S003"].post(f"/leave/{lid}/approve"))
    clock.set(local(2026, 11, 24, 9, 30))
    assert people()["S001"].post(f"/leave/{lid}/cancel").json()["error"] == "leave_begun"


def test_leave_over_a_holiday_a_weekend_and_a_make_up_saturday(people):
    """Fri 25 Dec to Mon 28 Dec 2026 in the test hall: Thu 24 is a holiday, Sat 26 a make-up workday (调休),
    Sun 27 off: Fri, Sat and Mon, six working half days."""
    p = people()
    leave = ok(ask(p["S004"], "2026-12-24", "2026-12-28"), 201)
    assert (leave["half_days"], leave["needs_centre"]) == (6, True)
    # SJ has no chief representative here: the centre decides every step.
    assert leave["step"] == "centre"
    assert p["S003"].post(f"/leave/{leave['id']}/approve").status_code == 403
    assert ok(p["duban"].post(f"/leave/{leave['id']}/approve"))["status"] == "approved"


def test_devices_may_not_ask_or_approve(hall, server):
    kiosk = server.api(hall.token("kiosk", "k1"))
    assert kiosk.get("/leave").status_code == 403
    assert kiosk.post("/leave", {"first_day": "2026-12-01", "last_day": "2026-12-01", "reason": "x"}).status_code == 403
    hall.user("nostaff", "clerk")  # an account that is no staff member's
    r = server.api(hall.login("nostaff")).post("/leave", {"first_day": "2026-12-01", "last_day": "2026-12-01",
                                                          "reason": "x"})
    assert r.status_code == 403 and r.json()["error"] == "leave_no_staff"


# --- the month's attendance ------------------------------------------------------------------------

def _day(hall, who, window, day, spans, post="A"):
    for (h1, m1), (h2, m2) in spans:
        hall.run(sessions.sign_in, who, window, post, local(2026, 12, day, h1, m1))
        hall.run(sessions.sign_out, who, window, local(2026, 12, day, h2, m2))


FULL = [((8, 55), (12, 5)), ((13, 55), (18, 5))]
AFTERNOON = [((13, 55), (18, 5))]


def _items(card, *keys):
    return {i.key: (i.count, i.points, [e.detail for e in i.evidence]) for i in card.items if i.key in keys}


def test_approved_leave_is_never_absence_unapproved_is_absent_per_the_scheme(hall, people, clock):
    """December 2026, counted to Thursday 3 December 20:00 (county_window: 缺勤半天 −2 per person and time;
    德能勤绩廉: 旷工 −5 each time; 上班时间无故离岗（窗口无人值守）−1).

    Tue 1: S001 on a day's approved leave; S002 (B post) stands in all day: nothing for anyone.
    Wed 2: S001 on an approved morning's leave, nobody stands in: S001 nothing; window 1 unattended that
           morning (−1); S001 works the afternoon.
    Thu 3: S001 asked for the morning and was refused: the morning is absence (旷工), −2 (county) / −5
           (staff scheme), on S001 and, under the county scheme's window line, on window 1, which was also
           unattended (−1); the afternoon worked.
    S003 works every half day: nothing.
    """
    p = people()
    day_leave = ok(ask(p["S001"], "2026-12-01", "2026-12-01"), 201)["id"]
    ok(p["S003"].post(f"/leave/{day_leave}/approve"))
    ok(p["duban"].post(f"/leave/{day_leave}/approve"))
    half = ok(ask(p["S001"], "2026-12-02", "2026-12-02", last_half="am"), 201)["id"]
    ok(p["S003"].post(f"/leave/{half}/approve"))
    refused = ok(ask(p["S001"], "2026-12-03", "2026-12-03", last_half="am"), 201)["id"]
    ok(p["S003"].post(f"/leave/{refused}/refuse", {"reason": "当天窗口无人顶岗"}))

    s001, s002, s003 = (hall.user(f"{n}-desk", "clerk", n) for n in ("S001", "S002", "S003"))
    _day(hall, s002, 1, 1, FULL, "B")
    _day(hall, s001, 1, 2, AFTERNOON)
    _day(hall, s001, 1, 3, AFTERNOON)
    for d in (1, 2, 3):
        _day(hall, s003, 2, d, FULL)

    until = local(2026, 12, 3, 20, 0)
    with hall.db.read() as s:
        ctx = hall_context(s, hall.id)
        county = month_result(s, ctx, 2026, 12, now=until, store=False).result
        staff_scheme = month_result(s, ctx, 2026, 12, now=until, store=False,
                                    plan={"staff": load_preset("staff_de_neng_qin_ji_lian")}).result
    staff = {c.unit: c for c in county.cards["staff"]}
    windows = {c.unit: c for c in county.cards["window"]}

    absent = _items(staff["S001"], "absent_half_day")["absent_half_day"]
    assert absent[:2] == (1, -2.0)
    assert absent[2] == ["旷工 12-03 09:00—12-03 12:00，180分钟（未签到，无获批请假）"]
    assert not _items(staff["S001"], "late", "early_leave", "off_post")
    assert _items(windows["1"], "absent_half_day")["absent_half_day"][:2] == (1, -2.0)
    # Window 1 was unattended both mornings: the leave excused S001, not the window nobody stood in at.
    off_post = _items(windows["1"], "off_post")["off_post"]
    assert off_post[:2] == (2, -2.0)
    assert off_post[2] == [f"无人值守 12-02 09:00—12-02 12:00，180分钟（请假{half}获批，无人顶岗）（无人签到）",
                           "无人值守 12-03 09:00—12-03 12:00，180分钟（无人签到）"]
    assert not _items(staff["S003"], "absent_half_day", "late", "early_leave", "off_post")
    assert not _items(windows["2"], "absent_half_day", "late", "early_leave", "off_post")
    # S004 (window 3's A post) signed in nowhere and asked no leave: six half days absent.
    assert _items(staff["S004"], "absent_half_day")["absent_half_day"][:2] == (6, -12.0)
    # S002 holds only a B post: in attendance while standing in, never absent.
    assert not _items(staff["S002"], "absent_half_day")

    qin = {c.unit: c for c in staff_scheme.cards["staff"]}["S001"]
    assert _items(qin, "absent")["absent"][:2] == (1, -5.0)


def test_a_morning_and_an_afternoon_of_one_day_do_not_clash(people):
    p = people()
    ok(ask(p["S001"], "2026-12-02", "2026-12-02", last_half="am"), 201)
    ok(ask(p["S001"], "2026-12-02", "2026-12-02", first_half="pm"), 201)
    r = ask(p["S001"], "2026-12-01", "2026-12-02", first_half="pm", last_half="am")
    assert r.status_code == 409 and r.json()["error"] == "leave_overlaps"
