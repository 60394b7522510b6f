"""What the paper shows, read back from ESC/POS bytes.

Tests and the demo use this to check a ticket as a citizen reads it: lines of
text (GB18030/GBK in Chinese mode) with their size, alignment and bold, QR
codes with their data, raster images (`GS v 0`) and cuts.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from PIL import Image

from hallq.devices.escpos.commands import Command, split_all
from hallq.devices.escpos.text import DEFAULT_ENCODING

_ALIGN = {0: "left", 1: "center", 2: "right", 48: "left", 49: "center", 50: "right"}
_QR_ERROR = {48: "L", 49: "M", 50: "Q", 51: "H"}


@dataclass(frozen=True, slots=True)
class Span:
    text: str
    width: int
    height: int
    bold: bool


@dataclass(frozen=True, slots=True)
class Line:
    """One printed line; spans differ in size or weight."""
    spans: tuple[Span, ...]
    align: str

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.spans)

    @property
    def width(self) -> int:
        return max((s.width for s in self.spans), default=1)

    @property
    def height(self) -> int:
        return max((s.height for s in self.spans), default=1)

    @property
    def bold(self) -> bool:
        return any(s.bold for s in self.spans if s.text.strip())


@dataclass(frozen=True, slots=True)
class QR:
    data: str
    module: int
    error: str
    align: str


@dataclass(frozen=True, slots=True)
class Raster:
    image: Image.Image  # mode "1", black where the printer burns a dot
    align: str


@dataclass(frozen=True, slots=True)
class Feed:
    lines: int


@dataclass(frozen=True, slots=True)
class Cut:
    partial: bool


Element = Line | QR | Raster | Feed | Cut


@dataclass
class Printout:
    elements: list[Element] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # commands the decoder does not know

    @property
    def lines(self) -> list[Line]:
        return [e for e in self.elements if isinstance(e, Line)]

    @property
    def texts(self) -> list[str]:
        return [line.text for line in self.lines]

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    @property
    def qr_codes(self) -> list[QR]:
        return [e for e in self.elements if isinstance(e, QR)]

    @property
    def images(self) -> list[Raster]:
        return [e for e in self.elements if isinstance(e, Raster)]

    @property
    def cuts(self) -> list[Cut]:
        return [e for e in self.elements if isinstance(e, Cut)]

    def tickets(self) -> list[Printout]:
        """One printout per cut-off piece of paper (a tail without a cut included)."""
        pieces, current = [], Printout()
        for e in self.elements:
            current.elements.append(e)
            if isinstance(e, Cut):
                pieces.append(current)
                current = Printout()
        if current.elements:
            pieces.append(current)
        return pieces


class _Decoder:
    def __init__(self, encoding: str):
        self.encoding = encoding
        self.out = Printout()
        self.reset()
        self.pending: list[tuple[bytes, int, int, bool, bool]] = []  # text bytes with their style
        self.line_align = "left"
        self.qr_data = b""

    def reset(self) -> None:
        self.align = "left"
        self.bold = False
        self.width = self.height = 1
        self.chinese = False
        self.qr_module = 3
        self.qr_error = "L"

    def text(self, data: bytes) -> None:
        if not self.pending:
            self.line_align = self.align  # ESC a counts at the start of a line
        self.pending.append((data, self.width, self.height, self.bold, self.chinese))

    def end_line(self) -> None:
        spans: list[Span] = []
        for data, width, height, bold, chinese in self.pending:
            text = data.decode(self.encoding if chinese else "cp437", errors="replace")
            if spans and (spans[-1].width, spans[-1].height, spans[-1].bold) == (width, height, bold):
                spans[-1] = Span(spans[-1].text + text, width, height, bold)
            else:
                spans.append(Span(text, width, height, bold))
        align = self.line_align if self.pending else self.align
        self.out.elements.append(Line(tuple(spans), align))
        self.pending = []

    def flush(self) -> None:
        if self.pending:
            self.end_line()

    def command(self, c: Command) -> None:
        name, p = c.name, c.params
        if name == "TEXT":
            self.text(p)
        elif name == "LF":
            self.end_line()
        elif name in ("CR", "DLE EOT", "DLE ENQ", "DLE DC4", "ESC 2", "ESC 3", "ESC t", "ESC R", "GS r"):
            pass  # no mark on paper
        elif name == "ESC @":
            self.flush()
            self.reset()
        elif name == "FS &":
            self.chinese = True
        elif name == "FS .":
            self.chinese = False
        elif name == "ESC a":
            self.align = _ALIGN.get(p[0], "left")
        elif name == "ESC E":
            self.bold = bool(p[0] & 1)
        elif name == "GS !":
            self.width, self.height = (p[0] >> 4) + 1, (p[0] & 0x0F) + 1
        elif name == "ESC !":
            self.bold = bool(p[0] & 0x08)
            self.width, self.height = (2 if p[0] & 0x20 else 1), (2 if p[0] & 0x10 else 1)
        elif name == "ESC d":
            self.flush()
            self.out.elements.append(Feed(p[0]))
        elif name == "GS V":
            self.flush()
            self.out.elements.append(Cut(partial=p[0] in (1, 49, 66)))
        elif name == "GS ( k":
            self.qr(p)
        elif name == "GS v 0":
            self.raster(p)
        else:
            self.out.unknown.append(name)

    def qr(self, p: bytes) -> None:
        cn, fn, body = p[2], p[3], p[4:]
        if cn != 49:
            self.out.unknown.append(f"GS ( k cn={cn}")
        elif fn == 67:
            self.qr_module = body[0]
        elif fn == 69:
            self.qr_error = _QR_ERROR.get(body[0], "?")
        elif fn == 80:
            self.qr_data = body[1:]
        elif fn == 81:
            self.flush()
            self.out.elements.append(QR(self.qr_data.decode("utf-8", errors="replace"), self.qr_module,
                                        self.qr_error, self.align))

    def raster(self, p: bytes) -> None:
        mode = p[0] & 0x03
        row_bytes, rows = int.from_bytes(p[1:3], "little"), int.from_bytes(p[3:5], "little")
        data = p[5:5 + row_bytes * rows]
        # ESC/POS: 1 = burn a dot (black); PIL mode "1": 1 = white.
        image = Image.frombytes("1", (row_bytes * 8, rows), bytes(b ^ 0xFF for b in data))
        scale_x, scale_y = (2 if mode & 1 else 1), (2 if mode & 2 else 1)
        if (scale_x, scale_y) != (1, 1):
            image = image.resize((image.width * scale_x, image.height * scale_y), Image.NEAREST)
        self.flush()
        self.out.elements.append(Raster(image, self.align))


def decode(data: bytes, encoding: str = DEFAULT_ENCODING) -> Printout:
    decoder = _Decoder(encoding)
    for command in split_all(data):
        decoder.command(command)
    decoder.flush()
    return decoder.out
