"""Opening hours and working days on the Chinese official calendar."""
import datetime as dt

from hallq.queue.hours import HallHours
from hallq.queue.settings import Hours
from tests.conftest import local

HOURS = HallHours(Hours(holidays=[dt.date(2026, 12, 24)], workdays=[dt.date(2027, 1, 9)]), "Asia/Shanghai")


def test_official_holidays_and_make_up_workdays():
    assert not HOURS.is_workday(dt.date(2026, 10, 1))   # National Day
    assert HOURS.is_workday(dt.date(2026, 9, 20)) is HOURS.is_workday(dt.date(2026, 9, 20))
    assert not HOURS.is_workday(dt.date(2026, 11, 22))  # Sunday
    assert HOURS.is_workday(dt.date(2026, 11, 23))      # Monday
    assert not HOURS.is_workday(dt.date(2026, 12, 24))  # the hall's own holiday


def test_a_year_without_official_data_falls_back_to_weekdays_plus_hall_overrides():
    assert HOURS.is_workday(dt.date(2027, 1, 8))        # Friday
    assert HOURS.is_workday(dt.date(2027, 1, 9))        # Saturday, declared a make-up workday
    assert not HOURS.is_workday(dt.date(2027, 1, 10))   # Sunday


def test_opening_sessions_and_lunch_break():
    assert HOURS.is_open(local(2026, 11, 23, 9, 0))
    assert not HOURS.is_open(local(2026, 11, 23, 12, 0))
    assert HOURS.is_open(local(2026, 11, 23, 14, 0))
    assert HOURS.closing_time(dt.date(2026, 11, 23)) == local(2026, 11, 23, 18, 0)
    assert HOURS.minutes_to_close(local(2026, 11, 23, 17, 0)) == 60


def test_working_days_skip_weekends_and_holidays():
    # From Wednesday 30 Sep 2026: the National Day holiday runs 1-7 Oct.
    due = HOURS.add_working_days(dt.date(2026, 9, 30), 2)
    assert due > dt.date(2026, 10, 7)
    assert HOURS.add_working_days(dt.date(2026, 11, 20), 1) == dt.date(2026, 11, 23)  # Friday -> Monday


def test_always_open():
    hours = HallHours(Hours(always_open=True), "Asia/Shanghai")
    assert hours.is_open(local(2026, 11, 22, 3, 0))
    assert hours.minutes_to_close(local(2026, 11, 22, 23, 59)) is None
