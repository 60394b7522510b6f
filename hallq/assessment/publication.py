"""A month's sign-off, as seed 004 第十一条 runs it, and the published month frozen.

    computed ─ self_check ─ reviewed ─ approved ─ published ─ revised, revised, …
               (自查)       (考核小组)   (管委会)

- self_check: the month has ended; each window and staff member sees its card
  and may raise objections (异议) until the last day set (working days).
- reviewed: the supervision office (督查股 / 考核小组) has answered every
  objection after the self-check closed; the review signs the result as it is.
- approved: the centre (管委会, an admin) approves what was reviewed.
- published: revision 1 is stored whole (cards, schemes, definitions) and is
  what everyone reads from then on; nothing recomputes it.
- revised: an appeal ruling (复议) on a published month is the only change; it
  adds a revision with its reason, author and the cards it moved.

Each step signs a digest of the result; approving or publishing a result that
changed since the step before (a record entered, an appeal decided) is refused
until it is reviewed again. Every step is a row never changed (PublicationStep).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hallq.assessment.facts import SCOPES
from hallq.assessment.models import Objection, PublicationStep, PublishedRevision
from hallq.assessment.scorecard import MonthResult
from hallq.assessment.service import ALWAYS, DEFAULT_PRESET, Month, frozen_month, keep, label, latest, month_result, parse_month, scheme_rows
from hallq.assessment.speaks_for import speaks_for
from hallq.queue.accounts import Principal
from hallq.queue.errors import Invalid, NotFound, Refused
from hallq.queue.events import HALL_INFO, Event
from hallq.queue.facts import iso
from hallq.queue.halls import HallContext

SELF_CHECK_DAYS = 3  # working days to object, unless the supervisor opening the self-check sets others
TEXT_MAX = 4000


@dataclass
class Standing:
    """Where a month is in its sign-off."""
    month: str
    state: str                      # computed, self_check, reviewed, approved, published
    steps: list[PublicationStep]
    until: dt.date | None           # the self-check's last day
    revision: int | None            # the newest published revision

    def to_dict(self) -> dict[str, Any]:
        return {"month": self.month, "state": self.state, "revision": self.revision,
                "self_check_until": self.until.isoformat() if self.until else None,
                "steps": [{"step": st.step, "actor": st.actor, "at": iso(st.at),
                           "until": st.until.isoformat() if st.until else None, "note": st.note}
                          for st in self.steps]}


def standing(s: Session, hall_id: int, month: str) -> Standing:
    steps = list(s.scalars(select(PublicationStep).where(PublicationStep.hall_id == hall_id,
                                                         PublicationStep.month == month)
                           .order_by(PublicationStep.id)))
    state = steps[-1].step if steps else "computed"
    if state == "revised":
        state = "published"
    until = next((st.until for st in reversed(steps) if st.step == "self_check"), None)
    revision = s.scalar(select(func.max(PublishedRevision.revision)).where(
        PublishedRevision.hall_id == hall_id, PublishedRevision.month == month))
    return Standing(month, state, steps, until, revision)


def digest(result: MonthResult) -> str:
    """What a step signs: the whole result, in a canonical form."""
    text = json.dumps(result.to_record(), sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _month(text: str) -> tuple[int, int, str]:
    year, m = parse_month(text)
    return year, m, label(year, m)


def _step(s: Session, ctx: HallContext, month: str, step: str, who: Principal, now: dt.datetime, *,
          until: dt.date | None = None, result_digest: str | None = None, note: str | None = None) -> PublicationStep:
    row = PublicationStep(hall_id=ctx.id, month=month, step=step, actor=who.actor, at=now, until=until,
                          digest=result_digest, note=(note or "").strip()[:TEXT_MAX] or None)
    s.add(row)
    s.flush()
    return row


def _expect(st: Standing, states: tuple[str, ...], step: str) -> None:
    if st.state not in states:
        raise Refused("publication_step", month=st.month, state=st.state, step=step)


def _fresh(s: Session, ctx: HallContext, year: int, m: int, now: dt.datetime) -> Month:
    return month_result(s, ctx, year, m, now=now, store=False, fresh=True)


# --- the steps -------------------------------------------------------------------------------

def open_self_check(s: Session, who: Principal, ctx: HallContext, month: str, now: dt.datetime,
                    days: int = SELF_CHECK_DAYS, note: str | None = None) -> Standing:
    who.require("assess")
    year, m, month = _month(month)
    if not 1 <= days <= 30:
        raise Invalid("invalid_input", detail="days must be from 1 to 30 working days")
    today = ctx.hours.local_day(now)
    if (today.year, today.month) <= (year, m):
        raise Refused("month_not_over", month=month)
    _expect(standing(s, ctx.id, month), ("computed",), "open_self_check")
    result = _fresh(s, ctx, year, m, now)
    keep(s, ctx.id, result.result, now)
    _step(s, ctx, month, "self_check", who, now, until=ctx.hours.add_working_days(today, days),
          result_digest=digest(result.result), note=note)
    return standing(s, ctx.id, month)


def raise_objection(s: Session, who: Principal, ctx: HallContext, now: dt.datetime, *, month: str, scope: str,
                    unit: str, item: str | None, statement: str) -> Objection:
    year, m, month = _month(month)
    if scope not in SCOPES:
        raise Invalid("invalid_input", detail=f"scope must be one of {', '.join(SCOPES)}")
    speaks_for(s, who, ctx.id, scope, unit)
    st = standing(s, ctx.id, month)
    if st.state != "self_check" or ctx.hours.local_day(now) > st.until:
        raise Refused("self_check_closed", month=month)
    card = next((c for c in _fresh(s, ctx, year, m, now).result.cards.get(scope, []) if c.unit == unit), None)
    if card is None:
        raise NotFound("invalid_input", detail=f"no {scope} {unit} assessed in {month}")
    if item and card.item(item) is None:
        raise Invalid("invalid_input", detail=f"{item!r} is not an item of that scorecard")
    statement = (statement or "").strip()
    if not statement:
        raise Invalid("invalid_input", detail="statement is required")
    row = Objection(hall_id=ctx.id, month=month, scope=scope, unit=unit, item=item or None,
                    statement=statement[:TEXT_MAX], raised_by=who.actor, raised_at=now)
    s.add(row)
    s.flush()
    return row


def answer_objection(s: Session, who: Principal, ctx: HallContext, objection_id: int, now: dt.datetime, *,
                     accepted: bool, answer: str) -> Objection:
    """The supervision office's answer; an accepted objection is put right by a record voided or
    entered, or an appeal decided, before the review."""
    who.require("assess")
    row = s.get(Objection, objection_id) if 0 < objection_id < 2**31 else None
    if row is None or row.hall_id != ctx.id:
        raise NotFound("invalid_input", detail=f"no objection {objection_id}")
    if row.answered_at is not None:
        raise Refused("invalid_input", detail=f"objection {objection_id} was answered already")
    _expect(standing(s, ctx.id, row.month), ("self_check",), "answer")
    answer = (answer or "").strip()
    if not answer:
        raise Invalid("invalid_input", detail="answer is required")
    row.accepted, row.answer, row.answered_by, row.answered_at = accepted, answer[:TEXT_MAX], who.actor, now
    return row


def objections(s: Session, hall_id: int, month: str) -> list[Objection]:
    return list(s.scalars(select(Objection).where(Objection.hall_id == hall_id, Objection.month == month)
                          .order_by(Objection.id)))


def review(s: Session, who: Principal, ctx: HallContext, month: str, now: dt.datetime,
           note: str | None = None) -> Standing:
    """The review signs the result as it now is; again after a change, from reviewed or approved."""
    who.require("assess")
    year, m, month = _month(month)
    st = standing(s, ctx.id, month)
    _expect(st, ("self_check", "reviewed", "approved"), "review")
    if st.state == "self_check" and ctx.hours.local_day(now) <= st.until:
        raise Refused("self_check_running", until=st.until.isoformat())
    open_count = sum(1 for o in objections(s, ctx.id, month) if o.answered_at is None)
    if open_count:
        raise Refused("objections_open", count=open_count)
    result = _fresh(s, ctx, year, m, now)
    keep(s, ctx.id, result.result, now)
    _step(s, ctx, month, "reviewed", who, now, result_digest=digest(result.result), note=note)
    return standing(s, ctx.id, month)


def _unchanged_since(st: Standing, result: MonthResult, since: str) -> None:
    signed = next(step.digest for step in reversed(st.steps) if step.step == since)
    if digest(result) != signed:
        raise Refused("changed_since", month=st.month, step=since)


def approve(s: Session, who: Principal, ctx: HallContext, month: str, now: dt.datetime,
            note: str | None = None) -> Standing:
    who.require("approve")
    year, m, month = _month(month)
    st = standing(s, ctx.id, month)
    _expect(st, ("reviewed",), "approve")
    result = _fresh(s, ctx, year, m, now)
    _unchanged_since(st, result.result, "reviewed")
    _step(s, ctx, month, "approved", who, now, result_digest=digest(result.result), note=note)
    return standing(s, ctx.id, month)


def publish(s: Session, who: Principal, ctx: HallContext, month: str, now: dt.datetime,
            note: str | None = None) -> PublishedRevision:
    who.require("approve")
    year, m, month = _month(month)
    st = standing(s, ctx.id, month)
    _expect(st, ("approved",), "publish")
    result = _fresh(s, ctx, year, m, now)
    _unchanged_since(st, result.result, "approved")
    row = _freeze(s, ctx, month, result, 1, who.actor, now, reason=(note or "").strip() or "发布")
    _step(s, ctx, month, "published", who, now, result_digest=row.digest, note=note)
    return row


def published_news(ctx: HallContext, month: str) -> Event:
    """The news a published month makes: the hall's public screens post its bulletin (seed 003 "评比结果在中心
    一楼公布"). The caller adds it to its unit of work, so it leaves only once the month is committed."""
    return Event(HALL_INFO, ctx.id, {"entity": "bulletin", "month": month})


