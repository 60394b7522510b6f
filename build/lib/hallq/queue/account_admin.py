"""An admin's work on accounts and device tokens, each change in the audit log.

Passwords and tokens are shown once, to the admin who made them, and never
stored or audited as such (only their hashes are stored, by accounts.py). A
disabled account is kept (its events and sessions still name it) and every
sign-in it has ends at once. Revoking a token ends it; replacing one revokes
it and makes a new one of the same kind, name, window and scope (a tablet
lost, or a set-up link shown to the wrong person).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from hallq.queue import accounts, audit, passwords
from hallq.queue.accounts import Token, User
from hallq.queue.agent_scope import AgentScope
from hallq.queue.errors import Forbidden, Invalid, NotFound, Refused
from hallq.queue.models import Hall, Staff, Window
from hallq.queue.unit_of_work import UnitOfWork


def _view(session, user: User) -> dict:
    staff = session.get(Staff, user.staff_id) if user.staff_id else None
    return {"username": user.username, "role": user.role, "staff": staff.number if staff else None,
            "active": user.active, "locked": user.locked_at is not None}


def _user(session, hall_id: int, username: str) -> User:
    user = session.scalar(select(User).where(User.hall_id == hall_id, User.username == username))
    if user is None:
        raise NotFound("user_unknown", username=username)
    return user


def list_accounts(uow: UnitOfWork, hall_id: int) -> list[dict]:
    users = uow.session.scalars(select(User).where(User.hall_id == hall_id).order_by(User.username))
    return [_view(uow.session, u) for u in users]


def create_account(uow: UnitOfWork, hall_id: int, actor: str, now: dt.datetime, username: str, role: str,
                   staff: str | None) -> tuple[dict, str]:
    """A new account with a generated password (shown once; changed at first sign-in): its view and the password."""
    s = uow.session
    if s.scalar(select(User.id).where(User.username == username)) is not None:
        raise Refused("user_exists", username=username)
    password = passwords.generate()
    user = accounts.add_user(s, s.get(Hall, hall_id), username, password, role, staff, generated=True)
    view = _view(s, user)
    audit.record(s, hall_id, actor, "account", username, "create", None, view, now)
    return view, password


def _end_sign_ins(session, user: User, now: dt.datetime) -> list[int]:
    ids = list(session.scalars(select(Token.id).where(Token.user_id == user.id, Token.revoked_at.is_(None))))
    if ids:
        session.execute(update(Token).where(Token.id.in_(ids)).values(revoked_at=now))
    return ids


def update_account(uow: UnitOfWork, hall_id: int, who: accounts.Principal, now: dt.datetime, username: str, *,
                   role: str | None = None, active: bool | None = None) -> tuple[dict, list[int]]:
    """A new role, or disabled / enabled again: its view, and the token ids whose sockets to close."""
    s = uow.session
    user = _user(s, hall_id, username)
    if user.id == who.user_id and (active is False or (role and role != user.role)):
        raise Forbidden("own_account")  # the last admin could lock the hall out of its own settings
    if role is not None and role not in accounts.ROLES:
        raise Invalid("invalid_input", detail=f"role must be one of {', '.join(accounts.ROLES)}")
    before = _view(s, user)
    if role is not None:
        user.role = role
    if active is not None:
        user.active = active
    ended = _end_sign_ins(s, user, now) if before["role"] != user.role or (before["active"] and not user.active) \
        else []  # a sign-in carries its role: a changed role signs in again
    after = _view(s, user)
    audit.record(s, hall_id, who.actor, "account", username, "update", before, after, now)
    return after, ended


def reset_password(uow: UnitOfWork, hall_id: int, actor: str, now: dt.datetime, username: str) -> tuple[str, list[int]]:
    """A new generated password (shown once, changed at first sign-in); the account unlocked, its sign-ins ended."""
    s = uow.session
    user = _user(s, hall_id, username)
    before = _view(s, user)
    password = accounts.reset_password(s, hall_id, username)
    ended = _end_sign_ins(s, user, now)
    audit.record(s, hall_id, actor, "account", username, "reset_password", before, _view(s, user), now)
    return password, ended


# --- device tokens ----------------------------------------------------------------

def _token_view(session, tok: Token) -> dict:
    window = session.get(Window, tok.window_id) if tok.window_id else None
    return {"id": tok.id, "kind": tok.kind, "name": tok.name, "window": window.number if window else None,
            "scope": tok.scope, "created_at": tok.created_at.isoformat(),
            "revoked_at": tok.revoked_at.isoformat() if tok.revoked_at else None}


def list_tokens(uow: UnitOfWork, hall_id: int) -> list[dict]:
    """The hall's live device tokens (never their values: only hashes are kept)."""
    rows = uow.session.scalars(select(Token).where(Token.hall_id == hall_id, Token.kind != "staff",
                                                   Token.revoked_at.is_(None)).order_by(Token.kind, Token.name))
    return [_token_view(uow.session, t) for t in rows]


def create_token(uow: UnitOfWork, hall_id: int, actor: str, now: dt.datetime, kind: str, name: str,
                 window: int | None, scope: AgentScope | None) -> tuple[dict, str]:
    s = uow.session
    value = accounts.create_device_token(s, s.get(Hall, hall_id), kind, name, now, window, scope)
    s.flush()
    tok = accounts.token_row(s, value)
    view = _token_view(s, tok)
    audit.record(s, hall_id, actor, "token", name, "create", None, view, now)
    return view, value


def _token(session, hall_id: int, token_id: int) -> Token:
    tok = session.get(Token, token_id)
    if tok is None or tok.hall_id != hall_id or tok.kind == "staff":
        raise NotFound("token_unknown")
    return tok


def revoke_token(uow: UnitOfWork, hall_id: int, actor: str, now: dt.datetime, token_id: int) -> dict:
    s = uow.session
    tok = _token(s, hall_id, token_id)
    if tok.revoked_at is not None:
        raise Refused("token_unknown")
    before = _token_view(s, tok)
    tok.revoked_at = now
    after = _token_view(s, tok)
    audit.record(s, hall_id, actor, "token", tok.name, "revoke", before, after, now)
    return after


def replace_token(uow: UnitOfWork, hall_id: int, actor: str, now: dt.datetime, token_id: int) -> tuple[dict, str]:
    """The token revoked and a new one of its kind, name, window and scope made: the new one's view and value."""
    s = uow.session
    old = _token(s, hall_id, token_id)
    window = s.get(Window, old.window_id).number if old.window_id else None
    scope = AgentScope.from_json(old.scope) if old.kind == "agent" else None
    revoke_token(uow, hall_id, actor, now, token_id)
    return create_token(uow, hall_id, actor, now, old.kind, old.name, window, scope)
