"""The official calendar for a year chinese_calendar lacks: statutory holidays, the hall's entered
arrangement, and one line in the log at most (the pages say the rest: tests/assessment/web/test_calendar_notice.py)."""
from __future__ import annotations

import datetime as dt
import logging

import chinese_calendar
import pytest

from hallq.queue import hallfile
from hallq.queue.hours import LIBRARY_YEARS, HallHours, statutory_holidays
from hallq.queue.settings import Hours
from tests.conftest import HALLS
from tests.queue.official_calendar import EXAMPLE_2027, library_until_2026  # noqa: F401  (fixture)

D = dt.date
pytestmark = pytest.mark.usefixtures("library_until_2026")


def plain(**hours) -> HallHours:
    return HallHours(Hours(**hours), "Asia/Shanghai")


def test_new_years_day_2027_is_a_holiday_without_the_librarys_data():
    calendar = plain()
    assert not calendar.is_workday(D(2027, 1, 1))   # 元旦, a Friday
    assert calendar.is_workday(D(2027, 1, 4))       # Monday
    assert not calendar.is_workday(D(2027, 1, 9))   # Saturday: no make-up workday is known
    # 1.11 said a working day: the 20-working-day promise was due a day early, on Monday 4 January.
    assert calendar.add_working_days(D(2026, 12, 7), 20) == D(2027, 1, 5)
    assert not calendar.knows_year(2027) and calendar.knows_year(2026)
    assert calendar.years_not_entered(D(2026, 12, 7)) == [2027]
    assert calendar.years_not_entered(D(2026, 9, 1)) == []  # three months ahead stay in 2026


def test_the_statutory_holidays_of_2027_lunar_ones_included():
    days = statutory_holidays(2027)
    assert days == {
        D(2027, 1, 1): "元旦",
        D(2027, 2, 5): "春节", D(2027, 2, 6): "春节", D(2027, 2, 7): "春节", D(2027, 2, 8): "春节",  # 除夕 to 初三
        D(2027, 4, 5): "清明节",
        D(2027, 5, 1): "劳动节", D(2027, 5, 2): "劳动节",
        D(2027, 6, 9): "端午节",
        D(2027, 9, 15): "中秋节",
        D(2027, 10, 1): "国庆节", D(2027, 10, 2): "国庆节", D(2027, 10, 3): "国庆节"}
    calendar = plain()
    assert [d for d in days if calendar.is_workday(d)] == []
    assert calendar.is_workday(D(2027, 2, 4)) and calendar.is_workday(D(2027, 2, 9))  # no bridging days guessed


def test_the_lunar_and_solar_term_dates_agree_with_the_official_data_of_past_years():
    # Every year chinese_calendar has since 清明, 端午 and 中秋 became holidays (2008): the computed
    # days of the law in force then are days off in the State Council's arrangements.
    # (中秋 fell on 国庆 in 2009 and 2020: the same day off, named once.)
    for year in range(2008, LIBRARY_YEARS.stop):
        days = set(statutory_holidays(year))
        assert len(days) == 13 or year in (2009, 2020), year
        if year < 2025:  # before the 2024 revision: no 除夕, Labour Day one day
            days -= {min(d for d, name in statutory_holidays(year).items() if name == "春节"), D(year, 5, 2)}
        assert [d for d in sorted(days) if chinese_calendar.is_workday(d)] == [], year


def test_the_hall_enters_2027_and_its_days_count():
    calendar = plain(official={2027: EXAMPLE_2027})
    assert calendar.knows_year(2027) and calendar.years_not_entered(D(2026, 12, 7)) == []
    # 18 working days left in December after the 7th, then Tue 5 and Wed 6 January (1-4 January off).
    assert calendar.add_working_days(D(2026, 12, 7), 20) == D(2027, 1, 6)
    # The make-up workday counts: from Thursday 7 January, Friday 8 and Saturday 9.
    assert calendar.is_workday(D(2027, 1, 9))
    assert calendar.add_working_days(D(2027, 1, 7), 2) == D(2027, 1, 9)
    # Statutory holidays the entry leaves out are still days off; a hall's own days still come first.
    assert not calendar.is_workday(D(2027, 10, 1))
    own = plain(official={2027: EXAMPLE_2027}, holidays=[D(2027, 1, 9)], workdays=[D(2027, 1, 4)])
    assert own.is_workday(D(2027, 1, 4)) and not own.is_workday(D(2027, 1, 9))


def test_the_hall_file_enters_a_year_and_checks_its_days():
    small = (HALLS / "small.toml").read_text(encoding="utf-8")
    entry = ("[hall.hours.official.2027]  # EXAMPLE, not the State Council's\n"
             "holidays = [2027-01-01, 2027-01-02, 2027-01-03, 2027-01-04]\nworkdays = [2027-01-09]\n")
    spec = hallfile.parse(small.replace("\n# Display profiles", "\n" + entry + "\n# Display profiles", 1))
    assert spec.hall.hours.official == {2027: EXAMPLE_2027}
    stored = Hours.model_validate(spec.hall.hours.model_dump(mode="json"))  # as the hall's settings keep it
    assert stored.official == {2027: EXAMPLE_2027}
    for bad, message in [("workdays = [2028-01-09]", "2028-01-09 not in 2027"),
                         ("workdays = [2027-01-04]", "2027-01-04 both a holiday and a workday")]:
        with pytest.raises(hallfile.HallFileError, match=message):
            hallfile.parse(small.replace("\n# Display profiles",
                                         "\n" + entry.replace("workdays = [2027-01-09]", bad) + "\n# Display profiles", 1))
    # A New Year break may start in the December before.
    hallfile.parse(small.replace("\n# Display profiles", "\n[hall.hours.official.2027]\nholidays = [2026-12-31]\n"
                                 "\n# Display profiles", 1))


def test_a_missing_year_is_logged_once_not_for_every_day(caplog):
    caplog.set_level(logging.INFO, logger="hallq.queue.hours")
    for _ in range(3):  # the contexts a process makes again and again, days asked over and over
        calendar = plain()
        day = D(2027, 1, 1)
        while day.year == 2027:
            calendar.is_workday(day)
            day += dt.timedelta(days=1)
        calendar.add_working_days(D(2026, 12, 7), 60)
    told = [r for r in caplog.records if r.name == "hallq.queue.hours"]
    assert len(told) == 1 and "2027" in told[0].getMessage()
    caplog.clear()
    entered = plain(official={2027: EXAMPLE_2027})
    assert entered.add_working_days(D(2026, 12, 7), 60) > D(2027, 3, 1)
    assert not caplog.records  # an entered year has nothing to tell
