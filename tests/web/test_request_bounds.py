"""Never a 500 for what a person or device can send (issue 19): numbers and months are read one way
(hallq.queue.inputs: ASCII digits, bounded), JSON is bounded in size and depth before it is parsed.

A real server on 127.0.0.1 (SQLite: this is the web layer's reading, the same on both databases).
"""
from __future__ import annotations

import json

import pytest

from hallq.web import bounds
from hallq.web.openapi import spec
from tests.helpers import clerk_api, issue
from tests.web.paths import fill
from tests.queue.web.test_api import assert_error

on_sqlite = pytest.mark.parametrize("db", ["sqlite"], indirect=True)
UNICODE_DIGITS = ["¹", "１２", "١٢", "²⁵"]  # superscript, fullwidth, Arabic-Indic: str.isdigit() takes them all
DEEP = "[" * 1000 + "]" * 1000


def waiting(api) -> int:
    return sum(s["waiting"] for s in api.get("/services").json())


@on_sqlite
@pytest.mark.parametrize("digits", UNICODE_DIGITS)
def test_unicode_digits_in_queries_and_bodies_are_a_clear_400(hall, server, digits):
    kiosk = server.api(hall.token("kiosk"))
    display = server.api(hall.token("display", "d1"))
    clerk = clerk_api(hall, server, "S001", window=1)
    hall.user("S004", "supervisor")
    boss = server.api(hall.login("S004"))
    issue(kiosk)

    for api, path, name in [(boss, f"/ratings?limit={digits}", "limit"), (boss, f"/ratings?window={digits}", "window"),
                            (boss, f"/ratings?level={digits}", "level"), (boss, f"/followups?window={digits}", "window"),
                            (clerk, f"/calendar/due-date?days={digits}", "days")]:
        data = assert_error(api.get(path), 400, "invalid_input")
        assert f"{name} must be a whole number" in data["message"], (path, data)
    wav = display.http.get(f"{server.url}/display/announce.wav", params={"number": "A001", "window": digits}, timeout=30)
    assert "window must be a whole number" in assert_error(wav, 400, "invalid_input")["message"]
    data = assert_error(clerk.post("/windows/1/call", {"ticket": digits}), 400, "invalid_input")
    assert "ticket must be a ticket id or a ticket number" in data["message"]
    # A number in a path is ASCII digits or no number: /tickets/１ is not ticket 1.
    assert_error(clerk.get(f"/tickets/{digits}"), 404)
    assert_error(clerk.post(f"/windows/{digits}/call-next"), 404)

    # Nothing was lost or done: the ticket still waits, and is called the ordinary way.
    assert waiting(clerk) == 1
    assert clerk.post("/windows/1/call", {"ticket": "a001"}).json()["number"] == "A001"


@on_sqlite
def test_id_and_phone_numbers_are_ascii_digits(hall, server):
    """Fullwidth digits are the same person's number to a reader, not to a hash: one ticket per person
    would count them twice. They are refused as any malformed number is."""
    kiosk = server.api(hall.token("kiosk"))
    fullwidth = str.maketrans("0123456789", "０１２３４５６７８９")
    id_number, phone = "11010519491231002X", "13812345678"
    assert_error(kiosk.post("/tickets", {"service": "GA01", "id_number": id_number.translate(fullwidth)}), 400,
                 "id_number_invalid")
    assert_error(kiosk.post("/tickets", {"service": "GA01", "phone": phone.translate(fullwidth)}), 400,
                 "phone_invalid")
    assert waiting(kiosk) == 0
    assert issue(kiosk, id_number=id_number, phone=phone)["number"] == "A001"


@on_sqlite
def test_the_ascii_numbers_still_read(hall, server):
    clerk = clerk_api(hall, server, "S001", window=1)
    ticket = issue(server.api(hall.token("kiosk")))
    assert clerk.get("/calendar/due-date?days=3").json()["days"] == 3
    assert clerk.get(f"/tickets/{ticket['id']}").json()["number"] == "A001"
    assert clerk.post("/windows/1/call", {"ticket": str(ticket["id"])}).json()["id"] == ticket["id"]
    for days in ("0", "366", "-1", "1.5", "99999999999999999999"):
        assert_error(clerk.get(f"/calendar/due-date?days={days}"), 400, "invalid_input")


