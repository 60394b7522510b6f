"""The hall's public information screen (issue 15): a display profile of kind "info" showing the
staff roster (亮证上岗), the 监督电话 and complaint channels, and the newest PUBLISHED month's
bulletin, updated live when an admin edits the roster or a month is published.

Real server and headless Chromium at the TV sizes (1920x1080, 1080x1920); the roster and
bulletin read on SQLite and PostgreSQL. Screenshots: tests/screenshots/display-info-*.png.
"""
from __future__ import annotations

import pytest
from sqlalchemy import update

from hallq.assessment import service
from hallq.display import public_info
from hallq.queue.halls import hall_context
from hallq.queue.models import Staff
from hallq.queue.settings import DisplayProfile, PublicInfo
from hallq.server.app import create_app
from tests.assessment import month_db
from tests.browser import LANDSCAPE, PORTRAIT, WAIT_MS, open_with_token, screenshot
from tests.conftest import Hall, Server
from tests.display.web.test_display_screens import LEGIBLE_PX, smallest_text
from tests.evaluator.web.test_pad_page import badge_photo

INFO = dict(displays=[DisplayProfile(name="lobby-info", title="政务公开", kind="info")],
            public_info=PublicInfo(supervision_phone="0931-12345",
                                   complaint_channels=["政务服务便民热线 12345", "大厅一楼投诉台", "意见箱在大厅入口"]))


def info_hall(db, clock) -> Hall:
    hall = Hall(db, clock, **INFO)
    return hall


def open_info(page, server, token, size):
    return open_with_token(page, f"{server.url}/display", token,
                           "() => window.hallqDisplay && window.hallqDisplay.state.hall"
                           " && !document.getElementById('info').hidden", size=size, settle_ms=300)


def whole(page) -> None:
    """Every line of the roster cards, the channels and the bulletin lies inside its box: none cut off."""
    cut = page.evaluate("""() => {
      const cut = [];
      for (const [box, lines] of [['.person', '.who > *'], ['.supervision', '.phone, li'], ['.bulletin', 'h2, .title, .unit, li']]) {
        for (const frame of document.querySelectorAll('#info ' + box)) {
          const edge = frame.getBoundingClientRect();
          for (const line of frame.querySelectorAll(lines)) {
            const r = line.getBoundingClientRect();
            if (r.bottom > edge.bottom + 1 || r.right > edge.right + 1) cut.push(line.textContent.trim());
          }
        }
      }
      return cut;
    }""")
    assert cut == []


def publish_october(hall, server, clock) -> None:
    """October 2025 through the chain; the last step over HTTP, as an admin publishes it."""
    hall.user("boss", "admin")
    sup = server.api(hall.login("duban"))
    assert sup.post("/assessment/2025-10/self-check", {"days": 1}).status_code == 200
    clock.advance(days=2)
    sup, boss = server.api(hall.login("duban")), server.api(hall.login("boss"))
    assert sup.post("/assessment/2025-10/review", {}).status_code == 200
    assert boss.post("/assessment/2025-10/approve", {}).status_code == 200
    r = boss.post("/assessment/2025-10/publish", {"note": "2025年10月考核结果"})
    assert r.status_code == 200, r.text


