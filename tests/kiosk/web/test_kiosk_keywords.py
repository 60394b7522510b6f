"""The kiosk's search over HTTP finds the demo hall's items by their keywords (issue 15), on both databases."""
from __future__ import annotations

from importlib import resources

import pytest

from hallq.server.app import create_app
from tests.conftest import Hall, Server


@pytest.fixture
def demo(db, clock):
    hall = Hall(db, clock, spec_file=resources.files("hallq").joinpath("data/demo_hall.toml"))
    server = Server(create_app(db, clock=clock))
    yield hall, server
    server.stop()


def test_search_finds_items_by_what_citizens_call_them(demo):
    hall, server = demo
    kiosk = server.api(hall.token("kiosk", "k1"))
    found = {q: kiosk.get("/kiosk/search", params={"q": q}).json()["services"]
             for q in ("医保", "社保卡", "营业执照", "低保", "二手房", "hk")}
    assert set(found["医保"]) == {"YB01", "YB02", "YB03", "YB04"}
    assert found["社保卡"] == ["RS01"]
    assert set(found["营业执照"]) == {"SJ01", "SJ02", "SJ03", "SJ04"}
    assert found["低保"] == ["MZ02"]
    assert found["二手房"] == ["BDC01", "SW03"]
    assert "SJ05" not in found["hk"] and found["hk"][0] == "GA05"
