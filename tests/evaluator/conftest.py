"""Helpers of the rating tests: a ticket served and finished at a window, a pad, a supervisor."""
from __future__ import annotations

import pytest

from hallq.evaluator import rating
from hallq.queue import calling
from hallq.queue.settings import RatingSettings
from tests.conftest import Hall


@pytest.fixture
def hall(db, clock):
    # Department GA's chief representative is S003 (window 2's A post).
    return Hall(db, clock, ratings=RatingSettings(chiefs={"GA": "S003", "SJ": "S004"}))


def serve(hall: Hall, clerk, window: int, service: str = "GA02"):  # GA01 has a daily quota
    """Issue a ticket, call it at the window and finish it: the pad now asks for its rating."""
    ticket = hall.issue(service)
    called = hall.run(calling.call_next, clerk, window, hall.clock())
    assert called.id == ticket.id
    return hall.run(calling.finish, clerk, window, hall.clock(), outcome="immediate")


def pad_rate(hall: Hall, ticket, level: int, window: int = 1, name: str = "pad1", **kwargs):
    who = kwargs.pop("who", None) or hall.device("evaluator", name, window=window)
    return hall.run(rating.rate, who, ticket.id, level, hall.clock(), channel=kwargs.pop("channel", "pad"), **kwargs)
