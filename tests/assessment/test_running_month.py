"""A running month is scored on the facts up to now, never beyond (issue: "Assessment a hall can sign").

The test hall's December 2026 under the county scheme (seed 000 篇二): opening
hours 9:00–12:00 and 14:00–18:00, Monday 7 December is a working day. Seen on a
real hall on 7 December: a window signed out at 11:12 lost 30 points for the 8th
to the 31st; a hall loaded that morning already had 44 unattended half-days per
window; a case due 12-08 was 17 working days late on 12-07.
"""
from __future__ import annotations

import datetime as dt
import io

from types import SimpleNamespace

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from hallq.assessment.service import month_result
from hallq.queue import calling, hallfile, sessions
from hallq.queue.halls import hall_context
from hallq.queue.models import Window
from tests.conftest import HALLS, Hall, local

def at(d: int, hh: int, mm: int = 0) -> dt.datetime:
    return local(2026, 12, d, hh, mm)


@pytest.fixture
def new_hall(db, clock):
    """The test hall loaded on Monday 7 December at 8:30, its file naming no first day."""
    clock.set(at(7, 8, 30))
    return Hall(db, clock, live_from=None)


def result_at(hall: Hall, moment: dt.datetime):
    with hall.db.read() as s:
        return month_result(s, hall_context(s, hall.id), 2026, 12, now=moment, store=False).result


def items(result, scope: str, unit: str, source: str):
    return [i for i in result.card(scope, unit).items if i.source == source and i.count]


def test_a_hall_loaded_this_morning_has_no_unattended_days_before_it(new_hall):
    # Mid-morning, nobody signed in anywhere: the morning is not over, and the days before today
    # were before the hall went live in hallq.
    early = result_at(new_hall, at(7, 10))
    assert early.counted_to == dt.date(2026, 12, 7)
    for card in early.cards["window"]:
        assert not [i for i in card.items if i.source.startswith("attendance.") and i.count], card.unit
        assert card.score == 100
    # Once the morning has closed with nobody signed in, that half-day is one unattended spell.
    noon = result_at(new_hall, at(7, 12, 30))
    for card in noon.cards["window"]:
        [unattended] = [i for i in card.items if i.source == "attendance.unattended" and i.count]
        assert unattended.count == 1
        assert [e.detail for e in unattended.evidence] == ["无人值守 12-07 09:00—12-07 12:00，180分钟（无人签到）"]


def test_a_sign_out_today_is_judged_when_the_session_ends_and_never_for_the_days_ahead(new_hall, clock):
    clock.set(at(7, 8, 55))
    clerk = new_hall.clerk("S003", window=2)
    clock.set(at(7, 11, 12))
    new_hall.run(sessions.sign_out, clerk, 2, clock())

    before_noon = result_at(new_hall, at(7, 11, 30))
    assert not [i for i in before_noon.card("window", "2").items if i.source.startswith("attendance.") and i.count]

    afternoon = result_at(new_hall, at(7, 13))
    [early] = items(afternoon, "window", "2", "attendance.early_leave")
    assert early.count == 1 and early.points == -1
    # In the hall's time, as the clerk lived it (not 03:12 UTC).
    assert [e.detail for e in early.evidence] == ["早退 12-07 11:12—12-07 12:00，48分钟"]
    assert not items(afternoon, "window", "2", "attendance.unattended")  # the gap is the early leave only
    assert afternoon.card("window", "2").score == 99
    staff = afternoon.card("staff", "S003")
    assert [i.count for i in staff.items if i.source == "attendance.early_leave" and i.count] == [1]


def test_an_open_promised_case_is_late_only_from_the_day_after_its_due_date_up_to_today(new_hall, clock):
    clock.set(at(7, 8, 55))
    clerk = new_hall.clerk("S003", window=2)
    clock.set(at(7, 9, 30))
    ticket = new_hall.issue("GA02")
    new_hall.run(calling.call, clerk, 2, clock.advance(minutes=1), ticket.id)
    new_hall.run(calling.finish, clerk, 2, clock.advance(minutes=3), outcome="promised", promised_days=1)  # due 12-08

    for day in (7, 8):  # accepted, then due: not late
        assert not items(result_at(new_hall, at(day, 17)), "window", "2", "case.overdue_day")
    thursday = result_at(new_hall, at(10, 10))  # 9 and 10 December
    [overdue] = items(thursday, "window", "2", "case.overdue_day")
    assert (overdue.count, overdue.points) == (2, -4)
    assert [e.detail for e in overdue.evidence] == ["承诺1个工作日，应于12-08前办结，截至12-10未办结，本月超期2个工作日"]


def test_a_month_that_has_ended_is_counted_to_its_end_and_is_not_provisional(new_hall):
    january = result_at(new_hall, local(2027, 1, 4, 10))
    assert january.counted_to is None
    assert january.to_dict("window")["provisional"] is False
    # Every working day from the 7th on (the 24th is the hall's holiday, the 26th a make-up workday)
    # was left unattended, morning and afternoon; nothing before the 7th counts.
    card = january.card("window", "1")
    [unattended] = [i for i in card.items if i.source == "attendance.unattended" and i.count]
    days = {e.detail.split()[1] for e in unattended.evidence}
    assert min(days) == "12-07" and "12-24" not in days and "12-26" in days


