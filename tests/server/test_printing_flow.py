"""No ghost tickets: the server's side of printing, with a real Socket.IO client speaking the agent protocol.

The agent here is a plain socketio.Client that says what `hallq agent` says
(hallq.protocol), so each rule is checked at the protocol boundary;
tests/devices/test_agent.py runs the real agent against the printer simulator.
"""
from __future__ import annotations

import datetime as dt

import pytest

from hallq import protocol as m
from hallq.queue import events, printing
from hallq.queue.device_models import PrintJob
from hallq.queue.printing import expire_unanswered
from hallq.queue.agent_scope import AgentScope
from hallq.protocol import GUIDE_FIELDS, TICKET_FIELDS
from tests.helpers import clerk_api, issue, wait_for


def agent(hall, server, printer="k1"):
    client = server.socket(hall.token("agent", "agent-1", scope=AgentScope(printers=frozenset({printer}))))
    answer = client.call(m.HELLO, {"devices": [{"kind": "printer", "name": printer}]}, timeout=10)
    assert answer == {"ok": True}
    return client


def report(client, state, name="k1", detail=None):
    answer = client.call(m.DEVICE_STATUS, {"kind": "printer", "name": name, "state": state, "detail": detail},
                         timeout=10)
    assert answer == {"ok": True}


def waiting(kiosk, service="GA01"):
    return next(s for s in kiosk.get("/services").json() if s["code"] == service)["waiting"]


def test_a_printed_ticket_goes_to_its_printer_and_is_settled_by_the_answer(hall, server):
    printer = agent(hall, server)
    report(printer, "ok")
    kiosk = server.api(hall.token("kiosk", "k1"))
    duty = server.socket(hall.token("display", "duty"))

    ticket = issue(kiosk, print=True)
    assert ticket["print"]["state"] == "pending" and ticket["number"] == "A001"

    job = wait_for(printer, m.PRINT)
    assert job["printer"] == "k1" and job["ticket"] == ticket["id"]
    document = job["document"]
    assert document["kind"] == "ticket" and document["hall_name"] == "测试县政务服务中心"
    assert document["ticket"]["number"] == "A001" and document["qr_url"].endswith("/t/" + ticket["token"])
    assert document["item_name"] == "居民身份证申领" and document["department"] == "县公安局"

    assert printer.call(m.JOB_RESULT, {"id": job["id"], "ok": True}, timeout=10) == {"ok": True}
    news = wait_for(duty, "print.result")
    assert news["number"] == "A001" and news["service"] == "GA01" and news["state"] == "printed"
    assert kiosk.get("/print-failures").json() == []


def test_a_print_job_carries_what_the_paper_shows_and_no_personal_data(hall, server):
    printer = agent(hall, server)
    report(printer, "ok")
    kiosk = server.api(hall.token("kiosk", "k1"))
    ticket = issue(kiosk, print=True, id_number="11010519491231002X", phone="13812345678")
    assert ticket["id_number"] and ticket["phone"]  # the API's view has them, masked

    document = wait_for(printer, m.PRINT)["document"]
    assert set(document["ticket"]) <= set(TICKET_FIELDS)
    assert {k: document["ticket"][k] for k in ("number", "priority", "windows", "issued_at")} == \
        {k: ticket[k] for k in ("number", "priority", "windows", "issued_at")}
    assert set(document["guide"]) <= set(GUIDE_FIELDS) and document["guide"]["materials"] == ["居民户口簿", "近期免冠照片"]
    sent = str(document)
    assert "1101" not in sent and "138" not in sent and ticket["id_number"] not in sent and ticket["phone"] not in sent
    assert ticket["token"] not in sent.replace(document["qr_url"], "")  # only as the QR code's target


@pytest.mark.parametrize("state", ["paper_out", "offline", "unknown"])
def test_a_printer_that_cannot_print_refuses_before_any_number_exists(hall, server, state):
    printer = agent(hall, server)
    report(printer, state)
    kiosk = server.api(hall.token("kiosk", "k1"))
    r = kiosk.post("/tickets", {"service": "GA01", "print": True})
    assert r.status_code == 409 and r.json()["error"] == "printer_not_ready"
    assert "打印机" in r.json()["message"]
    assert waiting(kiosk) == 0
    assert issue(kiosk)["number"] == "A001"  # nothing was used up: the first number is still free


