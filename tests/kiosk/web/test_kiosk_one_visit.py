"""一票到底 at the kiosk: after the first item, a citizen adds more for the same visit, sees the list in order,
and takes one number; the printed ticket names the items in that order.

Real headless Chromium on the real server at the hall's kiosk sizes (portrait 1080x1920, landscape 1920x1080),
the real device agent printing on the printer simulator with an 80 mm and a 58 mm profile, and the paper read
back from the simulator's ESC/POS bytes. Screenshots land in tests/screenshots/kiosk-onevisit-*.png.
"""
from __future__ import annotations

import pytest

from hallq.devices.agent import Agent
from hallq.devices.agent_config import AgentConfig
from hallq.devices.escpos.decode import decode
from hallq.devices.escpos.simulator import PrinterSimulator
from hallq.devices.escpos.text import columns
from hallq.queue.agent_scope import AgentScope
from hallq.queue.halls import forget_halls
from hallq.queue.settings import OneVisit
from hallq.server.app import create_app
from tests.browser import LANDSCAPE, PORTRAIT, WAIT_MS, open_with_token, screenshot
from tests.conftest import Hall, Server
from tests.helpers import until

NAMES = {"GA01": "居民身份证申领", "GA02": "户口迁移", "SJ01": "个体工商户登记", "MZ01": "婚姻登记"}
PAPER_COLUMNS = {"generic-80": 48, "generic-58": 32}


@pytest.fixture
def hall(sqlite_db, clock):
    # The page shows the same whatever the database; the rule's own tests run on both (tests/queue/test_one_ticket.py).
    forget_halls()
    yield Hall(sqlite_db, clock, one_visit=OneVisit(max_items=4, alone=["MZ01"]))
    forget_halls()


@pytest.fixture
def server(hall, clock):
    srv = Server(create_app(hall.db, clock=clock))
    yield srv
    srv.stop()


@pytest.fixture
def printer():
    sim = PrinterSimulator().start()
    yield sim
    sim.stop()


def start_agent(hall, server, printer, profile: str) -> Agent:
    config = AgentConfig.model_validate({"printers": [{"name": "k1", "url": printer.url, "profile": profile}]})
    token = hall.token("agent", "agent-k1", scope=AgentScope(printers=frozenset({"k1"})))
    agent = Agent(server.url, token, config, heartbeat_s=0.5, clock=hall.clock).start()
    until(lambda: agent.hello_answer, timeout=30, what="the agent's hello answered")
    return agent


def open_kiosk(page, server, token, size):
    page = open_with_token(page, f"{server.url}/kiosk", token,
                           "() => window.hallqKiosk && window.hallqKiosk.state.kiosk"
                           " && window.hallqKiosk.state.services.length"
                           " && window.hallqKiosk.state.printer.state === 'ok'", size=size)
    return page


def wait_screen(page, name: str) -> None:
    page.wait_for_function(f"() => document.body.dataset.screen === {name!r}", timeout=WAIT_MS)


def touchable(page, selector: str) -> None:
    """Visible, inside the screen and above the action bar, and large enough for a finger (>= 60 px high)."""
    size = page.viewport_size
    bar = page.locator(".actions-bar").bounding_box()
    handles = page.locator(f"{selector} >> visible=true").all()
    assert handles, selector
    for handle in handles:
        b = handle.bounding_box()
        assert b["x"] >= 0 and b["y"] >= 0 and b["x"] + b["width"] <= size["width"] + 1, (selector, b)
        assert b["y"] + b["height"] <= bar["y"] + 1, (selector, b, bar)
        assert b["height"] >= 60, (selector, b)


def materials_readable(page) -> None:
    """The materials list shows whole, or says there is more and scrolls on a touch (never silently cut)."""
    state = page.evaluate("""() => {
      const frame = document.querySelector('#screen-confirm .materials');
      const box = frame.getBoundingClientRect();
      const whole = Array.from(frame.querySelectorAll('li')).every(li => {
        const r = li.getBoundingClientRect(); return r.top >= box.top - 1 && r.bottom <= box.bottom + 1; });
      return {whole, more: !document.getElementById('materials-more').hidden};
    }""")
    assert state["whole"] or state["more"], state


def inside(page, selector: str) -> None:
    """Wholly on the screen, above the action bar (not cut by the screen's edge)."""
    b = page.locator(selector).bounding_box()
    assert b["y"] + b["height"] <= page.locator(".actions-bar").bounding_box()["y"] + 1, (selector, b)


