"""HTTP routes of a month's sign-off: self-check (自查) with objections, review,
approval, publication, and the published revisions. Supervisors and admins run
the self-check and the review ("assess"); admins approve and publish
("approve"); a clerk reads and objects to their own cards during the self-check.
"""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from hallq.assessment import publication, service
from hallq.assessment.facts import SCOPES
from hallq.assessment.models import Objection, PublishedRevision
from hallq.assessment.schemas import AnswerIn, ObjectionIn, SelfCheckIn, StepIn
from hallq.assessment.speaks_for import own_units
from hallq.queue.errors import Invalid, NotFound, Refused
from hallq.queue.facts import iso
from hallq.queue.halls import hall_context
from hallq.web.openapi import spec
from hallq.web.runtime import body, now, principal, reading, unit_of_work

bp = Blueprint("assessment_publication", __name__, url_prefix="/api/v1")
MONTH = "<month>"
ID = "<int(max=2147483647):{}>"


def objection_json(o: Objection) -> dict:
    return {"id": o.id, "month": o.month, "scope": o.scope, "unit": o.unit, "item": o.item,
            "statement": o.statement, "raised_by": o.raised_by, "raised_at": iso(o.raised_at),
            "accepted": o.accepted, "answer": o.answer, "answered_by": o.answered_by,
            "answered_at": iso(o.answered_at) if o.answered_at else None}


def revision_json(r: PublishedRevision) -> dict:
    return {"revision": r.revision, "published_by": r.published_by, "published_at": iso(r.published_at),
            "reason": r.reason, "appeal": r.appeal_id, "changes": r.changes, "digest": r.digest,
            "schemes": {scope: {k: v for k, v in entry.items() if k != "scheme"} for scope, entry in r.schemes.items()}}


def _standing_body(uow, ctx, month: str) -> dict:
    st = publication.standing(uow.session, ctx.id, month)
    answer = st.to_dict()
    answer["objections"] = [objection_json(o) for o in publication.objections(uow.session, ctx.id, month)]
    answer["revisions"] = [revision_json(r) for r in publication.revisions(uow.session, ctx.id, month)]
    return answer


def _label(month: str) -> str:
    return service.label(*service.parse_month(month))


@spec.route(bp, "GET", f"/assessment/{MONTH}/publication",
            "where a month's sign-off stands: its steps, the self-check's objections, the published revisions")
def standing(month: str):
    who = principal()
    who.require("assess")
    month = _label(month)
    with reading() as uow:
        return jsonify(_standing_body(uow, hall_context(uow.session, who.hall_id), month))


def _step_route(step: str, summary: str, schema=StepIn):
    def register(run):
        def view(month: str):
            who = principal()
            data = body(schema)
            with unit_of_work() as uow:
                ctx = hall_context(uow.session, who.hall_id)
                news = run(uow.session, who, ctx, _label(month), data)
                if news is not None:
                    uow.add_event(news)
                answer = _standing_body(uow, ctx, _label(month))
                uow.commit()
            return jsonify(answer)
        view.__name__ = step.replace("-", "_")
        return spec.route(bp, "POST", f"/assessment/{MONTH}/{step}", summary, body=schema)(view)
    return register


@_step_route("self-check", "open the self-check (自查): the month has ended; windows and staff may object "
                           "until `days` working days from today", SelfCheckIn)
def _self_check(s, who, ctx, month, data):
    publication.open_self_check(s, who, ctx, month, now(), data.days, data.note)


@_step_route("review", "review the month (考核小组): after the self-check, with every objection answered")
def _review(s, who, ctx, month, data):
    publication.review(s, who, ctx, month, now(), data.note)


@_step_route("approve", "approve the reviewed month (管委会; admins)")
def _approve(s, who, ctx, month, data):
    publication.approve(s, who, ctx, month, now(), data.note)


@_step_route("publish", "publish the approved month: it is frozen as revision 1 (admins)")
def _publish(s, who, ctx, month, data):
    publication.publish(s, who, ctx, month, now(), data.note)
    return publication.published_news(ctx, month)


@spec.route(bp, "POST", f"/assessment/{MONTH}/objections",
            "object to a card in the self-check (异议): a clerk for their own card or window's", body=ObjectionIn)
def raise_objection(month: str):
    who = principal()
    data = body(ObjectionIn)
    with unit_of_work() as uow:
        row = publication.raise_objection(uow.session, who, hall_context(uow.session, who.hall_id), now(),
                                          month=month, scope=data.scope, unit=data.unit, item=data.item,
                                          statement=data.statement)
        answer = objection_json(row)
        uow.commit()
    return jsonify(answer), 201


@spec.route(bp, "POST", "/assessment/objections/" + ID.format("objection_id") + "/answer",
            "answer an objection of the self-check", body=AnswerIn)
def answer_objection(objection_id: int):
    who = principal()
    data = body(AnswerIn)
    with unit_of_work() as uow:
        row = publication.answer_objection(uow.session, who, hall_context(uow.session, who.hall_id), objection_id,
                                           now(), accepted=data.accepted, answer=data.answer)
        answer = objection_json(row)
        uow.commit()
    return jsonify(answer)


@spec.route(bp, "GET", f"/assessment/{MONTH}/revisions/<int(min=1,max=100000):revision>",
            "one published revision of a month, as it was published", query={"scope": "window (default), department or staff"})
def revision(month: str, revision: int):
    who = principal()
    who.require("assess")
    scope = request.args.get("scope") or "window"
    if scope not in SCOPES:
        raise Invalid("invalid_input", detail=f"scope must be one of {', '.join(SCOPES)}")
    with reading() as uow:
        row = publication.revision_row(uow.session, who.hall_id, _label(month), revision)
        answer = service.frozen_month(row).to_dict(scope)
        answer["publication"] = revision_json(row)
        return jsonify(answer)


@spec.route(bp, "GET", f"/assessment/{MONTH}/my-cards",
            "a clerk's own cards (their staff card, their windows' cards) once the month is in self-check or published")
def my_cards(month: str):
    who = principal()
    who.require("appeal")
    year, m = service.parse_month(month)
    with reading() as uow:
        ctx = hall_context(uow.session, who.hall_id)
        st = publication.standing(uow.session, ctx.id, service.label(year, m))
        if st.state == "computed":
            raise Refused("cards_not_open", month=st.month)
        result = service.month_result(uow.session, ctx, year, m, now=now(), store=False)
        units = own_units(uow.session, who, ctx.id)
        cards = [result.result.card_dict(scope, card.unit) for scope, scope_cards in result.result.cards.items()
                 for card in scope_cards if units is None or card.unit in units.get(scope, ())]
        if not cards:
            raise NotFound("invalid_input", detail=f"no card of yours in {st.month}")
        return jsonify({"month": st.month, "state": st.state, "self_check_until": st.until.isoformat()
                        if st.until else None, "revision": result.revision, "cards": cards})
