"""The admin API over HTTP: bad input is a clear 4xx that changes nothing; set-up links; the audit log;
a change seen by a second `hallq serve` process without a restart."""
from __future__ import annotations

import base64
import datetime as dt
import io

import pytest
from PIL import Image

from hallq.queue import photos
from hallq.queue.halls import hall_context
from hallq.server.app import create_app
from tests.conftest import Server
from tests.queue.official_calendar import EXAMPLE_2027, library_until_2026  # noqa: F401  (fixture)

on_sqlite = pytest.mark.parametrize("db", ["sqlite"], indirect=True)


def picture(fmt: str = "PNG", size=(60, 80), noise: bool = False) -> bytes:
    image = Image.new("RGB", size, (200, 60, 40))
    if noise:  # incompressible: a large file
        image = Image.frombytes("RGB", size, __import__("os").urandom(size[0] * size[1] * 3))
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


@pytest.fixture
def photo_server(hall, clock, tmp_path):
    srv = Server(create_app(hall.db, clock=clock, photo_dir=tmp_path / "photos"))
    yield srv, tmp_path / "photos"
    srv.stop()


@pytest.fixture
def boss(hall, photo_server):
    hall.user("admin", "admin")
    return photo_server[0].api(hall.login("admin"))


def _file(boss) -> str:
    r = boss.get("/admin/hall.toml")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/toml")
    return r.text


@pytest.mark.parametrize("path, data, says", [
    ("/admin/windows", {"number": 1, "name": "重复窗口", "items": ["GA01"]}, "duplicate number: 1"),
    ("/admin/windows", {"number": 8, "name": "没有事项", "items": []}, "at least 1 item"),
    ("/admin/staff", {"number": "S001", "name": "重复工号"}, "duplicate number: S001"),
    ("/admin/windows/1", {"items": ["NOPE"]}, "unknown item NOPE"),
    ("/admin/hall", {"timezone": "Asia/Nowhere"}, "unknown time zone"),
    ("/admin/departments/GA/deactivate", None, "unknown department GA"),  # its items and windows need it
])
def test_what_the_hall_file_refuses_is_a_400_that_changes_nothing(boss, path, data, says):
    before = _file(boss)
    r = boss.post(path, data)
    assert r.status_code == 400, r.text
    assert r.json()["error"] == "hall_file_invalid" and says in r.json()["message"]
    assert r.json()["message"].startswith("不符合大厅配置规则")  # Chinese by default
    assert _file(boss) == before
    assert boss.get("/admin/changes").json() == []


def test_photos_are_checked_stored_and_shown_on_the_staff_list(boss, photo_server):
    _, folder = photo_server
    before = _file(boss)
    for data, code in ((b"GIF89a not ours", "photo_not_image"), (b"%PDF-1.4", "photo_not_image"),
                       (picture("PNG", (240, 240), noise=True), "photo_too_large")):
        r = boss.post("/admin/staff/S001/photo", {"data": base64.b64encode(data).decode()})
        assert (r.status_code, r.json()["error"]) == (400, code), r.text
    assert len(picture("PNG", (240, 240), noise=True)) > photos.UPLOAD_MAX_BYTES
    r = boss.post("/admin/staff/S001/photo", {"data": "not base64!"})
    assert r.status_code == 400
    assert _file(boss) == before and not folder.exists()
    for fmt in ("JPEG", "PNG", "WEBP"):
        r = boss.post("/admin/staff/S001/photo", {"data": base64.b64encode(picture(fmt)).decode()})
        assert r.status_code == 200, r.text
        assert (folder / r.json()["photo"]).read_bytes() == picture(fmt)
    [s001] = [s for s in boss.get("/admin/staff").json() if s["number"] == "S001"]
    assert s001["photo"].endswith(".webp") and s001["posts"] == [{"window": 1, "post": "A"}]
    photo_changes = boss.get("/admin/changes?entity=staff").json()
    assert len(photo_changes) == 3 and photo_changes[-1]["before"]["photo"] is None
    assert photo_changes[0]["after"]["photo"] == s001["photo"]
    r = boss.post("/admin/staff/S999/photo", {"data": base64.b64encode(picture()).decode()})
    assert r.status_code == 400 and r.json()["error"] == "staff_unknown"


def test_a_new_window_serves_at_once(boss, hall, photo_server):
    server, _ = photo_server
    kiosk = server.api(hall.token("kiosk", "k9"))
    r = boss.post("/admin/windows", {"number": 9, "name": "婚登窗口", "items": ["MZ01"], "live_from": "2026-11-23"})
    assert r.status_code == 201, r.text
    [mz] = [s for s in kiosk.get("/services").json() if s["code"] == "MZ01"]
    assert 9 in [w["number"] for w in kiosk.get("/windows").json()]
    assert boss.post("/admin/windows/9/deactivate").status_code == 204
    assert 9 not in [w["number"] for w in kiosk.get("/windows").json()]
    assert [c["action"] for c in boss.get("/admin/changes?entity=window").json()] == ["deactivate", "create"]
    assert boss.get("/admin/changes?day=2026-11-23").json()[0]["actor"] == "user:admin"
    assert boss.get("/admin/changes?day=2026-11-24").json() == []
    assert boss.get("/admin/changes?entity=nonsense").status_code == 400


