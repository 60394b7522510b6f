"""Signing in (issue 19): repeated failures lock the account, addresses and usernames are throttled before any
password is hashed, and an unknown username is answered as a wrong password is, after the same scrypt check."""
from __future__ import annotations

import pytest

from hallq.queue import accounts
from hallq.server.app import create_app
from hallq.web import login_guard
from tests.conftest import PASSWORD, Server

on_sqlite = pytest.mark.parametrize("db", ["sqlite"], indirect=True)


@pytest.fixture
def hashes(monkeypatch):
    """Every password check the server makes, as (hash, password)."""
    made = []
    check = accounts.check_password_hash

    def counting(pwhash, password):
        made.append((pwhash, password))
        return check(pwhash, password)
    monkeypatch.setattr(accounts, "check_password_hash", counting)
    return made


def login(api, username, password, **kw):
    return api.post("/auth/login", {"username": username, "password": password}, **kw)


def test_300_wrong_passwords_then_the_right_one_do_not_sign_in(hall, server):
    hall.user("S001", "clerk")
    hall.user("root", "admin")
    api = server.api()
    answers = [login(api, "S001", f"Guess-{i:03d}") for i in range(300)]
    codes = [(r.status_code, r.json()["error"]) for r in answers]
    lock_after = 5  # settings.AccountSettings' default
    assert codes[:lock_after] == [(401, "bad_login")] * lock_after
    assert set(codes[lock_after:]) == {(429, "account_locked")}
    right = login(api, "S001", PASSWORD)
    assert (right.status_code, right.json()["error"]) == (429, "account_locked")
    assert "解锁" in right.json()["message"]

    # An admin unlocks it (API); the right password signs in again, and the count starts over.
    admin = server.api(login(api, "root", PASSWORD).json()["token"])
    r = admin.post("/users/S001/unlock")
    assert r.status_code == 200 and r.json() == {"username": "S001", "locked": False}
    assert admin.post("/users/nobody/unlock").status_code == 404
    signed_in = login(api, "S001", PASSWORD)
    assert signed_in.status_code == 200 and signed_in.json()["token"]
    assert server.api(signed_in.json()["token"]).get("/me").status_code == 200


def test_a_success_resets_the_count_of_failures(hall, server):
    hall.user("S001", "clerk")
    api = server.api()
    for _ in range(2):
        for i in range(4):  # one short of the lock, twice over, a success between: eight failures, no lock
            assert login(api, "S001", f"Wrong-{i}x").status_code == 401
        assert login(api, "S001", PASSWORD).status_code == 200


@on_sqlite
def test_an_unknown_user_is_answered_as_a_wrong_password_after_the_same_hashing(hall, server, hashes):
    hall.user("S001", "clerk")
    api = server.api()
    wrong, unknown = login(api, "S001", "Not-the-1"), login(api, "nobody", "Not-the-1")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    # One scrypt check each: the unknown user's against a hash of nothing anyone knows, as costly as a real one.
    assert len(hashes) == 2
    (real_hash, _), (dummy_hash, _) = hashes
    assert dummy_hash != real_hash and dummy_hash.split("$")[0] == real_hash.split("$")[0]  # same method, cost


@on_sqlite
def test_an_address_is_throttled_before_any_password_is_hashed(hall, server, hashes):
    hall.user("S001", "clerk")
    api = server.api()
    limit = login_guard.PER_ADDRESS.amount
    for i in range(limit):  # a different unknown username each time: no username's limit is reached
        assert login(api, f"ghost{i}", "Not-the-1").status_code == 401
    assert len(hashes) == limit
    flood = [login(api, f"late{i}", "Not-the-1") for i in range(100)]
    assert {(r.status_code, r.json()["error"]) for r in flood} == {(429, "too_many_logins")}
    assert "秒后再试" in flood[0].json()["message"]
    # Throttled, even with the right password: and not one more hash was made for all of it.
    assert login(api, "S001", PASSWORD).status_code == 429
    assert len(hashes) == limit
    # Tickets are issued meanwhile: the throttle is on logins alone.
    assert server.api(hall.token()).post("/tickets", {"service": "GA01"}).status_code == 201


@on_sqlite
def test_a_username_is_throttled_from_every_address_behind_a_trusted_proxy(hall, clock):
    """Behind nginx (trusted_proxies=1) each client's own address counts; a username's failures from many count
    together, unknown usernames alike (so the answer tells nobody which usernames exist)."""
    srv = Server(create_app(hall.db, clock=clock, trusted_proxies=1))
    try:
        api = srv.api()
        limit = login_guard.PER_USERNAME.amount
        for i in range(limit):
            r = login(api, "nobody", f"Guess-{i}x", headers={"X-Forwarded-For": f"10.0.0.{i + 1}"})
            assert r.status_code == 401
        r = login(api, "nobody", "Guess-x", headers={"X-Forwarded-For": "10.0.1.1"})
        assert (r.status_code, r.json()["error"]) == (429, "too_many_logins")
        # Another username from the same addresses is not held back.
        hall.user("S001", "clerk")
        assert login(api, "S001", PASSWORD, headers={"X-Forwarded-For": "10.0.0.1"}).status_code == 200
    finally:
        srv.stop()


@on_sqlite
def test_the_supervisors_login_page_is_throttled_and_locked_the_same_way(hall, server):
    hall.user("S004", "supervisor")
    import requests
    page = requests.Session()
    for i in range(5):
        r = page.post(server.url + "/assessment/login", data={"username": "S004", "password": f"Wrong-{i}x"})
        assert r.status_code == 401 and "用户名或密码错误" in r.text
    r = page.post(server.url + "/assessment/login", data={"username": "S004", "password": PASSWORD})
    assert r.status_code == 429 and "锁定" in r.text and "hallq_assess" not in page.cookies


@on_sqlite
def test_with_redis_every_server_process_counts_the_same_failures(hall, clock, redis_url):
    """Two server processes of one hall (PostgreSQL and Redis mode): an address throttled on one is throttled
    on the other, so more processes do not mean more guesses."""
    import redis
    one, two = (Server(create_app(hall.db, clock=clock, redis_url=redis_url)) for _ in range(2))
    try:
        limit = login_guard.PER_ADDRESS.amount
        for i in range(limit):
            server = (one, two)[i % 2]
            assert login(server.api(), f"ghost{i}", "Not-the-1").status_code == 401
        for server in (one, two):
            r = login(server.api(), "ghost-late", "Not-the-1")
            assert (r.status_code, r.json()["error"]) == (429, "too_many_logins")
    finally:
        one.stop()
        two.stop()
        store = redis.Redis.from_url(redis_url)  # the session's Redis: no count left for the next test
        for key in store.scan_iter("LIMITS*"):
            store.delete(key)


@on_sqlite
def test_a_clerk_on_the_supervisors_login_is_refused_with_403_and_keeps_no_sign_in(hall, server):
    """API.md: acting where one's role does not allow is 403 (not 401: the password was right); the token the
    login made is revoked at once, and no cookie is set."""
    import requests
    from sqlalchemy import select
    hall.user("S001", "clerk")
    page = requests.Session()
    r = page.post(server.url + "/assessment/login", data={"username": "S001", "password": PASSWORD})
    assert r.status_code == 403 and "没有考核督查权限" in r.text and "hallq_assess" not in page.cookies
    with hall.db.read() as s:
        assert [t.revoked_at is not None for t in s.scalars(select(accounts.Token))] == [True]
