"""The demo hall with its simulated hardware, end to end, as `hallq demo` runs it.

The demo app and a real device agent run against printer, LED screen and keypad
simulators (TCP and ptys on 127.0.0.1); the hardware page's JSON, PNG and WAV
routes are read back and what they show is checked against what the server did.
"""
from __future__ import annotations

import io
import os

import pytest
import requests
from PIL import Image

from hallq.db import connect
from hallq.demo.hall import PASSWORD, create_demo_app, prepare
from hallq.demo.hardware import DemoHardware, agent_scope, loopback_url
from hallq.devices.agent import VOICE, led_name
from hallq.migrate import upgrade
from tests.browser import screenshot
from tests.conftest import MONDAY_10AM, Clock, Hall, Server
from tests.devices.test_agent import bind_led
from tests.helpers import clerk_api, until


class Demo:
    def __init__(self, tmp):
        self.db = connect(f"sqlite:///{tmp}/demo.db")
        upgrade(self.db)
        self.setup = prepare(self.db)
        self.hardware = DemoHardware.for_setup(self.setup)
        self.server = Server(create_demo_app(self.db, self.setup, self.hardware))
        self.url = self.server.url
        self.hardware.start(self.server.url)
        until(lambda: self.hardware.agent.hello_answer, what="the agent's hello answered")
        assert self.hardware.agent.accepted, self.hardware.agent.hello_answer
        self.kiosk = self.server.api(self.setup.kiosk_token)
        until(lambda: self.device("printer", self.setup.kiosk_name) == "ok", what="the kiosk printer reported ok")

    def device(self, kind, name):
        found = [d for d in self.kiosk.get("/devices").json() if d["kind"] == kind and d["name"] == name]
        return found[0]["state"] if found else None

    def state(self):
        r = requests.get(self.url + "/hardware/state", timeout=10)
        assert r.status_code == 200
        return r.json()

    def post(self, path, body):
        return requests.post(self.url + path, json=body, timeout=30)

    def close(self):
        self.hardware.close()
        self.server.stop()
        self.db.dispose()


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    running = Demo(tmp_path_factory.mktemp("demo"))
    yield running
    running.close()


@pytest.mark.real_clock
def test_the_agent_reports_no_device_before_its_hello_is_accepted(tmp_path, caplog):
    """The voice tells its state as it starts, before the server has accepted the hello that declares it:
    such a report used to be refused as "not hosted" (a warning at every start). It is sent once the
    hello is accepted, with every other device's state."""
    caplog.set_level("WARNING", logger="hallq.server.hub")
    running = Demo(tmp_path)
    try:
        until(lambda: running.device("voice", VOICE) == "ok", what="the voice reported ok")
        until(lambda: running.device("led", led_name(1)) == "ok", what="window 1's LED screen reported ok")
    finally:
        running.close()
    assert [r.getMessage() for r in caplog.records if "does not host" in r.getMessage()] == []


def serving_at(demo, window):
    return next(w for w in demo.kiosk.get("/windows").json() if w["number"] == window)["serving"]


@pytest.mark.real_clock
def test_the_landing_page_links_the_hardware_page(demo):
    html = requests.get(demo.url + "/", timeout=10).text
    assert 'href="/hardware"' in html and "模拟硬件" in html
    page = requests.get(demo.url + "/hardware", timeout=10)
    assert page.status_code == 200 and "/static/hardware.js" in page.text
    state = demo.state()
    assert state["agent"] == {"connected": True, "accepted": True, "refused": None}
    assert state["notes"] == []  # ptys and ports are there: nothing left out
    assert {p["name"] for p in state["printers"]} == {"demo-kiosk", "window-1", "window-2"}
    assert [s["window"] for s in state["screens"]] == list(range(1, 18))


