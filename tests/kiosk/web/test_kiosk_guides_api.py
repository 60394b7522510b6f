"""办事指南 at the kiosk over real HTTP and Socket.IO, on both databases: browse by department, search by name
or keyword, read a whole guide, print it on the kiosk's own printer through the tickets' print path."""
from __future__ import annotations

from importlib import resources

import pytest
import requests

from hallq import protocol as m
from hallq.demo.hall import demo_hall_file
from hallq.devices.escpos.decode import decode
from hallq.devices.escpos.guide_layout import guide_blocks
from hallq.devices.escpos.render import render
from hallq.devices.escpos.ticket_layout import PAPER_58, PAPER_80
from hallq.server.app import create_app
from tests.conftest import Hall, Server
from tests.helpers import wait_for
from tests.kiosk.kit import printer_agent


@pytest.fixture
def demo(db, clock):
    hall = Hall(db, clock, spec_file=resources.files("hallq").joinpath("data/demo_hall.toml"))
    server = Server(create_app(db, clock=clock))
    yield hall, server
    server.stop()


def test_citizens_browse_search_and_read_the_whole_guide(demo):
    hall, server = demo
    kiosk = server.api(hall.token("kiosk", "k1"))
    by_dept = kiosk.get("/kiosk/guides", params={"department": "MZ"}).json()["guides"]
    assert [g["code"] for g in by_dept] == ["MZ01", "MZ02", "MZ03"]
    assert [g["code"] for g in kiosk.get("/kiosk/guides", params={"q": "低保"}).json()["guides"]] == ["MZ02"]
    every = [g["code"] for g in kiosk.get("/kiosk/guides").json()["guides"]]
    assert every == sorted(i.code for i in demo_hall_file().items)
    guide = kiosk.get("/kiosk/guides/MZ02").json()
    assert guide["name"] == "最低生活保障申请"
    labels = [s["label"] for s in guide["sections"]]
    assert labels[:3] == ["事项性质", "实施部门", "设定依据"]
    for label in ("申请条件", "数量限制", "申请材料", "办理程序", "法定时限", "承诺时限", "收费标准",
                  "申请书示范文本及表格", "办理结果", "监督渠道", "办理窗口"):
        assert label in labels, label
    sections = {s["key"]: s["value"] for s in guide["sections"]}
    assert sections["nature"] == "行政许可" and isinstance(sections["materials"], list)
    assert sections["forms"] == ["最低生活保障申请书（示范文本）（免费提供）"]
    # The form downloads free, by anyone.
    [form] = guide["forms"]
    got = requests.get(server.url + form["url"], timeout=30)
    assert got.status_code == 200 and got.content.startswith(b"%PDF-")
    english = kiosk.get("/kiosk/guides/MZ02", headers={"Accept-Language": "en"}).json()
    assert english["sections"][0] == {"key": "nature", "label": "Nature", "value": "Administrative licence"}
    assert kiosk.get("/kiosk/guides/ZZ99").status_code == 404


def test_a_guide_prints_on_the_kiosks_printer_and_the_agent_settles_it(demo):
    hall, server = demo
    kiosk = server.api(hall.token("kiosk", "k1"))
    assert kiosk.post("/kiosk/guides/MZ02/print").status_code == 409  # no printer known to be working
    agent = printer_agent(hall, server, "k1", "ok")
    watcher = server.socket(hall.token("kiosk", "k1"))
    r = kiosk.post("/kiosk/guides/MZ02/print")
    assert r.status_code == 202, r.text
    job = wait_for(agent, m.PRINT, timeout=30)
    assert job["printer"] == "k1" and job["ticket"] is None
    document = job["document"]
    assert document["kind"] == "guide" and document["item_name"] == "最低生活保障申请"
    assert agent.call(m.JOB_RESULT, {"id": job["id"], "ok": True}, timeout=10) == {"ok": True}
    result = wait_for(watcher, "print.result", lambda d: d["job"] == r.json()["job"], timeout=30)
    assert result["state"] == "printed" and result["kind"] == "guide"
    # The paper, read back: the guide's sections in Chinese, wrapped to the roll.
    for paper in (PAPER_58, PAPER_80):
        printout = decode(render(guide_blocks(document, paper=paper)))
        assert not printout.unknown
        text = "".join(printout.text.split())  # lines wrapped to the roll, list lines indented
        for words in ("安澜县政务服务中心", "办事指南", "最低生活保障申请", "【申请材料】", "【承诺时限】",
                      "【监督渠道】", "最低生活保障申请书（示范文本）（免费提供）"):
            assert words in text, words
