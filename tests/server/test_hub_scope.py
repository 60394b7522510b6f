"""An agent hosts only what its token allows: the hub's hello and keypad checks, over a real Socket.IO server.

The agent here is a plain socketio.Client saying what `hallq agent` says
(hallq.protocol), so each refusal is checked at the protocol boundary.
"""
from __future__ import annotations

import logging

import pytest
import socketio

from hallq.queue import accounts
from hallq import protocol as m
from hallq.queue.agent_scope import AgentScope
from hallq.devices.agent import keypad_text
from tests.helpers import clerk_api, issue, until, wait_for

WINDOWS_1_2 = AgentScope(windows=frozenset({1, 2}))


def scope(windows=(), printers=(), voice=False) -> AgentScope:
    return AgentScope(windows=frozenset(windows), printers=frozenset(printers), voice=voice)


def hello(client, *devices: dict) -> dict:
    return client.call(m.HELLO, {"devices": list(devices), "windows": True}, timeout=10)


def led(window: int) -> dict:
    return {"kind": "led", "name": f"led-{window}", "windows": [window]}


def caller_keypad(window: int) -> dict:
    return {"kind": "keypad", "name": f"window-{window}-caller", "windows": [window]}


def evaluator_keypad(window: int) -> dict:
    return {"kind": "evaluator_keypad", "name": f"window-{window}-evaluator", "windows": [window]}


def printer(name: str) -> dict:
    return {"kind": "printer", "name": name}


VOICE = {"kind": "voice", "name": "voice"}


def devices(api) -> set[tuple[str, str]]:
    return {(d["kind"], d["name"]) for d in api.get("/devices").json()}


def test_a_hello_inside_the_scope_is_accepted_and_its_devices_are_hosted(hall, server):
    client = server.socket(hall.token("agent", "agent-1", scope=scope({1, 2}, {"k1", "window-2"}, voice=True)))
    answer = hello(client, led(1), led(2), caller_keypad(2), evaluator_keypad(1), printer("k1"), printer("window-2"),
                   VOICE)
    # Accepted, with the map of the windows it serves: no LED screen bound yet, notices on window-N.
    assert answer == {"ok": True, "windows": [{"number": 1, "led": None, "printer": "window-1"},
                                              {"number": 2, "led": None, "printer": "window-2"}]}
    # Accepted means hosted: the devices are registered and the keypad shows its window's state at once.
    assert devices(server.api(hall.token("kiosk", "k1"))) == {
        ("led", "led-1"), ("led", "led-2"), ("keypad", "window-2-caller"), ("evaluator_keypad", "window-1-evaluator"),
        ("printer", "k1"), ("printer", "window-2"), ("voice", "voice")}
    assert wait_for(client, m.KEYPAD_SHOW, lambda d: d["window"] == 2)["status"] == "closed"


def test_an_agent_hears_its_devices_jobs_and_not_the_halls_news(hall, server):
    client = server.socket(hall.token("agent", "agent-1", scope=scope({1})))
    display = server.socket(hall.token("display", "tv"))
    issued = issue(server.api(hall.token("kiosk", "k1")))
    wait_for(display, "ticket.issued", lambda d: d["number"] == issued["number"])
    wait_for(display, "queue.stats", lambda d: d["service"] == issued["service"])
    # The hello's answer comes after whatever the server had sent this connection before it.
    assert hello(client, led(1))["ok"] is True
    assert wait_for(client, m.LED_SHOW, lambda d: d["window"] == 1)["state"]["number"] == 1
    assert {name for name, _ in client.received} == {m.LED_SHOW}  # no snapshot, no ticket or queue news


@pytest.mark.parametrize("declared, refused", [
    ([led(1), caller_keypad(3)], [{"kind": "keypad", "name": "window-3-caller", "windows": [3]}]),
    ([led(4)], [{"kind": "led", "name": "led-4", "windows": [4]}]),
    ([evaluator_keypad(2), {"kind": "led", "name": "bus", "windows": [1, 3, 4]}],
     [{"kind": "led", "name": "bus", "windows": [3, 4]}]),
    ([printer("k1"), printer("k2")], [{"kind": "printer", "name": "k2"}]),
    ([printer("k1"), VOICE], [{"kind": "voice", "name": "voice"}]),
])
def test_a_hello_with_anything_outside_the_scope_is_refused_whole_and_says_what(hall, server, caplog, declared,
                                                                                 refused):
    client = server.socket(hall.token("agent", "agent-1", scope=scope({1, 2}, {"k1"})))
    with caplog.at_level(logging.WARNING, logger="hallq.server.hub"):
        answer = hello(client, *declared)
    assert answer["error"] == "outside_scope" and answer["refused"] == refused
    assert answer["scope"] == {"windows": [1, 2], "printers": ["k1"], "voice": False}
    assert "agent token 'agent-1' may host windows 1-2; printers k1; refused:" in answer["detail"]
    assert "--replace" in answer["detail"]  # and what the administrator can do about it
    # All or nothing: not even the devices inside the scope are hosted.
    assert devices(server.api(hall.token("kiosk", "k1"))) == set()
    logged = [r.getMessage() for r in caplog.records if r.name == "hallq.server.hub"]
    assert any("agent-1" in line and "outside its token's scope" in line for line in logged), logged


