"""An admin creates and edits service items (事项) with their guide, forms, windows and tiers.

The rules are the hall file's (hallq.queue.hallfile.ItemSpec and Guide, forms
in hallq.queue.forms): an item saved here is one `hallq load-hall` would load,
and the export writes it back. Items are deactivated, never deleted, so no
ticket, rating or score loses its item. Each change leaves the cached hall
context (hallq.queue.halls, kept seconds) for every process to read again.

Audit: each change is marked `# audit:` where it is made. Saving an item and (de)activating it are
recorded in the admin log (hallq.queue.audit, entity "item": who, when, before, after) with what the
assessment reads of an item: its promised time (承诺时限, 0: 即办件), so a change from 承诺件 to 即办件 is on
record with its day and who made it (seed 002 第十八条（一）, hallq.assessment); forms are not logged yet.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from hallq.queue import audit, estimates, forms, hallfile, staffing
from hallq.queue.errors import Invalid, NotFound, Refused
from hallq.queue.halls import forget_halls
from hallq.queue.models import Department, Item, ItemForm, Window, WindowItem


class WindowTier(BaseModel):
    model_config = ConfigDict(extra="forbid")
    number: int = Field(ge=1, le=9999, description="a window that serves the item")
    tier: int = Field(0, ge=0, le=9, description="0 is served first; equal tiers first-come together")


class ItemIn(hallfile.ItemSpec):
    """An item as the hall file has it, and the windows that serve it (the hall file says that per window)."""

    windows: list[WindowTier] = Field(min_length=1, max_length=200)


def _item(session: Session, hall_id: int, code: str) -> Item:
    item = session.scalar(select(Item).where(Item.hall_id == hall_id, Item.code == code))
    if item is None:
        raise NotFound("item_unknown", code=code)
    return item


def item_view(session: Session, item: Item, public_url) -> dict[str, Any]:
    """An item with its whole guide, windows, forms and the rules' warnings."""
    tiers = session.execute(select(Window.number, WindowItem.tier).join(Window, Window.id == WindowItem.window_id)
                            .where(WindowItem.item_id == item.id).order_by(Window.number)).all()
    files = session.scalars(select(ItemForm).where(ItemForm.item_id == item.id).order_by(ItemForm.position)).all()
    guide = dict(item.guide or {})
    guide["forms"] = [{"id": f.id, "title": f.title, "file": f.name, "size": f.size, "content_type": f.content_type,
                       "url": public_url(f)} for f in files]
    spec = hallfile.Guide.model_validate({**(item.guide or {}), "forms": []})
    return {"code": item.code, "name": item.name, "department": item.department.code,
            "department_name": item.department.name, "prefix": item.prefix, "daily_quota": item.daily_quota,
            "keywords": list(item.keywords or []), "active": item.active, "guide": guide,
            "windows": [{"number": n, "tier": t} for n, t in tiers], "warnings": spec.warnings()}


def _logged(item: Item | None) -> dict[str, Any] | None:
    """What the admin log keeps of an item: enough to see a change of its nature or its promised time."""
    if item is None:
        return None
    guide = item.guide or {}
    return {"name": item.name, "department": item.department.code if item.department else None,
            "active": item.active, "promised_days": guide.get("promised_days"), "legal_days": guide.get("legal_days")}


