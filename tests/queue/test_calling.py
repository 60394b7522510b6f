"""Window actions and the call order, on SQLite and PostgreSQL."""
import datetime as dt

import pytest
from sqlalchemy import select

from hallq.queue import calling, sessions
from hallq.queue.errors import Invalid, NotFound, Refused
from hallq.queue.models import Ticket, TicketEvent, WindowPause, WindowSession
from tests.conftest import local


@pytest.fixture
def clerk(hall):
    return hall.clerk("S001", window=1)


def call_next(hall, who, window):
    return hall.run(calling.call_next, who, window, hall.clock())


def drain(hall, who, window):
    """Call and finish everything a window can get; the numbers in call order."""
    order = []
    while (t := call_next(hall, who, window)) is not None:
        order.append(t.number)
        hall.run(calling.finish, who, window, hall.clock(), outcome="immediate")
    return order


def events(hall, ticket):
    with hall.db.read() as s:
        return s.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)).all()


def status(hall, ticket):
    with hall.db.read() as s:
        return s.get(Ticket, ticket.id).status


def test_call_order_is_fifo_within_a_tier(hall, clerk, clock):
    for service in ("GA01", "GA02", "GA01"):
        hall.issue(service)
        clock.advance(seconds=10)
    assert drain(hall, clerk, 1) == ["A001", "A002", "A003"]


def test_a_window_prefers_its_first_tier(hall, clock):
    hall.issue("GA01")  # older, but window 3 prefers SJ01
    clock.advance(seconds=10)
    hall.issue("SJ01")
    hall.issue("SJ01")
    w3 = hall.clerk("S004", window=3)
    assert drain(hall, w3, 3) == ["B001", "B002", "A001"]


def test_priority_classes_then_the_anti_starvation_rule(hall, clerk, clock):
    # priority_streak = 2 in the test hall: after two priority calls in a row a
    # waiting normal ticket goes next.
    hall.issue("GA02")  # A001 normal
    clock.advance(seconds=1)
    hall.issue("GA02")  # A002 normal
    guide = hall.user("guide", "clerk")
    for _ in range(3):
        clock.advance(seconds=1)
        hall.issue("GA02", priority="green", reason="disabled", who=guide)  # A003..A005
    assert drain(hall, clerk, 1) == ["A003", "A004", "A001", "A005", "A002"]


def test_appointments_come_after_green_before_normal(hall, clerk, clock):
    from hallq.queue import issuing
    hall.issue("GA02")  # A001
    hall.run(issuing.add_appointment, hall.device("integration", "p"), code="Y1", service="GA02",
             slot_start=local(2026, 11, 23, 9), slot_end=local(2026, 11, 23, 11), id_number=None, now=clock())
    hall.issue("GA02", appointment_code="Y1")  # A002
    hall.issue("GA02", priority="green", reason="pregnant", who=hall.user("guide", "clerk"))  # A003
    first = call_next(hall, clerk, 1)
    assert first.number == "A003"
    hall.run(calling.finish, clerk, 1, clock(), outcome="immediate")
    assert call_next(hall, clerk, 1).number == "A002"


def test_nobody_waiting(hall, clerk):
    assert call_next(hall, clerk, 1) is None


def test_events_record_who_and_when_and_derive_times(hall, clerk, clock):
    t = hall.issue("GA01")
    clock.advance(minutes=7)
    call_next(hall, clerk, 1)
    clock.advance(minutes=4)
    hall.run(calling.finish, clerk, 1, clock(), outcome="immediate")
    kinds = [(e.kind, e.actor) for e in events(hall, t)]
    assert kinds == [("issued", "kiosk:k1"), ("called", "user:S001"), ("finished", "user:S001")]
    called, finished = events(hall, t)[1:]
    assert called.data["wait_s"] == 420 and finished.data["service_s"] == 240
    assert finished.at - called.at == dt.timedelta(minutes=4)


