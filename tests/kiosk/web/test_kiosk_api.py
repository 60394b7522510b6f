"""The kiosk's own API routes over real HTTP and Socket.IO: state, search, appointments, help,
and the public status page with its QR code."""
from __future__ import annotations

import datetime as dt

from hallq.queue.events import KIOSK_HELP
from tests.conftest import local
from tests.helpers import clerk_api, issue, wait_for
from tests.kiosk.kit import book, duty_manager, id_number, printer_agent, report

ELDER = id_number(dt.date(1950, 3, 1))
YOUNG = id_number(dt.date(1990, 6, 15))


def test_state_tells_the_kiosk_its_name_hours_issuing_and_printer(hall, server, clock):
    kiosk = server.api(hall.token("kiosk", "k1"))
    state = kiosk.get("/kiosk/state").json()
    assert state["kiosk"] == "k1" and state["hall"]["name"] == "测试县政务服务中心"
    assert state["hours"] == [["09:00", "12:00"], ["14:00", "18:00"]]
    assert state["issuing"] is None and state["green_elderly_age"] == 70
    assert state["printer"] == {"name": "k1", "state": "unknown", "detail": "never reported"}
    assert [d["code"] for d in state["departments"]] == ["GA", "SJ", "MZ"]

    agent = printer_agent(hall, server, "k1", "paper_out")
    assert kiosk.get("/kiosk/state").json()["printer"]["state"] == "paper_out"
    report(agent, "ok")
    assert kiosk.get("/kiosk/state").json()["printer"]["state"] == "ok"

    clock.set(local(2026, 11, 23, 17, 40))  # 20 minutes before closing, the buffer is 30
    state = kiosk.get("/kiosk/state").json()
    assert state["issuing"] == "closing_soon" and "30分钟" in state["issuing_message"]
    english = server.api(hall.token("kiosk", "k1"), lang="en").get("/kiosk/state").json()
    assert "30 minutes" in english["issuing_message"]


def test_only_kiosks_use_the_kiosk_routes(hall, server):
    display = server.api(hall.token("display", "tv"))
    assert display.get("/kiosk/state").status_code == 403
    assert display.post("/kiosk/help", {}).status_code == 403
    assert server.api().get("/kiosk/search?q=sfz").status_code == 401


def test_search_over_http(hall, server):
    kiosk = server.api(hall.token("kiosk", "k1"))
    assert kiosk.get("/kiosk/search", params={"q": "sfz"}).json() == {"query": "sfz", "services": ["GA01"]}
    assert kiosk.get("/kiosk/search", params={"q": "公安"}).json()["services"] == ["GA01", "GA02"]
    assert kiosk.get("/kiosk/search", params={"q": ""}).json()["services"] == []


def test_an_appointment_is_found_by_code_or_by_id_number(hall, server, clock):
    book(hall, "YY20261123001", "SJ01", local(2026, 11, 23, 9, 45), person=ELDER)
    book(hall, "YY20261123002", "GA02", local(2026, 11, 23, 15, 0), person=ELDER)
    book(hall, "YY20261124001", "MZ01", local(2026, 11, 24, 10, 0), person=ELDER)  # tomorrow: not listed
    kiosk = server.api(hall.token("kiosk", "k1"))

    found = kiosk.post("/kiosk/appointments/find", {"code": " YY20261123001 "}).json()["appointments"]
    assert [(a["code"], a["service"], a["in_slot"], a["slot"]) for a in found] == [
        ("YY20261123001", "SJ01", True, "11-23 09:45–10:15")]

    by_id = kiosk.post("/kiosk/appointments/find", {"id_number": ELDER}).json()["appointments"]
    assert [(a["service"], a["in_slot"]) for a in by_id] == [("SJ01", True), ("GA02", False)]
    assert ELDER not in str(by_id)

    ticket = issue(kiosk, "SJ01", appointment_code="YY20261123001", id_number=ELDER)
    assert ticket["priority"] == "appointment" and ticket["number"] == "B001"
    by_id = kiosk.post("/kiosk/appointments/find", {"id_number": ELDER}).json()["appointments"]
    assert [a["service"] for a in by_id] == ["GA02"]  # checked in: no longer offered


def test_appointment_lookups_refuse_in_plain_words(hall, server):
    kiosk = server.api(hall.token("kiosk", "k1"))
    r = kiosk.post("/kiosk/appointments/find", {"code": "NOPE"})
    assert r.status_code == 404 and r.json()["error"] == "appointment_unknown" and "NOPE" in r.json()["message"]
    r = kiosk.post("/kiosk/appointments/find", {"id_number": YOUNG})
    assert r.status_code == 404 and r.json()["error"] == "appointment_none_today"
    assert "普通号" in r.json()["message"]
    r = kiosk.post("/kiosk/appointments/find", {"id_number": "110101195003011234"})  # bad check digit
    assert r.status_code == 400 and r.json()["error"] == "id_number_invalid"
    r = kiosk.post("/kiosk/appointments/find", {})
    assert r.status_code == 400 and r.json()["error"] == "invalid_input"


