"""When a hall is open: opening sessions on working days of the Chinese
official calendar (with make-up workdays), in the hall's time zone.

The official calendar of a year is the State Council's arrangement for it
(国务院办公厅关于部分节假日安排的通知, published each autumn for the next year):
the days off and the make-up workdays (调休). A year is *known* when the
`chinese_calendar` package has its data, or when the hall entered the
arrangement itself ([hall.hours.official.YYYY] in the hall file, for a year
the package's installed version does not have yet).

A year that is neither still has its statutory holidays (全国年节及纪念日放假办法,
as in force from 2025): 元旦 1 Jan; 春节 除夕 to 初三; 清明; 劳动节 1–2 May; 端午;
中秋; 国庆 1–3 Oct. The lunar and solar-term dates come from `lunar_python`
(MIT, no dependencies, offline; checked against chinese_calendar's data for
2008–2026 in tests/queue/test_official_calendar.py). What such a year lacks is
what only the arrangement says: the bridging days, the working day given for a
holiday on a weekend (补假) and the make-up workdays. `HallHours.years_not_entered`
names those years so the supervisors' pages can say so; the log says it once
per process and year.
"""
from __future__ import annotations

import datetime as dt
import logging
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar
from chinese_calendar.constants import holidays as _library_holidays
from chinese_calendar.constants import workdays as _library_workdays  # the arrangements' 调休上班 days
from lunar_python import Lunar

from hallq.queue.settings import Hours

log = logging.getLogger(__name__)

# The years chinese_calendar has the arrangement of (its data runs from its first year to its last).
LIBRARY_YEARS = range(min(_library_holidays).year, max(_library_holidays).year + 1)

# How far ahead the pages look for a year not entered: promises and legal time limits
# reach some 60 working days (about three months) from the day a case is accepted.
LOOK_AHEAD = dt.timedelta(days=92)

# How far next_opening looks: the longest official break (春节 with its weekends) is 9 days.
NEXT_OPENING_DAYS = 31


def library_knows(year: int) -> bool:
    """Whether the installed chinese_calendar has the State Council's arrangement for `year`."""
    return year in LIBRARY_YEARS


def _solar(lunar: Lunar) -> dt.date:
    solar = lunar.getSolar()
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


@lru_cache(maxsize=64)
def statutory_holidays(year: int) -> dict[dt.date, str]:
    """The statutory holidays of `year` (全国年节及纪念日放假办法 as revised in 2024), day -> name.

    Only the law's own days: not the bridging days, the 补假 for one on a weekend, nor make-up workdays.
    """
    new_year = _solar(Lunar.fromYmd(year, 1, 1))
    qingming = Lunar.fromYmd(year, 3, 1).getJieQiTable()["清明"]
    days = {dt.date(year, 1, 1): "元旦",
            new_year - dt.timedelta(days=1): "春节",  # 除夕, the lunar year's last day
            **{new_year + dt.timedelta(days=n): "春节" for n in range(3)},
            dt.date(qingming.getYear(), qingming.getMonth(), qingming.getDay()): "清明节",
            dt.date(year, 5, 1): "劳动节", dt.date(year, 5, 2): "劳动节",
            _solar(Lunar.fromYmd(year, 5, 5)): "端午节",
            _solar(Lunar.fromYmd(year, 8, 15)): "中秋节",
            **{dt.date(year, 10, d): "国庆节" for d in (1, 2, 3)}}
    return {day: name for day, name in days.items() if day.year == year}


_told: set[int] = set()


@lru_cache(maxsize=4096)
def official_workday(day: dt.date) -> bool:
    """A working day by the State Council's calendar; for a year chinese_calendar lacks, a weekday that is
    no statutory holiday (the hall's entered arrangement is HallHours' part)."""
    if library_knows(day.year):
        return chinese_calendar.is_workday(day)
    if day.year not in _told:
        _told.add(day.year)
        log.warning("chinese_calendar has no official calendar for %s: counting its statutory holidays only, "
                    "no make-up workdays; enter the State Council's arrangement in the hall file "
                    "([hall.hours.official.%s]) or upgrade chinese-calendar", day.year, day.year)
    return by_the_law(day)


def by_the_law(day: dt.date) -> bool:
    """A working day when only the law's statutory holidays are known: a weekday that is none of them."""
    return day.weekday() < 5 and day not in statutory_holidays(day.year)


