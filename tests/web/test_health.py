"""Watching a server (issue 20): /healthz, /readyz and the Prometheus metrics, and who may read them."""
from __future__ import annotations

import re

import pytest
import requests
import socketio
from prometheus_client.parser import text_string_to_metric_families

from hallq import protocol as m
from hallq.queue import device_states
from hallq.server.app import create_app
from tests.conftest import Server
from tests.helpers import clerk_api, issue, until
from tests.queue.tcp_proxy import TcpProxy


def samples(text: str) -> dict[tuple[str, tuple], float]:
    """Every sample of an exposition: (name, sorted labels) -> value."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def scrape(server, token: str) -> dict:
    r = requests.get(server.url + "/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return samples(r.text)


def test_health_and_readiness_answer_without_a_token(server):
    assert requests.get(server.url + "/healthz", timeout=30).json() == {"status": "ok"}
    r = requests.get(server.url + "/readyz", timeout=30)
    assert r.status_code == 200 and r.json() == {"status": "ok", "checks": {"database": "ok", "agents": 0}}


def test_readiness_says_when_redis_is_gone_and_when_it_is_back(hall, clock, redis_url):
    port = int(redis_url.rsplit(":", 1)[1].split("/")[0])
    proxy = TcpProxy(port)
    app = create_app(hall.db, clock=clock, redis_url=f"redis://127.0.0.1:{proxy.port}/0")
    srv = Server(app)
    try:
        assert requests.get(srv.url + "/readyz", timeout=30).json()["checks"]["redis"] == "ok"
        proxy.drop()
        r = requests.get(srv.url + "/readyz", timeout=30)
        assert r.status_code == 503 and r.json()["status"] == "unavailable"
        assert r.json()["checks"] == {"database": "ok", "redis": "down: ConnectionError"}
        assert requests.get(srv.url + "/healthz", timeout=30).status_code == 200  # alive all the same
        proxy.restore()
        until(lambda: requests.get(srv.url + "/readyz", timeout=30).status_code == 200, timeout=30,
              what="ready again once Redis answers")
    finally:
        srv.stop()  # the proxy stays up: the app's Redis listener, which lives as long as the process, stays quiet


def test_metrics_count_requests_events_devices_and_print_jobs(hall, server, clock):
    monitor = hall.token("monitor", "prometheus")
    kiosk = server.api(hall.token("kiosk", "k1"))
    clerk = clerk_api(hall, server, "S001", window=1)
    before = scrape(server, monitor)
    for _ in range(3):
        issue(kiosk, "GA01")
    assert clerk.post("/windows/1/call-next").status_code == 200
    hall.run(device_states.register, hall.id, "agent-1", [m.DeviceInfo(kind="printer", name="k1")], clock())
    hall.run(device_states.report, hall.id, "agent-1",
             m.DeviceStatus(kind="printer", name="k1", state="paper_out", detail="纸尽"), clock())
    after = scrape(server, monitor)

    def grew(name: str, **labels) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)

    assert grew("hallq_events_total", event="ticket.issued") == 3
    assert grew("hallq_events_total", event="ticket.called") == 1
    assert grew("hallq_call_broadcast_seconds_count") == 1
    assert grew("hallq_http_requests_total", method="POST", route="/api/v1/tickets", status="201") == 3
    assert grew("hallq_http_request_seconds_count", method="POST", route="/api/v1/tickets") == 3
    assert after[("hallq_devices", (("hall", hall.hall.code), ("kind", "printer"), ("state", "paper_out")))] == 1
    # A path nobody routes is counted under one label, not one per path asked for.
    requests.get(server.url + "/no/such/page/123", timeout=30)
    requests.get(server.url + "/no/such/page/456", timeout=30)
    routes = {dict(labels).get("route") for (name, labels) in scrape(server, monitor)
              if name == "hallq_http_requests_total"}
    assert "unmatched" in routes and not any("123" in r or "456" in r for r in routes)
    text = requests.get(server.url + "/metrics", headers={"Authorization": f"Bearer {monitor}"}, timeout=30).text
    assert not re.search(r"(?<![\d.])(\d{17}[\dXx]|1[3-9]\d{9})(?![\d.e])", text)  # no ID or phone number


@pytest.mark.parametrize("who, status", [
    ("none", 401), ("kiosk", 403), ("display", 403), ("clerk", 403), ("supervisor", 403),
    ("monitor", 200), ("admin", 200)])
def test_who_may_read_the_metrics(hall, server, who, status):
    token = {"none": None, "kiosk": lambda: hall.token("kiosk", "k1"), "display": lambda: hall.token("display", "d1"),
             "monitor": lambda: hall.token("monitor", "prom")}.get(who)
    if who in ("clerk", "supervisor", "admin"):
        hall.user("S001" if who == "clerk" else who, who)
        token = hall.login("S001" if who == "clerk" else who)
    elif token is not None:
        token = token()
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    assert requests.get(server.url + "/metrics", headers=headers, timeout=30).status_code == status


def test_a_monitor_token_hears_nothing_of_the_hall(hall, server):
    with pytest.raises(socketio.exceptions.ConnectionError):
        server.socket(hall.token("monitor", "prom"))
