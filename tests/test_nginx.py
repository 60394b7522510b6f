"""deploy/nginx in front of a real hallq (issue 20): the very files a hall installs, their CHANGE lines set for
loopback, with TLS from a certificate made here, static files from nginx, websockets through, bounded bodies and
throttled sign-ins."""
from __future__ import annotations

import os
import shutil
import subprocess
import warnings
from pathlib import Path

import pytest
import requests
import socketio
import urllib3

from hallq.server.app import create_app
from tests.conftest import PASSWORD, Server
from tests.helpers import issue, run_cli, until
from tests.services import free_port

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy" / "nginx"
pytestmark = pytest.mark.parametrize("db", ["sqlite"], indirect=True)  # the proxy is the subject, not the database


def rendered(text: str, changes: dict[str, str]) -> str:
    """`text` with each CHANGE value replaced; every one must be found, so the test follows the file."""
    for old, new in changes.items():
        assert old in text, f"deploy/nginx no longer has {old!r}: update tests/test_nginx.py with it"
        text = text.replace(old, new)
    return text


@pytest.fixture
def nginx(hall, clock, tmp_path):
    """nginx on two loopback ports (HTTP, HTTPS) in front of a hallq that believes one proxy."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(binary):
        pytest.fail("nginx is not installed: apt-get install nginx (./dev test installs it)")
    key, cert = tmp_path / "hall.key", tmp_path / "hall.crt"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    backend = Server(create_app(hall.db, clock=clock, trusted_proxies=1))
    http_port, https_port = free_port(), free_port()
    proxy_conf = tmp_path / "hallq-proxy.conf"
    shutil.copy(DEPLOY / "hallq-proxy.conf", proxy_conf)
    site = rendered((DEPLOY / "hallq.conf").read_text(), {
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{backend.http.server_port};",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "/etc/hallq/tls/hall.crt": str(cert), "/etc/hallq/tls/hall.key": str(key),
        "/srv/hallq/static/": run_cli("static-dir").stdout.strip(),  # as deploy/README.md has the installer ask
        "/etc/hallq/nginx-proxy.conf": str(proxy_conf),
    })
    (tmp_path / "hallq.conf").write_text(site)
    temp = {name: tmp_path / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    (tmp_path / "nginx.conf").write_text(f"""
{"user root root;" if os.geteuid() == 0 else ""}
daemon off;
worker_processes 1;
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    access_log {tmp_path}/access.log;
    client_body_temp_path {temp["body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    include {tmp_path}/hallq.conf;
}}
""")
    proc = subprocess.Popen([binary, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"),
                             "-e", str(tmp_path / "error.log")], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    base = f"https://127.0.0.1:{https_port}"

    def answering():
        if proc.poll() is not None:
            raise AssertionError(f"nginx exited: {proc.stdout.read()} {(tmp_path / 'error.log').read_text()}")
        try:
            return requests.get(base + "/healthz", verify=str(cert), timeout=5).status_code == 200
        except requests.RequestException:
            return False

    try:
        until(answering, timeout=30, what="nginx answering")
        yield {"https": base, "http": f"http://127.0.0.1:{http_port}", "cert": str(cert), "backend": backend}
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
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
