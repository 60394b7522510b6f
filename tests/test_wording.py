"""The hall's wording of a call (hallq.wording): the voice's sentence, and one phrase
table that the voice, the windows' LED screens and the hall TV all read."""
import json
import re

import pytest
from flask import Flask

from hallq import wording
from hallq.devices.led.text import ScreenLayout, calling_lines, window_lines
from hallq.display.web.pages import bp as display_pages
from hallq.wording import (
    announcement_text,
    check_template,
    default_template,
    spoken_ticket_number,
    spoken_window_number,
)


@pytest.mark.parametrize("number, zh, en", [
    ("A001", "A 零 零 一", "A 0 0 1"),
    ("b120", "B 一 二 零", "B 1 2 0"),
    ("A-007", "A 零 零 七", "A 0 0 7"),
    ("GA10", "G A 一 零", "G A 1 0"),
    ("005", "零 零 五", "0 0 5"),
])
def test_ticket_numbers_are_read_character_by_character(number, zh, en):
    assert spoken_ticket_number(number) == zh
    assert spoken_ticket_number(number, "en") == en


@pytest.mark.parametrize("window, zh", [
    (3, "三"), ("3", "三"), (10, "十"), (12, "十二"), ("20", "二十"), (105, "一百零五"), (110, "一百一十"),
    ("B2", "B二"), ("07", "七"),
])
def test_window_numbers_are_read_as_numbers(window, zh):
    assert spoken_window_number(window) == zh
    assert spoken_window_number(window, "en") == str(window)


def test_default_wording():
    assert announcement_text("A001", 3) == "请A 零 零 一号到三号窗口办理"
    assert announcement_text("A001", 12) == "请A 零 零 一号到十二号窗口办理"
    assert announcement_text("A001", 3, lang="en") == "Number A 0 0 1, please go to window 3"
    assert announcement_text("A001", 3, lang="en-US") == "Number A 0 0 1, please go to window 3"


def test_hall_template_with_either_placeholder_names():
    assert announcement_text("C015", 7, "请{号}号到{窗}号窗口") == "请C 零 一 五号到七号窗口"
    assert announcement_text("C015", 7, "{number}号请到{window}号窗口") == "C 零 一 五号请到七号窗口"
    assert announcement_text("C015", 7, "Ticket {号} to counter {窗}", lang="en") == "Ticket C 0 1 5 to counter 7"
    # An empty template means the default.
    assert announcement_text("C015", 7, "") == "请C 零 一 五号到七号窗口办理"


@pytest.mark.parametrize("template", ["请{票}号到{窗}号窗口", "请{号号到", "请{}号", "请{0}号"])
def test_bad_templates_are_refused_with_the_reason(template):
    with pytest.raises(ValueError, match="announcement template"):
        check_template(template)
    with pytest.raises(ValueError):
        announcement_text("A001", 3, template)


def test_default_templates_are_valid():
    for lang in ("zh", "en"):
        check_template(default_template(lang))


# --- one phrase, every medium ------------------------------------------------------------

ONE_ROW = ScreenLayout(columns=16, rows=1)
TWO_ROWS = ScreenLayout(columns=16, rows=2)


def led_window(**overrides) -> dict:
    """Window 3 as GET /api/v1/windows gives it, as the agent hands it to its LED screen."""
    return {"number": 3, "name": "综合受理", "status": "open", "pause_reason": None, "serving": None,
            "staff": {"name": "张三", "number": "007"}} | overrides


def tv_text() -> dict[str, dict]:
    """The texts the hall TV page (/display) hands its script, both languages."""
    app = Flask("hallq")  # hallq/templates and hallq/static, as the server's app has them
    app.register_blueprint(display_pages)
    html = app.test_client().get("/display").get_data(as_text=True)
    return json.loads(re.search(r'<script id="page-text" type="application/json">(.*?)</script>', html, re.S)[1])


def test_the_three_media_word_a_call_alike():
    tv = tv_text()
    assert announcement_text("A001", 3) == "请A 零 零 一号到三号窗口办理"
    assert calling_lines("A001", 3, ONE_ROW) == ["请A001到3号窗口"]
    assert tv["zh"]["please_go"] == "请到{window}号窗口办理" and tv["zh"]["to_window"] == "{window}号窗口"
    assert tv["zh"]["call_line"] == "请{number}号到{window}号窗口办理" == default_template("zh")
    assert announcement_text("A001", 3, lang="en") == "Number A 0 0 1, please go to window 3"
    assert calling_lines("A001", 3, ScreenLayout(columns=24), "en") == ["A001 to window 3"]
    assert tv["en"]["please_go"] == "please go to window {window}" and tv["en"]["window_n"] == "Window {window}"


def test_one_change_to_the_window_name_reaches_voice_led_and_tv(monkeypatch):
    monkeypatch.setitem(wording.WINDOW_NAME, "zh", "{window}号柜台")
    monkeypatch.setitem(wording.WINDOW_NAME, "en", "counter {window}")
    tv = tv_text()
    # The voice
    assert announcement_text("A001", 3) == "请A 零 零 一号到三号柜台办理"
    assert announcement_text("A001", 3, lang="en") == "Number A 0 0 1, please go to counter 3"
    # The window's LED screen: the call, and the window's own name when idle
    assert calling_lines("A001", 3, ONE_ROW) == ["请A001到3号柜台"]
    assert calling_lines("A001", 3, ScreenLayout(columns=24), "en") == ["A001 to counter 3"]
    assert window_lines(led_window(), TWO_ROWS) == ["3号柜台 综合受理", "工作人员 张三"]
    # The hall TV: under the newest number, in the recent calls, on the window cards
    assert tv["zh"]["please_go"] == "请到{window}号柜台办理"
    assert tv["zh"]["to_window"] == tv["zh"]["window_n"] == "{window}号柜台"
    assert tv["en"]["please_go"] == "please go to counter {window}" and tv["en"]["window_n"] == "Counter {window}"


def test_one_change_to_a_state_or_a_pause_reason_reaches_led_and_tv(monkeypatch):
    monkeypatch.setitem(wording.WINDOW_STATES, "zh", wording.WINDOW_STATES["zh"] | {"paused": "暂停办理"})
    monkeypatch.setitem(wording.PAUSE_REASONS, "lunch", ("用餐", "Meal break"))
    tv = tv_text()
    assert window_lines(led_window(status="paused", pause_reason="lunch"), TWO_ROWS) == ["暂停办理", "用餐"]
    assert window_lines(led_window(status="paused", pause_reason="lunch"), ScreenLayout(columns=32), "en") == \
        ["Paused: Meal break"]
    assert tv["zh"]["paused"] == "暂停办理"
    assert tv["zh"]["pause_reasons"]["lunch"] == "用餐" and tv["en"]["pause_reasons"]["用餐"] == "Meal break"
