"""SQLite's writes: one connection per process, handed from thread to thread by the write lock."""
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, insert, select

from hallq.db import connect
from hallq.queue.models import Hall


def _connection_of(session) -> int:
    return id(session.connection().connection.driver_connection)


def _add_hall(db, code: str) -> int:
    with db.write() as s:
        s.execute(insert(Hall).values(code=code, name=code, timezone="Asia/Shanghai", secret="s", settings={}))
        used = _connection_of(s)
        s.commit()
    return used


def test_every_thread_writes_through_the_one_connection_and_reads_through_others(sqlite_db):
    with ThreadPoolExecutor(4) as pool:
        used = set(pool.map(lambda n: _add_hall(sqlite_db, f"H{n}"), range(12)))
    assert len(used) == 1
    with sqlite_db.read() as s:
        assert s.scalar(select(func.count()).select_from(Hall)) == 12
        assert _connection_of(s) not in used


def test_a_write_session_inside_another_is_refused_and_the_outer_one_still_commits(sqlite_db):
    with sqlite_db.write() as outer:
        outer.execute(insert(Hall).values(code="OUT", name="out", timezone="Asia/Shanghai", secret="s", settings={}))
        with sqlite_db.write() as inner, pytest.raises(RuntimeError, match="inside another write session"):
            inner.execute(select(1))
        outer.commit()
    with sqlite_db.read() as s:
        assert s.scalars(select(Hall.code)).all() == ["OUT"]
    assert _add_hall(sqlite_db, "NEXT")  # and the lock was left free


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_an_in_memory_database_is_refused(url):
    with pytest.raises(ValueError, match="SQLite file"):
        connect(url)


def test_dispose_waits_for_a_write_under_way_on_the_one_connection(sqlite_db):
    """Closed under a thread still writing on it, the connection crashed sqlite3 (and the process)."""
    import threading

    began, go_on = threading.Event(), threading.Event()

    def write():
        with sqlite_db.write() as s:
            s.execute(insert(Hall).values(code="LATE", name="late", timezone="Asia/Shanghai", secret="s", settings={}))
            began.set()
            go_on.wait(10)
            s.commit()

    writer = threading.Thread(target=write)
    writer.start()
    assert began.wait(10)
    disposer = threading.Thread(target=sqlite_db.dispose)
    disposer.start()
    disposer.join(0.3)
    assert disposer.is_alive()  # waiting its turn
    go_on.set()
    writer.join(10)
    disposer.join(10)
    assert not disposer.is_alive()
    with sqlite_db.read() as s:
        assert s.scalars(select(Hall.code)).all() == ["LATE"]
