"""Window screen wording and fitting (hallq.devices.led.text)."""
from __future__ import annotations

import pytest

from hallq.devices.led import codec_for
from hallq.devices.led.text import (ScreenLayout, call_sequence, calling_lines, clip, idle_lines,
                                    pause_reason_text, paused_lines, serving_lines, text_width,
                                    window_lines, wrap)

ONE_ROW = ScreenLayout(columns=16, rows=1)       # 8 Chinese characters
TWO_ROWS = ScreenLayout(columns=16, rows=2)
SMALL = ScreenLayout(columns=8, rows=2)          # 4 Chinese characters a row


def window(**overrides) -> dict:
    """A window as GET /api/v1/windows gives it."""
    data = {"number": 3, "name": "综合受理", "kind": "comprehensive", "status": "open", "pause_reason": None,
            "serving": None, "staff": {"name": "张三", "number": "007", "post": "A"}, "services": ["GA01"]}
    data.update(overrides)
    return data


def fits(lines: list[str], layout: ScreenLayout) -> bool:
    return len(lines) <= layout.rows and all(text_width(line) <= layout.columns for line in lines)


def test_widths_count_chinese_as_two_columns():
    assert text_width("请A001到3号窗口") == 15
    assert text_width("ＡＢ") == 4  # full-width letters too
    assert clip("请A001到3号窗口", 5) == "请A00"
    assert clip("请A001", 1) == ""
    assert wrap("暂停服务 系统升级中", 8) == ["暂停服务", "系统升级", "中"]


def test_calling_text():
    assert calling_lines("A001", 3, ONE_ROW) == ["请A001到3号窗口"]
    assert calling_lines("A001", 3, SMALL) == ["请A001", "3号窗口"]
    assert calling_lines("A001", 3, ScreenLayout(columns=8, rows=1)) == ["A001→3号"]
    assert calling_lines("A001", 12, ScreenLayout(columns=8, rows=1)) == ["A001→12"]
    assert calling_lines("A001", 3, ScreenLayout(columns=24), "en") == ["A001 to window 3"]


def test_serving_paused_idle_and_closed():
    assert serving_lines("A001", ONE_ROW) == ["A001 正在办理"]
    assert serving_lines("A001", SMALL) == ["A001", "正在办理"]
    assert paused_lines("lunch", TWO_ROWS) == ["暂停服务", "午休"]
    assert paused_lines("meeting", ONE_ROW) == ["暂停服务 开会"]
    assert paused_lines("fault", TWO_ROWS) == ["暂停服务", "系统故障"]
    assert paused_lines("去3楼协调业务", TWO_ROWS) == ["暂停服务", "去3楼协调业务"]
    assert paused_lines(None, TWO_ROWS) == ["暂停服务"]
    assert paused_lines("lunch", ScreenLayout(columns=24), "en") == ["Paused: Lunch break"]
    assert pause_reason_text("午休") == "午休" and pause_reason_text("午休", "en") == "Lunch break"
    assert idle_lines(3, "综合受理", "张三", "007", TWO_ROWS) == ["3号窗口 综合受理", "工作人员 张三"]
    assert idle_lines(3, "综合受理", "张三", "007", ScreenLayout(columns=32, rows=2)) == \
        ["3号窗口 综合受理", "工作人员 张三 工号007"]
    assert idle_lines(3, None, "张三", None, TWO_ROWS) == ["3号窗口", "工作人员 张三"]
    # Closed (nobody signed in) is not paused (the clerk stepped away): the TV says 未开放 too.
    assert window_lines(window(status="closed", staff=None), TWO_ROWS) == ["综合受理", "未开放"]
    assert window_lines(window(status="closed", staff=None, name=None), ONE_ROW) == ["3号窗口 未开放"]
    assert window_lines(window(status="closed", staff=None), ScreenLayout(columns=24, rows=2), "en") == \
        ["Window 3", "Closed"]


@pytest.mark.parametrize("layout", [ONE_ROW, TWO_ROWS, SMALL, ScreenLayout(columns=8, rows=1),
                                    ScreenLayout(columns=12, rows=1)])
def test_every_message_fits_every_screen(layout):
    samples = [
        window_lines(window(), layout, calling="A001"),
        window_lines(window(serving={"id": 1, "number": "A001", "service": "GA01"}), layout),
        window_lines(window(status="paused", pause_reason="一个很长很长的暂停原因说明"), layout),
        window_lines(window(name="不动产登记综合受理窗口"), layout),
        window_lines(window(status="closed", staff=None), layout),
    ]
    for lines in samples:
        assert lines and fits(lines, layout), lines


def test_window_states_from_the_api_dict():
    assert window_lines(window(), TWO_ROWS) == ["3号窗口 综合受理", "工作人员 张三"]
    assert window_lines(window(serving={"id": 9, "number": "A009", "service": "GA01"}), ONE_ROW) == \
        ["A009 正在办理"]
    # A paused window says so even while a ticket is parked there.
    assert window_lines(window(status="paused", pause_reason="lunch",
                               serving={"id": 9, "number": "A009", "service": "GA01"}), TWO_ROWS) == \
        ["暂停服务", "午休"]


def test_a_call_shows_the_calling_text_then_serving():
    steps = call_sequence(window(), "A001", ONE_ROW, calling_seconds=4.0)
    assert steps == [(0.0, ["请A001到3号窗口"]), (4.0, ["A001 正在办理"])]


def test_composed_text_is_carried_by_both_protocols():
    for protocol in ("onbon", "line"):
        codec = codec_for(protocol)
        for lines in (window_lines(window(), TWO_ROWS, calling="A001"),
                      window_lines(window(status="paused", pause_reason="fault"), TWO_ROWS),
                      window_lines(window(), TWO_ROWS)):
            assert codec.take_request(bytearray(codec.show_frame(1, lines))).lines == tuple(lines)
