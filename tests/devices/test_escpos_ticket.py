"""The printed ticket, read back the way a citizen reads it: bytes → decoded
paper → picture → QR decoded from the picture."""
from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import zxingcpp

from hallq.devices.escpos.decode import decode
from hallq.devices.escpos.picture import paper_image
from hallq.devices.escpos.render import render, size_byte
from hallq.devices.escpos.text import columns, wrap
from hallq.devices.escpos.ticket_layout import PAPER_58, PAPER_80, TextLine, paper_for, status_url, ticket_blocks

DEMO = tomllib.loads((Path(__file__).parents[2] / "hallq/data/demo_hall.toml").read_text("utf-8"))
HALL = DEMO["hall"]["name"]
ITEMS = {item["code"]: item for item in DEMO["items"]}
DEPARTMENTS = {d["code"]: d["name"] for d in DEMO["departments"]}
BASE_URL = "https://hall.example.gov.cn"


def api_ticket(code: str = "GA01", **changes) -> dict:
    """A ticket shaped as the API returns it (hallq.queue.views.ticket)."""
    item = ITEMS[code]
    ticket = {
        "id": 7, "number": "A012", "service": code, "service_name": item["name"],
        "department": DEPARTMENTS[item["department"]], "priority": "normal", "priority_reason": None,
        "status": "waiting", "ahead": 12, "estimated_wait_s": 1490, "token": "q5W-vd3GmPZr1x0bYt7Ks2Lj",
        "issued_at": "2024-05-06T02:01:30Z", "day": "2024-05-06", "windows": [3, 5], "window": None,
        "outcome": None, "due_date": None, "id_number": "1101**********1234", "phone": "138****5678",
    }
    ticket.update(changes)
    return ticket


def printed(ticket: dict, *, paper=PAPER_58, lang="zh", encoding="gb18030", **kwargs):
    blocks = ticket_blocks(ticket, hall_name=HALL, qr_url=status_url(BASE_URL + "/", ticket["token"]),
                           guide=ITEMS[ticket["service"]]["guide"], paper=paper, lang=lang, encoding=encoding,
                           **kwargs)
    data = render(blocks, encoding=encoding)
    return blocks, data, decode(data, encoding)


def line_with(printout, fragment: str):
    matches = [line for line in printout.lines if fragment in line.text]
    assert matches, f"{fragment!r} not on the ticket:\n{printout.text}"
    return matches[0]


def read_qr(image) -> list[str]:
    return [code.text for code in zxingcpp.read_barcodes(image)]


@pytest.mark.parametrize("paper", [PAPER_58, PAPER_80], ids=["58mm", "80mm"])
@pytest.mark.parametrize("encoding", ["gb18030", "gbk"])
def test_chinese_ticket_reads_right(paper, encoding, tmp_path):
    ticket = api_ticket()
    _, data, paper_out = printed(ticket, paper=paper, encoding=encoding)

    assert data.startswith(b"\x1b@\x1c&"), "reset, then Chinese mode"
    assert not paper_out.unknown
    assert line_with(paper_out, HALL).align == "center"
    number = line_with(paper_out, "A012")
    assert number.text.strip() == "A012"
    assert (number.width, number.height) == (8, 8), "the number at the largest size GS ! offers"
    assert number.align == "center" and number.bold
    assert line_with(paper_out, "居民身份证申领（首次）").bold
    assert line_with(paper_out, "县公安局")
    windows = line_with(paper_out, "号窗口")
    assert windows.text == "请到3、5号窗口办理" and windows.height == 2
    assert line_with(paper_out, "您前面还有 12 人")
    assert line_with(paper_out, "预计等候约 25 分钟"), "1490 s is 25 minutes, rounded up"
    assert line_with(paper_out, "取号时间：2024-05-06 10:01"), "issued 02:01 UTC is 10:01 in Shanghai"
    assert line_with(paper_out, "一次性告知")
    text = paper_out.text.replace("\n", "").replace(" ", "")
    for material in ITEMS["GA01"]["guide"]["materials"]:
        assert material in text
    assert line_with(paper_out, "承诺时限：20个工作日")
    assert line_with(paper_out, "法定时限：60个工作日")
    assert line_with(paper_out, "收费：工本费20元")
    assert [qr.data for qr in paper_out.qr_codes] == [f"{BASE_URL}/t/{ticket['token']}"]
    assert paper_out.qr_codes[0].error == "M"
    assert len(paper_out.cuts) == 1 and isinstance(paper_out.elements[-1], type(paper_out.cuts[0]))
    # Nothing personal on paper.
    assert "1234" not in paper_out.text and "5678" not in paper_out.text and "138" not in paper_out.text

    for line in paper_out.lines:
        assert columns(line.text, encoding) * line.width <= paper.columns, f"{line.text!r} is wider than the paper"

    image = paper_image(paper_out, paper.dots, encoding)
    assert image.width == paper.dots + 32
    assert read_qr(image) == [f"{BASE_URL}/t/{ticket['token']}"]
    image.save(tmp_path / f"ticket-{paper.mm}mm-{encoding}.png")


@pytest.mark.parametrize("paper", [PAPER_58, PAPER_80], ids=["58mm", "80mm"])
def test_english_ticket_reads_right(paper):
    ticket = api_ticket(ahead=1, estimated_wait_s=300)
    _, _, paper_out = printed(ticket, paper=paper, lang="en")
    assert line_with(paper_out, "Your number")
    assert line_with(paper_out, "Please go to windows 3, 5").height == 2
    assert line_with(paper_out, "1 person ahead of you")
    assert line_with(paper_out, "about 5 min")
    assert line_with(paper_out, "Issued: 2024-05-06 10:01")
    assert line_with(paper_out, "Please bring (one-time notice):")
    assert line_with(paper_out, "Promised: within 20 working days")
    assert line_with(paper_out, "A012").height == 8
    for line in paper_out.lines:
        assert columns(line.text) * line.width <= paper.columns
    assert read_qr(paper_image(paper_out, paper.dots)) == [f"{BASE_URL}/t/{ticket['token']}"]