def test_a_refused_hello_receives_no_jobs(hall, server):
    """A keypad, LED screen and voice outside the scope get nothing when their window calls."""
    client = server.socket(hall.token("agent", "agent-1", scope=scope({2})))
    assert hello(client, led(1), caller_keypad(1), VOICE)["error"] == "outside_scope"
    witness = server.socket(hall.token("agent", "agent-2", scope=scope({1}, voice=True)))
    assert hello(witness, led(1), VOICE)["ok"] is True
    clerk = clerk_api(hall, server, "S001", window=1)
    issue(server.api(hall.token("kiosk", "k1")))
    assert clerk.post("/windows/1/call-next").status_code == 200
    wait_for(witness, m.ANNOUNCE)  # the job went out, to the agent allowed to host it
    wait_for(witness, m.LED_SHOW, lambda d: d["calling"] == "A001")
    assert not [event for event, _ in client.received if event in (m.ANNOUNCE, m.LED_SHOW, m.KEYPAD_SHOW)]


def test_a_token_made_without_a_scope_hosts_nothing_and_says_so(hall, server):
    client = server.socket(hall.token("agent", "bare"))
    answer = hello(client, printer("k1"), led(1))
    assert answer["error"] == "outside_scope"
    assert answer["refused"] == [{"kind": "printer", "name": "k1"}, {"kind": "led", "name": "led-1", "windows": [1]}]
    assert answer["detail"].startswith("agent token 'bare' may host nothing; refused: printer k1, led led-1 (window 1)")


def test_a_keypad_acts_only_for_a_window_in_scope_even_on_an_accepted_connection(hall, server):
    token = hall.token("agent", "agent-1", scope=scope({1}))
    client = server.socket(token)
    assert hello(client, caller_keypad(1))["ok"] is True
    clerk_api(hall, server, "S001", window=1)
    clerk_api(hall, server, "S003", window=2)
    kiosk = server.api(hall.token("kiosk", "k1"))
    issue(kiosk), issue(kiosk)

    # Window 2 is neither declared nor in scope: its tickets cannot be called from here.
    answer = client.call(m.KEYPAD_ACTION, {"window": 2, "action": "call_next"}, timeout=10)
    assert answer["error"] == "forbidden"
    assert client.call(m.KEYPAD_ACTION, {"window": 1, "action": "call_next"}, timeout=10)["number"] == "A001"

    # The token is revoked (a new one replaced it): the open connection's keypad stops at the next key.
    with hall.db.write() as s:
        assert accounts.revoke_device_tokens(s, hall.hall, "agent", "agent-1", hall.clock()) == 1
        s.commit()
    answer = client.call(m.KEYPAD_ACTION, {"window": 1, "action": "skip"}, timeout=10)
    assert answer == {"error": "forbidden", "window": 1, "detail": "this agent token was revoked"}
    windows = {w["number"]: w for w in kiosk.get("/windows").json()}
    assert windows[1]["serving"]["number"] == "A001" and windows[2]["serving"] is None
    assert hello(client, caller_keypad(1)) == {"error": "forbidden", "detail": "this agent token was revoked"}


def test_a_revoked_agent_is_disconnected_at_its_next_heartbeat_and_cannot_come_back(hall, server):
    token = hall.token("agent", "agent-1", scope=scope({1}))
    client = server.socket(token)
    assert hello(client, led(1))["ok"] is True
    status = {"kind": "led", "name": "led-1", "state": "ok"}
    assert client.call(m.DEVICE_STATUS, status, timeout=10) == {"ok": True}
    with hall.db.write() as s:
        assert accounts.revoke_device_tokens(s, hall.hall, "agent", "agent-1", hall.clock()) == 1
        s.commit()
    client.emit(m.DEVICE_STATUS, status)  # the next heartbeat
    until(lambda: not client.connected, timeout=10, what="the revoked agent disconnected")
    with pytest.raises(socketio.exceptions.ConnectionError):  # out of every device room, and stays out
        server.socket(token)