def test_recall_is_counted_and_limited(hall, clerk, clock):
    hall.issue("GA01")
    call_next(hall, clerk, 1)
    hall.run(calling.recall, clerk, 1, clock())
    hall.run(calling.recall, clerk, 1, clock())
    with pytest.raises(Refused) as err:
        hall.run(calling.recall, clerk, 1, clock())
    assert err.value.code == "recall_limit"


def test_skip_then_requeue_once_goes_in_after_the_next_few(hall, clerk, clock):
    missed = hall.issue("GA02")
    for _ in range(4):
        clock.advance(seconds=5)
        hall.issue("GA02")  # A002..A005
    assert call_next(hall, clerk, 1).id == missed.id
    clock.advance(minutes=3)  # the hall's minimum before a skip (skip_after_minutes)
    hall.run(calling.skip, clerk, 1, clock())
    assert status(hall, missed) == "missed"
    hall.run(calling.requeue, hall.device(), missed.id, clock())
    # requeue_after = 2: after A002 and A003, before A004.
    assert drain(hall, clerk, 1) == ["A002", "A003", "A001", "A004", "A005"]


def test_requeue_only_missed_and_only_once(hall, clerk, clock):
    t = hall.issue("GA02")
    with pytest.raises(Refused) as err:
        hall.run(calling.requeue, hall.device(), t.id, clock())
    assert err.value.code == "ticket_not_missed"
    call_next(hall, clerk, 1)
    clock.advance(minutes=3)  # the hall's minimum before a skip (skip_after_minutes)
    hall.run(calling.skip, clerk, 1, clock())
    hall.run(calling.requeue, hall.device(), t.id, clock())
    call_next(hall, clerk, 1)
    clock.advance(minutes=3)  # the hall's minimum before a skip (skip_after_minutes)
    hall.run(calling.skip, clerk, 1, clock())
    with pytest.raises(Refused) as err:
        hall.run(calling.requeue, hall.device(), t.id, clock())
    assert err.value.code == "ticket_requeued_before"


def test_a_missed_ticket_can_be_called_by_number_at_its_window(hall, clerk, clock):
    t = hall.issue("GA02")
    call_next(hall, clerk, 1)
    clock.advance(minutes=3)  # the hall's minimum before a skip (skip_after_minutes)
    hall.run(calling.skip, clerk, 1, clock())
    again = hall.run(calling.call, clerk, 1, clock(), "a001")
    assert again.id == t.id and again.status == "called"


def test_hold_and_call_back(hall, clerk, clock):
    held = hall.issue("GA02")
    other = hall.issue("GA02")
    call_next(hall, clerk, 1)
    hall.run(calling.hold, clerk, 1, clock())
    assert status(hall, held) == "held"
    assert call_next(hall, clerk, 1).id == other.id  # the window goes on while one is parked
    hall.run(calling.finish, clerk, 1, clock(), outcome="immediate")
    w2 = hall.clerk("S003", window=2)
    with pytest.raises(Refused) as err:
        hall.run(calling.call, w2, 2, clock(), held.number)
    assert err.value.code == "ticket_held_elsewhere"
    back = hall.run(calling.call, clerk, 1, clock(), held.id)
    assert back.status == "called"


def test_call_a_specific_number_checks_the_window_serves_it(hall, clerk, clock):
    b = hall.issue("MZ01")
    with pytest.raises(Refused) as err:
        hall.run(calling.call, clerk, 1, clock(), b.number)
    assert err.value.code == "ticket_not_for_window"
    with pytest.raises(NotFound):
        hall.run(calling.call, clerk, 1, clock(), "Z999")
    hall.issue("GA01")
    wanted = hall.issue("GA01")
    assert hall.run(calling.call, clerk, 1, clock(), wanted.number).id == wanted.id