@pytest.mark.real_clock
def test_a_printed_ticket_is_drawn_from_its_bytes(demo):
    import zxingcpp
    r = demo.kiosk.post("/tickets", {"service": "GA01", "print": True})
    assert r.status_code == 201, r.text
    ticket = r.json()
    printout = until(lambda: next((p for p in demo.state()["printouts"]
                                   if p["printer"] == "demo-kiosk" and ticket["number"] in p["text"]), None),
                     what="the ticket on the page")
    assert printout["complete"] and printout["kind"] == "ticket"
    assert demo.setup.hall_name in printout["text"] and "居民身份证" in printout["text"]
    png = requests.get(demo.url + printout["png"], timeout=30)
    assert png.status_code == 200 and png.headers["Content-Type"] == "image/png"
    paper = Image.open(io.BytesIO(png.content))
    assert paper.width == 576 + 32 and paper.height > paper.width  # 80 mm paper, a long slip
    codes = zxingcpp.read_barcodes(paper)
    assert [c.text for c in codes if c.format == zxingcpp.BarcodeFormat.QRCode][0].endswith("/t/" + ticket["token"])
    # The newest printout comes first.
    assert demo.state()["printouts"][0]["index"] == printout["index"]
    assert requests.get(demo.url + "/hardware/printouts/demo-kiosk/999.png", timeout=10).status_code == 404


@pytest.mark.real_clock
def test_the_caller_keypad_calls_and_the_call_shows_on_the_led_and_is_spoken(demo):
    assert demo.kiosk.post("/tickets", {"service": "GA02"}).status_code == 201
    pressed = demo.post("/hardware/keypads/caller", {"action": "call_next"})
    assert pressed.status_code == 200 and pressed.json() == {"acked": True, "reason": None}
    called = until(lambda: serving_at(demo, 1), what="window 1 serving the keypad's call")["number"]

    screen = until(lambda: next(s for s in demo.state()["screens"] if s["window"] == 1)["lines"]
                   if any(called in line for line in next(s for s in demo.state()["screens"]
                                                          if s["window"] == 1)["lines"]) else None,
                   what="the call on window 1's LED screen")
    assert screen[0] in (f"请{called}到1号窗口", f"{called} 正在办理")
    assert not any(called in line for s in demo.state()["screens"] if s["window"] != 1 for line in s["lines"])
    keypad = until(lambda: demo.state()["keypads"]["caller"]["screen"], what="the keypad's screen")
    until(lambda: demo.state()["keypads"]["caller"]["screen"]["number"] == called, what="the number on the keypad")
    assert keypad["status"] == "open"

    spoken = until(lambda: [s for s in demo.state()["voice"]["spoken"] if s["outcome"] == "played"],
                   timeout=30, what="the call spoken")
    # The words as spoken: digits one by one ("请A 零 零 一号到一号窗口办理").
    assert spoken[0]["text"].startswith("请" + called[0]) and "到一号窗口" in spoken[0]["text"]
    wav = requests.get(demo.url + spoken[0]["wav"], timeout=10)
    assert wav.headers["Content-Type"] == "audio/wav" and wav.content[:4] == b"RIFF" and wav.content[8:12] == b"WAVE"
    assert spoken[0]["duration_s"] > 1.0  # speech, not silence
    assert demo.state()["voice"]["state"] == "ok"

    # Finishing on the keypad lights the evaluator keys; a key press is a rating.
    assert demo.post("/hardware/keypads/evaluator", {"level": 5}).status_code == 409  # dark: nothing to rate
    assert demo.post("/hardware/keypads/caller", {"action": "finish"}).json()["acked"]
    prompt = until(lambda: demo.state()["keypads"]["evaluator"]["prompt"], what="the evaluator keypad lit")
    assert prompt["number"] == called
    assert demo.post("/hardware/keypads/evaluator", {"level": 5}).json() == {"acked": True, "reason": None}
    token = requests.post(demo.url + "/api/v1/auth/login", json={"username": "supervisor", "password": PASSWORD},
                          timeout=30).json()["token"]
    supervisor = demo.server.api(token)
    rated = until(lambda: [r for r in supervisor.get("/ratings").json() if r["channel"] == "keypad"],
                  what="the keypad rating recorded")
    assert rated[0]["level"] == 5
    until(lambda: demo.state()["keypads"]["evaluator"]["prompt"] is None, what="the keys dark again")


