"""The assessment API over a real HTTP server on 127.0.0.1, on SQLite and PostgreSQL:
the contract of API.md (score, grade, rank, items with points and evidence), 403
for anyone but supervisors, the XLSX and CSV exports, supervisors' records, an
appeal that changes a rank with its decision kept, and the year."""
from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook

from tests.assessment import month_db
from tests.assessment.month_db import EXPECTED_STAFF, EXPECTED_WINDOWS
from tests.queue.web.test_api import assert_error


@pytest.fixture
def october(hall):
    return month_db.build(hall)


def ranking(body):
    return [(c["unit"], c["score"], c["rank"], c["grade"]) for c in body["scorecards"]]


def test_the_month_answers_the_contract(october, server):
    hall = october.hall
    sup = server.api(hall.login("duban"))
    r = sup.get("/assessment/2025-10")
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["month"], body["scope"], body["scheme"]) == ("2025-10", "window", "county_window")
    assert ranking(body) == [tuple(x) for x in EXPECTED_WINDOWS]
    for card in body["scorecards"]:
        assert {"score", "grade", "rank", "items"} <= set(card)
        assert all({"points", "evidence"} <= set(item) for item in card["items"])
    w2 = next(c for c in body["scorecards"] if c["unit"] == "2")
    overdue = next(i for i in w2["items"] if i["key"] == "overdue")
    # The ticket as people name it (number and day), its id for the drill-down.
    assert overdue["points"] == -6 and overdue["evidence"][0] == {
        "type": "ticket", "id": october.tickets["promised"], "label": "A001 (10-09)",
        "detail": overdue["evidence"][0]["detail"]}
    assert "调休" in body["definitions"]["days_late"] and "一次性告知" in body["definitions"]["one_time_notice"]
    staff = sup.get("/assessment/2025-10", params={"scope": "staff"}).json()
    assert ranking(staff) == [tuple(x) for x in EXPECTED_STAFF]
    one = sup.get("/assessment/2025-10/cards/window/3")
    assert one.status_code == 200 and one.json()["unit"] == "3" and "attendance" in one.json()["definitions"]
    ops = sup.get("/assessment/2025-10/operations").json()
    assert ops["issued"] == 19 and ops["finished"] == 18 and sum(ops["wait"]["counts"]) == ops["called"] == 19
    assert ops["satisfaction_trend"][-1] == {"month": "2025-10", "ratings": 10, "rate": 0.9}

    assert_error(sup.get("/assessment/2025-13"), 400, "invalid_input")
    assert_error(sup.get("/assessment/2025-10", params={"scope": "hall"}), 400, "invalid_input")
    assert_error(sup.get("/assessment/2025-10/cards/window/9"), 404)


def test_only_supervisors(october, server):
    hall = october.hall
    clerk = server.api(hall.login("S001"))
    kiosk = server.api(hall.token("kiosk"))
    for api in (clerk, kiosk):
        for path in ("/assessment/2025-10", "/assessment/2025-10.xlsx", "/assessment/2025-10.csv",
                     "/assessment/year/2025", "/assessment/records?month=2025-10", "/assessment/appeals"):
            assert_error(api.get(path), 403, "forbidden")
        assert_error(api.post("/assessment/records", {"kind": "other", "item": "praise", "occurred_on": "2025-10-20",
                                                      "evidence": "x", "window": 1, "points": 2}), 403)
        assert_error(api.post("/assessment/democratic/2025", {"scores": {"1": 90}}), 403)
    assert_error(server.api().get("/assessment/2025-10"), 401, "unauthorized")