def test_a_kiosk_token_comes_with_its_set_up_link_once(boss, photo_server):
    server, _ = photo_server
    r = boss.post("/admin/tokens", {"kind": "kiosk", "name": "lobby-1"})
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["setup_url"] == f"{server.url}/kiosk#token={made['token']}"
    assert made["qr_svg"].startswith("<?xml") and "<svg" in made["qr_svg"]
    listed = boss.get("/admin/tokens").json()
    assert [t["name"] for t in listed] == ["lobby-1"] and "token" not in listed[0]
    assert server.api(made["token"]).get("/kiosk/state").status_code == 200
    r = boss.post(f"/admin/tokens/{made['id']}/replace")
    assert r.status_code == 201
    assert server.api(made["token"]).get("/kiosk/state").status_code == 401  # at once in this process
    assert server.api(r.json()["token"]).get("/kiosk/state").status_code == 200
    assert boss.post("/admin/tokens", {"kind": "caller", "name": "c1"}).status_code == 400  # needs its window
    caller = boss.post("/admin/tokens", {"kind": "caller", "name": "c1", "window": 2}).json()
    assert caller["setup_url"] is None and caller["window"] == 2  # a keypad has no page to set up


def test_accounts_from_the_api(boss, photo_server, hall):
    server, _ = photo_server
    r = boss.post("/admin/accounts", {"username": "S002", "role": "clerk", "staff": "S002"})
    assert r.status_code == 201, r.text
    password = r.json()["password"]
    signed = server.api().post("/auth/login", {"username": "S002", "password": password}).json()
    assert signed["must_change_password"] is True
    assert boss.post("/admin/accounts", {"username": "S002", "role": "clerk"}).status_code == 409
    assert boss.post("/admin/accounts/S002", {"active": False}).json()["active"] is False
    assert server.api(signed["token"]).get("/me").status_code == 401  # its sign-in ended at once
    assert server.api().post("/auth/login", {"username": "S002", "password": password}).status_code == 401
    assert boss.post("/admin/accounts/admin", {"active": False}).status_code == 403  # not one's own
    fresh = boss.post("/admin/accounts/S002/reset-password").json()["password"]
    assert fresh != password
    assert [a["username"] for a in boss.get("/admin/accounts").json()] == ["S002", "admin"]
    changes = boss.get("/admin/changes?entity=account").json()
    assert [c["action"] for c in changes] == ["reset_password", "update", "create"]
    assert password not in str(changes) and fresh not in str(changes)


def test_the_hall_page_settings(boss, hall, photo_server):
    server, _ = photo_server
    display = server.api(hall.token("display", "tv"))
    r = boss.post("/admin/hall", {"notice": "本周六正常上班", "hours": {"sessions": [["08:30", "12:00"], ["13:30", "17:30"]]},
                                  "voice": {"template": "请{号}号到{窗}号窗口"}})
    assert r.status_code == 200, r.text
    assert r.json()["notice"] == "本周六正常上班" and r.json()["hours"]["sessions"][0] == ["08:30:00", "12:00:00"]
    assert "本周六正常上班" in _file(boss)
    assert display.get("/admin/hall").status_code == 403
    r = boss.post("/admin/hall", {"voice": {"template": "请{票}号"}})
    assert r.status_code == 400, r.text


@pytest.mark.usefixtures("library_until_2026")
def test_the_official_arrangement_of_a_year_the_calendar_lacks_is_entered_here(boss, hall):
    """Issue 14, the official calendar: the hall enters the State Council's arrangement of a year the installed
    calendar lacks on the admin pages, as in the hall file; the pages stop saying it is missing. (The test
    clock is Monday 23 November 2026: the next three months reach 2027.)"""
    assert boss.get("/me").json()["hall"]["calendar_not_entered"] == [2027]
    entered = {"holidays": [d.isoformat() for d in EXAMPLE_2027.holidays],
               "workdays": [d.isoformat() for d in EXAMPLE_2027.workdays]}
    r = boss.post("/admin/hall", {"hours": {"official": {"2027": entered}}})
    assert r.status_code == 200, r.text
    assert r.json()["hours"]["official"] == {"2027": entered}
    assert boss.get("/me").json()["hall"]["calendar_not_entered"] == []
    with hall.db.read() as s:
        hours = hall_context(s, hall.id).hours
    assert not hours.is_workday(dt.date(2027, 1, 4)) and hours.is_workday(dt.date(2027, 1, 9))  # a Monday off, a Saturday on
    assert "2027-01-09" in _file(boss)
    before = _file(boss)
    # A day outside its year is the hall file's refusal; a year out of range the request's.
    r = boss.post("/admin/hall", {"hours": {"official": {"2027": {"holidays": ["2028-01-03"]}}}})
    assert r.status_code == 400 and "official.2027" in r.json()["message"], r.text
    r = boss.post("/admin/hall", {"hours": {"official": {"1999": {"holidays": []}}}})
    assert r.status_code == 400 and r.json()["error"] == "invalid_input", r.text
    assert _file(boss) == before
