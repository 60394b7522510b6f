"""Worked example: seed 002 第二十五条（二）, 麦积区 staff (maiji_staff), September and October 2025.

"窗口工作人员有下列情形之一的，取消评优资格：……（二）在22个工作日内，被群众连续两次投诉且经查证属实的".
A verified complaint is a record of kind verified_complaint (the complaint register writes one when it closes
a complaint as verified), whatever line it was filed on; the 22 working days run from the first complaint's
day to the second's, both counted, on the official calendar: 1–8 October 2025 is the National Day holiday,
Sunday 28 September and Saturday 11 October are make-up workdays.

S1: verified complaints on Thu 9 Oct and Fri 31 Oct (both "在工作窗口吸烟、吃东西……每次扣2分"): 9, 10, 11,
    13–17, 20–24, 27–31 Oct = 18 working days → flagged, no honours this year.            100 − 4 = 96
S2: 12 Sep (September) and Mon 20 Oct: 12 Sep, 15–19, 22–26, 28 Sep, 29–30 = 14; 9–11, 13–17, 20 Oct = 9;
    23 working days → not flagged.                                                          100 − 2 = 98
S6: 15 Sep and 20 Oct: 13 + 9 = 22 working days, the limit → flagged.                        100 − 2 = 98
S3: Fri 26 Sep and Tue 14 Oct ("工作时间嘻戏打闹……每次扣2分"): 26, 28, 29, 30 Sep, 9, 10, 11, 13, 14 Oct =
    9 working days → flagged: September's complaint counts in October.                     100 − 2 = 98
S4: 9 and 10 Oct on the smoking line, one a verified complaint and one the supervisor's own finding →
    one complaint, not flagged.                                                             100 − 4 = 96
S5: 13 Oct (嬉戏打闹, removed on appeal) and 15 Oct (吸烟): the removed one does not count → not flagged.
                                                                                             100 − 2 = 98
"""
import datetime as dt
from pathlib import Path

import pytest

from hallq import assessment
from hallq.assessment import (
    Appeal,
    SupervisorRecord,
    compute_month,
    history_from_results,
    load_preset,
)
from tests.assessment import hall
from tests.assessment.hall import at

D = dt.date
MESSAGE = "在22个工作日内被群众连续两次投诉且经查证属实，取消评优资格"


def complaint(facts, staff: str, day: dt.date, item: str = "smoking_eating", kind: str = "verified_complaint"):
    r = SupervisorRecord(len(facts.records) + 100 * facts.month, kind, item, f"投诉登记 {staff} {day}", "督查股张三",
                         at(day, 16), staff=staff, on=day)
    facts.records.append(r)
    return r


@pytest.fixture(scope="module")
def october():
    plan = {"staff": load_preset("maiji_staff")}
    september = hall.small_hall(2025, 9, n=6)
    complaint(september, "S2", D(2025, 9, 12))
    complaint(september, "S6", D(2025, 9, 15))
    complaint(september, "S3", D(2025, 9, 26), item="horseplay")
    before = compute_month(september, plan, hall.HOURS)
    assert not any(f.key == "two_complaints_22_days" for c in before.cards["staff"] for f in c.flags)
    facts = hall.small_hall(2025, 10, n=6)
    complaint(facts, "S1", D(2025, 10, 9))
    complaint(facts, "S1", D(2025, 10, 31))
    complaint(facts, "S2", D(2025, 10, 20))
    complaint(facts, "S6", D(2025, 10, 20))
    complaint(facts, "S3", D(2025, 10, 14), item="horseplay")
    complaint(facts, "S4", D(2025, 10, 9))
    complaint(facts, "S4", D(2025, 10, 10), kind="inspection_finding")
    complaint(facts, "S5", D(2025, 10, 13), item="horseplay")
    complaint(facts, "S5", D(2025, 10, 15))
    facts.appeals.append(Appeal(1, "staff", "S5", "horseplay", "removed", "投诉人认错了人", "中心主任",
                                at(D(2025, 10, 20), 10)))
    # Earlier months reach the engine as their stored cards do (to_dict → history).
    return compute_month(facts, plan, hall.HOURS, history_from_results([before], 2025))


def test_scores_as_worked(october):
    assert {c.unit: c.score for c in october.cards["staff"]} == {
        "S1": 96, "S2": 98, "S3": 98, "S4": 96, "S5": 98, "S6": 98}


def test_two_verified_complaints_within_22_working_days_take_the_year_s_honours(october):
    flagged = {c.unit: [f.message for f in c.flags if f.key == "two_complaints_22_days"]
               for c in october.cards["staff"]}
    assert flagged == {
        "S1": [f"{MESSAGE}（10-09至10-31，18个工作日内2次）"],
        "S2": [],
        "S3": [f"{MESSAGE}（09-26至10-14，9个工作日内2次）"],
        "S4": [],
        "S5": [],
        "S6": [f"{MESSAGE}（09-15至10-20，22个工作日内2次）"],
    }
    lost = {c.unit: c.ineligible_year for c in october.cards["staff"]}
    assert lost == {"S1": MESSAGE, "S3": MESSAGE, "S6": MESSAGE, "S2": None, "S4": None, "S5": None}


