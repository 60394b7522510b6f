"""The printed ticket as plain data.

`ticket_blocks` turns a ticket (as the API returns it), the hall and the
item's guide into the lines a citizen reads on the paper. It knows paper
widths and which facts go on a ticket, nothing about printer bytes:
`hallq.devices.escpos.render` turns the blocks into ESC/POS.

No personal data goes on paper: the ticket's masked ID and phone and the
green-channel reason are never printed.
"""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from zoneinfo import ZoneInfo

from hallq.devices.escpos.text import DEFAULT_ENCODING, columns, wrap

Align = Literal["left", "center", "right"]
MAX_SIZE = 8  # GS ! multiplies a character's width and height by 1..8


@dataclass(frozen=True, slots=True)
class Paper:
    """A roll width: printable dots and half-width columns of the 12×24 font."""
    mm: int
    dots: int
    columns: int


PAPER_58 = Paper(58, 384, 32)
PAPER_80 = Paper(80, 576, 48)
PAPERS = {58: PAPER_58, 80: PAPER_80}


@dataclass(frozen=True, slots=True)
class TextLine:
    """One printed line; `width`/`height` are the GS ! multipliers (1..8)."""
    text: str
    width: int = 1
    height: int = 1
    align: Align = "left"
    bold: bool = False


@dataclass(frozen=True, slots=True)
class Rule:
    """A separator across the paper."""
    columns: int


@dataclass(frozen=True, slots=True)
class QRCode:
    """A QR symbol the printer draws itself (model 2, error correction M)."""
    data: str
    module: int = 6  # dots per module


@dataclass(frozen=True, slots=True)
class Feed:
    lines: int = 1


@dataclass(frozen=True, slots=True)
class Cut:
    partial: bool = True


Block = TextLine | Rule | QRCode | Feed | Cut

def paper_for(width_mm: int) -> Paper:
    try:
        return PAPERS[width_mm]
    except KeyError:
        raise ValueError(f"paper width must be one of {sorted(PAPERS)} mm, not {width_mm}") from None


def status_url(base_url: str, token: str) -> str:
    """The ticket's public status page, the QR code's target."""
    return f"{base_url.rstrip('/')}/t/{token}"


_TEXT = {
    "zh": {
        "your_number": "您的排队号",
        "green": "【绿色通道 优先办理】",
        "appointment": "【预约优先】",
        "go_to": "请到{windows}号窗口办理",
        "window_sep": "、",
        "no_window": "请留意叫号屏和语音提示",
        "ahead": "您前面还有 {n} 人",
        "nobody_ahead": "您前面没有人，请留意叫号",
        "wait": "预计等候约 {m} 分钟",
        "issued": "取号时间：{at}",
        "materials": "请备齐以下材料（一次性告知）：",
        "limit_now": "办理时限：即办件，当场办结",
        "limit_promised": "承诺时限：{days}个工作日",
        "limit_legal": "法定时限：{days}个工作日",
        "fee": "收费：{fee}",
        "scan": "扫码查看排队进度",
        "one_visit": "一票到底：本号依次办理{n}个事项",
        "one_visit_hint": "办完一项不用重新取号，请留意下一项的叫号",
    },
    "en": {
        "your_number": "Your number",
        "green": "GREEN CHANNEL - PRIORITY",
        "appointment": "APPOINTMENT - PRIORITY",
        "go_to": "Please go to window {windows}",
        "go_to_many": "Please go to windows {windows}",
        "window_sep": ", ",
        "no_window": "Please watch the screens and listen for your number",
        "ahead": "{n} people ahead of you",
        "one_ahead": "1 person ahead of you",
        "nobody_ahead": "Nobody is ahead of you; you are next",
        "wait": "Estimated wait: about {m} min",
        "issued": "Issued: {at}",
        "materials": "Please bring (one-time notice):",
        "limit_now": "Time limit: done on the spot",
        "limit_promised": "Promised: within {days} working days",
        "limit_legal": "Legal limit: {days} working days",
        "fee": "Fee: {fee}",
        "scan": "Scan to follow the queue",
        "one_visit": "This number, {n} services in turn:",
        "one_visit_hint": "No new number between them: watch for your next call",
    },
}


