"""Onbon (仰邦) BX-5K/BX-6K text controllers: the "send real-time display" dynamic area.

Which Onbon protocol this is. Onbon has two families. The BX-5E/5Q/6E/6Q graphic
controllers take a dynamic area as a *bitmap* (command group 0xA7, 16-byte packet
header; [onbon-5th], [onbon-6th]). The BX-5K/5MK/6K "字库" controllers carry fonts and
take *text* (GB2312 or GBK, as the card's font) in a dynamic area with command 0xA3 0x06, which the controller
renders itself without reprogramming: that is what a window screen needs, so that is
what this module speaks. The framing, escaping and CRC are the same in both families.

Sources (read, not copied):
  [onbon-5th]  Onbon, "5th动态区域用户手册" v1.5 (github.com/onbonlab/BX-V-VI,
               bx.dual.Aux.Data/): frame start/end, escaping, CRC-16 table, ACK/NACK.
  [onbon-6th]  Onbon, "6th动态区域用户手册" v2.0, same repository: same framing.
  [onbon-k]    Onbon BX-K SDK appendix (github.com/onbonlab/BX-K, bx.k.cplus/doc/
               SdkWord/appendix.md): controller type codes, the area header fields of
               a dynamic area (bx_5k_area_header) and their meaning.
  [onbon-kdoc] Onbon, "BX-5K/6K通讯协议用户版本" 1.4 (doc.onbonbx.com/zh/k/potocol):
               names the "发送实时显示信息" command and the 区域数据格式 chapter.
  [deanled]    A vendor's worked example of one 0xA3 0x06 frame, byte by byte
               (deanled.cn, 发送实时显示信息实例): field order and lengths.
  [zxw]        An open-source Python client for a BX-6K (app_tools_zxw, LED通讯): the
               field order after 0xA3 0x06, the ping and clear-screen frames with their
               CRCs, and the 6K names of the three bytes the 5K calls reserved.
  [bxk-demo]   Onbon's C# demo for the K family (github.com/onbonlab/BX-K,
               bx.k.csharp/src/demo/Form1.cs and Area.cs): the RS-485 connection is made
               with display mode 1 (CreateComClient(com, baud, type, 1, screen)) and a baud
               rate list of 9600 and 57600 with 57600 preselected; area text is encoded
               with Encoding.Default (GBK, code page 936, on a Chinese Windows); one text
               per dynamic area, areas numbered from 0 (DynamicAreaLoc).
  [ledzk-dll]  The same SDK's CreateComClient as a published C# wrapper documents it:
               "mode: 显示模式：0普通模式；1动态模式（动态区优先节目显示）".

Frame (PHY0) [onbon-5th §2]:
    A5 A5 A5 A5 A5 A5 A5 A5 | escaped( packet header | data | CRC16 ) | 5A
  Eight 0xA5 start a frame (a receiver takes any run of 0xA5 as the start); one 0x5A
  ends it. Between them every 0xA5 is sent as A6 02, 0xA6 as A6 01, 0x5A as 5B 02 and
  0x5B as 5B 01 [onbon-5th §2.3]; CRC and lengths are computed before escaping.
  CRC16 is over packet header + data, sent low byte first [onbon-5th §2, 附录1]: the
  table in the manual is CRC-16/ARC (polynomial 0x8005 reflected, init 0, no final
  XOR), anycrc's "CRC16-ARC". Test vectors: the ping frames of [zxw] (CRC
  68 F8) and [onbon-5th §5.5.1] (C6 86), and the clear-screen frame of [zxw] (51 F8).

Packet header of the K family, 14 bytes, little-endian [deanled], [zxw]:
    DstAddr 2 (the screen address, 屏号) | SrcAddr 2 (0x8000 = the PC) |
    3 bytes reserved (0) | CheckMode 1 (0 = CRC16) | DisplayMode 1 | 1 byte reserved (0)
    (the 5K calls all six reserved; the 6K names CheckMode and DisplayMode [zxw]) |
    DeviceType 1 (0xFE = any controller [onbon-k]) | ProtocolVersion 1 (0x02) |
    DataLen 2 (bytes of data).
  DisplayMode 0 is "normal": a program stored with LedshowZK keeps playing and the dynamic
  area may never show; 1 is "dynamic mode, the dynamic area before programs" [ledzk-dll],
  what Onbon's RS-485 demo sends [bxk-demo]. hallq sends 1 unless configured otherwise.
  (The graphic controllers use a 16-byte header with ProtocolVer 0xF0 [onbon-5th §4];
  not used here.)

Data of "send real-time display" [deanled], [zxw], [onbon-k]:
    CmdGroup A3 | Cmd 06 | RtnReq 01 (answer me) | ProcessMode 1 (0: keep the area) |
    Reserved 1 | DeleteAreaNum 1 (0) | AreaNum 1 | then per area: AreaDataLen 2 | area data
  area data: AreaType 1 (0) | AreaX 2 | AreaY 2 | AreaWidth 2 | AreaHeight 2 |
    DynamicAreaLoc 1 (area id) | Lines_sizes 1 (line spacing) | RunMode 1 | Timeout 2 |
    3 bytes (5K: reserved; 6K: sound flag, extension length, alignment; all 0 here, so
    both read them alike) | SingleLine 1 (1 single, 2 multi) | NewLine 1 (1 explicit
    line breaks, 2 wrap) | DisplayMode 1 (1 static) | ExitMode 1 | Speed 1 |
    StayTime 1 | DataLen 4 | text (GBK by default, GB2312 for a card with a GB2312 font)

Rows: no source shows the byte a K card takes as a line break inside one area (the
appendix [onbon-k] says only that with NewLine 1 "a line break must be inserted"). What
the demos do show is one text per dynamic area [bxk-demo]. So a screen of N rows gets N
dynamic areas in one frame (AreaNum N), area `area_id + i` covering row i, each a single
line (SingleLine 1); a row with nothing to say is sent as one space so the row's area is
overwritten rather than left showing an older text.

Text: the card draws what its font has. GBK (the demo's encoding) covers names such as
王喆 and 张赟 that GB2312 lacks; a character the configured encoding cannot carry becomes
"?" on its own, never costing the rest of the update.

Ping [zxw]: CmdGroup A2 | Cmd 00 | RtnReq 01 | 2 reserved bytes, answered like any
command. The agent sends it at 57600 and 9600 baud to find the card's rate (both are
the rates the manual [onbon-5th §1.2] and the demo [bxk-demo] offer).

Reply [onbon-5th §5.1.2, §5.3]: the controller answers with a frame of the same shape
whose SrcAddr is its screen address; its data is Reserved 1 | CmdGroup 0xA0 | Cmd 0x00
(ACK) or 0x01 (NACK) | Status 2 (bit 0 = NACK) | Error 2 | DataLen 2. That is the only
documented reply; a K card that leaves out the reserved byte is read as well.

Ambiguities and the choice made:
  * The ProcessMode/Reserved bytes after RtnReq: [deanled] shows 2D 00, [zxw] sends
    00 00 and quotes the 6K doc (0 = do not clear and re-initialise the area). 00 00.
  * Units of AreaX/AreaY/AreaWidth/AreaHeight: [onbon-k] says all four are in bytes
    (8 pixels); [deanled] and [zxw] give X and width in bytes but Y and height in
    pixels, which is the only reading that fits their 128×32 example. We take pixels
    from the caller and send X and width in 8-pixel units, Y and height in pixels.
  * The reply: no K-family source shows one; the simulator answers in the documented
    [onbon-5th] layout, and the driver also accepts CmdGroup/Cmd at data[0:2] followed
    by a one-byte error code.
  * The CRC of the [deanled] worked example does not match its bytes as printed (a
    transcription slip on the page); its field order and lengths are used, its CRC is
    not. Our frame for the same fields is checked against it field by field.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Sequence

import anycrc

from hallq.devices.led.codec import FrameError, Reply, Request

FRAME_START = 0xA5
FRAME_END = 0x5A
PREAMBLE = bytes([FRAME_START]) * 8
PC_ADDRESS = 0x8000
ANY_CONTROLLER = 0xFE
PROTOCOL_VERSION = 0x02
HEADER = struct.Struct("<HH3sBBxBBH")    # DstAddr SrcAddr reserved CheckMode DisplayMode - DeviceType ProtocolVer DataLen
NORMAL_MODE, DYNAMIC_MODE = 0, 1         # header DisplayMode: 1 = the dynamic area before stored programs
AREA = struct.Struct("<BHHHHBBBH3sBBBBBBI")
ESCAPES = {0xA5: b"\xa6\x02", 0xA6: b"\xa6\x01", 0x5A: b"\x5b\x02", 0x5B: b"\x5b\x01"}
UNESCAPES = {(0xA6, 0x02): 0xA5, (0xA6, 0x01): 0xA6, (0x5B, 0x02): 0x5A, (0x5B, 0x01): 0x5B}
CMD_GROUP_DYNAMIC, CMD_SHOW_TEXT = 0xA3, 0x06
CMD_GROUP_CONTROL, CMD_PING = 0xA2, 0x00
CMD_GROUP_REPLY, CMD_ACK, CMD_NACK = 0xA0, 0x00, 0x01
ENCODINGS = ("gbk", "gb2312")            # the card's font: GBK (the demo's) or GB2312
BAUDRATES = (57600, 9600)                # the card's two rates; the demo preselects 57600
MAX_FRAME = 4096                         # a dynamic area of window-screen text is far below this

# anycrc's model is stateless (C, a few microseconds a frame). The pure-Python `crc`
# package took 2 ms a frame and keeps its register on the calculator object, so two
# threads framing at once corrupted each other's checksums.
_crc = anycrc.Model("CRC16-ARC")


def crc16(data: bytes) -> int:
    """CRC-16/ARC as the Onbon manuals' table computes it."""
    return _crc.calc(data)


