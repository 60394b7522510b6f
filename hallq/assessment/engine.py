"""The scoring engine: a month's facts and a scheme in, ranked scorecards out.

Pure Python over `facts.MonthFacts`; no database, no web. The order is
windows, then departments, then staff, because a staff line may read the
grade of the staff member's window (e.g. "所在窗口月考核为不合格，每人扣2分").
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from operator import attrgetter
from typing import Protocol

from hallq.assessment import attendance, departments
from hallq.assessment.definitions import definitions
from hallq.assessment.facts import (SCOPES, Appeal, History, ItemMadeImmediate, MonthFacts, NoShow, PromisedCase,
                                    Rating, RepeatVisit, Scope, Service, SupervisorRecord, Transfer)
from hallq.assessment.ranking import assign_grades, assign_ranks, pick, quota_size, rank_key
from hallq.assessment.scheme import Rule, Scheme, Section, Settings
from hallq.assessment.scorecard import (Chosen, Evidence, Flag, Item, MonthResult, Scorecard,
                                        SectionScore, pts)
from hallq.assessment.workdays import working_days_after


BANDED = ("rating.satisfaction", "ticket.volume")
RECORD_KINDS = {"inspection_finding": "督查发现", "verified_complaint": "投诉查实", "praise_letter": "表扬信",
                "media_mention": "媒体报道", "misconduct": "违纪行为", "other": "其他"}


class FactError(ValueError):
    """Facts the scheme cannot score (a record naming no line, points out of range, …)."""


class HallCalendar(Protocol):
    """`hallq.queue.hours.HallHours` fits."""
    def is_workday(self, day: dt.date) -> bool: ...
    def sessions_on(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]: ...
    def local_day(self, moment: dt.datetime) -> dt.date: ...


@dataclass(slots=True)
class Bucket:
    """The facts attributed to one unit."""
    services: list[Service] = field(default_factory=list)
    ratings: list[Rating] = field(default_factory=list)
    cases: list[PromisedCase] = field(default_factory=list)
    repeat_visits: list[RepeatVisit] = field(default_factory=list)
    incidents: list[attendance.Incident] = field(default_factory=list)
    transfers: list[Transfer] = field(default_factory=list)
    no_shows: list[NoShow] = field(default_factory=list)
    records: list[SupervisorRecord] = field(default_factory=list)
    items_made_immediate: list[ItemMadeImmediate] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Unit:
    scope: Scope
    key: str
    number: int | str | None
    name: str
    department: str | None


@dataclass(slots=True)
class Context:
    facts: MonthFacts
    scheme: Scheme
    scope: Scope
    days: "WorkdayCounter"
    volume: dict[str, tuple[int, int]]       # unit -> (rank by tickets served, tickets served)
    volume_bar: dict[int, int]                # top -> tickets served of the unit at that place
    window_grades: dict[str, str]             # window unit -> grade (for staff lines)
    appeals: dict[tuple[Scope, str, str], Appeal]
    rules: dict[str, Rule] = field(default_factory=dict)
    staff_windows: dict[str, int | None] = field(default_factory=dict)
    staff_deducted: dict[str, float] = field(default_factory=dict)  # staff -> points their own lines took


def compute_month(facts: MonthFacts, schemes: Scheme | Mapping[Scope, Scheme], calendar: HallCalendar,
                  history: History | None = None) -> MonthResult:
    """Score, rank, grade and select every unit of the scopes the scheme(s) assess.

    `schemes`: one scheme for all the scopes it assesses, or one per scope
    (e.g. the county window scheme for windows and departments and the
    德能勤绩廉 scheme for staff). `calendar`: the hall's HallHours.
    `history`: earlier months of the year (grades, lost eligibility).
    """
    plan = _plan(schemes)
    history = history or History()
    _check_records(facts.records, plan)
    days = WorkdayCounter(calendar)
    units = _units(facts)
    absent = _not_assessed(facts)
    department_names = {d.code: d.name for d in facts.departments}
    appeals = _index_appeals(facts.appeals, plan)
    cards: dict[Scope, list[Scorecard]] = {}
    chosen: dict[str, Chosen] = {}
    window_grades: dict[str, str] = {}
    incidents_by_settings: dict[tuple, list[attendance.Incident]] = {}
    for scope in SCOPES:
        scheme = plan.get(scope)
        if scheme is None:
            continue
        s = scheme.settings
        buckets = _buckets(facts, scope, _incidents(facts, calendar, s, incidents_by_settings))
        assessed = units[scope]
        ctx = Context(facts, scheme, scope, days, {}, {}, window_grades, appeals,
                      rules={r.key: r for r in scheme.rules()},
                      staff_windows={st.number: st.window for st in facts.staff})
        _volume(ctx, assessed, buckets)
        if scope == "window" and any(r.source == "staff.deductions" for r in scheme.rules()):
            ctx.staff_deducted = _staff_deducted(facts, plan.get("staff"), days, appeals, units["staff"],
                                                 incidents_by_settings, calendar)
        if scope == "department" and s.department_score != "own":
            scope_cards = _departments(ctx, assessed, buckets, cards.get("window"), s.department_score)
        else:
            scope_cards = [score_unit(ctx, u, buckets.get(u.key, Bucket())) for u in assessed]
        short = _below_minimum(facts, calendar, scope, s) if scope != "department" else {}
        for card in scope_cards:
            card.not_assessed = card.not_assessed or absent.get((scope, card.unit)) or short.get(card.unit)
            card.department_name = department_names.get(card.department)
        scope_cards = _rank_grade_select(scope_cards, scheme, scope, history, chosen, days, facts.first_day)
        cards[scope] = scope_cards
        if scope == "window":
            window_grades.update({c.unit: c.grade for c in scope_cards if c.grade})
    return MonthResult(
        month=facts.label, cards=cards, selections=chosen,
        schemes={scope: scheme.id for scope, scheme in plan.items()},
        definitions={scope: definitions(scheme) for scope, scheme in plan.items()},
        counted_to=facts.today)


# --- set-up ----------------------------------------------------------------------

def _plan(schemes: Scheme | Mapping[Scope, Scheme]) -> dict[Scope, Scheme]:
    if isinstance(schemes, Scheme):
        return {scope: schemes for scope in schemes.scopes}
    plan = {}
    for scope, scheme in schemes.items():
        if scope not in scheme.scopes:
            raise FactError(f"scheme {scheme.id} does not assess {scope}")
        plan[scope] = scheme
    return plan


def _check_records(records: Iterable[SupervisorRecord], plan: Mapping[Scope, Scheme]) -> None:
    lines: dict[str, list[Rule]] = defaultdict(list)
    for scheme in {id(s): s for s in plan.values()}.values():
        for rule in scheme.record_items():
            lines[rule.key].append(rule)
    for r in records:
        if r.item not in lines:
            raise FactError(f"record {r.id}: no line {r.item!r} in the scheme(s) in use")
        if r.window is None and r.staff is None and r.department is None:
            raise FactError(f"record {r.id}: names no window, staff member or department")
        if r.count < 1:
            raise FactError(f"record {r.id}: count must be at least 1")
        # One key may be a line in two schemes in use (windows and staff):
        # a fixed line ignores the entry's points, an entry-set line checks them.
        entry_set = [rule for rule in lines[r.item] if rule.entry_points is not None]
        for rule in entry_set:
            lo, hi = rule.entry_points
            if r.points is None or not lo <= r.points <= hi:
                raise FactError(f"record {r.id}: {rule.name} takes points from {lo:g} to {hi:g}")
        if not entry_set and r.points is not None and any(r.points != rule.points for rule in lines[r.item]):
            rule = lines[r.item][0]
            raise FactError(f"record {r.id}: {rule.name} is worth {rule.points:g} points; the entry cannot set them")


def _units(facts: MonthFacts) -> dict[Scope, list[Unit]]:
    """Who is assessed: a window or staff member live in hallq by the last day counted."""
    if not _live_by(facts.live_from, facts.counted_to):
        return {"window": [], "department": [], "staff": []}
    return {
        "window": [Unit("window", str(w.number), w.number, w.name, w.department) for w in facts.windows
                   if _live_by(w.live_from, facts.counted_to)],
        "department": [Unit("department", d.code, None, d.name, d.code) for d in facts.departments],
        "staff": [Unit("staff", s.number, s.number, s.name, s.department) for s in facts.staff
                  if _live_by(s.live_from, facts.counted_to)],
    }


def _not_assessed(facts: MonthFacts) -> dict[tuple[Scope, str], str]:
    """Units that take no rank, grade or place: no attendance and no work in the month (never
    优秀 for an empty month), and B-post staff, who stand in but are not assessed (seed 000 第四条)."""
    signed_in = {s.window for s in facts.sessions} | {s.staff for s in facts.sessions if s.staff}
    worked = {s.window for s in facts.services} | {s.staff for s in facts.services if s.staff}
    active = signed_in | worked
    out: dict[tuple[Scope, str], str] = {}
    idle = "本月无考勤、无办件，不参加考核"
    for w in facts.windows:
        if w.number not in active:
            out[("window", str(w.number))] = idle
    for st in facts.staff:
        if st.b_post_only:
            out[("staff", st.number)] = "B岗人员只参加顶岗时的考勤，不参加考核"
        elif st.number not in active:
            out[("staff", st.number)] = idle
    busy = {w.department for w in facts.windows if w.number in active} | \
        {st.department for st in facts.staff if st.number in active}
    for d in facts.departments:
        if d.code not in busy:
            out[("department", d.code)] = "本部门窗口和人员本月无考勤、无办件，不参加考核"
    return out


def _incidents(facts: MonthFacts, calendar: HallCalendar, s: Settings,
               cache: dict[tuple, list[attendance.Incident]]) -> list[attendance.Incident]:
    """Attendance incidents under a scheme's settings, made once per distinct settings."""
    marks = (s.unattended_minutes, s.late_grace_minutes, s.allowed_pause_reasons)
    if marks not in cache:
        windows = [w.number for w in facts.windows]
        # Expected at work: the A-post holders (B posts only while standing in, seed 000 第四条).
        expected = {st.number: (st.window, st.live_from) for st in facts.staff
                    if st.window in windows and not st.b_post_only}
        cache[marks] = attendance.incidents(
            facts.sessions, facts.pauses, calendar, facts.first_day, facts.counted_to,
            unattended_minutes=s.unattended_minutes, late_grace_minutes=s.late_grace_minutes,
            allowed_pause_reasons=s.allowed_pause_reasons, windows=windows,
            until=facts.until, live_from=_window_live_from(facts), leaves=facts.leaves, expected=expected)
    return cache[marks]