def test_exports(october, server):
    sup = server.api(october.hall.login("duban"))
    r = sup.get("/assessment/2025-10.xlsx")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["窗口排名", "部门排名", "工作人员排名", "扣加分明细", "口径说明"]
    rows = list(wb["窗口排名"].iter_rows(min_row=3, max_col=8, values_only=True))
    assert [(str(x[1]), x[4], x[0], x[7]) for x in rows if x[0] is not None and isinstance(x[0], int)] == [
        tuple(x) for x in EXPECTED_WINDOWS]
    # Named as people name them: the scheme by its title, departments by their names.
    title = wb["窗口排名"]["A1"].value
    assert "县行政服务中心窗口及工作人员考评办法" in title and "county_window" not in title
    assert {x[3] for x in rows if isinstance(x[0], int)} == {"县公安局", "县市场监督管理局", None}  # 4: comprehensive
    details = list(wb["扣加分明细"].iter_rows(min_row=2, values_only=True))
    assert any(d[1] == "2" and d[8] == "办件" and d[9] == "A001 (10-09)" for d in details)
    # Categories and definitions by their Chinese names, never their keys.
    assert {d[3] for d in details if d[1] == "2"} == {"工作纪律", "业务管理", "服务对象评议"}
    assert not {d[3] for d in details} & {"discipline", "business", "ratings", "service", "bonus"}
    defined = [row[0] for row in wb["口径说明"].iter_rows(values_only=True)]
    assert "满意率" in defined and "超期天数" in defined and not any(re.fullmatch(r"[a-z_]+", k) for k in defined)

    c = sup.get("/assessment/2025-10.csv", params={"scope": "department"})
    assert c.status_code == 200 and c.headers["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(c.content.decode("utf-8-sig"))))
    assert table[0][:5] == ["排名", "编号", "名称", "部门", "得分"]
    assert [(row[1], float(row[4]), int(row[0])) for row in table[1:]] == [("SJ", 96, 1), ("MZ", 94, 2), ("GA", 94, 3)]


def test_records_and_an_appeal_that_changes_a_rank(october, server):
    hall = october.hall
    sup = server.api(hall.login("duban"))
    # entries the scheme cannot read are refused
    assert_error(sup.post("/assessment/records", {"kind": "other", "item": "no_such_line", "occurred_on": "2025-10-20",
                                                  "evidence": "x", "window": 1}), 400)
    assert_error(sup.post("/assessment/records", {"kind": "praise_letter", "item": "praise", "occurred_on": "2025-10-20",
                                                  "evidence": "来信", "window": 1}), 400)  # praise needs 1-5 points
    assert_error(sup.post("/assessment/records", {"kind": "other", "item": "off_task", "occurred_on": "2025-10-20",
                                                  "evidence": "x"}), 400)  # names nobody
    made = sup.post("/assessment/records", {"kind": "inspection_finding", "item": "off_task", "occurred_on": "2025-10-21",
                                            "evidence": "暗访照片 DC-017：上班时间玩手机", "window": 3, "staff": "S004"})
    assert made.status_code == 201, made.text
    assert made.json()["entered_by"] == "user:duban" and made.json()["item_name"].startswith("上班时间炒股")
    w3 = next(c for c in sup.get("/assessment/2025-10").json()["scorecards"] if c["unit"] == "3")
    assert w3["score"] == 94
    void = sup.post(f"/assessment/records/{made.json()['id']}/void", {"reason": "照片拍的是4号窗口"})
    assert void.status_code == 200 and void.json()["void"] is True
    listed = sup.get("/assessment/records", params={"month": "2025-10"}).json()
    assert [r["void"] for r in listed].count(True) == 1 and len(listed) == 4

    # The verified complaint at window 4 is appealed and removed: 94 + 5 = 99, from 3rd to 2nd.
    filed = sup.post("/assessment/appeals", {"month": "2025-10", "scope": "window", "unit": "4",
                                             "item": "verified_complaint", "statement": "投诉所涉业务不属本窗口"})
    assert filed.status_code == 201, filed.text
    assert filed.json()["status"] == "pending"
    assert_error(sup.post("/assessment/appeals", {"month": "2025-10", "scope": "window", "unit": "4",
                                                  "item": "verified_complaint", "statement": "again"}), 409)
    clerk = server.api(hall.login("S005"))
    assert_error(clerk.post(f"/assessment/appeals/{filed.json()['id']}/decide",
                            {"decision": "removed", "reason": "x"}), 403)
    decided = sup.post(f"/assessment/appeals/{filed.json()['id']}/decide",
                       {"decision": "removed", "reason": "经核实投诉工单派错窗口"})
    assert decided.status_code == 200, decided.text
    d = decided.json()
    assert (d["decision"], d["before"], d["after"]) == (
        "removed", {"points": -5, "score": 94, "rank": 3}, {"score": 99, "rank": 2})
    body = sup.get("/assessment/2025-10").json()
    assert ranking(body)[:3] == [("1", 100, 1, "优秀"), ("4", 99, 2, "良好"), ("3", 96, 3, "良好")]
    w4 = next(c for c in body["scorecards"] if c["unit"] == "4")
    item = next(i for i in w4["items"] if i["key"] == "verified_complaint")
    assert (item["points"], item["computed_points"], item["appeal"]["decided_by"]) == (0, -5, "user:duban")
    kept = sup.get("/assessment/appeals", params={"month": "2025-10"}).json()
    assert [(a["id"], a["status"], a["reason"]) for a in kept] == [(d["id"], "decided", "经核实投诉工单派错窗口")]
    assert_error(sup.post(f"/assessment/appeals/{d['id']}/decide", {"decision": "upheld", "reason": "x"}), 409)

    # A clerk appeals an item of their own card, not of someone else's.
    own = clerk.post("/assessment/appeals", {"month": "2025-10", "scope": "staff", "unit": "S005",
                                             "item": "early_leave", "statement": "当天经批准提前离岗就医"})
    assert own.status_code == 201, own.text
    assert_error(clerk.post("/assessment/appeals", {"month": "2025-10", "scope": "staff", "unit": "S001",
                                                    "item": "praise", "statement": "x"}), 403)

    # a completion only for cases (a no-show is none)
    assert_error(sup.post(f"/cases/{october.tickets['no_show']}/completion", {"completed_on": "2025-10-20"}), 409)


def test_the_year_with_democratic_scores(october, server):
    """Only October has facts. County scheme: no annual rule of its own → 60% + 40%.
    W1: 0.6 × 100 + 0.4 × 90 = 96; W3: 0.6 × 96 + 0.4 × 95 = 95.6;
    W4: 0.6 × 94 + 0.4 × 80 = 88.4; W2: 0.6 × 88 + 0.4 × 85 = 86.8."""
    sup = server.api(october.hall.login("duban"))
    assert_error(sup.post("/assessment/democratic/2025", {"scores": {"9": 90}}), 404)
    assert_error(sup.post("/assessment/democratic/2025", {"scores": {"1": 190}}), 400)
    r = sup.post("/assessment/democratic/2025", {"scope": "window", "scores": {"1": 90, "2": 85, "3": 95, "4": 80}})
    assert r.status_code == 200 and r.json()["scores"]["3"] == 95
    year = sup.get("/assessment/year/2025").json()
    assert (year["monthly_weight"], year["democratic_weight"]) == (0.6, 0.4)
    assert [(c["unit"], c["score"], c["rank"]) for c in year["cards"]] == [
        ("1", 96, 1), ("3", 95.6, 2), ("4", 88.4, 3), ("2", 86.8, 4)]
    assert year["cards"][0]["months"] == {"2025-10": 100}


def test_the_year_carries_a_windows_excellent_to_its_staff(october, server):
    """Staff by the 德能勤绩廉 preset (seed 004 绩4 "获优秀的，每人加10分"): windows' year as above,
    W1 96 is the one 优秀 (20% of 4 = 0, at least one); S001 holds window 1's A post → +10 on
    S001's year; no other clerk's window is 优秀."""
    sup = server.api(october.hall.login("duban"))
    r = sup.post("/assessment/schemes", {"scope": "staff", "preset": "staff_de_neng_qin_ji_lian",
                                         "from_month": "2025-10"})
    assert r.status_code == 200, r.text
    sup.post("/assessment/democratic/2025", {"scope": "window", "scores": {"1": 90, "2": 85, "3": 95, "4": 80}})
    windows = sup.get("/assessment/year/2025").json()["cards"]
    assert [(c["unit"], c["grade"]) for c in windows][:1] == [("1", "优秀")]
    year = sup.get("/assessment/year/2025?scope=staff").json()
    assert year["scheme"] == "staff_de_neng_qin_ji_lian"
    points = {c["unit"]: c["window_points"] for c in year["cards"]}
    assert points["S001"] == 10 and all(v == 0 for k, v in points.items() if k != "S001")
    s001 = next(c for c in year["cards"] if c["unit"] == "S001")
    assert any(f["key"] == "window_grade_points" and "1号窗口年度优秀" in f["message"] for f in s001["flags"])


def test_a_scheme_names_itself_in_english_only_in_english(hall, server):
    """A hall's adjustment may rename a line in English; Chinese there is refused (the page would show it as English)."""
    hall.user("duban", "supervisor")
    sup = server.api(hall.login("duban"))
    change = {"categories": {"business": {"parts": {"case_management": {"rules": {"overdue": {
        "points": -1, "name_en": "Late promised case, -1 a working day"}}}}}}}
    r = sup.post("/assessment/schemes", {"scope": "window", "preset": "county_window", "overrides": change})
    assert r.status_code == 200, r.text
    change["categories"]["business"]["parts"]["case_management"]["rules"]["overdue"]["name_en"] = "超期，每天扣1分"
    err = assert_error(sup.post("/assessment/schemes", {"scope": "window", "preset": "county_window",
                                                        "overrides": change}), 400)
    assert "rules[overdue].name_en" in err["message"] and "no Chinese" in err["message"]
    got = sup.get("/assessment/schemes").json()
    assert got["schemes"]["window"]["overrides"]["categories"]["business"]["parts"]["case_management"]["rules"][
        "overdue"] == {"points": -1, "name_en": "Late promised case, -1 a working day"}


def test_a_clerk_records_the_completion_of_their_own_windows_promised_cases_only(hall, server):
    """Issue 19, "Holes": the completion (办结登记) of a promised case is entered by a supervisor, by the
    clerk who accepted it, or by a holder of a post at the window that accepted it; not by any clerk."""
    from tests.helpers import clerk_api, issue

    kiosk = server.api(hall.token("kiosk"))
    at_1 = clerk_api(hall, server, "S001", window=1)  # window 1's A post
    at_2 = clerk_api(hall, server, "S003", window=2)  # window 2's A post
    cases = {}
    for clerk, window in ((at_1, 1), (at_2, 2)):
        issue(kiosk)
        called = clerk.post(f"/windows/{window}/call-next").json()
        assert clerk.post(f"/windows/{window}/finish", {"outcome": "promised", "promised_days": 3}).status_code == 200
        cases[window] = called["id"]
    done = {"completed_on": "2026-11-23"}

    assert_error(at_2.post(f"/cases/{cases[1]}/completion", done), 403, "case_not_yours")
    assert_error(at_1.post(f"/cases/{cases[2]}/completion", done), 403, "case_not_yours")
    assert_error(kiosk.post(f"/cases/{cases[1]}/completion", done), 403, "forbidden")  # devices never
    # Refused before anything was written: the window's own people still enter it.
    b_post = clerk_api(hall, server, "S002")  # window 1's B post (AB岗), not signed in
    r = b_post.post(f"/cases/{cases[1]}/completion", done)
    assert r.status_code == 201 and r.json()["entered_by"] == "user:S002", r.text
    # On record: entering it again is a correction, which says why (issue 17; tests/cases test the log).
    assert_error(at_1.post(f"/cases/{cases[1]}/completion", done), 400, "invalid_input")
    r = at_2.post(f"/cases/{cases[2]}/completion", done)
    assert r.status_code == 201 and r.json()["entered_by"] == "user:S003", r.text
