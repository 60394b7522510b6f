"""Printer profiles: what a model can do, so a ticket comes out right on it.

A printer in agent.toml names its model (`profile = "POS-5890"`); the profile gives
the paper width in dots (the layout follows it), the text encoding its font covers,
whether it draws QR codes itself, whether it has a cutter, whether it answers DLE EOT
status, whether it reports a job's completion, and how fast it prints (to wait for a
ticket to come out where it reports no completion).

Where python-escpos has a capability profile (escpos-printer-db, shipped with it as
`escpos.capabilities`) the width, QR and cutter come from it: TM-T88IV/TM-T88V 512
dots, QR, cutter; POS-5890, ZJ-5870, NT-5890K 384 dots, no QR (`qrCode: false`), no
cutter. What escpos-printer-db does not say (Chinese encoding, status, completion,
speed) comes from our own entries below, with the source of each in docs/printers.md.
Models escpos-printer-db lacks are our own entries altogether (`generic-80`, the
common Chinese 80 mm printers at 576 dots; `generic-58`, 384 dots).

Encodings: "gb18030" (every Chinese character, 𠮷 included), "gbk" (王喆, 鄠邑区;
not the four-byte GB18030 ones) or "gb2312" (only the 6763 common characters: 喆, 鄠
and 埇 are missing); text is sent in the profile's encoding and a character it lacks
prints as "?", never as garbage bytes.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from escpos.capabilities import get_profile

from hallq.devices.escpos.ticket_layout import Paper

CELL_DOTS = 12                 # a half-width character of the 12×24 font
ENCODINGS = ("gb18030", "gbk", "gb2312")


@dataclass(frozen=True, slots=True)
class PrinterProfile:
    name: str
    dots: int                  # printable width
    encoding: str              # what the font covers; see the module notes
    native_qr: bool            # GS ( k; False: the QR goes as a raster image (GS v 0)
    cutter: bool               # GS V cuts; False: feed to the tear bar
    status: bool               # answers DLE EOT; False: prints blind and the hall is warned
    completion: bool           # Epson's process ID response (GS ( H fn 48) after printing
    speed_mm_s: float          # printing speed, for waiting out a ticket without completion

    @property
    def paper(self) -> Paper:
        mm = 80 if self.dots > 400 else 58
        return Paper(mm, self.dots, self.dots // CELL_DOTS)

    def with_overrides(self, **changes: Any) -> PrinterProfile:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


# Our own knowledge of each model; `escpos` names the python-escpos profile whose width,
# QR and cutter apply. Speeds are the makers' data sheets' (TM-T88V 300 mm/s; the 58 mm
# Zjiang/NETUM models 50-90 mm/s, taken at the low end so the wait is long enough).
_OWN: dict[str, dict[str, Any]] = {
    "TM-T88V": {"escpos": "TM-T88V", "encoding": "gb18030", "status": True, "completion": True,
                "speed_mm_s": 300.0},
    "TM-T88IV": {"escpos": "TM-T88IV", "encoding": "gb18030", "status": True, "completion": False,
                 "speed_mm_s": 200.0},
    "POS-5890": {"escpos": "POS-5890", "encoding": "gb2312", "status": True, "completion": False,
                 "speed_mm_s": 50.0},
    "ZJ-5870": {"escpos": "ZJ-5870", "encoding": "gb2312", "status": True, "completion": False,
                "speed_mm_s": 50.0},
    "NT-5890K": {"escpos": "NT-5890K", "encoding": "gb2312", "status": True, "completion": False,
                 "speed_mm_s": 50.0},
    "generic-80": {"dots": 576, "native_qr": True, "cutter": True, "encoding": "gb18030", "status": True,
                   "completion": False, "speed_mm_s": 150.0},
    # A 58 mm printer of unknown make: GS V is sent (it feeds to the blade, and a printer
    # without one ignores it), which is what hallq did before profiles.
    "generic-58": {"dots": 384, "native_qr": True, "cutter": True, "encoding": "gb18030", "status": True,
                   "completion": False, "speed_mm_s": 60.0},
}
PROFILES = tuple(_OWN)
DEFAULT_FOR_PAPER = {80: "generic-80", 58: "generic-58"}


@lru_cache(maxsize=None)
def profile(name: str) -> PrinterProfile:
    try:
        own = dict(_OWN[name])
    except KeyError:
        raise ValueError(f"unknown printer profile {name!r}; known: {', '.join(PROFILES)}") from None
    escpos_name = own.pop("escpos", None)
    if escpos_name is not None:
        data = get_profile(escpos_name).profile_data
        features = data["features"]
        own.setdefault("dots", int(data["media"]["width"]["pixels"]))
        own.setdefault("native_qr", bool(features.get("qrCode")))
        own.setdefault("cutter", bool(features.get("paperFullCut") or features.get("paperPartCut")))
    return PrinterProfile(name=name, **own)
