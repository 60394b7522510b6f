"""What an admin changes in a hall, by the hall file's own rules, each change in the audit log.

One rule set, not two: every change is made to the hall as a hall file — the
hall exported (`hallfile.export`), the change applied to that data, the result
validated and loaded exactly as `hallq load-hall` validates and loads a file —
so a page can never store what the file would refuse, nor refuse what it takes.
Deleting is deactivating: a department, window or staff member dropped from
the file stays in the database, inactive, as every ticket, rating and score
still names it (`hallfile.load`). `load` forgets this process's cached hall
context at once; other processes read it again within halls.CONTEXT_TTL_S.

Each change writes its audit row (hallq.queue.audit) in the caller's
transaction: the entity as the hall file holds it before and after.
"""
from __future__ import annotations

import copy
import datetime as dt
from typing import Any, Callable

from hallq.queue import audit, events as ev, hallfile
from hallq.queue.events import Event
from hallq.queue.errors import Invalid, NotFound
from hallq.queue.halls import hall_context
from hallq.queue.models import Hall
from hallq.queue.unit_of_work import UnitOfWork

Data = dict[str, Any]
# The hall section's keys an admin sets on the hall page; the rest (code, displays, ratings…) stay as loaded.
# `ratings` holds the chief representatives too, which the Departments page sets (save_department): a change
# of the hall page merges into it and keeps them.
HALL_KEYS = ("name", "timezone", "notice", "hours", "voice", "ratings", "complaints", "displays", "public_info",
             "prepare_next")


def hall_file(uow: UnitOfWork, hall_id: int) -> hallfile.HallFile:
    """The hall as a hall file now (the admin pages' export)."""
    return hallfile.export(uow.session, _hall(uow, hall_id))


def _hall(uow: UnitOfWork, hall_id: int) -> Hall:
    hall = uow.session.get(Hall, hall_id)
    if hall is None:
        raise NotFound("hall_unknown", hall=hall_id)
    return hall


def _change(uow: UnitOfWork, hall_id: int, actor: str, now: dt.datetime, entity: str, key: str, action: str,
            edit: Callable[[Data], None]) -> Data | None:
    """Export, edit, validate and load as `load-hall` does; audit the entity's before and after. Its after.

    The hall row is locked first (PostgreSQL), so two admins saving at once apply their changes one after
    the other, the second to what the first saved, never both to the same old export."""
    hall = uow.session.get(Hall, hall_id, with_for_update=True)
    if hall is None:
        raise NotFound("hall_unknown", hall=hall_id)
    data = hallfile.export(uow.session, hall).model_dump(mode="json")
    before = copy.deepcopy(_entity(data, entity, key))  # the edit may change the very dicts it is made of
    edit(data)
    try:
        spec = hallfile.validate(data)
    except hallfile.HallFileError as exc:
        raise Invalid("hall_file_invalid", detail=str(exc).replace("\n", "; ")) from None
    today = hall_context(uow.session, hall_id).hours.local_day(now)
    hallfile.load(uow.session, spec, today)
    after = _entity(spec.model_dump(mode="json"), entity, key)
    audit.record(uow.session, hall_id, actor, entity, key, action, before, after, now)
    uow.add_event(Event(ev.HALL_INFO, hall_id, {"entity": entity}))  # the roster on the public screens
    return after


def _entity(data: Data, entity: str, key: str) -> Data | None:
    """One entity as the hall file holds it (a department with its chief representative)."""
    if entity == "hall":
        return {k: data["hall"].get(k) for k in HALL_KEYS}
    rows, field = {"department": ("departments", "code"), "window": ("windows", "number"),
                   "staff": ("staff", "number")}[entity]
    row = next((r for r in data[rows] if str(r[field]) == str(key)), None)
    if row is not None and entity == "department":
        row = {**row, "chief": data["hall"]["ratings"]["chiefs"].get(key)}
    return row


def _index(data: Data, rows: str, field: str, key, code: str) -> int:
    for i, row in enumerate(data[rows]):
        if str(row[field]) == str(key):
            return i
    raise NotFound(code, **{"window" if rows == "windows" else "number" if rows == "staff" else "code": key})


# --- the hall ---------------------------------------------------------------------

def update_hall(uow: UnitOfWork, hall_id: int, actor: str, now: dt.datetime, changes: Data) -> Data | None:
    """Name, time zone, ticker text (notice), opening hours and the hall's own days, the official calendar's
    years the hall entered (hours.official), voice template, rating and follow-up settings, the complaint
    reply deadline, the display profiles (the list replaced whole), the public information, prepare_next.
    A section given is merged into the file's (a key given replaces that key's value)."""
    def edit(data: Data) -> None:
        for key, value in changes.items():
            if key not in HALL_KEYS:
                raise Invalid("invalid_input", detail=f"hall.{key} is not set here")
            if isinstance(value, dict) and isinstance(data["hall"].get(key), dict):
                data["hall"][key] = {**data["hall"][key], **value}
            else:
                data["hall"][key] = value
    return _change(uow, hall_id, actor, now, "hall", "hall", "update", edit)