@pytest.mark.parametrize(("priority", "mark"), [("green", "【绿色通道 优先办理】"), ("appointment", "【预约优先】")])
def test_priority_tickets_are_marked(priority, mark):
    _, _, paper_out = printed(api_ticket(priority=priority, priority_reason="70岁以上老人"))
    line = line_with(paper_out, mark)
    assert line.bold and line.height == 2
    assert "70岁" not in paper_out.text, "the green-channel reason is nobody else's business"


def test_normal_ticket_has_no_priority_mark():
    _, _, paper_out = printed(api_ticket())
    assert "【" not in paper_out.text


def test_immediate_item_and_nobody_ahead():
    code = next(c for c, item in ITEMS.items() if item["guide"].get("promised_days") == 0)
    _, _, paper_out = printed(api_ticket(code, ahead=0, estimated_wait_s=0, windows=[1]))
    assert line_with(paper_out, "即办件，当场办结")
    assert line_with(paper_out, "您前面没有人")
    assert "预计等候" not in paper_out.text
    assert line_with(paper_out, "请到1号窗口办理")


def test_hall_zone_decides_the_printed_time():
    _, _, paper_out = printed(api_ticket(issued_at="2024-05-06T23:30:00Z"), timezone="Asia/Urumqi")
    assert line_with(paper_out, "取号时间：2024-05-07 05:30")


def test_long_numbers_shrink_to_fit_the_width():
    for paper in (PAPER_58, PAPER_80):
        blocks = ticket_blocks(api_ticket(number="ZA12345"), hall_name=HALL, qr_url="https://h/t/x", paper=paper)
        number = next(b for b in blocks if isinstance(b, TextLine) and b.text == "ZA12345")
        assert number.height == 8
        assert number.width * 7 <= paper.columns < (number.width + 1) * 7


def test_printer_with_smaller_largest_size():
    blocks = ticket_blocks(api_ticket(), hall_name=HALL, qr_url="https://h/t/x", max_size=4)
    number = next(b for b in blocks if isinstance(b, TextLine) and b.text == "A012")
    assert (number.width, number.height) == (4, 4)


def test_control_characters_never_reach_the_printer():
    _, data, paper_out = printed(api_ticket(service_name="窗口\x1b@\x1dV\x00测试\n事项"))
    assert data.count(b"\x1b@") == 1, "the only ESC @ is the reset at the start"
    assert data.count(b"\x1dV") == 1, "the only cut is the ticket's own"
    assert line_with(paper_out, "窗口@V测试 事项")


def test_text_outside_gbk_is_replaced_not_garbled():
    # 𠀀 (U+20000) exists in GB18030 but not in GBK.
    _, _, gbk = printed(api_ticket(service_name="𠀀事项"), encoding="gbk")
    _, _, gb18030 = printed(api_ticket(service_name="𠀀事项"), encoding="gb18030")
    assert line_with(gb18030, "𠀀事项")
    assert line_with(gbk, "?事项")


def test_wrap_counts_chinese_as_two_columns():
    text = "未满十六周岁的，由监护人陪同并出示监护人居民身份证，and some English words here."
    for width in range(6, 50):
        lines = wrap(text, width)
        assert all(columns(line) <= width for line in lines)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert wrap("居民户口簿原件", 8) == ["居民户口", "簿原件"]
    assert columns("·—（") == 6 and columns("A1") == 2


def test_wrap_keeps_punctuation_off_the_line_start_and_words_whole():
    assert wrap("一二三四，五六", 8) == ["一二三", "四，五六"]
    assert wrap("please bring everything", 10) == ["please", "bring", "everything"]
    assert wrap("1. 居民户口簿原件原件", 10, indent=3) == ["1. 居民户", "   口簿原", "   件原件"]


def test_size_byte_and_paper():
    assert size_byte(8, 8) == 0x77 and size_byte(1, 1) == 0 and size_byte(2, 1) == 0x10
    with pytest.raises(ValueError):
        size_byte(9, 1)
    assert paper_for(80) is PAPER_80 and PAPER_58.dots == 384 and PAPER_80.columns == 48
    with pytest.raises(ValueError):
        paper_for(76)


@pytest.mark.parametrize("paper", [PAPER_58, PAPER_80], ids=["58mm", "80mm"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_ticket_for_several_items_names_them_in_order(paper, lang):
    later = [{"code": c, "name": ITEMS[c]["name"]} for c in ("GA02", "GA03")]
    _, _, paper_out = printed(api_ticket(next_services=later), paper=paper, lang=lang)
    assert not paper_out.unknown
    texts = paper_out.texts
    head = "一票到底：本号依次办理3个事项" if lang == "zh" else "This number, 3 services in turn:"
    at = texts.index(head)
    names = [ITEMS[c]["name"] for c in ("GA01", "GA02", "GA03")]
    listed = " ".join(texts[at + 1:at + 8])  # a long name wraps onto an indented line
    spots = [listed.index(f"{n}. {names[n - 1][:8]}") for n in (1, 2, 3)]
    assert spots == sorted(spots)
    assert line_with(paper_out, f"1. {names[0][:8]}").bold
    assert line_with(paper_out, "不用重新取号" if lang == "zh" else "No new number between them")


def test_a_ticket_for_one_item_has_no_visit_list():
    _, _, paper_out = printed(api_ticket(next_services=[]))
    assert not any("一票到底" in t for t in paper_out.texts)
