"""A service guide (办事指南) laid out for a receipt printer, as plain data.

Same blocks as the ticket (hallq.devices.escpos.ticket_layout), so the same
renderer prints it in the printer's Chinese mode. The document is what
hallq.kiosk.guides.print_document sends: the guide's published facts, no
personal data. Guides print in Chinese, as the hall publishes them.
"""
from __future__ import annotations

from typing import Any, Mapping

from hallq.devices.escpos.text import DEFAULT_ENCODING, wrap
from hallq.devices.escpos.ticket_layout import PAPER_58, Block, Cut, Feed, Paper, Rule, TextLine


def guide_blocks(document: Mapping[str, Any], *, paper: Paper = PAPER_58,
                 encoding: str = DEFAULT_ENCODING) -> list[Block]:
    cols = paper.columns
    blocks: list[Block] = []

    def lines(text: str, *, height: int = 1, align: str = "left", bold: bool = False, indent: int = 0) -> None:
        for line in wrap(text, cols, encoding, indent=indent):
            blocks.append(TextLine(line, 1, height, align, bold))

    def numbered(rows: list[str]) -> None:
        digits = len(str(len(rows)))
        for n, row in enumerate(rows, 1):
            label = f"{n}.".ljust(digits + 2)
            lines(label + row, indent=len(label))

    lines(document["hall_name"], align="center", bold=True)
    lines("办事指南", height=2, align="center", bold=True)
    lines(document["item_name"], align="center", bold=True)
    blocks.append(Rule(cols))
    for label, rows in document["sections"]:
        lines(f"【{label}】", bold=True)
        if isinstance(rows, list):
            numbered(rows)
        else:
            lines(rows)
    blocks.append(Rule(cols))
    lines(f"打印时间：{document['printed_at']}")
    blocks.append(Feed(3))
    blocks.append(Cut())
    return blocks
