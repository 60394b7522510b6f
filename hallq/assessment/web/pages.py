"""Supervisors' pages (督查): the month's ranking with drill-down to evidence, the
charts, supervisors' records, appeals, bad-review follow-up, the year, and the
printable monthly bulletin (每月运行情况通报).

Simplified Chinese unless the supervisor asks for English (?lang=en, or the link
in the bar), remembered in the same cookie as the clerk console's; names from the
schemes come from the presets' English fields (english.Words), what people entered
stays as entered.

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

from hallq.queue import accounts, inputs
from hallq.assessment import completions, export, publication, records, schemes_form, service
from hallq.assessment import dual_target_findings as dual_findings
from hallq.assessment import dual_target_year as dual_year
from hallq.assessment.definitions import definitions_en
from hallq.assessment.definitions import label as definition_label
from hallq.assessment.engine import RECORD_KINDS
from hallq.assessment.english import (DECISION_NAMES_EN, EVENT_NAMES_EN, EVIDENCE_NAMES_EN, OUTCOME_NAMES_EN,
                                      RECORD_KINDS_EN, SCOPE_NAMES_EN, Words)
from hallq.assessment.export import EVIDENCE_NAMES, SCOPE_NAMES
from hallq.assessment.facts import SCOPES
from hallq.assessment.gather import DEFINITIONS_EN
from hallq.assessment.models import AssessmentRecord, CaseCompletion
from hallq.cases import steps as case_steps
from hallq.assessment.operations import OUTCOME_NAMES, month_operations
from hallq.assessment.presets import list_presets, load_preset
from hallq.assessment.scorecard import provisional_note
from hallq.evaluator import followup
from hallq.supervision import complaints
from hallq.evaluator import views as rating_views
from hallq.evaluator.models import Rating
from hallq.i18n import calendar_not_entered, message
from hallq.web.staff_pages import LANG_COOKIE, page_lang
from hallq.queue.audit import AdminChange
from hallq.queue.errors import Invalid, QueueError
from hallq.queue.halls import hall_context
from hallq.queue.models import Department, Staff, Ticket, TicketEvent, Window, WindowPause, WindowSession
from hallq.web import origin
from hallq.web.login_guard import closed, end_sign_in
from hallq.web.runtime import authenticated, now, reading, runtime, unit_of_work

bp = Blueprint("assessment_pages", __name__, url_prefix="/assessment")
COOKIE = "hallq_assess"
EVENT_NAMES = {"issued": "取号", "called": "叫号", "recalled": "重呼", "skipped": "过号", "held": "挂起",
               "transferred": "转移", "finished": "办结", "requeued": "重新排队", "expired": "过期"}
DECISION_NAMES = {"upheld": "维持", "removed": "撤销该项", "changed": "改为"}
GRADE_CLASS = {"优秀": "g-top", "良好": "g-good", "称职": "g-good", "合格": "g-ok", "基本称职": "g-ok",
               "不合格": "g-bad", "不称职": "g-bad"}


# --- the page's language ----------------------------------------------------------------------

def _lang() -> str:
    return page_lang()  # the staff pages' one rule: ?lang=, then the cookie, then Chinese


def _en() -> bool:
    return _lang() == "en"


def _pick(lang: str):
    """`_("中文{n}", "English {n}", n=…)` in templates: the page's language, filled in."""
    def pick(zh: str, en: str, **params) -> str:
        text = en if lang == "en" else zh
        return text.format(**params) if params else text
    return pick