def _below_minimum(facts: MonthFacts, calendar: HallCalendar, scope: Scope, s: Settings) -> dict[str, str]:
    """Units short of the scheme's minimum attendance (days signed in) or workload (tickets served):
    no grade, rank, quota place or title for them (DOMAIN.md: who is assessed)."""
    if not s.min_attended_days and not s.min_tickets_served:
        return {}
    key_of = attrgetter("window") if scope == "window" else attrgetter("staff")
    days: dict[str, set[dt.date]] = defaultdict(set)
    for span in facts.sessions:
        if key_of(span) is not None:
            days[str(key_of(span))].add(calendar.local_day(span.started_at))
    served: dict[str, int] = defaultdict(int)
    for row in facts.services:
        if key_of(row) is not None:
            served[str(key_of(row))] += 1
    units = [str(w.number) for w in facts.windows] if scope == "window" else [st.number for st in facts.staff]
    out = {}
    for unit in units:
        if len(days[unit]) < s.min_attended_days or served[unit] < s.min_tickets_served:
            out[unit] = (f"本月出勤{len(days[unit])}天、办件{served[unit]}件，未达考核最低要求"
                         f"（出勤{s.min_attended_days}天、办件{s.min_tickets_served}件），不参加考核")
    return out


def _departments(ctx: Context, assessed: list[Unit], buckets: Mapping[str, Bucket],
                 window_cards: list[Scorecard] | None, mode: str) -> list[Scorecard]:
    """Departments by the average of their windows, or not at all (departments.py)."""
    cards = []
    by_unit = {c.unit: c for c in window_cards or []}
    members = departments.member_windows(ctx.facts)
    for u in assessed:
        own_records = Bucket(records=[r for r in buckets.get(u.key, Bucket()).records if r.department == u.key])
        own = score_unit(ctx, u, own_records)
        if mode == "none":
            own.not_assessed = departments.NOT_SCORED
            cards.append(own)
            continue
        empty = score_unit(ctx, u, Bucket()).score
        stats = _stats(buckets.get(u.key, Bucket()), ctx.scheme.settings)
        windows = [by_unit[str(n)] for n in members.get(u.key, []) if str(n) in by_unit]
        cards.append(departments.average_card(own, empty, windows, stats, ctx.scheme.max_total))
    return cards