def list_whole(page) -> None:
    """Every line of the visit's list lies inside its box and the screen: none cut, none scrolled away."""
    assert page.evaluate("""() => {
      const box = document.getElementById('visit').getBoundingClientRect();
      return box.bottom <= innerHeight && Array.from(document.querySelectorAll('#visit h2, #visit-list li')).every(e => {
        const r = e.getBoundingClientRect();
        return r.top >= box.top - 1 && r.bottom <= box.bottom + 1 && r.right <= box.right + 1; });
    }""")


def add_item(page, department: str, code: str) -> None:
    page.click("#also-add")
    wait_screen(page, "also")
    page.click(f"#also-departments [data-also-department={department}]")
    page.click(f"#also-items [data-also={code}]")
    wait_screen(page, "confirm")


def visit_names(page) -> list[str]:
    return page.locator("#visit-list li .name").all_inner_texts()


def paper_lines(job_data: bytes) -> list[str]:
    return [line.text.strip() for line in decode(job_data).lines]


@pytest.mark.parametrize("size,name,profile", [(PORTRAIT, "portrait", "generic-80"),
                                               (LANDSCAPE, "landscape", "generic-58")])
def test_a_citizen_adds_items_sees_the_list_and_the_ticket_names_them_in_order(hall, server, printer, browser_page,
                                                                             size, name, profile):
    agent = start_agent(hall, server, printer, profile)
    hall.clerk("S001", 1)  # window 1 serves GA01 and GA02 now: no "nobody serving" warning in the way
    try:
        page = open_kiosk(browser_page, server, hall.token("kiosk", "k1"), size)
        page.click("[data-department=GA]")
        wait_screen(page, "items")
        page.click("#items [data-service=GA01]")
        wait_screen(page, "confirm")
        assert page.locator("#visit").is_hidden()  # one item: no list yet
        assert page.inner_text("#also-add") == "＋ 同时办理其他事项"
        touchable(page, "#also-add")

        page.click("#also-add")
        wait_screen(page, "also")
        # The picker opens on the first item's department; the first item is marked chosen, not offered.
        assert page.get_attribute("#also-departments [data-also-department=GA]", "aria-pressed") == "true"
        assert page.locator("#also-items [data-also=GA01]").count() == 0
        assert "可一并办理" in page.inner_text("#also-items [data-also=GA02]")
        assert "还可再选 3 项" in page.inner_text("#also-hint")
        touchable(page, "#also-items .tile")
        screenshot(page, f"kiosk-onevisit-picker-{name}")
        page.click("#also-items [data-also=GA02]")
        wait_screen(page, "confirm")
        add_item(page, "SJ", "SJ01")
        assert visit_names(page) == [NAMES["GA01"], NAMES["GA02"], NAMES["SJ01"]]

        # An item the hall issues only alone is refused with its reason, on the picker, and is not added.
        page.click("#also-add")
        wait_screen(page, "also")
        page.click("#also-departments [data-also-department=MZ]")
        assert "须单独取号" in page.inner_text("#also-items [data-also=MZ01]")
        page.click("#also-items [data-also=MZ01]")
        page.wait_for_function("() => !document.getElementById('also-error').hidden", timeout=WAIT_MS)
        assert page.inner_text("#also-error") == "“婚姻登记”须单独取号，不能与其他事项一票办理。"
        assert page.evaluate("() => document.body.dataset.screen") == "also"
        screenshot(page, f"kiosk-onevisit-alone-refused-{name}")
        page.click("#screen-also .back")
        wait_screen(page, "confirm")

        # Removing one and adding it again puts it last: the order is the citizen's.
        page.click("#visit-list [data-visit-remove=GA02]")
        assert visit_names(page) == [NAMES["GA01"], NAMES["SJ01"]]
        add_item(page, "GA", "GA02")
        order = [NAMES["GA01"], NAMES["SJ01"], NAMES["GA02"]]
        assert visit_names(page) == order
        assert page.inner_text("#visit-title") == "一票到底：本号依次办理 3 个事项"
        assert page.inner_text("#take") == "取号（共3个事项）"
        touchable(page, "#take")
        touchable(page, "#visit-list .remove")
        list_whole(page)
        touchable(page, "#also-add")
        inside(page, "#screen-confirm .materials-box")
        materials_readable(page)
        screenshot(page, f"kiosk-onevisit-list-{name}")

        page.click("#take")
        job = printer.wait_for_jobs(1, timeout=30)[0]
        wait_screen(page, "done")
        assert page.inner_text("#done-number") == "A001"
        assert "之后依次办理：个体工商户登记、户口迁移" in page.inner_text("#done-facts")
        screenshot(page, f"kiosk-onevisit-done-{name}")

        lines = paper_lines(job.data)
        assert "一票到底：本号依次办理3个事项" in lines
        at = lines.index("一票到底：本号依次办理3个事项")
        assert lines[at + 1:at + 4] == [f"{n}. {item}" for n, item in enumerate(order, 1)]
        assert max(columns(line) for line in lines) <= PAPER_COLUMNS[profile]  # laid out for this paper
        # The one `also` path: the ticket carries the later items, in order, for the queues to come.
        ticket_id = page.evaluate("() => window.hallqKiosk.state.ticket.id")
        taken = server.api(hall.token("kiosk", "k1")).get(f"/tickets/{ticket_id}").json()
        assert (taken["service"], [s["code"] for s in taken["next_services"]]) == ("GA01", ["SJ01", "GA02"])
    finally:
        agent.close()


