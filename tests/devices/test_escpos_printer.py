"""The ESC/POS driver against the printer simulator over real TCP (and a pty)."""
from __future__ import annotations

import socket

import pytest
from escpos.printer import File, Network, Serial, Usb

from hallq.devices.escpos.decode import decode
from hallq.devices.escpos.printer import EscposPrinter, PrinterConfig, PrintFailed
from hallq.devices.escpos.render import render
from hallq.devices.escpos.simulator import PrinterSimulator
from hallq.devices.escpos.status import CLEAR_BUFFERS, STATUS_QUERY
from hallq.devices.escpos.transport import device_from_url
from hallq.devices.escpos.ticket_layout import PAPER_80, status_url, ticket_blocks
from tests.devices.test_escpos_ticket import HALL, ITEMS, api_ticket


def ticket_bytes(number: str = "A012", **kwargs) -> bytes:
    ticket = api_ticket(number=number)
    return render(ticket_blocks(ticket, hall_name=HALL, qr_url=status_url("https://hall.example", ticket["token"]),
                                guide=ITEMS["GA01"]["guide"], **kwargs))


@pytest.fixture
def sim():
    with PrinterSimulator() as simulator:
        yield simulator


@pytest.fixture
def printer(sim):
    p = EscposPrinter.from_config({"url": sim.url, "status_timeout": 0.3})
    yield p
    p.close()


def test_good_print_comes_out_whole_and_readable(sim, printer):
    assert printer.status().state == "ok"
    data = ticket_bytes()
    assert printer.print(data).state == "ok", "the status asked with the job comes back"
    jobs = sim.wait_for_jobs(1)
    assert len(jobs) == 1 and jobs[0].complete
    assert jobs[0].data == data, "status queries are answered, not printed"
    paper = decode(jobs[0].data)
    assert "A012" in paper.texts and paper.qr_codes[0].data.endswith("/t/q5W-vd3GmPZr1x0bYt7Ks2Lj")
    assert sim.status_queries == 9, "status before (1 query) and with the job (1), three DLE EOT each, plus the first"


def test_many_jobs_on_one_connection(sim, printer):
    for n in range(20):
        printer.print(ticket_bytes(f"A{n:03d}", paper=PAPER_80))
    jobs = sim.wait_for_jobs(20)
    assert [decode(j.data).lines[3].text for j in jobs] == [f"A{n:03d}" for n in range(20)]
    assert {j.connection for j in jobs} == {1}


def test_paper_near_end_still_prints(sim, printer):
    sim.set_mode("near_end")
    assert printer.status().state == "near_end"
    after = printer.print(ticket_bytes())
    assert sim.wait_for_jobs(1)[0].complete
    assert (after.state, after.detail) == ("near_end", "paper_near_end"), "the job's own status query tells it"


def test_paper_out_before_printing_sends_nothing(sim, printer):
    sim.set_mode("paper_out")
    status = printer.status()
    assert (status.state, status.detail) == ("paper_out", "paper_end")
    with pytest.raises(PrintFailed) as failed:
        printer.print(ticket_bytes())
    assert failed.value.reason == "paper_out" and not failed.value.sent
    assert sim.jobs == [] and sim.held == b"", "nothing waits in the printer to come out later"
    sim.set_mode("ok")
    assert sim.jobs == []


def test_offline_printer_refuses(sim, printer):
    sim.set_mode("offline")
    status = printer.status()
    assert (status.state, status.detail) == ("offline", "cover_open")
    with pytest.raises(PrintFailed) as failed:
        printer.print(ticket_bytes())
    assert failed.value.reason == "offline" and failed.value.status == status
    assert sim.jobs == [] and sim.held == b""


def test_silent_printer_is_unknown_and_not_printed_to(sim, printer):
    sim.set_mode("silent")
    status = printer.status()
    assert (status.state, status.detail) == ("unknown", "no_answer")
    assert not status.printable
    with pytest.raises(PrintFailed) as failed:
        printer.print(ticket_bytes())
    assert failed.value.reason == "unknown" and not failed.value.sent
    assert sim.jobs == []
    sim.set_mode("ok")
    assert printer.status().state == "ok", "late answers are not mistaken for new ones"


def test_one_way_link_may_print_when_configured(sim):
    sim.set_mode("silent")
    printer = EscposPrinter.from_config({"url": sim.url, "status_timeout": 0.2, "allow_unknown": True})
    try:
        printer.print(ticket_bytes())
        assert sim.wait_for_jobs(1)[0].complete
    finally:
        printer.close()


def test_connection_dropped_mid_job_fails_with_reason(sim, printer):
    assert printer.status().state == "ok"
    sim.set_mode("drop", after=200)
    with pytest.raises(PrintFailed) as failed:
        printer.print(ticket_bytes())
    assert failed.value.reason == "connection_lost" and failed.value.sent
    jobs = sim.wait_for_jobs(1)
    assert not jobs[0].complete and len(jobs[0].data) == 200, "half a ticket, no cut"
    sim.set_mode("ok")
    printer.print(ticket_bytes("A013"))  # the driver connects again by itself
    jobs = sim.wait_for_jobs(2)
    assert jobs[1].complete and "A013" in decode(jobs[1].data).texts and jobs[1].connection == 2


