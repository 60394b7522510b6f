"""The citizen's notifications: opted in by phone number, owed from the facts, sent once through the hall's
channel (the simulator; the HTTP SMS gateway against a real local HTTP server), the number forgotten at day's end.

Clerks act over real HTTP on the real server; senders run by hand (run_once), as a server process's thread
would, so what each pass sends is exact. Both databases.
"""
from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from hallq.notify.channel import Message, SendFailed
from hallq.notify.http_gateway import HttpGateway
from hallq.notify.sender import Sender
from hallq.notify.wechat import WeChatSubscribe
from hallq.queue import notify
from hallq.queue.halls import forget_halls
from hallq.queue.housekeeping import close_day
from hallq.queue.models import Hall as HallRow, Ticket
from hallq.queue.notify_models import Notification, TicketContact
from hallq.queue.settings import NotifySettings, SmsGatewaySettings
from hallq.server.app import create_app
from tests.conftest import Hall, Server, local
from tests.helpers import clerk_api, issue, until
from tests.notify_kit import server, simulator  # noqa: F401  (fixtures)

PHONE = "13912345678"


@pytest.fixture
def hall(db, clock):
    return Hall(db, clock, notify=NotifySettings(channel="simulator", soon_ahead=2))


def sender_of(server) -> Sender:
    return server.app.extensions["hallq.notify"]


def texts(simulator) -> list[tuple[str, str]]:
    return [(m.kind, m.text) for m in simulator.recorded()]