def test_a_window_or_staff_member_live_from_a_later_day_is_not_assessed_before_it(db, clock):
    spec = hallfile.read(HALLS / "small.toml")
    spec.hall.live_from = None
    window_4 = next(w for w in spec.windows if w.number == 4)
    window_4.live_from = dt.date(2026, 12, 14)
    next(st for st in spec.staff if st.number == "S005").live_from = dt.date(2026, 12, 14)
    with db.write() as s:
        hall_id = hallfile.load(s, spec, dt.date(2026, 12, 1)).id
        s.commit()
    hall = SimpleNamespace(db=db, id=hall_id)

    before = result_at(hall, at(8, 13))
    assert [c.unit for c in before.cards["window"]] == ["1", "2", "3"]
    assert "S005" not in {c.unit for c in before.cards["staff"]}
    after = result_at(hall, at(15, 13))
    window = after.card("window", "4")
    [unattended] = [i for i in window.items if i.source == "attendance.unattended" and i.count]
    assert {e.detail.split()[1] for e in unattended.evidence} == {"12-14", "12-15"}  # from its first day on

    # Loading the file again without the days keeps them.
    window_4.live_from = None
    with db.write() as s:
        hallfile.load(s, spec, dt.date(2026, 12, 20))
        s.commit()
        assert s.scalar(select(Window.live_from).where(Window.number == 4)) == dt.date(2026, 12, 14)
        assert s.scalar(select(Window.live_from).where(Window.number == 1)) == dt.date(2026, 12, 1)


def test_a_running_month_says_so_in_the_api_and_both_exports(hall, clock, server):
    hall.user("duban", "supervisor")
    clock.set(at(7, 10))
    sup = server.api(hall.login("duban"))
    body = sup.get("/assessment/2026-12").json()
    assert (body["provisional"], body["counted_to"]) == (True, "2026-12-07")
    csv_file = sup.get("/assessment/2026-12.csv")
    assert "assessment-2026-12-window-provisional.csv" in csv_file.headers["Content-Disposition"]
    assert csv_file.content.decode("utf-8-sig").splitlines()[0] == "截至12月7日 · 临时数据"
    workbook = load_workbook(io.BytesIO(sup.get("/assessment/2026-12.xlsx").content))
    assert workbook["窗口排名"]["A1"].value.endswith("（截至12月7日 · 临时数据）")
    final = sup.get("/assessment/2026-11").json()
    assert (final["provisional"], final["counted_to"]) == (False, None)
    assert sup.get("/assessment/2026-11.csv").content.decode("utf-8-sig").startswith("排名")
    # One card on its own says so too, and the year that holds the running month.
    card = sup.get("/assessment/2026-12/cards/window/1").json()
    assert (card["provisional"], card["counted_to"]) == (True, "2026-12-07")
    card = sup.get("/assessment/2026-11/cards/window/1").json()
    assert (card["provisional"], card["counted_to"]) == (False, None)
    year = sup.get("/assessment/year/2026").json()
    assert (year["provisional"], year["counted_to"]) == (True, "2026-12-07")
    assert (sup.get("/assessment/year/2025").json()["provisional"]) is False


def test_nobody_in_an_empty_month_is_graded_and_b_posts_are_never_assessed(new_hall, clock):
    # Seen: four departments with no window and no work scored 100 优秀; B posts who never
    # signed in were graded 优秀. S002 holds window 1's B post in the test hall.
    empty = result_at(new_hall, at(7, 10))
    for scope in ("window", "department", "staff"):
        for card in empty.cards[scope]:
            assert card.not_assessed and card.rank is None and card.grade is None, (scope, card.unit)
            assert "not_assessed" in {f.key for f in card.flags}
    assert all(not chosen.units for chosen in empty.selections.values())

    clock.set(at(7, 8, 55))
    s001 = new_hall.clerk("S001", window=1)
    new_hall.run(sessions.sign_out, s001, 1, clock.advance(hours=1))
    s002 = new_hall.clerk("S002", window=1, post="B")  # stands in for the rest of the morning
    new_hall.run(calling.call, s002, 1, clock.advance(minutes=1), new_hall.issue("GA01").id)
    new_hall.run(calling.finish, s002, 1, clock.advance(minutes=5), outcome="immediate")
    result = result_at(new_hall, at(7, 13))
    assert result.card("window", "1").rank == 1 and result.card("window", "1").grade
    assert result.card("staff", "S001").rank == 1
    s002_card = result.card("staff", "S002")
    assert (s002_card.rank, s002_card.grade) == (None, None)
    assert s002_card.not_assessed == "B岗人员只参加顶岗时的考勤，不参加考核"
    assert result.card("department", "GA").rank == 1  # its window worked
    assert result.card("department", "SJ").not_assessed  # nobody of it signed in or worked
    assert [c.unit for c in result.cards["window"]][0] == "1"  # the assessed first, the rest after
