"""The readings of the hall's names, kept so a server process never needs pypinyin to search.

hallq.kiosk.search reads a name with pypinyin's dictionaries (some 55 MB per
process). A name's readings never change, so they are read once, by
`hallq load-hall` or by the first search that meets a new name, and kept in the
database for every process; each process also keeps those it has used.
"""
from __future__ import annotations

import threading
from typing import Iterable

from cachetools import LRUCache
from sqlalchemy import JSON, String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from hallq.db import Base
from hallq.kiosk.search import KeyBook, Readings, read_name

TEXT_MAX = 200  # longer names are read at each search, not kept


class SearchReading(Base):
    __tablename__ = "search_readings"
    text: Mapped[str] = mapped_column(String(TEXT_MAX), primary_key=True)
    readings: Mapped[list] = mapped_column(JSON)


_used: LRUCache[str, Readings] = LRUCache(maxsize=20_000)
_lock = threading.Lock()  # cachetools' caches are not thread-safe


def key_book(session: Session, names: Iterable[str]) -> KeyBook:
    """A search's keys for these names: the kept readings, from this process or the database."""
    names = set(names)
    with _lock:
        known = {n: _used[n] for n in names if n in _used}
    missing = [n for n in names - known.keys() if len(n) <= TEXT_MAX]
    if missing:
        for row in session.scalars(select(SearchReading).where(SearchReading.text.in_(missing))):
            known[row.text] = tuple(tuple(r) for r in row.readings)
        with _lock:
            for n in missing:
                if n in known:
                    _used[n] = known[n]
    return KeyBook(known)


def keep(session: Session, read: dict[str, Readings]) -> None:
    """Keep what a search had to read (the caller commits); another process keeping it first is fine."""
    fresh = {n: r for n, r in read.items() if len(n) <= TEXT_MAX}
    if not fresh:
        return
    stored = set(session.scalars(select(SearchReading.text).where(SearchReading.text.in_(fresh))))
    try:
        with session.begin_nested():  # a savepoint: the caller's own work (load-hall's) is never rolled back
            for text, readings in fresh.items():
                if text not in stored:
                    session.add(SearchReading(text=text, readings=[list(r) for r in readings]))
    except IntegrityError:  # another process kept the same name just now: theirs is the same
        pass
    with _lock:
        _used.update(fresh)


def read_all(session: Session, names: Iterable[str]) -> int:
    """Read and keep every name this database does not keep yet (`hallq load-hall`); how many were read."""
    names = {n for n in names if len(n) <= TEXT_MAX}
    stored = set(session.scalars(select(SearchReading.text).where(SearchReading.text.in_(names))))
    read = {n: read_name(n) for n in names - stored}
    keep(session, read)
    return len(read)
