"""Printer profiles: the layout follows the model's width, text its font's encoding, the
QR goes as a raster to printers without GS ( k, and "printed" means printed: Epson's
completion report, or the ticket's printing time waited out and the status asked again
(simulated printers that print at a speed and run out of paper mid-ticket), or, on a
one-way link, printed blind with the hall warned."""
from __future__ import annotations

import pytest
import zxingcpp

from hallq.devices.escpos.decode import QR, Cut, Feed, Raster, decode
from hallq.devices.escpos.printer import EscposPrinter, PrintFailed, PrinterConfig
from hallq.devices.escpos.profiles import profile
from hallq.devices.escpos.render import render
from hallq.devices.escpos.simulator import PrinterSimulator
from hallq.devices.escpos.text import columns
from hallq.devices.escpos.ticket_layout import status_url, ticket_blocks
from hallq.devices.escpos.timing import print_seconds
from hallq.wording import PRINTER_DETAILS
from tests.devices.test_escpos_ticket import BASE_URL, HALL, ITEMS, api_ticket


def ticket_for(model, **changes) -> bytes:
    ticket = api_ticket(**changes)
    blocks = ticket_blocks(ticket, hall_name=HALL, qr_url=status_url(BASE_URL + "/", ticket["token"]),
                           guide=ITEMS[ticket["service"]]["guide"], paper=model.paper, encoding=model.encoding)
    return render(blocks, encoding=model.encoding, native_qr=model.native_qr, cutter=model.cutter)


def test_profiles_take_width_qr_and_cutter_from_python_escpos():
    t88 = profile("TM-T88V")
    assert (t88.dots, t88.native_qr, t88.cutter, t88.completion) == (512, True, True, True)
    assert t88.paper.columns == 42
    for name in ("POS-5890", "ZJ-5870", "NT-5890K"):
        cheap = profile(name)
        assert (cheap.dots, cheap.native_qr, cheap.cutter, cheap.encoding) == (384, False, False, "gb2312")
    assert profile("generic-80").dots == 576 and profile("generic-80").paper.columns == 48
    with pytest.raises(ValueError):
        PrinterConfig(url="tcp://127.0.0.1:9100", profile="TM-Unknown")
    cfg = PrinterConfig(url="tcp://x:9100", profile="POS-5890", encoding="gbk", status=False)
    assert cfg.resolved().encoding == "gbk" and not cfg.resolved().status


@pytest.mark.parametrize("name", ["TM-T88V", "generic-80", "POS-5890"])
def test_the_layout_follows_the_profiles_width(name):
    model = profile(name)
    printout = decode(ticket_for(model), model.encoding)
    widest = max(columns(line.text, model.encoding) * line.width for line in printout.lines)
    assert widest <= model.paper.columns
    assert any(isinstance(e, Cut) for e in printout.elements) == model.cutter


def test_no_qr_printers_get_the_qr_as_a_raster_a_phone_can_read():
    model = profile("POS-5890")
    data = ticket_for(model)
    assert b"\x1d(k" not in data and b"\x1dv0" in data
    printout = decode(data, model.encoding)
    rasters = [e for e in printout.elements if isinstance(e, Raster)]
    assert not [e for e in printout.elements if isinstance(e, QR)] and len(rasters) == 1
    assert rasters[0].image.width <= model.dots
    found = zxingcpp.read_barcodes(rasters[0].image.convert("L"))
    assert [r.text for r in found] == [status_url(BASE_URL + "/", api_ticket()["token"])]
    assert isinstance(printout.elements[-1], Feed)  # no cutter: fed past the tear bar


def test_gb2312_printers_get_a_question_mark_only_for_the_missing_character():
    model = profile("ZJ-5870")
    printout = decode(ticket_for(model, service_name="鄠邑区埇桥区户籍业务"), "gb2312")
    assert any("?邑区?桥区户籍业务" in text for text in printout.texts)
    assert any("鄠邑区埇桥区" in t for t in decode(ticket_for(profile("generic-80"), service_name="鄠邑区埇桥区"),
                                                   "gb18030").texts)


def test_epson_completion_report_confirms_a_printed_ticket():
    with PrinterSimulator(speed_mm_s=2000, completion=True) as sim:
        printer = EscposPrinter.from_config({"url": sim.url, "profile": "TM-T88V", "status_timeout": 0.3})
        data = ticket_for(profile("TM-T88V"))
        assert printer.print(data).state == "ok"
        assert sim.wait_for_jobs(1)[0].complete
        printer.close()


def test_paper_out_mid_ticket_fails_even_with_the_completion_report():
    with PrinterSimulator(speed_mm_s=2000, completion=True) as sim:
        printer = EscposPrinter.from_config({"url": sim.url, "profile": "TM-T88V", "status_timeout": 0.3})
        data = ticket_for(profile("TM-T88V"))
        sim.set_mode("paper_out", after=len(data) // 2)
        with pytest.raises(PrintFailed) as failed:
            printer.print(data)
        assert failed.value.reason == "paper_out" and failed.value.sent
        printer.close()


def test_without_completion_the_agent_waits_out_the_ticket_and_asks_again():
    slept: list[float] = []
    with PrinterSimulator(speed_mm_s=400) as sim:
        data = ticket_for(profile("generic-80"))
        # Old behaviour, status right after the last byte: the buffered ticket has not
        # reached the empty roll yet, so the printer still says "ok" and the ticket
        # would count as printed.
        legacy = EscposPrinter.from_config({"url": sim.url, "paper": 80, "status_timeout": 0.3})
        sim.set_mode("paper_out", after=len(data) // 2)
        assert legacy.print(data).state == "ok"
        legacy.close()
        sim.set_mode("ok")
        sim.clear()

        def sleep(seconds: float) -> None:
            slept.append(seconds)
            import time
            time.sleep(seconds)

        printer = EscposPrinter.from_config({"url": sim.url, "profile": "generic-80", "speed_mm_s": 400,
                                             "status_timeout": 0.3}, sleep=sleep)
        sim.set_mode("paper_out", after=len(data) // 2)
        with pytest.raises(PrintFailed) as failed:
            printer.print(data)
        assert failed.value.reason == "paper_out" and failed.value.sent
        assert slept == [pytest.approx(print_seconds(data, 400))]
        sim.set_mode("ok")
        assert printer.print(data).state == "ok"
        printer.close()


def test_a_printer_without_status_prints_and_the_hall_is_warned():
    with PrinterSimulator(cutter=False) as sim:
        sim.set_mode("silent")
        printer = EscposPrinter.from_config({"url": sim.url, "profile": "POS-5890", "status": False})
        status = printer.status()
        assert (status.state, status.detail) == ("ok", "no_status")
        assert "无法发现" in status.message("zh") and status.detail in PRINTER_DETAILS
        data = ticket_for(profile("POS-5890"))
        assert printer.print(data).detail == "no_status"
        job = sim.wait_for_jobs(1)[0]
        assert job.complete and job.data == data and sim.status_queries == 0
        printer.close()
