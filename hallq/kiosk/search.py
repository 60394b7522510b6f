"""Finding a service item at the kiosk by 汉字, full pinyin or pinyin initials.

Citizens type what they know: "身份证", "shenfenzheng", "sfz", or a mix such
as "shenfz" (a whole syllable, then initials). Each character of a name is read
with its phrase's own reading first and then the other readings people use, so a
polyphone (银行 háng / xíng) matches however it is typed. A query matches a run
of consecutive characters when each character consumes a prefix of one of its
readings: one letter is its initial, all letters its full syllable; "zh", "ch"
and "sh" work as initials too. Digits and Latin letters in a name match
themselves; punctuation is skipped.

"The other readings people use" are not every reading pypinyin lists: its
per-character lists carry archaic and literary ones (许 hǔ, 和 hú, 房 páng), and
with them pinyin initials matched loosely ("hk" found 食品经营许可 through 许 hǔ).
A reading other than the phrase's own counts only when pypinyin's own phrase
dictionary uses it in at least COMMON_READING_PHRASES words (行 háng and xíng, 会
kuài of 会计, 调 tiáo and diào all do; 许 hǔ in none). A character no phrase
uses keeps its readings: nothing says which of them is rare.

An item is also found by its keywords (what citizens call it: 医保, 社保卡,
二手房), just after a match of the same quality in its own name.

Reading a name needs pypinyin's dictionaries, some 55 MB in every server
process that imports them. So the readings of the hall's names are kept in the
database (hallq.kiosk.search_store) and a search gets them in a `KeyBook`:
pypinyin is imported only to read a name nobody has read before.
"""
from __future__ import annotations

import functools
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

MAX_QUERY = 40
COMMON_READING_PHRASES = 3  # 行 héng, 和 hú and 房 páng are in one phrase each; 会 kuài (会计) in six

_TONELESS = str.maketrans("āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ", "aaaaeeeeiiiioooouuuuvvvvvnnnm")


@functools.cache
def _phrase_readings() -> dict[str, Counter]:
    """Per polyphone: how many words of pypinyin's phrase dictionary read it each way (toneless)."""
    from pypinyin.phrases_dict import phrases_dict  # imported here: see the module's docstring
    from pypinyin.pinyin_dict import pinyin_dict
    polyphones = {chr(code) for code, readings in pinyin_dict.items() if "," in readings}
    counts: dict[str, Counter] = {}
    for phrase, readings in phrases_dict.items():
        for char, reading in zip(phrase, readings):
            if char in polyphones:
                counts.setdefault(char, Counter())[reading[0].translate(_TONELESS)] += 1
    return counts


def _in_use(char: str, readings: Sequence[str]) -> list[str]:
    """The readings of `char` that people use: all of them when no phrase says (see the module's note)."""
    used = _phrase_readings().get(char)
    if not used:
        return list(readings)
    return [r for r in readings if used[r] >= COMMON_READING_PHRASES]


Readings = tuple[tuple[str, ...], ...]  # per searchable character: its readings, most likely first


@dataclass(frozen=True, slots=True)
class SearchKey:
    text: str  # the name, folded for substring search of typed 汉字
    readings: Readings


def read_name(name: str) -> Readings:
    """The readings of each searchable character of `name` (pypinyin: see the module's docstring)."""
    from pypinyin import Style, lazy_pinyin, pinyin

    phrase = iter(lazy_pinyin(name, errors="ignore"))  # context-aware: one reading per 汉字, in order
    readings: list[tuple[str, ...]] = []
    for char in name:
        alternatives = pinyin(char, style=Style.NORMAL, heteronym=True, errors="ignore")
        if alternatives:
            first = next(phrase, "")
            readings.append(tuple(r for r in dict.fromkeys([first, *_in_use(char, alternatives[0])]) if r))
        elif char.isascii() and char.isalnum():
            readings.append((char.lower(),))
    return tuple(readings)


class KeyBook:
    """The search keys of one search: readings known already (stored), the others read here (`read`)."""

    def __init__(self, known: Mapping[str, Readings] | None = None):
        self.known = known or {}
        self.read: dict[str, Readings] = {}  # read by this search: worth storing for the next

    def key(self, name: str) -> SearchKey:
        readings = self.known.get(name)
        if readings is None:
            readings = self.read.get(name)
            if readings is None:
                readings = self.read[name] = read_name(name)
        return SearchKey(fold(name), readings)


@functools.lru_cache(maxsize=4096)
def search_key(name: str) -> SearchKey:
    """One name's key, read now (tests, and callers without stored readings)."""
    return SearchKey(fold(name), read_name(name))


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


def rank(query: str, name: str, *, heteronyms: bool = True, keys: KeyBook | None = None) -> int | None:
    """How well `query` finds `name`: lower is better, None when it does not.

    0/1 the 汉字 typed (at the start / inside), 2/3 the name's own reading,
    4/5 only through a rarer reading of a polyphone.
    """
    q = fold(query)[:MAX_QUERY]
    if not q:
        return None
    key = keys.key(name) if keys else search_key(name)
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


def typed_whole(query: str, word: str, keys: KeyBook | None = None) -> bool:
    """Is `query` the whole of `word`: its 汉字, its initials or its full pinyin (as usually read)?"""
    q, key = fold(query)[:MAX_QUERY], keys.key(word) if keys else search_key(word)
    usual = [r[0] for r in key.readings]
    return bool(q) and q in (key.text, "".join(r[0] for r in usual), "".join(usual))


def names_of(items: Iterable[Sequence]) -> set[str]:
    """Every name a search over these items reads: the items', their keywords, their departments'."""
    return {text for _, name, department, *more in items
            for text in (name, department, *((more[0] or ()) if more else ()))}


def search(query: str, items: Iterable[Sequence], keys: KeyBook | None = None) -> list[str]:
    """Codes of the items (code, item name, department name[, keywords]) the query finds, best first.

    A keyword typed whole (医保, yb, yibao) ranks with the name typed from its
    start; another keyword's match just after the same match in the name; an
    item found only through its department's name comes after items found by
    their own name's or keywords' usual reading, and before those a rarer reading finds.
    """
    found: list[tuple[int, int, str]] = []
    for order, (code, name, department, *more) in enumerate(items):
        scores = [rank(query, name, heteronyms=False, keys=keys)]
        if fold(query) == fold(code):
            scores.append(0)
        for word in (more[0] or ()) if more else ():
            by_word = 0 if typed_whole(query, word, keys) else rank(query, word, heteronyms=False, keys=keys)
            scores.append(None if by_word is None else by_word + (by_word > 0))
        by_department = rank(query, department, heteronyms=False, keys=keys)
        scores.append(None if by_department is None else 4 + by_department)
        by_rare = rank(query, name, keys=keys)
        scores.append(None if by_rare is None else by_rare + 4)
        known = [s for s in scores if s is not None]
        if known:
            found.append((min(known), order, code))
    return [code for _, _, code in sorted(found)]
