"""A window's written notice laid out for a receipt printer, as plain data.

Same blocks as the ticket (hallq.devices.escpos.ticket_layout), so the same renderer
prints it in the printer's Chinese mode. Notices are official documents and
print in Chinese only. The document is what hallq.queue.notices sends.
"""
from __future__ import annotations

from typing import Any, Mapping

from hallq.devices.escpos.text import DEFAULT_ENCODING, wrap
from hallq.devices.escpos.ticket_layout import PAPER_58, Block, Cut, Feed, Paper, Rule, TextLine

_BODY = {
    "supplement": "您申请办理的“{item}”事项，经审查，申请材料不齐全或者不符合法定形式。请补齐以下材料后再行申请"
                  "（本通知一次性告知全部需要补正的材料）：",
    "rejection": "您申请办理的“{item}”事项，经审查，决定不予受理。理由：{note}。"
                 "如对本决定不服，可以依法申请行政复议或者提起行政诉讼。",
    "acceptance": "您申请办理的“{item}”事项，申请材料齐全、符合法定形式，决定予以受理。"
                  "承诺办结时限：{days}个工作日，预计{due}前办结。",
}


def notice_blocks(document: Mapping[str, Any], *, paper: Paper = PAPER_58,
                  encoding: str = DEFAULT_ENCODING) -> list[Block]:
    cols = paper.columns
    blocks: list[Block] = []

    def lines(text: str, *, height: int = 1, align: str = "left", bold: bool = False, indent: int = 0) -> None:
        for line in wrap(text, cols, encoding, indent=indent):
            blocks.append(TextLine(line, 1, height, align, bold))

    lines(document["hall_name"], align="center", bold=True)
    lines(document["title"], height=2, align="center", bold=True)
    lines(document["number"], align="center")
    blocks.append(Rule(cols))
    lines(f"排队号：{document['ticket']}")
    lines(f"事项：{document['item_name']}（{document['department']}）")
    lines(_BODY[document["notice"]].format(item=document["item_name"], note=document.get("note", ""),
                                           days=document.get("promised_days", ""),
                                           due=document.get("due_date", "")))
    materials = document.get("missing_materials") or []
    digits = len(str(len(materials)))
    for n, material in enumerate(materials, 1):
        label = f"{n}.".ljust(digits + 2)
        lines(label + material, indent=len(label))
    if document.get("deadline"):
        lines(f"请于{document['deadline']}前补齐上述材料，补齐后直接到{document.get('return_window') or document['window']}"
              f"号窗口办理。", bold=True)
    blocks.append(Rule(cols))
    window = f"{document['window']}号窗口"
    if document.get("window_name"):
        window += f" {document['window_name']}"
    lines(window)
    if document.get("staff"):
        lines(f"经办人：{document['staff']}（工号{document.get('staff_number') or ''}）")
    lines(f"日期：{document['date']}")
    # The window's seal goes here, the applicant signs below: the copy the window keeps is the proof
    # the citizen was told (一次性告知).
    blocks.append(Feed(1))
    lines("（窗口专用章）", align="right")
    blocks.append(Feed(3))
    lines("申请人签收：______________")
    lines("签收日期：______年____月____日")
    blocks.append(Feed(3))
    blocks.append(Cut())
    return blocks
