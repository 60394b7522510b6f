"""The admin API (role admin): the hall's settings, departments, windows, staff, accounts, device tokens,
the hall file export and the audit log. Thin: each route reads its body and calls one function of
hallq.queue.admin or hallq.queue.account_admin, which check by the hall file's rules and audit the change.

A change takes effect at once in this process (hallfile.load forgets the cached hall context, a revoked
token is forgotten and its sockets closed) and in other server processes when their caches run out:
halls.CONTEXT_TTL_S (5 s) for the hall, runtime.TOKEN_CACHE_SECONDS (10 s) for tokens, their sockets
at the next housekeeping sweep.
"""
from __future__ import annotations

import base64
import binascii
import datetime as dt
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, jsonify, request, send_file

from hallq.queue import account_admin, admin, audit, inputs, photos
from hallq.queue import admin_schemas as schemas
from hallq.queue.agent_scope import AgentScope
from hallq.queue.errors import Invalid, NotFound
from hallq.queue.halls import hall_context
from hallq.queue.hours import calendar_years
from hallq.queue import hallfile
from hallq.web import photo_store, qr
from hallq.web.login_guard import closed
from hallq.web.openapi import date, spec
from hallq.web.runtime import body, now, principal, reading, unit_of_work

bp = Blueprint("admin_api", __name__, url_prefix="/api/v1/admin")
P = "/admin"  # the document's paths are under /api/v1 (spec.route registers on bp, whose prefix has /admin)

# The device pages a set-up link opens: the token travels in the fragment, never to a server log.
SETUP_PAGES = {"kiosk": "/kiosk", "display": "/display", "evaluator": "/evaluator"}


def _admin():
    who = principal()
    who.require("configure")
    return who


def _doc(method: str, path: str, summary: str, **doc):
    """Documented under /admin/…, registered on the blueprint (whose prefix holds /admin)."""
    spec.operation(method, P + path, summary, **doc)
    return bp.route(path, methods=[method])


def _change(fn, *args, **kwargs):
    who = _admin()
    with unit_of_work() as uow:
        result = fn(uow, who.hall_id, who.actor, now(), *args, **kwargs)
        uow.commit()
    return result


# --- the hall -------------------------------------------------------------------------

@_doc("GET", "/hall", "the hall's settings as the hall page edits them, and the official calendar's status "
                     "per year (calendar: year, source library/hall/missing, holidays, workdays)")
def hall():
    who = _admin()
    with reading() as uow:
        spec_ = admin.hall_file(uow, who.hall_id)
        today = hall_context(uow.session, who.hall_id).hours.local_day(now())
    data = spec_.model_dump(mode="json")["hall"]
    return jsonify({"code": data["code"], **{k: data[k] for k in admin.HALL_KEYS},
                    "calendar": calendar_years(spec_.hall.hours, today)})


@_doc("POST", "/hall", "change the hall's name, time zone, ticker text, opening hours and days, the official "
      "calendar's years it enters, voice template, rating, follow-up and complaint settings, the display "
      "profiles, the public information and the TVs' 请A003准备 line",
      body=schemas.HallIn, responses={200: "the hall's settings now"})
def change_hall():
    data = body(schemas.HallIn).model_dump(mode="json", exclude_unset=True)
    return jsonify(_change(admin.update_hall, data))


@_doc("GET", "/hall.toml", "the hall as a hall file (TOML), as `hallq load-hall` reads it",
      responses={200: "the hall file"})
def hall_toml():
    who = _admin()
    with reading() as uow:
        text = hallfile.to_toml(admin.hall_file(uow, who.hall_id))
        code = hall_context(uow.session, who.hall_id).hall.code
    return Response(text, mimetype="application/toml",
                    headers={"Content-Disposition": f'attachment; filename="{code}.toml"'})


# --- departments ----------------------------------------------------------------------

@_doc("GET", "/departments", "the active departments, each with its chief representative and the authorisation "
                            "(授权书) posted at its window")
def departments():
    who = _admin()
    with reading() as uow:
        spec_ = admin.hall_file(uow, who.hall_id)
    chiefs = spec_.hall.ratings.chiefs
    return jsonify([{"code": d.code, "name": d.name, "chief": chiefs.get(d.code), "authorisation": d.authorisation,
                     "authorisation_image": d.authorisation_image} for d in spec_.departments])


def _picture() -> tuple[bytes, str]:
    """An uploaded picture (base64 JSON body), checked as a staff photo is: JPEG, PNG or WebP, size-limited."""
    try:
        data = base64.b64decode(body(schemas.PhotoIn).data, validate=True)
    except (binascii.Error, ValueError):
        raise Invalid("photo_not_image") from None
    return data, photos.check_upload(data)


@_doc("POST", "/departments/<code>/authorisation-image", "a picture of the department's signed authorisation "
      "(授权书; JPEG, PNG or WebP, base64; 160 KB at most)", body=schemas.PhotoIn,
      responses={200: "{authorisation_image}: its path in the photo directory",
                 409: "the server has no photo directory"})
