"""A city platform (issue 20): two `hallq serve` processes on PostgreSQL and Redis, behind deploy/nginx as shipped.

Each process is started by deploy/hallq@.service's command line and environment, its instance a free port.

A TV on one process and a clerk on the other, both through nginx: nginx picks
the process by the client's address (`hash $remote_addr consistent`), so the
test speaks from two loopback addresses that nginx sends to different
processes (its access log says which answered). The TV uses Socket.IO's
polling transport, the one that needs every request of a client on one
process, which the hash is there for.
"""
from __future__ import annotations

import itertools
import shlex

import pytest
import requests
import socketio
from requests.adapters import HTTPAdapter

from tests.helpers import cli_env, until
from tests.nginx_front import nginx_in_front
from tests.server.test_multiprocess import running_cluster
from tests.test_units import service


class _FromAddress(HTTPAdapter):
    """Connections that leave from one loopback address (127.0.0.0/8 is all this machine's)."""

    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def client_at(address: str, cert: str, token: str | None = None) -> requests.Session:
    s = requests.Session()
    s.trust_env = False  # the test's own certificate, not a CA bundle named in the environment
    s.verify = cert
    s.mount("https://", _FromAddress(address))
    if token:
        s.headers["Authorization"] = f"Bearer {token}"
    return s


def upstream_of(front: dict, address: str) -> str:
    """Which process nginx sends `address` to: ask, then read the access log's line for it."""
    marker = f"/healthz?from={address}"
    assert client_at(address, front["cert"]).get(front["https"] + marker, timeout=30).status_code == 200

    def logged():  # nginx writes the line once the answer is sent, maybe after the client has it
        for line in front["access_log"].read_text().splitlines():
            remote, upstream, _status, uri = line.split(" ", 3)
            if uri == marker:
                assert remote == address
                return upstream
        return None
    return until(logged, timeout=30, what=f"nginx's log line of {address}'s request")


def unit_command(port: int, db_url: str, redis_url: str) -> tuple[list[str], dict]:
    """What systemd runs for hallq@PORT.service, with the test's database and Redis in its Environment= lines."""
    _, settings = service("hallq@.service")
    env = cli_env()
    env.update(e.split("=", 1) for e in settings["Environment"])
    assert env["HALLQ_DB"].startswith("postgresql://") and env["HALLQ_REDIS"].startswith("redis://")
    env.update(HALLQ_DB=db_url, HALLQ_REDIS=redis_url)
    return shlex.split(settings["ExecStart"][0].replace("%i", str(port))), env


@pytest.fixture
def city(pg_server, redis_url, tmp_path):
    (tmp_path / "cluster").mkdir()
    (tmp_path / "nginx").mkdir()
    with running_cluster(pg_server, redis_url, tmp_path / "cluster", unit_command) as cluster:
        upstreams = [url.removeprefix("http://") for url in cluster.urls]
        with nginx_in_front(tmp_path / "nginx", upstreams) as front:
            yield cluster, front, upstreams


@pytest.mark.real_clock
def test_a_tv_on_one_process_hears_a_clerk_on_the_other_through_nginx(city):
    cluster, front, upstreams = city
    addresses = (f"127.0.0.{n}" for n in itertools.count(2))
    where: dict[str, str] = {}
    while len(set(where.values())) < 2:
        address = next(addresses)
        assert address != "127.0.0.60", f"nginx sent 58 addresses to one process: {where}"
        where[address] = upstream_of(front, address)
    assert set(where.values()) == set(upstreams)
    tv_address = next(a for a, u in where.items() if u == upstreams[0])
    clerk_address = next(a for a, u in where.items() if u == upstreams[1])

    tv = socketio.Client(reconnection=False, http_session=client_at(tv_address, front["cert"]))
    received = []
    tv.on("*", lambda event, data: received.append((event, data)))
    tv.connect(front["https"], auth={"token": cluster.display}, transports=["polling"], wait_timeout=30)
    try:
        assert tv.transport() == "polling"
        until(lambda: any(e == "snapshot" for e, _ in received), timeout=30, what="the TV's snapshot")
        api = front["https"] + "/api/v1"
        login = client_at(clerk_address, front["cert"]).post(
            api + "/auth/login", json={"username": "S001", "password": cluster.password}, timeout=30)
        assert login.status_code == 200, login.text
        clerk = client_at(clerk_address, front["cert"], login.json()["token"])
        kiosk = client_at(clerk_address, front["cert"], cluster.kiosk)
        assert clerk.post(api + "/windows/1/sign-in", json={"post": "A"}, timeout=30).status_code == 200
        ticket = kiosk.post(api + "/tickets", json={"service": "GA01"}, timeout=30)
        assert ticket.status_code == 201, ticket.text
        called = clerk.post(api + "/windows/1/call-next", timeout=30)
        assert called.status_code == 200 and called.json()["number"] == ticket.json()["number"]
        until(lambda: any(e == "ticket.called" and d["number"] == ticket.json()["number"] for e, d in received),
              timeout=30, what="the call on the TV")
    finally:
        tv.disconnect()
    # Every request of each went to its own process: the TV's polls never strayed to the clerk's.
    log = [line.split(" ", 3) for line in front["access_log"].read_text().splitlines()]
    assert {upstream for remote, upstream, _, _ in log if remote == tv_address} == {upstreams[0]}
    assert {upstream for remote, upstream, _, uri in log if remote == clerk_address} == {upstreams[1]}
    assert any(uri.startswith("/socket.io/") for remote, _, _, uri in log if remote == tv_address)
