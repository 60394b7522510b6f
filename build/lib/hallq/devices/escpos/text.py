"""Text as a thermal printer lays it out: columns, cleaning and wrapping.

In Chinese mode a printer draws every byte-pair character (汉字, full-width
punctuation) in a full cell and every single-byte character in a half cell, so
a character's width is the length of its encoding, not its Unicode class:
"·" and "—" are East-Asian "ambiguous" but print full width in GB18030.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache

DEFAULT_ENCODING = "gb18030"
ENCODINGS = ("gb18030", "gbk", "gb2312")  # gb2312: the cheap 58 mm fonts; missing characters print "?"

# A line may not start with these (禁则): the character before moves down with them.
_NO_LINE_START = set("，。、；：？！）」』》〉】”’…,.;:?!)]}%")


@lru_cache(maxsize=8192)
def char_columns(char: str, encoding: str = DEFAULT_ENCODING) -> int:
    """Half-width cells one character takes on paper (1 or 2)."""
    return 1 if len(char.encode(encoding, errors="replace")) == 1 else 2


def columns(text: str, encoding: str = DEFAULT_ENCODING) -> int:
    if text.isascii():
        return len(text)
    return sum(char_columns(c, encoding) for c in text)


def clean(text: str) -> str:
    """One printable line: control and format characters would be printer
    commands (an ESC inside a hall name would reset the printer), so they go."""
    if text.isprintable():
        return text
    out = []
    for c in text:
        category = unicodedata.category(c)
        if category in ("Zl", "Zp") or c in "\t\r\n":
            out.append(" ")
        elif category[0] != "C":
            out.append(c)
    return "".join(out)


def _tokens(text: str) -> list[str]:
    """Words of Latin script stay whole; every other character stands alone."""
    tokens: list[str] = []
    word = ""
    for c in text:
        if c == " ":
            if word:
                tokens.append(word)
                word = ""
            tokens.append(" ")
        elif c.isascii() and (c.isalnum() or c in "-_/.:@#%&+=()'\",;!?"):
            word += c
        else:
            if word:
                tokens.append(word)
                word = ""
            tokens.append(c)
    if word:
        tokens.append(word)
    return tokens


def wrap(text: str, width: int, encoding: str = DEFAULT_ENCODING, *, indent: int = 0) -> list[str]:
    """Lines of at most `width` columns; continuation lines start with `indent`
    spaces (a hanging indent for numbered lists)."""
    return list(_wrap(text, width, encoding, indent))


@lru_cache(maxsize=4096)  # hall names, items and materials repeat on every ticket
def _wrap(text: str, width: int, encoding: str, indent: int) -> tuple[str, ...]:
    if width < 1:
        raise ValueError("width must be at least one column")
    indent = min(indent, width - 2) if width > 2 else 0
    lines: list[list[str]] = [[]]
    used = 0

    def new_line() -> None:
        nonlocal used
        lines.append([" " * indent] if indent else [])
        used = indent

    for token in _tokens(clean(text)):
        size = columns(token, encoding)
        if token == " ":
            if used and used < width:
                lines[-1].append(token)
                used += 1
            continue
        if used + size <= width:
            lines[-1].append(token)
            used += size
            continue
        if token in _NO_LINE_START and len(lines[-1]) > 1 and columns(lines[-1][-1], encoding) + size <= width - indent:
            carried = lines[-1].pop()
            new_line()
            lines[-1].append(carried)
            used += columns(carried, encoding)
            lines[-1].append(token)
            used += size
            continue
        if size <= width - indent:
            new_line()
            lines[-1].append(token)
            used += size
            continue
        for c in token:  # a word longer than a line is cut where it must be
            w = char_columns(c, encoding)
            if used + w > width:
                new_line()
            lines[-1].append(c)
            used += w
    return tuple("".join(parts).rstrip() for parts in lines if "".join(parts).strip()) or ("",)
