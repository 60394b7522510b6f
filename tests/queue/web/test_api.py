"""The HTTP contract of API.md, spoken to a real server on 127.0.0.1.

Every test runs on SQLite and on PostgreSQL (the `db` fixture under `hall`).
"""
from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from sqlalchemy import inspect, text

from tests.helpers import clerk_api, issue
from tests.conftest import PASSWORD, Hall, local

ID_NUMBER = "11010519491231002X"  # valid GB 11643 checksum, born 1949-12-31
PHONE = "13812345678"


# --- helpers ----------------------------------------------------------------------

def assert_error(response, status: int, code: str | None = None) -> dict:
    """An API error: the status, and a JSON body {"error": CODE, "message": TEXT}."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["Content-Type"].startswith("application/json"), response.headers["Content-Type"]
    data = response.json()
    assert set(data) >= {"error", "message"}, data
    assert isinstance(data["error"], str) and data["error"]
    assert isinstance(data["message"], str) and data["message"]
    if code is not None:
        assert data["error"] == code, data
    return data


def has_chinese(textual: str) -> bool:
    return re.search(r"[\u4e00-\u9fff]", textual) is not None


def window_row(api, number: int) -> dict:
    r = api.get("/windows")
    assert r.status_code == 200, r.text
    rows = [w for w in r.json() if w["number"] == number]
    assert len(rows) == 1, r.json()
    return rows[0]


# --- errors -----------------------------------------------------------------------

def test_error_message_is_chinese_by_default_and_english_on_request(hall, server):
    token = hall.token("kiosk")
    zh = assert_error(server.api(token).post("/tickets", {"service": "ZZ99"}), 404, "service_unknown")
    assert has_chinese(zh["message"]) and "ZZ99" in zh["message"]

    en = assert_error(server.api(token, lang="en").post("/tickets", {"service": "ZZ99"}), 404, "service_unknown")
    assert not has_chinese(en["message"]) and "ZZ99" in en["message"]
    assert en["message"] != zh["message"]

    # A browser's usual header: English first means English, Chinese first means Chinese.
    en_us = assert_error(server.api(token, lang="en-US,en;q=0.9").post("/tickets", {"service": "ZZ99"}), 404)
    assert en_us["message"] == en["message"]
    zh_cn = assert_error(server.api(token, lang="zh-CN,zh;q=0.9,en;q=0.8").post("/tickets", {"service": "ZZ99"}), 404)
    assert zh_cn["message"] == zh["message"]

    # Errors of the HTTP layer itself have the same shape.
    assert_error(server.api(token).get("/tickets"), 405, "method_not_allowed")
    assert_error(server.api(token, lang="en").get("/nowhere"), 404, "not_found")

    # Authentication errors speak both languages too.
    assert has_chinese(assert_error(server.api().get("/services"), 401)["message"])
    assert not has_chinese(assert_error(server.api(lang="en").get("/services"), 401)["message"])


def test_malformed_or_mistyped_bodies_are_400(hall, server):
    kiosk = server.api(hall.token("kiosk"))
    url = kiosk.base + "/tickets"
    headers = {"Content-Type": "application/json"}

    assert_error(kiosk.http.post(url, data="{not json", headers=headers, timeout=30), 400, "invalid_input")
    assert_error(kiosk.http.post(url, data=b"\xff\xfe\x00garbage", headers=headers, timeout=30), 400)
    for bad in ([1], "GA01", 5, None, {"service": 5}, {"service": ["GA01"]}, {},
                {"service": "GA01", "priority": "vip"}, {"service": "GA01", "priority": 1},
                {"service": "GA01", "id_number": 110105}, {"service": ""}):
        r = kiosk.http.post(url, data=json.dumps(bad), headers=headers, timeout=30)
        assert_error(r, 400)
    # A body without a content type is still read as JSON (devices often omit it).
    assert_error(kiosk.http.post(url, data="[1]", timeout=30), 400, "invalid_input")

    # Checked personal data.
    assert_error(kiosk.post("/tickets", {"service": "GA01", "id_number": "110105194912310021"}), 400, "id_number_invalid")
    assert_error(kiosk.post("/tickets", {"service": "GA01", "phone": "12345"}), 400, "phone_invalid")

    # Window actions with wrong bodies.
    clerk = clerk_api(hall, server, "S001")
    assert_error(clerk.post("/windows/1/sign-in", {"post": "C"}), 400)
    assert_error(clerk.post("/windows/1/sign-in", [1]), 400)
    assert clerk.post("/windows/1/sign-in", {"post": "A"}).status_code == 200
    assert_error(clerk.post("/windows/1/pause", {}), 400)
    assert_error(clerk.post("/windows/1/pause", {"reason": 12}), 400)
    assert_error(clerk.post("/windows/1/call", {"ticket": ["A001"]}), 400)
    assert_error(clerk.post("/windows/1/call", {}), 400)
    assert_error(clerk.post("/windows/1/transfer", {"window": "three"}), 400)
    assert_error(clerk.post("/windows/1/finish", {"outcome": "lost"}), 400)
    assert_error(clerk.post("/windows/1/finish", {}), 400)
    assert_error(server.api().post("/auth/login", {"username": 5, "password": None}), 400)
    # Nothing of that changed anything.
    assert window_row(clerk, 1)["status"] == "open"
    assert clerk.get("/services").json()[0]["waiting"] == 0


def test_no_or_invalid_token_is_401(hall, server):
    anonymous = server.api()
    assert_error(anonymous.get("/services"), 401, "unauthorized")
    assert_error(anonymous.get("/windows"), 401, "unauthorized")
    assert_error(anonymous.post("/tickets", {"service": "GA01"}), 401, "unauthorized")
    assert_error(anonymous.post("/windows/1/call-next"), 401, "unauthorized")
    assert_error(anonymous.get("/tickets/1"), 401, "unauthorized")

    bad = server.api("not-a-token")
    assert_error(bad.get("/services"), 401, "unauthorized")
    assert_error(bad.post("/tickets", {"service": "GA01"}), 401, "unauthorized")

    real = hall.token("kiosk")
    basic = server.api()
    basic.http.headers["Authorization"] = f"Basic {real}"
    assert_error(basic.get("/services"), 401, "unauthorized")
    # The same token as a bearer works (the 401s above are about the token, not the route).
    assert server.api(real).get("/services").status_code == 200

    # A wrong password gets no token.
    hall.user("S001", "clerk")
    r = anonymous.post("/auth/login", {"username": "S001", "password": "wrong-password"})
    assert_error(r, 401, "bad_login")  # API.md: a failed login is 401
    assert "token" not in r.json()


def test_token_kinds_that_may_not_do_it_get_403(hall, server):
    display = server.api(hall.token("display", "d1"))
    kiosk = server.api(hall.token("kiosk", "k1"))
    evaluator = server.api(hall.token("evaluator", "e1", window=1))
    caller2 = server.api(hall.token("caller", "c2", window=2))
    caller1 = server.api(hall.token("caller", "c1", window=1))
    integration = server.api(hall.token("integration", "i1"))
    clerk = clerk_api(hall, server, "S001", window=1)
    issue(kiosk)

    assert_error(display.post("/tickets", {"service": "GA01"}), 403, "forbidden")
    assert_error(evaluator.post("/tickets", {"service": "GA01"}), 403, "forbidden")
    assert_error(integration.post("/tickets", {"service": "GA01"}), 403, "forbidden")
    assert_error(kiosk.post("/windows/1/call-next"), 403, "forbidden")
    assert_error(kiosk.post("/windows/1/sign-in", {"post": "A"}), 403, "forbidden")
    assert_error(display.post("/windows/1/call-next"), 403, "forbidden")
    assert_error(evaluator.post("/windows/1/call-next"), 403, "forbidden")
    assert_error(evaluator.post("/windows/1/pause", {"reason": "x"}), 403, "forbidden")
    assert_error(caller2.post("/windows/1/call-next"), 403, "forbidden")
    assert_error(caller2.post("/windows/1/pause", {"reason": "x"}), 403, "forbidden")
    assert_error(caller1.post("/windows/1/sign-in", {"post": "A"}), 403, "forbidden")
    assert_error(kiosk.post("/appointments", {"code": "Y1", "service": "GA01",
                                              "slot_start": "2026-11-23T02:00:00Z",
                                              "slot_end": "2026-11-23T03:00:00Z"}), 403, "forbidden")
    assert_error(display.post("/tickets/1/requeue"), 403, "forbidden")
    # The refusals changed nothing: the ticket still waits, window 1 serves nobody.
    assert window_row(clerk, 1)["serving"] is None
    assert clerk.get("/services").json()[0]["waiting"] == 1

    # The caller keypad of window 1 may call at window 1 (the clerk is signed in there).
    r = caller1.post("/windows/1/call-next")
    assert r.status_code == 200 and r.json()["number"] == "A001", r.text
    # Reading is allowed to every device kind.
    for api in (display, kiosk, evaluator, caller2, integration):
        assert api.get("/windows").status_code == 200


def test_unknown_things_are_404(hall, server):
    kiosk = server.api(hall.token("kiosk"))
    clerk = clerk_api(hall, server, "S001", window=1)
    ticket = issue(kiosk)

    assert_error(kiosk.post("/tickets", {"service": "ZZ99"}), 404, "service_unknown")
    assert_error(clerk.get("/tickets/999999"), 404, "ticket_unknown")
    assert_error(clerk.get("/tickets/abc"), 404)
    assert_error(server.api().get("/t/no-such-token"), 404, "ticket_unknown")
    assert_error(clerk.post("/windows/99/call-next"), 404, "window_unknown")
    assert_error(clerk.post("/windows/99/sign-in", {"post": "A"}), 404, "window_unknown")
    assert_error(clerk.post("/windows/1/call", {"ticket": "A999"}), 404, "ticket_unknown")
    assert_error(clerk.post("/windows/1/call", {"ticket": 999999}), 404, "ticket_unknown")
    assert_error(clerk.post("/tickets/999999/requeue"), 404, "ticket_unknown")
    assert_error(clerk.get("/no-such-resource"), 404)
    assert clerk.post("/windows/1/call-next").status_code == 200
    assert_error(clerk.post("/windows/1/transfer", {"service": "ZZ99"}), 404, "service_unknown")
    assert_error(clerk.post("/windows/1/transfer", {"window": 99}), 404, "window_unknown")
    # The failed transfers left the ticket where it was.
    assert window_row(clerk, 1)["serving"]["id"] == ticket["id"]


def test_tickets_of_another_hall_are_unknown(hall, server, db, clock):
    other = Hall(db, clock, code="other", name="另一个大厅")
    theirs = server.api(other.token("kiosk", "k-other"))
    ours = server.api(hall.token("kiosk", "k-ours"))
    mine = issue(ours)
    r = theirs.get(f"/tickets/{mine['id']}")
    assert_error(r, 404, "ticket_unknown")
    assert ours.get(f"/tickets/{mine['id']}").status_code == 200
    # Each hall numbers its own tickets.
    assert issue(theirs)["number"] == "A001"


@pytest.mark.parametrize("path", ["/tickets/99999999999999999999", "/windows/99999999999999999999"])
def test_huge_ids_in_the_path_are_404_not_500(hall, server, path):
    """A number too large for the database column is still just an unknown thing."""
    clerk = clerk_api(hall, server, "S001", window=1)
    if path.startswith("/tickets"):
        assert_error(clerk.get(path), 404)
        assert_error(clerk.post(path + "/requeue"), 404)
    else:
        assert_error(clerk.post(path + "/call-next"), 404)


def test_huge_numbers_in_bodies_are_4xx_not_500(hall, server):
    clerk = clerk_api(hall, server, "S001", window=1)
    kiosk = server.api(hall.token("kiosk"))
    r = clerk.post("/windows/1/call", {"ticket": 10 ** 20})
    assert_error(r, r.status_code)
    assert r.status_code in (400, 404)
    issue(kiosk)
    assert clerk.post("/windows/1/call-next").status_code == 200
    r = clerk.post("/windows/1/transfer", {"window": 10 ** 20})
    assert_error(r, r.status_code)
    assert r.status_code in (400, 404)


def test_nul_characters_in_input_are_4xx_not_500(hall, server):
    """PostgreSQL text cannot hold NUL; a device sending one still gets a 4xx."""
    kiosk = server.api(hall.token("kiosk"))
    r = kiosk.post("/tickets", {"service": "GA\u000001"})
    assert_error(r, r.status_code)
    assert r.status_code in (400, 404)
    r = server.api().post("/auth/login", {"username": "S\u0000001", "password": "x\u0000y"})
    assert_error(r, r.status_code)
    assert 400 <= r.status_code < 500
    r = server.api().get("/t/abc%00def")
    assert_error(r, r.status_code)
    assert r.status_code in (400, 404)


def test_not_allowed_now_is_409(hall, server):
    kiosk = server.api(hall.token("kiosk"))
    caller3 = server.api(hall.token("caller", "c3", window=3))
    s001 = clerk_api(hall, server, "S001", window=1)
    s003 = clerk_api(hall, server, "S003", window=2)
    s004 = clerk_api(hall, server, "S004")  # never signs in
    issue(kiosk)

    # Nobody is signed in at window 3.
    assert_error(caller3.post("/windows/3/call-next"), 409, "window_not_signed_in")
    assert_error(s004.post("/windows/3/call-next"), 409, "not_your_window")
    # A clerk acting at a window someone else is signed in at.
    assert_error(s001.post("/windows/2/call-next"), 409, "not_your_window")
    assert_error(s001.post("/windows/2/pause", {"reason": "x"}), 409, "not_your_window")
    assert_error(s001.post("/windows/2/sign-out"), 409, "not_your_window")
    assert_error(s004.post("/windows/1/sign-in", {"post": "A"}), 409)
    # Finishing, recalling, skipping, holding, transferring with nothing called.
    assert_error(s001.post("/windows/1/finish", {"outcome": "immediate"}), 409, "window_idle")
    assert_error(s001.post("/windows/1/recall"), 409, "window_idle")
    assert_error(s001.post("/windows/1/skip"), 409, "window_idle")
    assert_error(s001.post("/windows/1/hold"), 409, "window_idle")
    assert_error(s001.post("/windows/1/transfer", {"window": 2}), 409, "window_idle")
    # English text for the same refusal.
    en = server.api(hall.login("S001"), lang="en")
    assert "window 1" in assert_error(en.post("/windows/1/finish", {"outcome": "immediate"}), 409)["message"].lower()

    # The waiting ticket was not touched by any of it.
    assert window_row(s003, 2)["serving"] is None
    r = s003.post("/windows/2/call-next")
    assert r.status_code == 200 and r.json()["number"] == "A001"
    # It is not missed, so it cannot be requeued.
    assert_error(kiosk.post(f"/tickets/{r.json()['id']}/requeue"), 409, "ticket_not_missed")
    # Busy window: call-next again is refused, as is signing out.
    assert_error(s003.post("/windows/2/call-next"), 409, "window_busy")
    assert_error(s003.post("/windows/2/sign-out"), 409, "window_busy")


# --- tickets ----------------------------------------------------------------------

def test_issue_answers_the_contract_fields(hall, server, clock):
    kiosk = server.api(hall.token("kiosk"))
    first = issue(kiosk, "GA01")
    for field in ("id", "number", "service", "priority", "status", "ahead", "estimated_wait_s", "token",
                  "issued_at", "windows"):
        assert field in first, field
    assert isinstance(first["id"], int)
    assert first["number"] == "A001"
    assert first["service"] == "GA01"
    assert first["priority"] == "normal"
    assert first["status"] == "waiting"
    assert first["ahead"] == 0
    assert isinstance(first["estimated_wait_s"], (int, float)) and first["estimated_wait_s"] >= 0
    assert isinstance(first["token"], str) and len(first["token"]) >= 16
    assert dt.datetime.fromisoformat(first["issued_at"].replace("Z", "+00:00")) == clock()
    assert first["windows"] == [1, 2, 3]

    # GA02 shares prefix A with GA01 and the queue tier at windows 1 and 2.
    second = issue(kiosk, "GA02")
    assert second["number"] == "A002" and second["windows"] == [1, 2]
    third = issue(kiosk, "GA01")
    assert third["number"] == "A003" and third["ahead"] >= 1
    assert third["estimated_wait_s"] >= first["estimated_wait_s"]
    other = issue(kiosk, "SJ01")
    assert other["number"] == "B001" and other["ahead"] == 0 and other["windows"] == [3, 4]
    assert len({t["token"] for t in (first, second, third, other)}) == 4

    services = {s["code"]: s for s in kiosk.get("/services").json()}
    assert services["GA01"]["waiting"] == 2 and services["SJ01"]["waiting"] == 1
    for s in services.values():
        for field in ("code", "name", "department", "prefix", "waiting", "estimated_wait_s", "open", "quota_left"):
            assert field in s, (field, s)
    assert services["GA01"]["quota_left"] == 3  # daily_quota 5, two issued
    # Nobody is signed in: not open (a number taken now waits for nobody), and it says so.
    assert services["GA01"]["department"] == "县公安局" and services["GA01"]["open"] is False
    assert services["GA01"]["staffed"] is False and first["staffed"] is False
    clerk_api(hall, server, "S001", window=1)
    services = {s["code"]: s for s in kiosk.get("/services").json()}
    assert services["GA01"]["open"] is True and services["GA01"]["staffed"] is True


def test_a_kiosk_asking_to_be_told_is_refused_an_unstaffed_item_until_the_citizen_confirms(hall, server):
    kiosk = server.api(hall.token("kiosk"))
    error = assert_error(kiosk.post("/tickets", {"service": "MZ01", "unstaffed_ok": False}), 409, "service_unstaffed")
    assert error["message"] == "“婚姻登记”现在没有窗口在办理，预计14:00起办理。取号后请留意叫号。"
    english = assert_error(kiosk.post("/tickets?lang=en", {"service": "MZ01", "unstaffed_ok": False}), 409)
    assert "expected from 14:00" in english["message"]
    confirmed = issue(kiosk, "MZ01", unstaffed_ok=True)
    assert confirmed["number"] == "C001" and confirmed["staffed"] is False
    assert confirmed["staffed_from"].startswith("2026-11-23T14:00")
    clerk_api(hall, server, "S005", window=4)
    assert issue(kiosk, "MZ01", unstaffed_ok=False)["staffed"] is True


def test_get_ticket_has_its_events(hall, server):
    kiosk = server.api(hall.token("kiosk"))
    clerk = clerk_api(hall, server, "S001", window=1)
    ticket = issue(kiosk)
    assert clerk.post("/windows/1/call-next").status_code == 200
    assert clerk.post("/windows/1/recall").status_code == 200
    r = clerk.get(f"/tickets/{ticket['id']}")
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["number"] == "A001" and data["status"] == "called" and data["window"] == 1
    kinds = [e["kind"] for e in data["events"]]
    assert kinds == ["issued", "called", "recalled"]
    called = data["events"][1]
    assert called["window"] == 1 and called["at"] and "S001" in called["actor"]
    assert data["events"][0]["window"] is None


def test_personal_data_is_never_shown_whole(hall, server, db):
    kiosk = server.api(hall.token("kiosk"))
    display = server.api(hall.token("display", "d1"))
    clerk = clerk_api(hall, server, "S001", window=1)
    bodies = []

    r = kiosk.post("/tickets", {"service": "GA01", "id_number": ID_NUMBER, "phone": PHONE})
    assert r.status_code == 201, r.text
    bodies.append(r.text)
    ticket = r.json()
    # The same person cannot hold two waiting tickets for one item (the ID is hashed, not kept).
    r = kiosk.post("/tickets", {"service": "GA01", "id_number": ID_NUMBER.lower()})
    assert_error(r, 409, "already_waiting")
    bodies.append(r.text)

    r = clerk.get(f"/tickets/{ticket['id']}")
    assert r.status_code == 200
    bodies.append(r.text)
    shown = r.json()
    assert shown["id_number"] == "110***********002X"
    assert shown["phone"] == "138****5678"

    public = server.api().get(f"/t/{ticket['token']}")
    assert public.status_code == 200
    bodies.append(public.text)
    status = public.json()
    assert status["number"] == "A001" and status["status"] == "waiting" and status["ahead"] == 0
    assert "calling_window" in status and status["calling_window"] is None
    # Nothing personal, not even masked.
    assert "***" not in public.text and "5678" not in public.text and "002X" not in public.text
    for key in ("id_number", "phone", "id", "token", "events"):
        assert key not in status, key

    r = clerk.post("/windows/1/call-next")
    assert r.status_code == 200
    bodies.append(r.text)
    called = server.api().get(f"/t/{ticket['token']}")
    assert called.json()["status"] == "called" and called.json()["calling_window"] == 1
    bodies.append(called.text)
    for api, path in ((display, "/windows"), (display, "/services"), (clerk, f"/tickets/{ticket['id']}")):
        bodies.append(api.get(path).text)
    bodies.append(clerk.post("/windows/1/finish", {"outcome": "immediate"}).text)

    for body in bodies:
        assert ID_NUMBER not in body.upper()
        assert PHONE not in body

    # Not stored whole anywhere either.
    with db.read() as s:
        for table in inspect(s.get_bind()).get_table_names():
            for row in s.execute(text(f'SELECT * FROM "{table}"')):
                dump = " ".join(str(v) for v in row).upper()
                assert ID_NUMBER not in dump, table
                assert PHONE not in dump, table


# --- the clerk's day over HTTP ------------------------------------------------------

def test_clerk_flow_over_http(hall, server, clock):
    hall.user("S001", "clerk")
    hall.user("S004", "clerk")
    r = server.api().post("/auth/login", {"username": "S001", "password": PASSWORD})
    assert r.status_code == 200, r.text
    clerk = server.api(r.json()["token"])
    s004 = server.api(server.api().post("/auth/login", {"username": "S004", "password": PASSWORD}).json()["token"])
    kiosk = server.api(hall.token("kiosk"))

    w1 = window_row(clerk, 1)
    assert w1["status"] == "closed" and w1["serving"] is None and w1["staff"] is None
    r = clerk.post("/windows/1/sign-in", {"post": "A"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "open"
    w1 = window_row(clerk, 1)
    assert w1["status"] == "open" and w1["staff"]["number"] == "S001" and w1["staff"]["post"] == "A"
    assert w1["staff"]["name"] == "王芳"
    assert s004.post("/windows/3/sign-in", {"post": "A"}).status_code == 200

    # Nobody waits: 204 with no body.
    r = clerk.post("/windows/1/call-next")
    assert r.status_code == 204 and r.content == b""

    a1, a2, _ = issue(kiosk), issue(kiosk), issue(kiosk)

    r = clerk.post("/windows/1/call-next")
    assert r.status_code == 200 and r.json()["id"] == a1["id"]
    assert r.json()["status"] == "called" and r.json()["window"] == 1
    assert window_row(clerk, 1)["serving"]["number"] == "A001"

    r = clerk.post("/windows/1/recall")
    assert r.status_code == 200 and r.json()["number"] == "A001"

    clock.advance(minutes=3)  # the hall's minimum before a skip (skip_after_minutes)
    r = clerk.post("/windows/1/skip")
    assert r.status_code == 200 and r.json()["status"] == "missed"
    assert window_row(clerk, 1)["serving"] is None

    r = clerk.post(f"/tickets/{a1['id']}/requeue")
    assert r.status_code == 200 and r.json()["status"] == "waiting"
    # Requeued behind the next two waiting (requeue_after = 2).
    r = clerk.post("/windows/1/call-next")
    assert r.status_code == 200 and r.json()["number"] == "A002"

    r = clerk.post("/windows/1/hold")
    assert r.status_code == 200 and r.json()["status"] == "held"
    assert window_row(clerk, 1)["serving"] is None

    r = clerk.post("/windows/1/call-next")
    assert r.status_code == 200 and r.json()["number"] == "A003"
    r = clerk.post("/windows/1/finish", {"outcome": "immediate"})
    assert r.status_code == 200 and r.json()["status"] == "finished" and r.json()["outcome"] == "immediate"

    # The held ticket comes back by its number.
    r = clerk.post("/windows/1/call", {"ticket": "A002"})
    assert r.status_code == 200 and r.json()["id"] == a2["id"] and r.json()["status"] == "called"

    # Transfer to window 3 and back again afterwards.
    r = clerk.post("/windows/1/transfer", {"window": 3, "return": True})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "waiting"
    assert window_row(clerk, 1)["serving"] is None
    r = s004.post("/windows/3/call-next")
    assert r.status_code == 200 and r.json()["number"] == "A002" and r.json()["window"] == 3
    r = s004.post("/windows/3/finish", {"outcome": "immediate"})
    assert r.status_code == 200 and r.json()["status"] == "waiting"  # back to window 1, not finished
    # Window 1 gets it before the requeued A001 (its place in time is kept).
    r = clerk.post("/windows/1/call-next")
    assert r.status_code == 200 and r.json()["number"] == "A002"

    # Promised case: the due date counts working days (Mon 23 Nov + 5 = Mon 30 Nov).
    r = clerk.post("/windows/1/finish", {"outcome": "promised", "promised_days": 5, "note": "五个工作日"})
    assert r.status_code == 200, r.text
    assert r.json()["outcome"] == "promised" and r.json()["due_date"] == "2026-11-30"
    assert clerk.get(f"/tickets/{a2['id']}").json()["due_date"] == "2026-11-30"

    r = clerk.post("/windows/1/call-next")
    assert r.status_code == 200 and r.json()["number"] == "A001"
    assert_error(clerk.post("/windows/1/finish", {"outcome": "supplement"}), 400, "missing_materials_required")
    assert_error(clerk.post("/windows/1/finish", {"outcome": "supplement", "missing_materials": [" "]}), 400,
                 "missing_materials_required")
    assert window_row(clerk, 1)["serving"]["number"] == "A001"  # still being served
    r = clerk.post("/windows/1/finish", {"outcome": "supplement", "missing_materials": ["近期免冠照片"]})
    assert r.status_code == 200 and r.json()["outcome"] == "supplement"
    events = clerk.get(f"/tickets/{a1['id']}").json()["events"]
    assert events[-1]["kind"] == "finished" and events[-1]["data"]["missing_materials"] == ["近期免冠照片"]

    r = clerk.post("/windows/1/call-next")
    assert r.status_code == 204

    # Pause and resume.
    r = clerk.post("/windows/1/pause", {"reason": "系统故障"})
    assert r.status_code == 200 and r.json()["status"] == "paused"
    assert window_row(clerk, 1)["status"] == "paused"
    issue(kiosk, "GA02")
    assert_error(clerk.post("/windows/1/call-next"), 409, "window_paused")
    r = clerk.post("/windows/1/resume")
    assert r.status_code == 200 and r.json()["status"] == "open"
    assert window_row(clerk, 1)["status"] == "open"
    r = clerk.post("/windows/1/call-next")
    assert r.status_code == 200 and r.json()["number"] == "A004" and r.json()["service"] == "GA02"
    r = clerk.post("/windows/1/finish", {"outcome": "immediate"})
    assert r.status_code == 200

    r = clerk.post("/windows/1/sign-out")
    assert r.status_code == 200 and r.json()["status"] == "closed"
    w1 = window_row(clerk, 1)
    assert w1["status"] == "closed" and w1["staff"] is None and w1["serving"] is None
    assert_error(clerk.post("/windows/1/call-next"), 409, "not_your_window")


def test_transfer_to_another_item(hall, server):
    kiosk = server.api(hall.token("kiosk"))
    clerk = clerk_api(hall, server, "S001", window=1)
    ticket = issue(kiosk, "GA01")
    assert clerk.post("/windows/1/call-next").status_code == 200
    r = clerk.post("/windows/1/transfer", {"service": "MZ01"})
    assert r.status_code == 200, r.text
    assert r.json()["service"] == "MZ01" and r.json()["number"] == "A001" and r.json()["status"] == "waiting"
    assert r.json()["windows"] == [4]
    services = {s["code"]: s for s in clerk.get("/services").json()}
    assert services["MZ01"]["waiting"] == 1 and services["GA01"]["waiting"] == 0
    assert clerk.get(f"/tickets/{ticket['id']}").json()["events"][-1]["kind"] == "transferred"


# --- appointments -----------------------------------------------------------------

def _appointment(code, start, end, service="GA01"):
    return {"code": code, "service": service, "slot_start": start.isoformat(), "slot_end": end.isoformat()}


def test_appointment_check_in(hall, server, clock):
    integration = server.api(hall.token("integration", "yy"))
    kiosk = server.api(hall.token("kiosk"))
    now = clock()

    r = integration.post("/appointments", _appointment("YY001", local(2026, 11, 23, 10), local(2026, 11, 23, 11)))
    assert r.status_code == 201, r.text
    assert r.json()["code"] == "YY001" and r.json()["checked_in"] is False
    assert_error(integration.post("/appointments", _appointment("YY001", now, now + dt.timedelta(hours=1))),
                 409, "appointment_exists")
    assert_error(integration.post("/appointments", _appointment("YY009", now, now - dt.timedelta(hours=1))), 400)
    assert_error(integration.post("/appointments", {"code": "YY010", "service": "GA01",
                                                    "slot_start": "2026-11-23T10:00:00",
                                                    "slot_end": "2026-11-23T11:00:00"}), 400)
    assert_error(integration.post("/appointments", _appointment("YY011", now, now + dt.timedelta(hours=1), "ZZ99")),
                 404, "service_unknown")
    assert integration.post("/appointments", _appointment(
        "YY002", local(2026, 11, 23, 14), local(2026, 11, 23, 15))).status_code == 201
    assert integration.post("/appointments", _appointment(
        "YY003", local(2026, 11, 23, 9), local(2026, 11, 23, 10))).status_code == 201

    ticket = issue(kiosk, "GA01", appointment_code="YY001")
    assert ticket["priority"] == "appointment" and ticket["number"] == "A001"
    assert_error(kiosk.post("/tickets", {"service": "GA01", "appointment_code": "YY001"}), 409, "appointment_used")

    early = assert_error(kiosk.post("/tickets", {"service": "GA01", "appointment_code": "YY002"}), 409,
                         "appointment_too_early")
    assert "14:00" in early["message"]
    # The slot 09:00–10:00 ended at 10:00, which is now.
    assert_error(kiosk.post("/tickets", {"service": "GA01", "appointment_code": "YY003"}), 409,
                 "appointment_too_late")
    assert_error(kiosk.post("/tickets", {"service": "GA01", "appointment_code": "NOPE"}), 404, "appointment_unknown")
    assert_error(kiosk.post("/tickets", {"service": "GA02", "appointment_code": "YY002"}), 409,
                 "appointment_wrong_service")

    # Inside its slot the early appointment checks in.
    clock.set(local(2026, 11, 23, 14, 30))
    late_ticket = issue(kiosk, "GA01", appointment_code="YY002")
    assert late_ticket["priority"] == "appointment"
    # Only the two check-ins were issued.
    services = {s["code"]: s for s in kiosk.get("/services").json()}
    assert services["GA01"]["waiting"] == 2


# --- OpenAPI ----------------------------------------------------------------------

RESOURCES = [
    ("GET", "/services"), ("GET", "/windows"), ("POST", "/tickets"), ("GET", "/tickets/{id}"),
    ("GET", "/t/{token}"), ("POST", "/tickets/{id}/requeue"), ("POST", "/windows/{n}/sign-in"),
    ("POST", "/windows/{n}/sign-out"), ("POST", "/windows/{n}/call-next"), ("POST", "/windows/{n}/call"),
    ("POST", "/windows/{n}/recall"), ("POST", "/windows/{n}/skip"), ("POST", "/windows/{n}/hold"),
    ("POST", "/windows/{n}/transfer"), ("POST", "/windows/{n}/finish"), ("POST", "/windows/{n}/pause"),
    ("POST", "/windows/{n}/resume"), ("POST", "/ratings"), ("GET", "/assessment/{yyyy-mm}"),
    # named in API.md's text
    ("POST", "/auth/login"), ("GET", "/openapi.json"), ("POST", "/appointments"),
]

BODIES = {
    ("POST", "/tickets"): {"service", "priority", "appointment_code", "id_number", "phone"},
    ("POST", "/windows/{n}/sign-in"): {"post"},
    ("POST", "/windows/{n}/call"): {"ticket"},
    ("POST", "/windows/{n}/transfer"): {"service", "window", "return"},
    ("POST", "/windows/{n}/finish"): {"outcome", "promised_days", "missing_materials", "note"},
    ("POST", "/windows/{n}/pause"): {"reason"},
    ("POST", "/auth/login"): {"username", "password"},
    ("POST", "/ratings"): {"ticket", "level", "reasons", "channel"},
}


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


def _operations(doc: dict) -> dict:
    prefix = ""
    if doc.get("servers"):
        prefix = doc["servers"][0]["url"].rstrip("/")
        prefix = re.sub(r"^https?://[^/]+", "", prefix)
    ops = {}
    for path, item in doc["paths"].items():
        full = path if path.startswith("/api/v1") else prefix + path
        for method, op in item.items():
            if method.upper() in ("GET", "POST", "PUT", "PATCH", "DELETE"):
                ops[(method.upper(), _shape(full))] = op
    return ops


def _resolve(doc: dict, schema: dict) -> dict:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = doc["components"]["schemas"][name]
    return schema


def test_openapi_lists_the_whole_interface(hall, server):
    r = server.api().get("/openapi.json")  # public: no token
    assert r.status_code == 200, r.text
    doc = r.json()
    assert re.match(r"^3\.\d+\.\d+$", doc["openapi"])
    assert doc["info"]["title"] and doc["info"]["version"]
    ops = _operations(doc)

    missing = [f"{m} /api/v1{p}" for m, p in RESOURCES if (m, _shape("/api/v1" + p)) not in ops]

    for (method, path), fields in BODIES.items():
        op = ops.get((method, _shape("/api/v1" + path)))
        if op is None:
            continue  # reported as missing below
        assert "requestBody" in op, (method, path)
        schema = _resolve(doc, op["requestBody"]["content"]["application/json"]["schema"])
        assert fields <= set(schema["properties"]), (method, path, sorted(schema["properties"]))

    tickets = _resolve(doc, ops[("POST", "/api/v1/tickets")]["requestBody"]["content"]["application/json"]["schema"])
    assert "service" in tickets.get("required", [])
    priority = _resolve(doc, tickets["properties"]["priority"])
    assert set(priority.get("enum", [])) == {"normal", "appointment", "green"}
    finish = _resolve(doc, ops[("POST", "/api/v1/windows/{}/finish")]["requestBody"]["content"]["application/json"]["schema"])
    assert set(_resolve(doc, finish["properties"]["outcome"])["enum"]) == {
        "immediate", "promised", "joint", "supplement", "forwarded", "rejected"}
    assert "201" in ops[("POST", "/api/v1/tickets")]["responses"]
    assert {"200", "204"} <= set(ops[("POST", "/api/v1/windows/{}/call-next")]["responses"])
    # The public calls need no token; the others do.
    assert ops[("GET", "/api/v1/t/{}")].get("security") == []
    assert ops[("GET", "/api/v1/openapi.json")].get("security") == []
    assert doc.get("security") or ops[("GET", "/api/v1/services")].get("security")
    assert "Error" in doc["components"]["schemas"]
    assert missing == [], f"API.md resources missing from the OpenAPI document: {missing}"


def test_a_premature_skip_is_refused_with_a_409_and_its_reason(hall, server, clock):
    kiosk = server.api(hall.token("kiosk"))
    clerk = clerk_api(hall, server, "S001", window=1)
    issue(kiosk)
    assert clerk.post("/windows/1/call-next").status_code == 200
    clock.advance(seconds=0.8)
    error = assert_error(clerk.post("/windows/1/skip"), 409, "skip_too_soon")
    assert error["message"].startswith("A001才呼叫了1次。本厅规定呼叫满3次或叫号满3分钟仍未到才能过号")
    assert window_row(clerk, 1)["serving"]["number"] == "A001"  # still at the counter
    for _ in range(2):
        assert clerk.post("/windows/1/recall").status_code == 200
    r = clerk.post("/windows/1/skip")
    assert r.status_code == 200 and r.json()["status"] == "missed"
