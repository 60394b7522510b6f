"""The devices bound to each window and the authorisation a department posts (issue 15), over HTTP on both
databases: in the hall file (export, load, round trip), validated by its rules (two windows on one LED
address, a printer name an agent cannot have, an LED address out of range: 400, nothing changed), audited,
taking effect at once (a window's notice prints on the printer bound to it, through a real device agent and a
simulated printer); the authorisation's text and picture; a clerk and a supervisor refused every change.
"""
from __future__ import annotations

import base64

from hallq.devices.agent import Agent
from hallq.devices.agent_config import AgentConfig
from hallq.devices.escpos.decode import decode
from hallq.devices.escpos.simulator import PrinterSimulator
from hallq.queue import hallfile
from hallq.queue.agent_scope import AgentScope
from hallq.server.app import create_app
from tests.admin.test_admin_api import _file, picture
from tests.conftest import Server
from tests.devices.test_agent import device_states
from tests.helpers import clerk_api, issue, until

import pytest


def ok(r, status=200):
    assert r.status_code == status, r.text
    return r.json()


@pytest.fixture
def photo_server(hall, clock, tmp_path):
    srv = Server(create_app(hall.db, clock=clock, photo_dir=tmp_path / "photos"))
    yield srv
    srv.stop()


@pytest.fixture
def boss(hall, photo_server):
    hall.user("admin", "admin")
    return photo_server.api(hall.login("admin"))


def test_a_window_led_address_and_printer_in_the_hall_file_by_its_rules(boss, hall, clock):
    row = ok(boss.post("/admin/windows/1", {"led": 11, "printer": "counter-1"}))
    assert (row["led"], row["printer"]) == (11, "counter-1")
    windows = {w["number"]: w for w in ok(boss.get("/admin/windows"))}
    assert (windows[1]["led"], windows[1]["printer"]) == (11, "counter-1")
    assert windows[2]["led"] is None and windows[2]["printer"] is None  # no screen; the default printer
    text = _file(boss)
    assert "led = 11" in text and 'printer = "counter-1"' in text
    change = ok(boss.get("/admin/changes?entity=window"))[0]
    assert change["key"] == "1" and change["before"].get("led") is None and change["after"]["led"] == 11
    # What the hall file refuses: a 400 saying why, and the file as it was.
    for number, data, says in ((2, {"led": 11}, "the same LED address 11"),
                               (2, {"printer": "counter 2"}, "printer"),
                               (2, {"led": 70000}, "65535"),
                               (2, {"printer": ""}, "printer")):
        r = boss.post(f"/admin/windows/{number}", data)
        assert r.status_code == 400 and says in r.json()["message"], (data, r.text)
    assert _file(boss) == text
    # Cleared: no screen, the default printer again.
    ok(boss.post("/admin/windows/1", {"led": None, "printer": None}))
    assert "led = 11" not in _file(boss)
    ok(boss.post("/admin/windows/1", {"led": 11, "printer": "counter-1"}))
    # The export loads back to the same file.
    text = _file(boss)
    with hall.db.write() as s:
        hallfile.load(s, hallfile.parse(text), clock().date())
        s.commit()
    assert _file(boss) == text


def test_a_notice_prints_on_the_printer_bound_to_the_window(boss, hall, photo_server):
    server = photo_server
    ok(boss.post("/admin/windows/1", {"printer": "counter-1"}))
    printer = PrinterSimulator().start()
    config = AgentConfig.model_validate({"printers": [{"name": "counter-1", "url": printer.url, "paper": 80}]})
    token = hall.token("agent", "agent-1", scope=AgentScope(printers=frozenset({"counter-1"})))
    running = Agent(server.url, token, config, heartbeat_s=0.3, clock=hall.clock).start()
    try:
        kiosk = server.api(hall.token("kiosk", "k1"))
        clerk = clerk_api(hall, server, "S001", window=1)
        until(lambda: device_states(kiosk).get("counter-1") == "ok", what="the window's printer ready")
        first = issue(kiosk)
        clerk.post("/windows/1/call-next")
        ok(clerk.post("/windows/1/finish", {"outcome": "supplement", "missing_materials": ["户口簿"]}))
        answer = ok(clerk.post("/windows/1/notices", {"ticket": first["id"], "kind": "supplement"}), 201)
        assert answer["printer"] == "counter-1"
        paper = decode(printer.wait_for_jobs(1, timeout=30)[0].data).text
        assert "材料补齐通知书" in paper and "户口簿" in paper
    finally:
        running.close()
        printer.stop()


def test_the_authorisation_posted_at_the_department_window(boss, hall, photo_server, clock):
    server = photo_server
    text = "兹授权张伟同志为县公安局驻中心首席代表，全权办理户籍、身份证类事项的受理和审批。授权期限：2026年1月1日至2026年12月31日。"
    row = ok(boss.post("/admin/departments/GA", {"authorisation": text, "chief": "S003"}))
    assert row["authorisation"] == text and row["chief"] == "S003"
    image = picture("JPEG")
    answer = ok(boss.post("/admin/departments/GA/authorisation-image", {"data": base64.b64encode(image).decode()}))
    assert answer["authorisation_image"].startswith("departments/GA-")
    got = boss.get("/admin/departments/GA/authorisation-image")
    assert got.status_code == 200 and got.content == image and got.headers["Content-Type"] == "image/jpeg"
    department = next(d for d in ok(boss.get("/admin/departments")) if d["code"] == "GA")
    assert department["authorisation"] == text and department["authorisation_image"] == answer["authorisation_image"]
    file_text = _file(boss)
    assert "授权期限" in file_text and answer["authorisation_image"] in file_text
    assert ok(boss.get("/admin/changes?entity=department"))[0]["after"]["authorisation_image"]
    # Bad input: not a picture, too long a text, an unknown department: refused, nothing changed.
    r = boss.post("/admin/departments/GA/authorisation-image", {"data": base64.b64encode(b"%PDF-1.4 x").decode()})
    assert r.status_code == 400 and r.json()["error"] == "photo_not_image"
    assert boss.post("/admin/departments/GA", {"authorisation": "x" * 4001}).status_code == 400
    r = boss.post("/admin/departments/XX/authorisation-image", {"data": base64.b64encode(image).decode()})
    assert r.status_code == 400 and r.json()["error"] == "department_unknown"
    assert boss.get("/admin/departments/SJ/authorisation-image").status_code == 404
    assert _file(boss) == file_text
    # A clerk and a supervisor: refused every change and the picture.
    hall.user("duban", "supervisor")
    hall.user("S001", "clerk")
    for who in ("duban", "S001"):
        api = server.api(hall.login(who))
        assert api.post("/admin/departments/GA", {"authorisation": "改"}).status_code == 403
        assert api.post("/admin/departments/GA/authorisation-image",
                        {"data": base64.b64encode(image).decode()}).status_code == 403
        assert api.get("/admin/departments/GA/authorisation-image").status_code == 403
        assert api.post("/admin/windows/1", {"led": 3}).status_code == 403
    assert _file(boss) == file_text
    # The round trip keeps the authorisation.
    with hall.db.write() as s:
        hallfile.load(s, hallfile.parse(file_text), clock().date())
        s.commit()
    assert _file(boss) == file_text
