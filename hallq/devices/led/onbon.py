"""Onbon (仰邦) BX-5K/BX-6K text controllers: the "send real-time display" dynamic area.

Which Onbon protocol this is. Onbon has two families. The BX-5E/5Q/6E/6Q graphic
controllers take a dynamic area as a *bitmap* (command group 0xA7, 16-byte packet
header; [onbon-5th], [onbon-6th]). The BX-5K/5MK/6K "字库" controllers carry fonts and
take *text* (GB2312) in a dynamic area with command 0xA3 0x06, which the controller
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
    6 bytes reserved, all 0 (the 6K names the 4th CheckMode and the 5th DisplayMode,
    0 = CRC16 and normal mode, the same bytes) | DeviceType 1 (0xFE = any controller
    [onbon-k]) | ProtocolVersion 1 (0x02) | DataLen 2 (bytes of data).
  (The graphic controllers use a 16-byte header with ProtocolVer 0xF0 [onbon-5th §4];
  not used here.)

Data of "send real-time display" [deanled], [zxw], [onbon-k]:
    CmdGroup A3 | Cmd 06 | RtnReq 01 (answer me) | ProcessMode 1 (0: keep the area) |
    Reserved 1 | DeleteAreaNum 1 (0) | AreaNum 1 (1) | AreaDataLen 2 | area data
  area data: AreaType 1 (0) | AreaX 2 | AreaY 2 | AreaWidth 2 | AreaHeight 2 |
    DynamicAreaLoc 1 (area id) | Lines_sizes 1 (line spacing) | RunMode 1 | Timeout 2 |
    3 bytes (5K: reserved; 6K: sound flag, extension length, alignment; all 0 here, so
    both read them alike) | SingleLine 1 (1 single, 2 multi) | NewLine 1 (1 explicit
    line breaks, 2 wrap) | DisplayMode 1 (1 static) | ExitMode 1 | Speed 1 |
    StayTime 1 | DataLen 4 | text (GB2312)

Reply: the controller answers with a frame of the same shape whose SrcAddr is its screen
address; its data starts CmdGroup 0xA0, Cmd 0x00 for ACK or 0x01 for NACK [onbon-5th
§5.3] followed by an error code.

Ambiguities and the choice made:
  * The ProcessMode/Reserved bytes after RtnReq: [deanled] shows 2D 00, [zxw] sends
    00 00 and quotes the 6K doc (0 = do not clear and re-initialise the area). 00 00.
  * Units of AreaX/AreaY/AreaWidth/AreaHeight: [onbon-k] says all four are in bytes
    (8 pixels); [deanled] and [zxw] give X and width in bytes but Y and height in
    pixels, which is the only reading that fits their 128×32 example. We take pixels
    from the caller and send X and width in 8-pixel units, Y and height in pixels.
  * The reply's bytes after CmdGroup/Cmd: [onbon-5th] (graphic family) has a reserved
    byte before CmdGroup and 2-byte Status/Error after Cmd; no K-family source shows a
    reply. We accept the ACK/NACK pair either at data[0:2] or after one reserved byte,
    and read the next byte, if any, as the error code. Our simulator sends A0 0x 00.
  * The line break inside multi-line text: the K family's text escapes start with a
    backslash ("\\C1" sets red in [zxw]); we send the two characters "\\n" between lines
    with NewLine = 1 (explicit breaks). A screen that shows a literal "\\n" wants
    another escape, which `line_break` lets a deployment set.
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
HEADER = struct.Struct("<HH6sBBH")       # DstAddr SrcAddr reserved DeviceType ProtocolVer DataLen
AREA = struct.Struct("<BHHHHBBBH3sBBBBBBI")
ESCAPES = {0xA5: b"\xa6\x02", 0xA6: b"\xa6\x01", 0x5A: b"\x5b\x02", 0x5B: b"\x5b\x01"}
UNESCAPES = {(0xA6, 0x02): 0xA5, (0xA6, 0x01): 0xA6, (0x5B, 0x02): 0x5A, (0x5B, 0x01): 0x5B}
CMD_GROUP_DYNAMIC, CMD_SHOW_TEXT = 0xA3, 0x06
CMD_GROUP_REPLY, CMD_ACK, CMD_NACK = 0xA0, 0x00, 0x01
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


def packet(dst: int, src: int, data: bytes, device_type: int = ANY_CONTROLLER) -> bytes:
    """One complete frame: preamble, escaped header + data + CRC, end byte."""
    phy1 = HEADER.pack(dst, src, bytes(6), device_type, PROTOCOL_VERSION, len(data)) + data
    phy1 += struct.pack("<H", crc16(phy1))
    return PREAMBLE + escape(phy1) + bytes([FRAME_END])


@dataclass(frozen=True)
class Packet:
    dst: int
    src: int
    device_type: int
    data: bytes
    crc_ok: bool


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
        dst, src, _reserved, device_type, _version, length = HEADER.unpack_from(phy1)
        data = phy1[HEADER.size:-2]
        (sent_crc,) = struct.unpack("<H", phy1[-2:])
        crc_ok = sent_crc == crc16(phy1[:-2]) and length == len(data)
        return Packet(dst, src, device_type, data, crc_ok)
    return None


@dataclass(frozen=True)
class AreaLayout:
    """Where the dynamic area sits on the screen and how the text is laid out."""
    width: int = 128          # pixels; a multiple of 8
    height: int = 16          # pixels
    x: int = 0                # pixels; a multiple of 8
    y: int = 0
    area_id: int = 0
    line_spacing: int = 0
    run_mode: int = 1         # 1: show the text until the next update
    timeout_s: int = 0
    display_mode: int = 1     # 1: static
    speed: int = 0
    stay_half_s: int = 0

    def __post_init__(self) -> None:
        if self.x % 8 or self.width % 8:
            raise ValueError("Onbon K controllers place areas in 8-pixel columns: x and width must be multiples of 8")


class OnbonCodec:
    """Onbon BX-5K/6K dynamic-area text over the Onbon frame."""
    name = "onbon"

    def __init__(self, layout: AreaLayout | None = None, *, device_type: int = ANY_CONTROLLER,
                 line_break: bytes = b"\\n") -> None:
        self.layout = layout or AreaLayout()
        self.device_type = device_type
        self.line_break = line_break

    # -- driver side ---------------------------------------------------------------------

    def show_frame(self, address: int, lines: Sequence[str]) -> bytes:
        if not 0 < address < 0xFFFE:
            raise FrameError(f"Onbon screen addresses are 1..65533, not {address}")
        return packet(address, PC_ADDRESS, self.show_data(lines), self.device_type)

    def show_data(self, lines: Sequence[str]) -> bytes:
        text = self.line_break.join(_gb2312(line) for line in lines)
        layout = self.layout
        area = AREA.pack(
            0x00, layout.x // 8, layout.y, layout.width // 8, layout.height, layout.area_id,
            layout.line_spacing, layout.run_mode, layout.timeout_s, bytes(3),
            0x02 if len(lines) > 1 else 0x01,   # SingleLine: 2 = several lines
            0x01,                               # NewLine: our own explicit breaks
            layout.display_mode, 0x00, layout.speed, layout.stay_half_s, len(text),
        ) + text
        command = bytes([CMD_GROUP_DYNAMIC, CMD_SHOW_TEXT, 0x01, 0x00, 0x00, 0x00, 0x01])
        return command + struct.pack("<H", len(area)) + area

    def take_reply(self, buffer: bytearray) -> Reply | None:
        while True:
            frame = take_packet(buffer)
            if frame is None:
                return None
            if not frame.crc_ok or frame.dst != PC_ADDRESS:
                continue  # corrupted, or another master's traffic: as if unheard
            data = frame.data
            if len(data) >= 2 and data[0] == CMD_GROUP_REPLY and data[1] in (CMD_ACK, CMD_NACK):
                at = 0
            elif len(data) >= 3 and data[1] == CMD_GROUP_REPLY and data[2] in (CMD_ACK, CMD_NACK):
                at = 1
            else:
                continue
            ok = data[at + 1] == CMD_ACK
            error = data[at + 2] if len(data) > at + 2 else None
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
            if data[:2] != bytes([CMD_GROUP_DYNAMIC, CMD_SHOW_TEXT]) or len(data) < 9 + AREA.size:
                return Request(frame.dst, (), valid=False, detail="2")   # ERR_NOCMD
            (area_len,) = struct.unpack_from("<H", data, 7)
            fields = AREA.unpack_from(data, 9)
            text_len = fields[-1]
            text = data[9 + AREA.size:9 + AREA.size + text_len]
            if len(text) != text_len or area_len != AREA.size + text_len:
                return Request(frame.dst, (), valid=False, detail="18")  # ERR_SCREEN_PARA
            try:
                lines = tuple(part.decode("gb2312") for part in text.split(self.line_break)) if text else ()
            except UnicodeDecodeError:
                return Request(frame.dst, (), valid=False, detail="18")
            area = dict(zip(("type", "x", "y", "width", "height", "area_id", "line_spacing", "run_mode",
                             "timeout", "reserved", "single_line", "new_line", "display_mode", "exit_mode",
                             "speed", "stay", "text_len"), fields))
            return Request(frame.dst, lines, extra={"area": area, "device_type": frame.device_type})

    def reply_frame(self, address: int, ok: bool, detail: str | None = None) -> bytes:
        error = 0 if ok else int(detail or 5)
        data = bytes([CMD_GROUP_REPLY, CMD_ACK if ok else CMD_NACK, error])
        return packet(PC_ADDRESS, address, data, self.device_type)


def _gb2312(text: str) -> bytes:
    try:
        return text.encode("gb2312")
    except UnicodeEncodeError as exc:
        raise FrameError(f"the Onbon controller's font is GB2312; cannot show {text!r}") from exc
