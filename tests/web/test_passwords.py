"""The password policy (等保2.0) where passwords are made and changed, and the first login's change."""
from __future__ import annotations

import time

import pytest
import requests
import socketio

from hallq.queue import accounts, passwords
from hallq.queue.errors import Invalid
from tests.conftest import PASSWORD

on_sqlite = pytest.mark.parametrize("db", ["sqlite"], indirect=True)


@pytest.mark.parametrize("password, why", [
    ("Ab1-", "at least 8"),
    ("abcdefgh", "three of"),
    ("abcd1234", "three of"),
    ("ABCD-EFGH", "three of"),
    ("S001-Secret", "username"),
    ("Aa1" * 50, "at most 128"),
])
def test_the_policy_refuses_and_says_why(password, why):
    with pytest.raises(Invalid) as refused:
        passwords.check(password, "s001")
    assert refused.value.code == "weak_password" and why in refused.value.params["detail"]


@pytest.mark.parametrize("password", ["Abcdefg1", "abcd-1234", "ABCD efg", "密码Pass-word", PASSWORD])
def test_the_policy_allows_three_classes_of_eight_characters(password):
    passwords.check(password, "s001")
    assert passwords.classes(password) >= 3


def test_generated_passwords_pass_the_policy_and_differ():
    made = {passwords.generate() for _ in range(200)}
    assert len(made) == 200
    for password in made:
        passwords.check(password, "admin")
        assert len(password) == passwords.GENERATED_LENGTH and passwords.classes(password) == 4
        assert not set(password) & set("0O1lI")  # read off a slip of paper without mistakes


@on_sqlite
def test_an_account_with_a_weak_password_is_not_made(hall):
    with hall.db.write() as s:
        with pytest.raises(Invalid) as refused:
            accounts.add_user(s, hall.hall, "S002", "password", "clerk")
    assert refused.value.code == "weak_password"


@on_sqlite
def test_changing_a_password_follows_the_policy(hall, server):
    hall.user("S001", "clerk")
    me = server.api(hall.login("S001"))
    r = me.post("/auth/password", {"current": PASSWORD, "new": "password"})
    assert (r.status_code, r.json()["error"]) == (400, "weak_password") and "three of" in r.json()["message"]
    r = me.post("/auth/password", {"current": "Not-mine-1", "new": "Better-pass-2"})
    assert (r.status_code, r.json()["error"]) == (403, "wrong_password")
    assert me.post("/auth/password", {"current": PASSWORD, "new": PASSWORD}).status_code == 400
    elsewhere = hall.login("S001")  # the same clerk signed in on another computer, with a live screen
    screen = server.socket(elsewhere)
    assert me.post("/auth/password", {"current": PASSWORD, "new": "Better-pass-2"}).status_code == 204
    assert me.get("/me").status_code == 200  # this sign-in goes on; whoever knew the old password is out:
    assert server.api(elsewhere).get("/me").status_code == 401
    deadline = time.monotonic() + 2
    while screen.connected and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not screen.connected
    api = server.api()
    assert api.post("/auth/login", {"username": "S001", "password": PASSWORD}).status_code == 401
    assert api.post("/auth/login", {"username": "S001", "password": "Better-pass-2"}).status_code == 200
    assert server.api(hall.token()).post("/auth/password", {"current": "x", "new": "y"}).status_code == 403


@on_sqlite
def test_a_signed_in_screen_cannot_be_used_to_guess_the_password(hall, server):
    """A clerk's console left open: whoever sits at it may not try passwords at will through /auth/password.
    A wrong current password is a failed sign-in: five lock the account (the hall's default), as at login."""
    hall.user("S001", "clerk")
    me = server.api(hall.login("S001"))
    for guess in range(5):
        r = me.post("/auth/password", {"current": f"Guess-{guess}-pw", "new": "Better-pass-2"})
        assert (r.status_code, r.json()["error"]) == (403, "wrong_password")
    r = me.post("/auth/password", {"current": PASSWORD, "new": "Better-pass-2"})  # even the right one, now
    assert (r.status_code, r.json()["error"]) == (429, "account_locked")
    login = server.api().post("/auth/login", {"username": "S001", "password": PASSWORD})
    assert (login.status_code, login.json()["error"]) == (429, "account_locked")
    hall.user("boss", "admin")
    assert server.api(hall.login("boss")).post("/users/S001/unlock").status_code == 200
    assert me.post("/auth/password", {"current": PASSWORD, "new": "Better-pass-2"}).status_code == 204


def test_a_generated_password_is_changed_before_anything_else(hall, server):
    generated = passwords.generate()
    with hall.db.write() as s:
        accounts.add_user(s, hall.hall, "S001", generated, "clerk", generated=True)
        s.commit()
    r = server.api().post("/auth/login", {"username": "S001", "password": generated})
    assert r.status_code == 200 and r.json()["must_change_password"] is True
    token = r.json()["token"]
    me = server.api(token)
    r = me.get("/me")
    assert (r.status_code, r.json()["error"]) == (403, "password_change_required")
    assert me.post("/windows/1/sign-in", {"post": "A"}).status_code == 403
    with pytest.raises(socketio.exceptions.ConnectionError):
        server.socket(token)  # no live screen either
    assert me.post("/auth/password", {"current": generated, "new": "My-own-pass-1"}).status_code == 204
    assert me.get("/me").status_code == 200  # the same sign-in, at once
    r = server.api().post("/auth/login", {"username": "S001", "password": "My-own-pass-1"})
    assert r.json()["must_change_password"] is False


@on_sqlite
def test_the_supervisors_pages_send_a_first_login_to_change_its_password(hall, server):
    generated = passwords.generate()
    with hall.db.write() as s:
        accounts.add_user(s, hall.hall, "S004", generated, "supervisor", generated=True)
        s.commit()
    page = requests.Session()
    r = page.post(server.url + "/assessment/login", data={"username": "S004", "password": generated},
                  allow_redirects=False)
    assert r.status_code == 302 and r.headers["Location"].endswith("/assessment/password")
    r = page.get(server.url + "/assessment/2026-11", allow_redirects=False)
    assert r.status_code == 302 and r.headers["Location"].endswith("/assessment/password")
    r = page.post(server.url + "/assessment/password", data={"current": generated, "new": "weakweak",
                                                              "confirm": "weakweak"})
    assert r.status_code == 400 and "密码不符合要求" in r.text
    r = page.post(server.url + "/assessment/password", data={"current": generated, "new": "Strong-pass-9",
                                                              "confirm": "Strong-pass-8"})
    assert r.status_code == 400 and "不一致" in r.text
    r = page.post(server.url + "/assessment/password", data={"current": generated, "new": "Strong-pass-9",
                                                              "confirm": "Strong-pass-9"}, allow_redirects=False)
    assert r.status_code == 302
    assert page.get(server.url + "/assessment/2026-11").status_code == 200
