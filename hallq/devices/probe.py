"""`hallq devices probe`: ask every device in agent.toml who it is, with frames that change nothing.

For an installer at a new hall: each device gets the harmless identification
frame of its protocol, and the probe says what came back, what it means, and
which agent.toml settings fit. Nothing is printed, shown or called.

- printer: DLE EOT 1, 2, 4 (real-time status, hallq.devices.escpos.status),
  asked without the profile so that even a `status = false` printer is asked;
  `print_test` (only when asked: it uses paper) prints the characters that
  tell the printer's font apart (鄠 喆 赟 𠮷) and a QR code in its profile's way;
- Onbon LED bus: the published ping at each baud rate the cards offer
  (hallq.devices.led.baud); the line protocol has no such frame;
- keypad bus, hallq's codec: a PING to each configured address, answered
  with ACK; then, like a vendor bus, `listen_s` seconds of listening: vendor
  keypads cannot be polled, so the installer presses a key on each and the
  probe hex-dumps what it hears, read with both codecs.

Every finding is a `Finding`; `report()` words them for the terminal.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from hallq.devices.agent_config import AgentConfig, LedBusConfig, NamedPrinter
from hallq.devices.escpos.printer import PrintFailed, open_printer
from hallq.devices.escpos.render import render
from hallq.devices.escpos.ticket_layout import Cut, Feed, QRCode, Rule, TextLine
from hallq.devices.escpos.status import STATUS_QUERY
from hallq.devices.keypad.commands import Cmd
from hallq.devices.keypad.config import KeypadBusConfig
from hallq.devices.keypad.frame import Frame, FrameDecoder, FrameError, encode
from hallq.devices.keypad.vendor import keys as vendor_keys
from hallq.devices.keypad.vendor.frame import KEY, MAX_KEYPAD_L, RATING, VendorFrame, decoder as vendor_decoder
from hallq.devices.keypad.vendor.frame import acknowledgement, encode as vendor_encode
from hallq.devices.led import codec_for
from hallq.devices.led.baud import PING_TIMEOUT_S, ping_each_rate
from hallq.devices.serial_link import PortDown, SerialLink

KEYPAD_ANSWER_S = 0.3     # a keypad answers within milliseconds (docs/keypad-protocol.md: 300 ms)


@dataclass(frozen=True)
class Finding:
    device: str           # as agent.toml names it: "printer kiosk-1", "LED bus /dev/ttyUSB0 screen 3", ...
    sent: str             # what went out, in words and hex
    received: str         # what came back, hex, or "nothing"
    meaning: str
    suggestion: str = ""  # the agent.toml setting that fits, when the answer says one


def probe(config: AgentConfig, *, listen_s: float = 0.0) -> list[Finding]:
    found: list[Finding] = []
    for printer in config.printers:
        found.append(probe_printer(printer))
    for bus in config.leds:
        found += probe_led_bus(bus)
    for bus in config.keypads:
        found += probe_keypad_bus(bus, listen_s=listen_s)
    return found


def report(findings: list[Finding]) -> str:
    lines = []
    for f in findings:
        lines += [f"{f.device}", f"  sent:     {f.sent}", f"  received: {f.received}", f"  meaning:  {f.meaning}"]
        if f.suggestion:
            lines.append(f"  suggest:  {f.suggestion}")
    return "\n".join(lines)


# -- printers --------------------------------------------------------------------------------------

def probe_printer(printer: NamedPrinter) -> Finding:
    # Without profile and status override: the plain DLE EOT query, whatever the profile says.
    plain = open_printer(printer.model_copy(update={"profile": None, "status": None}))
    try:
        status = plain.status()
    finally:
        plain.close()
    device, sent = f"printer {printer.name} ({printer.url})", f"DLE EOT 1, 2, 4: {STATUS_QUERY.hex(' ')}"
    received = status.raw.hex(" ") or "nothing"
    if status.detail in ("connection_lost", "unreachable"):
        return Finding(device, sent, "no connection", "the printer cannot be reached at this url",
                       "check url (tcp://IP:9100, serial://..., usb://VID:PID) and the cable")
    if status.detail == "no_answer":
        return Finding(device, sent, received, "no status answer: a one-way link (USB printer class, "
                       "some parallel or Bluetooth adapters) or a printer without DLE EOT",
                       "status = false (prints blind, the hall is warned), or fix the link so it answers")
    if status.detail == "bad_answer":
        return Finding(device, sent, received, "bytes that are not ESC/POS status: wrong baud rate, or not "
                       "an ESC/POS printer", "check the serial speed set on the printer (self-test page)")
    meaning = f"answers DLE EOT: {status.state}" + (f" ({status.message('en')})" if status.state != "ok" else "")
    suggestion = ("status answers: keep status checks on; name the model with profile = ... (docs/printers.md) "
                  "and print the test ticket (deploy/devices.md)") if printer.profile is None else \
        f"profile = \"{printer.profile}\" can check status"
    return Finding(device, sent, received, meaning, suggestion)


# Each line needs more of the font than the one before: GB2312 has none of the marked
# characters, GBK has 鄠 埇 喆 赟, only GB18030 has 𠮷 (four bytes).
TEST_LINES = ("GB2312: 王张 政务服务中心", "GBK: 鄠邑区 埇桥区 王喆 张赟", "GB18030: 𠮷")
TEST_QR = "HALLQ PRINT TEST"


def test_slip(printer: NamedPrinter) -> bytes:
    """The test slip in the printer's configured way: width, encoding, QR or raster, cutter."""
    model = printer.resolved()
    columns = model.dots // 12          # half-width columns of the 12×24 font
    blocks = [TextLine("hallq 打印测试", 2, 2, "center"), Rule(columns),
              *(TextLine(line) for line in TEST_LINES),
              TextLine(f"profile {model.name}, {model.encoding}, QR {'native' if model.native_qr else 'raster'}"),
              QRCode(TEST_QR), Feed(2), Cut()]
    return render(blocks, encoding=model.encoding, native_qr=model.native_qr, cutter=model.cutter)