def test_the_roster_and_bulletin_hold_only_what_is_posted_and_only_a_published_month(db, clock):
    hall = info_hall(db, clock)
    with hall.uow() as uow:
        info = public_info.public_info(uow.session, hall_context(uow.session, hall.id))
    s001 = next(p for p in info["roster"] if p["number"] == "S001")
    assert s001 == {"number": "S001", "name": "王芳", "department": "县公安局", "photo": False,
                    "posts": [{"window": 1, "window_name": "公安窗口", "post": "A"}]}
    assert all(set(p) == {"number", "name", "department", "posts", "photo"} for p in info["roster"])
    assert [p["number"] for p in info["roster"]][:2] == ["S001", "S002"]  # by window, A before B
    assert info["supervision"] == {"phone": "0931-12345",
                                   "channels": ["政务服务便民热线 12345", "大厅一楼投诉台", "意见箱在大厅入口"]}
    assert info["bulletin"] is None  # nothing published


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
@pytest.mark.parametrize("size,name", [(LANDSCAPE, "landscape"), (PORTRAIT, "portrait")])
def test_the_info_screen_shows_the_roster_and_follows_an_admins_edit_and_a_publication(db, clock, browser_page,
                                                                                        size, name, tmp_path):
    hall = info_hall(db, clock)
    photos = tmp_path / "photos"
    photos.mkdir()
    badge_photo().save(photos / "S001.jpg", "JPEG")
    with hall.db.write() as s:
        s.execute(update(Staff).where(Staff.number == "S001").values(photo="S001.jpg"))
        s.commit()
    month_db.build(hall)
    with hall.db.write() as s:  # seed 003's 窗口争星: red-flag windows (红旗窗口) every month, no points floor
        service.set_scheme(s, hall_context(s, hall.id), "window", "window_stars_003", None, "test", clock(),
                           from_month="2025-10")
        s.commit()
    server = Server(create_app(hall.db, clock=clock, photo_dir=photos))
    try:
        page = open_info(browser_page, server, hall.token("display", "lobby-info"), size)
        assert page.locator("#board").is_hidden()
        card = page.locator('.person[data-staff="S001"]')
        assert "王芳" in card.inner_text() and "工号 S001" in card.inner_text() and "1号窗口 A岗" in card.inner_text()
        page.wait_for_selector('.person[data-staff="S001"] .face img', timeout=WAIT_MS)
        assert card.locator("img").evaluate("img => img.naturalWidth") == 300  # the real picture
        assert page.locator('.person[data-staff="S002"] .initials').inner_text() == "李"  # no photo: the initial
        assert "监督电话 0931-12345" in page.locator("#supervision-phone").inner_text()
        assert page.locator("#complaint-channels li").count() == 3
        assert "评比结果公布后在此公示" in page.locator("#bulletin").inner_text()  # October not yet published
        screenshot(page, f"display-info-{name}")
        assert smallest_text(page)["px"] >= LEGIBLE_PX
        whole(page)
        for selector in ("#roster .person", ".supervision", ".bulletin"):
            for b in [h.bounding_box() for h in page.locator(selector).all()]:
                assert b["x"] >= 0 and b["y"] >= 0 and b["x"] + b["width"] <= size["width"] + 1
                assert b["y"] + b["height"] <= size["height"] + 1
        # An admin takes on a new colleague and posts her at window 4: the screen shows her, no reload.
        hall.user("root", "admin")
        admin = server.api(hall.login("root"))
        r = admin.post("/admin/staff", {"number": "S009", "name": "赵敏", "department": "MZ"})
        assert r.status_code in (200, 201), r.text
        page.wait_for_function("() => document.querySelector('.person[data-staff=\"S009\"]')"
                               " || document.getElementById('roster-page').textContent", timeout=WAIT_MS)
        roster = page.evaluate("() => window.hallqDisplay.state.info.roster.map(p => p.number)")
        assert "S009" in roster
        # October published: its bulletin and honours appear, as the published month has them.
        publish_october(hall, server, clock)
        page.wait_for_function("() => document.getElementById('bulletin-title').textContent.includes('2025年10月')",
                               timeout=WAIT_MS)
        result = server.api(hall.login("boss")).get("/assessment/2025-10?scope=window").json()
        honoured = {(t, c["unit"]) for c in result["scorecards"] for t in c.get("selected", [])}
        shown = page.evaluate("""() => window.hallqDisplay.state.info.bulletin.honours
            .flatMap(h => h.windows.map(w => [h.title, String(w.window)]))""")
        assert honoured and {tuple(x) for x in shown} == honoured  # the red flags, as published
        assert "红旗窗口" in page.locator("#bulletin").inner_text()
        top = page.locator("#bulletin .ranking li").first.inner_text()
        first = result["scorecards"][0]
        assert "第1名" in top and f"{first['unit']}号窗口" in top
        screenshot(page, f"display-info-published-{name}")
        assert smallest_text(page)["px"] >= LEGIBLE_PX
        whole(page)
    finally:
        server.stop()


def test_a_running_month_is_never_shown(db, clock):
    hall = info_hall(db, clock)
    month_db.build(hall)
    with hall.uow() as uow:
        ctx = hall_context(uow.session, hall.id)
        service.month_result(uow.session, ctx, 2025, 10, now=clock())  # computed (and kept), not published
        uow.commit()
    with hall.uow() as uow:
        assert public_info.public_info(uow.session, hall_context(uow.session, hall.id))["bulletin"] is None


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_a_photo_goes_to_an_info_screen_and_staff_only(db, clock, tmp_path):
    hall = info_hall(db, clock)
    photos = tmp_path / "photos"
    photos.mkdir()
    badge_photo().save(photos / "S001.jpg", "JPEG")
    with hall.db.write() as s:
        s.execute(update(Staff).where(Staff.number == "S001").values(photo="S001.jpg"))
        s.commit()
    server = Server(create_app(hall.db, clock=clock, photo_dir=photos))
    try:
        def get(number: str, token: str | None):
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            return server.api().http.get(f"{server.url}/display/photo/{number}", headers=headers, timeout=30)

        info = hall.token("display", "lobby-info")
        r = get("S001", info)
        assert r.status_code == 200 and r.headers["Content-Type"] == "image/jpeg"
        hall.user("boss", "supervisor")
        assert get("S001", hall.login("boss")).status_code == 200
        assert get("S002", info).status_code == 404  # no photo
        assert get("S999", info).status_code == 404
        assert get("S001", hall.token("display", "lobby")).status_code == 403  # a call board: not its business
        assert get("S001", hall.token("kiosk", "k1")).status_code == 403
        assert get("S001", None).status_code == 401
    finally:
        server.stop()
