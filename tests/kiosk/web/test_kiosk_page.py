"""The kiosk touch page in real headless Chromium against the real server.

A plain Socket.IO client plays the printer's agent (as `hallq agent` speaks),
so the page sees real `print.result` and `device.status` news. Screenshots land
in tests/screenshots/kiosk-*.png.
"""
from __future__ import annotations

import datetime as dt

import pytest

from hallq import protocol as m
from tests.browser import LANDSCAPE, PORTRAIT, WAIT_MS, open_with_token, screenshot
from tests.conftest import Hall, local
from tests.helpers import clerk_api, issue, wait_for
from tests.kiosk.kit import book, duty_manager, id_number, printer_agent, report


@pytest.fixture
def hall(sqlite_db, clock):
    # The page shows the same whatever the database; the engine's tests cover both.
    return Hall(sqlite_db, clock)


@pytest.fixture
def agent(hall, server):
    client = printer_agent(hall, server, "k1", "ok")
    yield client
    client.disconnect()


def open_kiosk(page, server, token, *, size=PORTRAIT, query=""):
    return open_with_token(page, f"{server.url}/kiosk{query}", token,
                           "() => window.hallqKiosk && window.hallqKiosk.state.kiosk"
                           " && window.hallqKiosk.state.services.length", size=size)


def screen(page) -> str:
    return page.evaluate("() => document.body.dataset.screen")


def wait_screen(page, name: str, timeout=WAIT_MS):
    page.wait_for_function(f"() => document.body.dataset.screen === {name!r}", timeout=timeout)


def answer_print(agent, ok=True, reason=None, after=None):
    job = wait_for(agent, m.PRINT, lambda d: d["id"] != after)
    assert agent.call(m.JOB_RESULT, {"id": job["id"], "ok": ok, "reason": reason}, timeout=10) == {"ok": True}
    return job


def test_a_citizen_takes_a_printed_ticket(hall, server, agent, browser_page):
    token = hall.token("kiosk", "k1")
    page = open_kiosk(browser_page, server, token)
    assert "#token" not in page.url  # the token left the address bar
    screenshot(page, "kiosk-01-start-portrait")

    page.click("[data-department=GA]")
    wait_screen(page, "items")
    screenshot(page, "kiosk-02-items")
    page.click("#items [data-service=GA01]")
    wait_screen(page, "confirm")
    assert "居民户口簿" in page.inner_text("#confirm-materials")
    assert "今日余号 5" in page.inner_text("#confirm-availability")
    screenshot(page, "kiosk-03-confirm")

    page.click("#take")
    job = wait_for(agent, m.PRINT)
    wait_screen(page, "printing")
    page.wait_for_function("() => document.getElementById('printing-number').textContent === 'A001'")
    screenshot(page, "kiosk-04-printing")
    assert job["printer"] == "k1" and job["document"]["ticket"]["number"] == "A001"
    agent.call(m.JOB_RESULT, {"id": job["id"], "ok": True}, timeout=10)
    wait_screen(page, "done")
    assert "请取走您的号票" in page.inner_text("#screen-done")
    assert page.inner_text("#done-number") == "A001"
    screenshot(page, "kiosk-05-done")
    # The waiting count went up live on the start screen's data.
    page.wait_for_function("() => window.hallqKiosk.state.services.find(s => s.code === 'GA01').waiting === 1")


def test_the_kiosk_on_a_landscape_screen_in_english(hall, server, agent, browser_page):
    kiosk = server.api(hall.token("kiosk", "k2"))
    for _ in range(3):
        issue(kiosk, "SJ01")
    clerk_api(hall, server, "S004", window=3)  # SJ01 is served now
    page = open_kiosk(browser_page, server, hall.token("kiosk", "k1"), size=LANDSCAPE)
    screenshot(page, "kiosk-10-start-landscape")
    page.click("#lang-toggle")
    assert page.inner_text("h1 >> visible=true") == "Choose a department"
    page.click("[data-department=SJ]")
    assert "3 waiting" in page.inner_text("#items [data-service=SJ01]")
    screenshot(page, "kiosk-11-items-english")
    page.click("#items [data-service=SJ01]")
    assert page.inner_text("#take") == "Take a number"
    screenshot(page, "kiosk-12-confirm-english")