def test_transfer_to_an_item_keeps_its_place_in_time(hall, clerk, clock):
    moved = hall.issue("GA02")
    clock.advance(minutes=1)
    hall.issue("SJ01")  # B001, issued after the moved ticket
    call_next(hall, clerk, 1)
    hall.run(calling.transfer, clerk, 1, clock(), service="SJ01")
    w3 = hall.clerk("S004", window=3)
    assert call_next(hall, w3, 3).id == moved.id  # ahead of B001: its place in time kept
    assert [e.kind for e in events(hall, moved)] == ["issued", "called", "transferred", "called"]


def test_transfer_with_return_comes_back_to_the_sending_window(hall, clerk, clock):
    t = hall.issue("GA02")
    hall.issue("GA02")  # someone else waits at window 1 meanwhile
    w3 = hall.clerk("S004", window=3)
    call_next(hall, clerk, 1)
    hall.run(calling.transfer, clerk, 1, clock(), to_window=3, come_back=True)
    got = call_next(hall, w3, 3)
    assert got.id == t.id  # sent to window 3 by name, though window 3 does not serve GA02
    hall.run(calling.finish, w3, 3, clock(), outcome="immediate")
    assert status(hall, t) == "waiting"
    assert call_next(hall, clerk, 1).id == t.id  # back before the other waiting ticket
    hall.run(calling.finish, clerk, 1, clock(), outcome="immediate")
    assert status(hall, t) == "finished"
    finished = [e for e in events(hall, t) if e.kind == "finished"]
    assert finished[0].data["returning_to"] == 1 and "returning_to" not in finished[1].data


def test_transfer_refusals(hall, clerk, clock):
    hall.issue("GA02")
    call_next(hall, clerk, 1)
    with pytest.raises(Invalid):
        hall.run(calling.transfer, clerk, 1, clock())
    with pytest.raises(Refused) as err:
        hall.run(calling.transfer, clerk, 1, clock(), to_window=4)  # nobody signed in there
    assert err.value.code == "transfer_window_unavailable"
    with pytest.raises(Refused):
        hall.run(calling.transfer, clerk, 1, clock(), to_window=1)


def finish_with(hall, clerk, **kw):
    hall.issue("GA01")
    call_next(hall, clerk, 1)
    return hall.run(calling.finish, clerk, 1, hall.clock(), **kw)


def test_promised_case_gets_a_due_date_in_working_days(hall, clerk, clock):
    clock.set(local(2026, 12, 23, 10))  # Wednesday; 24 Dec is the hall's holiday, 26 Dec a make-up workday
    t = finish_with(hall, clerk, outcome="promised", promised_days=3)
    # 25 (Fri), 26 (Sat, make-up workday), 28 (Mon).
    assert (t.outcome, t.due_date) == ("promised", dt.date(2026, 12, 28))


def test_promised_days_default_to_the_guide_and_cannot_exceed_the_legal_limit(hall, clerk, clock):
    t = finish_with(hall, clerk, outcome="promised")  # GA01's guide promises 20 working days
    assert t.due_date == dt.date(2026, 12, 21)  # from Monday 23 Nov 2026
    with pytest.raises(Invalid) as err:
        finish_with(hall, clerk, outcome="promised", promised_days=61)
    assert err.value.code == "promised_days_too_long"


@pytest.mark.parametrize("kw, code", [
    ({"outcome": "supplement"}, "missing_materials_required"),
    ({"outcome": "supplement", "missing_materials": ["  "]}, "missing_materials_required"),
    ({"outcome": "rejected"}, "reason_required"),
    ({"outcome": "approved"}, "outcome_unknown"),
])
def test_outcomes_need_their_details(hall, clerk, kw, code):
    with pytest.raises(Invalid) as err:
        finish_with(hall, clerk, **kw)
    assert err.value.code == code


