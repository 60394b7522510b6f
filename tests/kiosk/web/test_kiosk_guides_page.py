"""办事指南 on the kiosk page in real headless Chromium, portrait and landscape, against the demo hall: browse by
department, search by what citizens call things, read a whole guide in large print, print it through the
printer's agent, take a number from it. Screenshots: tests/screenshots/kiosk-guide-*.png."""
from __future__ import annotations

from importlib import resources

import pytest

from hallq import protocol as m
from hallq.server.app import create_app
from tests.browser import LANDSCAPE, PORTRAIT, WAIT_MS, open_with_token, screenshot
from tests.conftest import Hall, Server
from tests.helpers import wait_for
from tests.kiosk.kit import printer_agent


@pytest.fixture
def demo(sqlite_db, clock):
    # The page shows the same whatever the database; the guides' API tests run on both.
    hall = Hall(sqlite_db, clock, spec_file=resources.files("hallq").joinpath("data/demo_hall.toml"))
    server = Server(create_app(sqlite_db, clock=clock))
    agent = printer_agent(hall, server, "k1", "ok")
    yield hall, server, agent
    agent.disconnect()
    server.stop()


def open_kiosk(page, server, token, size):
    return open_with_token(page, f"{server.url}/kiosk", token,
                           "() => window.hallqKiosk && window.hallqKiosk.state.kiosk"
                           " && window.hallqKiosk.state.services.length", size=size)


def wait_screen(page, name: str):
    page.wait_for_function(f"() => document.body.dataset.screen === {name!r}", timeout=WAIT_MS)


@pytest.mark.parametrize("size, shape", [(PORTRAIT, "portrait"), (LANDSCAPE, "landscape")])
def test_a_citizen_reads_prints_and_takes_a_number_from_a_guide(demo, browser_page, size, shape):
    hall, server, agent = demo
    page = open_kiosk(browser_page, server, hall.token("kiosk", "k1"), size)
    page.click("#guides-open")
    wait_screen(page, "guides")
    page.wait_for_function("() => document.querySelectorAll('#guides-list .tile').length > 0", timeout=WAIT_MS)
    screenshot(page, f"kiosk-guide-01-list-{shape}")

    # By department: 民政局's three guides.
    page.click("[data-guide-department=MZ]")
    page.wait_for_function("() => document.querySelectorAll('#guides-list .tile').length === 3", timeout=WAIT_MS)
    assert page.get_attribute("[data-guide-department=MZ]", "aria-pressed") == "true"
    # By what citizens call it, typed on the on-screen keyboard: d b = 低保 (within 民政局, and in all).
    page.click("[data-guide-department='']")
    for key in "db":
        page.click(f".keyboard[data-for=guides-input] [data-key={key}]")
    page.wait_for_function("() => [...document.querySelectorAll('#guides-list .tile')].map(t => t.dataset.guide)"
                           ".join() === 'MZ02'", timeout=WAIT_MS)
    screenshot(page, f"kiosk-guide-02-search-{shape}")

    page.click("#guides-list [data-guide=MZ02]")
    wait_screen(page, "guide")
    body = page.inner_text("#guide-body")
    for words in ("事项性质", "行政许可", "申请条件", "申请材料", "办理程序", "法定时限", "承诺时限", "收费标准",
                  "申请书示范文本及表格", "最低生活保障申请书（示范文本）（免费提供）", "办理结果", "监督渠道",
                  "12345", "办理窗口"):
        assert words in body, words
    size_px = page.evaluate("() => parseFloat(getComputedStyle(document.getElementById('guide-body')).fontSize)")
    assert size_px >= 34  # large print: 3.4 vmin, 36.7 px on either kiosk screen
    screenshot(page, f"kiosk-guide-03-guide-{shape}")

    page.click("#guide-print")
    job = wait_for(agent, m.PRINT, lambda d: d["document"].get("kind") == "guide", timeout=30)
    assert job["document"]["item_name"] == "最低生活保障申请"
    assert agent.call(m.JOB_RESULT, {"id": job["id"], "ok": True}, timeout=10) == {"ok": True}
    page.wait_for_function("() => document.getElementById('toast').textContent === '办事指南已打印，请取走。'",
                           timeout=WAIT_MS)
    screenshot(page, f"kiosk-guide-04-printed-{shape}")

    page.click("#guide-take")
    wait_screen(page, "confirm")
    assert page.inner_text("#confirm-title") == "最低生活保障申请"
    page.click("#take")
    ticket_job = wait_for(agent, m.PRINT, lambda d: d["document"].get("kind") == "ticket", timeout=30)
    assert ticket_job["document"]["ticket"]["service"] == "MZ02"
    agent.call(m.JOB_RESULT, {"id": ticket_job["id"], "ok": True}, timeout=10)
    wait_screen(page, "done")


def test_the_guide_in_the_elderly_mode_and_in_english(demo, browser_page):
    hall, server, _ = demo
    page = open_kiosk(browser_page, server, hall.token("kiosk", "k1"), PORTRAIT)
    page.click("#elder-toggle")
    page.click("#lang-toggle")
    page.click("#guides-open")
    wait_screen(page, "guides")
    page.fill("#guides-input", "shebaoka")
    page.wait_for_function("() => [...document.querySelectorAll('#guides-list .tile')].map(t => t.dataset.guide)"
                           ".join() === 'RS01'", timeout=WAIT_MS)
    page.click("#guides-list [data-guide=RS01]")
    wait_screen(page, "guide")
    page.wait_for_function("() => document.getElementById('guide-body').innerText.includes('Promised time limit')",
                           timeout=WAIT_MS)
    assert "Done on the spot" in page.inner_text("#guide-body")
    size_px = page.evaluate("() => parseFloat(getComputedStyle(document.getElementById('guide-body')).fontSize)")
    assert size_px >= 47  # larger still for older eyes: 4.4 vmin
    screenshot(page, "kiosk-guide-05-elder-en-portrait")