def _issued_local(issued_at: str | dt.datetime, timezone: str) -> str:
    moment = issued_at if isinstance(issued_at, dt.datetime) else dt.datetime.fromisoformat(issued_at.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("issued_at must carry its time zone")
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")


def _windows_line(windows: Sequence[int], t: Mapping[str, str], lang: str) -> str:
    if not windows:
        return t["no_window"]
    listed = t["window_sep"].join(str(w) for w in windows)
    key = "go_to_many" if lang == "en" and len(windows) > 1 else "go_to"
    return t[key].format(windows=listed)


def _ahead_lines(ahead: int | None, wait_s: int | None, t: Mapping[str, str], lang: str) -> list[str]:
    if ahead is None:
        return []
    if ahead <= 0:
        return [t["nobody_ahead"]]
    lines = [t["one_ahead"] if lang == "en" and ahead == 1 else t["ahead"].format(n=ahead)]
    if wait_s is not None:
        lines.append(t["wait"].format(m=max(1, math.ceil(wait_s / 60))))
    return lines


def _limit_lines(guide: Mapping[str, Any], t: Mapping[str, str]) -> list[str]:
    """Time limits as the hall publishes them (五公开); promised 0 days is an immediate item."""
    promised, legal = guide.get("promised_days"), guide.get("legal_days")
    if promised == 0:
        return [t["limit_now"]]
    lines = []
    if promised is not None:
        lines.append(t["limit_promised"].format(days=promised))
    if legal is not None:
        lines.append(t["limit_legal"].format(days=legal))
    return lines


def ticket_blocks(ticket: Mapping[str, Any], *, hall_name: str, qr_url: str,
                  guide: Mapping[str, Any] | None = None, item_name: str | None = None,
                  department: str | None = None, paper: Paper = PAPER_58, lang: str = "zh",
                  timezone: str = "Asia/Shanghai", encoding: str = DEFAULT_ENCODING,
                  max_size: int = MAX_SIZE) -> list[Block]:
    """The printed ticket, top to bottom.

    `ticket` is the API's ticket (number, priority, ahead, estimated_wait_s,
    issued_at, windows, service_name, department, next_services: 一票到底's later
    items, listed in order after this one); `item_name`/`department`
    override the ticket's own. `encoding` is the printer's, because it decides
    how wide each character prints. `max_size` is the largest GS ! multiplier
    the printer offers (8 on ESC/POS printers).
    """
    t = _TEXT["en" if lang == "en" else "zh"]
    cols = paper.columns
    blocks: list[Block] = []

    def lines(text: str, *, width: int = 1, height: int = 1, align: Align = "left", bold: bool = False,
              indent: int = 0) -> None:
        for line in wrap(text, cols // width, encoding, indent=indent):
            blocks.append(TextLine(line, width, height, align, bold))

    def fitting(text: str, largest: int) -> int:
        """The largest multiplier at which `text` fits on one line."""
        return max(1, min(largest, cols // max(1, columns(text, encoding))))

    hall_size = fitting(hall_name, 2)
    lines(hall_name, width=hall_size, height=2, align="center", bold=True)
    blocks.append(Rule(cols))
    lines(t["your_number"], align="center")
    priority = ticket.get("priority", "normal")
    if priority in ("green", "appointment"):
        lines(t[priority], width=fitting(t[priority], 2), height=2, align="center", bold=True)
    number = str(ticket["number"])
    # The number is what people look for: as tall as the printer goes, as wide as fits.
    size = max(1, min(max_size, MAX_SIZE))
    lines(number, width=fitting(number, size), height=size, align="center", bold=True)
    lines(item_name or ticket.get("service_name") or ticket.get("service", ""), height=2, align="center", bold=True)
    dept = department or ticket.get("department")
    if dept:
        lines(dept, align="center")
    # 一票到底: every item of the visit, in the order they are served, the first being this one.
    later = [str(s["name"]) for s in ticket.get("next_services") or () if isinstance(s, Mapping) and s.get("name")]
    if later:
        blocks.append(Rule(cols))
        lines(t["one_visit"].format(n=len(later) + 1), bold=True)
        first = item_name or ticket.get("service_name") or ticket.get("service", "")
        for n, name in enumerate([first, *later], 1):
            label = f"{n}. "
            lines(label + name, indent=len(label), bold=n == 1)
        lines(t["one_visit_hint"])
    blocks.append(Rule(cols))
    lines(_windows_line(ticket.get("windows") or [], t, lang), height=2, bold=True)
    for text in _ahead_lines(ticket.get("ahead"), ticket.get("estimated_wait_s"), t, lang):
        lines(text)
    if ticket.get("issued_at"):
        lines(t["issued"].format(at=_issued_local(ticket["issued_at"], timezone)))
    if guide:
        materials = [m for m in guide.get("materials") or [] if m]
        limits = _limit_lines(guide, t)
        fee = guide.get("fee")
        if materials or limits or fee:
            blocks.append(Rule(cols))
        if materials:
            lines(t["materials"], bold=True)
            digits = len(str(len(materials)))
            for n, material in enumerate(materials, 1):
                label = f"{n}.".ljust(digits + 2)
                lines(label + material, indent=len(label))
        for limit in limits:
            lines(limit)
        if fee:
            lines(t["fee"].format(fee=fee))
    blocks.append(Rule(cols))
    blocks.append(QRCode(qr_url, module=8 if paper.dots >= 576 else 6))
    lines(t["scan"], align="center")
    blocks.append(Feed(2))
    blocks.append(Cut())
    return blocks
