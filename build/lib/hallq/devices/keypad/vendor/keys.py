"""What the vendor keypads' bytes mean: caller keys, the digit display, the evaluator's values.

Traced to JackQChen/QueueSystem `CallSystem/CallSystem/frmMain.cs` (key
codes: the last data byte of a key frame; "digit + 确认" two-byte keys;
SendTicket/SendWait for the display) and `Service/Model/BEvaluateModel.cs`
with frmMain's SaveEvaluate for the evaluator's values. docs/keypad-protocol.md
has the table and what hallq makes of each key.
"""
from __future__ import annotations

from dataclasses import dataclass

from hallq.devices.keypad.caller import KeyPress, WindowDisplay

# Key codes: the last byte of a KEY frame's data.
EVALUATE = 0x0B      # 评价: the host finishes the ticket and asks for a rating
CALL = 0x0C          # 呼叫
RECALL = 0x0D        # 重呼
CANCEL = 0x0E        # 取消: unused by the source ("该功能已不用")
CONFIRM = 0x0F       # 确认, after one digit key: 6 弃号, 0 挂起, 3 回呼
ONE_METRE = 0x11     # 一米 (一米线): unused by the source ("暂无处理")
WAIT = 0x12          # 等候: the source pauses the window with it
TRANSFER = 0x13      # 转移: the source puts the ticket back in the queue ("丢回去")

GIVE_UP_DIGIT, HOLD_DIGIT, CALL_BACK_DIGIT = 0x06, 0x00, 0x03

BLANK = 0x0A         # a digit cell left dark: SendTicket/SendWait fill the other three with it
CELLS = 3            # digits per group; the display frame carries two groups
MAX_WAITING = 999    # SendWait caps the count ("lcount > 999 ? 999")

# The four-key evaluator's value (0-3) → the hall's level (5 非常满意 … 1 非常不满意).
# SaveEvaluate stores value 0 as result 1 不满意, 1 as 0 (the record's default),
# 2 as 3 满意, 3 as 4 非常满意 (BEvaluateModel: "0默认 1不满意 3满意 4非常满意"),
# so the values rise from worst to best; the one left between 不满意 and 满意 is 基本满意.
RATING_LEVELS = {0: 2, 1: 3, 2: 4, 3: 5}
EVALUATOR_KEYS = 4


class NotAnAction(ValueError):
    """A key frame hallq does not act on (a key the source leaves unused, or one hallq lacks)."""


@dataclass(frozen=True)
class VendorKey:
    """A caller key as hallq acts on it: the window actions to run, in order."""

    name: str                        # the key as printed on the keypad, for logs
    presses: tuple[KeyPress, ...]


def key(data: bytes, *, paused: bool) -> VendorKey:
    """The actions a caller KEY frame's data asks for.

    The vendor keypad has no 恢复 key: the source resumes a paused window when
    呼叫, 重呼, 评价, 弃号 or 转移 is pressed, so hallq does too (`paused`: the
    window's last known state).
    """
    if not data:
        raise NotAnAction("a key frame without a key code")
    code = data[-1]
    resume = (KeyPress("resume"),) if paused else ()
    if code == CALL:
        return VendorKey("呼叫", resume + (KeyPress("call_next"),))
    if code == RECALL:
        return VendorKey("重呼", resume + (KeyPress("recall"),))
    if code == EVALUATE:
        # hallq's finish asks for the rating; a keypad cannot choose the case outcome, 即办 is the plain one.
        return VendorKey("评价", resume + (KeyPress("finish", {"outcome": "immediate"}),))
    if code == WAIT:
        # No reason can be typed: the server records its default reason ("other").
        return VendorKey("等候", () if paused else (KeyPress("pause"),))
    if code == CONFIRM and len(data) == 2 and data[0] == GIVE_UP_DIGIT:
        return VendorKey("6+确认 弃号", resume + (KeyPress("skip"),))
    if code == CONFIRM and len(data) == 2 and data[0] == HOLD_DIGIT:
        return VendorKey("0+确认 挂起", resume + (KeyPress("hold"),))
    if code == CONFIRM and len(data) == 2 and data[0] == CALL_BACK_DIGIT:
        return VendorKey("3+确认 回呼", resume + (KeyPress("call_back"),))
    if code == TRANSFER:
        # The source puts the ticket back into the queue ("丢回去"): no target is chosen on the keypad.
        return VendorKey("转移", resume + (KeyPress("return_to_queue"),))
    names = {CANCEL: "取消", ONE_METRE: "一米",
             CONFIRM: "确认 after an unused digit" if len(data) == 2 else "确认 without a digit"}
    raise NotAnAction(f"key {data.hex(' ')}: {names.get(code, 'unknown key code')}")


def key_data(name: str) -> bytes:
    """The data a keypad sends for a key named as in `key` (the simulator's side)."""
    codes = {"呼叫": bytes((CALL,)), "重呼": bytes((RECALL,)), "评价": bytes((EVALUATE,)), "等候": bytes((WAIT,)),
             "转移": bytes((TRANSFER,)), "取消": bytes((CANCEL,)), "一米": bytes((ONE_METRE,)),
             "弃号": bytes((GIVE_UP_DIGIT, CONFIRM)), "挂起": bytes((HOLD_DIGIT, CONFIRM)),
             "回呼": bytes((CALL_BACK_DIGIT, CONFIRM))}
    return codes[name]


def display_data(display: WindowDisplay) -> bytes:
    """DISPLAY data for a window's state: its ticket's last three digits, or how many wait.

    SendTicket sends `0A 0A 0A d d d` (the last three characters of the ticket
    number) after a call; SendWait `d d d 0A 0A 0A` (waiting, 000-999)
    otherwise. A character that is not a digit (a number shorter than three,
    a letter) is left dark: the source would fail on it.
    """
    if display.number:
        tail = display.number[-CELLS:].rjust(CELLS)
        return bytes((BLANK,) * CELLS) + bytes(int(c) if c.isdigit() and c.isascii() else BLANK for c in tail)
    waiting = f"{max(0, min(display.waiting, MAX_WAITING)):03d}"
    return bytes(int(c) for c in waiting) + bytes((BLANK,) * CELLS)


def shown(data: bytes) -> tuple[str, str]:
    """What the display shows for DISPLAY data: (waiting group, ticket group), dark cells as spaces."""
    if len(data) != 2 * CELLS or any(b > BLANK for b in data):
        raise ValueError(f"display data {data.hex(' ')} is not six digit cells")
    text = "".join(" " if b == BLANK else str(b) for b in data)
    return text[:CELLS], text[CELLS:]


def rating_level(data: bytes) -> int:
    """The level a four-key evaluator's RATING data means."""
    if len(data) != 1 or data[0] not in RATING_LEVELS:
        raise NotAnAction(f"rating value {data.hex(' ')} is not 00-03")
    return RATING_LEVELS[data[0]]
