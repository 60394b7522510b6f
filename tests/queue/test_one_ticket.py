"""一票到底: one ticket for several items of one visit; finishing one joins the next item's queue at the
place the ticket's issue time gives it. Over the real HTTP API, on both databases."""
from __future__ import annotations

from sqlalchemy import select

from hallq.queue.models import TicketEvent
from tests.helpers import clerk_api, issue


def test_a_ticket_for_two_items_joins_the_second_queue_at_its_issue_time(hall, server):
    kiosk = server.api(hall.token("kiosk", "k1"))
    assert issue(kiosk, "SJ01")["number"] == "B001"  # before the citizen came
    assert issue(kiosk, "GA01")["number"] == "A001"
    mine = issue(kiosk, "GA01", also=["SJ01"])
    assert mine["number"] == "A002" and mine["next_services"] == [{"code": "SJ01", "name": "个体工商户登记"}]
    later = [issue(kiosk, "SJ01")["number"] for _ in range(2)]  # after the citizen: B002, B003
    assert later == ["B002", "B003"]

    police = clerk_api(hall, server, "S001", 1)
    police.post("/windows/1/call-next")
    police.post("/windows/1/finish", {"outcome": "immediate"})
    assert police.post("/windows/1/call-next").json()["number"] == "A002"
    r = police.post("/windows/1/finish", {"outcome": "promised", "promised_days": 3})
    assert r.status_code == 200, r.text
    moved = r.json()
    assert (moved["status"], moved["service"], moved["ahead"], moved["next_services"]) == ("waiting", "SJ01", 1, [])
    public = server.api().get(f"/t/{mine['token']}").json()
    assert (public["service"], public["status"], public["ahead"]) == ("SJ01", "waiting", 1)

    market = clerk_api(hall, server, "S004", 3)
    assert market.post("/windows/3/call-next").json()["number"] == "B001"
    market.post("/windows/3/finish", {"outcome": "immediate"})
    assert market.post("/windows/3/call-next").json()["number"] == "A002"  # ahead of B002 and B003
    done = market.post("/windows/3/finish", {"outcome": "immediate"}).json()
    assert (done["status"], done["outcome"]) == ("finished", "immediate")
    assert market.post("/windows/3/call-next").json()["number"] == "B002"

    with hall.db.read() as s:
        rows = s.execute(select(TicketEvent.kind, TicketEvent.data).where(TicketEvent.ticket_id == mine["id"])
                         .order_by(TicketEvent.id)).all()
    kinds = [k for k, _ in rows]
    assert kinds == ["issued", "called", "finished", "joined", "called", "finished"]
    first_finish = rows[2][1]
    assert first_finish["outcome"] == "promised" and first_finish["next_service"] == "SJ01"  # the first item's case
    assert rows[3][1]["from_service"] == "GA01" and rows[3][1]["to_service"] == "SJ01"


def test_the_other_items_are_checked_when_the_ticket_is_taken(hall, server):
    kiosk = server.api(hall.token("kiosk", "k1"))
    for also, code in ((["GA01"], 400), (["SJ01", "SJ01"], 400), (["NOPE"], 404), (["SJ01", "GA02", "MZ01", "X"], 400)):
        r = kiosk.post("/tickets", {"service": "GA01", "also": also})
        assert r.status_code == code, (also, r.text)
    for _ in range(5):
        issue(kiosk, "GA01")  # GA01's quota (5) used up
    r = kiosk.post("/tickets", {"service": "SJ01", "also": ["GA01"]})
    assert (r.status_code, r.json()["error"]) == (409, "quota_exhausted")
