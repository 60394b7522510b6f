"""The decoder and the command splitter on hand-made ESC/POS streams."""
from __future__ import annotations

import io
import socket

from PIL import Image

from hallq.devices.escpos.commands import split, split_all
from hallq.devices.escpos.decode import Cut, Feed, decode
from hallq.devices.escpos.picture import paper_image, printout_png
from hallq.devices.escpos.render import qr_code
from hallq.devices.escpos.simulator import PrinterSimulator

ESC, GS, FS = b"\x1b", b"\x1d", b"\x1c"


def raster(image: Image.Image, mode: int = 0) -> bytes:
    """GS v 0 of a black-and-white image (1 = black dot)."""
    bw = image.convert("1")
    row_bytes = (bw.width + 7) // 8
    data = bytearray()
    for y in range(bw.height):
        for xb in range(row_bytes):
            byte = 0
            for bit in range(8):
                x = xb * 8 + bit
                if x < bw.width and bw.getpixel((x, y)) == 0:
                    byte |= 0x80 >> bit
            data.append(byte)
    return GS + b"v0" + bytes((mode, row_bytes & 0xFF, row_bytes >> 8, bw.height & 0xFF, bw.height >> 8)) + data


def test_text_sizes_alignment_bold_and_mixed_spans():
    data = (ESC + b"@" + FS + b"&" + ESC + b"a\x02" + ESC + b"E\x01" + GS + b"!\x11" + "取号".encode("gb18030")
            + GS + b"!\x00" + ESC + b"E\x00" + b"A1\n" + ESC + b"a\x00" + ESC + b"!\x30" + b"big\n")
    paper = decode(data)
    first, second = paper.lines
    assert first.text == "取号A1" and first.align == "right"
    assert [(s.text, s.width, s.height, s.bold) for s in first.spans] == [("取号", 2, 2, True), ("A1", 1, 1, False)]
    assert (first.width, first.height, first.bold) == (2, 2, True)
    assert (second.text, second.width, second.height, second.align) == ("big", 2, 2, "left")


def test_chinese_needs_chinese_mode():
    text = "窗口".encode("gbk")
    assert decode(ESC + b"@" + FS + b"&" + text + b"\n", "gbk").texts == ["窗口"]
    assert decode(ESC + b"@" + text + b"\n").texts != ["窗口"], "without FS & the bytes are a code page's"


def test_qr_feed_cut_and_tickets():
    data = (ESC + b"@" + b"one\n" + ESC + b"a\x01" + qr_code("https://h/t/abc", 5) + ESC + b"d\x03" + GS + b"V\x42\x00"
            + ESC + b"@" + b"two\n" + GS + b"V\x00")
    paper = decode(data)
    assert [(q.data, q.module, q.error, q.align) for q in paper.qr_codes] == [("https://h/t/abc", 5, "M", "center")]
    assert Feed(3) in paper.elements
    assert paper.cuts == [Cut(partial=True), Cut(partial=False)]
    first, second = paper.tickets()
    assert first.texts == ["one"] and second.texts == ["two"]
    picture = Image.open(io.BytesIO(printout_png(data, 576)))
    assert picture.format == "PNG" and picture.width == 576 + 32


def test_raster_image_comes_back_as_a_picture():
    image = Image.new("1", (40, 10), 1)
    for x in range(40):
        image.putpixel((x, 0), 0)       # a black top line
        image.putpixel((x, x % 10), 0)  # and a diagonal
    paper = decode(ESC + b"@" + raster(image) + raster(image, mode=3) + b"\n")
    normal, doubled = paper.images
    assert normal.image.size == (40, 10)
    assert normal.image.mode == "1" and normal.image.tobytes() == image.tobytes()
    assert doubled.image.size == (80, 20)
    drawn = paper_image(paper, 384)
    assert drawn.getpixel((16 + 5, 16)) == 0, "the top line is black on the paper picture"


def test_unknown_and_truncated_commands_are_reported_not_guessed():
    paper = decode(ESC + b"@" + ESC + b"\x01" + b"x\n" + GS + b"v0\x00\x02\x00\x05\x00\xff")
    assert "ESC \x01" in paper.unknown
    assert paper.texts == ["x"]
    assert split_all(GS + b"(k\x05\x00")[-1].name == "TRUNCATED"


def test_split_waits_for_whole_commands():
    stream = ESC + b"a\x01" + qr_code("https://h/t/x", 6) + "号".encode("gb18030") + b"\n"
    for cut in range(1, len(stream)):
        head, used = split(stream[:cut])
        rest, _ = split(stream[used:])
        assert b"".join(c.raw for c in head + rest) == stream
    commands, used = split(stream)
    assert used == len(stream)
    assert [c.name for c in commands][:2] == ["ESC a", "GS ( k"]


def test_status_query_bytes_inside_data_are_not_queries():
    # A QR payload holding DLE EOT 1 is data; a real-time query sits between commands.
    payload = "x\x10\x04\x01y"
    with PrinterSimulator() as sim, socket.create_connection(sim.address) as conn:
        job = ESC + b"@" + qr_code(payload, 4) + GS + b"V\x42\x00"
        for i in range(len(job)):  # one byte at a time: commands split across reads
            conn.sendall(job[i:i + 1])
        conn.sendall(b"\x10\x04\x01")
        conn.settimeout(5)
        assert conn.recv(16) == b"\x12"
        jobs = sim.wait_for_jobs(1)
    assert sim.status_queries == 1
    assert decode(jobs[0].data).qr_codes[0].data == payload


def test_picture_without_a_cjk_font_still_draws(monkeypatch):
    from hallq.devices.escpos import picture

    picture._font.cache_clear()
    monkeypatch.setattr(picture, "_font_file", lambda bold: None)
    try:
        data = ESC + b"@" + FS + b"&" + "取号 A001\n".encode("gb18030") + qr_code("https://h/t/abc", 6)
        image = paper_image(decode(data), 384)
    finally:
        picture._font.cache_clear()
    assert image.width == 384 + 32
    assert image.crop((16, 16, 400, 40)).getextrema()[0] < 128, "the line is drawn, if not in Chinese glyphs"