@pytest.mark.parametrize("size,name,profile", [(LANDSCAPE, "landscape", "generic-80"),
                                               (PORTRAIT, "portrait", "generic-58")])
def test_an_item_used_up_meanwhile_is_refused_before_printing_in_english_and_in_the_elderly_mode(
        hall, server, printer, browser_page, size, name, profile):
    agent = start_agent(hall, server, printer, profile)
    hall.clerk("S004", 3)  # window 3 serves SJ01 and GA01
    try:
        page = open_kiosk(browser_page, server, hall.token("kiosk", "k1"), size)
        page.click("#lang-toggle")
        page.click("#elder-toggle")
        page.click("[data-department=SJ]")
        wait_screen(page, "items")
        page.click("#items [data-service=SJ01]")
        wait_screen(page, "confirm")
        assert page.inner_text("#also-add") == "+ Add another service"
        page.click("#also-add")
        wait_screen(page, "also")
        assert "3 more possible" in page.inner_text("#also-hint")
        # SJ has no other item: the picker opens on all departments, a few large tiles a page with its pager.
        assert page.get_attribute("#also-departments [data-also-department='']", "aria-pressed") == "true"
        touchable(page, "#also-items .tile")
        screenshot(page, f"kiosk-onevisit-en-elder-picker-{name}")
        seen = page.locator("#also-items .tile").evaluate_all("els => els.map(e => e.dataset.also)")
        while page.locator("#also-pager").is_visible() and page.locator("#also-pager .next").is_enabled():
            page.click("#also-pager .next")  # the elderly mode's fewer, larger tiles: every one a page away
            touchable(page, "#also-items .tile")
            seen += page.locator("#also-items .tile").evaluate_all("els => els.map(e => e.dataset.also)")
        assert sorted(seen) == ["GA01", "GA02", "MZ01"]
        page.click("#screen-also .back")
        wait_screen(page, "confirm")
        add_item(page, "GA", "GA01")
        assert visit_names(page) == [NAMES["SJ01"], NAMES["GA01"]]
        assert page.inner_text("#visit-title") == "One number, 2 services in turn"
        assert page.inner_text("#take") == "Take a number (2 services)"
        touchable(page, "#take")
        touchable(page, "#visit-list .remove")
        list_whole(page)
        screenshot(page, f"kiosk-onevisit-en-elder-{name}")

        kiosk = server.api(hall.token("kiosk", "k2"))
        for _ in range(5):  # another kiosk takes GA01's last numbers while this citizen reads
            assert kiosk.post("/tickets", {"service": "GA01"}).status_code == 201
        page.wait_for_function("() => document.querySelector('#visit-list li.refused .why')", timeout=WAIT_MS)
        assert page.inner_text("#visit-list li.refused .why") == \
            'Today\'s numbers for "居民身份证申领" are used up, so it cannot be added.'
        screenshot(page, f"kiosk-onevisit-en-elder-usedup-{name}")
        touchable(page, "#take")
        list_whole(page)
        inside(page, "#screen-confirm .materials-box")
        materials_readable(page)

        page.click("#take")
        wait_screen(page, "refused")
        assert page.inner_text("#refused-message") == ('Today\'s numbers for "居民身份证申领" are used up, so it cannot '
                                                       'be added; without it you can take a number.')
        assert page.inner_text("#refused-alternative") == "Change the services"
        screenshot(page, f"kiosk-onevisit-en-elder-refused-{name}")
        assert printer.jobs == []  # refused before any number or paper

        page.click("#refused-alternative")
        wait_screen(page, "confirm")
        page.click("#visit-list [data-visit-remove=GA01]")
        assert page.locator("#visit").is_hidden()
        page.click("#take")
        job = printer.wait_for_jobs(1, timeout=30)[0]
        wait_screen(page, "done")
        assert page.inner_text("#done-number") == "B001"
        lines = paper_lines(job.data)
        assert "B001" in lines and not any("services in turn" in line for line in lines)
        assert max(columns(line) for line in lines) <= PAPER_COLUMNS[profile]
    finally:
        agent.close()
