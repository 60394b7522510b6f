"""Never twice: concurrent windows, concurrent kiosks, on SQLite and PostgreSQL."""
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from hallq.queue import calling, issuing
from hallq.queue.models import Ticket, TicketEvent, Window


def test_two_windows_calling_at_once_never_get_the_same_ticket(hall, clock):
    tickets = {hall.issue("GA02").id for _ in range(60)}
    clerks = {1: hall.clerk("S001", window=1), 2: hall.clerk("S003", window=2)}
    start = threading.Barrier(2)
    got: dict[int, list[int]] = {1: [], 2: []}

    def work(window):
        start.wait()
        while (t := hall.run(calling.call_next, clerks[window], window, clock())) is not None:
            got[window].append(t.id)
            hall.run(calling.finish, clerks[window], window, clock(), outcome="immediate")

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(work, (1, 2)))
    called = got[1] + got[2]
    assert len(called) == len(set(called)) == 60 and set(called) == tickets
    assert got[1] and got[2]  # both windows really took part
    with hall.db.read() as s:
        assert s.scalar(select(TicketEvent.id).where(TicketEvent.kind == "called").limit(1))
        counts = s.execute(select(TicketEvent.ticket_id).where(TicketEvent.kind == "called")).scalars().all()
        assert len(counts) == 60  # one call event per ticket


def test_two_windows_over_http_at_the_same_instant(hall, clock, server):
    for _ in range(40):
        hall.issue("GA02")
    hall.user("S001"), hall.user("S003")
    apis = {}
    for window, user in ((1, "S001"), (2, "S003")):
        api = server.api(hall.login(user))
        assert api.post(f"/windows/{window}/sign-in", {"post": "A"}).status_code == 200
        apis[window] = api
    start = threading.Barrier(2)

    def work(window):
        numbers = []
        start.wait()
        while True:
            r = apis[window].post(f"/windows/{window}/call-next")
            if r.status_code == 204:
                return numbers
            assert r.status_code == 200, r.text
            numbers.append(r.json()["number"])
            assert apis[window].post(f"/windows/{window}/finish", {"outcome": "immediate"}).status_code == 200

    with ThreadPoolExecutor(2) as pool:
        a, b = pool.map(work, (1, 2))
    assert not set(a) & set(b) and len(a) + len(b) == 40


def test_concurrent_kiosks_never_duplicate_a_number(hall, clock):
    def take(_):
        return [hall.issue("GA02", who=hall.device("kiosk", "k")).seq for _ in range(25)]

    with ThreadPoolExecutor(8) as pool:
        seqs = [n for batch in pool.map(take, range(8)) for n in batch]
    assert sorted(seqs) == list(range(1, 201))


def test_the_database_refuses_two_tickets_in_service_at_one_window(hall, clock):
    a, b = hall.issue("GA02"), hall.issue("GA02")
    with hall.db.write() as s:
        window = s.scalar(select(Window).where(Window.number == 1))
        s.execute(update(Ticket).where(Ticket.id == a.id).values(status="called", window_id=window.id))
        with pytest.raises(IntegrityError):
            s.execute(update(Ticket).where(Ticket.id == b.id).values(status="called", window_id=window.id))
        s.rollback()


def test_the_database_refuses_a_duplicate_number(hall, clock):
    t = hall.issue("GA02")
    with hall.db.write() as s:
        copy = Ticket(**{c.key: getattr(t, c.key) for c in Ticket.__table__.columns if c.key not in ("id", "token")},
                      token="another")
        s.add(copy)
        with pytest.raises(IntegrityError):
            s.flush()
        s.rollback()


def test_quota_holds_under_concurrent_kiosks(hall, clock):
    def take(_):
        try:
            return hall.issue("GA01", who=hall.device("kiosk", "k")).number
        except issuing.Refused:
            return None

    with ThreadPoolExecutor(8) as pool:
        numbers = [n for n in pool.map(take, range(16)) if n]
    assert len(numbers) == 5  # GA01's daily quota