def test_silence_is_unknown_not_fine(hall, server, clock):
    kiosk = server.api(hall.token("kiosk", "k1"))
    r = kiosk.post("/tickets", {"service": "GA01", "print": True})  # this printer never reported
    assert r.status_code == 409 and r.json()["error"] == "printer_not_ready"

    printer = agent(hall, server)
    report(printer, "ok")
    assert issue(kiosk, print=True)["print"]["state"] == "pending"
    clock.advance(seconds=31)  # no heartbeat since: the old "ok" is not believed any more
    r = kiosk.post("/tickets", {"service": "GA01", "print": True})
    assert r.status_code == 409 and r.json()["error"] == "printer_not_ready"
    devices = kiosk.get("/devices").json()
    assert [(d["name"], d["state"]) for d in devices] == [("k1", "unknown")]


def test_an_agent_that_goes_away_leaves_its_printer_unknown(hall, server):
    printer = agent(hall, server)
    report(printer, "near_end", detail="paper near end")
    kiosk = server.api(hall.token("kiosk", "k1"))
    assert issue(kiosk, print=True)["print"]["state"] == "pending"  # near end still prints
    duty = server.socket(hall.token("display", "duty"))
    printer.disconnect()
    news = wait_for(duty, m.DEVICE_STATUS, lambda d: d["state"] == "unknown")
    assert news["name"] == "k1" and news["detail"] == "agent disconnected"
    r = kiosk.post("/tickets", {"service": "GA01", "print": True})
    assert r.status_code == 409


def test_a_failed_print_keeps_the_ticket_and_the_guide_desk_reprints_it(hall, server):
    printer = agent(hall, server)
    report(printer, "ok")
    kiosk = server.api(hall.token("kiosk", "k1"))
    ticket = issue(kiosk, print=True)
    job = wait_for(printer, m.PRINT)
    printer.call(m.JOB_RESULT, {"id": job["id"], "ok": False, "reason": "paper out during the job"}, timeout=10)

    failures = kiosk.get("/print-failures").json()
    assert [(f["number"], f["state"], f["reason"]) for f in failures] == [("A001", "failed", "paper out during the job")]
    assert waiting(kiosk) == 1  # the ticket is real and keeps its place

    desk = clerk_api(hall, server, "S001")
    r = desk.post(f"/tickets/{ticket['id']}/reprint", {"printer": "k1"})
    assert r.status_code == 201 and r.json()["state"] == "pending" and r.json()["kind"] == "reprint"
    again = wait_for(printer, m.PRINT, lambda d: d["id"] != job["id"])
    printer.call(m.JOB_RESULT, {"id": again["id"], "ok": True}, timeout=10)
    assert kiosk.get("/print-failures").json() == []


def test_a_job_nobody_answers_fails_and_stays_failed(hall, server, clock):
    """Issue 19: a job settled as failed has been shown as not printed and may have been reprinted; a late
    "printed" is refused and the agent told, so one ticket never counts two slips."""
    printer = agent(hall, server)
    report(printer, "ok")
    kiosk = server.api(hall.token("kiosk", "k1"))
    ticket = issue(kiosk, print=True)
    job = wait_for(printer, m.PRINT)
    made = dt.datetime.fromisoformat(job["at"].replace("Z", "+00:00"))
    assert made == clock() and job["start_within_s"] == printing.START_WITHIN.total_seconds()
    assert printing.START_WITHIN < printing.ANSWER_WITHIN  # the agent gives up on starting before the server does
    clock.advance(seconds=21)
    assert hall.run(expire_unanswered, clock()) == 1
    assert kiosk.get("/print-failures").json()[0]["reason"] == "no answer from the printer"
    answer = printer.call(m.JOB_RESULT, {"id": job["id"], "ok": True}, timeout=10)
    assert answer["error"] == "settled_as_failed" and job["id"].split(":")[1] in answer["detail"]
    [failed] = kiosk.get("/print-failures").json()
    assert (failed["ticket"], failed["state"], failed["reason"]) == (ticket["id"], "failed", "no answer from the printer")