def test_elderly_mode_is_large_high_contrast_paged_and_spoken(sqlite_db, clock, browser_page):
    from pathlib import Path

    import hallq
    from tests.conftest import Server
    from hallq.server.app import create_app

    demo = Hall(sqlite_db, clock, Path(hallq.__file__).parent / "data" / "demo_hall.toml")
    server = Server(create_app(demo.db, clock=clock))
    try:
        client = printer_agent(demo, server, "k1", "ok")
        page = open_kiosk(browser_page, server, demo.token("kiosk", "k1"))
        normal_tiles = page.locator("#departments .tile").count()
        normal_size = page.eval_on_selector("#departments .tile .name", "e => parseFloat(getComputedStyle(e).fontSize)")
        screenshot(page, "kiosk-20-demo-hall-normal")

        page.click("#elder-toggle")
        assert page.evaluate("() => document.body.classList.contains('elder')")
        assert page.inner_text("#elder-toggle") == "退出适老模式"
        assert page.locator("#departments .tile").count() == 4 < normal_tiles  # fewer choices per screen
        big = page.eval_on_selector("#departments .tile .name", "e => parseFloat(getComputedStyle(e).fontSize)")
        assert big >= 1.4 * normal_size
        background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(0, 0, 0)"  # high contrast: light text on black
        spoken = page.evaluate("() => window.hallqKiosk.state.spoken")
        assert spoken and spoken[-1].startswith("请选择办理部门。共有4个部门：县公安局")
        screenshot(page, "kiosk-21-elderly-start")

        page.click("#departments-pager .next")
        assert page.inner_text("#departments-pager .where") == "第 2/4 页"
        second_page = page.locator("#departments .tile .name").all_inner_texts()
        assert page.evaluate("() => window.hallqKiosk.state.spoken.at(-1)").endswith("：" + "，".join(second_page) + "。也可以搜索事项，或按预约取号。")
        page.click("#departments-pager .prev")
        page.click("[data-department=GA]")
        assert page.locator("#items .tile").count() <= 3
        assert page.evaluate("() => window.hallqKiosk.state.spoken.at(-1)").startswith("县公安局。请选择事项：")
        screenshot(page, "kiosk-22-elderly-items")
        page.locator("#items .tile").first.click()
        assert "前面有0人等候" in page.evaluate("() => window.hallqKiosk.state.spoken.at(-1)")
        screenshot(page, "kiosk-23-elderly-confirm")
        client.disconnect()
    finally:
        server.stop()


def test_guidance_is_rendered_by_the_server_when_the_browser_has_no_voice(hall, server):
    import io
    import wave

    kiosk = server.api(hall.token("kiosk", "k1"))
    r = kiosk.http.post(f"{server.url}/kiosk/speech.wav", json={"text": "请选择办理部门", "lang": "zh"}, timeout=60)
    assert r.status_code == 200 and r.headers["Content-Type"] == "audio/wav"
    with wave.open(io.BytesIO(r.content)) as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2 and w.getnframes() / w.getframerate() > 0.5
    assert kiosk.http.post(f"{server.url}/kiosk/speech.wav", json={"text": ""}, timeout=10).status_code == 400
    assert server.api().http.post(f"{server.url}/kiosk/speech.wav", json={"text": "x"}, timeout=10).status_code == 401


