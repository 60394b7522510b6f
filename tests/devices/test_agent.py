"""The real device agent between a real server and simulated hardware.

A kiosk's ticket goes through the server to the agent, which lays it out and
prints it on the printer simulator (TCP, DLE EOT answered); a call reaches the
LED screen simulator on a pty, at the address the hall binds to the window (the
server's map in the hello's answer; AGENT.toml has the bus only). What the paper
and the screen show is read back from the bytes.
"""
from __future__ import annotations

import logging
import time

import pytest
from sqlalchemy import update

from hallq.devices.agent import Agent
from hallq.devices.agent_config import AgentConfig
from hallq.devices.escpos.decode import decode
from hallq.devices.escpos.simulator import PrinterSimulator
from hallq.devices.led import codec_for
from hallq.devices.led.simulator import ScreenBusSimulator
from hallq.queue.agent_scope import AgentScope
from hallq.queue.models import Window
from tests.helpers import clerk_api, issue, until


@pytest.fixture
def printer():
    sim = PrinterSimulator().start()
    yield sim
    sim.stop()


@pytest.fixture
def screens(tmp_path):
    sim = ScreenBusSimulator(codec_for("line"), addresses=(11, 12, 13), path=str(tmp_path / "ttyLED0"))
    yield sim
    sim.close()


def bind_led(hall, window: int, address: int | None) -> None:
    """The hall file's `led` of a window (what the admin's Windows page sets), before the agent connects."""
    with hall.db.write() as s:
        s.execute(update(Window).where(Window.hall_id == hall.id, Window.number == window)
                  .values(led_address=address))
        s.commit()


@pytest.fixture
def agent(hall, server, printer, screens):
    bind_led(hall, 1, 11)
    bind_led(hall, 2, 12)
    config = AgentConfig.model_validate({
        "printers": [{"name": "k1", "url": printer.url, "paper": 58}],
        "leds": [{"port": screens.url, "protocol": "line", "columns": 16, "rows": 1}],  # the bus, no windows
    })
    token = hall.token("agent", "agent-1", scope=AgentScope(windows=frozenset({1, 2}), printers=frozenset({"k1"})))
    running = Agent(server.url, token, config, heartbeat_s=0.3, clock=hall.clock).start()
    until(lambda: running.hello_answer, what="hello answered")
    assert running.hello_answer == {"ok": True, "windows": [{"number": 1, "led": 11, "printer": "window-1"},
                                                            {"number": 2, "led": 12, "printer": "window-2"}]}
    until(lambda: running.leds.windows_on_screens() == {1: (screens.url, 11), 2: (screens.url, 12)},
          what="the agent drives the server's addresses")
    yield running
    running.close()


def device_states(api):
    return {d["name"]: d["state"] for d in api.get("/devices").json()}


@pytest.mark.usefixtures("agent")
def test_a_kiosk_ticket_comes_out_of_the_printer_readable(hall, server, printer):
    kiosk = server.api(hall.token("kiosk", "k1"))
    until(lambda: device_states(kiosk).get("k1") == "ok", what="printer reported ok")
    ticket = issue(kiosk, print=True)

    job = printer.wait_for_jobs(1, timeout=10)[0]
    paper = decode(job.data)
    text = paper.text
    assert "测试县政务服务中心" in text and "A001" in text and "居民身份证申领" in text
    number_line = next(line for line in paper.lines if line.text.strip() == "A001")
    assert number_line.height == 8  # the largest size the printer offers
    assert paper.qr_codes[0].data.endswith("/t/" + ticket["token"])
    until(lambda: kiosk.get(f"/tickets/{ticket['id']}").status_code == 200 and not kiosk.get("/print-failures").json()
          and printer.jobs, what="job settled")