def test_agent_messages_are_checked(hall, server):
    client = server.socket(hall.token("agent", "agent-1", scope=AgentScope(windows=frozenset({1}))))
    assert client.call(m.HELLO, {"devices": [{"kind": "toaster", "name": "x"}]}, timeout=10)["error"] == "invalid_input"
    answer = client.call(m.HELLO, {"devices": [{"kind": "led", "name": "x", "windows": [99]}]}, timeout=10)
    assert answer["error"] == "outside_scope" and answer["refused"] == [{"kind": "led", "name": "x", "windows": [99]}]
    kiosk_socket = server.socket(hall.token("kiosk", "k1"))
    assert kiosk_socket.call(m.DEVICE_STATUS, {"kind": "printer", "name": "k1", "state": "ok"},
                             timeout=10) == {"error": "forbidden"}  # only agents report devices
    r = server.api(hall.token("kiosk", "k1")).post("/tickets/999/reprint", {})
    assert r.status_code == 404


def test_reprint_needs_an_open_ticket(hall, server, clock):
    printer = agent(hall, server)
    report(printer, "ok")
    kiosk = server.api(hall.token("kiosk", "k1"))
    api = clerk_api(hall, server, "S001", window=1)
    ticket = issue(kiosk)
    api.post("/windows/1/call-next")
    api.post("/windows/1/finish", {"outcome": "immediate"})
    r = kiosk.post(f"/tickets/{ticket['id']}/reprint", {})
    assert r.status_code == 409 and r.json()["error"] == "ticket_closed"
    assert dt.datetime.fromisoformat(ticket["issued_at"].replace("Z", "+00:00")) <= clock()


def test_a_closed_hall_says_closed_even_when_the_printer_is_silent(hall, server, clock):
    from tests.conftest import local
    clock.set(local(2026, 11, 22, 10))  # a Sunday
    r = server.api(hall.token("kiosk", "k1")).post("/tickets", {"service": "GA01", "print": True})
    assert r.status_code == 409 and r.json()["error"] == "hall_closed"


def test_an_answer_is_recorded_once_with_news_that_names_the_ticket(hall, server, clock):
    """What the duty screen hears of a settled job, field by field; a repeated answer changes nothing."""
    printer = agent(hall, server)
    report(printer, "ok")
    kiosk = server.api(hall.token("kiosk", "k1"))
    duty = server.socket(hall.token("display", "duty"))
    ticket = issue(kiosk, print=True)
    job = wait_for(printer, m.PRINT)
    issued = ticket["print"]
    clock.advance(seconds=3)

    assert printer.call(m.JOB_RESULT, {"id": job["id"], "ok": False, "reason": "cutter jammed"}, timeout=10) \
        == {"ok": True}
    news = wait_for(duty, "print.result")
    at = clock().astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")
    assert news == {"job": issued["job"], "ticket": ticket["id"], "printer": "k1", "kind": "ticket",
                    "state": "failed", "reason": "cutter jammed", "created_at": issued["created_at"],
                    "finished_at": at, "number": ticket["number"], "window": None, "service": "GA01", "at": at}

    # The same failure again is no news; a late "printed" is refused (issue 19): failed is final.
    assert printer.call(m.JOB_RESULT, {"id": job["id"], "ok": False, "reason": "again"}, timeout=10) == {"ok": True}
    assert printer.call(m.JOB_RESULT, {"id": job["id"], "ok": True}, timeout=10)["error"] == "settled_as_failed"
    assert printer.call(m.JOB_RESULT, {"id": "print:999999", "ok": True}, timeout=10) == {"ok": True}  # unknown job

    # A printed job stays printed: a late failure is no news either.
    second = issue(kiosk, print=True)
    job = wait_for(printer, m.PRINT, lambda d: d["ticket"] == second["id"])
    assert printer.call(m.JOB_RESULT, {"id": job["id"], "ok": True}, timeout=10) == {"ok": True}
    wait_for(duty, "print.result", lambda d: d["state"] == "printed")
    assert printer.call(m.JOB_RESULT, {"id": job["id"], "ok": False, "reason": "late"}, timeout=10) == {"ok": True}
    assert [d["state"] for e, d in duty.received if e == "print.result"] == ["failed", "printed"]
    assert [f["ticket"] for f in kiosk.get("/print-failures").json()] == [ticket["id"]]


