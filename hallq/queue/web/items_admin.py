"""The admin's items page (事项管理) and its API: items with their whole guide, forms, windows and tiers.

- /admin/items            the page: a shell over /api/v1/admin/items with the admin's own token
                          (hallq/web/staff_pages.py), Simplified Chinese, English on request.
- /api/v1/admin/items...  list, read, create, change, deactivate/activate, upload and remove form files
                          (role admin: the "configure" permission).
- /api/v1/forms/<id>      a form file, downloaded by anyone free of charge (public information).

The rules are hallq.queue.item_admin's, which are the hall file's.
"""
from __future__ import annotations

import functools
from urllib.parse import quote

from flask import Blueprint, Response, jsonify, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from hallq.queue import forms, item_admin
from hallq.queue.errors import Invalid, QueueError
from hallq.queue.hallfile import NATURES
from hallq.queue.models import Department, Item, Window
from hallq.web import staff_pages
from hallq.web.openapi import spec
from hallq.web.runtime import body, now, principal, reading, unit_of_work
from sqlalchemy import select

api = Blueprint("items_admin_api", __name__, url_prefix="/api/v1")
route = functools.partial(spec.route, api)
pages = Blueprint("items_admin", __name__, url_prefix="/admin")


class TooLarge(QueueError):
    status = 413


def _admin():
    who = principal()
    who.require("configure")
    return who


def form_url(form) -> str:
    return url_for("items_admin_api.download_form", form_id=form.id, name=form.name)


def _one(uow, who, code: str) -> dict:
    item = uow.session.scalar(select(Item).where(Item.hall_id == who.hall_id, Item.code == code))
    return item_admin.item_view(uow.session, item, form_url)


@route("GET", "/admin/items", "an admin's list of every item (active or not) with its guide, windows and forms; "
       "the departments and windows to choose from", responses={200: "{items, departments, windows, natures}"})
def list_items():
    who = _admin()
    with reading() as uow:
        s = uow.session
        items = [item_admin.item_view(s, i, form_url)
                 for i in s.scalars(select(Item).where(Item.hall_id == who.hall_id).order_by(Item.code))]
        departments = [{"code": c, "name": n} for c, n in s.execute(
            select(Department.code, Department.name).where(Department.hall_id == who.hall_id,
                                                           Department.active.is_(True)).order_by(Department.id))]
        windows = [{"number": n, "name": name} for n, name in s.execute(
            select(Window.number, Window.name).where(Window.hall_id == who.hall_id, Window.active.is_(True))
            .order_by(Window.number))]
    return jsonify({"items": items, "departments": departments, "windows": windows, "natures": list(NATURES)})


@route("GET", "/admin/items/<code>", "one item with its whole guide, windows, forms and the rules' warnings",
       responses={200: "the item", 404: "no such item"})
def get_item(code: str):
    who = _admin()
    with reading() as uow:
        item_admin._item(uow.session, who.hall_id, code)
        return jsonify(_one(uow, who, code))


@route("POST", "/admin/items", "create an item with its guide and the windows (and tiers) that serve it",
       body=item_admin.ItemIn, responses={201: "the item, with `warnings` (a promise not 50% shorter than the law's)",
                                          409: "an item of this code exists"})
def create_item():
    who = _admin()
    data = body(item_admin.ItemIn)
    with unit_of_work() as uow:
        item_admin.save(uow.session, who.hall_id, data, create=True, actor=who.actor, now=now())
        uow.commit()
        return jsonify(_one(uow, who, data.code)), 201


@route("POST", "/admin/items/<code>", "change an item: the whole item as the hall file has it, and its windows",
       body=item_admin.ItemIn, responses={200: "the item, with `warnings`", 404: "no such item"})
def change_item(code: str):
    who = _admin()
    data = body(item_admin.ItemIn)
    if data.code != code:
        raise Invalid("invalid_input", detail="code: an item's code does not change (make a new item instead)")
    with unit_of_work() as uow:
        item_admin.save(uow.session, who.hall_id, data, create=False, actor=who.actor, now=now())
        uow.commit()
        return jsonify(_one(uow, who, code))


@route("POST", "/admin/items/<code>/deactivate", "kiosks stop offering the item; its tickets, ratings and scores "
       "keep it (nothing is deleted)", responses={200: "the item", 404: "no such item"})
def deactivate(code: str):
    return _set_active(code, False)


@route("POST", "/admin/items/<code>/activate", "offer a deactivated item again",
       responses={200: "the item", 404: "no such item"})
def activate(code: str):
    return _set_active(code, True)


def _set_active(code: str, active: bool):
    who = _admin()
    with unit_of_work() as uow:
        item_admin.set_active(uow.session, who.hall_id, code, active, actor=who.actor, now=now())
        uow.commit()
        return jsonify(_one(uow, who, code))


@route("POST", "/admin/items/<code>/forms", "upload a form file (申请书示范文本, a blank form) to the item's guide: the "
       "file's bytes as the body, its name and title in the query; PDF, Word, Excel, ODT, JPEG or PNG, at most 2 MB",
       query={"name": "the file name it downloads as, e.g. 申请表.pdf", "title": "what the guide calls it"},
       responses={201: "{id, title, file, size, url}", 404: "no such item",
                  413: "larger than the server takes for a form"})