def test_each_outcome_is_recorded(hall, clerk):
    cases = [
        {"outcome": "immediate"},
        {"outcome": "joint", "departments": ["县市场监督管理局"]},
        {"outcome": "supplement", "missing_materials": ["居民户口簿", "近期免冠照片"]},
        {"outcome": "forwarded", "note": "报市局审批"},
        {"outcome": "rejected", "note": "不属于受理范围"},
    ]
    for kw in cases:
        t = finish_with(hall, clerk, **kw)
        data = [e for e in events(hall, t) if e.kind == "finished"][0].data
        assert t.outcome == kw["outcome"] and data["outcome"] == kw["outcome"]
        for key in ("departments", "missing_materials", "note"):
            if key in kw:
                assert data[key] == kw[key]


def test_illegal_moves_are_refused(hall, clerk, clock):
    with pytest.raises(Refused) as err:
        hall.run(calling.finish, clerk, 1, clock(), outcome="immediate")
    assert err.value.code == "window_idle"
    hall.issue("GA01")
    stranger = hall.clerk("S003")  # not signed in anywhere
    with pytest.raises(Refused) as err:
        call_next(hall, stranger, 1)
    assert err.value.code == "not_your_window"
    call_next(hall, clerk, 1)
    with pytest.raises(Refused) as err:
        call_next(hall, clerk, 1)
    assert err.value.code == "window_busy"


def test_pause_and_resume(hall, clerk, clock, db):
    hall.issue("GA01")
    hall.run(sessions.pause, clerk, 1, "午休", clock())
    with pytest.raises(Refused) as err:
        call_next(hall, clerk, 1)
    assert err.value.code == "window_paused"
    with pytest.raises(Refused):
        hall.run(sessions.pause, clerk, 1, "会议", clock())
    with pytest.raises(Invalid):
        hall.run(sessions.pause, clerk, 1, " ", clock())  # a pause needs a reason
    clock.advance(minutes=90)
    hall.run(sessions.resume, clerk, 1, clock())
    assert call_next(hall, clerk, 1) is not None
    with pytest.raises(Refused):
        hall.run(sessions.resume, clerk, 1, clock())
    with db.read() as s:
        pause = s.scalar(select(WindowPause))
        assert pause.reason == "午休" and pause.ended_at - pause.started_at == dt.timedelta(minutes=90)


def test_sign_in_rules(hall, clock, db):
    a = hall.clerk("S001", window=1)
    b = hall.clerk("S002")
    with pytest.raises(Refused) as err:
        hall.run(sessions.sign_in, b, 1, "B", clock())
    assert err.value.code == "window_taken"
    with pytest.raises(Refused) as err:
        hall.run(sessions.sign_in, b, 2, "A", clock())  # window 2's A post is S003
    assert err.value.code == "wrong_post"
    with pytest.raises(Refused) as err:
        hall.run(sessions.sign_in, a, 3, "B", clock())
    assert err.value.code == "already_signed_in"
    hall.run(sessions.sign_out, a, 1, clock())
    hall.run(sessions.sign_in, b, 1, "B", clock())  # the B post stands in
    with db.read() as s:
        rows = s.scalars(select(WindowSession).order_by(WindowSession.id)).all()
        assert [(r.post, r.end_reason) for r in rows] == [("A", "signed_out"), ("B", None)]


def test_sign_out_needs_the_current_ticket_finished(hall, clerk, clock):
    hall.issue("GA01")
    call_next(hall, clerk, 1)
    with pytest.raises(Refused) as err:
        hall.run(sessions.sign_out, clerk, 1, clock())
    assert err.value.code == "window_busy"


def test_caller_keypad_acts_only_at_its_window(hall, clerk, clock):
    from hallq.queue.errors import Forbidden
    hall.issue("GA01")
    pad = hall.device("caller", "pad1", window=1)
    assert call_next(hall, pad, 1) is not None
    with pytest.raises(Forbidden):
        call_next(hall, pad, 2)
    display = hall.device("display", "tv")
    with pytest.raises(Forbidden):
        call_next(hall, display, 1)
