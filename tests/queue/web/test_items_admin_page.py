"""The admin's items page (/admin/items) in real Chromium at a desktop size: create an item with its guide and
a form file, see it at the kiosk at once; bad input said on the page and nothing changed; a clerk refused.
Screenshots: tests/screenshots/admin-items-*.png. The page is the API's shell: SQLite (the API's tests run
on both databases)."""
from __future__ import annotations

import pytest
import requests
from playwright.sync_api import expect

from tests.queue.web.staff_page import StaffPage

on_sqlite = pytest.mark.parametrize("db", ["sqlite"], indirect=True)
expect.set_options(timeout=15_000)
PDF = b"%PDF-1.4\n% a form\n"
DESKTOP = {"width": 1440, "height": 900}


@on_sqlite
def test_an_admin_creates_an_item_with_its_guide_and_a_form_and_the_kiosk_has_it(hall, server, browser_page,
                                                                                  tmp_path):
    hall.user("boss", "admin")
    page = browser_page
    page.set_viewport_size(DESKTOP)
    staff = StaffPage(page, server.url, "admin-items")
    staff.submit_sign_in("/admin/items", "boss")
    expect(page.locator("#items tr")).to_have_count(4)
    staff.shot("list")

    page.click("#new-item")
    page.fill("#f-code", "SJ09")
    page.fill("#f-name", "食品小作坊登记")
    page.select_option("#f-department", "SJ")
    page.fill("#f-prefix", "B")
    page.fill("#f-daily_quota", "30")
    page.fill("#f-keywords", "小作坊，做豆腐")
    page.select_option("#f-nature", "filing")
    page.fill("#f-basis", "《中华人民共和国食品安全法》")
    page.fill("#f-conditions", "有固定的生产场所\n有符合要求的设备")
    page.fill("#f-materials", "登记申请表\n经营者身份证")
    page.fill("#f-procedure", "受理\n审查\n发证")
    page.fill("#f-legal_days", "20")
    page.fill("#f-promised_days", "30")  # longer than the law's limit: refused
    page.fill("#f-result", "食品小作坊登记证")
    page.fill("#f-supervision", "监督电话：12345")
    page.check('input.serves[data-window="3"]')
    page.click("#save")
    expect(page.locator("#edit-msg")).to_contain_text("promised_days cannot exceed legal_days")
    staff.shot("refused")
    kiosk = server.api(hall.token("kiosk", "k1"))
    assert kiosk.get("/kiosk/search", params={"q": "小作坊"}).json()["services"] == []  # nothing changed

    page.fill("#f-promised_days", "15")  # allowed, but not 50% shorter: a warning
    page.click("#save")
    expect(page.locator("#edit-msg")).to_have_text("已保存。")
    expect(page.locator("#warnings")).to_contain_text("承诺时限未比法定时限缩短50%以上")
    page.fill("#f-promised_days", "5")
    page.click("#save")
    expect(page.locator("#warnings li")).to_have_count(0)

    # A form file: a renamed program is refused, a PDF is taken and downloads free.
    (tmp_path / "程序.pdf").write_bytes(b"MZ\x90\x00 not a pdf")
    page.set_input_files("#form-file", str(tmp_path / "程序.pdf"))
    page.click("#form-upload")
    expect(page.locator("#form-msg")).to_contain_text("is not a .pdf file")
    (tmp_path / "登记申请表.pdf").write_bytes(PDF)
    page.fill("#form-title", "食品小作坊登记申请表（示范文本）")
    page.set_input_files("#form-file", str(tmp_path / "登记申请表.pdf"))
    page.click("#form-upload")
    expect(page.locator("#forms li")).to_have_count(1)
    expect(page.locator("#forms li")).to_contain_text("免费")
    staff.shot("editor")
    href = page.locator("#forms li a").get_attribute("href")
    assert requests.get(server.url + href, timeout=30).content == PDF

    # At once at the kiosk: searched by its keyword, with its whole guide, and a ticket taken.
    assert kiosk.get("/kiosk/search", params={"q": "做豆腐"}).json()["services"] == ["SJ09"]
    service = next(s for s in kiosk.get("/services").json() if s["code"] == "SJ09")
    assert service["name"] == "食品小作坊登记"
    assert kiosk.post("/tickets", {"service": "SJ09"}).status_code == 201

    # Deactivated (never deleted): the kiosk stops offering it; the list shows it struck through.
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#toggle-active")
    expect(page.locator("#toggle-active")).to_have_text("重新启用")
    assert "SJ09" not in [s["code"] for s in kiosk.get("/services").json()]
    page.click("#back")
    page.check("#show-inactive")
    expect(page.locator("#items tr.inactive")).to_have_count(1)
    staff.shot("list-after")


@on_sqlite
def test_a_clerk_is_refused_the_page(hall, server, browser_page):
    hall.user("S001", "clerk")
    page = browser_page
    page.set_viewport_size(DESKTOP)
    StaffPage(page, server.url, "admin-items").submit_sign_in("/admin/items", "S001")
    expect(page.locator("#login-msg")).to_have_text("该账号不是管理员，不能管理事项。")
    expect(page.locator("#app")).to_be_hidden()


@on_sqlite
def test_the_page_in_english(hall, server, browser_page):
    hall.user("boss", "admin")
    page = browser_page
    page.set_viewport_size(DESKTOP)
    staff = StaffPage(page, server.url, "admin-items-en")
    staff.submit_sign_in("/admin/items", "boss", lang="en")
    page.locator("#items button.edit").first.click()
    expect(page.locator("#editor legend").first).to_have_text("Item")
    expect(page.locator("#f-name")).to_have_value("居民身份证申领")
    staff.shot("editor")