def upload_form(code: str):
    who = _admin()
    request.max_content_length = forms.MAX_BYTES + 1  # the rules' own limit says why (forms.check)
    try:
        data = request.get_data(cache=False)
    except RequestEntityTooLarge:
        raise TooLarge("invalid_input", detail=f"a form file is at most {forms.MAX_BYTES // 1024} KB") from None
    with unit_of_work() as uow:
        row = item_admin.add_form(uow.session, who.hall_id, code, request.args.get("title", "")[:300],
                                  (request.args.get("name") or "")[:300], data)
        uow.commit()
        return jsonify({"id": row.id, "title": row.title, "file": row.name, "size": row.size,
                        "url": form_url(row)}), 201


@route("POST", "/admin/items/<code>/forms/<int:form_id>/remove", "take a form file off the item's guide",
       responses={204: "removed", 404: "no such item or form"})
def remove_form(code: str, form_id: int):
    who = _admin()
    with unit_of_work() as uow:
        item_admin.remove_form(uow.session, who.hall_id, code, form_id)
        uow.commit()
    return "", 204


@route("GET", "/forms/<int:form_id>/<name>", "a guide's form file, downloaded free of charge by anyone",
       public=True, responses={200: "the file", 404: "no such form (or its item is deactivated)"})
def download_form(form_id: int, name: str):
    with reading() as uow:
        row = item_admin.public_form(uow.session, form_id)
        data, content_type, filename = row.data, row.content_type, row.name
    response = Response(data, content_type=content_type)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# --- the page ------------------------------------------------------------------------------------

TEXT: dict[str, tuple[str, str]] = {
    "title": ("事项管理", "Service items"),
    "signin_title": ("管理员登录", "Administrator sign-in"),
    "not_admin": ("该账号不是管理员，不能管理事项。", "This account is not an administrator."),
    "new_item": ("新增事项", "New item"),
    "show_inactive": ("显示已停用事项", "Show deactivated items"),
    "col_code": ("编码", "Code"), "col_name": ("事项名称", "Name"), "col_dept": ("部门", "Department"),
    "col_prefix": ("号头", "Prefix"), "col_quota": ("日限额", "Daily quota"), "col_windows": ("窗口", "Windows"),
    "col_state": ("状态", "State"), "active": ("在用", "active"), "inactive": ("已停用", "deactivated"),
    "edit": ("编辑", "Edit"),
    "sec_item": ("事项", "Item"), "sec_guide": ("办事指南（五公开）", "Service guide"),
    "sec_windows": ("办理窗口与优先级", "Windows and tiers"), "sec_forms": ("申请书示范文本与表格（免费下载）",
                                                                   "Forms (free to download)"),
    "code": ("事项编码", "Code"), "name": ("事项名称", "Name"), "department": ("实施部门", "Department"),
    "prefix": ("号头（1–2个大写字母）", "Ticket prefix (1–2 capitals)"),
    "daily_quota": ("每日限额（0为不限）", "Daily quota (0: none)"),
    "keywords": ("搜索关键词与俗称（逗号分隔）", "Search keywords and aliases (comma-separated)"),
    "nature": ("事项性质", "Nature"), "nature_": ("（未填）", "(not given)"),
    "nature_permit": ("行政许可", "administrative licence"), "nature_non_permit": ("非行政许可", "other approval"),
    "nature_filing": ("备案", "filing"),
    "basis": ("设定依据", "Legal basis"), "conditions": ("申请条件（每行一条）", "Conditions (one a line)"),
    "quantity_limit": ("数量限制", "Quantity limits"), "materials": ("材料目录（每行一项）", "Materials (one a line)"),
    "procedure": ("办理程序（每行一步）", "Procedure (one step a line)"),
    "legal_days": ("法定时限（工作日）", "Legal time limit (working days)"),
    "promised_days": ("承诺时限（工作日，0为即办）", "Promised time limit (working days, 0: on the spot)"),
    "promise_reason": ("承诺时限未压缩50%的理由（第十三条；填写后不再提醒）",
                       "Why the promise is not 50% shorter than the legal limit (art. 13; clears the warning)"),
    "fee": ("收费标准", "Fee"), "fee_basis": ("收费依据", "Fee basis"),
    "supervision": ("监督渠道", "Supervision channels"), "result": ("办理结果", "Result"),
    "window": ("窗口", "Window"), "tier": ("优先级（0最先）", "Tier (0 first)"), "serves": ("办理", "serves"),
    "form_title": ("名称", "Title"), "form_file": ("文件（PDF/Word/Excel/ODT/JPG/PNG，≤2MB）",
                                                  "File (PDF/Word/Excel/ODT/JPG/PNG, ≤2 MB)"),
    "upload": ("上传", "Upload"), "remove": ("删除", "Remove"), "forms_after_save": ("保存事项后可上传表格。",
                                                                                  "Save the item to upload forms."),
    "save": ("保存", "Save"), "cancel": ("返回列表", "Back to the list"),
    "deactivate": ("停用事项", "Deactivate"), "activate": ("重新启用", "Activate again"),
    "saved": ("已保存。", "Saved."), "uploaded": ("已上传：{file}", "Uploaded: {file}"),
    "warn_promise_not_half": ("提醒：承诺时限未比法定时限缩短50%以上（第十三条要求）。",
                              "Note: the promised limit is not at least 50% shorter than the legal one."),
    "confirm_deactivate": ("停用后取号机不再提供该事项，历史记录保留。确定停用？",
                           "Kiosks will stop offering this item; its history stays. Deactivate?"),
    "free": ("免费", "free"),
}


def _texts(lang: str) -> dict[str, str]:
    return staff_pages.texts(TEXT, lang)


@pages.get("/items")
def items_page():
    """The items page; what it shows and does is the admin API's, with the signed-in admin's token."""
    return staff_pages.render_page("admin_items.html", _texts, page="admin-items")