def test_call_for_help_reaches_the_duty_manager_once_per_call(hall, server):
    duty = duty_manager(hall, server)
    kiosk = server.api(hall.token("kiosk", "k1"))
    first = kiosk.post("/kiosk/help", {"screen": "confirm"}).json()
    assert first == {"ok": True, "repeated": False, "alert": first["alert"]}
    news = wait_for(duty, KIOSK_HELP)
    assert news["kiosk"] == "k1" and news["screen"] == "confirm" and news["at"] and news["alert"] == first["alert"]
    assert kiosk.post("/kiosk/help", {"screen": "confirm"}).json() == {"ok": True, "repeated": True,
                                                                      "alert": first["alert"]}
    other = server.api(hall.token("kiosk", "k2"))
    assert other.post("/kiosk/help", {}).json()["repeated"] is False  # another kiosk is another call
    wait_for(duty, KIOSK_HELP, lambda d: d["kiosk"] == "k2")
    assert [d["kiosk"] for e, d in duty.received if e == KIOSK_HELP] == ["k1", "k2"]
    assert kiosk.post("/kiosk/help", {"screen": "<script>"}).status_code == 400


def test_a_press_after_someone_acknowledged_is_a_new_call_for_help(hall, server, clock):
    duty = duty_manager(hall, server)
    kiosk = server.api(hall.token("kiosk", "k1"))
    alert = kiosk.post("/kiosk/help", {}).json()["alert"]
    first = wait_for(duty, KIOSK_HELP)
    clock.advance(minutes=5)
    # Still waiting for someone: pressing again is the same call, however long since (stored, not forgotten).
    assert kiosk.post("/kiosk/help", {}).json() == {"ok": True, "repeated": True, "alert": alert}
    hall.user("S009", "supervisor")
    assert server.api(hall.login("S009")).post(f"/alerts/{alert}/acknowledge").status_code == 200
    clock.advance(seconds=1)
    # Someone came: a press after that is a new call.
    again = kiosk.post("/kiosk/help", {}).json()
    assert again["repeated"] is False and again["alert"] != alert
    wait_for(duty, KIOSK_HELP, lambda d: d["at"] != first["at"])
    assert sum(1 for e, _ in duty.received if e == KIOSK_HELP) == 2


def test_status_page_and_qr_code_are_public_and_hold_nothing_personal(hall, server):
    kiosk = server.api(hall.token("kiosk", "k1"))
    ticket = issue(kiosk, "GA01", priority="green", reason="elderly", id_number=ELDER, phone="13812345678")
    page = server.api().http.get(f"{server.url}/t/{ticket['token']}", timeout=10)
    assert page.status_code == 200 and "A001" in page.text and "居民身份证申领" in page.text
    assert ELDER not in page.text and ELDER[-4:] not in page.text and "5678" not in page.text
    assert page.headers["Referrer-Policy"] == "no-referrer"

    clerk = clerk_api(hall, server, "S001", 1)
    clerk.post("/windows/1/call-next")
    page = server.api().http.get(f"{server.url}/t/{ticket['token']}?lang=en", timeout=10)
    assert "Please go to window 1" in page.text

    qr = server.api().http.get(f"{server.url}/t/{ticket['token']}/qr.svg", timeout=10)
    assert qr.status_code == 200 and qr.headers["Content-Type"].startswith("image/svg+xml") and b"<svg" in qr.content
    assert server.api().http.get(f"{server.url}/t/nope/qr.svg", timeout=10).status_code == 404
    unknown = server.api().http.get(f"{server.url}/t/nope", timeout=10)
    assert unknown.status_code == 404 and "没有找到这张号票" in unknown.text


def test_kiosk_routes_are_in_the_openapi_document(hall, server):
    paths = server.api().get("/openapi.json").json()["paths"]
    for path in ("/kiosk/state", "/kiosk/search", "/kiosk/appointments/find", "/kiosk/help"):
        assert path in paths


def test_every_label_exists_in_both_languages():
    from hallq.kiosk.web.pages import STATUS_TEXT, TEXT

    assert TEXT["zh"].keys() == TEXT["en"].keys()
    assert STATUS_TEXT["zh"].keys() == STATUS_TEXT["en"].keys()
    assert {"waiting", "called", "held", "missed", "finished", "expired"} <= STATUS_TEXT["zh"].keys()