def _live_by(live_from: dt.date | None, day: dt.date) -> bool:
    return live_from is None or live_from <= day


def _window_live_from(facts: MonthFacts) -> dict[int, dt.date]:
    """Each window's first counted day: its own, or the hall's if later."""
    days = {}
    for w in facts.windows:
        found = [d for d in (facts.live_from, w.live_from) if d is not None]
        if found:
            days[w.number] = max(found)
    return days


def _index_appeals(appeals: Iterable[Appeal], plan: Mapping[Scope, Scheme]) -> dict[tuple[Scope, str, str], Appeal]:
    out: dict[tuple[Scope, str, str], Appeal] = {}
    for a in sorted(appeals, key=lambda a: (a.decided_at, a.id)):
        scheme = plan.get(a.scope)
        if scheme is None:
            raise FactError(f"appeal {a.id}: {a.scope} is not assessed")
        known = {r.key for r in scheme.rules()} | {s.key for s in scheme.leaves() if s.kind in ("satisfaction", "volume_rank")}
        if a.item not in known:
            raise FactError(f"appeal {a.id}: no item {a.item!r} in scheme {scheme.id}")
        if a.decision == "changed" and a.points is None:
            raise FactError(f"appeal {a.id}: a changed item needs its new points")
        out[(a.scope, a.unit, a.item)] = a  # the latest decision stands
    return out


