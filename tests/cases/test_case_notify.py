"""办理结果已可领取 reaches the citizen through the hall's notification channel (issue 17 on issue 18's channel):
the number given at the counter's day is kept while the case runs, the message goes once, on the first
completion, and the number is forgotten once the case no longer needs it."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from hallq.queue.housekeeping import close_day
from hallq.queue.models import Ticket
from hallq.queue.notify_models import TicketContact
from hallq.queue.settings import NotifySettings
from tests.conftest import Hall, local
from tests.helpers import clerk_api, issue
from tests.notify_kit import server, simulator  # noqa: F401  (fixtures)


@pytest.fixture
def hall(db, clock):
    return Hall(db, clock, notify=NotifySettings(channel="simulator"))


def kept_number(hall, ticket_id):
    with hall.db.read() as s:
        contact = s.scalar(select(TicketContact).where(TicketContact.ticket_id == ticket_id))
        return contact.address, contact.keep_until


def result_texts(simulator):
    return [m.text for m in simulator.recorded() if m.kind == "result_ready"]


def test_the_result_ready_text_goes_once_to_the_number_kept_past_the_counters_day(hall, server, simulator, clock):
    kiosk = server.api(hall.token("kiosk", "k1"))
    at_1 = clerk_api(hall, server, "S001", window=1)
    ticket = issue(kiosk, "GA02")
    with hall.db.read() as s:
        token = s.scalar(select(Ticket.token).where(Ticket.id == ticket["id"]))
    # The citizen opted in on the phone page while waiting.
    r = server.api().post(f"/t/{token}/phone", {"phone": "139 1234 5678"})
    assert r.status_code in (200, 201), r.text
    assert at_1.post("/windows/1/call", {"ticket": ticket["number"]}).status_code == 200
    r = at_1.post("/windows/1/finish", {"outcome": "promised", "promised_days": 10})  # due Mon 7 Dec
    assert r.status_code == 200, r.text
    sender = server.app.extensions["hallq.notify"]

    clock.set(local(2026, 11, 24, 0, 30))  # the counter's day is over
    hall.run(close_day, hall.id, clock())
    address, keep_until = kept_number(hall, ticket["id"])
    assert address is not None and keep_until == dt.date(2027, 1, 6)  # due 7 Dec + 30 days

    clock.set(local(2026, 12, 3, 10, 0))
    at_1 = server.api(hall.login("S001"))  # a new day's sign-in (staff tokens end after an idle time)
    assert at_1.post(f"/cases/{ticket['id']}/completion", {"completed_on": "2026-12-03"}).status_code == 201
    sender.run_once()
    assert result_texts(simulator) == [
        f"办理结果已可领取：您在测试县政务服务中心办理的“{ticket['service_name']}”（{ticket['number']}号），请到1号窗口领取。"]
    assert "13912345678" not in result_texts(simulator)[0]

    # A correction of the day is not a second result.
    r = at_1.post(f"/cases/{ticket['id']}/completion", {"completed_on": "2026-12-02", "reason": "录入日期有误"})
    assert r.status_code == 200, r.text
    sender.run_once()
    assert len(result_texts(simulator)) == 1

    # Past the keeping, the day's closing forgets the number.
    clock.set(local(2027, 1, 7, 0, 30))
    hall.run(close_day, hall.id, clock())
    assert kept_number(hall, ticket["id"])[0] is None


def test_a_citizen_opts_in_after_the_counter_while_the_case_is_open(hall, server, simulator, clock):
    """No number given while waiting: the status page takes it after the counter, while the case is open; it is
    kept masked and keyed-hashed until the case's keeping ends, the result text goes to it once, then it is
    forgotten. A ticket whose case is closed, or that has none, still says no."""
    kiosk = server.api(hall.token("kiosk", "k1"))
    at_1 = clerk_api(hall, server, "S001", window=1)
    ticket, done_at_once = issue(kiosk, "GA02"), issue(kiosk, "GA01")
    with hall.db.read() as s:
        tokens = dict(s.execute(select(Ticket.id, Ticket.token).where(Ticket.id.in_([ticket["id"],
                                                                                      done_at_once["id"]]))).all())
    for t, outcome in ((ticket, {"outcome": "promised", "promised_days": 10}), (done_at_once, {"outcome": "immediate"})):
        assert at_1.post("/windows/1/call", {"ticket": t["number"]}).status_code == 200
        assert at_1.post("/windows/1/finish", outcome).status_code == 200

    clock.advance(seconds=120)  # the citizen reads their status page on the way out
    public = server.api()
    r = public.post(f"/t/{tokens[done_at_once['id']]}/phone?lang=en", {"phone": "13912345678"})
    assert (r.status_code, r.json()["error"]) == (409, "notify_ticket_done")  # finished, no case: nothing to tell
    r = public.post(f"/t/{tokens[ticket['id']]}/phone", {"phone": "139 1234 5678"})
    assert r.status_code == 200, r.text
    assert r.json() == {"opted_in": True, "phone": "139****5678", "channel": "sms"}
    with hall.db.read() as s:
        contact = s.scalar(select(TicketContact).where(TicketContact.ticket_id == ticket["id"]))
        assert (contact.masked, contact.keep_until) == ("139****5678", dt.date(2027, 1, 6))  # due 7 Dec + 30 days
        assert contact.address_hash and "13912345678" not in contact.address_hash
    sender = server.app.extensions["hallq.notify"]
    sender.run_once()
    assert simulator.recorded() == []  # nothing owed yet: the call before the number was given is not news

    clock.set(local(2026, 11, 24, 0, 30))  # the counter's day is over: kept for the case
    hall.run(close_day, hall.id, clock())
    assert kept_number(hall, ticket["id"]) == ("13912345678", dt.date(2027, 1, 6))
    clock.set(local(2026, 12, 3, 10, 0))
    at_1 = server.api(hall.login("S001"))
    assert at_1.post(f"/cases/{ticket['id']}/completion", {"completed_on": "2026-12-03"}).status_code == 201
    sender.run_once()
    assert [(m.kind, m.address, m.text) for m in simulator.recorded()] == [(
        "result_ready", "13912345678",
        f"办理结果已可领取：您在测试县政务服务中心办理的“{ticket['service_name']}”（{ticket['number']}号），请到1号窗口领取。")]
    # The case is done: a number is no longer taken for it.
    r = public.post(f"/t/{tokens[ticket['id']]}/phone", {"phone": "13812345678"})
    assert (r.status_code, r.json()["error"]) == (409, "notify_ticket_done")

    clock.set(local(2027, 1, 7, 0, 30))  # past the keeping: forgotten by the day's closing
    hall.run(close_day, hall.id, clock())
    assert kept_number(hall, ticket["id"])[0] is None
