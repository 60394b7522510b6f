"""How a call is worded: spoken by the hall's voice, shown on a window's LED screen,
on the hall TV and on the citizen's status page, in Chinese and English.

Every medium takes its phrases from here, so a call reads the same wherever it
is heard or seen: WINDOW_NAME says "3号窗口" once, and the voice, the LED screens
and the TV all follow it. The device agent (voice, LED screens) reads this module
as much as the server does, so it imports only the standard library, cn2an and
hallq.protocol.

Phrases are templates: {number} is the ticket, {window} the window's number, and
{at} the window's name (WINDOW_NAME, filled with {window}). The voice fills them
with the numbers as they are read aloud, the LED screens with the digits, and the
TV's browser fills them itself (hallq/static/display.js), so its templates go to
the page unfilled.

Numbers are read the way halls read them: a ticket number letter by letter and
digit by digit ("A001" -> "A 零 零 一", never "A一"), a window number as a number
("12" -> "十二"). Letters stay Latin letters: espeak-ng's Mandarin voice (cmn,
"latin as English") switches to English for a lone Latin letter and says its
name ("A" -> /eɪ/), which is how hall staff say it; spelling the letter with
Chinese characters (诶, 比...) would read as a word instead.

Interface::

    announcement_text(number, window, template=None, lang="zh") -> str   # what the voice says
    spoken_ticket_number(number, lang="zh") -> str
    spoken_window_number(window, lang="zh") -> str
    check_template(template) -> None        # ValueError naming the bad placeholder
    default_template(lang) -> str           # the voice's wording when a hall sets none

    window_name(lang, label=False) -> str   # "{window}号窗口"; label: as a line starts ("Window {window}")
    call_phrase(name, lang) -> str          # CALL_PHRASES[lang][name] as a {number}/{window} template
    window_state(state, lang) -> str        # "paused" -> "暂停服务"
    led_variants(message, lang, **values)   # an LED message's variants, fullest first, filled
    led_phrase(phrase, lang, **values)      # one LED phrase filled ("工作人员 张三")
    pause_reason_words(lang) -> dict        # a pause reason as typed (key or Chinese word) -> its word
    pause_reason_text(reason, lang) -> str | None
    sentence_case(text) -> str              # "please go..." -> "Please go..."

A voice template names the ticket number as {号} or {number} and the window as {窗}
or {window}; either spelling may be used in either language.
"""
from __future__ import annotations

import re
import string

import cn2an

# -- the phrases ------------------------------------------------------------------------

# How a window is named in a call, in speech and on every screen.
WINDOW_NAME: dict[str, str] = {"zh": "{window}号窗口", "en": "window {window}"}

CALL_PHRASES: dict[str, dict[str, str]] = {
    "zh": {
        "sentence": "请{number}号到{at}办理",   # the whole call: what the voice says unless the hall words it
        "go": "请到{at}办理",                   # under the number on the TV; the citizen's status page
        "recalled": "重呼",                     # beside a call made again, on the TV
    },
    "en": {
        "sentence": "Number {number}, please go to {at}",
        "go": "please go to {at}",  # on the TV it follows the number; sentence_case where it starts a sentence
        "recalled": "again",
    },
}

# A window's state, as the TV labels it and the LED screens say it. "closed" is a window nobody
# is signed in at, "paused" one whose clerk has stepped away: a citizen needs to tell them apart.
WINDOW_STATES: dict[str, dict[str, str]] = {
    "zh": {"serving": "正在办理", "idle": "空闲", "paused": "暂停服务", "closed": "未开放"},
    "en": {"serving": "Serving", "idle": "Free", "paused": "Paused", "closed": "Closed"},
}

# Pause reasons a clerk picks (console, caller keypad) by key; typing the Chinese word means the same.
# Any other reason is shown as the clerk wrote it.
PAUSE_REASONS: dict[str, tuple[str, str]] = {
    "lunch": ("午休", "Lunch break"),
    "meeting": ("开会", "In a meeting"),
    "fault": ("系统故障", "System fault"),
}

