"""The admins' watch page (issue 20): devices, agents, today's failed prints and the server's last errors."""
from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

import pytest

from hallq.protocol import DeviceInfo, DeviceStatus
from hallq.queue import device_states, server_errors
from hallq.server.error_log import ErrorLog
from tests.admin.test_admin_pages import WAIT_MS, sign_in
from tests.browser import screenshot
from tests.helpers import issue

on_sqlite = pytest.mark.parametrize("db", ["sqlite"], indirect=True)


@pytest.fixture
def watched(hall, server, clock):
    """Agent pc-1 hosts kiosk-1's printer (out of paper) and window 1's LED; the server logged one error
    with its traceback, and a warning."""
    hall.run(device_states.register, hall.id, "pc-1", [DeviceInfo(kind="printer", name="kiosk-1"),
                                                        DeviceInfo(kind="led", name="led-1", windows=[1])], clock())
    hall.run(device_states.report, hall.id, "pc-1",
             DeviceStatus(kind="printer", name="kiosk-1", state="paper_out", detail="纸仓空"), clock())
    ticket = issue(server.api(hall.token("kiosk", "k1")))
    errors = ErrorLog(hall.db, clock)
    try:
        try:
            raise ConnectionError("redis went away")
        except ConnectionError:
            logging.getLogger("hallq.server.realtime").exception("publishing %d events failed", 3)
        logging.getLogger("hallq.test").warning("a warning is not an error")
    finally:
        errors.close()  # drains what is queued
    hall.user("admin", "admin")
    return server.api(hall.login("admin")), ticket


def test_an_admin_sees_devices_agents_and_the_last_errors_in_the_halls_time(watched, clock):
    admin, _ = watched
    r = admin.get("/admin/watch")
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["timezone"] == "Asia/Shanghai"
    states = {(d["kind"], d["name"]): (d["state"], d["detail"]) for d in data["devices"]}
    assert states == {("printer", "kiosk-1"): ("paper_out", "纸仓空"), ("led", "led-1"): ("unknown", "agent connected")}
    assert data["agents"] == [{"name": "pc-1", "alive": True, "devices": 2, "last_seen": data["devices"][0]["seen_at"]}]
    assert data["print_failures"] == []  # printing.failed_tickets' own tests fill it
    [error] = data["errors"]  # the warning is not kept
    assert error["message"] == "publishing 3 events failed" and error["logger"] == "hallq.server.realtime"
    assert "ConnectionError: redis went away" in error["detail"]
    assert error["at"] == clock().astimezone(ZoneInfo("Asia/Shanghai")).isoformat(timespec="seconds")


def test_only_the_newest_errors_are_kept(hall, clock):
    with hall.db.write() as s:
        for n in range(server_errors.KEEP + 7):
            server_errors.record(s, at=clock(), process="h:1", logger="x", message=f"e{n}", detail=None)
        s.commit()
    with hall.db.read() as s:
        kept = server_errors.recent(s, hall.id, clock().tzinfo, limit=server_errors.KEEP + 50)
    assert len(kept) == server_errors.KEEP
    assert kept[0]["message"] == f"e{server_errors.KEEP + 6}" and kept[-1]["message"] == "e7"


@on_sqlite
def test_the_page(watched, server, browser_page):
    page = browser_page
    sign_in(page, f"{server.url}/admin/devices")
    page.wait_for_function("() => window.hallqWatch.ready", timeout=WAIT_MS)
    assert page.evaluate("window.hallqWatch") == {"ready": True, "devices": 2, "errors": 1}
    assert "缺纸" in page.inner_text("#devices") and "纸仓空" in page.inner_text("#devices")
    assert "pc-1" in page.inner_text("#agents") and "在线" in page.inner_text("#agents")
    assert "publishing 3 events failed" in page.inner_text("#errors")
    page.click("#errors summary")
    assert "redis went away" in page.inner_text("#errors")
    screenshot(page, "admin-watch-10")
