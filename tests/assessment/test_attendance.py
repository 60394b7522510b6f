"""Attendance from window sessions, and working days on the official calendar."""
import datetime as dt

from hallq.assessment.attendance import incidents
from hallq.assessment.facts import PauseSpan, SessionSpan
from hallq.assessment.workdays import working_days_after
from tests.assessment.hall import HOURS, at

D = dt.date
MON = D(2025, 10, 13)


def kinds(found):
    return [(i.kind, i.staff, i.session, i.pause, i.start.strftime("%H:%M"), i.end.strftime("%H:%M")) for i in found]


def day_of(sessions, pauses=(), **kw):
    return incidents(list(sessions), list(pauses), HOURS, MON, MON, windows=[1], **kw)


def test_working_days_follow_holidays_and_make_up_days():
    # National Day 2025: 1–8 Oct off, Saturday 11 Oct is a make-up workday.
    assert working_days_after(HOURS, D(2025, 9, 30), D(2025, 10, 9)) == 1
    assert working_days_after(HOURS, D(2025, 10, 10), D(2025, 10, 13)) == 2   # Sat 11 and Mon 13
    assert working_days_after(HOURS, D(2025, 10, 17), D(2025, 10, 20)) == 1   # an ordinary weekend
    assert working_days_after(HOURS, D(2025, 10, 13), D(2025, 10, 13)) == 0
    assert working_days_after(HOURS, D(2025, 10, 14), D(2025, 10, 13)) == 0


def test_a_full_day_has_no_incidents():
    assert day_of([SessionSpan(1, 1, "A", at(MON, 8, 50), at(MON, 18, 0))]) == []
    # signing out for lunch and back in after it is fine
    assert day_of([SessionSpan(1, 1, "A", at(MON, 8, 50), at(MON, 12, 0)),
                   SessionSpan(2, 1, "A", at(MON, 13, 55), at(MON, 18, 10))]) == []


def test_late_early_and_lunch():
    found = day_of([SessionSpan(1, 1, "A", at(MON, 9, 5), at(MON, 12, 0)),
                    SessionSpan(2, 1, "A", at(MON, 14, 20), at(MON, 17, 40))])
    assert kinds(found) == [("late", "A", 1, None, "09:00", "09:05"),
                            ("late", "A", 2, None, "14:00", "14:20"),
                            ("early_leave", "A", 2, None, "17:40", "18:00")]
    # a grace period, when the hall sets one
    assert kinds(day_of([SessionSpan(1, 1, "A", at(MON, 9, 5), at(MON, 18, 0))], late_grace_minutes=5)) == []


def test_unattended_gaps_pauses_and_empty_sessions():
    sessions = [SessionSpan(1, 1, "A", at(MON, 8, 55), at(MON, 10, 0)),
                SessionSpan(2, 1, "B", at(MON, 10, 10), at(MON, 10, 30)),   # 10-minute handover: fine
                SessionSpan(3, 1, "A", at(MON, 10, 50), at(MON, 12, 5))]    # 20 minutes nobody: unattended
    pauses = [PauseSpan(7, 3, 1, "私事", at(MON, 11, 0), at(MON, 11, 20)),   # 20 minutes paused
              PauseSpan(8, 3, 1, "系统故障", at(MON, 11, 30), at(MON, 11, 55))]
    found = day_of(sessions, pauses)
    assert kinds(found) == [("unattended", "B", 2, None, "10:30", "10:50"),
                            ("unattended", "A", 3, 7, "11:00", "11:20"),
                            ("unattended", "A", 3, 8, "11:30", "11:55"),   # no reason is allowed by default
                            ("unattended", None, None, None, "14:00", "18:00")]  # nobody in the afternoon
    # with 系统故障 allowed and a 30-minute threshold only the empty afternoon is left
    found = day_of(sessions, pauses, allowed_pause_reasons=("系统故障",), unattended_minutes=30)
    assert kinds(found) == [("unattended", None, None, None, "14:00", "18:00")]


def test_closed_days_have_no_incidents():
    assert incidents([], [], HOURS, D(2025, 10, 1), D(2025, 10, 8), windows=[1]) == []
    assert len(incidents([], [], HOURS, D(2025, 10, 11), D(2025, 10, 11), windows=[1])) == 2  # make-up Saturday
