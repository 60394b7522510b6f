"""Every operation of the OpenAPI document, fuzzed (issue 19): no 5xx, and every answer as the document says.

schemathesis reads /api/v1/openapi.json from the real server on 127.0.0.1 and, with Hypothesis, sends each
operation requests made from its schema, valid ones and deliberately invalid ones (wrong types, values out of
range, missing fields, odd Unicode). Each carries a valid credential of the kind the operation is meant for,
so the requests get past authentication into the code that reads them. The hall is seeded with tickets,
a promised case, a bad review and its follow-up, a complaint, so small ids name real things.

schemathesis because it is the maintained OpenAPI fuzzer that reads 3.1 documents as they are, generates
invalid requests as well as valid ones (Hypothesis underneath, so shrinkable, reproducible examples), and
checks each answer against the document (status code, content type, headers, body schema).

Bounded: MAX_EXAMPLES requests an operation (positive and negative), no shrinking, the same ones every
run; the clock is the tests' fixed one. SQLite only: this is the web layer's reading, the same on both databases.
"""
from __future__ import annotations

import os
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_headers_conformance,
                                                response_schema_conformance, status_code_conformance)

from hallq.server.app import create_app
from hallq.web.openapi import spec
from tests.conftest import MONDAY_10AM, Clock, Hall, Server, migrated_sqlite
from tests.helpers import clerk_api, issue
from tests.web.test_who_may import WHO_MAY

# Per operation: some 60 operations in well under a minute on 2 CPUs. The suite's run is derandomized (the
# same examples every time: a failure is a change's, not luck's); HALLQ_FUZZ_EXAMPLES=500 digs deeper and at
# random, by hand (200 an operation found nothing more on 2026-12-07).
DIGGING = "HALLQ_FUZZ_EXAMPLES" in os.environ
MAX_EXAMPLES = int(os.environ.get("HALLQ_FUZZ_EXAMPLES", "50"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance]

# Which credential each operation is meant for (API.md, "Authentication"), first match wins.
# The public ones (security: []) are sent without one.
CREDENTIALS = [
    (r"/auth/", "clerk"),  # logout and password: a clerk's sign-in of its own (OWN_SIGN_IN), not the others'
    (r"/users/|/tokens/revoke$|/admin/", "admin"),
    (r"POST /tickets$|/kiosk/", "kiosk"),
    (r"POST /ratings$|GET /ratings/options$", "evaluator"),
    (r"POST /appointments$", "integration"),
    (r"GET /(services|windows)$", "display"),
    (r" /windows/|/me|/calendar/|/tickets/", "clerk"),
    (r"/leave/\{leave_id\}/(approve|refuse)$|/register", "supervisor"),  # the centre's steps and register
    (r"/leave|/posts-away$", "clerk"),  # one's own leave; the duty screen's AB岗 list
    (r"/assessment/schemes$|/assessment/\{month\}/(approve|publish)$|/assessment/dual-target/\{year\}/report$",
     "admin"),
    (r"/assessment/|/audit-trail|/cases/|/cases$|/ratings|/followups|/complaints|/devices$|/print-failures$|/alerts|/duty-log",
     "supervisor"),
]


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory):
    """A seeded hall on a real server, and a token of each kind."""
    db = migrated_sqlite(tmp_path_factory.mktemp("fuzz") / "hallq.db")
    hall = Hall(db, Clock(MONDAY_10AM))
    server = Server(create_app(db, clock=hall.clock))
    kiosk = server.api(hall.token("kiosk"))
    pad = server.api(hall.token("evaluator", "e1", window=1))
    clerk = clerk_api(hall, server, "S001", window=1)
    tickets = [issue(kiosk) for _ in range(4)]
    assert clerk.post("/windows/1/call-next").status_code == 200
    assert clerk.post("/windows/1/finish", {"outcome": "promised", "promised_days": 3}).status_code == 200
    bad = pad.post("/ratings", {"ticket": tickets[0]["id"], "level": 1, "reasons": ["attitude"], "channel": "pad"})
    assert bad.status_code == 201, bad.text  # a bad review: a follow-up case
    assert clerk.post("/windows/1/call-next").status_code == 200  # a ticket being served
    hall.user("S004", "supervisor")
    hall.user("admin", "admin")
    office = server.api(hall.login("S004"))
    complaint = office.post("/complaints", {"channel": "phone", "name": "赵敏华", "content": "态度生硬", "window": 1})
    assert complaint.status_code == 201, complaint.text  # complaint 1, registered
    leave = clerk.post("/leave", {"first_day": "2026-12-02", "last_day": "2026-12-02", "reason": "看病"})
    assert leave.status_code == 201, leave.text  # leave 1, S001's, waiting for the centre (no chief here)
    change = office.post("/register/changes", {"staff": "S005", "kind": "standin", "since": "2026-12-01",
                                               "reason": "替岗"})
    assert change.status_code == 201, change.text  # change 1, proposed
    own = {op: hall.login("S001") for op in OWN_SIGN_IN}
    tokens = {"kiosk": hall.token("kiosk", "k2"), "evaluator": hall.token("evaluator", "e1b", window=1),
              "integration": hall.token("integration", "i1"), "display": hall.token("display", "d1"),
              "clerk": hall.login("S001"), "supervisor": hall.login("S004"), "admin": hall.login("admin")}
    yield server, tokens, own
    server.stop()
    db.dispose()


# Operations that end or change the sign-in they are called with: each has its own, so logging out
# does not leave the clerk's token revoked for the operations fuzzed after it.
OWN_SIGN_IN = ("POST /auth/logout", "POST /auth/password")


def credential(method: str, path: str, public: bool) -> str | None:
    if public:
        return None
    found = next((kind for pattern, kind in CREDENTIALS if re.search(pattern, f"{method} {path}")), None)
    assert found, f"{method} {path}: no credential kind named for it in CREDENTIALS"
    # The kind must be one the table of who may call what allows: a fuzz refused at the door tests nothing.
    assert found in WHO_MAY[f"{method} {path}"], (method, path, found)
    return found


# The document as the routes declared it on import (hallq.server.app imports them all): pytest makes a test of
# each operation when it collects this module. The first test checks the server publishes this very document.
# (schemathesis.pytest.from_fixture, the lazy way, fails on pytest 9: it renames pytest's node in place.)
document = schemathesis.openapi.from_dict(spec.document())


def test_the_fuzzed_document_is_the_one_the_server_publishes(fuzzed):
    server, _, _ = fuzzed
    published = server.api().get("/openapi.json").json()
    assert published == spec.document()
    assert sum(len(item) for item in published["paths"].values()) >= 60


@document.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
          derandomize=not DIGGING, suppress_health_check=list(HealthCheck))
def test_no_operation_answers_5xx_or_outside_the_document(case, fuzzed):
    server, tokens, own = fuzzed
    operation = case.operation
    kind = credential(operation.method.upper(), operation.path, operation.definition.raw.get("security") == [])
    token = own.get(f"{operation.method.upper()} {operation.path}") or (tokens[kind] if kind else None)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = case.call(base_url=server.url + "/api/v1", headers=headers, timeout=30)
    case.validate_response(response, checks=CHECKS, headers=headers)