def test_a_number_the_hall_cannot_give_is_refused_in_plain_words(hall, server, agent, clock, browser_page):
    kiosk = server.api(hall.token("kiosk", "k2"))
    for _ in range(4):
        issue(kiosk, "GA01")  # quota 5: one left
    page = open_kiosk(browser_page, server, hall.token("kiosk", "k1"))
    page.click("[data-department=GA]")
    assert "今日余号 1" in page.inner_text("#items [data-service=GA01]")
    issue(kiosk, "GA01")  # someone else takes the last one: the tile follows live
    page.wait_for_function("() => document.querySelector('#items [data-service=GA01]').innerText.includes('今日号已取完')")
    page.click("#items [data-service=GA01]")
    assert page.is_disabled("#take")
    screenshot(page, "kiosk-30-quota-used-up")

    page.click("#confirm-back")
    page.click("#items [data-service=GA02]")
    clock.set(local(2026, 11, 23, 12, 30))  # the lunch break starts while the citizen reads
    report(agent, "ok")  # the agent's heartbeat: the printer is still believed ready
    page.click("#take")
    wait_screen(page, "refused")
    assert page.inner_text("#refused-message") == "大厅现在不办理业务，今天 14:00开始取号。"
    screenshot(page, "kiosk-31-refused-lunch")
    assert [s["waiting"] for s in kiosk.get("/services").json() if s["code"] == "GA02"] == [0]
    page.click("#screen-refused [data-go=start]")
    wait_screen(page, "start")


def test_a_printer_out_of_paper_stops_issuing_and_says_so(hall, server, agent, browser_page):
    page = open_kiosk(browser_page, server, hall.token("kiosk", "k1"))
    page.click("[data-department=GA]")
    page.click("#items [data-service=GA01]")
    report(agent, "paper_out", detail="paper end sensor")
    wait_screen(page, "printer")  # live, from device.status
    assert page.inner_text("#printer-message") == "取号机的打印机缺纸，现在不能打印号票。"
    assert "导办台" in page.inner_text("#screen-printer")
    screenshot(page, "kiosk-40-printer-paper-out")
    kiosk = server.api(hall.token("kiosk", "k2"))
    assert [s["waiting"] for s in kiosk.get("/services").json() if s["code"] == "GA01"] == [0]  # nothing issued

    report(agent, "ok")
    wait_screen(page, "start")  # paper loaded: the kiosk takes numbers again


def test_a_printer_that_went_silent_is_found_out_when_taking_a_number(hall, server, agent, clock, browser_page):
    page = open_kiosk(browser_page, server, hall.token("kiosk", "k1"))
    page.click("[data-department=MZ]")
    page.click("#items [data-service=MZ01]")
    clock.advance(seconds=31)  # no heartbeat since: the server no longer believes "ok"
    page.click("#take")
    wait_screen(page, "printer")  # the server refused with 409 printer_not_ready
    assert "状态未知" in page.inner_text("#printer-message")
    assert server.api(hall.token("kiosk", "k2")).get("/services").json()[3]["waiting"] == 0


def test_a_failed_print_shows_the_number_and_its_qr_code_large(hall, server, agent, browser_page):
    import zxingcpp
    from PIL import Image

    page = open_kiosk(browser_page, server, hall.token("kiosk", "k1"))
    page.click("[data-department=SJ]")
    page.click("#items [data-service=SJ01]")
    page.click("#take")
    answer_print(agent, ok=False, reason="paper jam")
    wait_screen(page, "failed")
    assert page.inner_text("#failed-number") == "B001"
    assert "请到导办台补打号票" in page.inner_text("#screen-failed")
    page.wait_for_function("() => document.getElementById('failed-qr').complete"
                           " && document.getElementById('failed-qr').naturalWidth > 0")
    shot = screenshot(page, "kiosk-50-print-failed")
    qr = page.locator("#failed-qr").screenshot()
    import io
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr)))
    token = page.evaluate("() => window.hallqKiosk.state.ticket.token")
    assert [b.text for b in found] == [f"{server.url}/t/{token}"]
    assert shot.exists()

    failures = server.api(hall.token("kiosk", "k2")).get("/print-failures").json()
    assert [(f["number"], f["reason"]) for f in failures] == [("B001", "paper jam")]


def test_no_answer_from_the_printer_counts_as_not_printed(hall, server, agent, browser_page):
    page = open_kiosk(browser_page, server, hall.token("kiosk", "k1"), query="?print_wait=2")
    page.click("[data-department=MZ]")
    page.click("#items [data-service=MZ01]")
    page.click("#take")
    wait_for(agent, m.PRINT)  # the agent got the job but never answers
    wait_screen(page, "failed", timeout=8000)
    assert page.inner_text("#failed-number") == "C001"


