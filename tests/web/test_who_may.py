"""Who may call what (issue 19, "Nobody where they don't belong"): every operation of the OpenAPI document
against every kind of credential, in one table.

API.md: a kiosk issues tickets, a display reads, an evaluator rates its own window's tickets, a clerk acts on
the window they are signed in at, a supervisor records inspections and reviews ratings, an admin configures;
anything else is 403, and no valid token (none, a revoked one, or a staff token logged out) is 401.

Each request is one an allowed caller could make (a valid body, ids that exist), so the answer is about who
asks. Allowed: anything but 401 and 403 (the request may still be refused as not possible now: 409). Denied:
403, or 401 without a valid token. A clerk signed in at window 2 acting at window 1 is a 409 not_your_window
(API.md's "window not signed in", a matter of now: they may sign in there), checked as such.
"""
from __future__ import annotations

import pytest

from hallq.queue import accounts
from hallq.queue.agent_scope import AgentScope
from hallq.web.openapi import spec
from tests.conftest import PASSWORD
from tests.helpers import clerk_api, issue
from tests.web.paths import fill

on_sqlite = pytest.mark.parametrize("db", ["sqlite"], indirect=True)

DEVICES = ("kiosk", "display", "evaluator", "caller", "agent", "integration", "monitor")
STAFF = ("clerk", "wrong_clerk", "supervisor", "admin")
NO_TOKEN = ("none", "revoked", "logged_out")
EVERYONE = (*NO_TOKEN, *DEVICES, *STAFF)
READERS = (*(d for d in DEVICES if d != "monitor"), *STAFF)  # every valid token but a monitor's reads the hall's state
ASSESSORS = ("supervisor", "admin")
AT_WINDOW = ("caller", "clerk", "supervisor", "admin")  # act at a window: the caller keypad of window 1, staff

