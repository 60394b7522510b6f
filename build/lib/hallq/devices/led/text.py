"""What a window's LED screen says, fitted to its size. Pure functions, no hardware.

Window screens are small: one or two rows of 8 to 16 Chinese characters. Widths are in
columns, as the screens' fonts draw them: a Chinese (full-width) character takes two
columns, a letter or digit one, so a 16-column row holds 8 Chinese characters.

Every message has variants from fullest to tersest; a screen gets the first variant
whose lines fit its rows and columns ("请A001到3号窗口" on one 16-column row, split
over two rows on an 8-column screen, "A001→3号" when even that does not fit).

    layout = ScreenLayout(columns=16, rows=2)
    calling_lines("A001", 3, layout)                 -> ["请A001到3号窗口"]
    window_lines(window, layout)                     # a window dict as GET /windows gives it
    call_sequence(window, "A001", layout)            -> [(0.0, calling), (5.0, serving)]

The words are the hall's, from hallq.wording (LED_PHRASES, WINDOW_NAME, WINDOW_STATES,
PAUSE_REASONS), as the voice and the hall TV say them; this module only picks what fits.
Reasons for a pause come as the clerk typed them: the keys lunch/meeting/fault (or their
Chinese words) get the hall's wording, anything else is shown as written.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Mapping, Sequence

from hallq.wording import led_phrase, led_variants, pause_reason_text, window_name, window_state

CALLING_SECONDS = 5.0   # how long "请A001到3号窗口" stays before "A001 正在办理"


@dataclass(frozen=True)
class ScreenLayout:
    columns: int = 16    # half-width columns per row (a Chinese character takes 2)
    rows: int = 1

    def __post_init__(self) -> None:
        if self.columns < 2 or self.rows < 1:
            raise ValueError("a screen has at least one row of two columns")


def text_width(text: str) -> int:
    """Columns `text` takes on a screen: full-width and wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def clip(text: str, columns: int) -> str:
    """The longest start of `text` that fits in `columns` (never half a character)."""
    used = 0
    for i, ch in enumerate(text):
        used += text_width(ch)
        if used > columns:
            return text[:i]
    return text


def wrap(text: str, columns: int) -> list[str]:
    """`text` broken into rows of at most `columns`, at character boundaries."""
    rows: list[str] = []
    while text:
        row = clip(text, columns) or text[0]  # a character wider than the row still moves on
        rows.append(row)
        text = text[len(row):].lstrip(" ")
    return rows


def fit(variants: Sequence[Sequence[str]], layout: ScreenLayout) -> list[str]:
    """The first variant that fits the screen; else the last one, wrapped and clipped."""
    for lines in variants:
        if len(lines) <= layout.rows and all(text_width(line) <= layout.columns for line in lines):
            return list(lines)
    rows: list[str] = []
    for line in variants[-1]:
        rows.extend(wrap(line, layout.columns))
    return rows[:layout.rows]


# -- the messages -------------------------------------------------------------------------

def calling_lines(number: str, window: int, layout: ScreenLayout, lang: str = "zh") -> list[str]:
    return fit(led_variants("calling", lang, number=number, window=window), layout)


def serving_lines(number: str, layout: ScreenLayout, lang: str = "zh") -> list[str]:
    return fit(led_variants("serving", lang, number=number), layout)


def paused_lines(reason: str | None, layout: ScreenLayout, lang: str = "zh") -> list[str]:
    why = pause_reason_text(reason, lang)
    if why is None:
        return fit([[window_state("paused", lang)]], layout)
    return fit(led_variants("paused", lang, reason=why), layout)


def idle_lines(window: int, name: str | None, staff_name: str | None, staff_number: str | None,
               layout: ScreenLayout, lang: str = "zh") -> list[str]:
    label = window_name(lang, label=True).format(window=window)
    who = led_phrase("staff", lang, name=staff_name) if staff_name else None
    numbered = led_phrase("staff_number", lang, staff=who, number=staff_number) if who and staff_number else None
    titled = led_phrase("titled", lang, window=window, name=name) if name and name != label else label
    variants: list[list[str]] = []
    for head in (titled, name or label, label):
        for person in (numbered, who, staff_name):
            if person:
                variants.append([head, person])
    variants += [[titled], [name or label], [label]]
    return fit(variants, layout)


def closed_lines(window: int, name: str | None, layout: ScreenLayout, lang: str = "zh") -> list[str]:
    """Nobody signed in at the window."""
    label = window_name(lang, label=True).format(window=window)
    return fit(led_variants("closed", lang, window=window, name=name or label), layout)


def window_lines(window: Mapping, layout: ScreenLayout, lang: str = "zh", *, calling: str | None = None) -> list[str]:
    """What the screen of `window` (a dict as GET /api/v1/windows gives it) shows now.

    `calling` is the number just called there, for the first seconds after the call;
    without it the screen shows the window's steady state."""
    number = window["number"]
    if calling:
        return calling_lines(calling, number, layout, lang)
    status = window.get("status")
    if status == "paused":
        return paused_lines(window.get("pause_reason"), layout, lang)
    serving = window.get("serving")
    if serving:
        return serving_lines(serving["number"], layout, lang)
    if status == "closed":
        return closed_lines(number, window.get("name"), layout, lang)
    staff = window.get("staff") or {}
    return idle_lines(number, window.get("name"), staff.get("name"), staff.get("number"), layout, lang)


def call_sequence(window: Mapping, number: str, layout: ScreenLayout, lang: str = "zh",
                  calling_seconds: float = CALLING_SECONDS) -> list[tuple[float, list[str]]]:
    """The screens of a call: the calling text at once, then "正在办理" after a few seconds.

    Returns (seconds after the call, lines) pairs for the caller to schedule. A newer
    call or state change simply replaces whatever is still scheduled."""
    serving = dict(window)
    serving["serving"] = {**(window.get("serving") or {}), "number": number}
    return [(0.0, calling_lines(number, window["number"], layout, lang)),
            (calling_seconds, window_lines(serving, layout, lang))]
