"""The official calendar as a hall sees it when chinese_calendar has no data for 2027, whatever version is installed.

chinese-calendar 1.11 stops at 2026; a later version will know 2027. The tests of
a year without data pretend the library's data ends with 2026, so they mean the
same on any installed version and any date.
"""
from __future__ import annotations

import datetime as dt

import pytest

from hallq.queue import hours
from hallq.queue.settings import OfficialYear

D = dt.date

# An EXAMPLE arrangement for 2027, made up for the tests: NOT the State Council's (it had
# not published one when this was written). A four-day New Year break, Friday 1 to
# Monday 4 January, made up for on Saturday 9 January.
EXAMPLE_2027 = OfficialYear(holidays=[D(2027, 1, 1), D(2027, 1, 2), D(2027, 1, 3), D(2027, 1, 4)],
                            workdays=[D(2027, 1, 9)])


@pytest.fixture
def library_until_2026(monkeypatch):
    """chinese_calendar's data ends with 2026 (as 1.11's does); nothing cached or told from before."""
    monkeypatch.setattr(hours, "LIBRARY_YEARS", range(hours.LIBRARY_YEARS.start, 2027))
    monkeypatch.setattr(hours, "_told", set())
    hours.official_workday.cache_clear()
    yield
    hours.official_workday.cache_clear()