def calendar_years(hours: Hours, today: dt.date, ahead: dt.timedelta = LOOK_AHEAD) -> list[dict]:
    """The official calendar's status per year, as the admin's Hall page shows it: last year to the look-ahead,
    and every year the hall entered. `source`: "library" (chinese_calendar has the State Council's
    arrangement), "hall" (the hall entered it: its days are those), or "missing" (statutory holidays only,
    no bridging days nor make-up workdays: enter it). Each with its days off and make-up workdays."""
    years = set(range(today.year - 1, (today + ahead).year + 1)) | set(hours.official)
    out = []
    for year in sorted(years):
        if year in hours.official:  # the hall's entry wins, as HallHours.is_workday reads it
            entry = hours.official[year]
            source, holidays, workdays = "hall", sorted(entry.holidays), sorted(entry.workdays)
        elif library_knows(year):
            source = "library"
            holidays = sorted(d for d in _library_holidays if d.year == year)
            workdays = sorted(d for d in _library_workdays if d.year == year)
        else:
            source, holidays, workdays = "missing", sorted(statutory_holidays(year)), []
        out.append({"year": year, "source": source, "holidays": [d.isoformat() for d in holidays],
                    "workdays": [d.isoformat() for d in workdays]})
    return out


class HallHours:
    def __init__(self, hours: Hours, timezone: str):
        self.hours = hours
        self.tz = ZoneInfo(timezone)
        self._holidays = frozenset(hours.holidays)
        self._workdays = frozenset(hours.workdays)
        # The arrangements the hall entered: day -> whether it is a working day.
        self._entered: dict[dt.date, bool] = {}
        for entry in hours.official.values():
            self._entered.update({day: False for day in entry.holidays})
            self._entered.update({day: True for day in entry.workdays})

    def local_day(self, now: dt.datetime) -> dt.date:
        return now.astimezone(self.tz).date()

    def is_workday(self, day: dt.date) -> bool:
        if day in self._holidays:
            return False
        if day in self._workdays:
            return True
        entered = self._entered.get(day)
        if entered is not None:
            return entered
        if day.year in self.hours.official and not library_knows(day.year):
            return by_the_law(day)  # entered by the hall: nothing to warn about
        return official_workday(day)

    def knows_year(self, year: int) -> bool:
        """Whether the official arrangement of `year` is known: chinese_calendar's data or the hall's entry."""
        return library_knows(year) or year in self.hours.official

    def years_not_entered(self, today: dt.date, ahead: dt.timedelta = LOOK_AHEAD) -> list[int]:
        """The years from `today` to `ahead` later whose official arrangement is not known (see the module)."""
        return [year for year in range(today.year, (today + ahead).year + 1) if not self.knows_year(year)]

    def sessions_on(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        """Opening sessions of a day as aware datetimes (empty when closed)."""
        if self.hours.always_open:
            start = dt.datetime.combine(day, dt.time(0), self.tz)
            return [(start, dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), self.tz))]
        if not self.is_workday(day):
            return []
        return [(dt.datetime.combine(day, a, self.tz), dt.datetime.combine(day, b, self.tz))
                for a, b in self.hours.sessions_of(day)]

    def is_open(self, now: dt.datetime) -> bool:
        return any(a <= now < b for a, b in self.sessions_on(self.local_day(now)))

    def next_opening(self, now: dt.datetime, *, tomorrow_on: bool = False) -> dt.datetime | None:
        """When the next opening session starts after `now` (in the hall's zone); from tomorrow on when
        `tomorrow_on` (today's numbers are over: quota used, or issuing stopped before closing).
        None when the hall never closes or opens on none of the next NEXT_OPENING_DAYS days."""
        if self.hours.always_open:
            return None
        today = self.local_day(now)
        for n in range(1 if tomorrow_on else 0, NEXT_OPENING_DAYS):
            for start, _ in self.sessions_on(today + dt.timedelta(days=n)):
                if start > now:
                    return start
        return None

    def closing_time(self, day: dt.date) -> dt.datetime | None:
        """When the day's last session ends; None on a closed day."""
        sessions = self.sessions_on(day)
        return sessions[-1][1] if sessions else None

    def minutes_to_close(self, now: dt.datetime) -> float | None:
        """Minutes until the day's closing, or None where the hall never closes."""
        if self.hours.always_open:
            return None
        close = self.closing_time(self.local_day(now))
        return None if close is None else (close - now).total_seconds() / 60

    def add_working_days(self, day: dt.date, n: int) -> dt.date:
        """The date n working days after `day` (a promised case's due date)."""
        while n > 0:
            day += dt.timedelta(days=1)
            if self.is_workday(day):
                n -= 1
        return day
