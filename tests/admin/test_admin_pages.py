"""The admin page in real Chromium: sign in, add a window, a staff member with a photo, a kiosk token whose
set-up link (and QR code) sets a kiosk up; a refused change shows the server's message and changes nothing."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from hallq.server.app import create_app
from tests.browser import PORTRAIT, screenshot
from tests.conftest import PASSWORD, Server

on_sqlite = pytest.mark.parametrize("db", ["sqlite"], indirect=True)
WAIT_MS = 30_000
DESKTOP = {"width": 1440, "height": 900}


@pytest.fixture
def admin_server(hall, clock, tmp_path):
    hall.user("admin", "admin")
    srv = Server(create_app(hall.db, clock=clock, photo_dir=tmp_path / "photos"))
    yield srv
    srv.stop()


def sign_in(page, url: str, username="admin"):
    page.set_viewport_size(DESKTOP)
    page.goto(url)
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")


def tab(page, name: str):
    page.click(f"#tab-{name}")
    page.wait_for_function(f"() => window.hallqAdmin.ready === {name!r}", timeout=WAIT_MS)


def said(page) -> tuple[str, str]:
    page.wait_for_function("() => document.getElementById('msg').textContent", timeout=WAIT_MS)
    return page.get_attribute("#msg", "data-kind"), page.inner_text("#msg")


@on_sqlite
def test_an_admin_sets_up_a_window_a_staff_member_and_a_kiosk(admin_server, browser_page, chromium, tmp_path):
    import zxingcpp

    page = browser_page
    sign_in(page, f"{admin_server.url}/admin/")
    page.wait_for_function("() => window.hallqAdmin.ready === 'hall'", timeout=WAIT_MS)
    assert page.input_value("#hall-form [name=name]") == "测试县政务服务中心"
    # The ticker text and Friday's hours: saved, and read back into the form as saved.
    page.fill("#hall-form [name=notice]", "本周六正常上班")
    page.fill("#hall-form [name=weekdays]", "fri 09:00-12:00 14:00-17:00")
    page.click("#hall-form button[type=submit]")
    assert said(page) == ("ok", "已保存。")
    page.reload()
    page.wait_for_function("() => window.hallqAdmin.ready === 'hall'", timeout=WAIT_MS)
    assert page.input_value("#hall-form [name=weekdays]") == "fri 09:00-12:00 14:00-17:00"
    assert page.input_value("#hall-form [name=notice]") == "本周六正常上班"
    screenshot(page, "admin-10-hall")

    # A window: a duplicate number is refused with the hall file's words, then a new one is saved.
    tab(page, "windows")
    page.fill("#window-form [name=number]", "1")
    page.fill("#window-form [name=name]", "重复的窗口")
    page.fill("#window-form [name=items]", "MZ01")
    page.click("#window-form button[type=submit]")
    kind, text = said(page)
    assert kind == "error" and "duplicate number: 1" in text and text.startswith("不符合大厅配置规则")
    screenshot(page, "admin-20-window-refused")
    page.fill("#window-form [name=number]", "9")
    page.fill("#window-form [name=name]", "婚姻登记窗口")
    page.select_option("#window-form [name=department]", "MZ")
    page.fill("#window-form [name=items]", "MZ01, SJ01+GA02")
    page.click("#window-form button[type=submit]")
    page.wait_for_function("() => document.querySelector('#windows').textContent.includes('婚姻登记窗口')",
                           timeout=WAIT_MS)
    assert "MZ01, GA02+SJ01" in page.inner_text("#windows")
    screenshot(page, "admin-30-window-added")

    # A staff member with a photo and the A post of the new window.
    tab(page, "staff")
    photo = tmp_path / "s009.jpg"
    Image.new("RGB", (90, 120), (30, 90, 160)).save(photo, "JPEG")
    page.fill("#staff-form [name=number]", "S009")
    page.fill("#staff-form [name=name]", "周敏")
    page.select_option("#staff-form [name=department]", "MZ")
    page.fill("#staff-form [name=posts]", "9A")
    page.set_input_files("#staff-form [name=photo]", str(photo))
    page.click("#staff-form button[type=submit]")
    page.wait_for_function("() => document.querySelector('#staff').textContent.includes('周敏')", timeout=WAIT_MS)
    row = page.locator("#staff tr", has_text="S009").inner_text()
    assert "9A" in row and "有照片" in row
    screenshot(page, "admin-40-staff-added")
    # A file that is no picture: refused, said, nothing stored.
    page.click("#staff [data-action=edit-staff][data-key=S001]")
    bad = tmp_path / "not-a-photo.jpg"
    bad.write_bytes(b"%PDF-1.4 not a picture")
    page.set_input_files("#staff-form [name=photo]", str(bad))
    page.click("#staff-form button[type=submit]")
    page.wait_for_function("() => document.getElementById('msg').dataset.kind === 'error'", timeout=WAIT_MS)
    assert "JPEG、PNG 或 WebP" in page.inner_text("#msg")

    # A kiosk token: its QR code holds the set-up link, and the link sets a kiosk up.
    tab(page, "tokens")
    page.select_option("#token-form [name=kind]", "kiosk")
    page.fill("#token-form [name=name]", "lobby-1")
    page.click("#token-form button[type=submit]")
    page.wait_for_selector("#token-qr svg", timeout=WAIT_MS)
    link = page.inner_text("#token-link")
    assert link.startswith(f"{admin_server.url}/kiosk#token=")
    screenshot(page, "admin-50-kiosk-token")
    qr = page.locator("#token-qr svg").screenshot()
    assert [b.text for b in zxingcpp.read_barcodes(Image.open(io.BytesIO(qr)))] == [link]

    kiosk = chromium.new_context(viewport=PORTRAIT, locale="zh-CN").new_page()
    try:
        kiosk.goto(link)
        kiosk.wait_for_function("() => window.hallqKiosk && window.hallqKiosk.state.kiosk"
                                " && window.hallqKiosk.state.services.length", timeout=WAIT_MS)
        screenshot(kiosk, "admin-60-kiosk-set-up")
    finally:
        kiosk.context.close()

    # Every change is in the log.
    tab(page, "changes")
    log = page.inner_text("#changes")
    assert "窗口 9" in log and "工作人员 S009" in log and "设备令牌 lobby-1" in log
    assert page.locator("#changes tr", has_text="S009").count() == 2  # added, then its photo
    screenshot(page, "admin-70-change-log")


@on_sqlite
def test_the_page_in_english_and_refused_to_a_clerk(admin_server, hall, browser_page):
    page = browser_page
    sign_in(page, f"{admin_server.url}/admin/?lang=en")
    page.wait_for_function("() => window.hallqAdmin.ready === 'hall'", timeout=WAIT_MS)
    assert page.inner_text("#tab-windows") == "Windows"
    screenshot(page, "admin-80-english")
    page.click("#logout")
    page.wait_for_selector("#login-form", state="visible", timeout=WAIT_MS)
    hall.user("S001", "clerk")
    sign_in(page, f"{admin_server.url}/admin/?lang=zh", "S001")
    page.wait_for_function("() => document.getElementById('login-msg').textContent", timeout=WAIT_MS)
    assert "不是管理员" in page.inner_text("#login-msg") and page.is_hidden("#app")
    screenshot(page, "admin-90-clerk-refused")