def _lang_url(lang: str) -> str:
    """This page in the other language (the query kept)."""
    args = {**request.args.to_dict(), "lang": "zh" if lang == "en" else "en"}
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def _page(template: str, status: int = 200, **context):
    lang = _lang()
    en = lang == "en"
    names = {"scope_names": SCOPE_NAMES_EN if en else SCOPE_NAMES,
             "evidence_names": EVIDENCE_NAMES_EN if en else EVIDENCE_NAMES,
             "decision_names": DECISION_NAMES_EN if en else DECISION_NAMES}
    response = make_response(render_template(template, lang=lang, en=en, _=_pick(lang), lang_url=_lang_url(lang),
                                             month_label=lambda m: _month_label(m, en), definition_label=definition_label,
                                             **{**names, **context}),
                             status)
    if request.args.get("lang"):
        origin.set_cookie(response, LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax")
    return response


MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December")


def _month_label(month: str | None, en: bool) -> str:
    if not month:
        return ""
    year, m = service.parse_month(month)
    return f"{MONTHS_EN[m - 1]} {year}" if en else f"{year}年{m}月"


def _error_text(exc: QueueError) -> str:
    return exc.params.get("detail") or message(exc.code, _lang(), **exc.params)


def _who() -> accounts.Principal | None:
    """The cookie's sign-in, as the API reads a bearer token (its idle time and lifetime, revocation)."""
    token = request.cookies.get(COOKIE)
    return authenticated(token) if token else None


def is_chief(s, who: accounts.Principal) -> bool:
    """A department's chief representative (首席代表): the staff member the hall names in `ratings.chiefs`,
    signed in with the account linked to them, or the owner of a follow-up case still assigned to them."""
    if not who.is_staff or who.can("review"):  # a supervisor's pages show every department's
        return False
    ctx = hall_context(s, who.hall_id)
    return bool(complaints.chief_departments(s, ctx, who)) or bool(followup.cases(s, who, now()))


def supervisor(view):
    """Signed in with the "assess" permission, or off to the sign-in page (403 for a signed-in clerk);
    a first login changes its password before anything else."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        who = _who()
        if who is None:
            return redirect(url_for("assessment_pages.login", next=request.full_path.rstrip("?")))
        if who.must_change_password:
            return redirect(url_for("assessment_pages.password"))
        if not who.can("assess"):
            return _page("assessment_denied.html", 403, who=who)
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
            "grade_class": GRADE_CLASS, "this_month": _this_month(ctx), "provisional": _provisional(ctx, month),
            "calendar_notice": _calendar_notice(ctx), **extra}


def _calendar_notice(ctx) -> str | None:
    """The official calendar of this year or the next months not entered (hallq.queue.hours): every page says so."""
    return calendar_not_entered(ctx.hours.years_not_entered(ctx.hours.local_day(now())), _lang())


def _provisional(ctx, month: str | None) -> str | None:
    """A month that has not ended is scored so far: every page of it says so."""
    if not month:
        return None
    today = ctx.hours.local_day(now())
    return provisional_note(today, _en()) if f"{today.year:04d}-{today.month:02d}" <= month else None


def _this_month(ctx) -> str:
    today = ctx.hours.local_day(now())
    return f"{today.year:04d}-{today.month:02d}"


def _grade_class(plan) -> dict[str, str]:
    """CSS class per grade name, the English names too."""
    out = dict(GRADE_CLASS)
    for scheme in plan.values():
        for bands in scheme.grades.values():
            for band in bands:
                if band.name_en and band.name in GRADE_CLASS:
                    out[band.name_en] = GRADE_CLASS[band.name]
    return out


# --- signing in ----------------------------------------------------------------------------

@bp.route("/login", methods=["GET", "POST"])
def login():
    target = request.values.get("next") or url_for("assessment_pages.index")
    if not target.startswith("/assessment"):
        target = url_for("assessment_pages.index")
    error = status = None
    if request.method == "POST":
        try:
            token = runtime().logins.sign_in(request.form.get("username", "")[:200],
                                             request.form.get("password", "")[:200])
            with reading() as uow:
                who = accounts.authenticate(uow.session, token, now())
            if not who.can("assess"):
                with reading() as uow:
                    chief = is_chief(uow.session, who)
                if not chief:
                    end_sign_in(token, who)
                    raise QueueError("forbidden")
                # A department's chief representative (首席代表) works on their own pages alone.
                if not target.startswith("/assessment/chief"):
                    target = url_for("chief_pages.home")
            response = make_response(redirect(url_for("assessment_pages.password") if who.must_change_password
                                              else target))
            origin.set_cookie(response, COOKIE, token, httponly=True, samesite="Strict", path="/assessment")
            return response
        except QueueError as exc:
            en = _en()
            status = 403 if exc.code == "forbidden" else exc.status
            error = (("This account has no permission for assessment and supervision." if en
                      else "该账号没有考核督查权限。") if exc.code == "forbidden" else message(exc.code, _lang(),
                                                                                    **exc.params))
    return _page("assessment_login.html", status or 200, error=error, next=target)


@bp.get("/logout")
def logout():
    """Ends the sign-in itself, not only the cookie (a GET: SameSite=Strict keeps other sites' links out)."""
    token = request.cookies.get(COOKIE)
    who = authenticated(token) if token else None
    if who is not None:
        end_sign_in(token, who)
    response = make_response(redirect(url_for("assessment_pages.login")))
    response.delete_cookie(COOKIE, path="/assessment")
    return response


@bp.route("/password", methods=["GET", "POST"])
def password():
    """Change one's password: required at the first login with a generated one (等保2.0)."""
    token = request.cookies.get(COOKIE)
    who = authenticated(token) if token else None
    if who is None:
        return redirect(url_for("assessment_pages.login", next=request.path))
    error = None
    if request.method == "POST":
        new = request.form.get("new", "")[:200]
        try:
            if new != request.form.get("confirm", "")[:200]:
                raise Invalid("weak_password", detail="the two new passwords differ" if _en() else "两次输入的新密码不一致")
            with unit_of_work() as uow:
                others = accounts.change_password(uow.session, who, request.form.get("current", "")[:200], new,
                                                  now())
                uow.commit()
            closed(others)
            return redirect(url_for("assessment_pages.index"))
        except QueueError as exc:
            error = message(exc.code, _lang(), **exc.params)
            return _page("assessment_password.html", exc.status, error=error, who=who)
    return _page("assessment_password.html", error=error, who=who)


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
        signoff = publication.standing(uow.session, ctx.id, service.label(year, m))
    words = Words(_lang(), result.plan)
    body = words.body(result.to_dict(scope)) if scope in result.result.cards else None
    scheme_name = words.scheme_name(result.plan[scope]) if body else None
    if ops["outcomes"] and words.en:
        ops["outcomes"] = [{**o, "name": OUTCOME_NAMES_EN.get(o["outcome"], o["name"])} for o in ops["outcomes"]]
    return _page("assessment_month.html", **_common(
        who, ctx, month, scope=scope, body=body, ops=ops, pending=pending, scheme_name=scheme_name,
        signoff_state=signoff.state, revision=signoff.revision,
        scopes=[s for s in SCOPES if s in result.result.cards], grade_class=_grade_class(result.plan)))


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
        words = Words(_lang(), result.plan)
        data = words.card(result.result.card_dict(scope, unit))
        if words.en:
            data["definitions"] = {**definitions_en(result.plan[scope]), **DEFINITIONS_EN}
        else:
            data["definitions"] = {**data["definitions"], **result.definitions}
        history = [records.appeal_json(a) for a in records.appeals(uow.session, ctx.id, month)
                   if a.scope == scope and a.unit == unit]
        transfer = _transfer_flag(uow.session, ctx.id, scope, unit)
    item_names = {i["key"]: i["name"] for i in data["items"]}
    return _page("assessment_card.html", **_common(
        who, ctx, month, scope=scope, card=data, appeals=history, item_names=item_names, transfer=transfer,
        filed=request.args.get("filed"), error=request.args.get("error"), grade_class=_grade_class(result.plan)))


def _transfer_flag(s, hall_id: int, scope: str, unit: str) -> tuple[int, int] | None:
    """A staff member's two complaints in a row verified (seed 004 考核办法 第十五条, 立即调离), from the
    complaint register: the pair of complaint numbers, shown on the person's card whatever the month."""
    if scope != "staff":
        return None
    staff_id = s.scalar(select(Staff.id).where(Staff.hall_id == hall_id, Staff.number == unit))
    return complaints.transfer_flags(s, hall_id).get(staff_id) if staff_id else None


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
        if kind == "staff" and request.args.get("month"):  # a staff member's points carried to a window
            return redirect(url_for("assessment_pages.card", month=request.args["month"], scope="staff", unit=ref))
        key = inputs.whole_number_or_none(ref, 1)
        if key is None:
            abort(404)
        windows = dict(s.execute(select(Window.id, Window.number).where(Window.hall_id == ctx.id)).all())
        staff = {i: f"{n} {name}" for i, n, name in s.execute(
            select(Staff.id, Staff.number, Staff.name).where(Staff.hall_id == ctx.id))}
        en = _en()
        lang = _lang()
        data: dict = {"kind": kind, "ref": key, "name": (EVIDENCE_NAMES_EN if en else EVIDENCE_NAMES).get(kind, kind)}
        if kind == "ticket":
            t = s.get(Ticket, key)
            if t is None or t.hall_id != ctx.id:
                abort(404)
            events = s.scalars(select(TicketEvent).where(TicketEvent.ticket_id == t.id).order_by(TicketEvent.id)).all()
            rating_row = s.scalar(select(Rating).where(Rating.ticket_id == t.id))
            done = s.scalar(select(CaseCompletion).where(CaseCompletion.ticket_id == t.id))
            data.update(ticket=t, item=t.item, events=[{
                "kind": (EVENT_NAMES_EN if en else EVENT_NAMES).get(e.kind, e.kind),
                "at": _local(e.at, tz, "%Y-%m-%d %H:%M:%S"), "window": windows.get(e.window_id), "actor": e.actor,
                "detail": _event_detail(e.data or {}, en)} for e in events],
                rating=rating_views.rating(s, rating_row, lang) if rating_row else None, completion=done,
                outcome_name=_outcome(t.outcome, en))
        elif kind == "rating":
            r = s.get(Rating, key)
            if r is None or r.hall_id != ctx.id:
                abort(404)
            data.update(rating=rating_views.rating(s, r, lang), at=_local(r.at, tz, "%Y-%m-%d %H:%M:%S"))
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
                        end=_local(sess.ended_at, tz, "%Y-%m-%d %H:%M") or ("still signed in" if en else "仍在签到"),
                        end_reason=({"signed_out": "signed out", "hall_closed": "signed out at closing"} if en else
                                    {"signed_out": "签退", "hall_closed": "下班自动签退"}).get(sess.end_reason or "", ""),
                        pauses=[{"id": p.id, "reason": p.reason, "start": _local(p.started_at, tz),
                                 "end": _local(p.ended_at, tz) or ("not resumed" if en else "未恢复")} for p in pauses],
                        hours=" ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in ctx.settings.hours.sessions))
        elif kind == "record":
            row = s.get(AssessmentRecord, key)
            if row is None or row.hall_id != ctx.id:
                abort(404)
            record = _record_in(records.record_json(row, records.Names(s, ctx.id), records.record_lines(s, ctx.id)),
                                Words(lang, service.scheme_plan(s, ctx.id)))
            # Shown in the hall's time, as the supervisor entered it (the API's ISO time is UTC).
            data.update(record={**record, "entered_at": _local(row.entered_at, tz, "%Y-%m-%d %H:%M")})
        elif kind == "item_change":
            # An admin's change of an item (承诺件 -> 即办件): who, when, the promised time before and after.
            row = s.get(AdminChange, key)
            if row is None or row.hall_id != ctx.id or row.entity != "item":
                abort(404)
            code = (row.after or row.before or {}).get("department")
            data.update(change=row, at=_local(row.at, tz, "%Y-%m-%d %H:%M"), before=row.before or {},
                        after=row.after or {}, department=s.scalar(select(Department.name).where(
                            Department.hall_id == ctx.id, Department.code == code)) or code)
        elif kind == "dual_target":
            data.update(_finding_evidence(s, ctx, key, lang))
        elif kind == "window":
            return redirect(url_for("assessment_pages.month", month=request.args.get("month") or "", scope="window"))
        else:
            abort(404)
        # Rendered inside the session: the template reads the rows.
        return _page("assessment_evidence.html", **_common(who, ctx, request.args.get("month"), **data))


def _finding_evidence(s, ctx, finding_id: int, lang: str) -> dict:
    """A 双目标 finding (hallq.assessment.dual_target_findings) with every finding it corrected, newest first,
    in the hall's time; the class named by the scheme the year ends under."""
    try:
        row = dual_findings.get(s, ctx.id, finding_id)
    except QueueError:
        abort(404)
    names = dual_findings.department_names(s, ctx.id)
    try:
        classes = {c.key: (c.name_en or c.name) if lang == "en" else c.name
                   for c in dual_year.dual_scheme(s, ctx.id, row.year).annual.dual_target}
    except QueueError:
        classes = {}
    chain = [{**dual_findings.finding_json(r, names), "class_name": classes.get(r.finding, r.finding) if r.finding
              else None, "at": _local(r.entered_at, ctx.hours.tz, "%Y-%m-%d %H:%M")}
             for r in dual_findings.chain(s, row)]
    return {"finding": chain[0], "chain": chain, "year": row.year}


def _record_in(record: dict, words: Words) -> dict:
    """A record as shown: the kind and line named in the page's language, the evidence as entered."""
    if words.en:
        record = {**record, "kind_name": RECORD_KINDS_EN.get(record["kind"], record["kind_name"]),
                  "item_name": words.name(record["item"], record["item_name"])}
    return record


def _outcome(code: str | None, en: bool = False) -> str:
    return (OUTCOME_NAMES_EN if en else OUTCOME_NAMES).get(code or "", code or "")


def _event_detail(data: dict, en: bool = False) -> str:
    parts = []
    if data.get("outcome"):
        parts.append(_outcome(data["outcome"], en))
    if data.get("promised_days"):
        parts.append(f"promised in {data['promised_days']} working days, due {data.get('due_date', '')}" if en else
                     f"承诺{data['promised_days']}个工作日，期限{data.get('due_date', '')}")
    if data.get("missing_materials"):
        # The materials are as the clerk typed them.
        parts.append("missing: " + ", ".join(data["missing_materials"]) if en
                     else "缺少材料：" + "、".join(data["missing_materials"]))
    if data.get("wait_s") is not None:
        parts.append(f"waited {data['wait_s'] / 60:.1f} min" if en else f"等候{data['wait_s'] / 60:.1f}分钟")
    if data.get("service_s") is not None:
        parts.append(f"served in {data['service_s'] / 60:.1f} min" if en else f"办理{data['service_s'] / 60:.1f}分钟")
    if data.get("to_service") or data.get("to_window"):
        target = data.get("to_window")
        if en:
            parts.append(f"to window {target}" if target else f"to item {data.get('to_service')}")
        else:
            parts.append(f"转至{target and str(target) + '号窗口' or data.get('to_service')}")
    if data.get("returning_to"):
        parts.append(f"back to window {data['returning_to']}" if en else f"转回{data['returning_to']}号窗口")
    return ("; " if en else "；").join(parts)


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
                        window=inputs.whole_number(form["window"], "window", 1) if form.get("window") else None,
                        staff=form.get("staff") or None, department=form.get("department") or None,
                        points=float(form["points"]) if form.get("points") else None,
                        count=inputs.whole_number(form.get("count") or "1", "count", 1))
                uow.commit()
                saved = row.id
            except (QueueError, ValueError) as exc:
                error = (_error_text(exc) if isinstance(exc, QueueError) else
                         _pick(_lang())("请检查日期、次数和分值的格式。", "Check the date, count and points."))
        lines = records.record_lines(s, ctx.id)
        names = records.Names(s, ctx.id)
        words = Words(_lang(), service.scheme_plan(s, ctx.id))
        rows = [_record_in(records.record_json(r, names, lines), words) for r in records.records(s, ctx.id, month)]
        line_names = {key: words.name(key, rule.name) for key, rule in lines.items()}
        windows = s.execute(select(Window.number, Window.name).where(Window.hall_id == ctx.id, Window.active.is_(True))
                            .order_by(Window.number)).all()
        staff = s.execute(select(Staff.number, Staff.name).where(Staff.hall_id == ctx.id, Staff.active.is_(True))
                          .order_by(Staff.number)).all()
        depts = sorted(names.dept.values())
    default_day = min(ctx.hours.local_day(now()), dt.date(year + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1))
    return _page("assessment_records.html", 400 if error else 200, **_common(
        who, ctx, month, rows=rows, lines=lines, line_names=line_names, kinds=RECORD_KINDS_EN if words.en else RECORD_KINDS,
        windows=windows, staff=staff, depts=depts,
        error=error, saved=saved, form=form if error else {}, default_day=default_day.isoformat()))


def _date(text: str | None) -> dt.date:
    return inputs.day(text or "", "date")


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
                records.decide_appeal(s, who, ctx, inputs.whole_number(form.get("appeal", ""), "appeal", 1), now(),
                                      decision=form.get("decision", ""), reason=form.get("reason", ""),
                                      points=points)
                uow.commit()
            except (QueueError, ValueError) as exc:
                s.rollback()
                error = (_error_text(exc) if isinstance(exc, QueueError) else
                         _pick(_lang())("分值格式不对。", "The points are not a number."))
        rows = [records.appeal_json(a) for a in records.appeals(s, ctx.id, month)]
        words = Words(_lang(), service.scheme_plan(s, ctx.id))
        for row in rows:
            row["item_name"] = words.name(row["item"], row["item"])
    return _page("assessment_appeals.html", 400 if error else 200, **_common(who, ctx, month, rows=rows, error=error))


# --- follow-up cases -------------------------------------------------------------------------------

@bp.get("/followups")
@supervisor
def followups(who):
    status = request.args.get("status") or None
    overdue = status == "overdue" or None  # the overdue tab: open after the due day
    with reading() as uow:
        ctx = hall_context(uow.session, who.hall_id)
        moment = now()
        try:
            found = followup.cases(uow.session, who, moment, status=None if overdue else status, overdue=overdue)
        except Invalid:
            abort(404)
        rows = [rating_views.case(uow.session, ctx, c, moment, _lang()) for c in found]
    for row in rows:
        row["opened_local"] = _local(dt.datetime.fromisoformat(row["opened_at"].replace("Z", "+00:00")), ctx.hours.tz)
    return _page("assessment_followups.html", **_common(who, ctx, None, rows=rows, status=status))


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
                error = (_error_text(exc) if isinstance(exc, QueueError) else
                         _pick(_lang())("民主测评成绩应为0到100的数字。", "A democratic score is a number from 0 to 100."))
        try:
            cards, scheme = service.year_result(s, ctx, year, scope, now())
        except QueueError as exc:
            abort(404, _error_text(exc))
        uow.commit()
        plan = service.scheme_plan(s, ctx.id)
        words = Words(_lang(), plan)
    rows = [_annual_in(c.to_dict(), words) for c in cards]
    counted_to = service.year_counted_to(ctx, year, now())  # a year not over is as provisional as its running month
    return _page("assessment_year.html", 400 if error else 200, **_common(
        who, ctx, None, year=year, scope=scope, cards=rows, scheme=scheme, error=error, grade_class=_grade_class(plan),
        provisional=provisional_note(counted_to, _en()) if counted_to else None,
        annual_title=words.title(scheme.annual.title) if scheme.annual.title else None))


def _english_count(count: float, days: bool) -> str:
    unit = "working day" if days else "time"
    return f" {unit}" if count == 1 else f" {unit}s"


def _annual_in(card: dict, words: Words) -> dict:
    if not words.en:
        return card
    flags = []
    for f in card["flags"]:
        if f["key"] == "no_democratic_score":
            message = "No democratic evaluation score (counted as 0; no annual honours)"
        elif f["key"] == "ineligible":
            month, _, why = f["message"].split("：", 1)[-1].partition("：")
            message = f"No annual honours: {month} {words.title(why)}" if why else f"No annual honours: {month}"
        else:
            message = f["message"]
        flags.append({**f, "message": message})
    return {**card, "grade": words.grade(card["grade"]), "title": words.title(card["title"]) if card.get("title") else
            card.get("title"), "flags": flags}


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
        en = _en()
        kind_names = RECORD_KINDS_EN if en else RECORD_KINDS
        kinds: dict[str, int] = {}
        for r in records.records(s, ctx.id, month):
            if r.voided_at is None:
                kinds[kind_names.get(r.kind, r.kind)] = kinds.get(kind_names.get(r.kind, r.kind), 0) + r.count
        appeal_rows = [records.appeal_json(a) for a in records.appeals(s, ctx.id, month)]
    words = Words(_lang(), result.plan)
    bodies = {scope: words.body(result.to_dict(scope)) for scope in result.result.cards}
    if en:
        for scope, body in bodies.items():
            body["definitions"] = definitions_en(result.plan[scope])
        ops["outcomes"] = [{**o, "name": OUTCOME_NAMES_EN.get(o["outcome"], o["name"])} for o in ops["outcomes"]]
    # Every line that moved a window's score, as applied after caps: with full marks they add
    # up to the score (a zeroed month says so by its flag).
    deductions = []
    for card in bodies.get("window", {}).get("scorecards", []):
        for item in card["items"]:
            if not item["applied"]:
                continue
            banded = item["source"] in ("rating.satisfaction", "ticket.volume")
            overdue = item["source"] == "case.overdue_day"
            deductions.append({"unit": card["unit"], "name": card["name"],
                               "item": item["name"].split(", ")[0] if en else item["name"].split("，")[0],
                               "count": None if banded else item["count"], "points": item["applied"],
                               "per": "" if banded else (_english_count(item["count"], overdue) if en else
                                                         ("个工作日" if overdue else "次"))})
    grades: dict[str, dict[str, int]] = {}
    for scope, body in bodies.items():
        counts: dict[str, int] = {}
        for c in body["scorecards"]:
            counts[c["grade"] or "—"] = counts.get(c["grade"] or "—", 0) + 1
        grades[scope] = counts
    top_grade = {scope: words.grade(next((b.name for b in result.plan[scope].grade_bands(scope)), None))
                 for scope in bodies}
    return _page("assessment_bulletin.html", **_common(
        who, ctx, month, bodies=bodies, ops=ops, record_kinds=kinds, deductions=deductions, grades=grades,
        appeals=appeal_rows, issued_on=ctx.hours.local_day(now()), year=year, month_no=m, top_grade=top_grade))


# --- the hall's schemes -------------------------------------------------------------------------------

@bp.route("/schemes", methods=["GET", "POST"])
@supervisor
def schemes_page(who):
    """Which preset each scope is assessed by, and the points of its lines (POST /api/v1/assessment/schemes)."""
    scope = request.values.get("scope") or "window"
    if scope not in SCOPES:
        abort(404)
    say = _pick(_lang())
    error = saved = None
    with unit_of_work() as uow:
        s = uow.session
        ctx = hall_context(s, who.hall_id)
        rows = service.scheme_rows(s, ctx.id)
        current = rows[scope].preset if scope in rows else service.DEFAULT_PRESET
        this_month = _this_month(ctx)
        if request.method == "POST":
            form = request.form
            from_month = form.get("from_month") or this_month
            try:
                with s.begin_nested():
                    if form.get("action") == "preset":
                        preset = form.get("preset", "")
                        # A new preset starts from its own points; the same one keeps the adjustments.
                        keep = (rows[scope].overrides or {}) if scope in rows and preset == current else {}
                        service.set_scheme(s, ctx, scope, preset, keep, who.actor, now(), from_month)
                    else:
                        typed = {}
                        for key, value in form.items():
                            if key.startswith("points:") and value.strip():
                                try:
                                    typed[key.removeprefix("points:")] = float(value)
                                except ValueError:
                                    raise Invalid("invalid_input", detail=say(
                                        "{key}的分值不是数字。", "The points of {key} are not a number.",
                                        key=key.removeprefix("points:"))) from None
                        before = rows[scope].overrides if scope in rows else {}
                        overrides = schemes_form.with_points(load_preset(current), before, typed)
                        service.set_scheme(s, ctx, scope, current, overrides, who.actor, now(), from_month)
                uow.commit()
                saved = from_month
            except QueueError as exc:
                error = _error_text(exc)
            rows = service.scheme_rows(s, ctx.id)
            current = rows[scope].preset if scope in rows else service.DEFAULT_PRESET
        plan = service.scheme_plan(s, ctx.id)
        row = rows.get(scope)
        changed = (row.changed_by, _local(row.changed_at, ctx.hours.tz, "%Y-%m-%d %H:%M")) if row else None
        versions = [{"from_month": None if v.from_month == service.ALWAYS else v.from_month, "preset": v.preset,
                     "adjusted": bool(v.overrides), "changed_by": v.changed_by,
                     "changed_at": _local(v.changed_at, ctx.hours.tz, "%Y-%m-%d %H:%M")}
                    for v in service.scheme_versions(s, ctx.id) if v.scope == scope]
    words = Words(_lang(), plan)
    scheme = plan.get(scope)
    presets = []
    for name in list_presets():
        preset = load_preset(name)
        if scope in preset.scopes:
            presets.append({"id": name, "name": Words(_lang(), {scope: preset}).scheme_name(preset)})
    defaults = {ln.rule.key: ln.rule.points for ln in schemes_form.lines(load_preset(current))}
    table = [{"key": ln.rule.key, "category": words.name(ln.category.key, ln.category.name),
              "part": words.name(ln.part.key, ln.part.name) if ln.part else None,
              "name": words.name(ln.rule.key, ln.rule.name), "points": ln.rule.points,
              "default": defaults.get(ln.rule.key), "entry_points": ln.rule.entry_points, "source": ln.rule.source}
             for ln in schemes_form.lines(scheme)] if scheme else []
    return _page("assessment_schemes.html", 400 if error else 200, **_common(
        who, ctx, None, scope=scope, current=current, presets=presets, table=table, error=error, saved=saved,
        scheme_name=words.scheme_name(scheme) if scheme else None,
        changed=changed, versions=versions, from_month=this_month))


# --- case completions (办结登记) ----------------------------------------------------------------------

@bp.route("/<month>/completions", methods=["GET", "POST"])
@supervisor
def completions_page(who, month: str):
    """The month's open promised cases with due dates and days late; entering the day one was finished."""
    year, m = _month_or_404(month)
    error = saved = None
    with unit_of_work() as uow:
        s = uow.session
        ctx = hall_context(s, who.hall_id)
        if request.method == "POST":
            form = request.form
            try:
                ticket = inputs.whole_number(form.get("ticket", ""), "ticket", 1)
                with s.begin_nested():
                    case = case_steps.complete(uow, who, ctx, ticket, _date(form.get("completed_on")),
                                               form.get("note") or None, now(), reason=form.get("reason") or None,
                                               delay_reason=form.get("delay_reason") or None)
                uow.commit()
                saved = case.ticket_id
            except (QueueError, ValueError) as exc:
                error = (_error_text(exc) if isinstance(exc, QueueError) else
                         _pick(_lang())("请填写办结日期。", "Give the day it was finished."))
        today = ctx.hours.local_day(now())
        open_rows = completions.open_cases(s, ctx, year, m, today)
        done_rows = completions.entered_in(s, ctx, year, m)
    saved_number = next((c["number"] for c in done_rows if c["ticket"] == saved), saved)
    return _page("assessment_completions.html", 400 if error else 200, **_common(
        who, ctx, month, open_rows=open_rows, done_rows=done_rows, error=error, saved=saved_number,
        today=today.isoformat(), form=request.form if error else {}))
