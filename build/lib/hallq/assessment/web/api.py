"""HTTP routes of the assessment (API.md: GET /assessment/{yyyy-mm}) and what
supervisors enter for it. Thin: parse, call, answer. Everything but filing an
appeal needs the "assess" permission (supervisors, admins); others get 403.
"""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from hallq.assessment import export, records, service
from hallq.assessment.engine import RECORD_KINDS
from hallq.assessment.facts import SCOPES
from hallq.assessment.operations import month_operations
from hallq.assessment.presets import list_presets
from hallq.assessment.schemas import (AppealIn, CompletionIn, DecisionIn, DemocraticIn, RecordIn, SchemeIn,
                                      VoidIn)
from hallq.web.openapi import spec
from hallq.queue.errors import Invalid, NotFound
from hallq.queue.facts import iso
from hallq.queue.halls import hall_context
from hallq.web.runtime import body, now, principal, reading, unit_of_work

bp = Blueprint("assessment_api", __name__, url_prefix="/api/v1")
ID = "<int(max=2147483647):{}>"
MONTH = "<month>"
SCOPE_DOC = {"scope": "window (default), department or staff"}


def _scope(default: str = "window") -> str:
    scope = request.args.get("scope") or default
    if scope not in SCOPES:
        raise Invalid("invalid_input", detail=f"scope must be one of {', '.join(SCOPES)}")
    return scope


def _assessor():
    who = principal()
    who.require("assess")
    return who


def _month_body(uow, who, month: str, scope: str) -> dict:
    year, m = service.parse_month(month)
    ctx = hall_context(uow.session, who.hall_id)
    result = service.month_result(uow.session, ctx, year, m, now=now())
    uow.commit()  # the month is kept as history for later months
    if scope not in result.result.cards:
        raise Invalid("invalid_input", detail=f"the hall does not assess {scope}")
    answer = result.to_dict(scope)
    answer["hall"] = ctx.hall.name
    return answer


@spec.route(bp, "GET", f"/assessment/{MONTH}", "a month's scorecards: score, grade, rank, items with points and evidence",
            query=SCOPE_DOC)
def month(month: str):
    who = _assessor()
    scope = _scope()
    with unit_of_work() as uow:
        return jsonify(_month_body(uow, who, month, scope))


def _file_route(path: str, summary: str, **doc):
    """Documented as /assessment/{month}.ext (the OpenAPI helper reads a converter only as a whole segment)."""
    spec.operation("GET", path.replace("<month>", "{month}"), summary, **doc)
    return bp.route(path, methods=["GET"])