def department_authorisation_image(code: str):
    who = _admin()
    data, extension = _picture()
    with reading() as uow:  # an unknown department is refused before a file is written
        if code not in {d.code for d in admin.hall_file(uow, who.hall_id).departments}:
            raise Invalid("department_unknown", code=code)
    path = photo_store.store(code, data, extension, folder="departments")
    _change(admin.set_authorisation_image, code, path)
    return jsonify({"authorisation_image": path})


@_doc("GET", "/departments/<code>/authorisation-image", "the picture of the department's signed authorisation",
      responses={200: "the picture", 404: "none"})
def department_authorisation_picture(code: str):
    who = _admin()
    with reading() as uow:
        found = next((d for d in admin.hall_file(uow, who.hall_id).departments if d.code == code), None)
    picture = photo_store.picture_file(found.authorisation_image if found else None)
    if picture is None:
        raise NotFound("not_found")
    path, mimetype = picture
    return send_file(path, mimetype=mimetype, max_age=0, conditional=True)


@_doc("POST", "/departments", "add a department", body=schemas.DepartmentIn, responses={201: "the department"})
def add_department():
    data = body(schemas.DepartmentIn).model_dump(exclude_unset=True)
    return jsonify(_change(admin.save_department, data, create=True)), 201


@_doc("POST", "/departments/<code>", "change a department", body=schemas.DepartmentEdit,
      responses={200: "the department"})
def edit_department(code: str):
    data = body(schemas.DepartmentEdit).model_dump(exclude_unset=True)
    return jsonify(_change(admin.save_department, {"code": code, **data}, create=False))


@_doc("POST", "/departments/<code>/deactivate", "deactivate a department (kept for history)",
      responses={204: "deactivated"})
def deactivate_department(code: str):
    _change(admin.deactivate_department, code)
    return "", 204


# --- windows --------------------------------------------------------------------------

@_doc("GET", "/windows", "the active windows with their items, posts and start dates")
def windows():
    who = _admin()
    with reading() as uow:
        return jsonify(admin.hall_file(uow, who.hall_id).model_dump(mode="json")["windows"])


@_doc("POST", "/windows", "add a window", body=schemas.WindowIn, responses={201: "the window"})
def add_window():
    data = body(schemas.WindowIn).model_dump(mode="json", exclude_unset=True)
    return jsonify(_change(admin.save_window, data, create=True)), 201


@_doc("POST", "/windows/<int(max=2147483647):number>", "change a window", body=schemas.WindowEdit,
      responses={200: "the window"})
def edit_window(number: int):
    data = body(schemas.WindowEdit).model_dump(mode="json", exclude_unset=True)
    return jsonify(_change(admin.save_window, {**data, "number": number}, create=False))


@_doc("POST", "/windows/<int(max=2147483647):number>/deactivate",
      "deactivate a window (its tickets and scores keep it)", responses={204: "deactivated"})
def deactivate_window(number: int):
    _change(admin.deactivate_window, number)
    return "", 204


# --- staff ----------------------------------------------------------------------------

@_doc("GET", "/staff", "the active staff with their posts")
def staff():
    who = _admin()
    with reading() as uow:
        rows = admin.hall_file(uow, who.hall_id).model_dump(mode="json")["staff"]
        held = admin.staff_posts(uow, who.hall_id)
    return jsonify([{**row, "posts": held.get(row["number"], [])} for row in rows])


def _staff_row(data: dict) -> tuple[dict, list[tuple[int, str]] | None]:
    posts = data.pop("posts", None)
    return data, None if posts is None else [(p["window"], p["post"]) for p in posts]


@_doc("POST", "/staff", "add a staff member", body=schemas.StaffIn, responses={201: "the staff member"})
def add_staff():
    row, posts = _staff_row(body(schemas.StaffIn).model_dump(mode="json", exclude_unset=True))
    return jsonify(_change(admin.save_staff, row, create=True, posts=posts)), 201


@_doc("POST", "/staff/<staff_number>", "change a staff member", body=schemas.StaffEdit,
      responses={200: "the staff member"})
def edit_staff(staff_number: str):
    row, posts = _staff_row(body(schemas.StaffEdit).model_dump(mode="json", exclude_unset=True))
    return jsonify(_change(admin.save_staff, {**row, "number": staff_number}, create=False, posts=posts))


@_doc("POST", "/staff/<staff_number>/photo", "a staff member's photo (JPEG, PNG or WebP, base64; 160 KB at most)",
      body=schemas.PhotoIn, responses={200: "{photo}: its path in the photo directory",
                                       409: "the server has no photo directory"})
