"""容缺受理 in real Chromium (issue 17): the clerk accepts at the console's finish dialog naming what is
still owed and the working days to bring it; the console warns when it is late; the citizen's phone page
(/t/<token>, zh and en) says what is owed and by when. SQLite: the API tests cover both databases."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import screenshot
from tests.conftest import PASSWORD, Hall, local
from tests.helpers import issue
from tests.queue.web.test_console_page import Console

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def hall(sqlite_db, clock):
    return Hall(sqlite_db, clock)


def test_accepted_at_the_console_owed_on_the_phone_and_warned_when_late(hall, server, clock, browser_page):
    kiosk = server.api(hall.token("kiosk", "k1"))
    hall.user("S001", "clerk")
    t = issue(kiosk, "GA02")  # 户口迁移: promised 10 working days, materials 准迁证
    page = browser_page
    page.set_viewport_size({"width": 1920, "height": 1080})
    console = Console(page, server.url)
    console.sign_in("S001", 1)
    console.open_window()
    console.live()
    console.key("n")
    console.current(t["number"])

    def fill(p):
        expect(p.locator("#tolerance-box")).to_be_visible()  # 承诺件 offers 容缺受理
        expect(p.locator("#tolerance-fields")).to_be_hidden()
        p.check("#tolerance-on")
        expect(p.locator("#tolerance-fields")).to_be_visible()
        p.check("#tolerance-materials input[value='准迁证']")
        p.fill("#tolerance-other", "迁入地同意落户证明")
        p.fill("#tolerance-days", "3")
        expect(p.locator("#tolerance-date")).to_have_text("须于2026-11-26前补齐")  # Mon 23 + 3 working days

    console.finish("2", fill=fill, shot="tolerance-01-finish-dialog")
    console.message(f"{t['number']}已办结：承诺件")
    clerk = server.api(hall.login("S001"))
    case = clerk.get(f"/cases/{t['id']}").json()
    assert case["status"] == "waiting" and case["tolerance"]["owed"] == ["准迁证", "迁入地同意落户证明"]
    assert case["tolerance"]["promised_by"] == "2026-11-26" and case["due_on"] == "2026-12-07"

    # The dialog offers 容缺 for 承诺件 and 联办件 only.
    other = issue(kiosk, "GA02")
    console.key("n")
    console.current(other["number"])
    console.key("f")
    for digit, shown in (("1", False), ("3", True), ("4", False), ("2", True)):
        console.key(digit)
        expect(page.locator("#tolerance-box")).to_be_visible() if shown else \
            expect(page.locator("#tolerance-box")).to_be_hidden()
    page.keyboard.press("Escape")

    phone = page.context.new_page()
    phone.set_viewport_size(PHONE)
    phone.goto(f"{server.url}/t/{t['token']}")
    expect(phone.locator("#status")).to_have_text("已容缺受理（承诺件），待补齐材料")
    expect(phone.locator("#case-owed-label")).to_have_text("您承诺于2026-11-26前补齐以下材料：")
    assert phone.inner_text("#case-owed").split("\n") == ["准迁证", "迁入地同意落户证明"]
    expect(phone.locator("#case")).to_contain_text("请带到1号窗口（请携带本号票）。")
    expect(phone.locator("#case-owed-late")).to_have_count(0)
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(phone, "tolerance-02-owed-phone")

    # Fri 27: a working day past the applicant's day, one material in.
    clock.set(local(2026, 11, 27, 10, 0))
    clerk = server.api(hall.login("S001"))
    assert clerk.post(f"/cases/{t['id']}/materials", {"materials": ["准迁证"]}).status_code == 200
    phone.goto(f"{server.url}/t/{t['token']}?lang=en")
    expect(phone.locator("#status")).to_have_text("Accepted (promised case), some materials to follow")
    expect(phone.locator("#case-owed-label")).to_have_text("You promised to bring these by 2026-11-26:")
    assert phone.inner_text("#case-owed").split("\n") == ["迁入地同意落户证明"]
    expect(phone.locator("#case-owed-late")).to_contain_text("The date you promised has passed")
    screenshot(phone, "tolerance-03-late-phone-en")

    console = Console(page.context.new_page(), server.url)  # days later: the clerk signs in again
    console.page.set_viewport_size({"width": 1920, "height": 1080})
    console.sign_in("S001", 1)
    console.open_window()
    console.live()
    alerts = console.page.locator("#case-alerts li.materials-late")
    expect(alerts).to_have_count(1)
    expect(alerts).to_have_text(f"{t['number']} 户口迁移 容缺材料逾期1个工作日未补齐（应于2026-11-26前）：迁入地同意落户证明")
    console.shot("tolerance-04-console-warning")

    # The supervision office's case list has a tab for it.
    hall.user("boss", "supervisor")
    office = page.context.new_page()
    office.set_viewport_size({"width": 1920, "height": 1080})
    office.goto(server.url + "/assessment/cases?view=materials_late")
    office.fill("#username", "boss")
    office.fill("#password", PASSWORD)
    office.keyboard.press("Enter")
    rows = office.locator("#cases tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("容缺受理，待补：迁入地同意落户证明（应于2026-11-26前） 逾期1个工作日")
    expect(office.locator("#tab-materials_late")).to_contain_text("容缺材料逾期 1")
    screenshot(office, "tolerance-06-supervision")

    # The last one comes: the case goes on, due one working day later than promised (Tue 8 Dec).
    assert clerk.post(f"/cases/{t['id']}/materials", {}).status_code == 200
    phone.goto(f"{server.url}/t/{t['token']}")
    expect(phone.locator("#status")).to_have_text("已受理（承诺件），正在办理")
    expect(phone.locator("#case-due")).to_have_text("承诺办结日期：2026-12-08")
    expect(phone.locator("#case-owed")).to_have_count(0)
    screenshot(phone, "tolerance-05-all-in-phone")