def print_test(printer: NamedPrinter) -> Finding:
    device = f"printer {printer.name} ({printer.url})"
    sent = f"test slip ({printer.resolved().name}): {' / '.join(TEST_LINES)}, QR \"{TEST_QR}\""
    job = open_printer(printer)
    try:
        status = job.print(test_slip(printer))
    except PrintFailed as exc:
        return Finding(device, sent, exc.reason, "the slip did not come out whole", "see the printer's state above")
    finally:
        job.close()
    return Finding(device, sent, status.state, "printed: check the slip",
                   "a line of garbage (not \"?\") means the font lacks that encoding: encoding = \"gbk\" if "
                   "𠮷 garbles, \"gb2312\" if 鄠 or 喆 do; no QR means native QR is missing: use a profile "
                   "without it (POS-5890) or ask for raster")


# -- LED buses -------------------------------------------------------------------------------------

def probe_led_bus(bus: LedBusConfig) -> list[Finding]:
    if bus.protocol != "onbon":
        return [Finding(f"LED bus {bus.port}", "nothing", "nothing",
                        "the line protocol has no harmless frame to ask with",
                        "check it with a test call from the console")]
    if not bus.wired():
        # Which window a card shows is the server's (the admin's Windows page); which cards hang on the
        # cable is the machine's, and only the file can name them for a probe that asks no server.
        return [Finding(f"LED bus {bus.port}", "nothing", "nothing", "no card addresses to ask",
                        "list the card addresses wired on this bus: addresses = [1, 2, 3]")]
    codec = codec_for("onbon", **bus.bus_config().codec_options)
    found = []
    for address in bus.wired():
        answers = ping_each_rate(bus.port, codec, address, timeout=PING_TIMEOUT_S)
        heard = [rate for rate, reply in answers.items() if reply is not None]
        sent = f"Onbon ping (A2 00) at {' and '.join(map(str, answers))} baud: {codec.ping_frame(address).hex(' ')}"
        received = ", ".join(f"{rate}: {'answer' if reply is not None else 'nothing'}" for rate, reply in answers.items())
        device = f"LED bus {bus.port} screen {address}"
        if not heard:
            found.append(Finding(device, sent, received, "no Onbon card answers at this address at either rate",
                                 "check the card's address and rate in LedshowZK, the A/B wiring, protocol"))
        elif len(heard) == len(answers):
            found.append(Finding(device, sent, received, "answers at every rate: a converter (socket://) with "
                                 "its own fixed serial rate", "baudrate does not matter here; set the converter's "
                                 "serial side to the card's rate"))
        else:
            found.append(Finding(device, sent, received, f"an Onbon card at {heard[0]} baud",
                                 f"baudrate = {heard[0]}" + ("" if bus.baudrate in (heard[0], "auto") else
                                                             f" (agent.toml says {bus.baudrate})")))
    return found


# -- keypad buses ----------------------------------------------------------------------------------

def probe_keypad_bus(bus: KeypadBusConfig, *, listen_s: float = 0.0) -> list[Finding]:
    try:
        with SerialLink(bus.port, baudrate=bus.baudrate, background_retry=False) as link:
            link.reset_input()
            found = _ping_keypads(bus, link) if bus.protocol == "hallq" else []
            found += _listen(bus, link, listen_s)
            if bus.protocol == "vendor" and not listen_s:
                found.append(Finding(f"keypad bus {bus.port} (vendor)", "nothing", "nothing",
                                     "vendor keypads cannot be polled", "run with --listen 20 and press a key on each"))
            return found
    except PortDown as exc:
        return [Finding(f"keypad bus {bus.port}", "nothing", "no port", f"the port cannot be opened: {exc}",
                        "check port (a /dev/serial/by-id/... name, or socket://host:port)")]