MONTHS = ["9999-12", "1999-12", "3000-01", "2025-13", "2025-00", "２０２５-１０", "2025-1", "2025-¹0", "abcd-ef"]


@on_sqlite
@pytest.mark.parametrize("month", MONTHS)
def test_months_out_of_range_or_not_ascii_are_a_clear_400(hall, server, month):
    hall.user("S004", "supervisor")
    boss = server.api(hall.login("S004"))
    for path in (f"/assessment/{month}", f"/assessment/{month}.csv", f"/assessment/{month}.xlsx",
                 f"/assessment/{month}/operations", f"/assessment/{month}/cards/window/1",
                 f"/assessment/records?month={month}", f"/assessment/appeals?month={month}"):
        data = assert_error(boss.get(path), 400, "invalid_input")
        assert "month must be yyyy-mm from 2000-01 to 2999-12" in data["message"], (path, data)
    filed = boss.post("/assessment/appeals", {"month": month, "scope": "window", "unit": "1", "item": "x",
                                              "statement": "why"})
    assert_error(filed, 400, "invalid_input")
    # The supervisors' pages: an unknown month is an unknown page.
    pages = boss.http
    pages.cookies.set("hallq_assess", hall.login("S004"))
    for path in (f"/assessment/{month}", f"/assessment/{month}/records", f"/assessment/{month}/completions"):
        assert pages.get(server.url + path, timeout=30).status_code == 404, path
    # The edges of the range are months like any other.
    assert boss.get("/assessment/2999-12").status_code == 200
    assert boss.get("/assessment/2000-01").status_code == 200


@on_sqlite
@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1999-12-31", "3000-01-01"])
def test_days_and_moments_at_pythons_edges_are_a_clear_400(hall, server, day):
    """Year 9999 or year 1 overflowed as soon as a time zone was converted or a day added (500s)."""
    hall.user("S004", "supervisor")
    boss = server.api(hall.login("S004"))
    integration = server.api(hall.token("integration", "i1"))
    for query in (f"from={day}", f"to={day}"):
        data = assert_error(boss.get(f"/ratings?{query}"), 400, "invalid_input")
        assert "must be a date (YYYY-MM-DD) from 2000-01-01 to 2999-12-31" in data["message"]
    for offset in ("-12:00", "+14:00"):
        slot = {"code": "EDGE", "service": "GA01", "slot_start": f"{day}T00:00:00{offset}",
                "slot_end": f"{day}T23:00:00{offset}"}
        data = assert_error(integration.post("/appointments", slot), 400, "invalid_input")
        assert "slot_start" in data["message"] and "2000-01-01 to 2999-12-31" in data["message"]
    record = {"kind": "praise_letter", "item": "praise", "occurred_on": day, "evidence": "a letter", "window": 1,
              "points": 1}
    assert "occurred_on" in assert_error(boss.post("/assessment/records", record), 400, "invalid_input")["message"]
    pages = boss.http
    pages.cookies.set("hallq_assess", hall.login("S004"))
    r = pages.post(f"{server.url}/assessment/2026-11/records", data={**record, "points": "1"}, timeout=30)
    assert r.status_code == 400 and "2000-01-01" in r.text
    assert boss.get("/assessment/records?month=2026-11").json() == []  # nothing was recorded


@on_sqlite
def test_evidence_and_form_numbers_in_the_supervisor_pages(hall, server):
    hall.user("S004", "supervisor")
    pages = server.api().http
    pages.cookies.set("hallq_assess", hall.login("S004"))
    for ref in ["¹", "１", "99999999999999999999", "0"]:
        r = pages.get(f"{server.url}/assessment/evidence/ticket/{ref}", timeout=30)
        assert r.status_code == 404, (ref, r.status_code)
    for field, form in [("ticket", {"ticket": "¹", "completed_on": "2026-11-20"}),
                        ("ticket", {"ticket": "99999999999999999999", "completed_on": "2026-11-20"})]:
        r = pages.post(f"{server.url}/assessment/2026-11/completions", data=form, timeout=30)
        assert r.status_code == 400 and f"{field} must be a whole number" in r.text, (form, r.status_code)
    r = pages.post(f"{server.url}/assessment/2026-11/appeals", data={"appeal": "²", "decision": "upheld",
                                                                     "reason": "x"}, timeout=30)
    assert r.status_code == 400 and "appeal must be a whole number" in r.text


def _json_posts() -> list[str]:
    return sorted(path for path, item in spec.document()["paths"].items()
                  if "requestBody" in item.get("post", {}))


