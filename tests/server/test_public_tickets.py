"""The citizen's phone on the public `/ticket` namespace: its own ticket's status, live, and nothing else.

Real python-socketio clients over websocket to the real server on 127.0.0.1, on SQLite and PostgreSQL.
"""
from __future__ import annotations

import pytest
import socketio

from hallq import protocol
from tests.helpers import clerk_api, issue, until

PUBLIC_KEYS = {"number", "service", "service_name", "department", "status", "ahead", "estimated_wait_s",
               "issued_at", "windows", "calling_window", "hall", "next_services", "case"}  # as GET /t/{token}


def page_client():
    """A Socket.IO client recording everything it hears, on any namespace."""
    client = socketio.Client(reconnection=False)
    client.received, client.refusals = [], []
    for ns in ("/", protocol.TICKET_NAMESPACE):
        client.on("*", lambda event, data, ns=ns: client.received.append((ns, event, data)), namespace=ns)
        client.on("connect_error", lambda data, ns=ns: client.refusals.append((ns, data)), namespace=ns)
    return client


@pytest.fixture
def pages(server):
    clients = []

    def open_page(auth, namespaces=(protocol.TICKET_NAMESPACE,)):
        client = page_client()
        clients.append(client)
        client.connect(server.url, auth=auth, namespaces=list(namespaces), transports=["websocket"],
                       wait_timeout=30)
        return client

    yield open_page
    for client in clients:
        try:
            client.disconnect()
        except Exception:
            pass


def statuses(client) -> list[dict]:
    return [data for ns, event, data in list(client.received)
            if ns == protocol.TICKET_NAMESPACE and event == protocol.TICKET_STATUS]


def test_a_page_hears_its_own_ticket_move_up_and_be_called(hall, server, pages):
    kiosk = server.api(hall.token("kiosk", "k1"))
    issue(kiosk, "GA01")
    issue(kiosk, "GA01")
    mine = issue(kiosk, "GA01", phone="13912345678")
    other_item = issue(kiosk, "SJ01")
    page = pages({protocol.TICKET_AUTH: mine["token"]})
    first = until(lambda: statuses(page), 30, "the status on connect")[0]
    assert set(first) == PUBLIC_KEYS  # the public status alone: no id, no token, no phone
    assert (first["number"], first["status"], first["ahead"], first["calling_window"]) == ("A003", "waiting", 2, None)
    assert first["case"] is None  # a case begins at the counter

    clerk = clerk_api(hall, server, "S001", 1)
    assert clerk.post("/windows/1/call-next").json()["number"] == "A001"
    until(lambda: any(s["ahead"] == 1 for s in statuses(page)), 30, "one ahead after A001's call")
    clerk.post("/windows/1/finish", {"outcome": "immediate"})
    clerk.post("/windows/1/call", {"ticket": "A003"})
    called = until(lambda: [s for s in statuses(page) if s["status"] == "called"], 30, "called")[0]
    assert called["calling_window"] == 1 and called["number"] == "A003"

    # Nothing but its own ticket's status ever reached the page: no hall news, no other ticket.
    assert {(ns, event) for ns, event, _ in page.received} == {(protocol.TICKET_NAMESPACE, protocol.TICKET_STATUS)}
    assert {s["number"] for s in statuses(page)} == {"A003"}
    assert other_item["number"] not in str(page.received) and "5678" not in str(page.received)


def test_a_page_asks_again_and_a_finished_ticket_says_so(hall, server, pages):
    kiosk = server.api(hall.token("kiosk", "k1"))
    mine = issue(kiosk, "SJ01")
    page = pages({protocol.TICKET_AUTH: mine["token"]})
    until(lambda: statuses(page), 30, "the status on connect")
    page.emit(protocol.TICKET_STATUS_ASK, namespace=protocol.TICKET_NAMESPACE)
    until(lambda: len(statuses(page)) >= 2, 30, "the status asked for")
    clerk = clerk_api(hall, server, "S004", 3)
    clerk.post("/windows/3/call-next")
    clerk.post("/windows/3/finish", {"outcome": "immediate"})
    until(lambda: any(s["status"] == "finished" for s in statuses(page)), 30, "finished")