def test_paper_running_out_mid_job_is_a_failure(sim, printer):
    sim.set_mode("paper_out", after=300)
    with pytest.raises(PrintFailed) as failed:
        printer.print(ticket_bytes())
    assert failed.value.reason == "paper_out" and failed.value.sent
    # The rest waited in the printer's buffer, to print when paper is back: the driver cleared it.
    assert sim.held == b"" and sim.received.endswith(CLEAR_BUFFERS)
    [part] = sim.jobs
    assert not part.complete and len(part.data) == 300, "what made it onto the paper stays, uncut"
    sim.set_mode("ok")  # paper back
    assert printer.status().state == "ok"
    assert sim.jobs == [part], "nothing more of the failed job came out"


def test_a_job_no_longer_wanted_is_not_sent(sim, printer):
    with pytest.raises(PrintFailed) as failed:
        printer.print(ticket_bytes(), still_wanted=lambda: False)
    assert failed.value.reason == "not_wanted" and not failed.value.sent
    assert sim.received == STATUS_QUERY, "the printer was asked how it is, and sent nothing to print"


def test_printer_that_closed_an_idle_connection_is_reconnected(sim, printer):
    assert printer.status().state == "ok"
    address = sim.address
    sim.stop()  # closes every connection, as a printer's idle timeout does
    with PrinterSimulator(*address) as again:
        assert printer.status().state == "ok"
        printer.print(ticket_bytes())
        assert again.wait_for_jobs(1)[0].complete


def test_unreachable_printer_is_offline():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nobody listens here once closed
    printer = EscposPrinter.from_config({"url": f"tcp://127.0.0.1:{port}", "timeout": 1})
    status = printer.status()
    assert (status.state, status.detail) == ("offline", "unreachable")
    with pytest.raises(PrintFailed) as failed:
        printer.print(b"\x1b@")
    assert failed.value.reason == "unreachable" and not failed.value.sent


def test_serial_printer_on_a_pty(sim):
    path = sim.open_pty()
    printer = EscposPrinter.from_config(f"serial://{path}?baudrate=19200")
    try:
        assert printer.status().state == "ok"
        printer.print(ticket_bytes())
        assert decode(sim.wait_for_jobs(1)[0].data).qr_codes
        sim.set_mode("paper_out")
        assert printer.status().state == "paper_out"
    finally:
        printer.close()


def test_device_file_printer_writes_and_stays_unknown(tmp_path):
    target = tmp_path / "lp0"
    target.touch()
    printer = EscposPrinter.from_config({"url": f"file://{target}", "status_timeout": 0.1, "allow_unknown": True})
    try:
        assert printer.status().state == "unknown", "a plain file never answers"
        printer.print(ticket_bytes())
    finally:
        printer.close()
    assert "A012" in decode(target.read_bytes()).texts


def test_printer_urls():
    net = device_from_url("tcp://10.0.0.5")
    assert isinstance(net, Network) and (net.host, net.port) == ("10.0.0.5", 9100)
    assert device_from_url("tcp://10.0.0.5:9101").port == 9101
    serial = device_from_url("serial:///dev/ttyUSB0?baudrate=19200&dsrdtr=0&parity=e")
    assert isinstance(serial, Serial)
    assert (serial.devfile, serial.baudrate, serial.dsrdtr, serial.parity) == ("/dev/ttyUSB0", 19200, False, "E")
    file = device_from_url("file:///dev/usb/lp0")
    assert isinstance(file, File) and file.devfile == "/dev/usb/lp0"
    for bad in ("lpt://x", "tcp://", "serial://", "serial:///dev/ttyS0?speed=1", "usb://0x0416"):
        with pytest.raises(ValueError):
            device_from_url(bad)
    usb = device_from_url("usb://0x0416:0x5011?out_ep=0x03")  # pyusb is a dependency: no skip
    assert isinstance(usb, Usb) and usb.usb_args == {"idVendor": 0x0416, "idProduct": 0x5011} and usb.out_ep == 3


def test_config():
    cfg = PrinterConfig.parse({"url": "tcp://127.0.0.1:9100", "paper": 80, "encoding": "gbk"})
    assert (cfg.paper, cfg.encoding, cfg.max_size, cfg.allow_unknown) == (80, "gbk", 8, False)
    assert PrinterConfig.parse("tcp://h").paper == 58
    with pytest.raises(ValueError):
        PrinterConfig.parse({"url": "tcp://h", "paper": 76})
    with pytest.raises(ValueError):
        PrinterConfig.parse({"url": "tcp://h", "colour": "red"})
