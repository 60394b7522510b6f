"""Database engines and sessions.

SQLite is the embedded default; PostgreSQL serves several server processes.
Two session factories exist because SQLite has one writer at a time: a write
transaction starts with BEGIN IMMEDIATE so concurrent writers queue on the
database lock instead of failing half-way, while read-only work uses a plain
deferred BEGIN and never blocks behind a writer (WAL mode).
"""
from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import DateTime, Engine, create_engine, event
from sqlalchemy.orm import DeclarativeBase, sessionmaker
from sqlalchemy.types import TypeDecorator

DEFAULT_SQLITE = "sqlite:///hallq.db"


class Base(DeclarativeBase):
    pass


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every backend.

    SQLite keeps no zone, so values are stored as naive UTC and handed back
    aware; PostgreSQL gets timestamptz. Naive input is a programming error.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


@dataclass
class Database:
    """An engine with its two session factories."""

    engine: Engine
    write: sessionmaker  # BEGIN IMMEDIATE on SQLite
    read: sessionmaker

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=False)

    def dispose(self) -> None:
        self.engine.dispose()


def connect(url: str | None = None, *, pool_size: int = 20) -> Database:
    url = url or DEFAULT_SQLITE
    if url.startswith("sqlite"):
        return _connect_sqlite(url)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
    factory = sessionmaker(engine, expire_on_commit=False)
    return Database(engine, factory, factory)


def _connect_sqlite(url: str) -> Database:
    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
    # The immediate engine shares the pool; only the BEGIN it emits differs.
    immediate = engine.execution_options(hallq_begin="BEGIN IMMEDIATE")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # let us emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")  # a reported commit survives a power cut
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql(conn.get_execution_options().get("hallq_begin", "BEGIN"))

    write = sessionmaker(immediate, expire_on_commit=False)
    _queue_writers(write)
    return Database(engine, write, sessionmaker(engine, expire_on_commit=False))


def _queue_writers(factory: sessionmaker) -> None:
    """Let a process's write transactions take turns on a lock of our own.

    SQLite's busy handler sleeps and retries, so a thread that commits and
    begins again at once can keep a waiting thread out for as long as it
    likes: one clerk's button would hang while another's works. Threads
    queued on a lock, taken before BEGIN IMMEDIATE, are woken in turn.
    """
    lock = threading.RLock()  # a nested write session errors on SQLite's busy timeout rather than hanging

    @event.listens_for(factory, "after_transaction_create")
    def _take(session, transaction):
        if transaction.parent is None:
            lock.acquire()
            session.info["hallq_write_lock"] = True

    @event.listens_for(factory, "after_transaction_end")
    def _give(session, transaction):
        if transaction.parent is None and session.info.pop("hallq_write_lock", False):
            lock.release()