def test_a_job_that_leaves_the_paper_near_its_end_says_so_at_once_without_asking_again(hall, server, printer):
    config = AgentConfig.model_validate({"printers": [{"name": "k1", "url": printer.url, "paper": 80}]})
    token = hall.token("agent", "agent-1", scope=AgentScope(printers=frozenset({"k1"})))
    running = Agent(server.url, token, config, heartbeat_s=600, clock=hall.clock).start()  # no heartbeat during the test
    try:
        kiosk = server.api(hall.token("kiosk", "k1"))
        until(lambda: device_states(kiosk).get("k1") == "ok", what="printer reported ok on hello")
        printer.set_mode("near_end")  # the roll ran low; nobody has asked the printer since
        asked = printer.status_queries
        issue(kiosk, print=True)
        until(lambda: device_states(kiosk).get("k1") == "near_end", what="near end told after the job")
        assert printer.wait_for_jobs(1, timeout=10)[0].complete
        # Before the job and with it, three DLE EOT each: the answer that came with the job is
        # what the agent reports, without a query of its own.
        assert printer.status_queries - asked == 6
        assert issue(kiosk, print=True)["number"] == "A002", "paper near its end still prints"
    finally:
        running.close()


@pytest.mark.usefixtures("agent")
def test_paper_out_stops_issuing_and_a_dropped_job_is_a_print_failure(hall, server, printer):
    kiosk = server.api(hall.token("kiosk", "k1"))
    until(lambda: device_states(kiosk).get("k1") == "ok", what="printer reported ok")

    printer.set_mode("paper_out")
    until(lambda: device_states(kiosk).get("k1") == "paper_out", what="paper out reported by the heartbeat")
    r = kiosk.post("/tickets", {"service": "GA01", "print": True})
    assert r.status_code == 409 and r.json()["error"] == "printer_not_ready"

    printer.set_mode("ok")
    until(lambda: device_states(kiosk).get("k1") == "ok", what="paper back")
    printer.set_mode("drop", after=40)  # the connection dies in the middle of the ticket
    ticket = issue(kiosk, print=True)
    failures = until(lambda: kiosk.get("/print-failures").json(), what="the failed print recorded")
    assert failures[0]["number"] == ticket["number"] and failures[0]["reason"] == "connection_lost"


@pytest.mark.usefixtures("agent")
def test_a_job_failed_when_paper_ran_out_never_prints_and_its_reprint_is_the_one_slip(hall, server, printer):
    """Issue 19: paper ran out half-way; the rest of the ticket waited in the printer's buffer and came out
    when paper was back, so the job settled as failed was on paper and its reprint made a second slip."""
    kiosk = server.api(hall.token("kiosk", "k1"))
    until(lambda: device_states(kiosk).get("k1") == "ok", what="printer reported ok")
    printer.set_mode("paper_out", after=300)  # the roll ends 300 bytes into the ticket
    ticket = issue(kiosk, print=True)
    [failed] = until(lambda: kiosk.get("/print-failures").json(), what="the failed print recorded")
    assert (failed["ticket"], failed["reason"]) == (ticket["id"], "paper_out")
    assert printer.held == b"", "the agent had the printer drop what was left of the job"
    [part] = printer.jobs
    assert not part.complete and len(part.data) == 300  # the half on the paper, uncut: no ticket to hand out

    printer.set_mode("ok")  # a new roll
    until(lambda: device_states(kiosk).get("k1") == "ok", what="paper back, reported by the heartbeat")
    desk = clerk_api(hall, server, "S001")
    r = desk.post(f"/tickets/{ticket['id']}/reprint", {"printer": "k1"})
    assert r.status_code == 201, r.text
    jobs = printer.wait_for_jobs(2, timeout=10)
    until(lambda: not kiosk.get("/print-failures").json(), what="the reprint settled as printed")
    slips = [job for job in printer.jobs if job.complete]
    assert len(slips) == 1 and jobs[1] is not part and ticket["number"] in decode(slips[0].data).texts