def test_a_keypad_window_taken_out_of_the_scope_is_refused_at_the_next_key(hall, server):
    """The scope is read again for every key, not trusted from the hello."""
    client = server.socket(hall.token("agent", "agent-1", scope=scope({1, 2})))
    assert hello(client, caller_keypad(1), caller_keypad(2))["ok"] is True
    clerk_api(hall, server, "S003", window=2)
    issue(server.api(hall.token("kiosk", "k1")))
    with hall.db.write() as s:  # what a migration or an administrator's database edit may do
        token = s.query(accounts.Token).filter_by(name="agent-1").one()
        token.scope = scope({1}).to_json()
        s.commit()
    answer = client.call(m.KEYPAD_ACTION, {"window": 2, "action": "call_next"}, timeout=10)
    assert answer["error"] == "outside_scope" and answer["window"] == 2
    assert "window 2 is not in this agent token's scope" in answer["detail"]


def test_an_agent_answers_only_for_the_devices_it_hosts(hall, server):
    """A printer's state and its jobs' results come from its own agent, never from another one."""
    kiosk = server.api(hall.token("kiosk", "k1"))
    duty = server.socket(hall.token("display", "duty"))
    own = server.socket(hall.token("agent", "agent-k1", scope=scope(printers={"k1"})))
    assert hello(own, printer("k1"))["ok"] is True
    other = server.socket(hall.token("agent", "agent-k2", scope=scope(printers={"k2"})))
    assert hello(other, printer("k2"))["ok"] is True
    assert own.call(m.DEVICE_STATUS, {"kind": "printer", "name": "k1", "state": "ok"}, timeout=10) == {"ok": True}

    # The other agent cannot declare k1 out of paper, nor say a k1 job failed.
    answer = other.call(m.DEVICE_STATUS, {"kind": "printer", "name": "k1", "state": "paper_out"}, timeout=10)
    assert answer == {"error": "forbidden", "detail": "printer k1 is not hosted by this agent"}
    ticket = issue(kiosk, print=True)
    job = wait_for(own, m.PRINT)
    answer = other.call(m.JOB_RESULT, {"id": job["id"], "ok": False, "reason": "paper out"}, timeout=10)
    assert answer == {"error": "forbidden", "detail": "printer k1 is not hosted by this agent"}
    assert not [e for e, _ in other.received if e == m.PRINT]
    assert {d["name"]: d["state"] for d in kiosk.get("/devices").json()}["k1"] == "ok"
    assert kiosk.get("/print-failures").json() == []  # the other agent's "failed" was not recorded
    assert own.call(m.JOB_RESULT, {"id": job["id"], "ok": True}, timeout=10) == {"ok": True}
    news = wait_for(duty, "print.result")
    assert news["number"] == ticket["number"] and news["state"] == "printed"


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_every_agent_message_is_answered_whatever_its_payload(hall, server):
    """Sent with no payload, with several, or of the wrong shape, an agent's message gets an error answer:
    the handler raised TypeError before (no answer at all, a traceback in the log)."""
    client = server.socket(hall.token("agent", "agent-1", scope=scope({1}, {"k1"})))
    assert hello(client, printer("k1"), caller_keypad(1))["ok"] is True
    for event in (m.HELLO, m.JOB_RESULT, m.DEVICE_STATUS, m.KEYPAD_ACTION):
        for payload in (None, 5, "x", [], {}, (1, 2), {"window": "¹", "key": "call"}):
            answer = client.call(event, payload, timeout=5) if payload is not None else client.call(event, timeout=5)
            assert isinstance(answer, dict) and answer.get("error") == "invalid_input", (event, payload, answer)
    # The agent is still connected and heard: its printer's state is taken.
    assert client.call(m.DEVICE_STATUS, {"kind": "printer", "name": "k1", "state": "ok"}, timeout=5) == {"ok": True}
    client.disconnect()