def staff_photo(staff_number: str):
    number = staff_number
    who = _admin()
    data, extension = _picture()
    with reading() as uow:  # an unknown number is refused before a file is written
        if number not in {s.number for s in admin.hall_file(uow, who.hall_id).staff}:
            raise Invalid("staff_unknown", number=number)
    path = photo_store.store(number, data, extension)
    _change(admin.set_photo, number, path)
    return jsonify({"photo": path})


@_doc("POST", "/staff/<staff_number>/deactivate", "deactivate a staff member (off their posts; history kept)",
      responses={204: "deactivated"})
def deactivate_staff(staff_number: str):
    _change(admin.deactivate_staff, staff_number)
    return "", 204


# --- accounts -------------------------------------------------------------------------

@_doc("GET", "/accounts", "the hall's staff accounts")
def accounts():
    who = _admin()
    with reading() as uow:
        return jsonify(account_admin.list_accounts(uow, who.hall_id))


@_doc("POST", "/accounts", "create an account; its generated password is in this answer only",
      body=schemas.AccountIn, responses={201: "{account, password}", 409: "the username is taken"})
def add_account():
    data = body(schemas.AccountIn)
    view, password = _change(account_admin.create_account, data.username, data.role, data.staff)
    return jsonify({"account": view, "password": password}), 201


@_doc("POST", "/accounts/<username>", "change an account's role, or disable or enable it (its sign-ins end)",
      body=schemas.AccountEdit, responses={200: "the account", 403: "one's own account, or not an admin"})
def edit_account(username: str):
    who = _admin()
    data = body(schemas.AccountEdit)
    with unit_of_work() as uow:
        view, ended = account_admin.update_account(uow, who.hall_id, who, now(), username, role=data.role,
                                                   active=data.active)
        uow.commit()
    closed(ended)
    return jsonify(view)


@_doc("POST", "/accounts/<username>/reset-password",
      "a new generated password, in this answer only (changed at the next sign-in); the account is unlocked",
      responses={200: "{password}"})
def reset_password(username: str):
    password, ended = _change(account_admin.reset_password, username)
    closed(ended)
    return jsonify({"password": password})


# --- device tokens --------------------------------------------------------------------

def _with_link(view: dict, value: str) -> dict:
    """A new token's answer: the token, and for a device with a page its set-up link and QR code (shown once)."""
    page = SETUP_PAGES.get(view["kind"])
    link = None
    if page:
        with reading() as uow:
            base = hall_context(uow.session, principal().hall_id).settings.public_url or request.host_url
        link = f"{base.rstrip('/')}{page}#token={value}"
    return {**view, "token": value, "setup_url": link, "qr_svg": qr.svg(link).decode() if link else None}


@_doc("GET", "/tokens", "the hall's live device tokens (never their values)")
def tokens():
    who = _admin()
    with reading() as uow:
        return jsonify(account_admin.list_tokens(uow, who.hall_id))


@_doc("POST", "/tokens", "create a device token; the answer holds it, with a set-up link and QR code, once",
      body=schemas.TokenIn, responses={201: "{id, kind, name, window, token, setup_url, qr_svg}"})
def add_token():
    data = body(schemas.TokenIn)
    scope = None
    if data.kind == "agent":
        scope = AgentScope(frozenset(data.windows or ()), frozenset(data.printers or ()), data.voice)
    view, value = _change(account_admin.create_token, data.kind, data.name, data.window, scope)
    return jsonify(_with_link(view, value)), 201


@_doc("POST", "/tokens/<int(max=2147483647):token_id>/revoke", "revoke a device token: its requests and sockets end",
      responses={200: "the token"})
def revoke_token(token_id: int):
    view = _change(account_admin.revoke_token, token_id)
    closed([token_id])
    return jsonify(view)


@_doc("POST", "/tokens/<int(max=2147483647):token_id>/replace",
      "revoke a device token and make a new one like it (a lost tablet, a leaked link)",
      responses={201: "the new token, with its set-up link and QR code"})
def replace_token(token_id: int):
    view, value = _change(account_admin.replace_token, token_id)
    closed([token_id])
    return jsonify(_with_link(view, value)), 201


# --- the audit log --------------------------------------------------------------------

@_doc("GET", "/changes", "the admin changes, newest first",
      query={"entity": "hall, department, window, staff, account, token, scheme or item", "actor": "e.g. user:admin",
             "day": date("a hall-local day")})
def changes():
    who = _admin()
    entity = request.args.get("entity") or None
    if entity and entity not in audit.ENTITIES:
        raise Invalid("invalid_input", detail=f"entity must be one of {', '.join(audit.ENTITIES)}")
    with reading() as uow:
        since = until = None
        if request.args.get("day"):
            zone = ZoneInfo(hall_context(uow.session, who.hall_id).hall.timezone)
            since = dt.datetime.combine(inputs.day(request.args["day"], "day"), dt.time(0), zone)
            until = since + dt.timedelta(days=1)
        return jsonify(audit.changes(uow.session, who.hall_id, entity=entity,
                                     actor=request.args.get("actor") or None, since=since, until=until))
