"""The ratings and follow-up API over real HTTP, with real Socket.IO clients."""
import pytest

from hallq.queue.agent_scope import AgentScope
from tests.helpers import clerk_api, issue, wait_for


@pytest.fixture
def db(sqlite_db):
    # The HTTP layer is the same on both databases; the engine tests cover PostgreSQL.
    return sqlite_db


@pytest.fixture
def desk(hall, server):
    """Window 1 with its clerk, its evaluator pad, and a kiosk."""
    clerk = clerk_api(hall, server, "S001", window=1)
    pad_token = hall.token("evaluator", "pad1", window=1)
    return clerk, server.api(pad_token), pad_token, server.api(hall.token("kiosk", "k1"))


def served(clerk, kiosk):
    ticket = issue(kiosk, "GA02")
    assert clerk.post("/windows/1/call-next").status_code == 200
    r = clerk.post("/windows/1/finish", {"outcome": "immediate"})
    assert r.status_code == 200, r.text
    return ticket


def test_the_pad_is_asked_and_its_rating_reaches_the_hall(hall, server, desk, clock):
    clerk, pad, pad_token, kiosk = desk
    pad_socket = server.socket(pad_token)
    tv = server.socket(hall.token("display", "tv"))
    try:
        ticket = served(clerk, kiosk)
        asked = wait_for(pad_socket, "rating.requested", lambda d: d["number"] == ticket["number"])
        clock.advance(seconds=8)
        r = pad.post("/ratings", {"ticket": asked["id"], "level": 5, "channel": "pad"})
        assert r.status_code == 201, r.text
        body = r.json()
        assert (body["level"], body["level_name"], body["window"], body["number"]) == (5, "非常满意", 1, ticket["number"])
        assert body["staff"] == {"name": "王芳", "number": "S001"} and body["counted"] is True
        for client in (tv, pad_socket):  # hall room and window room
            got = wait_for(client, "rating.received", lambda d: d["number"] == ticket["number"])
            assert {"number", "window", "service", "at", "level"} <= set(got)
            assert (got["window"], got["service"], got["level"]) == (1, "GA02", 5)
            assert "id_number" not in got and "phone" not in got and "comment" not in got
        again = pad.post("/ratings", {"ticket": asked["id"], "level": 1, "reasons": ["attitude"], "channel": "pad"})
        assert again.status_code == 409 and again.json()["error"] == "already_rated"
        assert "已经评价" in again.json()["message"]
    finally:
        pad_socket.disconnect()
        tv.disconnect()


def test_who_may_not_rate(hall, server, desk, clock):
    clerk, pad, _, kiosk = desk
    ticket = served(clerk, kiosk)
    r = clerk.post("/ratings", {"ticket": ticket["id"], "level": 5, "channel": "pad"})
    assert r.status_code == 403 and r.json()["error"] == "rating_by_staff"
    other = server.api(hall.token("evaluator", "pad2", window=2), lang="en")
    r = other.post("/ratings", {"ticket": ticket["id"], "level": 5, "channel": "pad"})
    assert r.status_code == 403 and r.json()["error"] == "rating_other_window"
    assert "window" in r.json()["message"]
    assert server.api().post("/ratings", {"ticket": ticket["id"], "level": 5, "channel": "pad"}).status_code == 401
    r = pad.post("/ratings", {"ticket": ticket["id"], "level": 2, "channel": "pad"})
    assert r.status_code == 400 and r.json()["error"] == "rating_reasons_required"
    r = pad.post("/ratings", {"ticket": ticket["id"], "level": 9, "channel": "pad"})
    assert r.status_code == 400 and r.json()["error"] == "invalid_input"
    r = pad.post("/ratings", {"ticket": 999999, "level": 5, "channel": "pad"})
    assert r.status_code == 404
    clock.advance(seconds=61)
    r = pad.post("/ratings", {"ticket": ticket["id"], "level": 5, "channel": "pad"})
    assert r.status_code == 409 and r.json()["error"] == "rating_expired"


