"""Signing in and out, one's own password, unlocking accounts, revoking devices (API.md: Authentication).

Login goes through hallq.web.login_guard (throttled before any hashing); logout
revokes the token at once and closes its sockets; an admin unlocks an account
locked by repeated failures, and revokes a device's tokens (a stolen tablet),
which closes their sockets at once in this process and at the next sweep in others.
"""
from __future__ import annotations

import functools

from flask import Blueprint, jsonify

from hallq.queue import accounts
from hallq.queue.schemas import LoginIn, PasswordIn, RevokeIn
from hallq.web.login_guard import closed, end_sign_in
from hallq.web.openapi import spec
from hallq.web.runtime import Forbidden, bearer_token, body, now, principal, reading, runtime, unit_of_work

bp = Blueprint("auth_api", __name__, url_prefix="/api/v1")
route = functools.partial(spec.route, bp)


@route("POST", "/auth/login", "a staff member's token", body=LoginIn, public=True,
       responses={200: "{token, must_change_password, expires_at}",
                  401: "wrong username or password (the same answer for both)",
                  429: "too many failed logins from this address or for this username, the account locked, "
                       "or too many logins at once"})
def login():
    data = body(LoginIn)
    token = runtime().logins.sign_in(data.username, data.password)
    with reading() as uow:
        who = accounts.authenticate(uow.session, token, now())
    return jsonify({"token": token, "must_change_password": who.must_change_password,
                    "expires_at": who.expires_at.isoformat()})


@route("POST", "/auth/logout", "end this staff token at once (its open sockets are closed)",
       responses={204: "signed out"})
def logout():
    who = principal(password_change=True)
    if not who.is_staff:
        raise Forbidden("forbidden")  # a device's token is revoked by an admin (hallq token create --replace)
    end_sign_in(bearer_token(), who)
    return "", 204


@route("POST", "/auth/password", "change one's own password (the first login's requirement); one's other "
       "sign-ins end", body=PasswordIn,
       responses={204: "changed", 403: "the current password is wrong, or not a staff token",
                  429: "too many wrong passwords (they count as failed sign-ins), or the account is locked"})
def change_password():
    who = principal(password_change=True)
    if not who.is_staff:
        raise Forbidden("forbidden")
    data = body(PasswordIn)
    others = runtime().logins.change_password(who, data.current, data.new)
    closed(others)  # and this token is read again: kept with the requirement
    return "", 204


@route("POST", "/users/<username>/unlock", "an admin unlocks an account locked by failed logins",
       responses={200: "{username, locked}", 404: "no such user in this hall"})
def unlock(username: str):
    who = principal()
    who.require("configure")
    with unit_of_work() as uow:
        user = accounts.unlock_user(uow.session, who.hall_id, username)
        uow.commit()
        return jsonify({"username": user.username, "locked": False})


@route("POST", "/tokens/revoke", "an admin revokes a device's tokens by kind and name: requests and sockets end",
       body=RevokeIn, responses={200: "{revoked}: how many live tokens there were"})
def revoke_device():
    who = principal()
    who.require("configure")
    data = body(RevokeIn)
    with unit_of_work() as uow:
        ids = accounts.revoke_device_token_ids(uow.session, who.hall_id, data.kind, data.name, now())
        uow.commit()
    closed(ids)
    return jsonify({"revoked": len(ids)})