def test_pinyin_initials_find_an_item(hall, server, agent, browser_page):
    page = open_kiosk(browser_page, server, hall.token("kiosk", "k1"))
    page.click("#search-open")
    wait_screen(page, "search")
    for key in "sfz":
        page.click(f".keyboard[data-for=search-input] [data-key={key}]")
    page.wait_for_function("() => document.querySelectorAll('#search-results .tile').length === 1")
    assert "居民身份证申领" in page.inner_text("#search-results")
    screenshot(page, "kiosk-60-search-sfz")
    page.fill("#search-input", "")
    page.keyboard.type("婚姻")  # 汉字 from a hardware keyboard's input method
    page.wait_for_function("() => document.querySelector('#search-results').innerText.includes('婚姻登记')")
    page.click("#search-results [data-service=MZ01]")
    wait_screen(page, "confirm")
    page.click("#confirm-back")
    wait_screen(page, "search")


def test_an_appointment_is_checked_in_by_a_scanned_code(hall, server, agent, clock, browser_page):
    clerk_api(hall, server, "S004", window=3)  # SJ01 is served
    book(hall, "YY0001", "SJ01", local(2026, 11, 23, 9, 45))
    book(hall, "YY0002", "GA02", local(2026, 11, 23, 15, 0))
    page = open_kiosk(browser_page, server, hall.token("kiosk", "k1"))
    page.keyboard.type("YY0001")  # a keyboard-wedge scanner on the start screen: text, then Enter
    page.keyboard.press("Enter")
    job = answer_print(agent)
    wait_screen(page, "done")
    assert page.inner_text("#done-number") == "B001"
    assert job["document"]["ticket"]["priority"] == "appointment"

    page.click("#screen-done [data-go=start]")
    page.click("#go-checkin")
    wait_screen(page, "checkin")
    for key in "yy0002":  # the on-screen keys type lower case; codes are found whatever the case
        page.click(f".keyboard[data-for=checkin-input] [data-key='{key}']")
    screenshot(page, "kiosk-70-checkin-typed")
    page.click("#checkin-go")
    wait_screen(page, "refused")
    assert page.inner_text("#refused-message") == "预约时段11-23 15:00–15:30尚未开始，请到时再取号。"
    screenshot(page, "kiosk-71-checkin-too-early")


def test_an_appointment_is_checked_in_by_id_number(hall, server, agent, browser_page):
    clerk_api(hall, server, "S005", window=4)  # MZ01 is served
    clerk_api(hall, server, "S001", window=1)  # and GA02
    person = id_number(dt.date(1985, 4, 12))
    book(hall, "YY0100", "MZ01", local(2026, 11, 23, 9, 30), minutes=60, person=person)
    book(hall, "YY0101", "GA02", local(2026, 11, 23, 9, 50), minutes=60, person=person)
    page = open_kiosk(browser_page, server, hall.token("kiosk", "k1"))
    page.click("#go-checkin")
    page.keyboard.type(person)  # an ID card reader types into the focused field
    assert page.inner_text("#checkin-shown") == person[:3] + "•" * 11 + person[-4:]
    assert person not in page.inner_text("body")
    page.keyboard.press("Enter")
    page.wait_for_selector("#checkin-list .tile")
    assert page.locator("#checkin-list .tile").count() == 2
    screenshot(page, "kiosk-72-checkin-choose")
    page.click("#checkin-list [data-choice='1']")
    answer_print(agent)
    wait_screen(page, "done")
    assert page.inner_text("#done-number") == "A001"
    assert person not in page.content()


