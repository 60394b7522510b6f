"""The one way text from outside becomes a whole number, a month or a day.

Query arguments, path parts, form fields, JSON strings and Socket.IO payloads
all come here. Python's `str.isdigit()` and `int()` accept any Unicode digit
(`"¹".isdigit()` is true, `int("¹")` raises, `int("１２")` is 12): here only
ASCII digits count, the value is bounded before the database sees it, and
anything else is a clear `Invalid` (400) naming what was expected. Days and
moments are kept inside the years hallq reckons with: at Python's edges (year 1,
year 9999) converting a time zone or adding a day overflows.
"""
from __future__ import annotations

import datetime as dt
import re

from hallq.queue.errors import Invalid

MAX_ID = 2**31 - 1  # the largest id or window number the databases hold
# Months and years the assessment reckons with: the calendar, the official holidays and the
# year routes all stay inside these, so month arithmetic never leaves the dates Python knows.
FIRST_YEAR, LAST_YEAR = 2000, 2999
FIRST_DAY, LAST_DAY = dt.date(FIRST_YEAR, 1, 1), dt.date(LAST_YEAR, 12, 31)

_WHOLE = re.compile(r"[0-9]{1,10}")  # 10 digits hold MAX_ID; more is out of range anyway
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def whole_number_or_none(text: object, low: int = 0, high: int = MAX_ID) -> int | None:
    """The number `text` spells in ASCII digits, within low..high; None when it spells none."""
    if isinstance(text, bool):
        return None
    if isinstance(text, int):
        return text if low <= text <= high else None
    if not isinstance(text, str) or not _WHOLE.fullmatch(text):
        return None
    value = int(text)
    return value if low <= value <= high else None


def whole_number(text: object, what: str, low: int = 0, high: int = MAX_ID) -> int:
    """The number `text` spells, or Invalid: "`what` must be a whole number from low to high"."""
    value = whole_number_or_none(text, low, high)
    if value is None:
        raise Invalid("invalid_input", detail=f"{what} must be a whole number from {low} to {high}")
    return value


def month(text: object, what: str = "month") -> tuple[int, int]:
    """(year, month) of a `yyyy-mm` from 2000-01 to 2999-12, or Invalid."""
    found = _MONTH.fullmatch(text) if isinstance(text, str) else None
    if found is None or not FIRST_YEAR <= int(found[1]) <= LAST_YEAR or not 1 <= int(found[2]) <= 12:
        raise Invalid("invalid_input",
                      detail=f"{what} must be yyyy-mm from {FIRST_YEAR}-01 to {LAST_YEAR}-12, e.g. 2025-10")
    return int(found[1]), int(found[2])


def reckoned(value: dt.date) -> dt.date:
    """`value` (a day or a moment) when its day is from FIRST_DAY to LAST_DAY, else ValueError: as a
    pydantic validator (schemas.Day, schemas.Moment) it is reported as the field's error."""
    day = value.date() if isinstance(value, dt.datetime) else value
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"must be from {FIRST_DAY} to {LAST_DAY}")
    return value


def day(text: object, what: str) -> dt.date:
    """The day `text` spells as YYYY-MM-DD in ASCII digits, from FIRST_DAY to LAST_DAY, or Invalid."""
    try:
        if isinstance(text, str) and _DAY.fullmatch(text):
            return reckoned(dt.date.fromisoformat(text))
    except ValueError:
        pass
    raise Invalid("invalid_input", detail=f"{what} must be a date (YYYY-MM-DD) from {FIRST_DAY} to {LAST_DAY}")


_LOCAL_MOMENT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2})?")


def local_moment(text: object, tz: dt.tzinfo, what: str = "time") -> dt.datetime | None:
    """A form's datetime-local field (YYYY-MM-DDTHH:MM, the hall's zone) as an aware moment; None when empty."""
    if text is None or text == "":
        return None
    try:
        if isinstance(text, str) and _LOCAL_MOMENT.fullmatch(text):
            return reckoned(dt.datetime.fromisoformat(text).replace(tzinfo=tz))
    except ValueError:
        pass
    raise Invalid("invalid_input", detail=f"{what} must be a time (YYYY-MM-DDTHH:MM) from {FIRST_DAY} to {LAST_DAY}")


_TICKET_NUMBER = re.compile(r"[A-Z]{1,2}[0-9]{1,6}")  # the item's prefix (one or two letters, hall file), its sequence


def ticket_ref(ref: object) -> int | str:
    """A ticket as a person names it: its id (a number or ASCII digits) or today's number ("a001" is A001)."""
    ident = whole_number_or_none(ref, 1)
    if ident is not None:
        return ident
    number = ref.strip().upper() if isinstance(ref, str) else ""
    if not _TICKET_NUMBER.fullmatch(number):
        raise Invalid("invalid_input", detail="ticket must be a ticket id or a ticket number such as A001")
    return number
