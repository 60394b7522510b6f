"""过号 needs the hall's minimum: N calls (the call and its recalls) or M minutes since the call.

The test hall (tests/halls/small.toml) keeps the defaults, 3 calls or 3 minutes, with a recall limit of 2.
"""
import datetime as dt

import pytest

from hallq.i18n import message
from hallq.queue import calling
from hallq.queue.errors import Refused
from hallq.queue.models import TicketEvent
from tests.conftest import Hall


@pytest.fixture
def clerk(hall):
    return hall.clerk("S001", window=1)


def refused_skip(hall, clerk, at) -> Refused:
    with pytest.raises(Refused) as err:
        hall.run(calling.skip, clerk, 1, at)
    return err.value


def test_a_skip_a_moment_after_the_call_is_refused_with_its_reason(hall, clerk, clock):
    ticket = hall.issue("GA01")
    hall.run(calling.call_next, clerk, 1, clock())
    err = refused_skip(hall, clerk, clock() + dt.timedelta(seconds=0.8))
    assert err.code == "skip_too_soon" and err.status == 409
    assert message(err.code, "zh", **err.params) == (
        "A001才呼叫了1次。本厅规定呼叫满3次或叫号满3分钟仍未到才能过号，请先重呼，或179秒后再过号。")
    assert "called only 1 time(s)" in message(err.code, "en", **err.params)
    with hall.uow() as uow:
        assert uow.session.get(type(ticket), ticket.id).status == "called"  # nothing changed


def test_three_calls_allow_the_skip_at_once(hall, clerk, clock):
    ticket = hall.issue("GA01")
    hall.run(calling.call_next, clerk, 1, clock())
    hall.run(calling.recall, clerk, 1, clock() + dt.timedelta(seconds=20))
    assert refused_skip(hall, clerk, clock() + dt.timedelta(seconds=30)).params["calls"] == 2
    hall.run(calling.recall, clerk, 1, clock() + dt.timedelta(seconds=40))
    skipped = hall.run(calling.skip, clerk, 1, clock() + dt.timedelta(seconds=41))
    assert skipped.status == "missed"
    with hall.uow() as uow:
        event = uow.session.query(TicketEvent).filter_by(ticket_id=ticket.id, kind="skipped").one()
        assert event.data == {"calls": 3, "after_s": 41.0}


def test_the_minutes_since_the_call_allow_the_skip_without_recalls(hall, clerk, clock):
    hall.issue("GA01")
    hall.run(calling.call_next, clerk, 1, clock())
    assert refused_skip(hall, clerk, clock() + dt.timedelta(minutes=3) - dt.timedelta(seconds=1)).params["wait_s"] == 1
    assert hall.run(calling.skip, clerk, 1, clock() + dt.timedelta(minutes=3)).status == "missed"


def test_the_minimum_counts_from_the_latest_call_not_an_earlier_visit(hall, clerk, clock):
    # Held, then called back half an hour later: the citizen is called afresh, the minimum starts again.
    hall.issue("GA01")
    hall.run(calling.call_next, clerk, 1, clock())
    hall.run(calling.hold, clerk, 1, clock() + dt.timedelta(minutes=1))
    later = clock() + dt.timedelta(minutes=30)
    hall.run(calling.call_back, clerk, 1, later)
    assert refused_skip(hall, clerk, later + dt.timedelta(seconds=5)).params["calls"] == 1


def test_a_hall_may_set_its_own_minimum(db, clock):
    quick = Hall(db, clock, skip_after_calls=0, skip_after_minutes=0)
    clerk = quick.clerk("S001", window=1)
    quick.issue("GA01")
    quick.run(calling.call_next, clerk, 1, clock())
    assert quick.run(calling.skip, clerk, 1, clock()).status == "missed"


def test_the_recall_limit_counts_presses(hall, clerk, clock):
    hall.issue("GA01")
    hall.run(calling.call_next, clerk, 1, clock())
    for n in range(2):  # the test hall's recall_limit
        hall.run(calling.recall, clerk, 1, clock() + dt.timedelta(seconds=n))  # quick presses: each counts
    with pytest.raises(Refused) as err:
        hall.run(calling.recall, clerk, 1, clock() + dt.timedelta(seconds=3))
    assert err.value.code == "recall_limit" and err.value.params["count"] == 2
