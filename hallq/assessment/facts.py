"""What the assessment reads: plain records of one hall's month.

The database side fills these from tickets, ticket events, ratings, window
sessions and supervisors' records; the engine never touches the database.
Every fact carries the id the scorecard cites as evidence, and the window
and staff member it is attributed to (a department is reached through its
windows and staff unless a fact names it).

Times are timezone-aware datetimes; dates are hall-local days.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

Scope = Literal["window", "department", "staff"]
SCOPES: tuple[Scope, ...] = ("window", "department", "staff")


# --- who is assessed ------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class WindowInfo:
    number: int
    name: str
    department: str | None = None  # department code; None for a comprehensive window
    live_from: dt.date | None = None  # its first day in hallq: days before count for nothing


@dataclass(frozen=True, slots=True)
class StaffInfo:
    number: str
    name: str
    department: str | None = None
    window: int | None = None  # the window of the staff member's A post, for window-grade items
    live_from: dt.date | None = None
    b_post_only: bool = False  # holds only B posts: in attendance while standing in, never assessed (seed 000)


@dataclass(frozen=True, slots=True)
class DepartmentInfo:
    code: str
    name: str


# --- facts the system records ----------------------------------------------------

@dataclass(frozen=True, slots=True)
class Service:
    """A ticket served to the end (a `finished` event): counts as a ticket served."""
    ticket: int
    window: int
    staff: str | None
    finished_at: dt.datetime
    outcome: str | None = None  # immediate, promised, joint, supplement, forwarded, rejected


@dataclass(frozen=True, slots=True)
class Rating:
    """A 好差评 rating: level 5 = 非常满意 … 1 = 非常不满意."""
    id: int
    ticket: int
    window: int
    staff: str | None
    level: int
    at: dt.datetime
    # False when a supervisor ruled the bad review mistaken or malicious (申诉复核).
    counted: bool = True
    channel: str = "pad"


@dataclass(frozen=True, slots=True)
class PromisedCase:
    """A 承诺件: accepted at a window with a promised number of working days."""
    ticket: int
    window: int
    staff: str | None
    promised_days: int
    accepted_on: dt.date
    due_on: dt.date
    finished_on: dt.date | None = None  # None while the case is still open


@dataclass(frozen=True, slots=True)
class RepeatVisit:
    """A citizen came back for the same item after a 补办 (supplement) outcome."""
    supplement_ticket: int          # the visit that ended in 补办
    return_tickets: tuple[int, ...]  # the later visits for the same item
    window: int
    staff: str | None
    # True when the first visit's 材料补齐通知书 already listed what was missing
    # on the later visits, so the returns are not the window's fault.
    one_time_notice: bool = False


@dataclass(frozen=True, slots=True)
class SessionSpan:
    """A window session: someone signed in at a window (WindowSession)."""
    id: int
    window: int
    staff: str | None
    started_at: dt.datetime
    ended_at: dt.datetime | None  # None: still signed in at the end of the facts


@dataclass(frozen=True, slots=True)
class PauseSpan:
    """A pause of a window inside a session (暂停服务), with its stated reason."""
    id: int
    session: int
    window: int
    reason: str
    started_at: dt.datetime
    ended_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class LeaveSpan:
    """An approved leave (请假) of a staff member: the opening sessions starting in [start, end) are excused.

    A leave is asked in half days: a morning runs from its day's midnight to noon, an afternoon from noon
    to the next midnight (hallq.queue.leave)."""
    id: int
    staff: str
    start: dt.datetime
    end: dt.datetime
    stand_in: str | None = None


@dataclass(frozen=True, slots=True)
class Transfer:
    ticket: int
    window: int
    staff: str | None
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class NoShow:
    ticket: int
    window: int
    staff: str | None
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class ItemMadeImmediate:
    """An item turned from 承诺件 into 即办件: an admin change set its promised time from some working days to 0
    (seed 002 第十八条（一）"窗口单位将承诺件改为即办件的，每项加5分": per item, for its department's window unit)."""
    id: int  # the admin change (hallq.queue.audit), cited as the evidence
    item: str  # the item's code
    item_name: str
    promised_before: int  # working days it was promised in before
    on: dt.date  # the hall-local day of the change
    actor: str
    department: str | None
    window: int | None  # the window unit credited: its department's lowest-numbered window
    staff: str | None = None  # never a staff member's: the unit's


@dataclass(frozen=True, slots=True)
class SupervisorRecord:
    """An entry by a supervisor (督查) for what the system cannot see.

    `item` is the key of the scheme line it counts under (e.g. "off_task");
    `points` is given only where that line lets the entry set them (e.g. a
    praise worth 1 to 5 points), signed like the line (negative deducts).
    """
    id: int
    kind: str
    item: str
    evidence: str
    entered_by: str
    at: dt.datetime
    window: int | None = None
    staff: str | None = None
    department: str | None = None
    points: float | None = None
    count: int = 1  # 人次: one entry may record several people or occurrences
    on: dt.date | None = None  # the hall-local day it happened (None: the day of `at`)


@dataclass(frozen=True, slots=True)
class Appeal:
    """A decided appeal (复议) of one scorecard item.

    decision: "upheld" keeps the points, "removed" drops them, "changed" sets
    the item's points to `points` (signed, as shown on the scorecard).
    """
    id: int
    scope: Scope
    unit: str      # window number, staff number or department code, as text
    item: str      # the scorecard item key, e.g. "discipline.late_or_early"
    decision: Literal["upheld", "removed", "changed"]
    reason: str
    decided_by: str
    decided_at: dt.datetime
    points: float | None = None


@dataclass(slots=True)
class MonthFacts:
    """Everything the engine reads for one hall and one month."""
    year: int
    month: int
    windows: list[WindowInfo] = field(default_factory=list)
    staff: list[StaffInfo] = field(default_factory=list)
    departments: list[DepartmentInfo] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    ratings: list[Rating] = field(default_factory=list)
    cases: list[PromisedCase] = field(default_factory=list)
    repeat_visits: list[RepeatVisit] = field(default_factory=list)
    sessions: list[SessionSpan] = field(default_factory=list)
    pauses: list[PauseSpan] = field(default_factory=list)
    transfers: list[Transfer] = field(default_factory=list)
    no_shows: list[NoShow] = field(default_factory=list)
    records: list[SupervisorRecord] = field(default_factory=list)
    items_made_immediate: list[ItemMadeImmediate] = field(default_factory=list)
    appeals: list[Appeal] = field(default_factory=list)
    # Approved leaves touching the month. None: the leave register was not read (facts made by hand), so an
    # A-post holder's missing half day cannot be told from leave and absence (旷工) is not judged.
    leaves: list[LeaveSpan] | None = None
    # A month read before it ended runs to `until` (aware; `today` is its hall-local day): it is
    # scored on the facts so far and is provisional, nothing is projected forward. None: the
    # month is over and counted to its end.
    until: dt.datetime | None = None
    today: dt.date | None = None
    live_from: dt.date | None = None  # the hall's first day in hallq: days before count for nothing
    # Tickets the evidence names, as people name them: id -> "A004 (10-15)" (number and day).
    ticket_labels: dict[int, str] = field(default_factory=dict)

    def ticket(self, ticket_id: int) -> str:
        return self.ticket_labels.get(ticket_id, "")

    @property
    def provisional(self) -> bool:
        return self.until is not None

    @property
    def counted_to(self) -> dt.date:
        """The last day whose facts count: today in a running month, else the month's last day."""
        return self.today if self.today is not None else self.last_day

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def last_day(self) -> dt.date:
        nxt = dt.date(self.year + (self.month == 12), self.month % 12 + 1, 1)
        return nxt - dt.timedelta(days=1)

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@dataclass(frozen=True, slots=True)
class History:
    """What earlier months say about this one: grades of the months before
    (oldest first), eligibility lost earlier in the year, and the year's earlier
    occurrences of each line."""
    grades: dict[tuple[Scope, str], tuple[str, ...]] = field(default_factory=dict)
    ineligible: dict[tuple[Scope, str], str] = field(default_factory=dict)  # unit -> why
    # (scope, unit, line key) -> occurrences in the earlier months of the year (for counted flags)
    counts: dict[tuple[Scope, str, str], float] = field(default_factory=dict)
    # (scope, unit) -> the earlier months' records, each (day, record kind, line key, count), standing
    # (not removed on appeal), whatever the year: for flags counted within working days (seed 002).
    dated: dict[tuple[Scope, str], tuple[tuple[dt.date, str, str, int], ...]] = field(default_factory=dict)
