"""A month's sign-off over a real HTTP server, on SQLite and PostgreSQL (seed 004 第十一条:
自查表 → 督查股 → 考核小组审核 → 管委会确定并公布), and a published month that never changes
except by an appeal ruling, which is its next revision."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from hallq.assessment.models import CaseCompletion
from hallq.assessment.service import month_result
from hallq.queue.halls import hall_context

from tests.assessment import month_db
from tests.assessment.month_db import EXPECTED_WINDOWS
from tests.conftest import local
from tests.queue.web.test_api import assert_error


@pytest.fixture
def october(hall):
    return month_db.build(hall)


def ranking(body):
    return [(c["unit"], c["score"], c["rank"], c["grade"]) for c in body["scorecards"]]


def admin(hall):
    hall.user("boss", "admin")
    return hall.login("boss")


def signed_in(server, hall, *usernames):
    """Fresh sign-ins, after the clock has moved on by days: a staff token ends after its idle time."""
    return [server.api(hall.login(username)) for username in usernames]


def step(api, name, **data):
    return api.post(f"/assessment/2025-10/{name}", data)


def published_october(october, server, clock):
    """October taken through the whole chain with no objection: (supervisor, admin) APIs."""
    hall = october.hall
    sup, boss = server.api(hall.login("duban")), server.api(admin(hall))
    assert step(sup, "self-check", days=1).status_code == 200
    clock.advance(days=2)
    sup, boss = signed_in(server, hall, "duban", "boss")
    assert step(sup, "review").status_code == 200
    assert step(boss, "approve").status_code == 200
    r = step(boss, "publish", note="2025年10月考核结果")
    assert r.status_code == 200, r.text
    return sup, boss


def test_the_chain_from_self_check_to_publication(october, server, clock):
    hall = october.hall
    sup = server.api(hall.login("duban"))
    boss = server.api(admin(hall))
    clerk3 = server.api(hall.login("S004"))  # holds window 3's post
    clerk1 = server.api(hall.login("S001"))

    # Before the self-check nobody but the office sees the cards; a running month cannot start one.
    assert sup.get("/assessment/2025-10/publication").json()["state"] == "computed"
    assert_error(clerk3.get("/assessment/2025-10/my-cards"), 409, "cards_not_open")
    assert_error(sup.post("/assessment/2026-11/self-check", {}), 409, "month_not_over")
    assert_error(clerk3.post("/assessment/2025-10/self-check", {}), 403, "forbidden")
    assert_error(step(sup, "review"), 409, "publication_step")

    # Monday 2026-11-23: three working days to object, until Thursday.
    opened = step(sup, "self-check", days=3, note="请各窗口核对10月考核结果")
    assert opened.status_code == 200, opened.text
    assert (opened.json()["state"], opened.json()["self_check_until"]) == ("self_check", "2026-11-26")
    assert_error(step(sup, "self-check"), 409, "publication_step")

    # A clerk sees their own cards only: their staff card and their window's.
    mine = clerk3.get("/assessment/2025-10/my-cards")
    assert mine.status_code == 200, mine.text
    assert sorted((c["scope"], c["unit"]) for c in mine.json()["cards"]) == [("staff", "S004"), ("window", "3")]
    objection = clerk3.post("/assessment/2025-10/objections", {"scope": "window", "unit": "3",
                                                               "item": "off_post",
                                                               "statement": "10月15日下午离岗系经批准的业务培训"})
    assert objection.status_code == 201, objection.text
    assert_error(clerk1.post("/assessment/2025-10/objections", {"scope": "window", "unit": "3",
                                                                 "statement": "x"}), 403, "forbidden")
    assert_error(clerk3.post("/assessment/2025-10/objections", {"scope": "window", "unit": "3", "item": "nope",
                                                                 "statement": "x"}), 400, "invalid_input")

    # The review waits for the self-check to close, then for every objection to be answered.
    assert_error(step(sup, "review"), 409, "self_check_running")
    clock.set(local(2026, 11, 27, 9, 0))
    sup, boss, clerk3, clerk1 = signed_in(server, hall, "duban", "boss", "S004", "S001")
    assert_error(clerk3.post("/assessment/2025-10/objections", {"scope": "staff", "unit": "S004",
                                                                 "statement": "迟交"}), 409, "self_check_closed")
    refused = assert_error(step(sup, "review"), 409, "objections_open")
    assert "1" in refused["message"]
    oid = objection.json()["id"]
    assert_error(clerk3.post(f"/assessment/objections/{oid}/answer", {"accepted": True, "answer": "x"}), 403)
    answered = sup.post(f"/assessment/objections/{oid}/answer",
                        {"accepted": False, "answer": "经核实当天培训未经批准，维持"})
    assert answered.status_code == 200 and answered.json()["accepted"] is False
    assert_error(sup.post(f"/assessment/objections/{oid}/answer", {"accepted": True, "answer": "x"}), 409)
    reviewed = step(sup, "review")
    assert reviewed.status_code == 200 and reviewed.json()["state"] == "reviewed"

    # Approval and publication are the centre's (admins); the office cannot.
    assert_error(step(sup, "approve"), 403, "forbidden")
    assert_error(step(boss, "publish"), 409, "publication_step")
    assert step(boss, "approve").json()["state"] == "approved"

    # A record entered after the approval changes the result: publishing it unreviewed is refused.
    made = sup.post("/assessment/records", {"kind": "praise_letter", "item": "praise", "occurred_on": "2025-10-20",
                                            "evidence": "表扬信 2025-031", "window": 3, "points": 2})
    assert made.status_code == 201, made.text
    assert_error(step(boss, "publish"), 409, "changed_since")
    assert step(sup, "review", note="补录表扬信").status_code == 200
    assert step(boss, "approve").status_code == 200
    published = step(boss, "publish", note="2025年10月考核结果")
    assert published.status_code == 200, published.text
    body = published.json()
    assert body["state"] == "published" and body["revision"] == 1
    assert [s["step"] for s in body["steps"]] == ["self_check", "reviewed", "approved", "reviewed", "approved",
                                                  "published"]
    assert [s["actor"] for s in body["steps"]] == ["user:duban"] * 2 + ["user:boss"] + ["user:duban"] + ["user:boss"] * 2
    assert body["steps"][0]["at"] == "2026-11-23T02:00:00Z"  # 10:00 in the hall
    assert body["objections"][0]["answer"].startswith("经核实")
    assert body["revisions"][0]["reason"] == "2025年10月考核结果"
    assert body["revisions"][0]["schemes"]["window"]["preset"] == "county_window"

    month = sup.get("/assessment/2025-10").json()
    assert month["revision"] == 1
    # Window 3's praise letter is on its published card (its service category is full: 96 stays).
    w3 = next(c for c in month["scorecards"] if c["unit"] == "3")
    praise = next(i for i in w3["items"] if i["key"] == "praise")
    assert praise["points"] == 2 and "表扬信 2025-031" in str(praise["evidence"])
    assert ranking(month) == [tuple(x) for x in EXPECTED_WINDOWS]
    # The clerk reads the published card.
    assert clerk3.get("/assessment/2025-10/my-cards").json()["revision"] == 1
    assert_error(clerk1.get("/assessment/2025-10"), 403, "forbidden")  # the whole month stays the office's


def test_a_published_month_never_changes_silently(october, server, clock):
    sup, boss = published_october(october, server, clock)
    before = sup.get("/assessment/2025-10").json()
    assert ranking(before) == [tuple(x) for x in EXPECTED_WINDOWS] and before["revision"] == 1

    # Records of a published month can be neither entered nor voided.
    assert_error(sup.post("/assessment/records", {"kind": "inspection_finding", "item": "off_task",
                                                  "occurred_on": "2025-10-21", "evidence": "x", "window": 3}),
                 409, "month_published")
    # The hall's scheme changes from a later month on; October keeps the scheme it was published with.
    assert_error(sup.post("/assessment/schemes", {"scope": "window", "preset": "window_best",
                                                  "from_month": "2025-10"}), 409, "published")
    changed = sup.post("/assessment/schemes", {"scope": "window", "preset": "window_best", "from_month": "2025-11"})
    assert changed.status_code == 200 and changed.json()["from_month"] == "2025-11"
    # Window 2's promised case turns out to have been finished on its due date (the office corrects the
    # register behind the API): computed afresh, October would change; the published month does not.
    with october.hall.db.write() as s:
        s.execute(update(CaseCompletion).where(CaseCompletion.ticket_id == october.tickets["promised"])
                  .values(completed_on=dt.date(2025, 10, 14)))
        s.commit()
    with october.hall.db.read() as s:
        fresh = month_result(s, hall_context(s, october.hall.id), 2025, 10, store=False, fresh=True).result
    assert fresh.card("window", 2).score > 88
    after = sup.get("/assessment/2025-10").json()
    assert after["scheme"] == "county_window" and ranking(after) == ranking(before)
    assert after["scorecards"] == before["scorecards"]
    versions = sup.get("/assessment/schemes").json()["versions"]
    assert [(v["scope"], v["from_month"], v["preset"]) for v in versions if v["scope"] == "window"] == [
        ("window", None, "county_window"), ("window", "2025-11", "window_best")]


def test_an_appeal_ruling_is_the_next_revision(october, server, clock):
    sup, boss = published_october(october, server, clock)
    clock.advance(days=1)
    sup, boss = signed_in(server, october.hall, "duban", "boss")
    # Window 4's verified complaint is appealed after publication and removed: 94 + 5 = 99, 3rd → 2nd.
    filed = sup.post("/assessment/appeals", {"month": "2025-10", "scope": "window", "unit": "4",
                                             "item": "verified_complaint", "statement": "投诉所涉业务不属本窗口"})
    assert filed.status_code == 201, filed.text
    decided = sup.post(f"/assessment/appeals/{filed.json()['id']}/decide",
                       {"decision": "removed", "reason": "经核实投诉工单派错窗口"})
    assert decided.status_code == 200, decided.text
    assert (decided.json()["before"]["score"], decided.json()["after"]["score"]) == (94, 99)

    pub = sup.get("/assessment/2025-10/publication").json()
    assert pub["state"] == "published" and pub["revision"] == 2
    second = pub["revisions"][1]
    assert second["appeal"] == filed.json()["id"] and second["published_by"] == "user:duban"
    assert "复议" in second["reason"] and "经核实投诉工单派错窗口" in second["reason"]
    moved = {(c["scope"], c["unit"]): (c["before"], c["after"]) for c in second["changes"]}
    assert moved[("window", "4")][0]["score"] == 94 and moved[("window", "4")][1]["score"] == 99
    assert (moved[("window", "4")][0]["rank"], moved[("window", "4")][1]["rank"]) == (3, 2)
    assert moved[("window", "3")][1]["rank"] == 3  # pushed down by it
    assert ("window", "1") not in moved

    now_ = sup.get("/assessment/2025-10").json()
    assert now_["revision"] == 2 and ranking(now_)[:3] == [("1", 100, 1, "优秀"), ("4", 99, 2, "良好"),
                                                             ("3", 96, 3, "良好")]
    # Every revision stays readable as it was published.
    first = sup.get("/assessment/2025-10/revisions/1").json()
    assert ranking(first) == [tuple(x) for x in EXPECTED_WINDOWS] and first["publication"]["revision"] == 1
    assert_error(sup.get("/assessment/2025-10/revisions/3"), 404)
    assert_error(server.api(october.hall.login("S005")).get("/assessment/2025-10/revisions/1"), 403, "forbidden")