def test_a_job_that_waited_at_the_agent_past_its_start_deadline_is_not_printed(hall, server, printer, clock):
    """A job waiting behind a slow one is started only within start_within_s of being made: later, the
    server may have settled it as failed for want of an answer, and it must then never print."""
    config = AgentConfig.model_validate({"printers": [{"name": "k1", "url": printer.url, "profile": "generic-58",
                                                       "speed_mm_s": 40}]})  # each ticket takes seconds
    token = hall.token("agent", "agent-1", scope=AgentScope(printers=frozenset({"k1"})))
    running = Agent(server.url, token, config, heartbeat_s=0.3, clock=clock).start()
    try:
        kiosk = server.api(hall.token("kiosk", "k1"))
        until(lambda: device_states(kiosk).get("k1") == "ok", what="printer reported ok")
        first = issue(kiosk, print=True)
        printer.wait_for_jobs(1, timeout=10)  # sent; the agent waits for it to come out before the next
        second = issue(kiosk, print=True)
        clock.advance(seconds=11)  # past the second job's start deadline (10 s), before the server's (20 s)
        [failed] = until(lambda: kiosk.get("/print-failures").json(), timeout=30, what="the late job answered")
        assert (failed["ticket"], failed["reason"]) == (second["id"], "not started in time")
        assert [first["number"] in decode(job.data).texts for job in printer.jobs] == [True]
        assert b"A001" in printer.received and b"A002" not in printer.received, "no byte of the late job was sent"
    finally:
        running.close()


@pytest.mark.usefixtures("agent")
def test_a_call_shows_on_its_windows_led_screen(hall, server, screens):
    kiosk = server.api(hall.token("kiosk", "k1"))
    clerk = clerk_api(hall, server, "S001", window=1)
    until(lambda: screens.displays()[11], what="window 1's screen shows its idle state")
    issue(kiosk)
    assert clerk.post("/windows/1/call-next").status_code == 200
    until(lambda: screens.displays()[11] == ["请A001到1号窗口"], what="the call on window 1's screen")
    assert screens.displays()[12] != ["请A001到1号窗口"]  # window 2's screen is not told
    clerk.post("/windows/1/pause", {"reason": "lunch"})
    until(lambda: any("午休" in line or "暂停" in line for line in screens.displays()[11]), what="pause shown")
    states = device_states(kiosk)
    assert states["window-1-led"] == "ok" and states["window-2-led"] == "ok"


def test_the_admin_moves_a_windows_led_address_and_the_next_call_shows_there_without_a_restart(
        hall, server, screens, agent):
    hall.user("admin", "admin")
    admin = server.api(hall.login("admin"))
    kiosk = server.api(hall.token("kiosk", "k1"))
    clerk = clerk_api(hall, server, "S001", window=1)
    issue(kiosk)
    assert clerk.post("/windows/1/call-next").status_code == 200
    until(lambda: screens.displays()[11] == ["请A001到1号窗口"], what="the call at the address the admin set")
    assert screens.displays()[13] == []  # no card there is driven yet

    r = admin.post("/admin/windows/1", {"led": 13})  # the admin's Windows page
    assert r.status_code == 200 and r.json()["led"] == 13, r.text
    until(lambda: agent.leds.windows_on_screens().get(1) == (screens.url, 13), timeout=30,
          what="the running agent drives window 1 at its new address")
    assert agent.windows[1].led == 13 and agent.windows[2].led == 12
    # The window's state followed it; the card it left shows nothing rather than a stale call.
    until(lambda: screens.displays()[13] and not any(screens.displays()[11]), timeout=30,
          what="window 1 shown at 13, 11 blanked")
    assert clerk.post("/windows/1/finish", {"outcome": "immediate"}).status_code == 200
    issue(kiosk)
    assert clerk.post("/windows/1/call-next").status_code == 200
    until(lambda: screens.displays()[13] == ["请A002到1号窗口"], timeout=30, what="the next call at the new address")
    assert not any(screens.displays()[11]) and "A002" not in "".join(screens.displays()[12])
    until(lambda: device_states(kiosk).get("window-1-led") == "ok", what="the screen at 13 reported working")

    # The admin takes the screen away: the agent stops driving it, and the hall no longer counts it hosted.
    assert admin.post("/admin/windows/1", {"led": None}).status_code == 200
    until(lambda: 1 not in agent.leds.windows_on_screens(), timeout=30, what="window 1 without a screen")
    until(lambda: not any(screens.displays()[13]), timeout=30, what="its card blanked")
    until(lambda: "window-1-led" not in device_states(kiosk), timeout=30, what="no longer a device of the hall")
    assert device_states(kiosk)["window-2-led"] == "ok" and device_states(kiosk)["k1"] == "ok"
    assert agent.accepted and agent.sio.connected