@pytest.mark.parametrize("auth", [None, {}, {"ticket": ""}, {"ticket": "not-a-ticket"}, {"ticket": "x" * 65},
                                  {"ticket": 12}, "a-string", "DEVICE"])
def test_only_a_tickets_token_opens_the_public_namespace(hall, server, auth):
    if auth == "DEVICE":  # a kiosk's own token is no ticket's: it opens the hall's namespace, never this one
        auth = {"ticket": hall.token("kiosk", "k1"), "token": hall.token("kiosk", "k2")}
    client = page_client()
    with pytest.raises(socketio.exceptions.ConnectionError) as refused:
        client.connect(server.url, auth=auth, namespaces=[protocol.TICKET_NAMESPACE], transports=["websocket"],
                       wait_timeout=30)
    assert protocol.TICKET_NAMESPACE in str(refused.value)
    assert client.refusals == [(protocol.TICKET_NAMESPACE, {"message": protocol.TICKET_UNKNOWN})]
    assert client.received == []


def test_a_tickets_token_opens_nothing_of_the_hall(hall, server, pages):
    """The ticket's token is no credential on the hall's namespace, and the public one has no join."""
    kiosk = server.api(hall.token("kiosk", "k1"))
    mine = issue(kiosk, "GA01")
    client = page_client()
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(server.url, auth={"token": mine["token"], "ticket": mine["token"]}, namespaces=["/"],
                       transports=["websocket"], wait_timeout=30)
    page = pages({protocol.TICKET_AUTH: mine["token"]})
    until(lambda: statuses(page), 30, "the status on connect")
    page.emit("join", {"room": "hall:1"}, namespace=protocol.TICKET_NAMESPACE)
    issue(kiosk, "SJ01")  # news of the hall, which a page must not hear
    clerk = clerk_api(hall, server, "S004", 3)
    clerk.post("/windows/3/call-next")
    page.emit(protocol.TICKET_STATUS_ASK, namespace=protocol.TICKET_NAMESPACE)
    until(lambda: len(statuses(page)) >= 2, 30, "the status asked for after the join attempt")
    assert {event for _, event, _ in page.received} == {protocol.TICKET_STATUS}
    assert {s["number"] for s in statuses(page)} == {"A001"}


def test_each_page_hears_its_ticket_in_the_language_it_asked_for(hall, server, pages):
    """The live status is GET /t/{token}?lang='s, words included (a case's remedies): zh and en pages of one
    ticket each hear their own, on connect and on news; no language, or one unknown, is Chinese."""
    kiosk = server.api(hall.token("kiosk", "k1"))
    mine = issue(kiosk, "GA02")
    zh = pages({protocol.TICKET_AUTH: mine["token"], protocol.TICKET_LANG: "zh"})
    en = pages({protocol.TICKET_AUTH: mine["token"], protocol.TICKET_LANG: "en"})
    plain = pages({protocol.TICKET_AUTH: mine["token"], protocol.TICKET_LANG: ["en"]})  # not a language: Chinese
    for page in (zh, en, plain):
        until(lambda page=page: statuses(page), 30, "the status on connect")
    clerk = clerk_api(hall, server, "S001", 1)
    clerk.post("/windows/1/call-next")
    r = clerk.post("/windows/1/finish", {"outcome": "rejected", "note": "不符合迁入条件"})
    assert r.status_code == 200, r.text

    def case_of(page):
        return until(lambda: next((s["case"] for s in statuses(page) if s["status"] == "finished" and s["case"]),
                                  None), 30, "the finished status with its case")

    http = server.api()
    for page, lang in ((zh, "zh"), (en, "en"), (plain, "zh")):
        case = case_of(page)
        assert case == http.get(f"/t/{mine['token']}?lang={lang}").json()["case"]
        assert case["remedies"].startswith("如不服本决定" if lang == "zh" else "If you disagree")
