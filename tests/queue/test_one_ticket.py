"""一票到底: one ticket for several items of one visit; finishing one joins the next item's queue at the
place the ticket's issue time gives it. Over the real HTTP API, on both databases."""
from __future__ import annotations

from sqlalchemy import func, select

from hallq.queue.models import Ticket, TicketEvent
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
    for also, code, error in ((["GA01"], 400, "one_visit_repeat"), (["SJ01", "SJ01"], 400, "one_visit_repeat"),
                              (["NOPE"], 404, "service_unknown"),
                              (["SJ01", "GA02", "MZ01", "X"], 400, "invalid_input")):
        r = kiosk.post("/tickets", {"service": "GA01", "also": also})
        assert (r.status_code, r.json()["error"]) == (code, error), (also, r.text)
    for _ in range(5):
        issue(kiosk, "GA01")  # GA01's quota (5) used up
    r = kiosk.post("/tickets", {"service": "SJ01", "also": ["GA01"]})
    assert (r.status_code, r.json()["error"]) == (409, "one_visit_quota")
    assert r.json()["message"] == "“居民身份证申领”今日号源已取完，不能一票办理；去掉它后可以取号。"
    r = kiosk.post("/tickets?lang=en", {"service": "SJ01", "also": ["GA02", "GA01"]})
    assert r.json()["message"] == ("Today's numbers for \"居民身份证申领\" are used up, so it cannot be added; "
                                   "without it you can take a number.")
    r = kiosk.post("/tickets", {"service": "SJ01", "also": ["GA02", "GA02"]})
    assert r.json()["message"] == "“户口迁移”已经选过，同一事项只需选一次。"


def test_the_hall_says_how_many_items_go_on_one_ticket_and_which_go_alone(db, clock):
    from hallq.queue.settings import OneVisit
    from hallq.queue.halls import forget_halls
    from hallq.queue.models import Department, Item
    from hallq.server.app import create_app
    from tests.conftest import Hall, Server

    forget_halls()
    hall = Hall(db, clock, one_visit=OneVisit(max_items=2, alone=["MZ01"]))
    with db.write() as s:  # an item no window serves (a new one, not yet given a window)
        dept = s.scalar(select(Department).where(Department.hall_id == hall.id, Department.code == "GA"))
        s.add(Item(hall_id=hall.id, department_id=dept.id, code="GA09", name="临时身份证", prefix="A", guide={}))
        s.commit()
    server = Server(create_app(db, clock=clock))
    try:
        kiosk = server.api(hall.token("kiosk", "k1"))
        cases = [({"service": "GA01", "also": ["SJ01", "GA02"]}, "one_visit_too_many", "一张号最多同时办理2个事项，请减少所选事项。"),
                 ({"service": "GA01", "also": ["MZ01"]}, "one_visit_alone", "“婚姻登记”须单独取号，不能与其他事项一票办理。"),
                 ({"service": "MZ01", "also": ["GA01"]}, "one_visit_alone", "“婚姻登记”须单独取号，不能与其他事项一票办理。"),
                 ({"service": "GA01", "also": ["GA09"]}, "one_visit_no_window", "本大厅没有办理“临时身份证”的窗口，不能一票办理。")]
        for body, error, words in cases:
            r = kiosk.post("/tickets", body)
            assert (r.status_code, r.json()["error"], r.json()["message"]) == (409, error, words), body
        r = kiosk.post("/tickets?lang=en", {"service": "GA01", "also": ["MZ01"]})
        assert r.json()["message"] == "\"婚姻登记\" needs a number of its own and cannot share one with other services."
        with db.read() as s:
            assert s.scalar(select(func.count()).select_from(Ticket)) == 0  # refused before any number was used
        assert issue(kiosk, "MZ01")["next_services"] == []  # alone is fine on its own
        assert issue(kiosk, "GA01", also=["SJ01"])["next_services"] == [{"code": "SJ01", "name": "个体工商户登记"}]
    finally:
        server.stop()
        forget_halls()
