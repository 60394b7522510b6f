"""How a department is scored, as the scheme of the department scope says
(`[settings] department_score`):

- "average" (the default, DOMAIN.md): the average of its windows' scores this
  month, plus what supervisors recorded against the department itself. Its
  windows are its own, and a comprehensive window (one of no department) for
  each department whose staff signed in or served there in the month: the
  staff on duty's department answers for the work.
- "own": the department scheme's lines over everything of the department: its
  own records and the work and attendance of its staff wherever they served
  (a scheme written for departments, such as seed 004's 集中受理考核细则, whose
  lines are per occurrence across the department).
- "none": departments are not assessed.

Never the sum of its windows' deductions under a window scheme: a department of
three windows would score three windows' faults against one hundred points.
"""
from __future__ import annotations

import statistics
from collections import defaultdict
from itertools import chain

from hallq.assessment.facts import MonthFacts
from hallq.assessment.scorecard import Evidence, Item, Scorecard, SectionScore, pts

WINDOWS_AVERAGE = "windows_average"
RECORDS = "department_records"
NOT_SCORED = "本考核办法不考核部门"
NO_WINDOWS = "本部门本月没有参加考核的窗口，不参加考核"


def member_windows(facts: MonthFacts) -> dict[str, list[int]]:
    """Department code -> the windows whose scores make its average."""
    members: dict[str, set[int]] = defaultdict(set)
    comprehensive = set()
    for w in facts.windows:
        if w.department:
            members[w.department].add(w.number)
        else:
            comprehensive.add(w.number)
    staff_department = {st.number: st.department for st in facts.staff}
    for row in chain(facts.sessions, facts.services):
        department = staff_department.get(row.staff) if row.staff else None
        if row.window in comprehensive and department:
            members[department].add(row.window)
    return {code: sorted(numbers) for code, numbers in members.items()}


def average_card(own: Scorecard, empty_score: float, windows: list[Scorecard], stats: dict,
                 max_total: float | None) -> Scorecard:
    """The department's card from its windows' cards (already scored) and `own`, its card scored on
    its own records alone; `empty_score` is that card's score without any record."""
    counted = [c for c in windows if not c.not_assessed]
    record_items = [i for i in own.items if i.count and i.key not in (WINDOWS_AVERAGE,)
                    and i.source not in ("rating.satisfaction", "ticket.volume")]
    delta = own.score - empty_score if not own.zeroed else 0.0
    average = statistics.fmean(c.score for c in counted) if counted else 0.0
    total = 0.0 if own.zeroed else max(0.0, average + delta)
    if max_total is not None:
        total = min(total, max_total)
    names = "、".join(f"{c.unit}号窗口{c.score:g}分" for c in counted)
    windows_item = Item(
        WINDOWS_AVERAGE, "所辖窗口平均得分", WINDOWS_AVERAGE, WINDOWS_AVERAGE, "department.windows_average",
        len(counted), pts(average), [Evidence("window", int(c.number), f"{c.unit}号窗口 {c.score:g}分")
                                     for c in counted],
        detail=f"{names}，平均{pts(average):g}分" if counted else "没有参加考核的窗口")
    categories = [SectionScore(WINDOWS_AVERAGE, "所辖窗口平均得分", "average", None, pts(average), pts(average),
                               None, [], [WINDOWS_AVERAGE])]
    if record_items:
        categories.append(SectionScore(RECORDS, "部门考核记录", "records", None, pts(delta), pts(delta), None, [],
                                       [i.key for i in record_items]))
    card = Scorecard(
        month=own.month, scope=own.scope, unit=own.unit, number=own.number, name=own.name,
        department=own.department, scheme=own.scheme, score=pts(total), base_points=pts(total), bonus_points=0.0,
        categories=categories, items=[windows_item, *record_items], stats=stats,
        flags=[f for f in own.flags if f.key != "no_ratings"], zeroed=own.zeroed,
        ineligible=own.ineligible, ineligible_year=own.ineligible_year, department_name=own.department_name)
    if not counted:
        card.not_assessed = NO_WINDOWS
    return card
