"""A decoded printout drawn as the paper would look (tests and the demo only).

Geometry follows the printer: a 12×24-dot cell for single-byte characters, a
24×24 cell for Chinese, multiplied by the GS ! size; QR codes are drawn as
real symbols so a phone (or zxing-cpp) can read the picture.
"""
from __future__ import annotations

import io
import shutil
import subprocess
from functools import lru_cache

import qrcode
from PIL import Image, ImageDraw, ImageFont

from hallq.devices.escpos.decode import QR, Cut, Feed, Line, Printout, Raster, decode
from hallq.devices.escpos.text import DEFAULT_ENCODING, char_columns

CELL = 12          # dots of a half-width cell
ROW = 24           # dots of a character's height
LINE_GAP = 6       # ESC 2: 30-dot line spacing for a 24-dot font
MARGIN = 16
_FAMILY = "Noto Sans Mono CJK SC"  # half-width Latin is exactly half a Chinese cell


@lru_cache(maxsize=2)
def _font_file(bold: bool) -> tuple[str, int] | None:
    """The CJK font fontconfig finds, or None (then Pillow's own font, without Chinese)."""
    if not shutil.which("fc-match"):
        return None
    pattern = _FAMILY + (":bold" if bold else "")
    try:
        found = subprocess.run(["fc-match", "-f", "%{file}\n%{index}\n%{family}", pattern],
                               capture_output=True, text=True, timeout=10, check=True).stdout.split("\n")
    except (OSError, subprocess.SubprocessError):
        return None
    if len(found) < 3 or "CJK" not in found[2]:
        return None
    return found[0], int(found[1] or 0)


@lru_cache(maxsize=32)
def _font(size: int, bold: bool) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    found = _font_file(bold)
    if found:
        return ImageFont.truetype(found[0], size, index=found[1])
    return ImageFont.load_default(size)


def _draw_line(line: Line, dots: int, encoding: str) -> Image.Image:
    height = ROW * line.height
    pieces = []
    for span in line.spans:
        cells = [char_columns(c, encoding) for c in span.text]
        # Draw at the span's height, then stretch sideways to its width multiplier.
        unit = CELL * span.height
        piece = Image.new("L", (max(1, sum(cells) * unit), ROW * span.height), 255)
        draw = ImageDraw.Draw(piece)
        font = _font(ROW * span.height, span.bold)
        x = 0
        for char, cell in zip(span.text, cells):
            if char != " ":
                draw.text((x + cell * unit / 2, ROW * span.height), char, font=font, fill=0, anchor="md")
            x += cell * unit
        if span.width != span.height:
            piece = piece.resize((max(1, sum(cells) * CELL * span.width), piece.height), Image.LANCZOS)
        pieces.append(piece)
    total = sum(p.width for p in pieces)
    image = Image.new("L", (dots, height + LINE_GAP * line.height), 255)
    x = {"left": 0, "center": (dots - total) // 2, "right": dots - total}.get(line.align, 0)
    for piece in pieces:
        image.paste(piece, (max(0, x), height - piece.height))
        x += piece.width
    return image


def _draw_qr(code: QR, dots: int) -> Image.Image:
    error = {"L": qrcode.constants.ERROR_CORRECT_L, "M": qrcode.constants.ERROR_CORRECT_M,
             "Q": qrcode.constants.ERROR_CORRECT_Q, "H": qrcode.constants.ERROR_CORRECT_H}.get(code.error)
    symbol = qrcode.QRCode(error_correction=error or qrcode.constants.ERROR_CORRECT_M, border=0)
    symbol.add_data(code.data.encode("utf-8"))
    symbol.make(fit=True)
    matrix = symbol.get_matrix()
    size = len(matrix)
    small = Image.new("L", (size, size), 255)
    small.putdata([0 if dark else 255 for row in matrix for dark in row])
    image = small.resize((size * code.module, size * code.module), Image.NEAREST)
    row = Image.new("L", (dots, image.height + 2 * ROW), 255)
    x = {"left": 0, "center": (dots - image.width) // 2, "right": dots - image.width}.get(code.align, 0)
    row.paste(image, (max(0, x), ROW))
    return row


def _draw_raster(raster: Raster, dots: int) -> Image.Image:
    image = raster.image.convert("L")
    row = Image.new("L", (dots, image.height), 255)
    x = {"left": 0, "center": (dots - image.width) // 2, "right": dots - image.width}.get(raster.align, 0)
    row.paste(image, (max(0, x), 0))
    return row


def _draw_cut(dots: int) -> Image.Image:
    row = Image.new("L", (dots + 2 * MARGIN, ROW), 255)
    draw = ImageDraw.Draw(row)
    for x in range(0, row.width, 12):
        draw.line((x, ROW // 2, x + 6, ROW // 2), fill=128, width=2)
    return row


def paper_image(printout: Printout, dots: int = 384, encoding: str = DEFAULT_ENCODING) -> Image.Image:
    """The whole printout as one strip of paper, cuts drawn as dashed lines."""
    rows: list[Image.Image] = []
    for element in printout.elements:
        if isinstance(element, Line):
            rows.append(_draw_line(element, dots, encoding))
        elif isinstance(element, QR):
            rows.append(_draw_qr(element, dots))
        elif isinstance(element, Raster):
            rows.append(_draw_raster(element, dots))
        elif isinstance(element, Feed):
            rows.append(Image.new("L", (dots, (ROW + LINE_GAP) * element.lines), 255))
        elif isinstance(element, Cut):
            rows.append(_draw_cut(dots))
    height = sum(r.height for r in rows) + 2 * MARGIN
    paper = Image.new("L", (dots + 2 * MARGIN, height), 255)
    y = MARGIN
    for r in rows:
        paper.paste(r, (0 if r.width > dots else MARGIN, y))
        y += r.height
    return paper


def printout_png(data: bytes, dots: int = 384, encoding: str = DEFAULT_ENCODING) -> bytes:
    """ESC/POS bytes as a PNG of the paper (the demo shows printed tickets with it)."""
    buffer = io.BytesIO()
    paper_image(decode(data, encoding), dots, encoding).save(buffer, format="PNG")
    return buffer.getvalue()
