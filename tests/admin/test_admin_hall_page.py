"""The admin's Hall page in real Chromium (desktop): the official calendar's status per year, a year the
calendar library lacks entered by the hall (a bad date refused with the server's message, nothing changed),
the rating and follow-up deadlines, and the assessment scheme chosen from a month on. Screenshots:
tests/screenshots/admin-hall-*.png."""
from __future__ import annotations

import pytest

from hallq.queue.halls import hall_context
from tests.admin.test_admin_pages import WAIT_MS, admin_server, said, sign_in  # noqa: F401  (fixture)
from tests.browser import screenshot

on_sqlite = pytest.mark.parametrize("db", ["sqlite"], indirect=True)


def submit(page, selector: str):
    """Press the button with the message line cleared, so what it says next is this press's answer."""
    page.evaluate("document.getElementById('msg').textContent = ''")
    page.click(selector)


def hall_ready(page):
    page.wait_for_function("() => window.hallqAdmin.ready === 'hall'", timeout=WAIT_MS)


@on_sqlite
def test_the_calendar_the_deadlines_and_the_scheme_on_the_hall_page(admin_server, hall, browser_page):
    page = browser_page
    sign_in(page, f"{admin_server.url}/admin/")
    hall_ready(page)
    rows = page.locator("#calendar tr")
    assert "日历库已收录" in rows.nth(2).inner_text()  # 2026 (2025 first)
    assert "未录入" in page.locator("#calendar td.source-missing").first.inner_text()
    assert page.input_value("#hall-form [name=followup_working_days]") == "5"
    screenshot(page, "admin-hall-calendar-missing")

    # 2027, which the library lacks: a date of another year is refused, nothing changes.
    page.locator("#calendar button[data-key='2027']").click()
    assert page.input_value("#official-form [name=year]") == "2027"
    page.fill("#official-form [name=holidays]", "2027-01-01\n2028-02-05")
    submit(page, "#official-form button[type=submit]")
    kind, text = said(page)
    assert kind == "error" and "not in 2027" in text
    with hall.db.read() as s:
        assert not hall_context(s, hall.id).hours.knows_year(2027)
    page.fill("#official-form [name=holidays]", "2027-01-01\n2027-02-05\n2027-02-08\n2027-02-09")
    page.fill("#official-form [name=workdays]", "2027-02-20")
    submit(page, "#official-form button[type=submit]")
    assert said(page) == ("ok", "已保存。")
    page.wait_for_function("() => document.querySelector('#calendar td.source-hall')", timeout=WAIT_MS)
    assert "2027-02-20" in page.locator("#calendar td.source-hall").locator("xpath=..").inner_text()
    with hall.db.read() as s:
        hours = hall_context(s, hall.id).hours
        assert hours.knows_year(2027) and not hours.is_workday(__import__("datetime").date(2027, 2, 8))

    # The deadlines: a bad one refused with its message; a good one saved and read back.
    page.fill("#hall-form [name=followup_working_days]", "40")
    page.evaluate("document.querySelector('#hall-form [name=followup_working_days]').removeAttribute('max')")
    submit(page, "#hall-form button[type=submit]")
    assert said(page)[0] == "error"
    page.fill("#hall-form [name=followup_working_days]", "10")
    page.fill("#hall-form [name=reply_working_days]", "3")
    page.select_option("#hall-form [name=unrated_counts_as]", "4")
    submit(page, "#hall-form button[type=submit]")
    assert said(page) == ("ok", "已保存。")
    page.reload()
    hall_ready(page)
    assert page.input_value("#hall-form [name=followup_working_days]") == "10"
    assert page.input_value("#hall-form [name=unrated_counts_as]") == "4"
    with hall.db.read() as s:
        settings = hall_context(s, hall.id).settings
        assert (settings.ratings.followup_working_days, settings.complaints.reply_working_days,
                settings.ratings.unrated_counts_as) == (10, 3, 4)

    # The scheme: seed 002's window scheme from January on; this month keeps the one in force.
    page.wait_for_function("() => document.querySelectorAll('#scheme-form [name=preset] option').length > 1",
                           timeout=WAIT_MS)
    page.select_option("#scheme-form [name=scope]", "window")
    page.select_option("#scheme-form [name=preset]", "maiji_window")
    page.fill("#scheme-form [name=from_month]", "2027-01")
    submit(page, "#scheme-form button[type=submit]")
    assert said(page) == ("ok", "已保存。")
    page.wait_for_function("() => document.getElementById('schemes').textContent.includes('maiji_window')",
                           timeout=WAIT_MS)
    window_rows = [r.inner_text() for r in page.locator("#schemes tr").all() if r.inner_text().startswith("窗口")]
    assert any("maiji_window" in r and "2027-01" in r and "现行" not in r for r in window_rows)
    assert any("现行" in r and "maiji_window" not in r for r in window_rows)
    screenshot(page, "admin-hall-entered-and-scheme")