class Gateway:
    """A real HTTP server on 127.0.0.1 standing in for an SMS gateway: records each POST, answers as scripted."""

    def __init__(self, answers=(), hold: threading.Event | None = None):
        self.requests: list[dict] = []
        self.answers = list(answers)
        self.hold = hold
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                gateway.requests.append({"path": self.path, "headers": dict(self.headers),
                                         "body": json.loads(self.rfile.read(length))})
                if gateway.hold is not None:
                    gateway.hold.wait(60)
                status = gateway.answers.pop(0) if gateway.answers else 200
                payload = b'{"ok": true}' if status < 400 else b'{"error": "refused 13912345678"}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_port}/sms/send"
        threading.Thread(target=self.http.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()

    def stop(self):
        if self.hold is not None:
            self.hold.set()
        self.http.shutdown()
        self.http.server_close()


@pytest.fixture
def gateway():
    made = []

    def make(*answers, hold=None):
        g = Gateway(answers, hold)
        made.append(g)
        return g

    yield make
    for g in made:
        g.stop()


# --- the messages, once -----------------------------------------------------------------------

def test_soon_called_and_missed_each_go_once_across_passes_and_a_restart(hall, server, simulator, clock):
    kiosk = server.api(hall.token("kiosk", "k1"))
    for _ in range(3):
        issue(kiosk, "GA01")
    mine = issue(kiosk, "GA01")  # A004: three ahead
    r = server.api().post(f"/t/{mine['token']}/phone", {"phone": "139 1234 5678"})
    assert r.status_code == 200, r.text
    assert r.json() == {"opted_in": True, "phone": "139****5678", "channel": "sms"}
    sender = sender_of(server)
    assert sender.run_once() == 0 and simulator.recorded() == []  # three ahead: more than the hall's 2

    clerk = clerk_api(hall, server, "S001", 1)
    assert clerk.post("/windows/1/call-next").json()["number"] == "A001"
    assert sender.run_once() == 1
    assert sender.run_once() == 0  # a second pass owes nothing more
    assert texts(simulator) == [("soon", "即将轮到您：A004号前面还有2人，请回到测试县政务服务中心等候区留意叫号。")]

    # A restart: a new app (a new process) on the same database sends nothing twice.
    restarted = Server(create_app(hall.db, clock=clock, notify_simulator=simulator))
    try:
        assert sender_of(restarted).run_once() == 0
        clerk.post("/windows/1/finish", {"outcome": "immediate"})
        assert clerk.post("/windows/1/call", {"ticket": "A004"}).status_code == 200
        clerk.post("/windows/1/recall")
        assert sender_of(restarted).run_once() == 1  # the other process's sender finds it owed
        assert sender.run_once() == 0
        clock.advance(minutes=4)  # past the hall's skip minimum
        assert clerk.post("/windows/1/skip").status_code == 200, "skip"
        assert sender.run_once() == 1
        assert sender_of(restarted).run_once() == 0
    finally:
        restarted.stop()
    assert texts(simulator) == [
        ("soon", "即将轮到您：A004号前面还有2人，请回到测试县政务服务中心等候区留意叫号。"),
        ("called", "请A004号到1号窗口办理（测试县政务服务中心）。"),
        ("missed", "您的A004号已过号，请到测试县政务服务中心导办台咨询。"),
    ]
    with hall.db.read() as s:
        rows = s.execute(select(Notification.kind, Notification.state, Notification.channel, Notification.attempts)
                         .order_by(Notification.id)).all()
    assert rows == [("soon", "sent", "simulator", 1), ("called", "sent", "simulator", 1),
                    ("missed", "sent", "simulator", 1)]


def test_nobody_opted_in_is_told_nothing_and_english_is_kept(hall, server, simulator):
    kiosk = server.api(hall.token("kiosk", "k1"))
    issue(kiosk, "GA01")  # A001, no number
    mine = issue(kiosk, "GA01")
    assert server.api(lang="en").post(f"/t/{mine['token']}/phone", {"phone": PHONE}).status_code == 200
    assert sender_of(server).run_once() == 1  # one ahead: "soon" is owed from the opt-in
    clerk = clerk_api(hall, server, "S001", 1)
    clerk.post("/windows/1/call-next")
    clerk.post("/windows/1/finish", {"outcome": "immediate"})
    clerk.post("/windows/1/call-next")
    assert sender_of(server).run_once() == 1
    assert texts(simulator) == [
        ("soon", "Your turn is coming: 1 ahead of number A002. Please return to the waiting area of 测试县政务服务中心."),
        ("called", "Number A002, please go to window 1 (测试县政务服务中心)."),
    ]  # A001, with no number, owed nothing
    assert {m.address for m in simulator.recorded()} == {PHONE}


def test_two_processes_sending_at_once_send_each_message_once(hall, server, simulator):
    kiosk = server.api(hall.token("kiosk", "k1"))
    tickets = [issue(kiosk, "GA02") for _ in range(6)]
    for n, t in enumerate(tickets):
        assert server.api().post(f"/t/{t['token']}/phone", {"phone": f"1391234567{n}"}).status_code == 200
    senders = [Sender(hall.db, hall.clock, simulator, worker=f"process-{n}") for n in range(2)]
    start = threading.Barrier(2)
    counts = []

    def run(sender):
        start.wait(30)
        counts.append(sender.run_once())

    threads = [threading.Thread(target=run, args=(s,)) for s in senders]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sum(counts) == 3  # A001-A003 have 0-2 ahead: "soon" each, once
    assert sorted(m.address[-1] for m in simulator.recorded()) == ["0", "1", "2"]


def test_any_component_may_notify_a_tickets_number_once_per_key(hall, server, simulator):
    """The interface a case (issue 17) uses: notify(uow, ticket, kind, now, key=..., **params)."""
    kiosk = server.api(hall.token("kiosk", "k1"))
    mine = issue(kiosk, "SJ01")
    bare = issue(kiosk, "SJ01")
    server.api().post(f"/t/{mine['token']}/phone", {"phone": PHONE})

    def ready(ticket_id, key):
        with hall.uow() as uow:
            ticket = uow.session.get(Ticket, ticket_id)
            row = notify.notify(uow, ticket, "result_ready", hall.clock(), key=key, where="3号窗口")
            uow.commit()
            return row is not None

    assert ready(mine["id"], "case-1") and ready(mine["id"], "case-1")  # asked twice: one message
    assert ready(bare["id"], "case-1") is False  # no number: nothing owed
    sender_of(server).run_once()
    got = [t for k, t in texts(simulator) if k == "result_ready"]
    assert got == ["办理结果已可领取：您在测试县政务服务中心办理的“个体工商户登记”（B001号），请到3号窗口领取。"]
    with pytest.raises(ValueError):
        with hall.uow() as uow:
            notify.notify(uow, uow.session.get(Ticket, mine["id"]), "no_such_kind", hall.clock())


# --- opting in ----------------------------------------------------------------------------------

def test_the_number_is_kept_masked_and_hashed_and_never_logged(hall, server, caplog):
    caplog.set_level(logging.DEBUG)
    kiosk = server.api(hall.token("kiosk", "k1"))
    mine = issue(kiosk, "GA01")
    public = server.api()
    assert public.post(f"/t/{mine['token']}/phone", {"phone": "12345"}).json()["error"] == "phone_invalid"
    assert public.post("/t/not-a-ticket/phone", {"phone": PHONE}).status_code == 404
    assert public.post(f"/t/{mine['token']}/phone", {"phone": "13800000000"}).status_code == 200
    r = public.post(f"/t/{mine['token']}/phone", {"phone": PHONE})  # put right before anything went
    assert r.status_code == 200 and r.json()["phone"] == "139****5678"
    with hall.db.read() as s:
        contact = s.scalar(select(TicketContact))
        assert (contact.address, contact.masked, len(contact.address_hash)) == (PHONE, "139****5678", 64)
        assert PHONE not in contact.address_hash
    assert PHONE not in public.get(f"/t/{mine['token']}").text
    assert PHONE not in str(kiosk.get(f"/tickets/{mine['id']}").json())
    assert PHONE not in caplog.text and "13800000000" not in caplog.text


def test_a_number_that_was_written_to_stays_and_the_public_is_throttled(hall, server):
    kiosk = server.api(hall.token("kiosk", "k1"))
    mine = issue(kiosk, "GA01")  # nobody ahead: "soon" is owed at once
    public = server.api()
    assert public.post(f"/t/{mine['token']}/phone", {"phone": PHONE}).status_code == 200
    assert sender_of(server).run_once() == 1
    r = public.post(f"/t/{mine['token']}/phone", {"phone": "13800000000"})
    assert (r.status_code, r.json()["error"]) == (409, "notify_number_fixed")
    assert "139****5678" in r.json()["message"]
    answers = [public.post(f"/t/{mine['token']}/phone", {"phone": PHONE}).status_code for _ in range(4)]
    assert answers[:2] == [200, 200] and answers[-1] == 429  # five a ticket an hour


def test_the_kiosk_opts_in_only_the_tickets_it_issued_and_a_hall_without_reminders_refuses(hall, server, db, clock):
    k1, k2 = server.api(hall.token("kiosk", "k1")), server.api(hall.token("kiosk", "k2"))
    mine = issue(k1, "GA01")
    assert k2.post(f"/kiosk/tickets/{mine['id']}/phone", {"phone": PHONE}).status_code == 404
    r = k1.post(f"/kiosk/tickets/{mine['id']}/phone", {"phone": PHONE})
    assert r.status_code == 200 and r.json()["phone"] == "139****5678"
    clerk = clerk_api(hall, server, "S001", 1)
    clerk.post("/windows/1/call-next")
    clerk.post("/windows/1/finish", {"outcome": "immediate"})
    r = k1.post(f"/kiosk/tickets/{mine['id']}/phone", {"phone": PHONE})
    assert (r.status_code, r.json()["error"]) == (409, "notify_ticket_done")


def test_a_hall_without_reminders_offers_none(db, clock):
    quiet = Hall(db, clock)  # notify.channel = "none" by default
    srv = Server(create_app(db, clock=clock))
    try:
        mine = issue(srv.api(quiet.token("kiosk", "k1")), "GA01")
        r = srv.api().post(f"/t/{mine['token']}/phone", {"phone": PHONE})
        assert (r.status_code, r.json()["error"]) == (409, "notify_off")
    finally:
        srv.stop()


def test_the_whole_number_is_forgotten_at_days_end(hall, server, clock, simulator):
    kiosk = server.api(hall.token("kiosk", "k1"))
    for _ in range(3):
        issue(kiosk, "GA01")
    mine = issue(kiosk, "GA01")
    server.api().post(f"/t/{mine['token']}/phone", {"phone": PHONE})
    clock.set(local(2026, 11, 23, 18, 1))  # closing: the day's leftovers expire
    hall.run(close_day, hall.id, clock())
    with hall.db.read() as s:
        contact = s.scalar(select(TicketContact))
        assert contact.address is None and contact.masked == "139****5678" and contact.forgotten_at is not None
    assert sender_of(server).run_once() == 0 and simulator.recorded() == []


def test_a_case_may_keep_the_number_past_the_day(hall, server, clock):
    kiosk = server.api(hall.token("kiosk", "k1"))
    mine = issue(kiosk, "GA01")
    server.api().post(f"/t/{mine['token']}/phone", {"phone": PHONE})
    with hall.uow() as uow:
        assert notify.keep_number(uow.session, mine["id"], local(2026, 11, 30).date())
        uow.commit()
    clock.set(local(2026, 11, 23, 18, 1))
    hall.run(close_day, hall.id, clock())
    with hall.db.read() as s:
        assert s.scalar(select(TicketContact.address)) == PHONE
    clock.set(local(2026, 12, 1, 9, 0))
    hall.run(close_day, hall.id, clock())
    with hall.db.read() as s:
        assert s.scalar(select(TicketContact.address)) is None


# --- the channels ------------------------------------------------------------------------------

def test_the_http_gateway_posts_each_message_with_the_halls_credential(hall, server, gateway, clock):
    sms = gateway(503, 200)  # the first try meets a gateway that is down
    with hall.db.write() as s:
        row = s.get(HallRow, hall.id)
        row.settings = {**row.settings, "notify": NotifySettings(
            channel="http", soon_ahead=2, http=SmsGatewaySettings(url=sms.url, auth="Bearer s3cret",
                                                                  sign="测试县政务服务中心")).model_dump(mode="json")}
        s.commit()
    forget_halls()
    kiosk = server.api(hall.token("kiosk", "k1"))
    mine = issue(kiosk, "GA01")
    server.api().post(f"/t/{mine['token']}/phone", {"phone": PHONE})
    sender = sender_of(server)
    assert sender.run_once() == 0  # 503: kept to try again
    assert sender.run_once() == 0  # not before RETRY_AFTER
    clock.advance(seconds=31)
    assert sender.run_once() == 1
    assert len(sms.requests) == 2
    first, second = sms.requests
    assert second["path"] == "/sms/send" and second["headers"]["Authorization"] == "Bearer s3cret"
    assert second["headers"]["Idempotency-Key"] == first["headers"]["Idempotency-Key"] == second["body"]["id"]
    body = second["body"]
    assert (body["to"], body["kind"], body["lang"], body["sign"]) == (PHONE, "soon", "zh", "测试县政务服务中心")
    assert body["text"] == "即将轮到您：A001号前面还有0人，请回到测试县政务服务中心等候区留意叫号。"
    assert body["params"] == {"number": "A001", "service": "居民身份证申领", "ahead": 0}


def test_the_http_gateway_answers(gateway):
    sms = gateway(400, 429, 500)
    channel = HttpGateway(sms.url, auth_header="X-Api-Key", auth="k")
    message = Message(7, PHONE, "called", "请A001号到1号窗口办理。")
    outcomes = []
    for _ in range(3):
        with pytest.raises(SendFailed) as failed:
            channel.send(message)
        outcomes.append((failed.value.reason, failed.value.retry))
    channel.send(message)
    assert outcomes == [("gateway answered HTTP 400", False), ("gateway answered HTTP 429", True),
                        ("gateway answered HTTP 500", True)]
    assert [r["headers"]["X-Api-Key"] for r in sms.requests] == ["k"] * 4
    assert PHONE not in repr(message)
    dead = HttpGateway("http://127.0.0.1:9/nothing", timeout_s=5)
    with pytest.raises(SendFailed) as failed:
        dead.send(message)
    assert failed.value.retry and PHONE not in failed.value.reason


def test_the_wechat_adapter_speaks_the_subscription_message_api(gateway):
    """Not wired to WeChat (no mini program, no openids): its requests, against a local stand-in."""
    wx = gateway(200)
    api = wx.url.rsplit("/sms/send", 1)[0]
    channel = WeChatSubscribe(lambda: "TOKEN", {"called": "TPL-1"}, {"called": {"character_string1": "number",
                                                                                 "thing2": "text"}},
                              page="pages/ticket", api=api)
    channel.send(Message(9, "o-openid", "called", "请A001号到1号窗口办理。", params={"number": "A001", "window": 1}))
    sent = wx.requests[0]
    assert sent["path"] == "/cgi-bin/message/subscribe/send?access_token=TOKEN"
    assert sent["body"] == {"touser": "o-openid", "template_id": "TPL-1", "page": "pages/ticket", "lang": "zh_CN",
                            "miniprogram_state": "formal",
                            "data": {"character_string1": {"value": "A001"}, "thing2": {"value": "请A001号到1号窗口办理。"}}}
    with pytest.raises(SendFailed) as failed:
        channel.send(Message(10, "o-openid", "missed", "..."))
    assert not failed.value.retry  # no template for it


def test_sending_never_holds_up_a_call(hall, db, clock, simulator, gateway):
    """The sender's thread, woken after commit: a gateway that does not answer keeps no clerk waiting."""
    hold = threading.Event()
    sms = gateway(hold=hold)
    with db.write() as s:
        row = s.get(HallRow, hall.id)
        row.settings = {**row.settings, "notify": NotifySettings(
            channel="http", http=SmsGatewaySettings(url=sms.url, timeout_s=60)).model_dump(mode="json")}
        s.commit()
    forget_halls()
    app = create_app(db, clock=clock, notify_thread=True)
    srv = Server(app)
    try:
        kiosk = srv.api(hall.token("kiosk", "k1"))
        mine = issue(kiosk, "GA01")
        assert srv.api().post(f"/t/{mine['token']}/phone", {"phone": PHONE}).status_code == 200
        until(lambda: sms.requests, 30, "the gateway reached")  # "soon", held there
        clerk = clerk_api(hall, srv, "S001", 1)
        assert clerk.post("/windows/1/call-next").status_code == 200  # answered while the gateway holds
        assert len(sms.requests) == 1
        hold.set()
        until(lambda: len(sms.requests) == 2, 30, "the call's message after the first was answered")
        assert [r["body"]["kind"] for r in sms.requests] == ["soon", "called"]
    finally:
        hold.set()
        srv.stop()