# What a window's LED screen says. A screen of one or two rows of 8 to 16 Chinese characters
# shows the first variant that fits it (hallq.devices.led.text.fit), so each message goes from
# fullest to tersest; a variant is a tuple of rows. Besides {number}, {window} and {at}:
# {label} is the window's name starting a line, {name} the window's own name ("综合受理"),
# {reason} the pause reason's words, and {serving}, {paused}, {closed} the WINDOW_STATES.
LED_PHRASES: dict[str, dict] = {
    "zh": {
        "calling": (("请{number}到{at}",), ("请{number}", "到{at}"), ("请{number}", "{at}"), ("{number}到{at}",),
                    ("{number}→{window}号",), ("{number}→{window}",), ("{number}",)),
        "serving": (("{number} {serving}",), ("{number}", "{serving}"), ("{number}办理中",), ("{number}",)),
        "paused": (("{paused}", "{reason}"), ("{paused} {reason}",), ("{paused}",)),
        "closed": (("{name}", "{closed}"), ("{label}", "{closed}"), ("{label} {closed}",), ("{closed}",)),
        "titled": "{label} {name}",            # an open window's first row
        "staff": "工作人员 {name}",
        "staff_number": "{staff} 工号{number}",
    },
    "en": {
        "calling": (("{number} to {at}",), ("{number}", "to {at}"), ("{number} to win {window}",),
                    ("{number}>{window}",), ("{number}",)),
        "serving": (("Now serving {number}",), ("Now serving", "{number}"), ("{number} serving",), ("{number}",)),
        "paused": (("{paused}", "{reason}"), ("{paused}: {reason}",), ("{paused}",)),
        "closed": (("{label}", "{closed}"), ("{label} closed",), ("{closed}",)),
        "titled": "{label} {name}",
        "staff": "Staff {name}",
        "staff_number": "{staff} No.{number}",
    },
}


def _lang(lang: str) -> str:
    return "en" if lang.lower().startswith("en") else "zh"


# -- the voice --------------------------------------------------------------------------

_NUMBER_FIELDS = ("号", "number")
_WINDOW_FIELDS = ("窗", "window")
_CHINESE_DIGITS = "零一二三四五六七八九"


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


def default_template(lang: str = "zh") -> str:
    """The voice's wording when a hall sets none: the call's whole sentence, as the screens write it."""
    return call_phrase("sentence", lang)


def announcement_text(number: str, window: int | str, template: str | None = None, lang: str = "zh") -> str:
    """The sentence to speak for a call: 'A001' at window 3 -> '请A 零 零 一号到三号窗口办理'."""
    lang = _lang(lang)
    template = template or default_template(lang)
    check_template(template)
    ticket = spoken_ticket_number(number, lang)
    window_spoken = spoken_window_number(window, lang)
    values = {name: ticket for name in _NUMBER_FIELDS} | {name: window_spoken for name in _WINDOW_FIELDS}
    return template.format_map(values)


# -- the screens: LED at the window, the hall TV, the status page -----------------------

def sentence_case(text: str) -> str:
    """The text as it starts a sentence or a line: 'window {window}' -> 'Window {window}'."""
    return text[:1].upper() + text[1:]


def window_name(lang: str = "zh", label: bool = False) -> str:
    """The window's name as a template: '{window}号窗口', 'window {window}' ('Window {window}' as a label)."""
    name = WINDOW_NAME[_lang(lang)]
    return sentence_case(name) if label else name


def window_state(state: str, lang: str = "zh") -> str:
    """A window's state in words: 'paused' -> '暂停服务'."""
    return WINDOW_STATES[_lang(lang)][state]


def call_phrase(name: str, lang: str = "zh") -> str:
    """A phrase of CALL_PHRASES as a template of {number} and {window}: 'go' -> '请到{window}号窗口办理'."""
    return CALL_PHRASES[_lang(lang)][name].replace("{at}", window_name(lang))


def _led_values(lang: str, values: dict[str, object]) -> dict[str, object]:
    known: dict[str, object] = dict(WINDOW_STATES[lang])
    if "window" in values:
        known["at"] = window_name(lang).format(window=values["window"])
        known["label"] = window_name(lang, label=True).format(window=values["window"])
    return known | values


