"""Finding a service item at the kiosk by 汉字, full pinyin or pinyin initials.

Citizens type what they know: "身份证", "shenfenzheng", "sfz", or a mix such
as "shenfz" (a whole syllable, then initials). Each character of a name is read
with every pronunciation pypinyin knows (the phrase's own reading first), so a
polyphone (银行 háng / xíng) matches however it is typed. A query matches a run
of consecutive characters when each character consumes a prefix of one of its
readings: one letter is its initial, all letters its full syllable; "zh", "ch"
and "sh" work as initials too. Digits and Latin letters in a name match
themselves; punctuation is skipped.
"""
from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from typing import Iterable

from pypinyin import Style, lazy_pinyin, pinyin

MAX_QUERY = 40


@dataclass(frozen=True, slots=True)
class SearchKey:
    text: str  # the name, folded for substring search of typed 汉字
    readings: tuple[tuple[str, ...], ...]  # per searchable character: its readings, most likely first


@functools.lru_cache(maxsize=4096)
def search_key(name: str) -> SearchKey:
    phrase = iter(lazy_pinyin(name, errors="ignore"))  # context-aware: one reading per 汉字, in order
    readings: list[tuple[str, ...]] = []
    for char in name:
        alternatives = pinyin(char, style=Style.NORMAL, heteronym=True, errors="ignore")
        if alternatives:
            first = next(phrase, "")
            readings.append(tuple(r for r in dict.fromkeys([first, *alternatives[0]]) if r))
        elif char.isascii() and char.isalnum():
            readings.append((char.lower(),))
    return SearchKey(fold(name), tuple(readings))


def fold(text: str) -> str:
    """Full-width letters and digits (typed by Chinese input methods) as ASCII, lower case, no spaces."""
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


def _spells(query: str, readings: tuple[tuple[str, ...], ...], start: int) -> bool:
    """Does `query` spell the characters from `start` on, each by a prefix of one of its readings?"""

    @functools.cache
    def from_(pos: int, char: int) -> bool:
        if pos == len(query):
            return True
        if char == len(readings):
            return False
        rest = query[pos:]
        for reading in readings[char]:
            # The longest prefix first: "shen" should not be cut to "s" + "h..." when it need not be.
            for size in range(min(len(reading), len(rest)), 0, -1):
                if reading[:size] == rest[:size] and from_(pos + size, char + 1):
                    return True
        return False

    return from_(0, start)


def rank(query: str, name: str, *, heteronyms: bool = True) -> int | None:
    """How well `query` finds `name`: lower is better, None when it does not.

    0/1 the 汉字 typed (at the start / inside), 2/3 the name's own reading,
    4/5 only through a rarer reading of a polyphone.
    """
    q = fold(query)[:MAX_QUERY]
    if not q:
        return None
    key = search_key(name)
    if q in key.text:
        return 0 if key.text.startswith(q) else 1
    if not q.isascii():
        return None
    usual = tuple(r[:1] for r in key.readings)
    tiers = ((2, usual), (4, key.readings)) if heteronyms else ((2, usual),)
    for score, readings in tiers:
        for start in range(len(readings)):
            if _spells(q, readings, start):
                return score + (start > 0)
    return None


def search(query: str, items: Iterable[tuple[str, str, str]]) -> list[str]:
    """Codes of the items (code, item name, department name) the query finds, best first.

    An item found only through its department's name comes after items found
    by their own name's usual reading, and before those a rare reading finds.
    """
    found: list[tuple[int, int, str]] = []
    for order, (code, name, department) in enumerate(items):
        scores = [rank(query, name, heteronyms=False)]
        if fold(query) == fold(code):
            scores.append(0)
        by_department = rank(query, department, heteronyms=False)
        scores.append(None if by_department is None else 4 + by_department)
        by_rare = rank(query, name)
        scores.append(None if by_rare is None else by_rare + 4)
        known = [s for s in scores if s is not None]
        if known:
            found.append((min(known), order, code))
    return [code for _, _, code in sorted(found)]