def escape(data: bytes) -> bytes:
    out = bytearray()
    for b in data:
        out += ESCAPES.get(b, bytes((b,)))
    return bytes(out)


def unescape(data: bytes) -> bytes:
    out = bytearray()
    i = 0
    while i < len(data):
        pair = (data[i], data[i + 1]) if i + 1 < len(data) else None
        if pair in UNESCAPES:
            out.append(UNESCAPES[pair])
            i += 2
        else:
            out.append(data[i])
            i += 1
    return bytes(out)


def packet(dst: int, src: int, data: bytes, device_type: int = ANY_CONTROLLER,
           display_mode: int = NORMAL_MODE) -> bytes:
    """One complete frame: preamble, escaped header + data + CRC, end byte."""
    phy1 = HEADER.pack(dst, src, bytes(3), 0, display_mode, device_type, PROTOCOL_VERSION, len(data)) + data
    phy1 += struct.pack("<H", crc16(phy1))
    return PREAMBLE + escape(phy1) + bytes([FRAME_END])


@dataclass(frozen=True)
class Packet:
    dst: int
    src: int
    device_type: int
    data: bytes
    crc_ok: bool
    display_mode: int = NORMAL_MODE


def take_packet(buffer: bytearray) -> Packet | None:
    """The next whole frame at the front of `buffer`, removed from it; None until one is complete."""
    while buffer:
        start = buffer.find(bytes([FRAME_START]))
        if start < 0:
            buffer.clear()
            return None
        # Any run of 0xA5 is the start; the first other byte begins the packet.
        body_at = start
        while body_at < len(buffer) and buffer[body_at] == FRAME_START:
            body_at += 1
        end = buffer.find(bytes([FRAME_END]), body_at)
        if end < 0:
            if len(buffer) - start > MAX_FRAME:
                del buffer[:body_at]  # no end in sight: drop this start and look again
                continue
            del buffer[:start]
            return None
        raw = bytes(buffer[body_at:end])
        del buffer[:end + 1]
        phy1 = unescape(raw)
        if len(phy1) < HEADER.size + 2:
            continue  # a fragment (e.g. the tail of a frame we joined halfway)
        dst, src, _reserved, _check, mode, device_type, _version, length = HEADER.unpack_from(phy1)
        data = phy1[HEADER.size:-2]
        (sent_crc,) = struct.unpack("<H", phy1[-2:])
        crc_ok = sent_crc == crc16(phy1[:-2]) and length == len(data)
        return Packet(dst, src, device_type, data, crc_ok, mode)
    return None