def test_a_hall_file_loaded_while_the_agent_runs_reaches_it_on_its_heartbeat(hall, server, screens, agent, tmp_path):
    """`hallq load-hall` in another process publishes nothing to the agents: the server notices on the agent's
    next heartbeat that the map it was told is no longer the hall's, and the agent asks again."""
    from hallq.queue import hallfile
    from hallq.queue.models import Hall as HallRow
    from tests.helpers import run_cli
    with hall.db.read() as s:
        spec = hallfile.export(s, s.get(HallRow, hall.id))
    spec.windows[[w.number for w in spec.windows].index(2)].led = 13
    path = tmp_path / "hall.toml"
    path.write_text(hallfile.to_toml(spec), encoding="utf-8")
    done = run_cli("load-hall", path, "--db", hall.db.url)
    assert done.returncode == 0, done.stderr
    until(lambda: agent.leds.windows_on_screens().get(2) == (screens.url, 13), timeout=30,
          what="window 2 driven at the loaded address")
    until(lambda: screens.displays()[13] and not any(screens.displays()[12]), timeout=30,
          what="window 2's state moved from 12 to 13")
    assert agent.leds.windows_on_screens()[1] == (screens.url, 11)


def test_an_old_agent_file_with_screens_says_at_start_that_the_servers_addresses_win(
        hall, server, screens, caplog):
    bind_led(hall, 1, 12)  # the admin set window 1 at 12; window 2 has no screen on the Windows page
    config = AgentConfig.model_validate({"leds": [{
        "port": screens.url, "protocol": "line", "screens": [{"address": 11, "window": 1}, {"address": 13, "window": 2}]}]})
    token = hall.token("agent", "agent-1", scope=AgentScope(windows=frozenset({1, 2})))
    with caplog.at_level(logging.INFO, logger="hallq.devices.agent"):
        running = Agent(server.url, token, config, heartbeat_s=0.3, clock=hall.clock).start()
        try:
            until(lambda: running.leds.windows_on_screens() == {1: (screens.url, 12)}, timeout=30,
                  what="the server's address used")
            until(lambda: screens.displays()[12], timeout=30, what="window 1 shown at the server's address")
            assert not screens.displays()[11] and not screens.displays()[13]
            said = caplog.text
            assert "已不再使用" in said and "no longer read" in said
            assert "1号窗口：AGENT.toml 写LED屏地址 11，服务器为 12，按服务器的 12 显示" in said
            assert "window 1: AGENT.toml says LED address 11, the server says 12; the server's 12 is used" in said
            assert "2号窗口：AGENT.toml 写LED屏地址 13，管理后台未设LED屏" in said and "enter address 13" in said
        finally:
            running.close()


