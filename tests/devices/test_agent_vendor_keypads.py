"""Vendor keypads (呼叫器 + 四键评价器 on one address) through the real agent and a real server."""
from __future__ import annotations

import time

import pytest

from hallq.devices.agent import Agent
from hallq.devices.agent_config import AgentConfig
from hallq.devices.keypad.vendor.simulator import VendorKeypadSimulator
from hallq.devices.led.sim_transport import PtyEndpoint
from hallq.queue.agent_scope import AgentScope
from tests.helpers import clerk_api, issue, until


def status(kiosk, ticket) -> str:
    return kiosk.get(f"/tickets/{ticket['id']}").json()["status"]


def press(keypads, address, key, done):
    """Press a key the way a clerk does: again when the keypad beeps (still busy with the last one)."""
    for _ in range(20):
        beeps = keypads.caller(address).beeps
        assert keypads.press(address, key)                            # echoed: no 通讯故障
        until(lambda: done() or keypads.caller(address).beeps > beeps, what=f"{key} taken or refused")
        if done():
            return
        # A person presses again after the beep, never within the 0.1 s in which the agent
        # takes an identical frame for its own answer played back by the RS-485 adapter.
        time.sleep(0.2)
    raise AssertionError(f"{key} never taken")


@pytest.fixture
def keypads(tmp_path):
    sim = VendorKeypadSimulator(PtyEndpoint(str(tmp_path / "ttyVENDOR")))
    sim.add_caller(1)
    sim.add_evaluator(1)
    yield sim
    sim.close()


@pytest.fixture
def vendor_agent(hall, server, keypads):
    config = AgentConfig.model_validate({"keypads": [{
        "port": keypads.url, "protocol": "vendor",
        "keypad": [{"address": 1, "window": 1, "kind": "caller"},
                   {"address": 1, "window": 1, "kind": "evaluator", "keys": 4}]}]})
    token = hall.token("agent", "agent-v", scope=AgentScope(windows=frozenset({1})))
    running = Agent(server.url, token, config, heartbeat_s=0.3, clock=hall.clock).start()
    until(lambda: running.hello_answer, what="hello answered")
    assert running.accepted, running.hello_answer
    yield running
    running.close()


@pytest.mark.usefixtures("vendor_agent")
def test_a_vendor_keypad_calls_and_its_evaluator_rates(hall, server, keypads):
    kiosk = server.api(hall.token("kiosk", "k1"))
    clerk_api(hall, server, "S001", window=1)
    ticket = issue(kiosk)

    press(keypads, 1, "呼叫", done=lambda: status(kiosk, ticket) == "called")
    until(lambda: keypads.caller(1).shown == ("   ", ticket["number"][-3:]), what="the number's digits shown")

    press(keypads, 1, "评价", done=lambda: status(kiosk, ticket) == "finished")
    # opened by the key's echo, then by the host's start frame once the server asks for the rating
    until(lambda: keypads.evaluator(1).opened >= 2, what="the server's rating request reached the evaluator")
    assert keypads.rate(1, 3)                                         # 非常满意
    supervisor = server.api(hall.login(hall.user("boss", "supervisor").name))
    rated = until(lambda: supervisor.get("/ratings").json(), what="the rating recorded")
    assert [(r["level"], r["channel"]) for r in rated] == [(5, "keypad")]
    events = [e["kind"] for e in kiosk.get(f"/tickets/{ticket['id']}").json()["events"]]
    assert events == ["issued", "called", "finished"]


@pytest.mark.usefixtures("vendor_agent")
def test_hold_call_back_and_transfer_from_a_vendor_keypad(hall, server, keypads):
    """挂起 parks the ticket, 回呼 calls it again, 转移 puts it back in its queue in its place in time."""
    kiosk = server.api(hall.token("kiosk", "k1"))
    clerk_api(hall, server, "S001", window=1)
    first, second = issue(kiosk), issue(kiosk)
    press(keypads, 1, "呼叫", done=lambda: status(kiosk, first) == "called")
    press(keypads, 1, "挂起", done=lambda: status(kiosk, first) == "held")
    press(keypads, 1, "回呼", done=lambda: status(kiosk, first) == "called")
    until(lambda: keypads.caller(1).shown == ("   ", first["number"][-3:]), what="the held number shown again")
    press(keypads, 1, "转移", done=lambda: status(kiosk, first) == "waiting")
    events = [e["kind"] for e in kiosk.get(f"/tickets/{first['id']}").json()["events"]]
    assert events == ["issued", "called", "held", "called", "transferred"]
    # Back in the queue ahead of the second ticket (its place in time kept): 呼叫 takes it first.
    press(keypads, 1, "呼叫", done=lambda: status(kiosk, first) == "called")
    assert status(kiosk, second) == "waiting"