def _buckets(facts: MonthFacts, scope: Scope, incidents: list[attendance.Incident]) -> dict[str, Bucket]:
    if scope == "window":
        key_of = attrgetter("window")
    elif scope == "staff":
        key_of = attrgetter("staff")
    else:
        window_dept = {w.number: w.department for w in facts.windows}
        staff_dept = {st.number: st.department for st in facts.staff}

        def key_of(row):  # the staff on duty's department answers for the work (a comprehensive window)
            return staff_dept.get(row.staff) or window_dept.get(row.window)
    buckets: dict[str, Bucket] = defaultdict(Bucket)
    for name, rows in (("services", facts.services), ("ratings", facts.ratings), ("cases", facts.cases),
                       ("repeat_visits", facts.repeat_visits), ("incidents", incidents),
                       ("transfers", facts.transfers), ("no_shows", facts.no_shows)):
        grouped: dict = defaultdict(list)
        for row in rows:
            grouped[key_of(row)].append(row)
        for k, found in grouped.items():
            if k is not None:
                setattr(buckets[str(k)], name, found)
    for r in facts.records:
        k = (r.department or key_of(r)) if scope == "department" else key_of(r)
        if k is not None:
            buckets[str(k)].records.append(r)
    for c in facts.items_made_immediate:  # the item's department, and the window unit credited for it
        k = c.department if scope == "department" else key_of(c)
        if k is not None:
            buckets[str(k)].items_made_immediate.append(c)
    return buckets


def _volume(ctx: Context, assessed: list[Unit], buckets: Mapping[str, Bucket]) -> None:
    """Ranks by tickets served, for volume_rank sections."""
    served = sorted(((len(buckets[u.key].services) if u.key in buckets else 0, u.key) for u in assessed),
                    key=lambda x: -x[0])
    prev, rank = None, 0
    for i, (n, key) in enumerate(served, 1):
        if n != prev:
            rank, prev = i, n
        ctx.volume[key] = (rank, n)
    for leaf in ctx.scheme.leaves():
        if leaf.kind == "volume_rank" and served:
            ctx.volume_bar[leaf.top] = served[min(leaf.top, len(served)) - 1][0]


class WorkdayCounter:
    """Working days between dates, remembered: many cases share dates."""

    def __init__(self, calendar: HallCalendar):
        self.calendar = calendar
        self.after = lru_cache(maxsize=None)(self._after)

    def _after(self, after: dt.date, through: dt.date) -> int:
        return working_days_after(self.calendar, after, through)


# --- one unit ----------------------------------------------------------------------

def score_unit(ctx: Context, unit: Unit, bucket: Bucket) -> Scorecard:
    scheme, settings = ctx.scheme, ctx.scheme.settings
    stats = _stats(bucket, settings)
    items: list[Item] = []
    flags: list[Flag] = []
    zeroed_by: list[Item] = []
    ineligible: dict[str, str] = {}

    def leaf_items(leaf: Section, category: Section) -> list[Item]:
        made: list[Item] = []
        if leaf.kind == "satisfaction":
            made.append(_satisfaction_item(leaf, category, bucket, stats, settings, flags))
        elif leaf.kind == "volume_rank":
            made.append(_volume_item(leaf, category, unit, ctx))
        for rule in leaf.rules:
            if unit.scope not in rule.scopes:
                continue
            item = _rule_item(rule, leaf, category, unit, bucket, ctx)
            if item is not None:
                made.append(item)
        done = []
        for item in made:
            _apply_appeal(item, ctx.appeals.get((unit.scope, unit.key, item.key)))
            # Banded items always show: they state the rate or volume behind the points.
            if item.count or item.points or item.appeal or item.source in BANDED:
                done.append(item)
        return done

    def score(section: Section, category: Section) -> SectionScore:
        if section.parts:
            first = len(items)
            parts = [score(p, category) for p in section.parts]
            raw = sum(p.points for p in parts)
            limited = _limit(section, raw, parts=parts)
            _absorb(items[first:], limited.points - raw)
            return limited
        leaf_made = leaf_items(section, category)
        items.extend(leaf_made)
        for item in leaf_made:
            rule = ctx.rules.get(item.key)
            if rule is not None and item.stands:
                if rule.zeroes == "month":
                    zeroed_by.append(item)
                if rule.removes_eligibility:
                    ineligible.setdefault(rule.removes_eligibility, item.name)
        full = 0.0 if section.kind == "bonus" else section.max
        raw = full + sum(i.points for i in leaf_made)
        limited = _limit(section, raw, items=[i.key for i in leaf_made])
        _absorb(leaf_made, limited.points - raw)
        return limited

    def score_category(category: Section) -> SectionScore:
        first = len(items)
        scored = score(category, category)
        zeroing = [i for i in items[first:] if i.stands and getattr(ctx.rules.get(i.key), "zeroes", None) == "category"]
        if zeroing:
            # The line that zeroes the category takes what was left of it, so the lines still add up.
            zeroing[0].applied = pts(zeroing[0].takes - scored.points)
            scored.points = 0.0
            scored.limited = "zeroed"
            flags.append(Flag("zeroed_category", f"{category.name}本月不得分：" + "；".join(i.name for i in zeroing)))
        return scored

    categories = [score_category(c) for c in scheme.categories]
    base = sum(c.points for c, spec in zip(categories, scheme.categories) if spec.kind != "bonus")
    bonus = sum(c.points for c, spec in zip(categories, scheme.categories) if spec.kind == "bonus")
    total = base + bonus
    if scheme.max_total is not None and total > scheme.max_total:
        _absorb(items, scheme.max_total - total)
        total = scheme.max_total
    if zeroed_by:
        total = 0.0
        flags.append(Flag("zeroed", "本月不得分：" + "；".join(i.name for i in zeroed_by)))
    card = Scorecard(
        month=ctx.facts.label, scope=unit.scope, unit=unit.key, number=unit.number, name=unit.name,
        department=unit.department, scheme=scheme.id, score=pts(total), base_points=pts(base),
        bonus_points=pts(bonus), categories=categories, items=items, stats=stats, flags=flags,
        zeroed=bool(zeroed_by))
    if "year" in ineligible:
        card.ineligible_year = card.ineligible = ineligible["year"]
    elif "month" in ineligible:
        card.ineligible = ineligible["month"]
    return card