@on_sqlite
def test_the_department_authorisation_and_the_window_devices_on_their_pages(admin_server, hall, browser_page, tmp_path):
    from tests.admin.test_admin_api import picture
    from tests.admin.test_admin_pages import tab

    scan = tmp_path / "authorisation.png"
    scan.write_bytes(picture("PNG", size=(120, 160)))
    page = browser_page
    sign_in(page, f"{admin_server.url}/admin/")
    hall_ready(page)
    # Departments: GA's chief, the authorisation's text and a picture of the signed paper.
    tab(page, "departments")
    page.click("#departments button[data-action=edit-department][data-key=GA]")
    assert page.input_value("#department-form [name=code]") == "GA"
    page.fill("#department-form [name=chief]", "S003")
    page.fill("#department-form [name=authorisation]", "兹授权张伟为县公安局首席代表，办理户籍、身份证类事项。授权期限：2026年全年。")
    page.set_input_files("#department-form [name=authorisation_image]", str(scan))
    submit(page, "#department-form button[type=submit]")
    assert said(page) == ("ok", "已保存。")
    page.wait_for_function("() => document.getElementById('departments').textContent.includes('授权期限')",
                           timeout=WAIT_MS)
    page.click("#departments a[data-action=show-authorisation][data-key=GA]")
    page.wait_for_function("() => { const i = document.getElementById('authorisation-picture');"
                           " return !i.hidden && i.complete && i.naturalWidth === 120; }", timeout=WAIT_MS)
    screenshot(page, "admin-departments-authorisation")
    # A chief of another department: the hall file's rule, its message, nothing changed.
    page.click("#departments button[data-action=edit-department][data-key=SJ]")
    page.fill("#department-form [name=chief]", "S001")
    submit(page, "#department-form button[type=submit]")
    kind, text = said(page)
    assert kind == "error" and "is not of department SJ" in text

    # Windows: window 1's LED address and printer; window 2 on the same LED address is refused.
    tab(page, "windows")
    page.click("#windows button[data-action=edit-window][data-key='1']")
    page.fill("#window-form [name=led]", "11")
    page.fill("#window-form [name=printer]", "counter-1")
    submit(page, "#window-form button[type=submit]")
    assert said(page) == ("ok", "已保存。")
    page.wait_for_function("() => document.getElementById('windows').textContent.includes('counter-1')",
                           timeout=WAIT_MS)
    page.click("#windows button[data-action=edit-window][data-key='2']")
    page.fill("#window-form [name=led]", "11")
    submit(page, "#window-form button[type=submit]")
    kind, text = said(page)
    assert kind == "error" and "the same LED address 11" in text
    screenshot(page, "admin-windows-devices")
    with hall.db.read() as s:
        from hallq.queue.models import Window
        from sqlalchemy import select
        rows = {w.number: (w.led_address, w.printer) for w in s.scalars(select(Window).where(Window.hall_id == hall.id))}
    assert rows[1] == (11, "counter-1") and rows[2] == (None, None)


@on_sqlite
def test_display_profiles_and_the_public_information_on_the_hall_page(admin_server, hall, browser_page):
    """Issue 15: a display profile added, edited and removed on the page, the public information screen's
    phone and channels and the TVs' 请A003准备 line saved; a bad profile refused with the server's message."""
    page = browser_page
    sign_in(page, f"{admin_server.url}/admin/")
    hall_ready(page)
    assert page.locator("#displays tr").count() == 4  # a header and the test hall's three
    # A public information screen for the lobby.
    page.fill("#display-form [name=name]", "lobby-info")
    page.fill("#display-form [name=title]", "办事公开")
    page.select_option("#display-form [name=kind]", "info")
    submit(page, "#display-form button[type=submit]")
    assert said(page) == ("ok", "已保存。")
    page.wait_for_function("() => document.getElementById('displays').textContent.includes('lobby-info')",
                           timeout=WAIT_MS)
    assert "信息公开" in page.locator("#displays tr", has_text="lobby-info").inner_text()
    # A zone with a window the hall does not have: the server's refusal, nothing saved.
    page.fill("#display-form [name=name]", "west")
    page.fill("#display-form [name=title]", "西区")
    page.fill("#display-form [name=windows]", "3, 99")
    submit(page, "#display-form button[type=submit]")
    kind, text = said(page)
    assert kind == "error" and "unknown window 99" in text
    # Edit "east": it names the next ticket, whatever the hall says.
    page.locator("#displays button[data-key='east']").click()
    assert page.input_value("#display-form [name=windows]") == "1, 2"
    page.select_option("#display-form [name=prepare_next]", "yes")
    submit(page, "#display-form button[type=submit]")
    assert said(page) == ("ok", "已保存。")
    # What the information screen posts, and the hall's own 请A003准备 setting.
    page.fill("#hall-form [name=supervision_phone]", "0931-12345")
    page.fill("#hall-form [name=complaint_channels]", "12345热线\n中心一楼督查股")
    page.select_option("#hall-form [name=prepare_next]", "yes")
    submit(page, "#hall-form button[type=submit]")
    assert said(page) == ("ok", "已保存。")
    screenshot(page, "admin-hall-displays")
    with hall.db.read() as s:
        settings = hall_context(s, hall.id).settings
        profiles = {d.name: d for d in settings.displays}
        assert set(profiles) == {"east", "market", "speaker", "lobby-info"}
        assert profiles["lobby-info"].kind == "info" and profiles["east"].prepare_next is True
        assert settings.prepare_next is True
        assert settings.public_info.complaint_channels == ["12345热线", "中心一楼督查股"]
    # Removed: "speaker" is gone from the hall.
    page.locator("#displays button[data-key='speaker']").click()
    submit(page, "#display-remove")
    assert said(page) == ("ok", "已保存。")
    with hall.db.read() as s:
        assert "speaker" not in {d.name for d in hall_context(s, hall.id).settings.displays}