@pytest.mark.real_clock
def test_a_call_and_three_quick_recalls_are_heard_as_a_hall_hears_them(demo):
    """The demo's speaker takes each announcement's real time, so presses of 重呼 while the call is
    spoken meet it and merge into it: the hall hears the ticket at most twice in a row."""
    if serving_at(demo, 1):
        assert demo.post("/hardware/keypads/caller", {"action": "finish"}).json()["acked"]
        until(lambda: serving_at(demo, 1) is None, what="window 1 free")
    assert demo.kiosk.post("/tickets", {"service": "GA02"}).status_code == 201
    before = len(demo.hardware.agent.spoken_so_far())
    assert demo.post("/hardware/keypads/caller", {"action": "call_next"}).json()["acked"]
    until(lambda: serving_at(demo, 1), what="window 1 serving the keypad's call")
    for _ in range(3):
        assert demo.post("/hardware/keypads/caller", {"action": "recall"}).json()["acked"]

    def settled():
        mine = [s for s in demo.hardware.agent.spoken_so_far()[before:] if "到一号窗口" in s.text]
        return mine if len(mine) == 4 else None

    mine = until(settled, timeout=90, what="the call and its three recalls settled")
    shown = demo.state()["voice"]["spoken"][:4]  # newest first, as /hardware lists them
    assert sorted(s["outcome"] for s in shown) == sorted(s.outcome for s in mine)
    played = [s for s in mine if s.outcome == "played"]
    assert 1 <= len(played) <= 2 and len([s for s in mine if s.outcome == "merged"]) == 4 - len(played)
    # The recorder took the clip's real time: a hall hears 9-odd seconds, not nothing.
    clip = demo.hardware.recorder.played[-1]
    assert clip.ended - clip.started >= clip.clip.duration_s > 3.0


@pytest.mark.real_clock
def test_a_notice_prints_on_the_windows_printer(demo):
    clerk = demo.server.api(demo.setup.clerk_tokens[2])
    assert demo.kiosk.post("/tickets", {"service": "GA07"}).status_code == 201
    called = clerk.post("/windows/2/call-next").json()
    r = clerk.post("/windows/2/finish", {"outcome": "supplement", "missing_materials": ["户口簿"]})
    assert r.status_code == 200, r.text
    until(lambda: demo.device("printer", "window-2") == "ok", what="window 2's printer ready")
    r = clerk.post("/windows/2/notices", {"ticket": called["id"], "kind": "supplement"})
    assert r.status_code == 201, r.text
    printout = until(lambda: next((p for p in demo.state()["printouts"] if p["printer"] == "window-2"), None),
                     what="the notice on the page")
    assert printout["kind"] == "notice" and "材料补齐通知书" in printout["text"] and called["number"] in printout["text"]
    assert Image.open(io.BytesIO(requests.get(demo.url + printout["png"], timeout=30).content)).format == "PNG"


@pytest.mark.real_clock
def test_a_printer_switched_to_paper_out_makes_the_kiosk_refuse(demo):
    try:
        r = demo.post("/hardware/printers/demo-kiosk/mode", {"mode": "paper_out"})
        assert r.status_code == 200 and r.json()["reported"] == "paper_out"
        refused = demo.kiosk.post("/tickets", {"service": "GA01", "print": True})
        assert refused.status_code == 409 and refused.json()["error"] == "printer_not_ready"
        assert demo.device("printer", "demo-kiosk") == "paper_out"  # the duty manager's screen sees it too
        assert next(p for p in demo.state()["printers"] if p["name"] == "demo-kiosk")["mode"] == "paper_out"

        assert demo.post("/hardware/printers/demo-kiosk/mode", {"mode": "near_end"}).json()["reported"] == "near_end"
        assert demo.kiosk.post("/tickets", {"service": "GA01", "print": True}).status_code == 201  # still prints
        assert demo.post("/hardware/printers/demo-kiosk/mode", {"mode": "drop"}).status_code == 400
        assert demo.post("/hardware/printers/nobody/mode", {"mode": "ok"}).status_code == 404
    finally:
        assert demo.post("/hardware/printers/demo-kiosk/mode", {"mode": "ok"}).json()["reported"] == "ok"