# operation -> the credentials that may call it. "wrong_clerk" listed means: gets past who-may-ask.
WHO_MAY = {
    "GET /openapi.json": EVERYONE,
    "POST /auth/login": EVERYONE,  # public: the body says who
    "POST /auth/logout": STAFF,  # each with a token of its own (FRESH): this ends it
    "POST /auth/password": STAFF,  # one's own
    "POST /users/{username}/unlock": ("admin",),
    "POST /tokens/revoke": ("admin",),
    "GET /t/{token}": EVERYONE,
    "GET /t/{token}/rating": EVERYONE,
    "POST /t/{token}/rating": EVERYONE,  # the QR code on the ticket is the credential
    "POST /t/{token}/phone": EVERYONE,  # so it is for the ticket's text reminders (issue 18)
    "GET /m/{hall}/services": EVERYONE,  # 扫码取号: the poster in the hall is public (off in this hall: 404)
    "POST /m/{hall}/tickets": EVERYONE,
    "GET /services": READERS,
    "GET /windows": READERS,
    "GET /tickets/{ticket_id}": READERS,
    "GET /windows/{number}/console": READERS,
    "GET /calendar/due-date": READERS,
    "GET /ratings/options": READERS,
    "GET /devices": READERS,
    "GET /print-failures": READERS,
    "POST /tickets": ("kiosk", *STAFF),
    "POST /tickets/{ticket_id}/reprint": ("kiosk", *STAFF),
    "POST /tickets/{ticket_id}/requeue": ("kiosk", *STAFF),
    "POST /appointments": ("integration", "admin"),
    "GET /kiosk/state": ("kiosk",),
    "GET /kiosk/search": ("kiosk",),
    "POST /kiosk/appointments/find": ("kiosk",),
    "POST /kiosk/help": ("kiosk",),
    "POST /kiosk/returns": ("kiosk",),  # the fixture's case is in progress: 409 for the kiosk
    "POST /kiosk/tickets/{ticket_id}/phone": ("kiosk",),  # only the tickets it issued (k2 here: 404)
    "GET /kiosk/guides": ("kiosk",),
    "GET /kiosk/guides/{code}": ("kiosk",),
    "POST /kiosk/guides/{code}/print": ("kiosk",),  # on its own printer (k2 has none ready here: 409)
    # The admin's items (issue 15); a guide's form file is public information, downloaded free by anyone.
    **{op: ("admin",) for op in (
        "GET /admin/items", "GET /admin/items/{code}", "POST /admin/items", "POST /admin/items/{code}",
        "POST /admin/items/{code}/deactivate", "POST /admin/items/{code}/activate", "POST /admin/items/{code}/forms",
        "POST /admin/items/{code}/forms/{form_id}/remove")},
    "GET /forms/{form_id}/{name}": EVERYONE,
    "GET /me": STAFF,
    "GET /me/day": STAFF,
    "POST /windows/{number}/sign-in": STAFF,
    "POST /windows/{number}/sign-out": STAFF,
    **{f"POST /windows/{{number}}/{action}": (*AT_WINDOW, "wrong_clerk") for action in (
        "call-next", "call", "recall", "skip", "hold", "transfer", "finish", "pause", "resume", "notices")},
    "POST /ratings": ("evaluator", "agent"),  # a pad; an agent for the evaluator keypads it hosts
    "GET /ratings": ASSESSORS,
    "GET /ratings/{rating_id}": ASSESSORS,
    "POST /ratings/{rating_id}/appeal": ASSESSORS,
    "GET /followups": STAFF,  # a clerk sees the cases assigned to them (none here): the others' are 403
    "GET /followups/{case_id}": ASSESSORS,
    "POST /followups/{case_id}/callback": ASSESSORS,
    "POST /followups/{case_id}/rectification": ASSESSORS,
    "POST /followups/{case_id}/close": ASSESSORS,
    # The duty manager's alerts: those who join the supervisors' room (review); the duty log: supervisors keep
    # it (duty: seed 004's 值班长 are the centre's managers), supervisors and admins read it.
    "GET /alerts": ASSESSORS,
    "POST /alerts/{alert_id}/acknowledge": ASSESSORS,
    "GET /duty-log": ASSESSORS,
    "POST /duty-log/entries": ("supervisor",),
    "POST /duty-log/handover": ("supervisor",),
    # Cases (issue 17): staff list the cases they answer for (a clerk of another window: none of them); a case's
    # steps are its window's people's (window 1's clerk), its department's chief's or a supervisor's.
    "GET /cases": STAFF,
    **{op: ("clerk", *ASSESSORS) for op in (
        "GET /cases/{ticket_id}", "POST /cases/{ticket_id}/completion", "POST /cases/{ticket_id}/delay-reason",
        "POST /cases/{ticket_id}/materials", "POST /cases/{ticket_id}/chase",
        "POST /cases/{ticket_id}/tasks/{task_id}", "POST /cases/{ticket_id}/delivery")},
    "POST /assessment/appeals": ("clerk", *ASSESSORS),  # staff appeal their own window's scorecard (window 1's)
    "POST /assessment/schemes": ASSESSORS,
    **{op: ASSESSORS for op in (
        "GET /assessment/{month}", "GET /assessment/{month}.csv", "GET /assessment/{month}.xlsx",
        "GET /assessment/{month}/cards/{scope}/{unit}", "GET /assessment/{month}/operations",
        "GET /assessment/year/{year}", "GET /assessment/lines", "GET /assessment/records",
        "POST /assessment/records", "POST /assessment/records/{record_id}/void", "GET /assessment/appeals",
        "POST /assessment/appeals/{appeal_id}/decide", "GET /assessment/democratic/{year}",
        "POST /assessment/democratic/{year}", "GET /assessment/schemes",
        "GET /assessment/{month}/publication", "POST /assessment/{month}/self-check",
        "POST /assessment/{month}/review", "POST /assessment/objections/{objection_id}/answer",
        "GET /assessment/{month}/revisions/{revision}")},
    # The centre (管委会) approves and publishes: admins.
    "POST /assessment/{month}/approve": ("admin",),
    "POST /assessment/{month}/publish": ("admin",),
    # 双目标 (seed 003 (三)): the supervision office (督查股) enters and reads the centre's findings; the centre
    # reports the year to the county government (admins), as it publishes a month. Clerks, a department's chief
    # representative included, are refused: the finding is the centre's report on a department, not a card of
    # theirs to check (a department disputes it with the centre, which enters the correction with its reason).
    # This hall assesses by the county scheme, which has no 双目标 classes: 409 for those allowed.
    "GET /assessment/dual-target/{year}": ASSESSORS,
    "POST /assessment/dual-target/{year}/findings": ASSESSORS,
    "POST /assessment/dual-target/{year}/report": ("admin",),
    # The complaint register (issue 16): the supervision office and admins; a department's chief representative
    # reads its forwarded complaints (no chief in this hall: the clerk is refused).
    **{op: ASSESSORS for op in (
        "GET /complaints", "GET /complaints.csv", "POST /complaints", "GET /complaints/{complaint_id}",
        *(f"POST /complaints/{{complaint_id}}/{step}" for step in (
            "forward", "reply", "report", "reverify", "visit", "close")))},
    # Leave (issue 17): staff ask for their own (the admin's account is no staff member's); the one who asked,
    # and the centre, read it; no chief representative in this hall, so the centre decides; the one who asked
    # cancels.
    "GET /leave": STAFF,
    "POST /leave": ("clerk", "wrong_clerk", "supervisor"),
    "GET /leave/{leave_id}": ("clerk", *ASSESSORS),
    "POST /leave/{leave_id}/approve": ASSESSORS,
    "POST /leave/{leave_id}/refuse": ASSESSORS,
    "POST /leave/{leave_id}/cancel": ("clerk",),
    "GET /posts-away": STAFF,  # the duty screen's AB岗 list: who is on leave, by name
    # The staff register (issue 17): the centre's.
    **{op: ASSESSORS for op in ("GET /register", "POST /register/changes", "POST /register/changes/{change_id}/approve",
                                "POST /register/changes/{change_id}/refuse")},
    # The self-check: staff object to and read their own cards (window 1's for the clerk, their own for both).
    "POST /assessment/{month}/objections": ("clerk", *ASSESSORS),
    "GET /assessment/{month}/my-cards": ("clerk", "wrong_clerk", *ASSESSORS),
    "GET /admin/watch": ("admin",),  # devices, agents and the server's errors (issue 20)
    "GET /audit-trail": ASSESSORS,  # supervisors and admins (issue 15)
    "GET /audit-trail.csv": ASSESSORS,
    # The admin pages' API (issue 15): the hall's configuration, accounts, device tokens, the audit log.
    **{op: ("admin",) for op in (
        "GET /admin/hall", "POST /admin/hall", "GET /admin/hall.toml", "GET /admin/changes",
        "GET /admin/departments", "POST /admin/departments", "POST /admin/departments/{code}",
        "POST /admin/departments/{code}/deactivate", "POST /admin/departments/{code}/authorisation-image",
        "GET /admin/departments/{code}/authorisation-image",
        "GET /admin/windows", "POST /admin/windows", "POST /admin/windows/{number}",
        "POST /admin/windows/{number}/deactivate",
        "GET /admin/staff", "POST /admin/staff", "POST /admin/staff/{staff_number}", "POST /admin/staff/{staff_number}/photo",
        "POST /admin/staff/{staff_number}/deactivate",
        "GET /admin/accounts", "POST /admin/accounts", "POST /admin/accounts/{username}",
        "POST /admin/accounts/{username}/reset-password",
        "GET /admin/tokens", "POST /admin/tokens", "POST /admin/tokens/{token_id}/revoke",
        "POST /admin/tokens/{token_id}/replace")},
}

