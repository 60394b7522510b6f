"""Rating rules of the engine (好差评), on SQLite and PostgreSQL."""
import datetime as dt
import threading

import pytest
from sqlalchemy import select

from hallq.queue.agent_scope import AgentScope
from hallq.evaluator import rating
from hallq.evaluator.models import Rating
from hallq.queue import calling
from hallq.queue.errors import Forbidden, Invalid, NotFound, QueueError, Refused
from hallq.queue.models import Staff
from tests.evaluator.conftest import pad_rate, serve

WINDOW_1 = AgentScope(windows=frozenset({1}))  # an agent hosting window 1's evaluator keypad


@pytest.fixture
def clerk(hall):
    return hall.clerk("S001", window=1)


def stored(hall):
    with hall.db.read() as s:
        return s.scalars(select(Rating).order_by(Rating.id)).all()


def test_the_pad_rates_the_ticket_its_window_just_finished(hall, clerk, clock):
    ticket = serve(hall, clerk, 1)
    clock.advance(seconds=5)
    hall.published.clear()
    r = pad_rate(hall, ticket, 4)
    assert (r.level, r.channel, r.actor, r.counted, r.flagged) == (4, "pad", "evaluator:pad1", True, False)
    assert r.requested_at == clock() - dt.timedelta(seconds=5)
    with hall.db.read() as s:
        assert s.get(Staff, r.staff_id).number == "S001"  # who served, for the staff's assessment
    [event] = [e for e in hall.published if e.name == "rating.received"]
    assert event.payload["number"] == ticket.number and event.payload["window"] == 1
    assert event.payload["service"] == "GA02" and event.payload["level"] == 4
    assert event.payload["at"].endswith("Z")
    assert not any(e.name == "followup.opened" for e in hall.published)  # not a bad review


def test_one_rating_per_ticket(hall, clerk, clock):
    ticket = serve(hall, clerk, 1)
    clock.advance(seconds=3)
    pad_rate(hall, ticket, 5)
    with pytest.raises(Refused) as err:
        pad_rate(hall, ticket, 1, reasons=["attitude"])
    assert err.value.code == "already_rated"
    assert [r.level for r in stored(hall)] == [5]