def _ping_keypads(bus: KeypadBusConfig, link: SerialLink) -> list[Finding]:
    found = []
    for seq, keypad in enumerate(bus.keypad, start=1):
        ping = encode(Frame(keypad.address, Cmd.PING, seq & 0xFF))
        link.write(ping)
        heard = _read(link, KEYPAD_ANSWER_S)
        frames = [f for f in FrameDecoder().feed(heard) if isinstance(f, Frame) and not f.from_host]
        device = f"keypad {keypad.address} ({keypad.kind}, window {keypad.window})"
        if any(f.address == keypad.address and f.command == Cmd.ACK for f in frames):
            found.append(Finding(device, f"PING: {ping.hex(' ')}", heard.hex(" "), "answers hallq's PING with ACK"))
        elif heard:
            found.append(Finding(device, f"PING: {ping.hex(' ')}", heard.hex(" "),
                                 "something answered, not with hallq's ACK", _vendor_hint(heard)))
        else:
            found.append(Finding(device, f"PING: {ping.hex(' ')}", "nothing",
                                 "no answer to hallq's PING: not there, another address or speed, or a vendor keypad",
                                 'vendor keypads never answer a poll: try protocol = "vendor" and --listen'))
    return found


def _listen(bus: KeypadBusConfig, link: SerialLink, listen_s: float) -> list[Finding]:
    """Hex-dump what keypads send while the installer presses keys; vendor frames are acknowledged."""
    found: list[Finding] = []
    if listen_s <= 0:
        return found
    configured = {(k.address, k.kind) for k in bus.keypad}
    # Both codecs share the outer frame and its checksum, so one decoder finds every frame;
    # a short frame reads both ways (the vendor's 01 0C is hallq's command 01 with seq 0C).
    frames = vendor_decoder()
    deadline = time.monotonic() + listen_s
    while (left := deadline - time.monotonic()) > 0:
        data = link.read_some(256, min(left, 0.05))
        for frame in frames.feed(data) if data else []:
            if isinstance(frame, FrameError):
                continue
            raw = vendor_encode(frame)
            vendor = _looks_vendor(frame)
            if vendor and bus.protocol == "vendor" and (frame.address, _vendor_kind(frame)) in configured:
                link.write(vendor_encode(acknowledgement(frame)))   # so the keypad shows no 通讯故障
            ours = (f"hallq's codec: command {frame.function:#04x}, seq {frame.data[0]}" if frame.data else "")
            readings = [_vendor_meaning(frame)] if vendor else []
            readings += [ours] if ours and not (vendor and bus.protocol == "vendor") else []
            suggestion = ('protocol = "vendor" if this keypad did not answer the PING'
                          if vendor and bus.protocol == "hallq" else "")
            found.append(Finding(f"keypad {frame.address}", "nothing (listening)", raw.hex(" "),
                                 "; or ".join(readings) or "a frame neither codec reads", suggestion))
    return found


def _vendor_kind(frame: VendorFrame) -> str:
    return "evaluator" if frame.function == RATING else "caller"


def _looks_vendor(frame: VendorFrame) -> bool:
    # hallq's keypad frames decode as vendor frames too; vendor keys are short, function 01 or 11.
    return frame.function in (KEY, RATING) and 3 <= 2 + len(frame.data) <= MAX_KEYPAD_L


def _vendor_meaning(frame: VendorFrame) -> str:
    if frame.function == RATING:
        try:
            return f"vendor evaluator, value {frame.data.hex()}: level {vendor_keys.rating_level(frame.data)}"
        except vendor_keys.NotAnAction as exc:
            return f"vendor evaluator: {exc}"
    try:
        pressed = vendor_keys.key(frame.data, paused=False)
        return f"vendor caller key {pressed.name}: {', '.join(p.action for p in pressed.presses)}"
    except vendor_keys.NotAnAction as exc:
        return f"vendor caller {exc}"


def _vendor_hint(heard: bytes) -> str:
    if any(isinstance(f, VendorFrame) and _looks_vendor(f) for f in vendor_decoder().feed(heard)):
        return 'vendor frames on the bus: protocol = "vendor"'
    return "check the speed (baudrate) and that only keypads are on this bus"


def _read(link: SerialLink, seconds: float) -> bytes:
    received = bytearray()
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        received += link.read_some(256, left)
    return bytes(received)