@pytest.mark.real_clock
def test_the_hardware_page_in_chromium(demo, browser_page):
    page = browser_page
    page.set_viewport_size({"width": 1600, "height": 1000})
    page.goto(demo.url + "/hardware")
    page.wait_for_selector(".printout img")
    page.wait_for_function("[...document.querySelectorAll('.printout img')].every(i => i.complete && i.naturalWidth)")
    page.wait_for_selector(".spoken audio")
    assert page.locator(".led").count() == 17
    assert "已连接" in page.locator("#agent").inner_text()
    assert page.locator(".rate button").count() == 5
    screenshot(page, "demo-hardware")

    # The caller keypad's key on the page calls the next ticket at window 1.
    assert demo.kiosk.post("/tickets", {"service": "GA03"}).status_code == 201
    page.click("button[data-action=call_next]")
    page.wait_for_function("document.querySelector('#keypad-msg').textContent.length > 0")
    called = until(lambda: serving_at(demo, 1), what="window 1 serving")["number"]
    page.wait_for_function(f"document.querySelector('.led[data-window=\"1\"]').textContent.includes('{called}')")
    page.click("#lang")
    page.wait_for_function("document.querySelector('#agent').textContent.includes('connected')")
    assert "Simulated hardware" in page.locator("h1").inner_text()
    screenshot(page, "demo-hardware-en")
    page.click("button[data-action=finish]")
    until(lambda: serving_at(demo, 1) is None, what="window 1 finished")


@pytest.mark.real_clock
def test_a_lost_speaker_is_reported_on_the_page_and_comes_back(demo):
    clerk = demo.server.api(demo.setup.clerk_tokens[4])
    assert demo.kiosk.post("/tickets", {"service": "SJ01"}).status_code == 201
    demo.hardware.recorder.unplug("no audio output device")
    try:
        called = clerk.post("/windows/4/call-next").json()
        voice = until(lambda: demo.state()["voice"]["state"] == "failed" and demo.state()["voice"],
                      timeout=30, what="the voice reported failed")
        assert voice["source"] == "audio" and voice["reason"] == "no audio output device"
        failed = until(lambda: [s for s in demo.state()["voice"]["spoken"] if s["outcome"] == "failed"],
                       timeout=30, what="the call listed as not played")
        assert failed[0]["wav"] is None and "到四号窗口" in failed[0]["text"]
        until(lambda: demo.device("voice", "voice") == "failed", what="the duty manager told")
    finally:
        demo.hardware.recorder.plug()
    clerk.post("/windows/4/recall")
    until(lambda: demo.state()["voice"]["state"] == "ok", timeout=30, what="the voice back")
    clerk.post("/windows/4/finish", {"outcome": "immediate"})
    assert called["status"] == "called"


def test_without_ptys_the_buses_run_over_tcp_and_the_page_says_what_is_missing(sqlite_db, monkeypatch):
    def no_pty():
        raise OSError("out of pty devices")
    monkeypatch.setattr(os, "openpty", no_pty)
    hall = Hall(sqlite_db, Clock(MONDAY_10AM))
    from hallq.server.app import create_app
    server = Server(create_app(hall.db, clock=hall.clock))
    token = hall.token("agent", "demo-agent", scope=agent_scope(["k1"], [1, 2], window_printers=(1,)))
    bind_led(hall, 1, 1)  # as the demo hall file binds them: the card at each window's number
    bind_led(hall, 2, 2)
    hardware = DemoHardware(token, ["k1"], {1: "一号窗口", 2: "二号窗口"}, window_printers=(1,),
                            clock=hall.clock)  # the voice on the server's day: the real one would drop calls as stale
    try:
        assert hardware.screen_link == "tcp" and hardware.screens.url.startswith("socket://127.0.0.1:")
        assert hardware.keypad_link == "tcp" and hardware.notes == []
        hardware.start(server.url)
        until(lambda: hardware.agent.accepted, what="hello answered")
        clerk = clerk_api(hall, server, "S001", window=1)
        kiosk = server.api(hall.token("kiosk", "k1"))
        assert kiosk.post("/tickets", {"service": "GA01"}).status_code == 201
        assert clerk.post("/windows/1/call-next").status_code == 200
        until(lambda: hardware.state()["screens"][0]["lines"] == ["请A001到1号窗口"], what="the call over TCP")
        assert hardware.press_caller("recall") == {"acked": True, "reason": None}
    finally:
        hardware.close()
        server.stop()

    # Neither a pty nor a port: the buses are left out, said so, and the printers still run.
    monkeypatch.setattr("hallq.demo.hardware.TcpEndpoint", lambda: (_ for _ in ()).throw(OSError("no ports")))
    degraded = DemoHardware("token", ["k1"], {1: "一号窗口"})
    try:
        assert degraded.screens is None and degraded.keypads is None
        assert {n.device for n in degraded.notes} == {"led", "keypad"}
        assert all("no ports" in n.en for n in degraded.notes)
        state = degraded.state()
        assert state["screens"] == [] and state["keypads"] is None and len(state["notes"]) == 2
        assert [p["name"] for p in state["printers"]] == ["k1", "window-1"]
        assert "leds" not in degraded.config().model_dump(exclude_defaults=True)
    finally:
        degraded.close()
    assert not degraded.workdir.exists()