def test_two_answers_racing_for_one_ticket_first_wins(hall, clerk, clock):
    ticket = serve(hall, clerk, 1)
    clock.advance(seconds=3)
    answers = [("pad", hall.device("evaluator", "pad1", window=1), 5, {}),
               ("keypad", hall.device("agent", "agent1", scope=WINDOW_1), 4, {"window": 1}),
               ("pad", hall.device("evaluator", "pad2", window=1), 3, {}),
               ("keypad", hall.device("agent", "agent2", scope=WINDOW_1), 2, {"window": 1, "reasons": ["slow"]})]
    start = threading.Barrier(len(answers))
    won, lost = [], []

    def answer(channel, who, level, extra):
        start.wait()
        try:
            won.append(hall.run(rating.rate, who, ticket.id, level, clock(), channel=channel, **extra).level)
        except QueueError as exc:
            lost.append(exc.code)

    threads = [threading.Thread(target=answer, args=a) for a in answers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(won) == 1 and lost == ["already_rated"] * 3
    assert [r.level for r in stored(hall)] == won


def test_a_rating_is_accepted_only_within_the_request_time(hall, clerk, clock):
    first = serve(hall, clerk, 1)
    clock.advance(seconds=60)  # the default limit, inclusive
    pad_rate(hall, first, 4)
    late = serve(hall, clerk, 1)
    clock.advance(seconds=61)
    with pytest.raises(Refused) as err:
        pad_rate(hall, late, 4)
    assert err.value.code == "rating_expired"


def test_only_the_latest_request_of_the_window_can_be_rated(hall, clerk, clock):
    earlier = serve(hall, clerk, 1)
    clock.advance(seconds=2)
    serve(hall, clerk, 1)
    with pytest.raises(Refused) as err:
        pad_rate(hall, earlier, 5)
    assert err.value.code == "rating_not_requested"
    # A ticket still being served has not asked for a rating either.
    hall.issue("GA02")
    serving = hall.run(calling.call_next, clerk, 1, clock())
    with pytest.raises(Refused):
        pad_rate(hall, serving, 5)


def test_an_evaluator_of_another_window_cannot_rate(hall, clerk, clock):
    ticket = serve(hall, clerk, 1)
    hall.clerk("S003", window=2)
    with pytest.raises(Forbidden) as err:
        pad_rate(hall, ticket, 5, window=2, name="pad2")
    assert err.value.code == "rating_other_window"
    # Nor by naming the other window in the body.
    with pytest.raises(Forbidden):
        hall.run(rating.rate, hall.device("evaluator", "pad2", window=2), ticket.id, 5, clock(),
                 channel="pad", window=1)
    assert stored(hall) == []


@pytest.mark.parametrize("role", ["clerk", "supervisor", "admin"])
def test_staff_cannot_rate_their_own_service(hall, clerk, clock, role):
    ticket = serve(hall, clerk, 1)
    who = clerk if role == "clerk" else hall.user(f"boss-{role}", role)
    for channel in ("pad", "keypad"):
        with pytest.raises(Forbidden) as err:
            hall.run(rating.rate, who, ticket.id, 5, clock(), channel=channel, window=1)
        assert err.value.code == "rating_by_staff"
    # The clerk's caller keypad is the clerk's hand too.
    with pytest.raises(Forbidden):
        hall.run(rating.rate, hall.device("caller", "c1", window=1), ticket.id, 5, clock(), channel="pad")
    assert stored(hall) == []


def test_the_channel_must_match_the_device(hall, clerk, clock):
    ticket = serve(hall, clerk, 1)
    with pytest.raises(Forbidden) as err:
        pad_rate(hall, ticket, 5, channel="keypad")  # an evaluator token is a pad
    assert err.value.code == "rating_wrong_channel"
    with pytest.raises(Forbidden):
        hall.run(rating.rate, hall.device("kiosk"), ticket.id, 5, clock(), channel="pad")
    with pytest.raises(Invalid) as err:
        hall.run(rating.rate, hall.device("agent", "a1"), ticket.id, 5, clock(), channel="keypad")
    assert err.value.code == "rating_window_required"
    with pytest.raises(Invalid) as err:
        pad_rate(hall, ticket, 5, channel="qr")
    assert err.value.code == "rating_qr_by_token"
    clock.advance(seconds=2)
    # An agent rates only for the evaluator keypads its token may host.
    for scope in (None, AgentScope(windows=frozenset({2}))):
        with pytest.raises(Forbidden) as err:
            hall.run(rating.rate, hall.device("agent", "a1", scope=scope), ticket.id, 3, clock(), channel="keypad", window=1)
        assert err.value.code == "rating_other_window"
    assert stored(hall) == []
    r = hall.run(rating.rate, hall.device("agent", "a1", scope=WINDOW_1), ticket.id, 3, clock(), channel="keypad", window=1)
    assert (r.channel, r.actor) == ("keypad", "agent:a1")


def test_bad_reviews_need_valid_reasons(hall, clerk, clock):
    ticket = serve(hall, clerk, 1)
    for level, reasons, comment, code in [
        (2, [], None, "rating_reasons_required"),
        (1, ["rude"], None, "rating_reason_unknown"),
        (1, ["other"], "  ", "rating_other_needs_text"),
        (6, [], None, "rating_level_invalid"),
        (0, [], None, "rating_level_invalid"),
    ]:
        with pytest.raises(Invalid) as err:
            pad_rate(hall, ticket, level, reasons=reasons, comment=comment)
        assert err.value.code == code
    clock.advance(seconds=4)
    r = pad_rate(hall, ticket, 1, reasons=["other", "slow", "other"],
                 comment="窗口让我跑了三趟，电话13812345678，身份证110101199003070011")
    assert r.reasons == ["other", "slow"]
    assert "13812345678" not in r.comment and "138****5678" in r.comment
    assert "110101199003070011" not in r.comment and "110***********0011" in r.comment


def test_the_qr_code_rates_an_unrated_ticket_within_its_days(hall, clerk, clock):
    ticket = serve(hall, clerk, 1)
    clock.advance(minutes=10)  # too late for the pad
    with pytest.raises(Refused):
        pad_rate(hall, ticket, 5)
    r = hall.run(rating.rate_by_qr, ticket.token, 2, clock(), reasons=["not_informed"])
    assert (r.channel, r.level, r.flagged) == ("qr", 2, False)
    with pytest.raises(Refused) as err:
        hall.run(rating.rate_by_qr, ticket.token, 5, clock())
    assert err.value.code == "already_rated"

    old = serve(hall, clerk, 1)
    clock.advance(days=7)  # exactly the default limit
    serve_later = hall.run(rating.rate_by_qr, old.token, 4, clock())
    assert serve_later.level == 4
    expired = serve(hall, clerk, 1)
    clock.advance(days=7, seconds=1)
    with pytest.raises(Refused) as err:
        hall.run(rating.rate_by_qr, expired.token, 4, clock())
    assert (err.value.code, err.value.params["days"]) == ("rating_qr_expired", 7)


def test_the_qr_code_of_an_unfinished_or_unknown_ticket(hall, clerk, clock):
    waiting = hall.issue("GA02")
    with pytest.raises(Refused) as err:
        hall.run(rating.rate_by_qr, waiting.token, 5, clock())
    assert err.value.code == "rating_not_requested"
    with pytest.raises(NotFound):
        hall.run(rating.rate_by_qr, "no-such-token", 5, clock())


def test_a_token_rating_too_often_is_refused(hall, clerk, clock):
    # per_token_per_minute = 6 by default; level 4 keeps the burst flag out of it.
    for _ in range(6):
        ticket = serve(hall, clerk, 1)
        clock.advance(seconds=2)
        pad_rate(hall, ticket, 4)
    ticket = serve(hall, clerk, 1)
    clock.advance(seconds=2)
    with pytest.raises(QueueError) as err:
        pad_rate(hall, ticket, 4)
    assert (err.value.code, err.value.status) == ("rating_rate_limited", 429)
    # Another pad is not limited by this one's count.
    ticket = serve(hall, clerk, 1)
    clock.advance(seconds=61)
    with pytest.raises(Refused):  # too late for the pad by now
        pad_rate(hall, ticket, 4)
    ticket = serve(hall, clerk, 1)
    clock.advance(seconds=2)
    assert pad_rate(hall, ticket, 4).level == 4  # a minute later the pad may rate again


def test_many_top_ratings_in_seconds_are_kept_but_flagged(hall, clerk, clock):
    levels = []
    for _ in range(3):  # burst_top_count = 3 within burst_seconds = 120
        ticket = serve(hall, clerk, 1)
        clock.advance(seconds=5)
        levels.append(pad_rate(hall, ticket, 5).level)
    rows = stored(hall)
    assert [r.level for r in rows] == [5, 5, 5]  # kept as facts
    assert all(r.flagged and r.flag_reason == "top_burst" for r in rows)  # every one of the pattern
    clock.advance(seconds=200)
    ticket = serve(hall, clerk, 1)
    clock.advance(seconds=5)
    assert not pad_rate(hall, ticket, 5).flagged  # an ordinary top rating later


def test_an_answer_quicker_than_a_person_is_flagged(hall, clerk, clock):
    ticket = serve(hall, clerk, 1)
    r = pad_rate(hall, ticket, 4)  # at the very moment of the finish
    assert r.flagged and r.flag_reason == "instant"


def test_the_request_rating_key_asks_again_without_stretching_the_time(hall, clock):
    clerk = hall.clerk("S001", window=1)
    keypad = hall.device("caller", "keypad", window=1)
    ticket = serve(hall, clerk, 1)
    hall.published.clear()
    clock.advance(seconds=20)
    assert hall.run(rating.ask_again, keypad, 1, clock()).id == ticket.id
    asked = [e for e in hall.published if e.name == "rating.requested"]
    assert len(asked) == 1 and asked[0].payload["number"] == ticket.number
    assert asked[0].payload["requested_at"] < asked[0].payload["at"]  # the clock still runs from the finish
    clock.advance(seconds=41)  # 61 s after the finish
    with pytest.raises(Refused) as err:
        hall.run(rating.ask_again, keypad, 1, clock())
    assert err.value.code == "rating_expired"
    other = serve(hall, clerk, 1)
    pad_rate(hall, other, 5)
    with pytest.raises(Refused) as err:
        hall.run(rating.ask_again, keypad, 1, clock())
    assert err.value.code == "already_rated"
    with pytest.raises(Forbidden):  # another window's keypad may not ask for window 1
        hall.run(rating.ask_again, hall.device("caller", "keypad2", window=2), 1, clock())
