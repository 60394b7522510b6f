"""deploy/nginx as a hall installs it, run on loopback in front of hallq processes for a test.

The very files a hall installs, their CHANGE lines set for loopback, TLS from a
certificate made here, static files from `hallq static-dir`. The access log
records which upstream answered each client address (`$upstream_addr`), so a
test can tell which process nginx chose.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from tests.helpers import run_cli, until
from tests.services import free_port

DEPLOY = Path(__file__).resolve().parents[1] / "deploy" / "nginx"


def rendered(text: str, changes: dict[str, str]) -> str:
    """`text` with each CHANGE value replaced; every one must be found, so the test follows the file."""
    for old, new in changes.items():
        assert old in text, f"deploy/nginx no longer has {old!r}: update tests/nginx_front.py with it"
        text = text.replace(old, new)
    return text


@contextmanager
def nginx_in_front(tmp_path: Path, upstreams: list[str]):
    """nginx on two loopback ports (HTTP, HTTPS) in front of `upstreams` (host:port each)."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(binary):
        pytest.fail("nginx is not installed: apt-get install nginx (./dev test installs it)")
    key, cert = tmp_path / "hall.key", tmp_path / "hall.crt"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    http_port, https_port = free_port(), free_port()
    proxy_conf = tmp_path / "hallq-proxy.conf"
    shutil.copy(DEPLOY / "hallq-proxy.conf", proxy_conf)
    site = rendered((DEPLOY / "hallq.conf").read_text(), {
        "server 127.0.0.1:8000;": "\n    ".join(f"server {u};" for u in upstreams),
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "/etc/hallq/tls/hall.crt": str(cert), "/etc/hallq/tls/hall.key": str(key),
        "/srv/hallq/static/": run_cli("static-dir").stdout.strip(),  # as deploy/README.md has the installer ask
        "/etc/hallq/nginx-proxy.conf": str(proxy_conf),
    })
    (tmp_path / "hallq.conf").write_text(site)
    temp = {name: tmp_path / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    access_log = tmp_path / "access.log"
    (tmp_path / "nginx.conf").write_text(f"""
{"user root root;" if os.geteuid() == 0 else ""}
daemon off;
worker_processes 1;
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    log_format upstream '$remote_addr $upstream_addr $status $request_uri';
    access_log {access_log} upstream;
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
        yield {"https": base, "http": f"http://127.0.0.1:{http_port}", "cert": str(cert), "access_log": access_log}
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
