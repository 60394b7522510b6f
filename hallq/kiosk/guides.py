"""办事指南 at the kiosk: citizens browse and search the items' guides, read one whole, print it.

The guide is what the hall publishes (五公开/六公开, seed 004; seed 001 第十三条)
from the item's `guide` (hallq.queue.hallfile.Guide). `sections` words it once,
in the order a guide is read, for the screen and for the paper alike; the
search is the ticket-taking one (hallq.kiosk.search), keywords included.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hallq.kiosk import search as item_search, search_store
from hallq.queue.errors import NotFound
from hallq.queue.halls import HallContext
from hallq.queue.models import Department, Item, ItemForm, Window, WindowItem

NATURE_NAMES = {"permit": ("行政许可", "Administrative licence"), "non_permit": ("非行政许可", "Other approval"),
                "filing": ("备案", "Filing")}
# key: (中文, English) — the sections of a guide, in reading order.
LABELS = {
    "nature": ("事项性质", "Nature"), "department": ("实施部门", "Department"), "basis": ("设定依据", "Legal basis"),
    "conditions": ("申请条件", "Conditions"), "quantity_limit": ("数量限制", "Quantity limits"),
    "materials": ("申请材料", "Materials"), "procedure": ("办理程序", "Procedure"),
    "legal_days": ("法定时限", "Legal time limit"), "promised_days": ("承诺时限", "Promised time limit"),
    "fee": ("收费标准", "Fee"), "fee_basis": ("收费依据", "Fee basis"),
    "forms": ("申请书示范文本及表格", "Forms"), "result": ("办理结果", "Result"),
    "supervision": ("监督渠道", "Supervision"), "windows": ("办理窗口", "Windows"),
}


def _days(days: int | None, en: bool) -> str | None:
    if days is None:
        return None
    if days == 0:
        return "Done on the spot" if en else "即办（当场办结）"
    return f"{days} working days" if en else f"{days}个工作日"


def sections(item: Item, windows: list[int], form_titles: list[str], lang: str) -> list[dict[str, Any]]:
    """The guide as labelled sections ({key, label, value}: text, or a list of lines); empty ones left out."""
    en = lang == "en"
    g = item.guide or {}
    values = {
        "nature": NATURE_NAMES[g["nature"]][en] if g.get("nature") in NATURE_NAMES else None,
        "department": item.department.name,
        "basis": g.get("basis"), "conditions": g.get("conditions"),
        "quantity_limit": g.get("quantity_limit"), "materials": g.get("materials"),
        "procedure": g.get("procedure"),
        "legal_days": _days(g.get("legal_days"), en), "promised_days": _days(g.get("promised_days"), en),
        "fee": g.get("fee"), "fee_basis": g.get("fee_basis"),
        # Forms are free: the hall hands them out and they download without charge.
        "forms": [f"{t}（{'free' if en else '免费提供'}）" for t in form_titles],
        "result": g.get("result"), "supervision": g.get("supervision"),
        "windows": (", ".join(map(str, windows)) if en else "、".join(f"{n}号窗口" for n in windows)) or None,
    }
    return [{"key": key, "label": LABELS[key][en], "value": value} for key, value in values.items() if value]


def _active(session: Session, hall_id: int):
    return (select(Item).join(Department, Department.id == Item.department_id)
            .where(Item.hall_id == hall_id, Item.active.is_(True)))


def guide_list(session: Session, hall_id: int, query: str = "",
               department: str | None = None) -> tuple[list[dict], item_search.KeyBook]:
    """The guides to choose from: a department's, or what the query finds (best first), or all; and the
    search's keys (what it had to read is worth keeping: hallq.kiosk.search_store)."""
    stmt = _active(session, hall_id)
    if department:
        stmt = stmt.where(Department.code == department)
    items = {i.code: i for i in session.scalars(stmt.order_by(Item.code))}
    order = list(items)
    keys = item_search.KeyBook()
    if query.strip():
        rows = [(i.code, i.name, i.department.name, i.keywords or []) for i in items.values()]
        keys = search_store.key_book(session, item_search.names_of(rows))
        order = item_search.search(query, rows, keys)
    return [{"code": c, "name": items[c].name, "department": items[c].department.name,
             "department_code": items[c].department.code, "nature": (items[c].guide or {}).get("nature"),
             "promised_days": (items[c].guide or {}).get("promised_days")} for c in order], keys


def guide(session: Session, hall_id: int, code: str, lang: str, form_url) -> dict[str, Any]:
    """One item's whole guide, its forms (free downloads) and the windows that serve it."""
    item = session.scalar(_active(session, hall_id).where(Item.code == code))
    if item is None:
        raise NotFound("item_unknown", code=code)
    windows = list(session.scalars(select(Window.number).join(WindowItem, WindowItem.window_id == Window.id)
                                   .where(WindowItem.item_id == item.id, Window.active.is_(True))
                                   .order_by(Window.number)))
    files = session.scalars(select(ItemForm).where(ItemForm.item_id == item.id).order_by(ItemForm.position)).all()
    return {"code": item.code, "name": item.name, "department": item.department.name,
            "sections": sections(item, windows, [f.title for f in files], lang),
            "forms": [{"title": f.title, "file": f.name, "url": form_url(f)} for f in files]}


def print_document(ctx: HallContext, view: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    """What the agent lays out (hallq.devices.escpos.guide_layout): the guide's sections, in Chinese."""
    local = now.astimezone(ctx.hours.tz)
    return {"kind": "guide", "hall_name": ctx.hall.name, "item_name": view["name"],
            "sections": [[s["label"], s["value"]] for s in view["sections"]],
            "printed_at": local.strftime("%Y-%m-%d %H:%M")}