@on_sqlite
def test_json_nested_1000_deep_is_a_400_on_every_json_post(hall, server):
    """Each JSON POST of the document, with every kind of credential until one gets as far as its body."""
    kiosk = issue(server.api(hall.token("kiosk")))
    hall.user("admin", "admin")
    hall.user("boss", "supervisor")  # the duty log's writer
    credentials = [server.api(hall.login("admin")), clerk_api(hall, server, "S001", window=1),
                   server.api(hall.login("boss")),
                   *(server.api(hall.token(kind, f"{kind}-1", window=1 if kind == "evaluator" else None))
                     for kind in ("kiosk", "evaluator", "integration", "agent", "display"))]
    public = server.api()
    posts = _json_posts()
    assert len(posts) >= 25 and "/auth/login" in posts and "/t/{token}/rating" in posts
    for path in posts:
        url = fill(path, token=kiosk["token"], ticket_id=kiosk["id"])
        answers = []
        for api in [public, *credentials]:
            r = api.http.post(api.base + url, data=DEEP, headers={"Content-Type": "application/json"}, timeout=30)
            assert r.status_code < 500, (path, r.status_code, r.text)
            answers.append(r.status_code)
            if r.status_code == 400:
                data = assert_error(r, 400, "invalid_input")
                assert f"nested deeper than {bounds.MAX_JSON_DEPTH} levels" in data["message"], (path, data)
                break
        assert answers[-1] == 400, (path, answers)
    # Nothing of that issued, called or rated anything.
    assert waiting(credentials[0]) == 1


@on_sqlite
def test_deep_but_bounded_json_and_brackets_in_strings_still_read(hall, server):
    kiosk = server.api(hall.token("kiosk"))
    # Brackets inside strings do not count as nesting (a name may hold them).
    r = kiosk.post("/tickets", {"service": "GA01", "ignored": ["[{" * 100, "\\", "\"["]})
    assert r.status_code == 201, r.text
    nested = {"a": 1}
    for _ in range(bounds.MAX_JSON_DEPTH - 2):
        nested = {"a": nested}
    ticket = {"service": "GA01", "extra": nested}
    assert bounds.json_depth(json.dumps(ticket)) == bounds.MAX_JSON_DEPTH
    r = kiosk.post("/tickets", ticket)
    assert r.status_code == 201, r.text  # unknown keys are ignored, at any depth within the bound
    r = kiosk.post("/tickets", {**ticket, "extra": [nested]})
    assert "nested deeper than" in assert_error(r, 400, "invalid_input")["message"]
    assert bounds.json_depth('["\\"]", [1], "[[[["]') == 2
    assert bounds.json_depth(b'{"a": "\\\\", "b": [[]]}') == 3


@on_sqlite
@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_numbers_json_has_not_are_refused(hall, server, number):
    """Python's json reads NaN and Infinity; a NaN passes every bound ("points <= 100" is false both ways)."""
    hall.user("S004", "supervisor")
    boss = server.api(hall.login("S004"))
    for path, raw in [("/assessment/democratic/2026", '{"scope": "window", "scores": {"1": %s}}'),
                      ("/assessment/records", '{"kind": "praise_letter", "item": "praise", "occurred_on": "2026-11-20", '
                                              '"evidence": "a letter", "window": 1, "points": %s}')]:
        r = boss.http.post(boss.base + path, data=raw % number, headers={"Content-Type": "application/json"},
                           timeout=30)
        data = assert_error(r, 400, "invalid_input")
        assert "not JSON" in data["message"] or "out of range" in data["message"], data
    assert boss.get("/assessment/records?month=2026-11").json() == []


@on_sqlite
def test_a_body_over_the_size_bound_is_refused_before_it_is_read(hall, server):
    kiosk = server.api(hall.token("kiosk"))
    big = '{"service": "GA01", "note": "' + "x" * bounds.MAX_BODY_BYTES + '"}'
    r = kiosk.http.post(kiosk.base + "/tickets", data=big, headers={"Content-Type": "application/json"}, timeout=30)
    assert_error(r, 413)
    r = server.api().http.post(server.api().base + "/auth/login", data=big, timeout=30)
    assert_error(r, 413)
    assert waiting(kiosk) == 0
    assert kiosk.post("/tickets", {"service": "GA01"}).status_code == 201