def save(session: Session, hall_id: int, data: ItemIn, *, create: bool, actor: str,
         now: dt.datetime) -> Item:
    """Create (`create`) or update the item `data.code`; the caller commits. Bad input changes nothing."""
    existing = session.scalar(select(Item).where(Item.hall_id == hall_id, Item.code == data.code))
    before = _logged(existing)
    if create and existing is not None:
        raise Refused("item_exists", code=data.code)
    if not create and existing is None:
        raise NotFound("item_unknown", code=data.code)
    department = session.scalar(select(Department).where(Department.hall_id == hall_id,
                                                         Department.code == data.department,
                                                         Department.active.is_(True)))
    if department is None:
        raise Invalid("invalid_input", detail=f"department: unknown department {data.department}")
    numbers = [w.number for w in data.windows]
    if len(numbers) != len(set(numbers)):
        raise Invalid("invalid_input", detail="windows: a window is listed twice")
    windows = {w.number: w for w in session.scalars(select(Window).where(
        Window.hall_id == hall_id, Window.number.in_(numbers), Window.active.is_(True)))}
    unknown = sorted(set(numbers) - set(windows))
    if unknown:
        raise Invalid("invalid_input", detail=f"windows: unknown window {', '.join(map(str, unknown))}")
    item = existing or Item(hall_id=hall_id, code=data.code, active=True)
    if existing is None:
        session.add(item)
    if existing is not None:
        _keep_windows_serving(session, item, set(w.id for w in windows.values()))
    hallfile.set_item_fields(item, data, department.id)  # audit: item created or changed (before: existing's)
    session.flush()
    # Forms listed by the body must be ones uploaded before (the same rule as a hall file read from text).
    try:
        hallfile.sync_forms(session, item, data.guide.forms, None)
    except hallfile.HallFileError as exc:
        raise Invalid("invalid_input", detail=str(exc)) from None
    session.execute(delete(WindowItem).where(WindowItem.item_id == item.id))
    for w in data.windows:
        session.add(WindowItem(window_id=windows[w.number].id, item_id=item.id, tier=w.tier))
    session.flush()
    session.refresh(item, ["department"])
    audit.record(session, hall_id, actor, "item", item.code, "create" if existing is None else "update", before,
                 _logged(item), now)
    _changed(session, hall_id)
    return item


def _keep_windows_serving(session: Session, item: Item, keep: set[int]) -> None:
    """Taking the item from a window must not leave that window serving nothing."""
    dropped = session.scalars(select(WindowItem.window_id).where(WindowItem.item_id == item.id,
                                                                  WindowItem.window_id.not_in(keep))).all()
    for window_id in dropped:
        others = session.scalar(select(func.count()).select_from(WindowItem).join(Item, Item.id == WindowItem.item_id)
                                .where(WindowItem.window_id == window_id, WindowItem.item_id != item.id,
                                       Item.active.is_(True)))
        if not others:
            number = session.get(Window, window_id).number
            raise Invalid("invalid_input", detail=f"windows: window {number} would serve no item; "
                                                  "give it another item first")


def set_active(session: Session, hall_id: int, code: str, active: bool, *, actor: str, now: dt.datetime) -> Item:
    """Deactivate (never delete) or bring back an item: kiosks stop offering it, its history stays."""
    item = _item(session, hall_id, code)
    before = _logged(item)
    item.active = active  # audit: item deactivated / activated
    session.flush()
    audit.record(session, hall_id, actor, "item", item.code, "activate" if active else "deactivate", before,
                 _logged(item), now)
    _changed(session, hall_id)
    return item


def add_form(session: Session, hall_id: int, code: str, title: str, name: str, data: bytes) -> ItemForm:
    """Upload a form file to an item's guide (the same name replaces it); refused files change nothing."""
    item = _item(session, hall_id, code)
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise Invalid("invalid_input", detail="title: 1 to 200 characters")
    content_type = forms.check(name, data)
    row = session.scalar(select(ItemForm).where(ItemForm.item_id == item.id, ItemForm.name == name))
    if row is None:
        last = session.scalar(select(func.max(ItemForm.position)).where(ItemForm.item_id == item.id))
        row = ItemForm(item_id=item.id, name=name, position=(last + 1) if last is not None else 0)
        session.add(row)
    row.title, row.content_type, row.size, row.sha256, row.data = (
        title, content_type, len(data), forms.digest(data), data)  # audit: form uploaded (name, sha256)
    session.flush()
    return row


def remove_form(session: Session, hall_id: int, code: str, form_id: int) -> None:
    item = _item(session, hall_id, code)
    row = session.scalar(select(ItemForm).where(ItemForm.id == form_id, ItemForm.item_id == item.id))
    if row is None:
        raise NotFound("form_unknown", form=form_id)
    session.delete(row)  # audit: form removed (a guide's current content, not history)
    session.flush()


def public_form(session: Session, form_id: int) -> ItemForm:
    """A form of an active item, with its bytes: anyone may download it, free of charge."""
    row = session.scalar(select(ItemForm).join(Item, Item.id == ItemForm.item_id)
                         .where(ItemForm.id == form_id, Item.active.is_(True)))
    if row is None:
        raise NotFound("form_unknown", form=form_id)
    return row


def _changed(session: Session, hall_id: int) -> None:
    forget_halls()
    estimates.forget(session, hall_id)
    staffing.forget(session, hall_id)
