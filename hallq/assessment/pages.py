"""Supervisors' pages (督查): the month's ranking with drill-down to evidence, the
charts, supervisors' records, appeals, bad-review follow-up, the year, and the
printable monthly bulletin (每月运行情况通报).

Server-rendered: a supervisor signs in on /assessment/login and the page keeps
their staff token in an HttpOnly, SameSite=Strict cookie (API.md: pages may use
a session cookie), so the bulletin prints and the drill-down works without
scripts. Every page calls the same functions as /api/v1/assessment and needs
the "assess" permission. Charts are drawn by the vendored Chart.js
(/static/chart.umd.min.js) from figures embedded in the page: halls run on
closed networks.
"""
from __future__ import annotations

import datetime as dt
from functools import wraps

from flask import Blueprint, Response, abort, make_response, redirect, render_template, request, url_for
from sqlalchemy import select

from hallq import accounts
from hallq.assessment import export, records, service
from hallq.assessment.engine import RECORD_KINDS
from hallq.assessment.export import EVIDENCE_NAMES, SCOPE_NAMES
from hallq.assessment.facts import SCOPES
from hallq.assessment.models import AssessmentRecord, CaseCompletion
from hallq.assessment.operations import OUTCOME_NAMES, month_operations
from hallq.evaluator import followup
from hallq.evaluator import views as rating_views
from hallq.evaluator.models import Rating
from hallq.i18n import message
from hallq.queue.errors import QueueError
from hallq.queue.halls import hall_context
from hallq.queue.models import Staff, Ticket, TicketEvent, Window, WindowPause, WindowSession
from hallq.web import now, reading, unit_of_work

bp = Blueprint("assessment_pages", __name__, url_prefix="/assessment")
COOKIE = "hallq_assess"
EVENT_NAMES = {"issued": "取号", "called": "叫号", "recalled": "重呼", "skipped": "过号", "held": "挂起",
               "transferred": "转移", "finished": "办结", "requeued": "重新排队", "expired": "过期"}
DECISION_NAMES = {"upheld": "维持", "removed": "撤销该项", "changed": "改为"}
GRADE_CLASS = {"优秀": "g-top", "良好": "g-good", "称职": "g-good", "合格": "g-ok", "基本称职": "g-ok",
               "不合格": "g-bad", "不称职": "g-bad"}


def _who() -> accounts.Principal | None:
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    with reading() as uow:
        return accounts.authenticate(uow.session, token)