def _absorb(items: list[Item], cut: float) -> None:
    """Spread a cap's or a floor's cut over the lines behind it, the last first, so each line
    shows what it took: a floor (cut > 0) gives back deductions, a cap (cut < 0) takes back bonuses."""
    for item in reversed(items):
        if abs(cut) < 1e-9:
            return
        took = item.takes
        if cut > 0 and took < 0:
            back = min(cut, -took)
        elif cut < 0 and took > 0:
            back = max(cut, -took)
        else:
            continue
        item.applied = pts(took + back)
        cut -= back


def _limit(section: Section, raw: float, *, parts=(), items=()) -> SectionScore:
    top = section.max if section.max is not None else float("inf")
    points = min(max(raw, 0.0), top)
    limited = "cap" if raw > top else "floor" if raw < 0 else None
    return SectionScore(section.key, section.name, section.kind, section.max, pts(points), pts(raw),
                        limited, list(parts), list(items))


def _stats(bucket: Bucket, settings: Settings) -> dict:
    counted = [r for r in bucket.ratings if r.counted]
    satisfied = sum(1 for r in counted if r.level >= settings.satisfied_from_level)
    return {
        "tickets_served": len(bucket.services),
        "ratings_counted": len(counted),
        "ratings_satisfied": satisfied,
        "ratings_excluded": len(bucket.ratings) - len(counted),
        "satisfaction_rate": satisfied / len(counted) if counted else None,
        "transfers": len(bucket.transfers),
        "no_shows": len(bucket.no_shows),
        "promised_cases": len(bucket.cases),
    }


def _satisfaction_item(leaf: Section, category: Section, bucket: Bucket, stats: dict,
                       settings: Settings, flags: list[Flag]) -> Item:
    rate = stats["satisfaction_rate"]
    if rate is None:
        flags.append(Flag("no_ratings", "本月没有计入的评价"))
        got = leaf.max if settings.no_ratings_full else leaf.bands[-1].points
        detail = "本月没有计入的评价，" + ("按满分计" if settings.no_ratings_full else "按最低档计")
    else:
        got = next(b.points for b in leaf.bands if rate >= b.min_rate - 1e-12)
        detail = (f"满意率 {stats['ratings_satisfied']}/{stats['ratings_counted']} = {rate * 100:.1f}%，"
                  f"得{got:g}分（满分{leaf.max:g}）")
        if stats["ratings_excluded"]:
            detail += f"；{stats['ratings_excluded']}条经复核不计入"
    evidence = [Evidence("rating", r.id, f"{r.level}级（未达满意）" if r.counted else f"{r.level}级，经复核不计入")
                for r in bucket.ratings if not r.counted or r.level < settings.satisfied_from_level]
    return Item(leaf.key, leaf.name, category.key, leaf.key, "rating.satisfaction",
                stats["ratings_counted"], pts(got - leaf.max), evidence, detail=detail)


def _volume_item(leaf: Section, category: Section, unit: Unit, ctx: Context) -> Item:
    rank, served = ctx.volume.get(unit.key, (None, 0))
    bar = ctx.volume_bar.get(leaf.top, 0)
    if rank is not None and rank <= leaf.top:
        got, detail = leaf.max, f"办件量{served}，第{rank}名，在前{leaf.top}名内"
    else:
        got = leaf.max * served / bar if bar else leaf.max
        detail = f"办件量{served}，第{rank}名；第{leaf.top}名办件量{bar}，按比例得{pts(got):g}分"
    return Item(leaf.key, leaf.name, category.key, leaf.key, "ticket.volume", served, pts(got - leaf.max),
                [], detail=detail)


