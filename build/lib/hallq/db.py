"""Database engines and sessions.

SQLite is the embedded default; PostgreSQL serves several server processes.
Two session factories exist because SQLite has one writer at a time: a write
transaction starts with BEGIN IMMEDIATE so concurrent writers queue on the
database lock instead of failing half-way, while read-only work uses a plain
deferred BEGIN and never blocks behind a writer (WAL mode).

On SQLite a process's writes also share one connection. They take turns
anyway (below), and SQLite empties a connection's page cache whenever another
connection has written since its last transaction: writes spread over a pool
read the same pages from the file again in nearly every transaction (40 reads
per printed ticket), while the one writer keeps them.
"""
from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import DateTime, Engine, StaticPool, create_engine, event
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
    write: sessionmaker  # BEGIN IMMEDIATE on SQLite, on its own engine of one connection
    read: sessionmaker
    write_lock: threading.Lock | None = None  # SQLite: whose turn it is on that one connection

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=False)

    def dispose(self) -> None:
        # On SQLite the writes' one connection is closed between two writes, on the write lock: closed
        # under a thread still writing on it, sqlite3 crashed the process (a server thread recording a
        # device's report as the app was shut down). The wait is bounded: the caller may hold the lock.
        taken = self.write_lock is not None and self.write_lock.acquire(timeout=30)
        try:
            for engine in {self.engine, self.write.kw["bind"]}:
                engine.dispose()
        finally:
            if taken:
                self.write_lock.release()


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
    path = url.split("///", 1)[-1] if "///" in url else ""
    if path in ("", ":memory:"):
        # Reads and writes go through different connections, which an in-memory database does not share.
        raise ValueError(f"hallq keeps its data in a SQLite file, not in memory: {url}")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    connect_args = {"timeout": 30, "check_same_thread": False}
    engine = create_engine(url, connect_args=connect_args)
    # The writes' one connection (see the module's docstring); the write lock below hands it from thread to thread.
    writer = create_engine(url, connect_args=connect_args, poolclass=StaticPool,
                           execution_options={"hallq_begin": "BEGIN IMMEDIATE"})

    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # let us emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")  # a reported commit survives a power cut
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    def _on_begin(conn):
        conn.exec_driver_sql(conn.get_execution_options().get("hallq_begin", "BEGIN"))

    for each in (engine, writer):
        event.listen(each, "connect", _on_connect)
        event.listen(each, "begin", _on_begin)

    write = sessionmaker(writer, expire_on_commit=False)
    lock = _queue_writers(write)
    return Database(engine, write, sessionmaker(engine, expire_on_commit=False), lock)


def _queue_writers(factory: sessionmaker) -> threading.Lock:
    """Let a process's write transactions take turns on a lock of our own.

    SQLite's busy handler sleeps and retries, so a thread that commits and
    begins again at once can keep a waiting thread out for as long as it
    likes: one clerk's button would hang while another's works. Threads
    queued on a lock, taken before BEGIN IMMEDIATE, are woken in turn, and the
    lock hands the writes' one connection from thread to thread.
    """
    lock = threading.Lock()
    holding = threading.local()

    @event.listens_for(factory, "after_transaction_create")
    def _take(session, transaction):
        if transaction.parent is None:
            if getattr(holding, "lock", False):
                # Its connection would be the writes' one connection, in the middle of the outer
                # transaction: handing it back would roll that transaction back.
                raise RuntimeError("a write session was opened inside another write session of the same thread")
            lock.acquire()
            holding.lock = True
            session.info["hallq_write_lock"] = True

    @event.listens_for(factory, "after_transaction_end")
    def _give(session, transaction):
        # After the session handed its connection back (SessionTransaction.close), so the next writer gets it clean.
        if transaction.parent is None and session.info.pop("hallq_write_lock", False):
            holding.lock = False
            lock.release()

    return lock