def test_the_elderly_priority_channel_reads_the_id_number(hall, server, agent, browser_page):
    elder = id_number(dt.date(1950, 3, 1))
    young = id_number(dt.date(1990, 3, 1))
    page = open_kiosk(browser_page, server, hall.token("kiosk", "k1"))
    page.click("#go-green")
    wait_screen(page, "green")
    for key in young:
        page.click(f".keyboard[data-for=green-input] [data-key='{key}']")
    screenshot(page, "kiosk-80-green-id-typed")
    page.click("#green-go")
    wait_screen(page, "refused")
    assert "70周岁以上" in page.inner_text("#refused-message")
    screenshot(page, "kiosk-81-green-too-young")

    page.click("#screen-refused [data-go=start]")
    page.click("#go-green")
    page.keyboard.type(elder + "\n")
    wait_screen(page, "start")
    assert page.inner_text("#green-banner") == "老年人优先通道 · " + elder[:3] + "•" * 11 + elder[-4:]
    clerk_api(hall, server, "S001", window=1)  # GA01 is served now
    page.click("[data-department=GA]")
    page.click("#items [data-service=GA01]")
    assert page.inner_text("#take") == "取老年人优先号"
    screenshot(page, "kiosk-82-green-confirm")
    page.click("#take")
    job = answer_print(agent)
    wait_screen(page, "done")
    assert job["document"]["ticket"]["priority"] == "green"
    assert page.is_hidden("#green-banner")  # the ID number is forgotten once the ticket is out

    # The same person again: the engine refuses a second ticket for the same item.
    page.click("#screen-done [data-go=start]")
    page.click("#go-green")
    page.keyboard.type(elder + "\n")
    page.click("[data-department=GA]")
    page.click("#items [data-service=GA01]")
    page.click("#take")
    wait_screen(page, "refused")
    assert page.inner_text("#refused-message") == "您已持有“居民身份证申领”的排队号A001，请等候叫号。"


def test_call_for_help_tells_the_duty_manager(hall, server, agent, browser_page):
    duty = duty_manager(hall, server)
    page = open_kiosk(browser_page, server, hall.token("kiosk", "k1"))
    page.click("[data-department=SJ]")
    page.click("#help")
    news = wait_for(duty, "kiosk.help")
    assert news["kiosk"] == "k1" and news["screen"] == "items"
    page.wait_for_selector("#toast:not([hidden])")
    assert page.inner_text("#toast") == "已通知工作人员，请在原地稍候。"
    screenshot(page, "kiosk-90-help-sent")

    # The duty manager acknowledges it (stored: from any duty screen, or here the API): the citizen is told.
    hall.user("S004", "supervisor")
    alert = wait_for(duty, "alert.raised", lambda d: d["kind"] == "help")["id"]
    assert server.api(hall.login("S004")).post(f"/alerts/{alert}/acknowledge").status_code == 200
    page.wait_for_function("document.getElementById('toast').textContent.includes('正在赶来')", timeout=WAIT_MS)
    assert page.inner_text("#toast") == "工作人员已收到您的求助，正在赶来，请在原地稍候。"
    screenshot(page, "kiosk-90b-help-acknowledged")


def test_inactivity_returns_to_the_start_for_the_next_citizen(hall, server, agent, browser_page):
    page = open_kiosk(browser_page, server, hall.token("kiosk", "k1"), query="?idle=4")
    page.click("#elder-toggle")
    page.click("#lang-toggle")
    page.click("#go-green")
    page.keyboard.type("11010119")
    page.wait_for_selector("#idle:not([hidden])", timeout=WAIT_MS)
    assert "Back to start in" in page.inner_text("#idle")
    screenshot(page, "kiosk-91-idle-countdown")
    wait_screen(page, "start", timeout=8000)
    assert not page.evaluate("() => document.body.classList.contains('elder')")
    assert page.inner_text("h1 >> visible=true") == "请选择办理部门"
    assert page.input_value("#green-input") == ""