def test_the_keypad_rates_through_the_device_agent(hall, server, desk, clock):
    clerk, _, _, kiosk = desk
    agent = server.api(hall.token("agent", "agent1", scope=AgentScope(windows=frozenset({1}))))
    ticket = served(clerk, kiosk)
    clock.advance(seconds=3)
    r = agent.post("/ratings", {"ticket": ticket["id"], "level": 3, "channel": "keypad"})
    assert r.status_code == 400 and r.json()["error"] == "rating_window_required"
    r = agent.post("/ratings", {"ticket": ticket["id"], "level": 3, "channel": "keypad", "window": 1})
    assert r.status_code == 201 and r.json()["channel"] == "keypad"


def test_the_qr_code_route_is_public(hall, server, desk, clock):
    clerk, pad, _, kiosk = desk
    ticket = served(clerk, kiosk)
    public = server.api()
    r = pad.post("/ratings", {"ticket": ticket["id"], "level": 5, "channel": "qr"})
    assert r.status_code == 400 and r.json()["error"] == "rating_qr_by_token"
    clock.advance(days=2)
    r = public.post(f"/t/{ticket['token']}/rating", {"level": 4})
    assert r.status_code == 201 and r.json()["channel"] == "qr"
    assert public.post(f"/t/{ticket['token']}/rating", {"level": 4}).status_code == 409
    assert public.post("/t/nonsense/rating", {"level": 4}).status_code == 404
    clerk = server.api(hall.login("S001"))  # two days on: the clerk signs in again (a staff token's idle time)
    late = served(clerk, kiosk)
    clock.advance(days=8)
    r = public.post(f"/t/{late['token']}/rating", {"level": 4})
    assert r.status_code == 409 and r.json()["error"] == "rating_qr_expired"


def test_a_pad_rating_too_fast_is_refused_with_429(hall, server, desk, clock):
    clerk, pad, _, kiosk = desk
    for i in range(7):
        ticket = served(clerk, kiosk)
        clock.advance(seconds=2)
        r = pad.post("/ratings", {"ticket": ticket["id"], "level": 4, "channel": "pad"})
        if i < 6:
            assert r.status_code == 201, r.text
    assert r.status_code == 429 and r.json()["error"] == "rating_rate_limited"


def test_a_bad_review_is_followed_up_to_its_close(hall, server, desk, clock):
    clerk, pad, _, kiosk = desk
    hall.user("boss", "supervisor")
    boss = server.api(hall.login("boss"))
    duty = server.socket(hall.login("boss"))
    try:
        assert duty.call("join", {"room": "supervisors"}, timeout=10)["ok"]  # as the duty screen does
        ticket = served(clerk, kiosk)
        clock.advance(seconds=20)
        r = pad.post("/ratings", {"ticket": ticket["id"], "level": 1, "channel": "pad",
                                  "reasons": ["other"], "comment": "等了很久，电话13912345678"})
        assert r.status_code == 201, r.text
        assert r.json()["comment"] == "等了很久，电话139****5678"
        alert = wait_for(duty, "followup.opened", lambda d: d["number"] == ticket["number"])
        case_id = alert["followup"]
    finally:
        duty.disconnect()
    [case] = boss.get("/followups").json()
    assert (case["id"], case["status"], case["overdue"], case["due_date"]) == (case_id, "open", False, "2026-11-30")
    assert case["rating"]["level"] == 1 and case["window"] == 1
    assert clerk.get("/followups").json() == []  # the rated clerk is not the chief
    assert kiosk.get("/followups").status_code == 403
    r = boss.post(f"/followups/{case_id}/close")
    assert r.status_code == 409 and r.json()["error"] == "followup_callback_missing"
    r = boss.post(f"/followups/{case_id}/callback", {"result": "已电话致歉", "reached": True, "person": "王主任"})
    assert r.status_code == 200 and r.json()["notes"][0]["person"] == "王主任"
    r = boss.post(f"/followups/{case_id}/rectification", {"text": "增设叫号提醒"})
    assert r.status_code == 200
    r = boss.post(f"/followups/{case_id}/close", {"note": "已办结"})
    assert r.status_code == 200 and r.json()["status"] == "closed"
    assert [n["kind"] for n in boss.get(f"/followups/{case_id}").json()["notes"]] == ["callback", "rectification"]
    assert boss.get("/followups/424242").status_code == 404