def test_a_keypads_skip_before_the_halls_minimum_says_when_the_key_will_work(hall, server, clock):
    """A keypad cannot ask "are you sure?": the minimum of calls or minutes is its guard (issue 18), and the
    refusal carries the wait the agent puts on the keypad's screen."""
    client = server.socket(hall.token("agent", "agent-1", scope=scope({1})))
    assert hello(client, caller_keypad(1))["ok"] is True
    clerk_api(hall, server, "S001", window=1)
    issue(server.api(hall.token("kiosk", "k1")))
    assert client.call(m.KEYPAD_ACTION, {"window": 1, "action": "call_next"}, timeout=10)["number"] == "A001"
    clock.advance(seconds=40)
    answer = client.call(m.KEYPAD_ACTION, {"window": 1, "action": "skip"}, timeout=10)
    assert answer["error"] == "skip_too_soon" and answer["wait_s"] == "140"  # 3 minutes after the call
    assert keypad_text(answer) == "140秒后可过号"
    clock.advance(seconds=140)
    assert "error" not in client.call(m.KEYPAD_ACTION, {"window": 1, "action": "skip"}, timeout=10)


def test_keypad_words_fit_its_screen_and_never_fail_on_an_odd_answer():
    assert keypad_text({"error": "nobody_waiting"}) == "暂无等候"
    assert keypad_text({"error": "skip_too_soon"}) == "操作未成功"  # no wait given: the plain words
    assert keypad_text({"error": "something_new", "detail": "x"}) == "操作未成功"
    assert keypad_text({}) == "操作未成功"
    assert len(keypad_text({"error": "skip_too_soon", "wait_s": "180"})) <= 8  # a line of the keypad's screen


def test_an_admins_window_change_tells_the_agents_and_a_second_hello_changes_only_what_changed(hall, server):
    """The server's side of the map: `agent.windows` to every agent of the hall when a window is saved; the
    hello that follows on the same connection answers the new map, keeps the devices still declared (their
    state stands, no blip on the duty screen), and the dropped LED screen leaves its room and the registry."""
    hall.user("admin", "admin")
    admin = server.api(hall.login("admin"))
    kiosk = server.api(hall.token("kiosk", "k1"))
    client = server.socket(hall.token("agent", "agent-1", scope=scope({1, 2}, {"k1"})))
    outsider = server.socket(hall.token("agent", "agent-2", scope=scope({2})))
    assert hello(client, led(1), printer("k1"))["ok"] is True
    assert hello(outsider)["windows"] == [{"number": 2, "led": None, "printer": "window-2"}]
    assert client.call(m.DEVICE_STATUS, {"kind": "printer", "name": "k1", "state": "ok"}, timeout=10) == {"ok": True}

    assert admin.post("/admin/windows/1", {"led": 7, "printer": "counter-1"}).status_code == 200
    wait_for(client, m.WINDOWS_CHANGED, timeout=30)
    wait_for(outsider, m.WINDOWS_CHANGED, timeout=30)  # told too: it asks, and its map is its own
    assert hello(outsider)["windows"] == [{"number": 2, "led": None, "printer": "window-2"}]
    answer = hello(client, printer("k1"))  # the agent no longer drives window 1's old screen
    assert answer["windows"] == [{"number": 1, "led": 7, "printer": "counter-1"},
                                 {"number": 2, "led": None, "printer": "window-2"}]
    states = {d["name"]: d["state"] for d in kiosk.get("/devices").json()}
    assert states == {"k1": "ok"}  # the printer kept its state; led-1 is no device of the hall any more
    client.received.clear()
    clerk = clerk_api(hall, server, "S001", window=1)
    issue(kiosk)
    assert clerk.post("/windows/1/call-next").status_code == 200
    # The call's LED job went to window 1's room, which this connection had left. Declared again, the screen
    # is shown its window's state at once; one connection's messages keep their order, so whatever the
    # call had sent here would have come before the hello's answer.
    assert hello(client, led(1), printer("k1"))["ok"] is True
    shown = [data for name, data in client.received if name == m.LED_SHOW]
    assert [(d["window"], d["calling"], d["state"]["serving"]["number"]) for d in shown] == [(1, None, "A001")]


def test_an_agent_from_before_the_map_gets_the_answer_it_knows(hall, server):
    """A hall upgrades its server before its kiosk PCs: an older agent's hello (no `windows`) is answered as
    it expects, bare {"ok": true}, which it compares the answer with before reporting its devices."""
    client = server.socket(hall.token("agent", "agent-1", scope=scope({1}, {"k1"})))
    assert client.call(m.HELLO, {"devices": [led(1), printer("k1")]}, timeout=10) == {"ok": True}
    assert client.call(m.DEVICE_STATUS, {"kind": "printer", "name": "k1", "state": "ok"}, timeout=10) == {"ok": True}