def test_the_real_agent_process_with_an_old_file_follows_the_admins_windows_page(hall, server, screens, tmp_path):
    """`hallq agent` as a hall runs it, with an AGENT.toml from before (screens per window): it starts, says on
    stderr in both languages that the server's addresses are used, drives them, and follows the admin's
    change of the address while it runs."""
    import subprocess
    import sys
    from tests.helpers import cli_env, stop
    bind_led(hall, 1, 12)
    path = tmp_path / "agent.toml"
    path.write_text(f'[[leds]]\nport = "{screens.url}"\nprotocol = "line"\n'
                    f'screens = [{{ address = 11, window = 1 }}]\n', encoding="utf-8")
    token = hall.token("agent", "agent-1", scope=AgentScope(windows=frozenset({1})))
    hall.user("admin", "admin")
    admin = server.api(hall.login("admin"))
    proc = subprocess.Popen([sys.executable, "-m", "hallq.cli", "agent", "--server", server.url, "--token", token,
                             "--config", str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            encoding="utf-8", env=cli_env())
    try:
        until(lambda: screens.displays()[12], timeout=30, what="window 1 at the server's address 12")
        assert not screens.displays()[11]
        assert admin.post("/admin/windows/1", {"led": 13}).status_code == 200
        until(lambda: screens.displays()[13] and not any(screens.displays()[12]), timeout=30,
              what="window 1 moved to 13 without a restart")
        clerk = clerk_api(hall, server, "S001", window=1)
        issue(server.api(hall.token("kiosk", "k1")))
        assert clerk.post("/windows/1/call-next").status_code == 200
        until(lambda: screens.displays()[13] == ["请A001到1号窗口"], timeout=30, what="the call at 13")
        assert proc.poll() is None
    finally:
        said = stop(proc)
    assert "已不再使用" in said and "no longer read" in said
    assert "1号窗口：AGENT.toml 写LED屏地址 11，服务器为 12" in said and "the server's 12 is used" in said
    assert "1号窗口：LED屏地址 13" in said and "window 1: LED address 13" in said  # the map as it changed


def test_an_agent_with_two_led_buses_knows_each_address_by_the_wiring_the_file_lists():
    """The server gives a window an address, not a bus: with one bus every address is on it; with more, each
    bus lists the cards wired on it, an address on none is driven nowhere, and an address on two is refused."""
    one = AgentConfig.model_validate({"leds": [{"port": "loop://"}]})
    assert one.led_port(7) == "loop://"
    two = AgentConfig.model_validate({"leds": [{"port": "socket://10.0.0.1:4001", "addresses": [1, 2]},
                                               {"port": "socket://10.0.0.2:4001", "addresses": [3]}]})
    assert (two.led_port(2), two.led_port(3), two.led_port(9)) == ("socket://10.0.0.1:4001",
                                                                   "socket://10.0.0.2:4001", None)
    with pytest.raises(ValueError, match="each lists the card addresses"):
        AgentConfig.model_validate({"leds": [{"port": "loop://"}, {"port": "socket://10.0.0.2:4001"}]})
    with pytest.raises(ValueError, match="on two buses"):
        AgentConfig.model_validate({"leds": [{"port": "loop://", "addresses": [1]},
                                             {"port": "socket://10.0.0.2:4001", "addresses": [1]}]})


def test_a_bad_agent_file_is_refused_with_where_and_why(tmp_path):
    from tests.helpers import run_cli
    path = tmp_path / "agent.toml"
    path.write_text('[[printers]]\nname = "k1"\nurl = "tcp://127.0.0.1:9100"\npaper = 57\n', encoding="utf-8")
    done = run_cli("agent", "--server", "http://127.0.0.1:9", "--token", "x", "--config", path)
    assert done.returncode != 0
    assert "printers.0.paper" in done.stderr and "58" in done.stderr


def press(keypads, address, action, **params):
    """Press a key the way a clerk does: again, while the keypad says it is still busy."""
    from hallq.devices.keypad.commands import NakReason
    for _ in range(50):
        reply = keypads.press(address, action, **params)
        if reply is None or reply.reason != NakReason.BUSY:
            return reply
        time.sleep(0.1)
    raise AssertionError("the keypad stayed busy")


@pytest.fixture
def keypads(tmp_path):
    from hallq.devices.keypad.simulator import KeypadBusSimulator
    from hallq.devices.led.sim_transport import PtyEndpoint
    sim = KeypadBusSimulator(PtyEndpoint(str(tmp_path / "ttyKEYPAD")))
    sim.add_caller(1)
    sim.add_evaluator(21, keys=5)
    yield sim
    sim.close()


@pytest.fixture
def keypad_agent(hall, server, keypads):
    config = AgentConfig.model_validate({"keypads": [{
        "port": keypads.url, "keypad": [{"address": 1, "window": 1, "kind": "caller"},
                                        {"address": 21, "window": 1, "kind": "evaluator", "keys": 5}]}]})
    token = hall.token("agent", "agent-1", scope=AgentScope(windows=frozenset({1})))
    running = Agent(server.url, token, config, heartbeat_s=0.3, clock=hall.clock).start()
    until(lambda: running.hello_answer, what="hello answered")
    assert running.accepted, running.hello_answer
    yield running
    running.close()


@pytest.mark.usefixtures("keypad_agent")
def test_a_clerk_runs_a_ticket_from_the_keypad_and_the_citizen_rates_it_on_the_evaluator_keypad(hall, server, keypads):
    kiosk = server.api(hall.token("kiosk", "k1"))
    clerk_api(hall, server, "S001", window=1)
    ticket = issue(kiosk)

    reply = press(keypads, 1, "call_next")
    assert reply is not None and reply.acked
    until(lambda: (keypads.keypad(1).screen or None) and keypads.keypad(1).screen.number == "A001",
          what="the keypad shows the called number")
    assert kiosk.get(f"/tickets/{ticket['id']}").json()["status"] == "called"

    assert press(keypads, 1, "finish", outcome="immediate").acked
    until(lambda: keypads.keypad(21).prompt is not None, what="the evaluator keypad lights up")
    assert keypads.rate(21, 5).acked
    supervisor = server.api(hall.login(hall.user("boss", "supervisor").name))
    rated = until(lambda: supervisor.get("/ratings").json(), what="the rating recorded")
    assert [(r["level"], r["channel"]) for r in rated] == [(5, "keypad")]
    events = [e["kind"] for e in kiosk.get(f"/tickets/{ticket['id']}").json()["events"]]
    assert events == ["issued", "called", "finished"]


@pytest.mark.usefixtures("keypad_agent")
def test_keypad_refusals_reach_the_keypad_and_change_nothing(hall, server, keypads):
    kiosk = server.api(hall.token("kiosk", "k1"))
    issue(kiosk)
    press(keypads, 1, "call_next")  # nobody is signed in at window 1
    until(lambda: keypads.keypad(1).screen and "未签到" in keypads.keypad(1).screen.text,
          what="the refusal on the keypad's screen")
    assert kiosk.get("/windows").json()[0]["serving"] is None


@pytest.mark.usefixtures("keypad_agent")
def test_a_keypad_and_a_console_calling_at_once_never_get_the_same_ticket(hall, server, keypads):
    import threading
    kiosk = server.api(hall.token("kiosk", "k1"))
    clerk_api(hall, server, "S001", window=1)
    console = clerk_api(hall, server, "S003", window=2)
    for _ in range(4):
        issue(kiosk)
    for _ in range(2):
        answers = {}
        both = [threading.Thread(target=lambda: answers.__setitem__("keypad", press(keypads, 1, "call_next"))),
                threading.Thread(target=lambda: answers.__setitem__("console", console.post("/windows/2/call-next")))]
        [t.start() for t in both]
        [t.join(15) for t in both]
        assert answers["keypad"].acked and answers["console"].status_code == 200
        # The keypad's key is acknowledged at once and acted on just after: wait for window 1.
        serving = until(lambda: {w["number"]: w["serving"] for w in kiosk.get("/windows").json()
                                 if w["serving"]} if len([w for w in kiosk.get("/windows").json() if w["serving"]]) == 2
                        else None, what="both windows serving")
        assert serving[1]["id"] != serving[2]["id"]
        press(keypads, 1, "finish", outcome="immediate")
        console.post("/windows/2/finish", {"outcome": "immediate"})


def test_calls_and_recalls_are_spoken_in_order_and_reported(hall, server):
    from hallq.devices.voice.engine import SpeechEngine
    from hallq.devices.voice.recorder import RecordingPlayback
    recorder = RecordingPlayback()
    config = AgentConfig.model_validate({"voice": {"enabled": True, "options": {"repeat": 1, "chime": "none"}}})
    token = hall.token("agent", "agent-1", scope=AgentScope(voice=True))
    running = Agent(server.url, token, config, playback=recorder, heartbeat_s=0.3, clock=hall.clock).start()
    try:
        until(lambda: running.accepted, what="hello answered")
        kiosk = server.api(hall.token("kiosk", "k1"))
        clerk = clerk_api(hall, server, "S001", window=1)
        issue(kiosk)
        clerk.post("/windows/1/call-next")
        assert recorder.wait_for(1, timeout=15)
        clerk.post("/windows/1/recall")
        assert recorder.wait_for(2, timeout=15)
        assert recorder.max_concurrent == 1
        # Synthesis is deterministic: what was played is the hall's wording of this call.
        expected = SpeechEngine.shared().synthesize("请A 零 零 一号到一号窗口办理", "zh").pcm
        assert [played.clip.pcm for played in recorder.played] == [expected, expected]
        assert recorder.played[0].clip.duration_s > 1.0  # speech, not silence
        until(lambda: device_states(kiosk).get("voice") == "ok", what="voice reported ok")
        recorder.unplug("no audio output device")
        # The next call (A001 was heard twice in a row already: a third recall would be merged into it).
        issue(kiosk)
        assert clerk.post("/windows/1/finish", {"outcome": "immediate"}).status_code == 200
        assert clerk.post("/windows/1/call-next").json()["number"] == "A002"
        until(lambda: device_states(kiosk).get("voice") == "failed", what="a lost speaker reported")
    finally:
        running.close()


def test_a_window_prints_its_written_notices_numbered_and_recorded(hall, server, printer):
    config = AgentConfig.model_validate({"printers": [{"name": "window-1", "url": printer.url, "paper": 80}]})
    token = hall.token("agent", "agent-1", scope=AgentScope(printers=frozenset({"window-1"})))
    running = Agent(server.url, token, config, heartbeat_s=0.3, clock=hall.clock).start()
    try:
        kiosk = server.api(hall.token("kiosk", "k1"))
        clerk = clerk_api(hall, server, "S001", window=1)
        until(lambda: device_states(kiosk).get("window-1") == "ok", what="window printer ready")
        first, second = issue(kiosk), issue(kiosk)
        clerk.post("/windows/1/call-next")
        r = clerk.post("/windows/1/finish", {"outcome": "supplement", "missing_materials": ["户口簿", "近期免冠照片"]})
        assert r.status_code == 200, r.text
        r = clerk.post("/windows/1/notices", {"ticket": first["id"], "kind": "rejection"})
        assert r.status_code == 409 and r.json()["error"] == "notice_not_for_outcome"
        r = clerk.post("/windows/1/notices", {"ticket": first["id"], "kind": "supplement"})
        assert r.status_code == 201 and r.json()["number"] == "补〔2026〕0001号"

        paper = decode(printer.wait_for_jobs(1, timeout=10)[0].data).text
        assert "材料补齐通知书" in paper and "补〔2026〕0001号" in paper and "居民身份证申领" in paper
        assert "1. 户口簿" in paper and "2. 近期免冠照片" in paper and "A001" in paper
        events = kiosk.get(f"/tickets/{first['id']}").json()["events"]
        assert events[-1]["kind"] == "notice" and events[-1]["data"] == {"notice": "supplement",
                                                                          "number": "补〔2026〕0001号"}
        # Its deadline (10 working days, the hall default), the window to come back to, the seal and signature.
        across = paper.replace("\n", "")
        assert "请于2026-12-07前补齐上述材料，补齐后直接到1号窗口办理。" in across
        assert "（窗口专用章）" in paper and "申请人签收：" in paper and "签收日期：" in paper
        # A reprint is the same document: the same number, recorded as a reprint.
        r = clerk.post("/windows/1/notices", {"ticket": first["id"], "kind": "supplement"})
        assert r.status_code == 201 and r.json()["number"] == "补〔2026〕0001号"
        assert "补〔2026〕0001号" in decode(printer.wait_for_jobs(2, timeout=10)[1].data).text
        events = kiosk.get(f"/tickets/{first['id']}").json()["events"]
        assert events[-1]["data"] == {"notice": "supplement", "number": "补〔2026〕0001号", "reprint": True}

        clerk.post("/windows/1/call-next")
        clerk.post("/windows/1/finish", {"outcome": "promised", "promised_days": 5})
        r = clerk.post("/windows/1/notices", {"ticket": second["id"], "kind": "acceptance"})
        assert r.json()["number"] == "受〔2026〕0001号"
        paper = decode(printer.wait_for_jobs(3, timeout=10)[2].data).text.replace("\n", "")  # read across wraps
        assert "受理通知书" in paper and "5个工作日" in paper and "2026-11-30" in paper
        other = clerk_api(hall, server, "S003", window=2)
        r = other.post("/windows/1/notices", {"ticket": second["id"], "kind": "acceptance"})
        assert r.status_code == 409  # only the clerk signed in at window 1
    finally:
        running.close()
