"""The kiosk's screens fit the hall's kiosk sizes: nothing cut off, nothing hidden without a cue.

The demo hall (14 departments, 51 items) on a portrait 1080x1920 and a landscape
1920x1080 kiosk, normal and in the elderly mode: every tile, pager button and the
take-a-number button lie inside the screen and above the action bar, and an
item's one-time materials list (一次性告知) shows whole, even a long one. Only a
list too long for any readable size scrolls, and then it says so on the screen.
Screenshots land in tests/screenshots/kiosk-fit-*.png.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

import hallq
from hallq.queue.models import Item
from hallq.server.app import create_app
from tests.browser import LANDSCAPE, PORTRAIT, WAIT_MS, open_with_token, screenshot
from tests.conftest import Hall, Server
from tests.kiosk.kit import printer_agent

DEMO = Path(hallq.__file__).parent / "data" / "demo_hall.toml"
# What a 不动产 transfer really asks for: twelve documents, some with long names.
TWELVE = ["不动产登记申请书", "买卖双方身份证明（身份证、户口簿）", "不动产权属证书原件", "存量房买卖合同（网签备案）",
          "完税凭证（已实现税务信息共享的免交）", "婚姻状况证明或声明", "共有人同意出售的书面意见",
          "委托书及受托人身份证明（委托办理的）", "房屋分户图", "宗地图", "抵押权人同意转让的证明（有抵押的）",
          "其他依法应当提交的材料"]
# Body text never smaller than this on a kiosk read standing (px, on either 1080-wide or -high screen).
MIN_TEXT_PX = 24
MIN_ELDER_TEXT_PX = 34


@pytest.fixture
def demo(sqlite_db, clock):
    # The page shows the same whatever the database; the engine's tests cover both.
    return Hall(sqlite_db, clock, DEMO)


@pytest.fixture
def server(demo, clock):
    srv = Server(create_app(demo.db, clock=clock))
    agent = printer_agent(demo, srv, "k1", "ok")
    yield srv
    agent.disconnect()
    srv.stop()


def set_materials(demo, code: str, materials: list[str]) -> None:
    with demo.db.write() as s:
        item = s.scalar(select(Item).where(Item.hall_id == demo.id, Item.code == code))
        item.guide = {**(item.guide or {}), "materials": materials}
        s.commit()


def open_kiosk(page, server, token, size):
    return open_with_token(page, f"{server.url}/kiosk", token,
                           "() => window.hallqKiosk && window.hallqKiosk.state.kiosk"
                           " && window.hallqKiosk.state.services.length", size=size)


def box(page, selector: str) -> dict:
    return page.locator(selector).bounding_box()


def inside_screen(page, selector: str) -> None:
    """Visible, inside the viewport, and above the action bar (what the citizen can touch)."""
    size = page.viewport_size
    bar = box(page, ".actions-bar")
    for handle in page.locator(f"{selector} >> visible=true").all():
        b = handle.bounding_box()
        assert b is not None, selector
        assert b["x"] >= 0 and b["y"] >= 0 and b["x"] + b["width"] <= size["width"] + 1, (selector, b)
        assert b["y"] + b["height"] <= bar["y"] + 1, (selector, b, bar)


def min_font(page, selector: str) -> float:
    return page.locator(selector).evaluate_all(
        "els => Math.min(...els.map(e => parseFloat(getComputedStyle(e).fontSize)))")


def materials_whole(page) -> dict:
    """Every material's line lies inside the list's box and the screen: none cut, none scrolled away."""
    return page.evaluate("""() => {
      const list = document.getElementById('confirm-materials');
      const frame = list.closest('.materials').getBoundingClientRect();
      const lines = Array.from(list.children).map(li => li.getBoundingClientRect());
      const inside = lines.every(r => r.top >= frame.top - 1 && r.bottom <= frame.bottom + 1
        && r.left >= frame.left - 1 && r.right <= frame.right + 1 && r.bottom <= innerHeight && r.right <= innerWidth);
      return {inside, count: lines.length, frameBottom: frame.bottom,
              scrolls: list.closest('.materials').scrollHeight > list.closest('.materials').clientHeight + 1};
    }""")


def turn_to(page, pager: str, selector: str) -> None:
    """Turns a list's pages from the first until `selector` is on the page."""
    while page.locator(f"{pager} .prev").is_visible() and page.locator(f"{pager} .prev").is_enabled():
        page.click(f"{pager} .prev")
    while not page.locator(selector).is_visible():
        page.click(f"{pager} .next")


def to_confirm(page, department: str, service: str) -> None:
    while (where := page.evaluate("() => document.body.dataset.screen")) != "start":
        page.click(f"#screen-{where} .back")
    turn_to(page, "#departments-pager", f"[data-department={department}]")
    page.click(f"[data-department={department}]")
    page.wait_for_function("() => document.body.dataset.screen === 'items'", timeout=WAIT_MS)
    turn_to(page, "#items-pager", f"#items [data-service={service}]")
    page.click(f"#items [data-service={service}]")
    page.wait_for_function("() => document.body.dataset.screen === 'confirm'", timeout=WAIT_MS)
    page.wait_for_timeout(200)


