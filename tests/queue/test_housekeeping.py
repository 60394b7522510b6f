"""End of the day: waiting tickets expire, windows left open sign out, nothing is deleted."""
from sqlalchemy import func, select

from hallq.queue import calling, housekeeping, sessions
from hallq.queue.models import Ticket, TicketEvent, WindowSession
from tests.conftest import local


def sweep(hall):
    return hall.run(housekeeping.close_day, hall.id, hall.clock())


def statuses(hall):
    with hall.db.read() as s:
        return dict(s.execute(select(Ticket.number, Ticket.status)).all())


def test_nothing_expires_while_open_or_over_lunch(hall, clock):
    hall.issue("GA02")
    assert sweep(hall) == 0
    clock.set(local(2026, 11, 23, 12, 30))
    assert sweep(hall) == 0
    assert statuses(hall) == {"A001": "waiting"}


def test_at_closing_waiting_held_and_missed_expire_and_windows_sign_out(hall, clock):
    clerk = hall.clerk("S001", window=1)
    for _ in range(4):
        hall.issue("GA02")
    hall.run(calling.call_next, clerk, 1, clock())
    hall.run(calling.hold, clerk, 1, clock())      # A001 held
    hall.run(calling.call_next, clerk, 1, clock())
    clock.advance(minutes=3)  # the hall's minimum before a skip (skip_after_minutes)
    hall.run(calling.skip, clerk, 1, clock())      # A002 missed
    hall.run(calling.call_next, clerk, 1, clock())  # A003 in service at closing
    w2 = hall.clerk("S003", window=2)
    clock.set(local(2026, 11, 23, 18, 0, 30))
    assert sweep(hall) == 3
    assert statuses(hall) == {"A001": "expired", "A002": "expired", "A003": "called", "A004": "expired"}
    with hall.db.read() as s:
        rows = {r.window_id: r for r in s.scalars(select(WindowSession))}
        assert sum(r.end_reason == "hall_closed" for r in rows.values()) == 1  # window 2, idle
        assert sum(r.ended_at is None for r in rows.values()) == 1  # window 1 still serving A003
        assert s.scalar(select(func.count()).select_from(TicketEvent).where(TicketEvent.kind == "expired")) == 3
    # The clerk finishes; the next sweep signs window 1 out too.
    clock.advance(minutes=5)
    hall.run(calling.finish, clerk, 1, clock(), outcome="immediate")
    sweep(hall)
    with hall.db.read() as s:
        assert all(r.end_reason == "hall_closed" for r in s.scalars(select(WindowSession)))
    assert sweep(hall) == 0  # running again changes nothing
    assert w2 is not None


def test_a_server_down_at_closing_catches_up_the_next_day(hall, clock):
    hall.clerk("S001", window=1)
    hall.issue("GA02")
    clock.set(local(2026, 11, 24, 9, 10))  # next morning, the sweep never ran
    assert sweep(hall) == 1
    with hall.db.read() as s:
        session = s.scalar(select(WindowSession))
        # Signed out as of the closing time of the day it was open, not this morning.
        assert session.ended_at == local(2026, 11, 23, 18, 0) and session.end_reason == "hall_closed"


def test_expired_tickets_are_kept_with_their_history(hall, clock):
    t = hall.issue("GA02")
    clock.set(local(2026, 11, 23, 19))
    sweep(hall)
    with hall.db.read() as s:
        assert s.get(Ticket, t.id).status == "expired"
        kinds = s.scalars(select(TicketEvent.kind).where(TicketEvent.ticket_id == t.id).order_by(TicketEvent.id)).all()
        assert kinds == ["issued", "expired"]


def test_a_clerk_signing_in_on_a_new_day_before_the_sweep_gets_a_session_of_today(hall, clock):
    """The server was down at closing and the sweep has not run yet: the sign-in itself ends
    yesterday's session at yesterday's closing and opens today's, which the sweep then leaves alone."""
    clerk = hall.clerk("S001", window=1)
    clock.set(local(2026, 11, 24, 8, 55))
    hall.run(sessions.sign_in, clerk, 1, "A", clock())
    sweep(hall)
    with hall.db.read() as s:
        rows = s.scalars(select(WindowSession).order_by(WindowSession.id)).all()
        assert [(r.started_at, r.ended_at, r.end_reason) for r in rows] == [
            (local(2026, 11, 23, 10, 0), local(2026, 11, 23, 18, 0), "hall_closed"),
            (local(2026, 11, 24, 8, 55), None, None)]


def test_a_server_starting_on_a_new_day_catches_up_before_it_answers(hall, clock):
    """create_app(housekeeping=True) returns only after the catch-up sweep: yesterday's open
    session is closed at yesterday's closing before any request can be served."""
    from hallq.server.app import create_app, stop_background

    hall.clerk("S001", window=1)
    clock.set(local(2026, 11, 24, 8, 50))
    app = create_app(hall.db, clock=clock, housekeeping=True)
    stop_background(app)  # no sweeps after the test, on a database dropped by then
    with hall.db.read() as s:
        session = s.scalar(select(WindowSession))
        assert (session.ended_at, session.end_reason) == (local(2026, 11, 23, 18, 0), "hall_closed")