NOT_ON_ANY_WINDOW = ("POST /windows/{number}/sign-in",)
FRESH = ("POST /auth/logout",)  # ends the token it is called with: staff call it with a token of their own
USERNAMES = {"clerk": "S001", "wrong_clerk": "S003", "supervisor": "S004", "admin": "admin"}  # wrong_clerk may sign in elsewhere: not a 409 there


def bodies(ticket: dict) -> dict:
    """A body an allowed caller could send to each JSON POST (by operation, or by operation and caller)."""
    return {
        "POST /auth/login": {"username": "S001", "password": PASSWORD},
        # The new password breaks the policy (400): the callers' passwords stay as they are.
        "POST /auth/password": {"current": PASSWORD, "new": "short"},
        "POST /tokens/revoke": {"kind": "display", "name": "not-in-use"},  # revokes nothing the table needs
        "POST /tickets": {"service": "GA01"},
        "POST /appointments": {"code": "WEB-1", "service": "GA01", "slot_start": "2026-11-23T06:00:00Z",
                               "slot_end": "2026-11-23T07:00:00Z"},
        "POST /kiosk/appointments/find": {"code": "WEB-1"},
        "POST /kiosk/returns": {"scanned": ticket["token"]},
        "POST /windows/{number}/sign-in": {"post": "A"},
        "POST /windows/{number}/call": {"ticket": "A003"},
        "POST /windows/{number}/transfer": {"window": 2},
        "POST /windows/{number}/finish": {"outcome": "immediate"},
        "POST /windows/{number}/notices": {"ticket": ticket["id"], "kind": "acceptance"},
        "POST /windows/{number}/pause": {"reason": "a break"},
        "POST /ratings": {"ticket": ticket["id"], "level": 5, "channel": "pad"},
        ("POST /ratings", "agent"): {"ticket": ticket["id"], "level": 5, "channel": "keypad", "window": 1},
        "POST /t/{token}/rating": {"level": 5},
        "POST /t/{token}/phone": {"phone": "13912345678"},
        "POST /m/{hall}/tickets": {"service": "GA02", "id_number": "11010519491231002X"},
        "POST /kiosk/tickets/{ticket_id}/phone": {"phone": "13912345678"},
        "POST /ratings/{rating_id}/appeal": {"ruling": "valid", "reasons": "checked"},
        "POST /followups/{case_id}/callback": {"result": "reached"},
        "POST /followups/{case_id}/rectification": {"text": "fixed"},
        "POST /cases/{ticket_id}/completion": {"completed_on": "2026-11-23"},
        "POST /cases/{ticket_id}/delay-reason": {"reason": "等待省厅回复"},
        "POST /cases/{ticket_id}/tasks/{task_id}": {"done_on": "2026-11-23"},
        "POST /cases/{ticket_id}/delivery": {"to": "赵敏华"},
        "POST /duty-log/entries": {"kind": "note", "text": "大厅秩序正常"},
        "POST /duty-log/handover": {"to": "S004", "note": "无遗留问题"},
        "POST /assessment/records": {"kind": "praise_letter", "item": "praise", "occurred_on": "2026-11-20",
                                     "evidence": "a letter", "window": 1, "points": 1},
        "POST /assessment/records/{record_id}/void": {"reason": "entered twice"},
        "POST /assessment/appeals": {"month": "2026-11", "scope": "window", "unit": "1", "item": "ratings",
                                     "statement": "the case was finished on time"},
        "POST /assessment/appeals/{appeal_id}/decide": {"decision": "upheld", "reason": "checked"},
        "POST /assessment/democratic/{year}": {"scope": "window", "scores": {"1": 90}},
        "POST /assessment/{month}/self-check": {"days": 3},
        "POST /assessment/{month}/objections": {"scope": "window", "unit": "1", "statement": "the pause was approved"},
        "POST /assessment/objections/{objection_id}/answer": {"accepted": False, "answer": "checked"},
        "POST /assessment/schemes": {"scope": "window", "preset": "county_window"},
        "POST /assessment/dual-target/{year}/findings": {"department": "GA", "finding": "full",
                                                          "evidence": "进驻事项清单核查"},
        "POST /admin/items": {"code": "GA09", "name": "户籍证明", "department": "GA", "prefix": "A",
                              "windows": [{"number": 1, "tier": 0}]},
        "POST /admin/items/{code}": {"code": "GA02", "name": "户口迁移", "department": "GA", "prefix": "A",
                                     "windows": [{"number": 1, "tier": 0}, {"number": 2, "tier": 0}]},
        # Admin changes the table's callers do not lean on: window 4, staff and account S005, department MZ
        # (which its item MZ01 keeps: a 400 by the hall file's rules), a spare token (ADMIN_URLS).
        "POST /admin/hall": {"notice": "欢迎"},
        "POST /admin/departments": {"code": "RS", "name": "县人社局"},
        "POST /admin/departments/{code}": {"name": "县民政局"},
        "POST /admin/windows": {"number": 9, "name": "新窗口", "items": ["MZ01"]},
        "POST /admin/windows/{number}": {"name": "综合窗口"},
        "POST /admin/staff": {"number": "S009", "name": "新人"},
        "POST /admin/staff/{staff_number}": {"name": "陈静"},
        "POST /admin/staff/{staff_number}/photo": {"data": "iVBORw0KGgo="},  # a PNG's first bytes; no photo directory
        "POST /admin/departments/{code}/authorisation-image": {"data": "iVBORw0KGgo="},  # likewise
        "POST /admin/accounts": {"username": "S009", "role": "clerk"},
        "POST /admin/accounts/{username}": {"role": "clerk"},
        "POST /admin/tokens": {"kind": "display", "name": "new-tv"},
        "POST /complaints": {"channel": "phone", "name": "赵敏华", "contact": "13812345678", "content": "态度生硬",
                             "window": 1},
        "POST /complaints/{complaint_id}/forward": {},
        "POST /complaints/{complaint_id}/reply": {"text": "answered"},
        "POST /complaints/{complaint_id}/report": {"satisfied": True, "text": "told"},
        "POST /complaints/{complaint_id}/reverify": {"note": "check again"},
        "POST /complaints/{complaint_id}/visit": {"text": "called back"},
        "POST /complaints/{complaint_id}/close": {"outcome": "unfounded", "reason": "checked"},
        "POST /leave": {"first_day": "2026-12-08", "last_day": "2026-12-08", "reason": "家中有事"},
        "POST /leave/{leave_id}/refuse": {"reason": "人手不足"},
        "POST /register/changes": {"staff": "S005", "kind": "standin", "since": "2026-12-01", "reason": "替岗"},
        "POST /register/changes/{change_id}/refuse": {"reason": "不同意"},
    }


