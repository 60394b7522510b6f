"""Announcement wording: what the hall says when a number is called.

The text is the same for the voice announcer, the WAV rendered for display pages
and anything else that reads a call aloud, so it lives here as pure functions.

Numbers are read the way halls read them: a ticket number letter by letter and
digit by digit ("A001" -> "A 零 零 一", never "A一"), a window number as a number
("12" -> "十二"). Letters stay Latin letters: espeak-ng's Mandarin voice (cmn,
"latin as English") switches to English for a lone Latin letter and says its
name ("A" -> /eɪ/), which is how hall staff say it; spelling the letter with
Chinese characters (诶, 比...) would read as a word instead.

Interface::

    announcement_text(number, window, template=None, lang="zh") -> str
    spoken_ticket_number(number, lang="zh") -> str
    spoken_window_number(window, lang="zh") -> str
    check_template(template) -> None        # ValueError naming the bad placeholder
    DEFAULT_TEMPLATES[lang]                 # the wording when a hall sets none

A template names the ticket number as {号} or {number} and the window as {窗}
or {window}; either spelling may be used in either language.
"""
from __future__ import annotations

import re
import string

import cn2an

DEFAULT_TEMPLATES: dict[str, str] = {
    "zh": "请{号}号到{窗}号窗口办理",
    "en": "Number {number}, please go to window {window}",
}

_NUMBER_FIELDS = ("号", "number")
_WINDOW_FIELDS = ("窗", "window")
_CHINESE_DIGITS = "零一二三四五六七八九"


def _lang(lang: str) -> str:
    return "en" if lang.lower().startswith("en") else "zh"


def check_template(template: str) -> None:
    """Raise ValueError if the template is malformed or names an unknown placeholder.

    Called when a hall's settings are loaded, so a typo is reported to the person
    editing the hall file instead of failing at the first call.
    """
    known = set(_NUMBER_FIELDS + _WINDOW_FIELDS)
    try:
        fields = [field for _, field, spec, conv in string.Formatter().parse(template) if field is not None]
    except ValueError as exc:  # unbalanced braces
        raise ValueError(f"announcement template {template!r}: {exc}") from None
    for field in fields:
        if field not in known:
            raise ValueError(
                f"announcement template {template!r}: unknown placeholder {{{field}}}; "
                "use {号} or {number} for the ticket and {窗} or {window} for the window"
            )


def spoken_ticket_number(number: str, lang: str = "zh") -> str:
    """'A001' -> 'A 零 零 一' (zh) or 'A 0 0 1' (en): every character on its own."""
    zh = _lang(lang) == "zh"
    spoken = []
    for char in number.strip().upper():
        if char.isdigit() and char.isascii():
            spoken.append(_CHINESE_DIGITS[int(char)] if zh else char)
        elif char.isalnum():
            spoken.append(char)
        # Separators some halls print ("A-001") are not read.
    return " ".join(spoken)


def spoken_window_number(window: int | str, lang: str = "zh") -> str:
    """3 -> '三', '12' -> '十二' (zh); English keeps the digits for the voice to read.

    A window named with letters and digits ("B2") keeps its letters and reads each
    run of digits as a number.
    """
    text = str(window).strip()
    if _lang(lang) == "en":
        return text
    return re.sub(r"[0-9]+", lambda m: cn2an.an2cn(str(int(m.group())), "low"), text)


def announcement_text(number: str, window: int | str, template: str | None = None, lang: str = "zh") -> str:
    """The sentence to speak for a call: 'A001' at window 3 -> '请A 零 零 一号到三号窗口办理'."""
    lang = _lang(lang)
    template = template or DEFAULT_TEMPLATES[lang]
    check_template(template)
    ticket = spoken_ticket_number(number, lang)
    window_spoken = spoken_window_number(window, lang)
    values = {name: ticket for name in _NUMBER_FIELDS} | {name: window_spoken for name in _WINDOW_FIELDS}
    return template.format_map(values)


# A printer's state and the detail the agent reports with it (hallq.devices.escpos.status),
# as the kiosk and the duty manager's screen say it.
PRINTER_DETAILS: dict[str, tuple[str, str]] = {
    "ok": ("打印机正常", "Printer ready"),
    "near_end": ("打印纸即将用完，请及时更换", "Paper is running low; please replace the roll soon"),
    "paper_out": ("打印机缺纸", "The printer is out of paper"),
    "offline": ("打印机离线", "The printer is offline"),
    "unknown": ("打印机无应答，状态未知", "The printer does not answer; its state is unknown"),
    "cover_open": ("打印机盖未关好", "The printer cover is open"),
    "feed_button": ("正在按键走纸", "Paper is being fed with the feed button"),
    "error": ("打印机故障", "The printer reports an error"),
    "unreachable": ("连接不上打印机", "The printer cannot be reached"),
    "connection_lost": ("与打印机的连接中断", "The connection to the printer was lost"),
    "no_answer": ("打印机无应答，状态未知", "The printer does not answer; its state is unknown"),
    "bad_answer": ("打印机应答无法识别，状态未知", "The printer's answer was not understood; its state is unknown"),
}
