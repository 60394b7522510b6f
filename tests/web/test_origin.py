"""Forms from other sites are refused (an Origin/Referer check, not SameSite alone), and cookies are Secure
when the page came over TLS (as a trusted proxy says)."""
from __future__ import annotations

import pytest
import requests

from hallq.server.app import create_app
from tests.conftest import PASSWORD, Server

on_sqlite = pytest.mark.parametrize("db", ["sqlite"], indirect=True)


def post_login(url, headers=None, **kw):
    return requests.post(url + "/assessment/login", data={"username": "S004", "password": PASSWORD},
                         headers=headers or {}, allow_redirects=False, timeout=30, **kw)


@on_sqlite
@pytest.mark.parametrize("headers", [
    {"Origin": "http://evil.example"},
    {"Origin": "null"},  # a sandboxed frame, or a page that strips its origin
    {"Referer": "http://evil.example/form.html"},
    {"Origin": "http://127.0.0.1:1"},  # the same host, another port: another origin
])
def test_a_form_from_another_origin_is_refused(hall, server, headers):
    hall.user("S004", "supervisor")
    r = post_login(server.url, headers)
    assert (r.status_code, r.json()["error"]) == (403, "cross_origin")
    assert "hallq_assess" not in r.cookies


@on_sqlite
def test_a_signed_in_supervisor_cannot_be_made_to_post_from_another_site(hall, server):
    hall.user("S004", "supervisor")
    page = requests.Session()
    assert post_login(server.url, {"Origin": server.url}).status_code == 302
    page.cookies.set("hallq_assess", post_login(server.url).cookies["hallq_assess"])
    record = {"kind": "praise_letter", "item": "praise", "occurred_on": "2026-11-20", "evidence": "a letter",
              "window": "1", "points": "1"}
    forged = page.post(server.url + "/assessment/2026-11/records", data=record, allow_redirects=False,
                       headers={"Origin": "https://evil.example"})
    assert forged.status_code == 403
    assert "a letter" not in page.get(server.url + "/assessment/2026-11/records").text  # nothing recorded
    own = page.post(server.url + "/assessment/2026-11/records", data=record, allow_redirects=False,
                    headers={"Origin": server.url, "Referer": "http://evil.example/"})  # Origin is asked first
    assert own.status_code == 200 and "a letter" in own.text  # recorded, the month's records shown


@on_sqlite
def test_the_api_is_not_held_to_origins(hall, server):
    """A bearer token is in a header no other site's page can make a browser send."""
    hall.user("S004", "supervisor")
    r = server.api().post("/auth/login", {"username": "S004", "password": PASSWORD},
                          headers={"Origin": "http://other.example"})
    assert r.status_code == 200


@on_sqlite
def test_cookies_are_secure_over_tls_behind_a_trusted_proxy(hall, clock):
    hall.user("S004", "supervisor")
    trusted, untrusted = (Server(create_app(hall.db, clock=clock, trusted_proxies=n)) for n in (1, 0))
    try:
        tls = {"X-Forwarded-Proto": "https"}
        over_tls = post_login(trusted.url, {**tls, "Origin": trusted.url.replace("http:", "https:")})
        assert over_tls.status_code == 302
        assert "Secure" in over_tls.headers["Set-Cookie"] and "HttpOnly" in over_tls.headers["Set-Cookie"]
        lang = requests.get(trusted.url + "/assessment/login?lang=en", headers=tls, timeout=30)
        assert "Secure" in lang.headers["Set-Cookie"]
        plain = post_login(trusted.url)
        assert plain.status_code == 302 and "Secure" not in plain.headers["Set-Cookie"]
        # Without a trusted proxy, anyone could send the header: it is not believed.
        claimed = post_login(untrusted.url, tls)
        assert claimed.status_code == 302 and "Secure" not in claimed.headers["Set-Cookie"]
    finally:
        trusted.stop()
        untrusted.stop()