@pytest.fixture
def people(hall, server):
    """A credential of each kind, and a hall with a promised case finished at window 1 and rated badly."""
    kiosk = server.api(hall.token("kiosk", "k1"))
    clerk = clerk_api(hall, server, "S001", window=1)
    clerk_api(hall, server, "S003", window=2)  # wrong_clerk: signed in at window 2
    pad = server.api(hall.token("evaluator", "e1", window=1))
    case = issue(kiosk)
    issue(kiosk), issue(kiosk)
    assert clerk.post("/windows/1/call-next").status_code == 200
    assert clerk.post("/windows/1/finish", {"outcome": "promised", "promised_days": 3}).status_code == 200
    assert pad.post("/ratings", {"ticket": case["id"], "level": 1, "reasons": ["attitude"],
                                 "channel": "pad"}).status_code == 201  # rating 1, follow-up case 1
    hall.user("S004", "supervisor")
    hall.user("admin", "admin")
    hall.user("S005", "clerk")  # the admin rows' account: its password reset ends no one else's sign-in
    with hall.db.read() as s:
        case["spare_token"] = accounts.token_row(s, hall.token("display", "spare")).id
    boss = server.api(hall.login("S004"))
    assert boss.post("/assessment/records", bodies(case)["POST /assessment/records"]).status_code == 201
    assert clerk.post("/assessment/appeals", bodies(case)["POST /assessment/appeals"]).status_code == 201
    assert boss.post("/complaints", bodies(case)["POST /complaints"]).status_code == 201  # complaint 1
    assert clerk.post("/leave", {"first_day": "2026-12-02", "last_day": "2026-12-02",
                                 "reason": "看病"}).status_code == 201  # leave 1, S001's
    assert boss.post("/register/changes", bodies(case)["POST /register/changes"]).status_code == 201  # change 1
    revoked = hall.token("kiosk", "gone")
    with hall.db.write() as s:
        accounts.revoke_device_tokens(s, hall.hall, "kiosk", "gone", hall.clock())
        s.commit()
    tokens = {"none": None, "revoked": revoked, "kiosk": hall.token("kiosk", "k2"),
              "display": hall.token("display", "d1"), "evaluator": hall.token("evaluator", "e2", window=1),
              "caller": hall.token("caller", "c1", window=1), "agent": hall.token("agent", "a1", scope=AgentScope(windows=frozenset({1}))),
              "integration": hall.token("integration", "i1"), "monitor": hall.token("monitor", "m1"),
              "clerk": hall.login("S001"), "wrong_clerk": hall.login("S003"),
              "supervisor": hall.login("S004"), "admin": hall.login("admin"), "logged_out": hall.login("S001")}
    assert server.api(tokens["logged_out"]).post("/auth/logout").status_code == 204
    apis = {who: server.api(token) for who, token in tokens.items()}
    fresh = {who: server.api(hall.login(username)) for who, username in USERNAMES.items()}
    return case, apis, fresh


