"""Issuing rules: numbering, refusals, priorities, appointments, estimates."""
import datetime as dt

import pytest
from sqlalchemy import select

from hallq.queue import calling, issuing
from hallq.queue.errors import Invalid, NotFound, Refused
from hallq.queue.models import Ticket, TicketEvent
from tests.conftest import Hall, local

ELDER = "11010519491231002X"  # born 1949-12-31, valid checksum
YOUNG = "110105199003070012"  # born 1990-03-07 (checksum computed below)


def valid_id(body17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body17 + "10X98765432"[sum(int(c) * w for c, w in zip(body17, weights)) % 11]


YOUNG = valid_id("11010519900307001")


def test_numbers_run_per_prefix_and_restart_each_day(hall, clock):
    assert [hall.issue("GA01").number, hall.issue("GA02").number, hall.issue("SJ01").number,
            hall.issue("GA01").number] == ["A001", "A002", "B001", "A003"]
    clock.set(local(2026, 11, 24, 9, 30))
    assert hall.issue("GA01").number == "A001"
    assert hall.issue("SJ01").number == "B001"


def test_digits_are_configurable(db, clock):
    wide = Hall(db, clock, digits=4)
    assert wide.issue("MZ01").number == "C0001"


def test_day_is_the_halls_local_day(hall, clock):
    # 09:05 in Shanghai is 01:05 UTC: still the same hall day as later that morning.
    clock.set(local(2026, 11, 24, 9, 5))
    first = hall.issue("GA01")
    assert first.day == dt.date(2026, 11, 24)


@pytest.mark.parametrize("moment, code", [
    (local(2026, 11, 22, 10), "hall_closed"),    # Sunday
    (local(2026, 11, 23, 8, 59), "hall_closed"),  # before opening
    (local(2026, 11, 23, 12, 30), "hall_closed"),  # lunch break
    (local(2026, 11, 23, 18, 0), "hall_closed"),  # after closing
    (local(2026, 10, 2, 10), "hall_closed"),      # National Day holiday (official calendar)
    (local(2026, 12, 24, 10), "hall_closed"),     # the hall's own extra holiday (a Thursday)
    (local(2026, 11, 23, 17, 31), "closing_soon"),  # less than 30 minutes before closing
])
def test_refuses_when_closed_or_closing(hall, clock, moment, code):
    clock.set(moment)
    with pytest.raises(Refused) as err:
        hall.issue("GA01")
    assert err.value.code == code


def test_open_on_a_make_up_workday_and_until_the_buffer(hall, clock):
    clock.set(local(2026, 12, 26, 10))  # a Saturday the hall file declares a workday
    assert hall.issue("GA01").number == "A001"
    clock.set(local(2026, 11, 23, 17, 29))  # 31 minutes before closing
    assert hall.issue("GA01").number == "A001"


def test_daily_quota(hall, clock):
    for _ in range(5):
        hall.issue("GA01")
    with pytest.raises(Refused) as err:
        hall.issue("GA01")
    assert err.value.code == "quota_exhausted"
    hall.issue("GA02")  # same prefix, different item: its own quota (none)
    clock.set(local(2026, 11, 24, 10))
    hall.issue("GA01")  # a new day, a new quota


def test_one_waiting_ticket_per_person_and_item(hall, clock):
    first = hall.issue("GA01", id_number=YOUNG)
    with pytest.raises(Refused) as err:
        hall.issue("GA01", id_number=YOUNG.lower())
    assert err.value.code == "already_waiting" and err.value.params["number"] == first.number
    hall.issue("SJ01", id_number=YOUNG)  # another item is fine
    hall.issue("GA01", id_number=ELDER)  # another person is fine
    clerk = hall.clerk("S001", window=1)
    hall.run(calling.call_next, clerk, 1, clock())
    hall.run(calling.finish, clerk, 1, clock(), outcome="immediate")
    hall.issue("GA01", id_number=YOUNG)  # served: may take another


def test_personal_data_is_masked_and_never_stored_whole(hall, db):
    t = hall.issue("GA01", id_number=YOUNG, phone="138 1234 5678")
    assert t.id_masked == YOUNG[:3] + "*" * 11 + YOUNG[-4:]
    assert t.phone_masked == "138****5678"
    with db.read() as s:
        row = s.get(Ticket, t.id)
        stored = " ".join(str(getattr(row, c.key)) for c in Ticket.__table__.columns)
        assert YOUNG not in stored and "13812345678" not in stored
        events = " ".join(str(e.data) for e in s.scalars(select(TicketEvent)))
        assert YOUNG not in events


@pytest.mark.parametrize("field, value, code", [
    ("id_number", "110105199003070013", "id_number_invalid"),  # wrong checksum
    ("id_number", "12345", "id_number_invalid"),
    ("phone", "12345678", "phone_invalid"),
])
def test_bad_personal_data_is_refused_clearly(hall, field, value, code):
    with pytest.raises(Invalid) as err:
        hall.issue("GA01", **{field: value})
    assert err.value.code == code


def test_unknown_service(hall):
    with pytest.raises(NotFound):
        hall.issue("XX99")


def test_green_channel_needs_a_reason_and_staff_or_an_elder(hall, clock):
    with pytest.raises(Invalid):
        hall.issue("GA01", priority="green")
    with pytest.raises(Refused) as err:
        hall.issue("GA01", priority="green", reason="disabled")  # a kiosk cannot judge that
    assert err.value.code == "green_not_allowed"
    with pytest.raises(Refused):
        hall.issue("GA01", priority="green", reason="elderly", id_number=YOUNG)
    elder = hall.issue("GA01", priority="green", reason="elderly", id_number=ELDER)
    assert (elder.priority, elder.priority_reason) == ("green", "elderly")
    guide = hall.user("guide1", "clerk")
    t = hall.issue("SJ01", priority="green", reason="major_project", who=guide)
    assert t.priority_reason == "major_project"
    with hall.db.read() as s:
        issued = s.scalar(select(TicketEvent).where(TicketEvent.ticket_id == t.id))
        assert issued.kind == "issued" and issued.actor == "user:guide1"
        assert issued.data["priority_reason"] == "major_project"


def add_appointment(hall, code, start, end, service="SJ01", id_number=None):
    who = hall.device("integration", "platform")
    return hall.run(issuing.add_appointment, who, code=code, service=service, slot_start=start,
                    slot_end=end, id_number=id_number, now=hall.clock())


def test_an_id_number_given_at_check_in_must_be_the_bookings(hall, clock):
    add_appointment(hall, "YY010", local(2026, 11, 23, 9, 30), local(2026, 11, 23, 11), id_number=YOUNG)
    with pytest.raises(Refused) as err:
        hall.issue("SJ01", appointment_code="YY010", id_number=ELDER)
    assert err.value.code == "appointment_other_person"
    assert hall.issue("SJ01", appointment_code="YY010", id_number=YOUNG).priority == "appointment"


def test_appointment_checks_in_only_within_its_slot_and_once(hall, clock):
    add_appointment(hall, "YY001", local(2026, 11, 23, 10, 30), local(2026, 11, 23, 11))
    with pytest.raises(Refused) as err:
        hall.issue("SJ01", appointment_code="YY001")
    assert err.value.code == "appointment_too_early"
    clock.set(local(2026, 11, 23, 10, 40))
    with pytest.raises(Refused) as err:
        hall.issue("GA01", appointment_code="YY001")
    assert err.value.code == "appointment_wrong_service"
    t = hall.issue("SJ01", appointment_code="YY001")
    assert t.priority == "appointment"
    with pytest.raises(Refused) as err:
        hall.issue("SJ01", appointment_code="YY001")
    assert err.value.code == "appointment_used"
    add_appointment(hall, "YY002", local(2026, 11, 23, 9), local(2026, 11, 23, 9, 30))
    with pytest.raises(Refused) as err:
        hall.issue("SJ01", appointment_code="YY002")
    assert err.value.code == "appointment_too_late"
    with pytest.raises(NotFound):
        hall.issue("SJ01", appointment_code="NOPE")
    with pytest.raises(Refused):
        add_appointment(hall, "YY001", local(2026, 11, 24, 9), local(2026, 11, 24, 10))


def test_token_is_unguessable_and_unique(hall):
    tokens = {hall.issue("MZ01").token for _ in range(20)}
    assert len(tokens) == 20 and all(len(t) >= 24 for t in tokens)


def test_ahead_and_estimate_follow_measured_service_times(hall, clock, db):
    from hallq.queue import views
    from hallq.queue.halls import hall_context

    def answer(ticket):
        with db.read() as s:
            return views.ticket(s, hall_context(s, hall.id), s.get(Ticket, ticket.id), clock())

    first = hall.issue("GA02")
    # Nobody served yet: the hall default of 300 s a person, one window assumed; and no window
    # serves GA02 at 10:00, so the wait starts when the afternoon session does (14:00, four hours).
    until_afternoon = 4 * 3600
    assert answer(first)["ahead"] == 0 and answer(first)["estimated_wait_s"] == until_afternoon
    hall.issue("GA02")
    third = hall.issue("GA02")
    assert (answer(third)["ahead"], answer(third)["estimated_wait_s"]) == (2, until_afternoon + 600)
    clerk = hall.clerk("S001", window=1)
    hall.run(calling.call_next, clerk, 1, clock())
    clock.advance(seconds=120)
    hall.run(calling.finish, clerk, 1, clock(), outcome="immediate")  # served in 120 s
    # Now measured: 120 s a person, and window 1 is open for GA02.
    assert (answer(third)["ahead"], answer(third)["estimated_wait_s"]) == (1, 120)
    hall.clerk("S003", window=2)  # a second window opens for the same items
    assert answer(third)["estimated_wait_s"] == 60
    # The guide's typical time stands in for an item never served (GA01: 5 minutes).
    assert answer(hall.issue("GA01"))["estimated_wait_s"] == 0
    assert answer(hall.issue("GA01"))["estimated_wait_s"] == 150  # 300 s shared by two open windows


def test_services_say_open_exactly_when_issuing_would_succeed(hall, clock, db):
    from hallq.queue import views
    from hallq.queue.halls import hall_context

    def shown(code):
        with db.read() as s:
            return {row["code"]: row for row in views.services(s, hall_context(s, hall.id), clock())}[code]

    # no window serves it: a number taken now waits for nobody, though one can be taken (the desk says why)
    assert (shown("GA01")["open"], shown("GA01")["issuing"]) == (False, True)
    hall.clerk("S001", window=1)
    assert shown("GA01")["open"] and shown("GA01")["quota_left"] == 5
    for _ in range(5):
        hall.issue("GA01")
    assert (shown("GA01")["open"], shown("GA01")["issuing"], shown("GA01")["quota_left"]) == (False, False, 0)
    assert shown("GA02")["open"]
    for moment in (local(2026, 11, 23, 12, 30), local(2026, 11, 23, 17, 45)):  # lunch; inside the closing buffer
        clock.set(moment)
        assert not shown("GA02")["open"] and not shown("GA02")["issuing"]
        with pytest.raises(Refused):
            hall.issue("GA02")