def supervisor(view):
    """Signed in with the "assess" permission, or off to the sign-in page (403 for a signed-in clerk)."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        who = _who()
        if who is None:
            return redirect(url_for("assessment_pages.login", next=request.full_path.rstrip("?")))
        if not who.can("assess"):
            return render_template("assessment_denied.html", who=who), 403
        return view(who, *args, **kwargs)
    return wrapped


def _month_or_404(month: str) -> tuple[int, int]:
    try:
        return service.parse_month(month)
    except QueueError:
        abort(404)


def _local(moment: dt.datetime | None, tz, fmt: str = "%m-%d %H:%M") -> str:
    return moment.astimezone(tz).strftime(fmt) if moment else ""


def _shift(month: str, by: int) -> str:
    y, m = service.parse_month(month)
    n = y * 12 + m - 1 + by
    return f"{n // 12:04d}-{n % 12 + 1:02d}"


def _common(who, ctx, month: str | None = None, **extra) -> dict:
    return {"who": who, "hall_name": ctx.hall.name, "month": month,
            "prev_month": _shift(month, -1) if month else None, "next_month": _shift(month, 1) if month else None,
            "scope_names": SCOPE_NAMES, "grade_class": GRADE_CLASS, **extra}


# --- signing in ----------------------------------------------------------------------------

@bp.route("/login", methods=["GET", "POST"])
def login():
    target = request.values.get("next") or url_for("assessment_pages.index")
    if not target.startswith("/assessment"):
        target = url_for("assessment_pages.index")
    error = None
    if request.method == "POST":
        try:
            with unit_of_work() as uow:
                token = accounts.login(uow.session, request.form.get("username", ""),
                                       request.form.get("password", ""), now())
                who = accounts.authenticate(uow.session, token)
                if not who.can("assess"):
                    raise QueueError("forbidden")
                uow.commit()
            response = make_response(redirect(target))
            response.set_cookie(COOKIE, token, httponly=True, samesite="Strict", path="/assessment")
            return response
        except QueueError as exc:
            error = ("该账号没有考核督查权限。" if exc.code == "forbidden" else message(exc.code, "zh"))
    return render_template("assessment_login.html", error=error, next=target), (401 if error else 200)


@bp.get("/logout")
def logout():
    response = make_response(redirect(url_for("assessment_pages.login")))
    response.delete_cookie(COOKIE, path="/assessment")
    return response


@bp.get("/")
@supervisor
def index(who):
    with reading() as uow:
        today = hall_context(uow.session, who.hall_id).hours.local_day(now())
    return redirect(url_for("assessment_pages.month", month=f"{today.year:04d}-{today.month:02d}"))


# --- the month -------------------------------------------------------------------------------

@bp.get("/<month>")
@supervisor
def month(who, month: str):
    year, m = _month_or_404(month)
    scope = request.args.get("scope") or "window"
    if scope not in SCOPES:
        abort(404)
    with unit_of_work() as uow:
        ctx = hall_context(uow.session, who.hall_id)
        result = service.month_result(uow.session, ctx, year, m, now=now())
        uow.commit()
        ops = month_operations(uow.session, ctx, year, m, now())
        pending = len(records.appeals(uow.session, ctx.id, month, "pending"))
    body = result.to_dict(scope) if scope in result.result.cards else None
    return render_template("assessment_month.html", **_common(
        who, ctx, month, scope=scope, body=body, ops=ops, pending=pending,
        scopes=[s for s in SCOPES if s in result.result.cards]))


@bp.get("/<month>/export.xlsx")
@supervisor
def export_xlsx(who, month: str):
    year, m = _month_or_404(month)
    with unit_of_work() as uow:
        ctx = hall_context(uow.session, who.hall_id)
        result = service.month_result(uow.session, ctx, year, m, now=now())
        uow.commit()
        data = export.workbook(ctx.hall.name, month, {s: result.to_dict(s) for s in result.result.cards})
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename=assessment-{month}.xlsx"})


@bp.get("/<month>/export.csv")
@supervisor
def export_csv(who, month: str):
    year, m = _month_or_404(month)
    scope = request.args.get("scope") or "window"
    with unit_of_work() as uow:
        ctx = hall_context(uow.session, who.hall_id)
        result = service.month_result(uow.session, ctx, year, m, now=now())
        uow.commit()
    if scope not in result.result.cards:
        abort(404)
    return Response(export.ranking_csv(result.to_dict(scope)).encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=assessment-{month}-{scope}.csv"})


@bp.get("/<month>/<scope>/<unit>")
@supervisor
def card(who, month: str, scope: str, unit: str):
    year, m = _month_or_404(month)
    if scope not in SCOPES:
        abort(404)
    with reading() as uow:
        ctx = hall_context(uow.session, who.hall_id)
        result = service.month_result(uow.session, ctx, year, m, now=now(), store=False)
        cards = result.result.cards.get(scope, [])
        if not any(c.unit == unit for c in cards):
            abort(404)
        data = result.result.card_dict(scope, unit)
        data["definitions"] = {**data["definitions"], **result.definitions}
        history = [records.appeal_json(a) for a in records.appeals(uow.session, ctx.id, month)
                   if a.scope == scope and a.unit == unit]
    return render_template("assessment_card.html", **_common(
        who, ctx, month, scope=scope, card=data, appeals=history, evidence_names=EVIDENCE_NAMES,
        decision_names=DECISION_NAMES, filed=request.args.get("filed"), error=request.args.get("error")))


@bp.post("/<month>/<scope>/<unit>/appeal")
@supervisor
def file_appeal(who, month: str, scope: str, unit: str):
    _month_or_404(month)
    try:
        with unit_of_work() as uow:
            ctx = hall_context(uow.session, who.hall_id)
            row = records.file_appeal(uow.session, who, ctx, now(), month=month, scope=scope, unit=unit,
                                      item=request.form.get("item", ""), statement=request.form.get("statement", ""))
            uow.commit()
        return redirect(url_for("assessment_pages.card", month=month, scope=scope, unit=unit, filed=row.id))
    except QueueError as exc:
        return redirect(url_for("assessment_pages.card", month=month, scope=scope, unit=unit,
                                error=_error_text(exc)))


def _error_text(exc: QueueError) -> str:
    return exc.params.get("detail") or message(exc.code, "zh", **exc.params)


# --- evidence ----------------------------------------------------------------------------------

@bp.get("/evidence/<kind>/<ref>")
@supervisor
def evidence(who, kind: str, ref: str):
    with reading() as uow:
        s = uow.session
        ctx = hall_context(s, who.hall_id)
        tz = ctx.hours.tz
        if kind == "rating" and ref.startswith("unrated:"):
            kind, ref = "ticket", ref.split(":", 1)[1]
        if not ref.isdigit() or int(ref) >= 2**31:
            abort(404)
        key = int(ref)
        windows = dict(s.execute(select(Window.id, Window.number).where(Window.hall_id == ctx.id)).all())
        staff = {i: f"{n} {name}" for i, n, name in s.execute(
            select(Staff.id, Staff.number, Staff.name).where(Staff.hall_id == ctx.id))}
        data: dict = {"kind": kind, "ref": key, "name": EVIDENCE_NAMES.get(kind, kind)}
        if kind == "ticket":
            t = s.get(Ticket, key)
            if t is None or t.hall_id != ctx.id:
                abort(404)
            events = s.scalars(select(TicketEvent).where(TicketEvent.ticket_id == t.id).order_by(TicketEvent.id)).all()
            rating_row = s.scalar(select(Rating).where(Rating.ticket_id == t.id))
            done = s.scalar(select(CaseCompletion).where(CaseCompletion.ticket_id == t.id))
            data.update(ticket=t, item=t.item, events=[{
                "kind": EVENT_NAMES.get(e.kind, e.kind), "at": _local(e.at, tz, "%Y-%m-%d %H:%M:%S"),
                "window": windows.get(e.window_id), "actor": e.actor,
                "detail": _event_detail(e.data or {})} for e in events],
                rating=rating_views.rating(s, rating_row) if rating_row else None, completion=done,
                outcome_name=_outcome(t.outcome))
        elif kind == "rating":
            r = s.get(Rating, key)
            if r is None or r.hall_id != ctx.id:
                abort(404)
            data.update(rating=rating_views.rating(s, r), at=_local(r.at, tz, "%Y-%m-%d %H:%M:%S"))
        elif kind in ("session", "pause"):
            if kind == "pause":
                p = s.get(WindowPause, key)
                if p is None:
                    abort(404)
                key = p.session_id
                data["highlight"] = p.id
            sess = s.get(WindowSession, key)
            if sess is None or sess.window_id not in windows:
                abort(404)
            pauses = s.scalars(select(WindowPause).where(WindowPause.session_id == sess.id)
                               .order_by(WindowPause.id)).all()
            data.update(session=sess, window=windows[sess.window_id], staff=staff.get(sess.staff_id, ""),
                        start=_local(sess.started_at, tz, "%Y-%m-%d %H:%M"),
                        end=_local(sess.ended_at, tz, "%Y-%m-%d %H:%M") or "仍在签到",
                        end_reason={"signed_out": "签退", "hall_closed": "下班自动签退"}.get(sess.end_reason or "", ""),
                        pauses=[{"id": p.id, "reason": p.reason, "start": _local(p.started_at, tz),
                                 "end": _local(p.ended_at, tz) or "未恢复"} for p in pauses],
                        hours=" ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in ctx.settings.hours.sessions))
        elif kind == "record":
            row = s.get(AssessmentRecord, key)
            if row is None or row.hall_id != ctx.id:
                abort(404)
            data.update(record=records.record_json(row, records.Names(s, ctx.id), records.record_lines(s, ctx.id)))
        elif kind == "window":
            return redirect(url_for("assessment_pages.month", month=request.args.get("month") or "", scope="window"))
        else:
            abort(404)
        # Rendered inside the session: the template reads the rows.
        return render_template("assessment_evidence.html", **_common(who, ctx, request.args.get("month"), **data))


def _outcome(code: str | None) -> str:
    return OUTCOME_NAMES.get(code or "", code or "")


def _event_detail(data: dict) -> str:
    parts = []
    if data.get("outcome"):
        parts.append(_outcome(data["outcome"]))
    if data.get("promised_days"):
        parts.append(f"承诺{data['promised_days']}个工作日，期限{data.get('due_date', '')}")
    if data.get("missing_materials"):
        parts.append("缺少材料：" + "、".join(data["missing_materials"]))
    if data.get("wait_s") is not None:
        parts.append(f"等候{data['wait_s'] / 60:.1f}分钟")
    if data.get("service_s") is not None:
        parts.append(f"办理{data['service_s'] / 60:.1f}分钟")
    if data.get("to_service") or data.get("to_window"):
        parts.append(f"转至{data.get('to_window') and str(data['to_window']) + '号窗口' or data.get('to_service')}")
    if data.get("returning_to"):
        parts.append(f"转回{data['returning_to']}号窗口")
    return "；".join(parts)


# --- records ------------------------------------------------------------------------------------

@bp.route("/<month>/records", methods=["GET", "POST"])
@supervisor
def records_page(who, month: str):
    year, m = _month_or_404(month)
    error = saved = None
    form = request.form
    with unit_of_work() as uow:
        s = uow.session
        ctx = hall_context(s, who.hall_id)
        if request.method == "POST":
            try:
                with s.begin_nested():
                    row = records.add_record(
                        s, who, ctx, now(), kind=form.get("kind", ""), item=form.get("item", ""),
                        occurred_on=_date(form.get("occurred_on")), evidence=form.get("evidence", ""),
                        window=int(form["window"]) if form.get("window", "").isdigit() else None,
                        staff=form.get("staff") or None, department=form.get("department") or None,
                        points=float(form["points"]) if form.get("points") else None,
                        count=int(form.get("count") or 1))
                uow.commit()
                saved = row.id
            except (QueueError, ValueError) as exc:
                error = _error_text(exc) if isinstance(exc, QueueError) else "请检查日期、次数和分值的格式。"
        lines = records.record_lines(s, ctx.id)
        names = records.Names(s, ctx.id)
        rows = [records.record_json(r, names, lines) for r in records.records(s, ctx.id, month)]
        windows = s.execute(select(Window.number, Window.name).where(Window.hall_id == ctx.id, Window.active.is_(True))
                            .order_by(Window.number)).all()
        staff = s.execute(select(Staff.number, Staff.name).where(Staff.hall_id == ctx.id, Staff.active.is_(True))
                          .order_by(Staff.number)).all()
        depts = sorted(names.dept.values())
    default_day = min(ctx.hours.local_day(now()), dt.date(year + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1))
    return render_template("assessment_records.html", **_common(
        who, ctx, month, rows=rows, lines=lines, kinds=RECORD_KINDS, windows=windows, staff=staff, depts=depts,
        error=error, saved=saved, form=form if error else {}, default_day=default_day.isoformat())), (400 if error else 200)


def _date(text: str | None) -> dt.date:
    return dt.date.fromisoformat(text or "")


# --- appeals ---------------------------------------------------------------------------------

@bp.route("/<month>/appeals", methods=["GET", "POST"])
@supervisor
def appeals_page(who, month: str):
    _month_or_404(month)
    error = None
    with unit_of_work() as uow:
        s = uow.session
        ctx = hall_context(s, who.hall_id)
        if request.method == "POST":
            try:
                form = request.form
                points = float(form["points"]) if form.get("points") else None
                records.decide_appeal(s, who, ctx, int(form.get("appeal", "0") or 0), now(),
                                      decision=form.get("decision", ""), reason=form.get("reason", ""),
                                      points=points)
                uow.commit()
            except (QueueError, ValueError) as exc:
                s.rollback()
                error = _error_text(exc) if isinstance(exc, QueueError) else "分值格式不对。"
        rows = [records.appeal_json(a) for a in records.appeals(s, ctx.id, month)]
    return render_template("assessment_appeals.html", **_common(
        who, ctx, month, rows=rows, error=error, decision_names=DECISION_NAMES)), (400 if error else 200)


# --- follow-up cases -------------------------------------------------------------------------------

@bp.get("/followups")
@supervisor
def followups(who):
    status = request.args.get("status") or None
    with reading() as uow:
        ctx = hall_context(uow.session, who.hall_id)
        moment = now()
        rows = [rating_views.case(uow.session, ctx, c, moment)
                for c in followup.cases(uow.session, who, moment, status=status)]
    for row in rows:
        row["opened_local"] = _local(dt.datetime.fromisoformat(row["opened_at"].replace("Z", "+00:00")), ctx.hours.tz)
    return render_template("assessment_followups.html", **_common(who, ctx, None, rows=rows, status=status))


# --- the year ---------------------------------------------------------------------------------------

@bp.route("/year/<int:year>", methods=["GET", "POST"])
@supervisor
def year_page(who, year: int):
    if not 2000 <= year <= 2999:
        abort(404)
    scope = request.values.get("scope") or "window"
    if scope not in SCOPES:
        abort(404)
    error = None
    with unit_of_work() as uow:
        s = uow.session
        ctx = hall_context(s, who.hall_id)
        if request.method == "POST":
            try:
                scores = {k.removeprefix("score_"): float(v) for k, v in request.form.items()
                          if k.startswith("score_") and v.strip()}
                records.set_democratic(s, who, ctx, year, scope, scores, now())
                uow.commit()
            except (QueueError, ValueError) as exc:
                s.rollback()
                error = _error_text(exc) if isinstance(exc, QueueError) else "民主测评成绩应为0到100的数字。"
        try:
            cards, scheme = service.year_result(s, ctx, year, scope, now())
        except QueueError as exc:
            abort(404, _error_text(exc))
        uow.commit()
    return render_template("assessment_year.html", **_common(
        who, ctx, None, year=year, scope=scope, cards=[c.to_dict() for c in cards], scheme=scheme,
        error=error)), (400 if error else 200)


# --- the bulletin --------------------------------------------------------------------------------------

@bp.get("/<month>/bulletin")
@supervisor
def bulletin(who, month: str):
    year, m = _month_or_404(month)
    with unit_of_work() as uow:
        s = uow.session
        ctx = hall_context(s, who.hall_id)
        result = service.month_result(s, ctx, year, m, now=now())
        uow.commit()
        ops = month_operations(s, ctx, year, m, now())
        kinds: dict[str, int] = {}
        for r in records.records(s, ctx.id, month):
            if r.voided_at is None:
                kinds[RECORD_KINDS.get(r.kind, r.kind)] = kinds.get(RECORD_KINDS.get(r.kind, r.kind), 0) + r.count
        appeal_rows = [records.appeal_json(a) for a in records.appeals(s, ctx.id, month)]
    bodies = {scope: result.to_dict(scope) for scope in result.result.cards}
    deductions = []
    for card in bodies.get("window", {}).get("scorecards", []):
        for item in card["items"]:
            if item["points"] < 0 and item["source"] != "rating.satisfaction":
                deductions.append({"unit": card["unit"], "name": card["name"], "item": item["name"].split("，")[0],
                                   "count": item["count"], "points": item["points"],
                                   "per": "个工作日" if item["source"] == "case.overdue_day" else "次"})
    grades: dict[str, dict[str, int]] = {}
    for scope, body in bodies.items():
        counts: dict[str, int] = {}
        for c in body["scorecards"]:
            counts[c["grade"] or "—"] = counts.get(c["grade"] or "—", 0) + 1
        grades[scope] = counts
    return render_template("assessment_bulletin.html", **_common(
        who, ctx, month, bodies=bodies, ops=ops, record_kinds=kinds, deductions=deductions, grades=grades,
        appeals=appeal_rows, issued_on=ctx.hours.local_day(now()), year=year, month_no=m))