def test_setup_takes_a_token_once_and_refuses_a_bad_one(hall, server, agent, browser_page):
    page = browser_page
    page.set_viewport_size(PORTRAIT)
    page.goto(f"{server.url}/kiosk")
    wait_screen(page, "setup")
    assert page.is_hidden("#setup-error")
    page.fill("#setup-token", "not-a-token")
    page.click("#setup-form [type=submit]")
    wait_screen(page, "setup")
    page.wait_for_selector("#setup-error:not([hidden])", timeout=WAIT_MS)
    screenshot(page, "kiosk-95-setup-bad-token")

    page.fill("#setup-token", hall.token("kiosk", "k1"))
    page.click("#setup-form [type=submit]")
    page.wait_for_function("() => window.hallqKiosk && window.hallqKiosk.state.kiosk === 'k1'", timeout=WAIT_MS)
    page.goto(f"{server.url}/kiosk")  # remembered: a restarted kiosk needs nobody to type it again
    page.wait_for_function("() => window.hallqKiosk.state.kiosk === 'k1'", timeout=WAIT_MS)
    wait_screen(page, "start")


def test_an_unstaffed_item_says_when_a_window_is_expected_and_issues_on_the_citizens_word(
        hall, server, agent, browser_page):
    clerk = clerk_api(hall, server, "S001", window=1)  # GA is served; nobody at window 4, MZ01's only one
    page = open_kiosk(browser_page, server, hall.token("kiosk", "k1"))
    page.click("[data-department=MZ]")
    wait_screen(page, "items")
    assert "窗口14:00起办理" in page.inner_text("#items [data-service=MZ01]")
    page.click("#items [data-service=MZ01]")
    wait_screen(page, "confirm")
    assert page.is_visible("#confirm-unstaffed")
    assert page.inner_text("#confirm-unstaffed") == \
        "现在没有窗口在办理本事项，预计14:00起办理。取号后请留意叫号，也可以稍后再来。"
    assert page.inner_text("#take") == "知道了，仍要取号" and not page.is_disabled("#take")
    screenshot(page, "kiosk-90-unstaffed-portrait")
    page.click("#take")
    job = answer_print(agent)
    wait_screen(page, "done")
    assert job["document"]["ticket"]["number"] == "C001"

    # A served item says nothing of the kind, until its last window signs out while the citizen reads.
    page.click("#screen-done [data-go=start]")
    page.click("[data-department=GA]")
    page.click("#items [data-service=GA02]")
    wait_screen(page, "confirm")
    assert not page.is_visible("#confirm-unstaffed") and page.inner_text("#take") == "取号"
    assert clerk.post("/windows/1/sign-out").status_code == 200
    page.wait_for_selector("#confirm-unstaffed", state="visible", timeout=WAIT_MS)
    assert page.inner_text("#take") == "知道了，仍要取号"


def test_an_unstaffed_item_on_a_landscape_kiosk_in_english(hall, server, agent, browser_page):
    page = open_kiosk(browser_page, server, hall.token("kiosk", "k1"), size=LANDSCAPE)
    page.click("#lang-toggle")
    page.click("[data-department=MZ]")
    page.click("#items [data-service=MZ01]")
    wait_screen(page, "confirm")
    assert "one is expected from 14:00" in page.inner_text("#confirm-unstaffed")
    assert page.inner_text("#take") == "I understand, take a number"
    screenshot(page, "kiosk-91-unstaffed-landscape-english")


def test_the_kiosk_refuses_a_number_whose_window_left_and_takes_it_when_the_citizen_still_wants_it(
        hall, server, agent, browser_page):
    clerk = clerk_api(hall, server, "S005", window=4)
    page = open_kiosk(browser_page, server, hall.token("kiosk", "k1"))
    page.click("[data-department=MZ]")
    page.click("#items [data-service=MZ01]")
    wait_screen(page, "confirm")
    # The window signs out as the citizen presses: the page has not heard yet, the server tells them.
    page.evaluate("() => window.hallqKiosk.socket.off('window.status')")
    assert clerk.post("/windows/4/sign-out").status_code == 200
    page.click("#take")
    wait_screen(page, "refused")
    assert "“婚姻登记”现在没有窗口在办理，预计14:00起办理" in page.inner_text("#refused-message")
    screenshot(page, "kiosk-92-unstaffed-refused")
    page.click("#refused-alternative")
    job = answer_print(agent)
    wait_screen(page, "done")
    assert job["document"]["ticket"]["number"] == "C001"


