"""Ticket blocks to ESC/POS bytes.

Our own encoder rather than python-escpos's `text()`, which switches
single-byte code pages and garbles Chinese mixed with punctuation: Chinese
goes out as raw GB18030 (or GBK) bytes in the printer's Chinese mode (FS &).
Rendering is string joins and `str.encode`, cheap enough for the print path.
"""
from __future__ import annotations

from collections.abc import Iterable

import qrcode

from hallq.devices.escpos.text import DEFAULT_ENCODING, ENCODINGS, clean
from hallq.devices.escpos.ticket_layout import Block, Cut, Feed, QRCode, Rule, TextLine

ESC, FS, GS = b"\x1b", b"\x1c", b"\x1d"
INIT = ESC + b"@"
CHINESE_ON = FS + b"&"
LINE_SPACING_DEFAULT = ESC + b"2"
ALIGN = {"left": 0, "center": 1, "right": 2}
TEAR_FEED_LINES = 4  # a printer without a cutter: feed the last line past the tear bar
QR_ERROR_M = 49  # GS ( k fn 69: 48 L, 49 M, 50 Q, 51 H


def size_byte(width: int, height: int) -> int:
    """GS ! n: width multiplier in the high nibble, height in the low one."""
    if not (1 <= width <= 8 and 1 <= height <= 8):
        raise ValueError(f"character size {width}x{height} is outside 1..8")
    return (width - 1) << 4 | (height - 1)


def _gs_k(fn: int, payload: bytes) -> bytes:
    """One GS ( k function of the QR symbol (cn = 49)."""
    length = len(payload) + 2
    return GS + b"(k" + bytes((length & 0xFF, length >> 8, 49, fn)) + payload


def qr_code(data: str, module: int) -> bytes:
    """Model 2, module size, error correction M, store, print."""
    encoded = data.encode("utf-8")
    if not 1 <= module <= 16:
        raise ValueError("QR module size must be 1..16 dots")
    if len(encoded) > 7089:
        raise ValueError("QR data is too long")
    return (_gs_k(65, b"\x32\x00") + _gs_k(67, bytes((module,))) + _gs_k(69, bytes((QR_ERROR_M,)))
            + _gs_k(80, b"\x30" + encoded) + _gs_k(81, b"\x30"))


def qr_raster(data: str, module: int) -> bytes:
    """The same QR symbol (error correction M) as a raster image, GS v 0, for printers
    without GS ( k (POS-5890, ZJ-5870, NT-5890K). GS v 0 m xL xH yL yH: m 0 = normal
    density, x in bytes per row, y in dots; a set bit is a black dot, MSB leftmost."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(data.encode("utf-8"))
    code.make(fit=True)
    matrix = code.get_matrix()
    width = len(matrix[0]) * module
    row_bytes = (width + 7) // 8
    rows = bytearray()
    for cells in matrix:
        bits = 0
        for black in cells:
            for _ in range(module):
                bits = bits << 1 | black
        line = (bits << (row_bytes * 8 - width)).to_bytes(row_bytes, "big")
        rows += line * module
    height = len(matrix) * module
    return GS + b"v0\x00" + bytes((row_bytes & 0xFF, row_bytes >> 8, height & 0xFF, height >> 8)) + bytes(rows)


def render(blocks: Iterable[Block], *, encoding: str = DEFAULT_ENCODING, native_qr: bool = True,
           cutter: bool = True) -> bytes:
    """The whole job: reset, Chinese mode, then the blocks. `native_qr` False sends QR
    codes as rasters; `cutter` False feeds to the tear bar instead of cutting."""
    if encoding not in ENCODINGS:
        raise ValueError(f"printer encoding must be one of {ENCODINGS}")
    out = [INIT, CHINESE_ON, LINE_SPACING_DEFAULT]
    align, bold, size = 0, False, 0

    def set_align(value: int) -> None:
        nonlocal align
        if value != align:
            out.append(ESC + b"a" + bytes((value,)))
            align = value

    def set_style(want_bold: bool, want_size: int) -> None:
        nonlocal bold, size
        if want_bold != bold:
            out.append(ESC + b"E" + (b"\x01" if want_bold else b"\x00"))
            bold = want_bold
        if want_size != size:
            out.append(GS + b"!" + bytes((want_size,)))
            size = want_size

    for block in blocks:
        if isinstance(block, TextLine):
            set_align(ALIGN[block.align])
            set_style(block.bold, size_byte(block.width, block.height))
            out.append(clean(block.text).encode(encoding, errors="replace") + b"\n")
        elif isinstance(block, Rule):
            set_align(0)
            set_style(False, 0)
            out.append(b"-" * block.columns + b"\n")
        elif isinstance(block, QRCode):
            set_align(1)
            out.append((qr_code(block.data, block.module) if native_qr
                        else qr_raster(block.data, block.module)) + b"\n")
        elif isinstance(block, Feed):
            out.append(ESC + b"d" + bytes((min(max(block.lines, 0), 255),)))
        elif isinstance(block, Cut):
            if cutter:
                # GS V 65/66 0: feed to the cutter, then cut, so the last line is not cut through.
                out.append(GS + b"V" + (b"\x42\x00" if block.partial else b"\x41\x00"))
            else:
                out.append(ESC + b"d" + bytes((TEAR_FEED_LINES,)))  # past the tear bar
        else:
            raise TypeError(f"not a ticket block: {block!r}")
    # No trailing reset: the next job starts with ESC @, and bytes after the cut
    # would belong to no ticket.
    return b"".join(out)