def revise(s: Session, ctx: HallContext, month: str, now: dt.datetime, *, actor: str, reason: str,
           appeal_id: int | None) -> PublishedRevision:
    """A published month recomputed with the schemes it was frozen with, after an appeal ruling:
    the next revision, with the cards whose score, grade, rank or honours moved."""
    year, m, month = _month(month)
    previous = latest(s, ctx.id, month)
    if previous is None:
        raise Refused("publication_step", month=month, state="computed", step="revise")
    frozen = frozen_month(previous)
    result = month_result(s, ctx, year, m, now=now, store=False, fresh=True, plan=frozen.plan)
    row = _freeze(s, ctx, month, result, previous.revision + 1, actor, now, reason=reason, appeal_id=appeal_id,
                  changes=_changes(frozen.result, result.result), schemes=previous.schemes)
    s.add(PublicationStep(hall_id=ctx.id, month=month, step="revised", actor=actor, at=now, digest=row.digest,
                          note=reason[:TEXT_MAX]))
    s.flush()
    return row


def _freeze(s: Session, ctx: HallContext, month: str, result: Month, revision: int, actor: str, now: dt.datetime,
            *, reason: str, appeal_id: int | None = None, changes: list | None = None,
            schemes: dict | None = None) -> PublishedRevision:
    if schemes is None:
        rows = scheme_rows(s, ctx.id, month)
        schemes = {scope: {"preset": rows[scope].preset if scope in rows else DEFAULT_PRESET,
                           "overrides": rows[scope].overrides if scope in rows else {},
                           "from_month": rows[scope].from_month if scope in rows else ALWAYS,
                           "scheme": scheme.model_dump(mode="json")}
                   for scope, scheme in result.plan.items()}
    row = PublishedRevision(hall_id=ctx.id, month=month, revision=revision, result=result.result.to_record(),
                            schemes=schemes, definitions=dict(result.definitions), ignored=list(result.ignored),
                            digest=digest(result.result), published_by=actor, published_at=now, reason=reason,
                            appeal_id=appeal_id, changes=changes or [])
    s.add(row)
    keep(s, ctx.id, result.result, now)  # later months read their history from what was published
    s.flush()
    return row