@pytest.mark.parametrize("size, name", [(PORTRAIT, "portrait"), (LANDSCAPE, "landscape")])
def test_a_closed_hall_says_when_it_opens_next(hall, server, agent, clock, browser_page, size, name):
    clock.set(local(2026, 11, 27, 18, 30))  # Friday evening
    report(agent, "ok")  # the printer's heartbeat at the new time
    page = open_kiosk(browser_page, server, hall.token("kiosk", "k1"), size=size)
    page.wait_for_selector("#not-issuing", state="visible", timeout=WAIT_MS)
    assert page.inner_text("#not-issuing") == "大厅现在不办理业务，下一个工作日 11月30日 9:00开始取号。"
    screenshot(page, f"kiosk-93-closed-{name}")


def test_a_mistyped_appointment_code_is_typed_again_on_the_same_screen(hall, server, agent, browser_page):
    clerk_api(hall, server, "S004", window=3)  # SJ01 is served
    book(hall, "YY0001", "SJ01", local(2026, 11, 23, 9, 45))
    page = open_kiosk(browser_page, server, hall.token("kiosk", "k1"))
    page.click("#go-checkin")
    wait_screen(page, "checkin")
    for key in "yy0007":
        page.click(f".keyboard[data-for=checkin-input] [data-key='{key}']")
    page.click("#checkin-go")
    page.wait_for_selector("#checkin-error", state="visible", timeout=WAIT_MS)
    assert screen(page) == "checkin"
    assert page.inner_text("#checkin-error") == "没有找到预约码yy0007，请核对后重试。"
    assert page.input_value("#checkin-input") == "yy0007"  # kept, to correct the one wrong key
    screenshot(page, "kiosk-94-checkin-mistyped")
    page.click(".keyboard[data-for=checkin-input] [data-key='Backspace']")
    page.click(".keyboard[data-for=checkin-input] [data-key='1']")
    page.click("#checkin-go")
    job = answer_print(agent)
    wait_screen(page, "done")
    assert job["document"]["ticket"]["priority"] == "appointment" and not page.is_visible("#checkin-error")


def test_a_used_up_quota_names_the_next_working_day_and_offers_check_in(hall, server, agent, browser_page):
    clerk_api(hall, server, "S001", window=1)
    kiosk = server.api(hall.token("kiosk", "k2"))
    for _ in range(4):
        issue(kiosk, "GA01")  # quota 5: one left
    page = open_kiosk(browser_page, server, hall.token("kiosk", "k1"))
    page.click("[data-department=GA]")
    page.click("#items [data-service=GA01]")
    wait_screen(page, "confirm")
    # The last number goes at another kiosk just as this citizen presses (this page has not heard yet).
    page.evaluate("() => ['ticket.issued', 'queue.stats'].forEach((e) => window.hallqKiosk.socket.off(e))")
    issue(kiosk, "GA01")
    page.click("#take")
    wait_screen(page, "refused")
    assert page.inner_text("#refused-message") == \
        "“居民身份证申领”今日号源已取完，请下一个工作日 11月24日 9:00再来或网上预约。"
    assert page.inner_text("#refused-alternative") == "已有预约？预约签到"
    screenshot(page, "kiosk-95-quota-used-up-refused")
    page.click("#refused-alternative")
    wait_screen(page, "checkin")


def test_a_booked_citizen_is_told_when_no_window_serves_the_item_and_may_still_check_in(
        hall, server, agent, browser_page):
    book(hall, "YY0001", "SJ01", local(2026, 11, 23, 9, 45))  # nobody at windows 3 and 4
    page = open_kiosk(browser_page, server, hall.token("kiosk", "k1"))
    page.keyboard.type("YY0001")
    page.keyboard.press("Enter")
    wait_screen(page, "refused")
    assert "现在没有窗口在办理，预计14:00起办理" in page.inner_text("#refused-message")
    page.click("#refused-alternative")  # 知道了，仍要取号
    job = answer_print(agent)
    wait_screen(page, "done")
    assert job["document"]["ticket"]["priority"] == "appointment" and job["document"]["ticket"]["number"] == "B001"