def led_variants(message: str, lang: str = "zh", /, **values: object) -> list[list[str]]:
    """The variants of an LED message (LED_PHRASES), fullest first, filled with `values`.

    led_variants("calling", number="A001", window=3) -> [["请A001到3号窗口"], ["请A001", "到3号窗口"], ...]
    """
    lang = _lang(lang)
    known = _led_values(lang, values)
    return [[row.format_map(known) for row in variant] for variant in LED_PHRASES[lang][message]]


def led_phrase(phrase: str, lang: str = "zh", /, **values: object) -> str:
    """One phrase of LED_PHRASES filled in: led_phrase("staff", name="张三") -> '工作人员 张三'."""
    lang = _lang(lang)
    return LED_PHRASES[lang][phrase].format_map(_led_values(lang, values))


def pause_reason_words(lang: str = "zh") -> dict[str, str]:
    """A pause reason as the clerk picked it (its key, or its Chinese word) -> the hall's word for it.

    Keys are lower case: look a reason up by reason.strip().lower(), as the TV's script does too.
    """
    index = 1 if _lang(lang) == "en" else 0
    words = {key: pair[index] for key, pair in PAUSE_REASONS.items()}
    return words | {pair[0]: pair[index] for pair in PAUSE_REASONS.values()}


def pause_reason_text(reason: str | None, lang: str = "zh") -> str | None:
    """The hall's word for a pause reason; free text is kept as the clerk wrote it."""
    if not reason or not reason.strip():
        return None
    reason = reason.strip()
    return pause_reason_words(lang).get(reason.lower(), reason)


# -- the printer ------------------------------------------------------------------------

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
    "no_status": ("此打印机不回报状态：缺纸、卡纸等故障无法发现，请留意出票",
                  "This printer reports no status: paper out or jams cannot be detected; watch the tickets"),
    "no_completion": ("号票未确认打印完成", "The printer did not confirm the ticket was printed"),
}


# -- the device agent's word to the hall's IT clerk -------------------------------------

# What the agent logs about the windows it drives (the server's map, hallq.protocol.WindowDevices),
# both languages in one line: the clerk who reads the log may read either.
AGENT_NOTES: dict[str, tuple[str, str]] = {
    "legacy_screens": (
        "AGENT.toml 的LED总线 {port} 仍写有 screens（窗口与屏地址），已不再使用：每个窗口的LED屏地址以管理后台“窗口”页"
        "（服务器）为准。请删除 screens 行",
        "AGENT.toml still lists screens (window and address) on LED bus {port}; they are no longer read: each "
        "window's LED address is the one on the admin's Windows page (the server's). Remove the screens lines"),
    "legacy_differs": (
        "{window}号窗口：AGENT.toml 写LED屏地址 {file}，服务器为 {server}，按服务器的 {server} 显示",
        "window {window}: AGENT.toml says LED address {file}, the server says {server}; the server's {server} is used"),
    "legacy_missing": (
        "{window}号窗口：AGENT.toml 写LED屏地址 {file}，管理后台未设LED屏，该屏不显示；需要时请在管理后台“窗口”页填写地址 {file}",
        "window {window}: AGENT.toml says LED address {file}, but the admin's Windows page gives it no LED screen, "
        "so none is driven; if it has one, enter address {file} on the Windows page"),
    "window_map": (  # {led} is "-" for a window without a screen
        "{window}号窗口：LED屏地址 {led}，通知书打印机 {printer}",
        "window {window}: LED address {led}, notices print on {printer}"),
    "window_map_here": (
        "{window}号窗口：LED屏地址 {led}，通知书打印机 {printer}（本机）",
        "window {window}: LED address {led}, notices print on {printer} (on this agent)"),
    "led_no_bus": (
        "{window}号窗口：LED屏地址 {led} 不在本机任何LED总线的 addresses 中（AGENT.toml），该屏不显示",
        "window {window}: LED address {led} is in no LED bus's addresses on this agent (AGENT.toml); not driven"),
}


def agent_note(key: str, /, **values: object) -> str:
    """One of AGENT_NOTES filled in, Chinese then English: "3号窗口：…… / window 3: ..."."""
    zh, en = AGENT_NOTES[key]
    return f"{zh.format(**values)} / {en.format(**values)}"

