"""A month's scorecards as files: CSV (one scope's ranking) and XLSX (every scope's
ranking, every item with its evidence, and the definitions used), via openpyxl."""
from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from hallq.assessment.definitions import label
from hallq.assessment.facts import SCOPES, Scope
from hallq.assessment.records import DECISION_NAMES
from hallq.assessment.scorecard import provisional_note

SCOPE_NAMES = {"window": "窗口", "department": "部门", "staff": "工作人员"}
RANK_HEADER = ["排名", "编号", "名称", "部门", "得分", "基本分", "奖励分", "等次", "入选", "办件量", "满意率",
               "计入评价数", "转移", "过号", "标注", "扣加分项"]
ITEM_HEADER = ["对象", "编号", "名称", "大项", "考核项", "次数", "分值", "复议", "证据类型", "证据编号", "证据说明"]
EVIDENCE_NAMES = {"ticket": "办件", "rating": "评价", "session": "签到记录", "pause": "暂停记录", "record": "督查记录",
                  "window": "窗口", "staff": "工作人员", "item_change": "事项变更",
                  "dual_target": "双目标认定"}


def _rate(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


def _rank_row(card: dict[str, Any]) -> list[Any]:
    stats = card["stats"]
    items = "；".join(f"{i['name'].split('，')[0]} {i['points']:+g}" for i in card["items"] if i["points"])
    department = card.get("department_name") or card["department"] or ""
    return [card["rank"], card["unit"], card["name"], department, card["score"], card["base_points"],
            card["bonus_points"], card["grade"] or "", "、".join(card["selected"]), stats["tickets_served"],
            _rate(stats["satisfaction_rate"]), stats["ratings_counted"], stats["transfers"], stats["no_shows"],
            "；".join(f["message"] for f in card["flags"]), items]


def _decision(appeal: dict[str, Any]) -> str:
    """An appeal ruling in words: 维持, 撤销该项, 变更分值为−3分."""
    if appeal["decision"] == "changed" and appeal.get("points") is not None:
        return f"{DECISION_NAMES['changed']}为{appeal['points']:g}分"
    return DECISION_NAMES.get(appeal["decision"], appeal["decision"])


def _provisional(body: dict[str, Any]) -> str:
    return provisional_note(dt.date.fromisoformat(body["counted_to"]))


def ranking_csv(body: dict[str, Any]) -> str:
    """One scope's ranking (the API answer for that scope) as CSV with a BOM, so Excel reads the Chinese."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    if body.get("counted_to"):
        writer.writerow([_provisional(body)])
    writer.writerow(RANK_HEADER)
    for card in body["scorecards"]:
        writer.writerow(_rank_row(card))
    return out.getvalue()


def workbook(hall_name: str, month: str, bodies: dict[Scope, dict[str, Any]]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    head = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDE7F3")
    for scope in SCOPES:
        body = bodies.get(scope)
        if body is None:
            continue
        ws = wb.create_sheet(f"{SCOPE_NAMES[scope]}排名")
        note = f"（{_provisional(body)}）" if body.get("counted_to") else ""
        scheme = body.get("definitions", {}).get("scheme") or body["scheme"]  # its name, not its file's key
        ws.append([f"{hall_name} {month} {SCOPE_NAMES[scope]}考核排名（{scheme}）{note}"])
        ws["A1"].font = Font(bold=True, size=14)
        ws.append(RANK_HEADER)
        for cell in ws[2]:
            cell.font, cell.fill = head, fill
        for card in body["scorecards"]:
            ws.append(_rank_row(card))
        for sel in body["selections"].values():
            ws.append([])
            ws.append([sel["title"], f"名额{sel['quota']}", "、".join(sel["units"]) or "无"])
        _widths(ws, [6, 8, 18, 8, 8, 8, 8, 8, 16, 8, 9, 10, 6, 6, 24, 60])
        ws.freeze_panes = "A3"
    items = wb.create_sheet("扣加分明细")
    items.append(ITEM_HEADER)
    for cell in items[1]:
        cell.font, cell.fill = head, fill
    for scope in SCOPES:
        body = bodies.get(scope)
        if body is None:
            continue
        for card in body["scorecards"]:
            categories = {c["key"]: c["name"] for c in card.get("categories", ())}
            for item in card["items"]:
                appeal = item["appeal"]
                appeal_text = f"{_decision(appeal)}：{appeal['reason']}（{appeal['decided_by']}）" if appeal else ""
                base = [SCOPE_NAMES[scope], card["unit"], card["name"], categories.get(item["category"], item["category"]),
                        item["name"], item["count"], item["points"], appeal_text]
                if not item["evidence"]:
                    items.append(base + ["", "", item["detail"]])
                for ev in item["evidence"]:
                    items.append(base + [EVIDENCE_NAMES.get(ev["type"], ev["type"]), ev.get("label") or str(ev["id"]), ev["detail"]])
    _widths(items, [10, 8, 16, 10, 40, 6, 6, 24, 10, 14, 60])
    items.freeze_panes = "A2"
    defs = wb.create_sheet("口径说明")
    seen: dict[str, str] = {}
    for body in bodies.values():
        seen.update(body.get("definitions", {}))
    for key, text in seen.items():
        defs.append([label(key), text])
    _widths(defs, [18, 120])
    for row in defs.iter_rows():
        row[1].alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _widths(ws, widths: list[int]) -> None:
    for i, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = w