@pytest.mark.parametrize("size,name", [(LANDSCAPE, "landscape"), (PORTRAIT, "portrait")])
def test_the_start_and_items_screens_fit_with_their_pagers(demo, server, browser_page, size, name):
    page = open_kiosk(browser_page, server, demo.token("kiosk", "k1"), size)
    for elder in (False, True):
        mode = "elder" if elder else "normal"
        if elder:
            page.click("#elder-toggle")
            page.wait_for_timeout(200)
        screenshot(page, f"kiosk-fit-start-{name}-{mode}")
        assert page.locator("#departments-pager").is_visible()  # 14 departments: more than one page
        inside_screen(page, "#departments .tile")
        inside_screen(page, "#departments-pager button")
        inside_screen(page, ".steps")
        shown = page.locator("#departments .tile").count()
        # Turning the pages shows every department once.
        seen = set(page.locator("#departments .tile").evaluate_all("els => els.map(e => e.dataset.department)"))
        while page.locator("#departments-pager .next").is_enabled():
            page.click("#departments-pager .next")
            inside_screen(page, "#departments .tile")
            seen |= set(page.locator("#departments .tile").evaluate_all("els => els.map(e => e.dataset.department)"))
        assert len(seen) == page.evaluate("() => window.hallqKiosk.state.departments.length") == 14
        assert shown >= (2 if elder else 6)
        assert min_font(page, "#departments .tile .name") >= (MIN_ELDER_TEXT_PX if elder else MIN_TEXT_PX)
        turn_to(page, "#departments-pager", "[data-department=BDC]")
        page.click("[data-department=BDC]")  # the department with the most items
        page.wait_for_function("() => document.body.dataset.screen === 'items'", timeout=WAIT_MS)
        screenshot(page, f"kiosk-fit-items-{name}-{mode}")
        inside_screen(page, "#items .tile")
        if page.locator("#items-pager").is_visible():
            inside_screen(page, "#items-pager button")
        page.click("#screen-items .back")


@pytest.mark.parametrize("size,name", [(LANDSCAPE, "landscape"), (PORTRAIT, "portrait")])
def test_a_long_materials_list_shows_whole_and_the_elderly_mode_uses_the_space(demo, server, browser_page,
                                                                                 size, name):
    set_materials(demo, "BDC02", TWELVE)
    page = open_kiosk(browser_page, server, demo.token("kiosk", "k1"), size)
    to_confirm(page, "BDC", "BDC02")
    screenshot(page, f"kiosk-fit-materials-{name}-normal")
    whole = materials_whole(page)
    assert whole["count"] == 12 and whole["inside"] and not whole["scrolls"], whole
    inside_screen(page, "#take")
    normal = min_font(page, "#confirm-materials li")
    assert normal >= MIN_TEXT_PX
    page.click("#confirm-back")
    page.click("#elder-toggle")
    page.wait_for_timeout(200)
    to_confirm(page, "BDC", "BDC02")
    screenshot(page, f"kiosk-fit-materials-{name}-elder")
    whole = materials_whole(page)
    assert whole["count"] == 12 and whole["inside"] and not whole["scrolls"], whole
    inside_screen(page, "#take")
    elder = min_font(page, "#confirm-materials li")
    assert elder >= MIN_ELDER_TEXT_PX and elder >= normal
    assert page.locator(".materials-box .more").is_hidden()  # nothing to scroll, so no cue


def test_a_short_list_in_the_elderly_mode_is_printed_large(demo, server, browser_page):
    page = open_kiosk(browser_page, server, demo.token("kiosk", "k1"), LANDSCAPE)
    page.click("#elder-toggle")
    to_confirm(page, "GA", "GA01")
    screenshot(page, "kiosk-fit-materials-landscape-elder-short")
    whole = materials_whole(page)
    assert whole["inside"] and not whole["scrolls"]
    # A few lines take the space they are given: larger than the elderly mode's body text.
    assert min_font(page, "#confirm-materials li") >= 45
    inside_screen(page, "#take")


@pytest.mark.parametrize("size,name", [(LANDSCAPE, "landscape"), (PORTRAIT, "portrait")])
def test_a_list_too_long_for_any_readable_size_scrolls_and_says_so(demo, server, browser_page, size, name):
    set_materials(demo, "BDC02", [f"第{n}项 {TWELVE[n % 12]}" for n in range(1, 41)])
    page = open_kiosk(browser_page, server, demo.token("kiosk", "k1"), size)
    page.click("#elder-toggle")
    to_confirm(page, "BDC", "BDC02")
    screenshot(page, f"kiosk-fit-materials-{name}-elder-forty")
    assert min_font(page, "#confirm-materials li") >= MIN_ELDER_TEXT_PX  # never shrunk past reading
    whole = materials_whole(page)
    assert whole["scrolls"]
    cue = page.locator(".materials-box .more")
    assert cue.is_visible() and "40" in cue.inner_text()  # the screen says there is more, and how much
    inside_screen(page, ".materials-box .more")
    inside_screen(page, "#take")
    # The cue scrolls the list on a touch; at the end the last material is in view and the cue says so.
    for _ in range(40):
        if page.evaluate("() => { const m = document.querySelector('.materials');"
                         " return m.scrollTop + m.clientHeight >= m.scrollHeight - 1; }"):
            break
        cue.click()
        page.wait_for_timeout(150)
    last = page.locator("#confirm-materials li").last.bounding_box()
    frame = box(page, ".materials")
    assert last["y"] + last["height"] <= frame["y"] + frame["height"] + 1
    screenshot(page, f"kiosk-fit-materials-{name}-elder-forty-end")
