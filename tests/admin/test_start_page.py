"""`hallq serve`'s `/`: staff sign in and land on their role's page, signed in there; a device is set up."""
from __future__ import annotations

import pytest
import requests

from tests.admin.test_admin_pages import WAIT_MS, admin_server, sign_in  # noqa: F401 (fixture)
from tests.browser import PORTRAIT, screenshot

on_sqlite = pytest.mark.parametrize("db", ["sqlite"], indirect=True)


@on_sqlite
def test_an_admin_and_a_clerk_land_on_their_pages_signed_in(admin_server, hall, browser_page):  # noqa: F811
    page = browser_page
    sign_in(page, f"{admin_server.url}/")
    page.wait_for_url(f"{admin_server.url}/admin/**", timeout=WAIT_MS)
    page.wait_for_function("() => window.hallqAdmin.ready === 'hall'", timeout=WAIT_MS)  # no second sign-in
    assert page.is_hidden("#signin")

    hall.user("S001", "clerk")
    clerk = page.context.browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN").new_page()
    try:
        sign_in(clerk, f"{admin_server.url}/", "S001")
        clerk.wait_for_url(f"{admin_server.url}/console/**", timeout=WAIT_MS)
        clerk.wait_for_selector("#window-card", state="visible", timeout=WAIT_MS)
        assert clerk.is_hidden("#login-card")
    finally:
        clerk.context.close()


@on_sqlite
def test_a_device_is_set_up_from_its_link_or_token(admin_server, hall, browser_page):  # noqa: F811
    page = browser_page
    page.set_viewport_size(PORTRAIT)
    page.goto(f"{admin_server.url}/")
    assert "设置本设备" in page.inner_text("#device-card") and page.is_visible("#login-form")
    page.fill("#device-code", "not a token")
    page.click("#device-form button[type=submit]")
    assert "完整的设置链接或令牌" in page.inner_text("#device-msg")
    screenshot(page, "start-10-portrait")
    token = hall.token("kiosk", "k7")
    page.fill("#device-code", f"http://somewhere/kiosk#token={token}")
    page.click("#device-form button[type=submit]")
    page.wait_for_function("() => window.hallqKiosk && window.hallqKiosk.state.kiosk"
                           " && window.hallqKiosk.state.services.length", timeout=WAIT_MS)
    page.goto(f"{admin_server.url}/?lang=en")  # the kiosk remembers its token: the start page says so
    assert page.is_visible("#kiosk-known") and "Set up this device" in page.inner_text("#device-card")
    page.set_viewport_size({"width": 1440, "height": 900})
    screenshot(page, "start-20-desktop-en")


def test_serve_answers_slash_with_the_start_page(admin_server):  # noqa: F811
    r = requests.get(f"{admin_server.url}/", timeout=30)
    assert r.status_code == 200 and 'id="device-form"' in r.text
