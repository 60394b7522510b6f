"""容缺受理 over HTTP on both databases (issue 17): a 承诺件 accepted with named materials to follow.

The test hall works Mon-Fri; the clock starts Mon 23 Nov 2026 10:00. GA02 is promised for 10 working days
here, so a case accepted today is due Mon 7 Dec.
"""
from __future__ import annotations

import pytest

from tests.cases.test_cases_api import accept, relogin
from tests.conftest import Hall, local
from tests.helpers import clerk_api
from tests.queue.web.test_api import assert_error

OWED = ["营业执照副本", "法定代表人身份证复印件"]


@pytest.fixture
def hall(db, clock):
    return Hall(db, clock)


@pytest.fixture
def people(hall, server):
    kiosk = server.api(hall.token("kiosk", "k1"))
    at_1 = clerk_api(hall, server, "S001", window=1)
    at_2 = clerk_api(hall, server, "S003", window=2)
    hall.user("boss", "supervisor")
    return kiosk, at_1, at_2


def test_a_case_waits_for_what_is_owed_warns_when_late_and_moves_its_due_date_by_the_lateness(
        hall, server, people, clock):
    kiosk, at_1, at_2 = people
    t = accept(kiosk, at_1, 1, "GA02", outcome="promised", promised_days=10,
               tolerance={"materials": OWED, "days": 3})
    case = at_1.get(f"/cases/{t['id']}").json()
    # Accepted today: the 受理通知书's date stands; the materials are owed by Thu 26 Nov (3 working days).
    assert (case["status"], case["due_on"]) == ("waiting", "2026-12-07")
    assert case["tolerance"]["owed"] == OWED and case["tolerance"]["promised_by"] == "2026-11-26"
    assert case["materials_late"] == 0 and not case["due_soon"]
    assert_error(at_1.post(f"/cases/{t['id']}/completion", {"completed_on": "2026-11-23"}), 409, "case_waiting")
    public = server.api(None).get(f"/t/{t['token']}?lang=en").json()["case"]
    assert (public["owed_materials"], public["materials_promised_by"], public["materials_late"]) == \
        (OWED, "2026-11-26", False)

    clock.set(local(2026, 11, 27, 10, 0))  # Fri: one working day past the applicant's day
    at_1 = relogin(hall, server, "S001")
    late = at_1.get("/cases?standing=materials_late").json()
    assert [(c["number"], c["materials_late"]) for c in late] == [(t["number"], 1)]
    console = at_1.get("/windows/1/console").json()
    assert [c["number"] for c in console["cases"]] == [t["number"]]  # warned on the window's console
    assert relogin(hall, server, "boss").get("/cases?standing=materials_late").json()[0]["number"] == t["number"]
    assert server.api(None).get(f"/t/{t['token']}").json()["case"]["materials_late"] is True

    # Another window's clerk may not record the arrival; the window's may, one material at a time.
    assert_error(relogin(hall, server, "S003").post(f"/cases/{t['id']}/materials", {"materials": [OWED[0]]}),
                 403, "case_not_yours")
    r = at_1.post(f"/cases/{t['id']}/materials", {"materials": [OWED[0]], "note": "原件已核"})
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["tolerance"]["owed"]) == ("waiting", [OWED[1]])
    assert_error(at_1.post(f"/cases/{t['id']}/materials", {"materials": [OWED[0]]}), 409,
                 "tolerance_material_unknown")  # already in

    clock.set(local(2026, 11, 30, 10, 0))  # Mon: the last one comes two working days late (Fri 27, Mon 30)
    at_1 = relogin(hall, server, "S001")
    r = at_1.post(f"/cases/{t['id']}/materials", {"materials": [OWED[1]]})
    assert r.status_code == 200, r.text
    case = r.json()
    # Mon 7 Dec moved on by the two working days the applicant was late: Wed 9 Dec.
    assert (case["status"], case["due_on"], case["materials_late"]) == ("open", "2026-12-09", 0)
    assert [m["received_on"] for m in case["tolerance"]["materials"]] == ["2026-11-27", "2026-11-30"]
    assert [e["action"] for e in case["log"]] == ["opened", "materials", "materials"]
    assert case["log"][-1]["after"]["received"] == [OWED[1]] and case["log"][-1]["after"]["owed"] == []
    assert at_1.get("/cases?standing=materials_late").json() == []
    assert "owed_materials" not in server.api(None).get(f"/t/{t['token']}").json()["case"]
    r = at_1.post(f"/cases/{t['id']}/completion", {"completed_on": "2026-11-30"})
    assert r.status_code == 201 and r.json()["status"] == "done"


