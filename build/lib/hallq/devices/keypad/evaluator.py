"""The evaluator keypad (评价器): 3 to 5 rating keys, lit only while a rating is asked.

Keys are numbered from the left, 1 = the best; what each key means depends on
the model (how many keys it has), so the keypad sends the key and the host
maps it to a 好差评 level (5 = 非常满意 … 1 = 非常不满意).
"""
from __future__ import annotations

from hallq.devices.keypad.commands import Cmd

# Levels of the keys, from the left, for each model.
KEY_LEVELS: dict[int, tuple[int, ...]] = {
    5: (5, 4, 3, 2, 1),    # 非常满意 满意 基本满意 不满意 非常不满意
    4: (5, 4, 3, 2),       # 非常满意 满意 基本满意 不满意
    3: (5, 3, 1),          # 满意 基本满意 不满意, read as the top, middle and bottom levels
}

# A key cannot say why a citizen was unhappy, and a bad review must carry a
# reason. A keypad's bad review is accepted with the fixed reason "other" and
# this comment; the follow-up callback (回访) that every bad review gets asks
# the citizen and records the real reason. Refusing it instead would lose the
# citizen's verdict, which the rules forbid.
KEYPAD_REASONS = ("other",)
KEYPAD_COMMENT = "评价器按键评价，未能选择原因，待回访核实"

RATING_THANKS = 1      # RATING_END data: show thanks, then idle
RATING_CANCELLED = 0   # RATING_END data: back to idle (time is up, or the request was withdrawn)
MAX_TIMEOUT_S = 255


class BadRatingKey(ValueError):
    """A key the keypad's model does not have."""


def key_level(keys: int, key: int) -> int:
    """The 好差评 level of `key` (1 = leftmost) on a keypad with `keys` keys."""
    levels = KEY_LEVELS[keys]
    if not 1 <= key <= len(levels):
        raise BadRatingKey(f"key {key} on a {keys}-key keypad")
    return levels[key - 1]


def level_key(keys: int, level: int) -> int:
    """The key a citizen presses for `level` (the simulator's side)."""
    return KEY_LEVELS[keys].index(level) + 1


def rating_key_data(data: bytes) -> int:
    if len(data) != 1:
        raise BadRatingKey("a rating key frame carries one key number")
    return data[0]


def rating_request_data(number: str, timeout_s: float) -> bytes:
    """RATING_REQUEST data: seconds the keys stay lit, then the ticket number shown."""
    seconds = max(1, min(int(round(timeout_s)), MAX_TIMEOUT_S))
    encoded = number.encode("ascii", errors="replace")[:8]
    return bytes((seconds, len(encoded))) + encoded


def parse_rating_request(data: bytes) -> tuple[str, int]:
    if len(data) < 2 or len(data) != 2 + data[1]:
        raise BadRatingKey("rating request data malformed")
    return data[2:].decode("ascii"), data[0]


EVALUATOR_KEYS = frozenset({Cmd.RATING_KEY})