def _rule_item(rule: Rule, leaf: Section, category: Section, unit: Unit, bucket: Bucket,
               ctx: Context) -> Item | None:
    occurrences = list(_occurrences(rule, unit, bucket, ctx))
    if not occurrences:
        return None
    count = sum(q for q, _, _ in occurrences)
    raw = sum(q * p for q, p, _ in occurrences)
    points, capped = raw, False
    if rule.cap is not None and abs(raw) > rule.cap:
        points, capped = (rule.cap if raw > 0 else -rule.cap), True
    return Item(rule.key, rule.name, category.key, leaf.key, rule.source, count, pts(points),
                [e for _, _, e in occurrences], capped=capped,
                detail=f"上限{rule.cap:g}分" if capped else "", yuan=pts(count * rule.yuan) if rule.yuan else 0.0)


def _occurrences(rule: Rule, unit: Unit, bucket: Bucket, ctx: Context):
    """(quantity, points per unit, evidence) for each fact the line reads."""
    src, settings, facts = rule.source, ctx.scheme.settings, ctx.facts
    if src.startswith("attendance."):
        kind = src.removeprefix("attendance.")
        for inc in bucket.incidents:
            if inc.kind == kind:
                yield 1, rule.points, _incident_evidence(inc)
        if kind == "absent":  # an absence hallq cannot see (a meeting missed: 按缺勤半天处理), as recorded
            yield from _record_occurrences(rule, bucket, ctx)
    elif src in ("case.overdue_day", "case.overdue"):
        start_after = facts.first_day - dt.timedelta(days=1)
        for c in bucket.cases:
            # Late from the day after the due date up to its completion, or up to the last day
            # counted (today in a running month) while it is open.
            after = max(c.due_on, start_after)
            through = min(c.finished_on or facts.counted_to, facts.counted_to)
            late = ctx.days.after(after, through) if through > after else 0
            if late:
                if c.finished_on:
                    done = f"{c.finished_on:%m-%d}办结"
                else:
                    done = f"截至{facts.counted_to:%m-%d}未办结" if facts.provisional else "月末未办结"
                # case.overdue: once per case, in the month its lateness falls in (the first month
                # for a case late across two months: after that it is no longer counted).
                if src == "case.overdue" and c.due_on < start_after:
                    continue
                yield late if src == "case.overdue_day" else 1, rule.points, Evidence(
                    "ticket", c.ticket, f"承诺{c.promised_days}个工作日，应于{c.due_on:%m-%d}前办结，"
                                        f"{done}，本月超期{late}个工作日", facts.ticket(c.ticket))
    elif src == "case.faster":
        for c in bucket.cases:
            f = c.finished_on
            if f is None or not (facts.first_day <= f <= facts.last_day) or f > c.due_on:
                continue
            used = ctx.days.after(c.accepted_on, f)
            share = 1 - used / c.promised_days
            if share >= rule.faster_from - 1e-12 and (rule.faster_below is None or share < rule.faster_below - 1e-12):
                yield 1, rule.points, Evidence("ticket", c.ticket,
                                               f"承诺{c.promised_days}个工作日，实际用{used}个工作日，缩短{share * 100:.0f}%",
                                               facts.ticket(c.ticket))
    elif src == "case.repeat_visit":
        for v in bucket.repeat_visits:
            if not v.one_time_notice and len(v.return_tickets) >= settings.repeat_min_returns:
                returns = ", ".join(facts.ticket(t) or str(t) for t in v.return_tickets)
                yield 1, rule.points, Evidence("ticket", v.supplement_ticket,
                                               f"补办后往返{len(v.return_tickets)}次（取号 {returns}），未一次性告知",
                                               facts.ticket(v.supplement_ticket))
    elif src == "item.to_immediate":
        for c in bucket.items_made_immediate:
            yield 1, rule.points, Evidence("item_change", c.id,
                                           f"事项{c.item}（{c.item_name}）由承诺件（{c.promised_before}个工作日）改为即办件，"
                                           f"{c.on:%m-%d}由{c.actor}登记", c.item)
    elif src == "rating.bad":
        for r in bucket.ratings:
            if r.counted and r.level <= 2:
                yield 1, rule.points, Evidence("rating", r.id, f"{r.level}级，号 {facts.ticket(r.ticket) or r.ticket}")
    elif src == "ticket.transfer":
        for t in bucket.transfers:
            yield 1, rule.points, Evidence("ticket", t.ticket, "转移", facts.ticket(t.ticket))
    elif src == "ticket.no_show":
        for t in bucket.no_shows:
            yield 1, rule.points, Evidence("ticket", t.ticket, "过号", facts.ticket(t.ticket))
    elif src == "staff.deductions":
        names = {st.number: st.name for st in facts.staff}
        for staff, window in ctx.staff_windows.items():
            taken = ctx.staff_deducted.get(staff, 0.0)
            steps = int(taken // rule.per_staff_points + 1e-9) if window == unit.number else 0
            if steps:
                yield steps, rule.points, Evidence("staff", staff, f"{names.get(staff, staff)}本月被扣{taken:g}分，"
                                                                   f"每{rule.per_staff_points:g}分计一次")
    elif src == "window.grade":
        if unit.scope == "staff":
            window = ctx.staff_windows.get(unit.key)
            grade = ctx.window_grades.get(str(window)) if window is not None else None
            if grade is not None and grade == rule.grade:
                yield 1, rule.points, Evidence("window", window, f"所在窗口本月等次：{grade}")
    elif src == "record":
        yield from _record_occurrences(rule, bucket, ctx)


def _record_occurrences(rule: Rule, bucket: Bucket, ctx: Context):
    for r in bucket.records:
        if r.item == rule.key:
            each = r.points if rule.entry_points is not None else rule.points
            day = r.on or ctx.days.calendar.local_day(r.at)
            yield r.count, each, Evidence("record", r.id,
                                          f"{r.evidence}（{RECORD_KINDS.get(r.kind, r.kind)}，{r.entered_by}录入"
                                          + (f"，{r.count}人次" if r.count > 1 else "") + "）",
                                          on=day.isoformat(), kind=r.kind, times=r.count)


def _incident_evidence(inc: attendance.Incident) -> Evidence:
    hm = lambda t: t.astimezone(inc.start.tzinfo).strftime("%m-%d %H:%M")  # noqa: E731
    words = {"late": "迟到", "early_leave": "早退", "unattended": "无人值守", "absent": "旷工"}[inc.kind]
    detail = f"{words} {hm(inc.start)}—{hm(inc.end)}，{inc.minutes:.0f}分钟"
    if inc.kind == "absent":
        return Evidence("staff", inc.staff, detail + "（未签到，无获批请假）")
    if inc.leave is not None:
        detail += f"（请假{inc.leave}获批，无人顶岗）"
    if inc.pause is not None:
        return Evidence("pause", inc.pause, detail + "（暂停服务）")
    if inc.session is not None:
        return Evidence("session", inc.session, detail)
    return Evidence("window", inc.window, detail + "（无人签到）")


def _apply_appeal(item: Item, appeal: Appeal | None) -> None:
    if appeal is None:
        return
    item.appeal = {"id": appeal.id, "decision": appeal.decision, "reason": appeal.reason,
                   "decided_by": appeal.decided_by, "decided_at": appeal.decided_at.isoformat(),
                   "points": appeal.points}
    if appeal.decision == "upheld":
        return
    item.computed_points = item.points
    item.points = 0.0 if appeal.decision == "removed" else pts(appeal.points)
    if appeal.decision == "removed":
        item.yuan = 0.0


# --- the scope -------------------------------------------------------------------------

def _rank_grade_select(cards: list[Scorecard], scheme: Scheme, scope: Scope, history: History,
                       chosen: dict[str, Chosen], days: WorkdayCounter, first_day: dt.date) -> list[Scorecard]:
    keys = scheme.settings.rank_by
    absent = [c for c in cards if c.not_assessed]
    for c in absent:
        c.flags.append(Flag("not_assessed", c.not_assessed))
    ranked = assign_ranks([c for c in cards if not c.not_assessed], key=lambda c: rank_key(
        {"score": c.score, "satisfaction_rate": c.satisfaction_rate, "tickets_served": c.tickets_served,
         "number": c.number}, keys))
    _count_flags(cards, scheme, scope, history)
    _dated_flags(cards, scheme, scope, history, days, first_day)
    for c in ranked:
        c.of = len(ranked)
        earlier = history.ineligible.get((scope, c.unit))
        if earlier and not c.ineligible_year:
            c.ineligible_year = c.ineligible = earlier
        if c.ineligible:
            c.flags.append(Flag("ineligible", "取消评选资格：" + c.ineligible))
    assign_grades(ranked, scheme.grade_bands(scope), honours_allowed=lambda c: not c.ineligible)
    for flag in scheme.flags:
        if flag.scope != scope or flag.grade is None:
            continue
        for c in ranked:
            before = history.grades.get((scope, c.unit), ())
            run = list(before[-(flag.months - 1):]) + [c.grade]
            if len(run) == flag.months and all(g == flag.grade for g in run):
                c.flags.append(Flag(flag.key, flag.message))
                if flag.removes_eligibility:  # the grade is given; the honours still to come are not
                    c.ineligible = c.ineligible or flag.message
                    if flag.removes_eligibility == "year":
                        c.ineligible_year = c.ineligible_year or flag.message
    for sel in scheme.selections:
        if sel.scope != scope:
            continue
        quota = quota_size(len(ranked), sel.quota_percent, sel.quota_count)
        floor = sel.min_score if sel.min_score is not None else float("-inf")
        won = pick(ranked, lambda c: c.score >= floor and not c.ineligible, quota)
        for c in won:
            c.selected.append(sel.title)
        chosen[sel.key] = Chosen(sel.key, sel.title, scope, max(quota, 1) if won else quota, [c.unit for c in won])
    return ranked + absent


def _count_flags(cards: list[Scorecard], scheme: Scheme, scope: Scope, history: History) -> None:
    """Flags by counted occurrences: the named lines' occurrences this month (and earlier in the
    year, for `within = "year"`) reach the flag's count, and this month adds to them."""
    for flag in scheme.flags:
        if flag.scope != scope or not flag.lines or flag.within_working_days is not None:
            continue
        for c in cards:
            now = {k: sum(i.count for i in c.items if i.key == k and i.stands) for k in flag.lines}
            if not any(now.values()):
                continue
            earlier = sum(history.counts.get((scope, c.unit, k), 0) for k in flag.lines) \
                if flag.within == "year" else 0
            total = sum(now.values()) + earlier
            if total < flag.count:
                continue
            names = "、".join(c.item(k).name for k in flag.lines if now[k])
            span = "本年" if flag.within == "year" else "本月"
            c.flags.append(Flag(flag.key, f"{flag.message}（{span}累计{total:g}次：{names}）"))
            if flag.removes_eligibility:
                c.ineligible = c.ineligible or flag.message
                if flag.removes_eligibility == "year":
                    c.ineligible_year = c.ineligible_year or flag.message


def _dated_flags(cards: list[Scorecard], scheme: Scheme, scope: Scope, history: History,
                 days: WorkdayCounter, first_day: dt.date) -> None:
    """Flags counted within working days (seed 002 第二十五条（二）"在22个工作日内，被群众连续两次投诉且
    经查证属实的"): `count` records of the flag's kind and lines, standing, the last of them this month and
    all within `within_working_days` working days, first to last inclusive. Earlier months' records come
    from their stored cards (History.dated), across the turn of the year."""
    for flag in scheme.flags:
        if flag.scope != scope or flag.within_working_days is None:
            continue

        kind, lines = flag.record_kind, flag.lines
        for c in cards:
            now = [(dt.date.fromisoformat(e.on), e.kind, i.key, e.times) for i in c.items if i.stands
                   for e in i.evidence if e.type == "record" and e.on]
            now = [x for x in now if _counts(x, kind, lines)]
            if not now:
                continue
            earlier = [x for x in history.dated.get((scope, c.unit), ()) if x[0] < first_day and _counts(x, kind, lines)]
            occurred = sorted(d for d, _, _, n in earlier + now for _ in range(n))
            run = _within(occurred, flag.count, flag.within_working_days, days, first_day)
            if run is None:
                continue
            c.flags.append(Flag(flag.key, f"{flag.message}（{run[0]:%m-%d}至{run[1]:%m-%d}，"
                                          f"{run[2]}个工作日内{flag.count}次）"))
            if flag.removes_eligibility:
                c.ineligible = c.ineligible or flag.message
                if flag.removes_eligibility == "year":
                    c.ineligible_year = c.ineligible_year or flag.message


def _counts(occurrence: tuple, kind: str | None, lines: tuple[str, ...]) -> bool:
    """A dated record (day, kind, line, 人次) a flag counts: of its kind, on its lines, where it names them."""
    return (kind is None or occurrence[1] == kind) and (not lines or occurrence[2] in lines)


def _within(occurred: list[dt.date], count: int, limit: int, days: WorkdayCounter,
            first_day: dt.date) -> tuple[dt.date, dt.date, int] | None:
    """The first run of `count` occurrences (sorted days) ending in this month whose working days, first to
    last inclusive, are at most `limit`: (first, last, working days); None when there is none."""
    for i in range(len(occurred) - count + 1):
        first, last = occurred[i], occurred[i + count - 1]
        if last < first_day:
            continue
        span = days.after(first - dt.timedelta(days=1), last)
        if span <= limit:
            return first, last, span
    return None


def _staff_deducted(facts: MonthFacts, staff_scheme: Scheme | None, days: "WorkdayCounter",
                    appeals: dict, staff_units: list[Unit], incidents_by_settings: dict,
                    calendar: HallCalendar) -> dict[str, float]:
    """For a window line carrying its staff's deductions (seed 002 第十七条(二) "窗口工作人员违反本
    《办法》被扣5分的，扣该部门窗口2分，以此类推"): the points each staff member's own lines took
    this month under the staff scheme, window-grade lines left out (the window is not scored yet)."""
    if staff_scheme is None:
        return {}
    s = staff_scheme.settings
    buckets = _buckets(facts, "staff", _incidents(facts, calendar, s, incidents_by_settings))
    ctx = Context(facts, staff_scheme, "staff", days, {}, {}, {}, appeals,
                  rules={r.key: r for r in staff_scheme.rules()})
    out = {}
    for u in staff_units:
        card = score_unit(ctx, u, buckets.get(u.key, Bucket()))
        out[u.key] = -sum(i.takes for i in card.items if i.takes < 0 and not i.source.startswith("window."))
    return out