@_file_route("/assessment/<month>.csv", "a month's ranking of one scope as CSV", query=SCOPE_DOC)
def month_csv(month: str):
    who = _assessor()
    scope = _scope()
    with unit_of_work() as uow:
        body = _month_body(uow, who, month, scope)
    name = f"assessment-{month}-{scope}{'-provisional' if body['provisional'] else ''}.csv"
    return Response(export.ranking_csv(body).encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={name}"})


@_file_route("/assessment/<month>.xlsx", "a month's rankings, items with evidence and definitions as XLSX")
def month_xlsx(month: str):
    who = _assessor()
    year, m = service.parse_month(month)
    with unit_of_work() as uow:
        ctx = hall_context(uow.session, who.hall_id)
        result = service.month_result(uow.session, ctx, year, m, now=now())
        uow.commit()
        data = export.workbook(ctx.hall.name, month, {scope: result.to_dict(scope) for scope in result.result.cards})
    name = f"assessment-{month}{'-provisional' if result.result.counted_to else ''}.xlsx"
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename={name}"})


@spec.route(bp, "GET", f"/assessment/{MONTH}/cards/<scope>/<unit>", "one scorecard with the definitions it used")
def card(month: str, scope: str, unit: str):
    who = _assessor()
    if scope not in SCOPES:
        raise Invalid("invalid_input", detail=f"scope must be one of {', '.join(SCOPES)}")
    year, m = service.parse_month(month)
    with reading() as uow:
        ctx = hall_context(uow.session, who.hall_id)
        result = service.month_result(uow.session, ctx, year, m, now=now(), store=False)
        if not any(c.unit == unit for c in result.result.cards.get(scope, [])):
            raise NotFound("invalid_input", detail=f"no {scope} {unit} assessed in {month}")
        return jsonify(result.result.card_dict(scope, unit))


@spec.route(bp, "GET", f"/assessment/{MONTH}/operations",
            "how the hall ran: volumes, waiting-time distribution, volume by hour, satisfaction trend, follow-ups")
def operations(month: str):
    who = _assessor()
    year, m = service.parse_month(month)
    with reading() as uow:
        return jsonify(month_operations(uow.session, hall_context(uow.session, who.hall_id), year, m, now()))


@spec.route(bp, "GET", "/assessment/year/<int(min=2000,max=2999):year>",
            "the annual roll-up: monthly average and democratic evaluation, weighted; ranks, grades, title",
            query=SCOPE_DOC)
def year(year: int):
    who = _assessor()
    scope = _scope()
    with unit_of_work() as uow:
        ctx = hall_context(uow.session, who.hall_id)
        cards, scheme = service.year_result(uow.session, ctx, year, scope, now())
        uow.commit()
        return jsonify({"year": year, "scope": scope, "scheme": scheme.id,
                        "monthly_weight": scheme.annual.monthly_weight,
                        "democratic_weight": scheme.annual.democratic_weight, "title": scheme.annual.title,
                        "cards": [c.to_dict() for c in cards]})


# --- what supervisors enter --------------------------------------------------------------

@spec.route(bp, "GET", "/assessment/lines", "the scheme lines a supervisor's record may name, and the record kinds")
def lines():
    who = _assessor()
    with reading() as uow:
        found = records.record_lines(uow.session, who.hall_id)
        return jsonify({"kinds": [{"kind": k, "name": v} for k, v in RECORD_KINDS.items()],
                        "lines": [{"item": r.key, "name": r.name, "points": r.points,
                                   "entry_points": list(r.entry_points) if r.entry_points else None,
                                   "scopes": list(r.scopes)} for r in found.values()]})


@spec.route(bp, "GET", "/assessment/records", "supervisors' records of a month", query={"month": "yyyy-mm"})
def list_records():
    who = _assessor()
    month = request.args.get("month") or ""
    with reading() as uow:
        names = records.Names(uow.session, who.hall_id)
        found = records.record_lines(uow.session, who.hall_id)
        return jsonify([records.record_json(r, names, found) for r in records.records(uow.session, who.hall_id, month)])


@spec.route(bp, "POST", "/assessment/records", "enter a supervisor's record (督查记录) with its evidence", body=RecordIn,
            responses={201: "the record"})
def add_record():
    who = principal()
    data = body(RecordIn)
    with unit_of_work() as uow:
        ctx = hall_context(uow.session, who.hall_id)
        row = records.add_record(uow.session, who, ctx, now(), **data.model_dump())
        answer = records.record_json(row, records.Names(uow.session, who.hall_id),
                                     records.record_lines(uow.session, who.hall_id))
        uow.commit()
    return jsonify(answer), 201


@spec.route(bp, "POST", "/assessment/records/" + ID.format("record_id") + "/void",
            "void a record entered in error (kept, with who and why)", body=VoidIn)
def void_record(record_id: int):
    who = principal()
    data = body(VoidIn)
    with unit_of_work() as uow:
        ctx = hall_context(uow.session, who.hall_id)
        row = records.void_record(uow.session, who, ctx, record_id, data.reason, now())
        answer = records.record_json(row, records.Names(uow.session, who.hall_id))
        uow.commit()
    return jsonify(answer)


@spec.route(bp, "POST", "/cases/" + ID.format("ticket_id") + "/completion",
            "the day a promised case (承诺件) was finished (办结登记)", body=CompletionIn, responses={201: "recorded"})
def complete(ticket_id: int):
    who = principal()
    data = body(CompletionIn)
    with unit_of_work() as uow:
        ctx = hall_context(uow.session, who.hall_id)
        row = records.complete_case(uow.session, who, ctx, ticket_id, data.completed_on, data.note, now())
        answer = {"ticket": row.ticket_id, "completed_on": row.completed_on.isoformat(), "note": row.note,
                  "entered_by": row.entered_by}
        uow.commit()
    return jsonify(answer), 201


@spec.route(bp, "GET", "/assessment/appeals", "appeals (复议) with their decisions",
            query={"month": "yyyy-mm", "status": "pending or decided"})
def list_appeals():
    who = _assessor()
    with reading() as uow:
        rows = records.appeals(uow.session, who.hall_id, request.args.get("month") or None,
                               request.args.get("status") or None)
        return jsonify([records.appeal_json(a) for a in rows])


@spec.route(bp, "POST", "/assessment/appeals", "appeal one item of a scorecard (复议)", body=AppealIn,
            responses={201: "the appeal, pending"})
def file_appeal():
    who = principal()
    data = body(AppealIn)
    with unit_of_work() as uow:
        ctx = hall_context(uow.session, who.hall_id)
        row = records.file_appeal(uow.session, who, ctx, now(), **data.model_dump())
        answer = records.appeal_json(row)
        uow.commit()
    return jsonify(answer), 201


@spec.route(bp, "POST", "/assessment/appeals/" + ID.format("appeal_id") + "/decide",
            "decide an appeal: upheld, removed or changed; the month is recomputed and the decision kept",
            body=DecisionIn)
def decide_appeal(appeal_id: int):
    who = principal()
    data = body(DecisionIn)
    with unit_of_work() as uow:
        ctx = hall_context(uow.session, who.hall_id)
        row = records.decide_appeal(uow.session, who, ctx, appeal_id, now(), **data.model_dump())
        answer = records.appeal_json(row)
        uow.commit()
    return jsonify(answer)


@spec.route(bp, "GET", "/assessment/democratic/<int(min=2000,max=2999):year>",
            "democratic evaluation scores (民主测评) of a year", query=SCOPE_DOC)
def democratic(year: int):
    who = _assessor()
    scope = _scope()
    with reading() as uow:
        return jsonify({"year": year, "scope": scope,
                        "scores": service.democratic_scores(uow.session, who.hall_id, year, scope)})


@spec.route(bp, "POST", "/assessment/democratic/<int(min=2000,max=2999):year>",
            "enter democratic evaluation scores (民主测评) for the annual roll-up", body=DemocraticIn)
def set_democratic(year: int):
    who = principal()
    data = body(DemocraticIn)
    with unit_of_work() as uow:
        ctx = hall_context(uow.session, who.hall_id)
        records.set_democratic(uow.session, who, ctx, year, data.scope, data.scores, now())
        answer = {"year": year, "scope": data.scope,
                  "scores": service.democratic_scores(uow.session, who.hall_id, year, data.scope)}
        uow.commit()
    return jsonify(answer)


@spec.route(bp, "GET", "/assessment/schemes", "the scheme the hall assesses each scope by, and the presets")
def schemes():
    who = _assessor()
    with reading() as uow:
        rows = service.scheme_rows(uow.session, who.hall_id)
        plan = service.scheme_plan(uow.session, who.hall_id)
        versions = service.scheme_versions(uow.session, who.hall_id)
        return jsonify({"presets": list_presets(),
                        "schemes": {scope: {"preset": rows[scope].preset if scope in rows else service.DEFAULT_PRESET,
                                            "id": scheme.id, "name": scheme.name,
                                            "overrides": rows[scope].overrides if scope in rows else {},
                                            "from_month": rows[scope].from_month if scope in rows else None}
                                    for scope, scheme in plan.items()},
                        "versions": [{"scope": v.scope, "from_month": None if v.from_month == service.ALWAYS
                                      else v.from_month, "preset": v.preset, "overrides": v.overrides,
                                      "changed_by": v.changed_by, "changed_at": iso(v.changed_at)}
                                     for v in versions]})


@spec.route(bp, "POST", "/assessment/schemes", "choose a scope's scheme (a preset) and adjust its points",
            body=SchemeIn)
def choose_scheme():
    who = principal()
    who.require("assess")
    data = body(SchemeIn)
    with unit_of_work() as uow:
        ctx = hall_context(uow.session, who.hall_id)
        scheme = service.set_scheme(uow.session, ctx, data.scope, data.preset, data.overrides, who.actor, now(),
                                    data.from_month)
        from_month = service.scheme_rows(uow.session, who.hall_id)[data.scope].from_month
        uow.commit()
    return jsonify({"scope": data.scope, "preset": data.preset, "id": scheme.id, "name": scheme.name,
                    "from_month": from_month})