def test_an_expired_job_is_news_like_an_answered_one(hall, server, clock):
    printer = agent(hall, server)
    report(printer, "ok")
    kiosk = server.api(hall.token("kiosk", "k1"))
    ticket = issue(kiosk, print=True)
    wait_for(printer, m.PRINT)
    clock.advance(seconds=21)
    assert hall.run(expire_unanswered, clock()) == 1
    assert hall.run(expire_unanswered, clock()) == 0  # once
    [news] = [e for e in hall.published if e.name == "print.result"]
    at = clock().astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")
    assert news.payload == {**ticket["print"], "state": "failed", "reason": "no answer from the printer",
                            "finished_at": at, "number": ticket["number"], "window": None, "service": "GA01", "at": at}


def test_an_answer_naming_another_halls_job_changes_nothing_and_tells_nothing(hall, clock):
    """A job id is a number anyone can guess: an agent of one hall may not settle, or learn the printer
    of, another hall's job."""
    ticket = hall.issue("GA01")
    with hall.uow() as uow:
        job_id = printing.request_print(uow, uow.session.merge(ticket), "k1", {"kind": "ticket"}, kind="ticket",
                                        who="kiosk:k1", now=clock()).id
        uow.commit()
    with hall.uow() as uow:
        assert printing.settle(uow, hall.id + 1, job_id, True, None, clock(), printers=["elsewhere"]) is False
        uow.commit()
    with hall.db.read() as s:
        assert s.get(PrintJob, job_id).state == "pending"
    assert not [e for e in hall.published if e.name == events.PRINT_RESULT]


def test_a_kiosk_prints_and_reprints_only_on_its_own_printer(hall, server):
    """Issue 19, "Holes": a kiosk token named k1 may not send its tickets to window 2's notice printer or
    another kiosk's printer, neither when issuing nor reprinting. The guide desk (staff) may choose."""
    printer = server.socket(hall.token("agent", "agent-1", scope=AgentScope(printers=frozenset({"k1", "window-2"}))))
    assert printer.call(m.HELLO, {"devices": [{"kind": "printer", "name": "k1"},
                                              {"kind": "printer", "name": "window-2"}]}, timeout=10) == {"ok": True}
    report(printer, "ok")
    report(printer, "ok", name="window-2")
    kiosk = server.api(hall.token("kiosk", "k1"))

    for other in ("window-2", "k2"):
        r = kiosk.post("/tickets", {"service": "GA01", "print": True, "printer": other})
        assert r.status_code == 403 and r.json()["error"] == "printer_not_yours", r.text
        assert "k1" in r.json()["message"] and other in r.json()["message"]
    assert waiting(kiosk) == 0  # refused before a number existed: no ticket, no job

    own = issue(kiosk, print=True, printer="k1")  # naming its own printer is fine
    job = wait_for(printer, m.PRINT)
    assert job["printer"] == "k1" and job["ticket"] == own["id"]
    r = kiosk.post(f"/tickets/{own['id']}/reprint", {"printer": "window-2"})
    assert r.status_code == 403 and r.json()["error"] == "printer_not_yours", r.text
    r = kiosk.post(f"/tickets/{own['id']}/reprint", {})
    assert r.status_code == 201 and r.json()["printer"] == "k1", r.text

    desk = clerk_api(hall, server, "S001")
    r = desk.post(f"/tickets/{own['id']}/reprint", {"printer": "window-2"})
    assert r.status_code == 201 and r.json()["printer"] == "window-2", r.text
    wait_for(printer, m.PRINT, lambda d: d["printer"] == "window-2")
    sent = [data["printer"] for event, data in list(printer.received) if event == m.PRINT]
    assert sorted(sent) == ["k1", "k1", "window-2"]  # the ticket, the kiosk's reprint, the desk's reprint
    printer.disconnect()


def test_a_job_result_with_unicode_digits_for_its_id_is_answered_and_settles_nothing(hall, server):
    """"print:¹" passed str.isdigit() and int() raised in the handler: the agent got no answer."""
    printer = agent(hall, server)
    report(printer, "ok")
    kiosk = server.api(hall.token("kiosk", "k1"))
    issue(kiosk, print=True)
    job = wait_for(printer, m.PRINT)
    for odd in ("print:¹", "print:１", "print:" + "9" * 30, "print:"):
        answer = printer.call(m.JOB_RESULT, {"id": odd, "ok": False, "reason": "?"}, timeout=10)
        assert isinstance(answer, dict), (odd, answer)
    assert kiosk.get("/print-failures").json() == []  # the real job was not failed by any of them
    assert printer.call(m.JOB_RESULT, {"id": job["id"], "ok": True}, timeout=10) == {"ok": True}