# What an admin path names, before the table's common names (window 1, user S003) are put in.
ADMIN_URLS = {"/admin/windows/{number}": "/admin/windows/4", "/admin/staff/{staff_number}": "/admin/staff/S005",
              "/admin/departments/{code}": "/admin/departments/MZ", "/admin/accounts/{username}": "/admin/accounts/S005"}


def _url(path: str, case: dict) -> str:
    for prefix, named in ADMIN_URLS.items():
        if path.startswith(prefix):
            path = named + path[len(prefix):]
    path = fill(path, token=case["token"], ticket_id=case["id"], token_id=case["spare_token"])
    return path + ("?days=3" if path == "/calendar/due-date" else "")


@on_sqlite
def test_every_operation_against_every_credential(people):
    case, apis, fresh = people
    operations = {f"{method.upper()} {path}" for path, item in spec.document()["paths"].items() for method in item}
    assert operations == set(WHO_MAY), ("operations without a row", sorted(operations - set(WHO_MAY)),
                                        "rows without an operation", sorted(set(WHO_MAY) - operations))
    wrong = []
    for op in sorted(operations):
        method, path = op.split(" ", 1)
        url = _url(path, case)
        # The denied first: what they are refused must not have been done by the allowed before them.
        for who in sorted(EVERYONE, key=lambda w: w in WHO_MAY[op]):
            api = fresh[who] if op in FRESH and who in fresh else apis[who]
            data = bodies(case).get((op, who)) or bodies(case).get(op, {})
            r = api.get(url) if method == "GET" else api.post(url, data)
            allowed = who in WHO_MAY[op]
            if who == "wrong_clerk" and allowed and op.startswith("POST /windows/{number}/") \
                    and op not in NOT_ON_ANY_WINDOW:
                ok = r.status_code == 409 and r.json()["error"] == "not_your_window"
            elif allowed:
                ok = r.status_code not in (401, 403)
            else:
                ok = r.status_code == (401 if who in NO_TOKEN else 403)
            assert r.status_code < 500, (op, who, r.status_code, r.text)
            if not ok:
                wrong.append(f"{op} as {who}: {r.status_code} {r.text[:100]}")
    assert wrong == [], "\n".join(wrong)
