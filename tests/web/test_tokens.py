"""Staff tokens end (issue 19): after the hall's idle time, after their lifetime, at logout; and a revoked
token's open sockets are closed at once (this process) or at the next sweep (a revocation made elsewhere)."""
from __future__ import annotations

import time

import pytest
import requests

from hallq.queue import accounts
from hallq.queue.settings import AccountSettings
from tests.conftest import PASSWORD

on_sqlite = pytest.mark.parametrize("db", ["sqlite"], indirect=True)
IDLE = AccountSettings().idle_minutes
LIFETIME = AccountSettings().lifetime_hours


def wait_closed(client, timeout=5.0) -> float:
    """Seconds until the server closed the client's connection."""
    start = time.monotonic()
    while client.connected:
        assert time.monotonic() - start < timeout, "the socket was not closed"
        time.sleep(0.02)
    return time.monotonic() - start


def test_the_defaults_are_four_hours_idle_and_twelve_hours_in_all():
    assert (IDLE, LIFETIME) == (240, 12)


def test_a_staff_token_ends_after_the_idle_time_and_each_use_starts_it_again(hall, server, clock):
    hall.user("S001", "clerk")
    me = server.api(hall.login("S001"))
    for _ in range(2):  # used just before the idle time runs out, twice: 8 hours in all
        clock.advance(minutes=IDLE - 1)
        assert me.get("/me").status_code == 200
    clock.advance(minutes=IDLE + 1)
    r = me.get("/me")
    assert (r.status_code, r.json()["error"]) == (401, "unauthorized")


def test_a_staff_token_ends_after_its_lifetime_however_much_it_is_used(hall, server, clock):
    hall.user("S001", "clerk")
    token = hall.login("S001")
    me = server.api(token)
    for _ in range(LIFETIME * 2 - 1):
        clock.advance(minutes=30)
        assert me.get("/me").status_code == 200
    clock.advance(minutes=31)
    assert me.get("/me").status_code == 401
    with hall.db.read() as s:  # the database says so too, not only this process's cache
        assert accounts.authenticate(s, token, clock()) is None


@on_sqlite
def test_the_hall_sets_the_idle_time(db, clock):
    from tests.conftest import Hall
    from hallq.queue.settings import AccountSettings as Settings
    hall = Hall(db, clock, accounts=Settings(idle_minutes=15))
    hall.user("S001", "clerk")
    token = hall.login("S001")
    clock.advance(minutes=16)
    with hall.db.read() as s:
        assert accounts.authenticate(s, token, clock()) is None


@on_sqlite
def test_logout_ends_the_token_and_closes_its_sockets_at_once(hall, server):
    hall.user("S001", "clerk")
    token = hall.login("S001")
    api = server.api(token)
    assert api.get("/me").status_code == 200  # kept in the token cache now
    screen, other = server.socket(token), server.socket(token)
    someone_else = server.socket(hall.login("S001"))  # the same clerk's other sign-in stays
    assert api.post("/auth/logout").status_code == 204
    assert wait_closed(screen) < 1.0 and wait_closed(other) < 1.0
    assert someone_else.connected
    r = api.get("/me")
    assert (r.status_code, r.json()["error"]) == (401, "unauthorized")
    assert api.post("/auth/logout").status_code == 401
    someone_else.disconnect()


@on_sqlite
def test_a_device_cannot_log_out(hall, server):
    r = server.api(hall.token("kiosk")).post("/auth/logout")
    assert (r.status_code, r.json()["error"]) == (403, "forbidden")


@on_sqlite
def test_a_device_token_revoked_elsewhere_loses_its_socket_at_the_next_sweep(hall, server):
    display = server.socket(hall.token("display", "d1"))
    kiosk = server.socket(hall.token("kiosk", "k1"))
    with hall.db.write() as s:  # as `hallq token create --replace` does, in another process
        accounts.revoke_device_tokens(s, hall.hall, "display", "d1", hall.clock())
        s.commit()
    server.app.extensions["hallq.server.realtime"].sweep_tokens()
    assert wait_closed(display) < 1.0
    assert kiosk.connected
    kiosk.disconnect()


@on_sqlite
def test_a_staff_socket_ends_with_its_sign_in(hall, server, clock):
    hall.user("S001", "clerk")
    screen = server.socket(hall.login("S001"))
    realtime = server.app.extensions["hallq.server.realtime"]
    realtime.sweep_tokens()
    assert screen.connected
    clock.advance(minutes=IDLE + 1)
    realtime.sweep_tokens()
    assert wait_closed(screen) < 1.0


@on_sqlite
def test_the_supervisors_pages_log_out_for_real(hall, server):
    hall.user("S004", "supervisor")
    page = requests.Session()
    r = page.post(server.url + "/assessment/login", data={"username": "S004", "password": PASSWORD})
    assert r.status_code == 200 and "hallq_assess" in page.cookies
    token = page.cookies["hallq_assess"]
    screen = server.socket(token)
    page.get(server.url + "/assessment/logout")
    assert wait_closed(screen) < 1.0
    assert server.api(token).get("/me").status_code == 401  # a copy of the cookie is worth nothing now
    r = page.get(server.url + "/assessment/2026-11", allow_redirects=False)
    assert r.status_code == 302 and "/assessment/login" in r.headers["Location"]


@on_sqlite
def test_the_servers_housekeeping_closes_sockets_of_tokens_revoked_elsewhere(hall, clock, monkeypatch):
    """`hallq serve` (housekeeping=True) sweeps on its own: no test calls sweep_tokens here."""
    from hallq.server import app as app_module
    from tests.conftest import Server
    monkeypatch.setattr(app_module, "SWEEP_SECONDS", 0.2)  # the loop reads it each round; 10 s in a hall
    srv = Server(app_module.create_app(hall.db, clock=clock, housekeeping=True))
    try:
        display = srv.socket(hall.token("display", "d1"))
        with hall.db.write() as s:
            accounts.revoke_device_tokens(s, hall.hall, "display", "d1", hall.clock())
            s.commit()
        assert wait_closed(display, timeout=5.0) < 5.0
    finally:
        srv.stop()


@on_sqlite
def test_an_admin_revokes_a_device_and_its_sockets_close_at_once(hall, server):
    hall.user("root", "admin")
    admin = server.api(hall.login("root"))
    token = hall.token("display", "tv-lobby")
    tv = server.api(token)
    assert tv.get("/windows").status_code == 200  # kept in the token cache now
    screens = [server.socket(token), server.socket(token)]
    other = server.socket(hall.token("display", "tv-floor2"))
    r = admin.post("/tokens/revoke", {"kind": "display", "name": "tv-lobby"})
    assert r.status_code == 200 and r.json() == {"revoked": 1}
    assert all(wait_closed(screen) < 1.0 for screen in screens)
    assert other.connected
    assert tv.get("/windows").status_code == 401
    assert admin.post("/tokens/revoke", {"kind": "display", "name": "tv-lobby"}).json() == {"revoked": 0}
    r = admin.post("/tokens/revoke", {"kind": "staff", "name": "root"})
    assert (r.status_code, r.json()["error"]) == (400, "invalid_input")
    other.disconnect()