def test_loopback_url():
    assert loopback_url("0.0.0.0", 8000) == "http://127.0.0.1:8000"
    assert loopback_url("127.0.0.1", 80) == "http://127.0.0.1:80"
    assert loopback_url("::", 8000) == "http://127.0.0.1:8000"
    assert loopback_url("::1", 8000) == "http://[::1]:8000"


@pytest.mark.real_clock
def test_hallq_demo_runs_the_hardware_and_cleans_up_when_stopped(tmp_path):
    """The command itself, under gunicorn: the agent connects from the worker, and on
    SIGTERM everything stops and the ptys' directory is gone."""
    import signal
    import socket
    import subprocess
    import sys

    from tests.helpers import cli_env
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**cli_env(), "TMPDIR": str(tmp_path)}  # where the demo makes its pty directory
    proc = subprocess.Popen([sys.executable, "-m", "hallq.cli", "demo", "--port", str(port),
                             "--db", f"sqlite:///{tmp_path}/demo.db"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        def agent_accepted():
            if proc.poll() is not None:
                raise AssertionError(f"the demo exited: {proc.stderr.read()}")
            try:
                return requests.get(base + "/hardware/state", timeout=5).json()["agent"]["accepted"]
            except (requests.ConnectionError, requests.Timeout):  # bound, not yet answering
                return False
        until(agent_accepted, timeout=90, what="the demo's agent connected")
        assert sorted(p.name for p in tmp_path.glob("hallq-demo-hardware-*/*")) == ["ttyKEYPAD0", "ttyLED0"]
        assert 'href="/hardware"' in requests.get(base + "/", timeout=10).text
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
            raise AssertionError("the demo did not stop within 30 s of SIGTERM")
    assert list(tmp_path.glob("hallq-demo-hardware-*")) == []
    assert "Traceback" not in proc.stderr.read()


@pytest.mark.real_clock
def test_text_reminders_go_to_the_simulator_and_show_masked_on_the_hardware_page(demo, browser_page):
    """The demo hall's notify.channel is "simulator": a kiosk opt-in and a call end as a text on /hardware."""
    ticket = demo.kiosk.post("/tickets", {"service": "GA03"}).json()
    r = demo.kiosk.post(f"/kiosk/tickets/{ticket['id']}/phone", {"phone": "13912345678"})
    assert r.status_code == 200 and r.json()["phone"] == "139****5678"
    clerk = demo.server.api(demo.setup.clerk_tokens[1])
    if serving_at(demo, 1) is not None:
        clerk.post("/windows/1/finish", {"outcome": "immediate"})
    assert clerk.post("/windows/1/call", {"ticket": ticket["number"]}).status_code == 200
    texts = until(lambda: [m for m in demo.state()["sms"] if m["kind"] == "called" and ticket["number"] in m["text"]],
                  30, "the call's text")
    assert texts[0]["to"] == "139****5678" and texts[0]["text"].startswith(f"请{ticket['number']}号到1号窗口办理")
    assert "13912345678" not in str(demo.state())
    page = browser_page
    page.set_viewport_size({"width": 1600, "height": 1000})
    page.goto(demo.url + "/hardware")
    page.wait_for_function(f"document.querySelector('#sms').textContent.includes('请{ticket['number']}号')")
    assert "139****5678" in page.inner_text("#sms")
    page.locator("#sms").scroll_into_view_if_needed()
    screenshot(page, "demo-hardware-sms")
    clerk.post("/windows/1/finish", {"outcome": "immediate"})