@dataclass(frozen=True)
class AreaLayout:
    """Where the dynamic areas sit on the screen and how the text is laid out."""
    width: int = 128          # pixels; a multiple of 8
    height: int = 16          # pixels, all rows together
    rows: int = 1             # one dynamic area per row
    x: int = 0                # pixels; a multiple of 8
    y: int = 0
    area_id: int = 0          # the first row's area; row i is area_id + i
    line_spacing: int = 0
    run_mode: int = 1         # 1: show the text until the next update
    timeout_s: int = 0
    effect: int = 1           # the area's DisplayMode (显示方式): 1 static, 3 move left, ...
    speed: int = 0
    stay_half_s: int = 0

    def __post_init__(self) -> None:
        if self.x % 8 or self.width % 8:
            raise ValueError("Onbon K controllers place areas in 8-pixel columns: x and width must be multiples of 8")
        if self.rows < 1 or self.height // self.rows < 1:
            raise ValueError("each row needs at least one pixel of height")


class OnbonCodec:
    """Onbon BX-5K/6K dynamic-area text over the Onbon frame."""
    name = "onbon"

    def __init__(self, layout: AreaLayout | None = None, *, device_type: int = ANY_CONTROLLER,
                 display_mode: int = DYNAMIC_MODE, encoding: str = "gbk") -> None:
        if encoding not in ENCODINGS:
            raise ValueError(f"Onbon text encoding is one of {', '.join(ENCODINGS)}, not {encoding!r}")
        if display_mode not in (NORMAL_MODE, DYNAMIC_MODE):
            raise ValueError("Onbon display_mode is 0 (normal) or 1 (dynamic area first)")
        self.layout = layout or AreaLayout()
        self.device_type = device_type
        self.display_mode = display_mode
        self.encoding = encoding

    # -- driver side ---------------------------------------------------------------------

    def show_frame(self, address: int, lines: Sequence[str]) -> bytes:
        _check_address(address)
        return packet(address, PC_ADDRESS, self.show_data(lines), self.device_type, self.display_mode)

    def ping_frame(self, address: int) -> bytes:
        """The published ping [zxw]: harmless, answered by any K card at this address and rate."""
        _check_address(address)
        return packet(address, PC_ADDRESS, bytes([CMD_GROUP_CONTROL, CMD_PING, 0x01, 0x00, 0x00]),
                      self.device_type)

    def show_data(self, lines: Sequence[str]) -> bytes:
        layout = self.layout
        rows = max(layout.rows, len(lines))
        row_height = layout.height // rows
        areas = b""
        for row in range(rows):
            # An empty row still gets its area, so an older text there is overwritten.
            text = self.encode(lines[row]) if row < len(lines) and lines[row] else b" "
            area = AREA.pack(
                0x00, layout.x // 8, layout.y + row * row_height, layout.width // 8, row_height,
                layout.area_id + row, layout.line_spacing, layout.run_mode, layout.timeout_s, bytes(3),
                0x01,                               # SingleLine: one line per area
                0x01,                               # NewLine: no automatic wrapping
                layout.effect, 0x00, layout.speed, layout.stay_half_s, len(text),
            ) + text
            areas += struct.pack("<H", len(area)) + area
        command = bytes([CMD_GROUP_DYNAMIC, CMD_SHOW_TEXT, 0x01, 0x00, 0x00, 0x00, rows])
        return command + areas

    def encode(self, text: str) -> bytes:
        """The card's encoding; only a character its font lacks becomes "?"."""
        return text.encode(self.encoding, errors="replace")

    def take_reply(self, buffer: bytearray) -> Reply | None:
        while True:
            frame = take_packet(buffer)
            if frame is None:
                return None
            if not frame.crc_ok or frame.dst != PC_ADDRESS:
                continue  # corrupted, or another master's traffic: as if unheard
            data = frame.data
            if len(data) >= 3 and data[1] == CMD_GROUP_REPLY and data[2] in (CMD_ACK, CMD_NACK):
                # [onbon-5th §5.3]: Reserved, A0, ACK/NACK, Status 2, Error 2, DataLen 2
                ok = data[2] == CMD_ACK
                error = struct.unpack_from("<H", data, 5)[0] if len(data) >= 7 else None
            elif len(data) >= 2 and data[0] == CMD_GROUP_REPLY and data[1] in (CMD_ACK, CMD_NACK):
                ok = data[1] == CMD_ACK
                error = data[2] if len(data) > 2 else None
            else:
                continue
            return Reply(frame.src, ok, None if ok else f"error {error}")

    # -- screen side ---------------------------------------------------------------------

    def take_request(self, buffer: bytearray) -> Request | None:
        while True:
            frame = take_packet(buffer)
            if frame is None:
                return None
            if frame.src != PC_ADDRESS:
                continue  # another screen's reply on the shared bus
            if not frame.crc_ok:
                return Request(frame.dst, (), valid=False, detail="5")   # ERR_CHECKSUM
            data = frame.data
            extra = {"device_type": frame.device_type, "display_mode": frame.display_mode}
            if data[:3] == bytes([CMD_GROUP_CONTROL, CMD_PING, 0x01]):
                return Request(frame.dst, (), extra={**extra, "ping": True})
            if data[:2] != bytes([CMD_GROUP_DYNAMIC, CMD_SHOW_TEXT]) or len(data) < 7:
                return Request(frame.dst, (), valid=False, detail="2")   # ERR_NOCMD
            areas = _read_areas(data, data[6])
            if areas is None:
                return Request(frame.dst, (), valid=False, detail="18")  # ERR_SCREEN_PARA
            try:
                rows = [text.decode(self.encoding) for _area, text in areas]
            except UnicodeDecodeError:
                return Request(frame.dst, (), valid=False, detail="18")
            while rows and not rows[-1].strip():
                rows.pop()  # the blank rows that only clear the area
            lines = tuple("" if not r.strip() else r for r in rows)
            return Request(frame.dst, lines, extra={**extra, "areas": [a for a, _ in areas],
                                                    "area": areas[0][0] if areas else None})

    def reply_frame(self, address: int, ok: bool, detail: str | None = None) -> bytes:
        error = 0 if ok else int(detail or 5)
        # The documented reply [onbon-5th §5.3]: Reserved, A0, ACK/NACK, Status, Error, DataLen.
        data = bytes([0x00, CMD_GROUP_REPLY, CMD_ACK if ok else CMD_NACK]) + \
            struct.pack("<HHH", 0 if ok else 1, error, 0)
        return packet(PC_ADDRESS, address, data, self.device_type)


_AREA_FIELDS = ("type", "x", "y", "width", "height", "area_id", "line_spacing", "run_mode", "timeout",
                "reserved", "single_line", "new_line", "display_mode", "exit_mode", "speed", "stay",
                "text_len")


def _read_areas(data: bytes, count: int) -> list[tuple[dict, bytes]] | None:
    """Each area's fields and text, or None when the lengths do not add up."""
    areas, at = [], 7
    for _ in range(count):
        if len(data) < at + 2 + AREA.size:
            return None
        (area_len,) = struct.unpack_from("<H", data, at)
        fields = AREA.unpack_from(data, at + 2)
        text = data[at + 2 + AREA.size:at + 2 + AREA.size + fields[-1]]
        if len(text) != fields[-1] or area_len != AREA.size + fields[-1]:
            return None
        areas.append((dict(zip(_AREA_FIELDS, fields)), text))
        at += 2 + area_len
    return areas if at == len(data) else None


def _check_address(address: int) -> None:
    if not 0 < address < 0xFFFE:
        raise FrameError(f"Onbon screen addresses are 1..65533, not {address}")