def test_materials_on_time_keep_the_promised_date(hall, server, people, clock):
    kiosk, at_1, _ = people
    t = accept(kiosk, at_1, 1, "GA02", outcome="promised", promised_days=10,
               tolerance={"materials": OWED + [" 营业执照副本 "], "days": 5})  # a name twice is owed once
    assert at_1.get(f"/cases/{t['id']}").json()["tolerance"]["owed"] == OWED
    clock.set(local(2026, 11, 30, 10, 0))  # Mon: on the day promised (Mon 23 + 5 working days)
    r = relogin(hall, server, "S001").post(f"/cases/{t['id']}/materials", {})  # all that is owed
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["due_on"]) == ("open", "2026-12-07")


def test_a_joint_case_may_be_accepted_so_and_its_tasks_move_with_it(hall, server, people, clock):
    kiosk, at_1, _ = people
    t = accept(kiosk, at_1, 1, "GA02", outcome="joint", promised_days=10, departments=["SJ"],
               tolerance={"materials": [OWED[0]], "days": 1})
    case = at_1.get(f"/cases/{t['id']}").json()
    assert case["status"] == "waiting" and {x["due_on"] for x in case["tasks"]} == {"2026-12-07"}
    clock.set(local(2026, 11, 25, 10, 0))  # Wed: one working day past Tue 24
    r = relogin(hall, server, "S001").post(f"/cases/{t['id']}/materials", {"materials": [OWED[0]]})
    assert r.json()["due_on"] == "2026-12-08" and {x["due_on"] for x in r.json()["tasks"]} == {"2026-12-08"}


def test_the_finish_refuses_tolerance_it_cannot_keep(hall, server, people):
    kiosk, at_1, _ = people
    from tests.helpers import issue
    t = issue(kiosk, "GA02")
    assert at_1.post("/windows/1/call", {"ticket": t["number"]}).status_code == 200
    for body, code in (({"outcome": "immediate", "tolerance": {"materials": OWED, "days": 2}}, "tolerance_not_for_outcome"),
                       ({"outcome": "supplement", "missing_materials": OWED,
                         "tolerance": {"materials": OWED, "days": 2}}, "tolerance_not_for_outcome"),
                       ({"outcome": "promised", "promised_days": 3, "tolerance": {"materials": OWED, "days": 4}},
                        "tolerance_after_due"),
                       ({"outcome": "promised", "promised_days": 3, "tolerance": {"materials": ["  "], "days": 2}},
                        "tolerance_materials_required")):
        assert_error(at_1.post("/windows/1/finish", body), 400, code)
    r = at_1.post("/windows/1/finish", {"outcome": "promised", "promised_days": 3, "tolerance": {"materials": [], "days": 2}})
    assert r.status_code == 400  # pydantic: at least one
    # The ticket is still at the counter after every refusal.
    assert at_1.post("/windows/1/finish", {"outcome": "promised", "promised_days": 3}).status_code == 200


def test_the_applicant_bringing_what_is_owed_checks_in_without_a_new_place_at_the_back(hall, server, people, clock):
    kiosk, at_1, _ = people
    t = accept(kiosk, at_1, 1, "GA02", outcome="promised", promised_days=10, tolerance={"materials": OWED, "days": 3})
    clock.set(local(2026, 11, 25, 10, 0))
    r = server.api(hall.token("kiosk", "k2")).post("/kiosk/returns", {"scanned": f"{server.url}/t/{t['token']}"})
    assert r.status_code == 201, r.text
    assert r.json()["windows"] == [1]  # only the window that accepted it calls it
    case = relogin(hall, server, "S001").get(f"/cases/{t['id']}").json()
    assert case["log"][-1]["action"] == "returned" and case["log"][-1]["after"]["for"] == "materials"