def test_the_loss_carries_to_the_rest_of_the_year(october):
    november = hall.small_hall(2025, 11, n=6)
    result = compute_month(november, {"staff": load_preset("maiji_staff")}, hall.HOURS,
                           history_from_results([october], 2025))
    assert {c.unit for c in result.cards["staff"] if c.ineligible_year} == {"S1", "S3", "S6"}
    assert not any(f.key == "two_complaints_22_days" for c in result.cards["staff"] for f in c.flags)


def test_a_flag_counted_in_working_days_reads_records_only():
    from hallq.assessment import SchemeError, load_scheme_text
    text = (Path(assessment.__file__).parent / "schemes" / "maiji_staff.toml").read_text(encoding="utf-8")
    bad = text.replace('record_kind = "verified_complaint"', 'lines = ["late"]')
    with pytest.raises(SchemeError, match="no record line"):
        load_scheme_text(bad)
    with pytest.raises(SchemeError, match="within_working_days"):
        load_scheme_text(text.replace("within_working_days = 22\n", ""))


def test_complaints_closed_as_verified_in_the_register_raise_the_flag_on_both_databases(db, clock):
    """Through the complaint register (hallq.supervision) on the database: S001's complaints closed as verified
    on Tue 24 Nov and Wed 16 Dec 2026 (24–27 Nov, 30 Nov, 1–4, 7–11, 14–16 Dec = 17 working days), filed on
    the smoking line, a line that takes no honours by itself → flagged in December. S003: verified on 24 Nov,
    the December one closed as unfounded → not flagged."""
    from hallq.assessment import service
    from hallq.queue.halls import hall_context
    from hallq.supervision import complaints
    from tests.conftest import Hall, local

    hall = Hall(db, clock)
    office = hall.user("duban", "supervisor")

    def through(staff: str, outcome: str) -> None:
        with hall.db.write() as s:
            ctx = hall_context(s, hall.id)
            service.set_scheme(s, ctx, "staff", "maiji_staff", None, office.actor, clock())
            c = complaints.register(s, office, ctx, clock(), channel="phone", name="赵敏华", content="在窗口吸烟",
                                    staff=staff)
            complaints.forward(s, office, ctx, c.id, clock())
            complaints.reply(s, office, ctx, c.id, clock(), text="已批评教育")
            complaints.report(s, office, ctx, c.id, clock(), satisfied=True, text="已告知")
            complaints.visit(s, office, ctx, c.id, clock(), text="回访满意")
            complaints.close(s, office, ctx, c.id, clock(), outcome=outcome, reason="核实",
                             item="smoking_eating" if outcome == "verified" else None)
            s.commit()

    clock.set(local(2026, 11, 24, 15, 0))
    through("S001", "verified")
    through("S003", "verified")
    clock.set(local(2026, 12, 16, 15, 0))
    through("S001", "verified")
    through("S003", "unfounded")
    with hall.db.write() as s:
        ctx = hall_context(s, hall.id)
        service.month_result(s, ctx, 2026, 11, now=clock())  # kept: December's history
        december = service.month_result(s, ctx, 2026, 12, now=clock()).result
        s.commit()
    s001, s003 = december.card("staff", "S001"), december.card("staff", "S003")
    assert [f.message for f in s001.flags if f.key == "two_complaints_22_days"] == [
        f"{MESSAGE}（11-24至12-16，17个工作日内2次）"]
    assert s001.ineligible_year == MESSAGE and s001.item("smoking_eating").points == -2
    assert not any(f.key == "two_complaints_22_days" for f in s003.flags) and s003.ineligible_year is None


def test_a_month_stored_before_records_carried_their_day_still_counts(db, clock):
    """November kept by an earlier version: its cards' record evidence has no day. The history reads the day
    from the record itself, so a complaint verified on 24 Nov and one on 16 Dec still make two in 17 working
    days."""
    from hallq.assessment import records, service
    from hallq.assessment.models import AssessmentResult
    from hallq.queue.halls import hall_context
    from tests.conftest import Hall, local

    hall = Hall(db, clock)
    office = hall.user("duban", "supervisor")
    for day in (local(2026, 11, 24, 15), local(2026, 12, 16, 15)):
        clock.set(day)
        with hall.db.write() as s:
            ctx = hall_context(s, hall.id)
            service.set_scheme(s, ctx, "staff", "maiji_staff", None, office.actor, clock())
            records.add_record(s, office, ctx, clock(), kind="verified_complaint", item="smoking_eating",
                               occurred_on=ctx.hours.local_day(day), evidence="投诉：在窗口吸烟", staff="S001")
            s.commit()
    with hall.db.write() as s:
        ctx = hall_context(s, hall.id)
        service.month_result(s, ctx, 2026, 11, now=clock())
        row = s.get(AssessmentResult, (hall.id, "2026-11", "staff"))
        row.cards = [{**c, "items": [{**i, "evidence": [{k: v for k, v in e.items() if k not in ("on", "kind", "times")}
                                                        for e in i["evidence"]]} for i in c["items"]]}
                     for c in row.cards]  # as an earlier version stored them
        s.commit()
    with hall.db.write() as s:
        december = service.month_result(s, hall_context(s, hall.id), 2026, 12, now=clock()).result
        s.commit()
    assert [f.message for f in december.card("staff", "S001").flags if f.key == "two_complaints_22_days"] == [
        f"{MESSAGE}（11-24至12-16，17个工作日内2次）"]
