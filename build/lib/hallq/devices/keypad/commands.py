"""Command bytes of the keypad bus and the reasons a frame is refused.

Bit 7 of a command says who sent it (set: the host), so a host on an adapter
that echoes its own transmissions can drop them, and the same table serves
both directions. The numbers are the contract of docs/keypad-protocol.md.
"""
from __future__ import annotations

from enum import IntEnum


class Cmd(IntEnum):
    # caller keypad keys (keypad → host)
    CALL_NEXT = 0x01         # 呼叫
    RECALL = 0x02            # 重呼
    SKIP = 0x03              # 过号
    PAUSE = 0x04             # 暂停, data: reason code
    RESUME = 0x05            # 恢复
    TRANSFER = 0x06          # 转移, data: target kind, flags, target digits
    FINISH_IMMEDIATE = 0x07  # 即办 (finish with outcome "immediate")
    REQUEST_RATING = 0x08    # 评价
    # answers of a keypad to host frames (keypad → host)
    ACK = 0x10
    NAK = 0x11               # data: NakReason
    # evaluator keypad (keypad → host)
    RATING_KEY = 0x20        # data: key index, 1 = leftmost (best)
    # host → keypad
    DISPLAY = 0x81           # caller screen: status, waiting, number, text
    RATING_REQUEST = 0x82    # evaluator lights up: timeout, ticket number
    RATING_END = 0x83        # evaluator: thanks or back to idle
    PING = 0x84              # are you there (answered with ACK)
    HOST_ACK = 0x90          # the host took the keypad frame with this seq
    HOST_NAK = 0x91          # data: NakReason


class NakReason(IntEnum):
    UNKNOWN_ADDRESS = 1      # no window is configured for this address
    UNKNOWN_COMMAND = 2      # not a command of this keypad's kind
    BAD_DATA = 3             # the command's data is malformed
    NOT_NOW = 4              # e.g. a rating key while no rating is requested
    BUSY = 5                 # the previous key of this keypad is still being handled