# --- departments ------------------------------------------------------------------

def save_department(uow: UnitOfWork, hall_id: int, actor: str, now: dt.datetime, row: Data, *,
                    create: bool) -> Data | None:
    """A department (code, name) and its chief representative (首席代表, a staff number or None)."""
    fields = {k: v for k, v in row.items() if k != "chief"}
    code = fields["code"]

    def edit(data: Data) -> None:
        if create:
            data["departments"].append(fields)
        else:
            i = _index(data, "departments", "code", code, "department_unknown")
            data["departments"][i] = {**data["departments"][i], **fields}
        if "chief" in row:
            chiefs = data["hall"]["ratings"]["chiefs"]
            chiefs.pop(code, None)
            if row["chief"]:
                chiefs[code] = row["chief"]
    return _change(uow, hall_id, actor, now, "department", code, "create" if create else "update", edit)


def set_authorisation_image(uow: UnitOfWork, hall_id: int, actor: str, now: dt.datetime, code: str,
                            path: str) -> None:
    """The picture of the department's signed authorisation (授权书) is now `path` (in the photo directory)."""
    def edit(data: Data) -> None:
        data["departments"][_index(data, "departments", "code", code, "department_unknown")]["authorisation_image"] = path
    _change(uow, hall_id, actor, now, "department", code, "update", edit)


def deactivate_department(uow: UnitOfWork, hall_id: int, actor: str, now: dt.datetime, code: str) -> None:
    def edit(data: Data) -> None:
        data["departments"].pop(_index(data, "departments", "code", code, "department_unknown"))
        data["hall"]["ratings"]["chiefs"].pop(code, None)
    _change(uow, hall_id, actor, now, "department", code, "deactivate", edit)


# --- windows ----------------------------------------------------------------------

def save_window(uow: UnitOfWork, hall_id: int, actor: str, now: dt.datetime, row: Data, *,
                create: bool) -> Data | None:
    """A window: number, name, kind, department, items (tiers), posts {A, B: staff number}, live_from."""
    number = row["number"]

    def edit(data: Data) -> None:
        if create:
            data["windows"].append(row)
        else:
            i = _index(data, "windows", "number", number, "window_unknown")
            data["windows"][i] = {**data["windows"][i], **row}
    return _change(uow, hall_id, actor, now, "window", str(number), "create" if create else "update", edit)


def deactivate_window(uow: UnitOfWork, hall_id: int, actor: str, now: dt.datetime, number: int) -> None:
    def edit(data: Data) -> None:
        data["windows"].pop(_index(data, "windows", "number", number, "window_unknown"))
    _change(uow, hall_id, actor, now, "window", str(number), "deactivate", edit)


# --- staff ------------------------------------------------------------------------

def save_staff(uow: UnitOfWork, hall_id: int, actor: str, now: dt.datetime, row: Data, *, create: bool,
               posts: list[tuple[int, str]] | None = None) -> Data | None:
    """A staff member (number, name, department, live_from); `posts` (window, A or B) replaces the posts they hold."""
    number = row["number"]

    def edit(data: Data) -> None:
        if create:
            data["staff"].append(row)
        else:
            i = _index(data, "staff", "number", number, "staff_unknown")
            data["staff"][i] = {**data["staff"][i], **row}
        if posts is not None:
            for window in data["windows"]:
                window["posts"] = {p: s for p, s in window["posts"].items() if s != number}
            for window_number, post in posts:
                window = data["windows"][_index(data, "windows", "number", window_number, "window_unknown")]
                window["posts"][post] = number
    after = _change(uow, hall_id, actor, now, "staff", number, "create" if create else "update", edit)
    return after


def staff_posts(uow: UnitOfWork, hall_id: int) -> dict[str, list[dict]]:
    """Staff number -> the posts they hold, [{window, post}], as the staff page shows them."""
    held: dict[str, list[dict]] = {}
    for window in hall_file(uow, hall_id).windows:
        for post, number in sorted(window.posts.items()):
            held.setdefault(number, []).append({"window": window.number, "post": post})
    return held


def set_photo(uow: UnitOfWork, hall_id: int, actor: str, now: dt.datetime, number: str, path: str) -> None:
    """The staff member's photo is now `path` (inside the photo directory; the web layer stored the file)."""
    def edit(data: Data) -> None:
        data["staff"][_index(data, "staff", "number", number, "staff_unknown")]["photo"] = path
    _change(uow, hall_id, actor, now, "staff", number, "update", edit)


def deactivate_staff(uow: UnitOfWork, hall_id: int, actor: str, now: dt.datetime, number: str) -> None:
    """Gone from the hall: inactive, and off every post (a post must be held by someone in the hall)."""
    def edit(data: Data) -> None:
        data["staff"].pop(_index(data, "staff", "number", number, "staff_unknown"))
        for window in data["windows"]:
            window["posts"] = {p: s for p, s in window["posts"].items() if s != number}
    _change(uow, hall_id, actor, now, "staff", number, "deactivate", edit)