def test_overdue_cases_show_in_the_list(hall, server, desk, clock):
    clerk, pad, _, kiosk = desk
    hall.user("boss", "supervisor")
    boss = server.api(hall.login("boss"))
    ticket = served(clerk, kiosk)
    clock.advance(seconds=20)
    assert pad.post("/ratings", {"ticket": ticket["id"], "level": 2, "channel": "pad",
                                 "reasons": ["slow"]}).status_code == 201
    clock.advance(days=8)  # Tuesday 2026-12-01, one working day after the due Monday
    boss = server.api(hall.login("boss"))  # a new day's sign-in
    [case] = boss.get("/followups?overdue=true").json()
    assert (case["overdue"], case["days_late"]) == (True, 1)
    assert boss.get("/followups?status=closed").json() == []
    assert boss.get("/followups?status=nonsense").status_code == 400


def test_supervisors_see_flags_and_rule_appeals(hall, server, desk, clock):
    clerk, pad, _, kiosk = desk
    hall.user("boss", "supervisor")
    boss = server.api(hall.login("boss"))
    ticket = served(clerk, kiosk)
    r = pad.post("/ratings", {"ticket": ticket["id"], "level": 1, "channel": "pad", "reasons": ["misconduct"]})
    rating_id = r.json()["id"]
    [flagged] = boss.get("/ratings?flagged=true").json()  # answered at the very moment of the finish
    assert flagged["id"] == rating_id and flagged["flag_reasons"] == ["instant"]
    assert clerk.get("/ratings").status_code == 403
    r = clerk.post(f"/ratings/{rating_id}/appeal", {"ruling": "mistaken", "reasons": "误触"})
    assert r.status_code == 403
    r = boss.post(f"/ratings/{rating_id}/appeal", {"ruling": "mistaken", "reasons": "评价器故障误触"})
    assert r.status_code == 200, r.text
    assert r.json()["counted"] is False and r.json()["appeal"]["ruling"] == "mistaken"
    assert r.json()["appeal"]["decided_by"] == "user:boss"
    assert boss.post(f"/ratings/{rating_id}/appeal", {"ruling": "valid", "reasons": "x"}).status_code == 409
    assert boss.get(f"/followups/{r.json()['followup']}").json()["status"] == "withdrawn"
    assert boss.get("/ratings/777777").status_code == 404


def test_options_for_the_pad_and_the_openapi_document(hall, server, desk):
    _, pad, _, _ = desk
    options = pad.get("/ratings/options").json()
    assert [lv["name"] for lv in options["levels"]] == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    assert {"code": "other", "name": "其他"} in options["reasons"]
    assert (options["request_seconds"], options["qr_days"], options["unrated_counts_as"],
            options["followup_working_days"]) == (60, 7, "not_counted", 5)
    english = server.api(hall.token("evaluator", "pad9", window=1), lang="en").get("/ratings/options").json()
    assert english["levels"][0]["name"] == "very satisfied"
    doc = server.api().get("/openapi.json").json()
    paths = doc["paths"]
    for path, method in [("/ratings", "post"), ("/t/{token}/rating", "post"), ("/followups", "get"),
                         ("/followups/{case_id}", "get"), ("/followups/{case_id}/callback", "post"),
                         ("/followups/{case_id}/rectification", "post"), ("/followups/{case_id}/close", "post"),
                         ("/ratings/{rating_id}/appeal", "post"), ("/ratings/options", "get")]:
        assert method in paths[path], path
    assert "429" in paths["/ratings"]["post"]["responses"]
    assert paths["/t/{token}/rating"]["post"]["security"] == []
    body = doc["components"]["schemas"]["RatingIn"]
    assert {"ticket", "level", "reasons", "channel"} <= set(body["properties"])
