import pytest

from hallq.wording import (
    DEFAULT_TEMPLATES,
    announcement_text,
    check_template,
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
    for template in DEFAULT_TEMPLATES.values():
        check_template(template)