def _changes(before: MonthResult, after: MonthResult) -> list[dict[str, Any]]:
    def shown(card) -> dict[str, Any]:
        return {"score": card.score, "grade": card.grade, "rank": card.rank, "selected": list(card.selected)}

    moved = []
    for scope, cards in after.cards.items():
        old = {c.unit: c for c in before.cards.get(scope, [])}
        for card in cards:
            was = old.get(card.unit)
            if was is None or shown(was) != shown(card):
                moved.append({"scope": scope, "unit": card.unit, "name": card.name,
                              "before": shown(was) if was else None, "after": shown(card)})
    return moved


# --- reading what was published --------------------------------------------------------------

def revision_row(s: Session, hall_id: int, month: str, revision: int) -> PublishedRevision:
    row = s.scalar(select(PublishedRevision).where(PublishedRevision.hall_id == hall_id,
                                                   PublishedRevision.month == month,
                                                   PublishedRevision.revision == revision))
    if row is None:
        raise NotFound("invalid_input", detail=f"{month} has no published revision {revision}")
    return row


def revisions(s: Session, hall_id: int, month: str) -> list[PublishedRevision]:
    return list(s.scalars(select(PublishedRevision).where(PublishedRevision.hall_id == hall_id,
                                                          PublishedRevision.month == month)
                          .order_by(PublishedRevision.revision)))
