"""deploy/nginx in front of a real hallq (issue 20): the very files a hall installs, their CHANGE lines set for
loopback, with TLS from a certificate made here, static files from nginx, websockets through, bounded bodies and
throttled sign-ins."""
from __future__ import annotations

import warnings
from pathlib import Path

import pytest
import requests
import socketio
import urllib3

from hallq.server.app import create_app
from tests.conftest import PASSWORD, Server
from tests.helpers import issue, until
from tests.nginx_front import nginx_in_front

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.parametrize("db", ["sqlite"], indirect=True)  # the proxy is the subject, not the database


@pytest.fixture
def nginx(hall, clock, tmp_path):
    """nginx on two loopback ports (HTTP, HTTPS) in front of a hallq that believes one proxy."""
    backend = Server(create_app(hall.db, clock=clock, trusted_proxies=1))
    try:
        with nginx_in_front(tmp_path, [f"127.0.0.1:{backend.http.server_port}"]) as front:
            yield {**front, "backend": backend}
    finally:
        backend.stop()


def test_plain_http_is_sent_to_https(nginx):
    r = requests.get(nginx["http"] + "/kiosk?x=1", allow_redirects=False, timeout=30)
    assert r.status_code == 301 and r.headers["Location"].startswith("https://127.0.0.1")
    assert r.headers["Location"].endswith("/kiosk?x=1")


def test_static_files_come_from_nginx_and_pages_from_hallq(nginx):
    r = requests.get(nginx["https"] + "/static/console.css", verify=nginx["cert"], timeout=30)
    assert r.status_code == 200 and r.content == (ROOT / "hallq" / "static" / "console.css").read_bytes()
    assert r.headers["Cache-Control"].startswith("max-age=3600") and "public" in r.headers["Cache-Control"]
    assert r.headers["Server"].startswith("nginx")
    page = requests.get(nginx["https"] + "/kiosk", verify=nginx["cert"], timeout=30)
    assert page.status_code in (200, 401) and "text/html" in page.headers["Content-Type"]


def test_a_call_reaches_a_screen_through_nginx_over_tls(hall, nginx):
    display = socketio.Client(reconnection=False, ssl_verify=False)  # the test's own certificate
    received = []
    display.on("*", lambda event, data: received.append((event, data)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", urllib3.exceptions.InsecureRequestWarning)
        display.connect(nginx["https"], auth={"token": hall.token("display", "tv")}, transports=["websocket"],
                        wait_timeout=30)
    try:
        assert display.transport() == "websocket"
        https = _Api(nginx["https"] + "/api/v1", nginx["cert"])
        kiosk = https.with_token(hall.token("kiosk", "k1"))
        ticket = issue(kiosk, "GA01")
        hall.user("S001", "clerk")
        clerk = https.login("S001")
        assert clerk.post("/windows/1/sign-in", {"post": "A"}).status_code == 200
        assert clerk.post("/windows/1/call-next").json()["number"] == ticket["number"]
        until(lambda: any(e == "ticket.called" and d["number"] == ticket["number"] for e, d in received),
              timeout=30, what="the call on the screen")
    finally:
        display.disconnect()


def test_bodies_are_bounded_and_sign_in_floods_stop_at_nginx(nginx):
    big = requests.post(nginx["https"] + "/api/v1/tickets", data=b"x" * (9 << 20), verify=nginx["cert"],
                        headers={"Content-Type": "application/json"}, timeout=60)
    assert big.status_code == 413 and big.headers["Server"].startswith("nginx")
    answers = [requests.post(nginx["https"] + "/api/v1/auth/login", json={"username": f"nobody{i}", "password": "x"},
                             verify=nginx["cert"], timeout=30) for i in range(16)]
    by_nginx = [r for r in answers if r.status_code == 429 and "json" not in r.headers.get("Content-Type", "")]
    assert [r.status_code for r in answers[:11]] == [401] * 11  # the burst reaches hallq, which refuses them
    assert len(by_nginx) >= 4  # then nginx answers alone


class _Api:
    """An HTTPS session to the API through nginx, trusting the test's certificate."""

    def __init__(self, base: str, cert: str, token: str | None = None):
        self.base, self.cert = base, cert
        self.http = requests.Session()  # verify= per request: a CA bundle named in the environment beats Session.verify
        if token:
            self.http.headers["Authorization"] = f"Bearer {token}"

    def with_token(self, token: str) -> "_Api":
        return _Api(self.base, self.cert, token)

    def login(self, username: str) -> "_Api":
        r = self.http.post(self.base + "/auth/login", json={"username": username, "password": PASSWORD},
                           verify=self.cert, timeout=30)
        assert r.status_code == 200, r.text
        return self.with_token(r.json()["token"])

    def get(self, path, **kw):
        return self.http.get(self.base + path, verify=self.cert, timeout=30, **kw)

    def post(self, path, json=None, **kw):
        return self.http.post(self.base + path, json=json if json is not None else {}, verify=self.cert, timeout=30,
                              **kw)
