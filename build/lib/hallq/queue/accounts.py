"""Staff accounts, device tokens, and who may do what.

Tokens are random strings handed out once; only their SHA-256 is stored, so a
copy of the database does not let anyone act as a kiosk or a clerk.

Signing in (等保2.0 身份鉴别): wrong passwords in a row lock the account until an
admin unlocks it (the count and the lock are rows, so every server process and
a restart see them); an unknown username costs the same scrypt check as a wrong
password, so the answer's time does not tell which usernames exist. A staff
token ends after the hall's idle time and lifetime (settings.AccountSettings),
or when revoked (logout).
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from hallq.db import Base, UTCDateTime
from hallq.queue import passwords
from hallq.queue.agent_scope import AgentScope, format_windows
from hallq.queue.errors import Forbidden, Invalid, NotFound, Refused, Throttled, Unauthorized
from hallq.queue.halls import hall_context
from hallq.queue.models import Hall, Staff, Window

ROLES = ("admin", "supervisor", "clerk")
DEVICE_KINDS = ("kiosk", "display", "evaluator", "caller", "agent", "integration", "monitor")
WINDOW_BOUND_KINDS = ("evaluator", "caller")  # these act for one window only

# What each kind of caller may do. Clerks act only at the window they are
# signed in at; the engine checks that, this table only opens the door.
PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset({"read", "issue", "issue_green", "requeue", "window", "appointments", "configure", "review",
                        "assess", "appeal", "approve", "metrics", "complaints"}),
    # assess: see the assessment, enter supervisors' records, decide appeals (复议), run the self-check and review
    # approve: approve and publish a month's assessment (管委会, the centre's leadership: admins)
    # duty: keep the duty log (值班日志) as the day's duty manager (值班长): seed 004 has the centre's managers
    # serve, which hallq's supervisors are; admins read it (review) but do not keep it.
    # complaints: keep the complaint register (督查股); complainant: see a complainant's name and contact whole,
    # the supervision office alone (seed 004 投诉处理制度 第六条): an admin keeps the register but sees them masked
    "supervisor": frozenset({"read", "issue", "issue_green", "requeue", "window", "review", "assess", "appeal",
                             "duty", "complaints", "complainant"}),
    # appeal: a clerk appeals an item of their own card or of a window they hold a post at
    "clerk": frozenset({"read", "issue", "issue_green", "requeue", "window", "appeal"}),
    "kiosk": frozenset({"read", "issue", "requeue"}),
    "display": frozenset({"read"}),
    "evaluator": frozenset({"read", "rate"}),  # the pad: its own window's ticket just finished
    "caller": frozenset({"read", "window"}),
    "agent": frozenset({"read", "rate"}),  # evaluator keypads it hosts, for the window each names
    "integration": frozenset({"read", "appointments"}),
    "monitor": frozenset({"metrics"}),  # Prometheus: /metrics, and nothing of the hall's state
}


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # wrong passwords in a row
    locked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())  # until an admin unlocks it
    # A password someone else made (an admin, `hallq user add` without one): the owner changes it first.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")


class Token(Base):
    __tablename__ = "tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # a device kind, or "staff" for a login
    name: Mapped[str] = mapped_column(String(120))
    window_id: Mapped[int | None] = mapped_column(ForeignKey("windows.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # An agent token's AgentScope (what its agent may host); None for other kinds,
    # and for agent tokens from before scopes, which therefore host nothing.
    scope: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # A staff token's latest use (as runtime.touch writes it, at most once a minute): the idle time runs from it.
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


@dataclass(frozen=True)
class Principal:
    """Who is calling: a device or a signed-in staff member."""

    hall_id: int
    kind: str  # device kind, or the staff role
    name: str
    user_id: int | None = None
    window_number: int | None = None  # for window-bound devices
    scope: AgentScope | None = None  # an agent's: what it may host, as its token said when it connected
    token_id: int | None = None  # its token: a device's to read its scope again, any to revoke it
    expires_at: dt.datetime | None = None  # a staff token's end: its idle time or its lifetime, the earlier
    must_change_password: bool = False  # a staff member who may only change their password yet

    @property
    def is_staff(self) -> bool:
        return self.user_id is not None

    @property
    def actor(self) -> str:
        """How event rows name who did it."""
        return f"user:{self.name}" if self.is_staff else f"{self.kind}:{self.name}"

    def can(self, permission: str) -> bool:
        return permission in PERMISSIONS.get(self.kind, frozenset())

    def require(self, permission: str) -> None:
        if not self.can(permission):
            raise Forbidden("forbidden")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def resolve_hall(session: Session, code: str | None = None) -> Hall:
    """The hall named by code, or the only hall when there is one."""
    if code:
        hall = session.scalar(select(Hall).where(Hall.code == code))
        if hall is None:
            raise NotFound("hall_unknown", hall=code)
        return hall
    halls = session.scalars(select(Hall).limit(2)).all()
    if len(halls) != 1:
        raise Invalid("hall_ambiguous" if halls else "no_hall")
    return halls[0]


def hash_password(password: str) -> str:
    """A password as stored: scrypt, salted, slow on purpose (0.15-0.3 s)."""
    return generate_password_hash(password)


def add_user(session: Session, hall: Hall, username: str, password: str, role: str,
             staff_number: str | None = None, *, hashed: str | None = None, generated: bool = False) -> User:
    """`hashed`: hash_password(password) made already, for users who share one password (the demo's).
    `generated`: the password was made for them (passwords.generate), so they change it at first login."""
    if role not in ROLES:
        raise Invalid("invalid_input", detail=f"role must be one of {', '.join(ROLES)}")
    passwords.check(password, username)
    if session.scalar(select(User).where(User.username == username)):
        raise Refused("invalid_input", detail=f"user {username} exists")
    # A clerk's username is usually their staff number; link it when it is.
    staff = session.scalar(select(Staff).where(Staff.hall_id == hall.id,
                                               Staff.number == (staff_number or username)))
    if staff_number and staff is None:
        raise NotFound("invalid_input", detail=f"no staff member {staff_number}")
    user = User(hall_id=hall.id, username=username, password_hash=hashed or hash_password(password),
                role=role, staff_id=staff.id if staff else None, must_change_password=generated)
    session.add(user)
    session.flush()
    return user


def create_device_token(session: Session, hall: Hall, kind: str, name: str, now: dt.datetime,
                        window_number: int | None = None, scope: AgentScope | None = None) -> str:
    """A new device token. An agent token hosts what `scope` allows (nothing when it is None)."""
    if kind not in DEVICE_KINDS:
        raise Invalid("invalid_input", detail=f"kind must be one of {', '.join(DEVICE_KINDS)}")
    if kind == "agent":
        scope = scope or AgentScope()
        known = set(session.scalars(select(Window.number).where(Window.hall_id == hall.id)))
        unknown = sorted(scope.windows - known)
        if unknown:
            raise NotFound("window_unknown", window=format_windows(unknown))
    elif scope is not None:
        raise Invalid("invalid_input", detail="only an agent token hosts devices (--windows, --printers, --voice)")
    window_id = None
    if kind in WINDOW_BOUND_KINDS:
        if window_number is None:
            raise Invalid("invalid_input", detail=f"a {kind} token needs --window")
        window = session.scalar(select(Window).where(Window.hall_id == hall.id, Window.number == window_number))
        if window is None:
            raise NotFound("window_unknown", window=window_number)
        window_id = window.id
    token = secrets.token_urlsafe(32)
    session.add(Token(hall_id=hall.id, token_hash=_digest(token), kind=kind, name=name, window_id=window_id,
                      scope=scope.to_json() if scope is not None else None, created_at=now))
    return token


def token_row(session: Session, token: str) -> Token | None:
    """The row of a token whose value is known (just made): by its hash, the one thing stored."""
    return session.scalar(select(Token).where(Token.token_hash == _digest(token)))


def revoke_device_tokens(session: Session, hall: Hall, kind: str, name: str, now: dt.datetime) -> int:
    """Revoke the hall's live tokens of this kind and name (a new one replaces them); how many there were."""
    return len(revoke_device_token_ids(session, hall.id, kind, name, now))


def revoke_device_token_ids(session: Session, hall_id: int, kind: str, name: str, now: dt.datetime) -> list[int]:
    """As revoke_device_tokens; the ids revoked, whose sockets the caller closes."""
    if kind not in DEVICE_KINDS:
        raise Invalid("invalid_input", detail=f"kind must be one of {', '.join(DEVICE_KINDS)}")
    ids = list(session.scalars(select(Token.id).where(Token.hall_id == hall_id, Token.kind == kind,
                                                       Token.name == name, Token.revoked_at.is_(None))))
    if ids:
        session.execute(update(Token).where(Token.id.in_(ids)).values(revoked_at=now))
    return ids


def live_scope(session: Session, who: Principal) -> AgentScope | None:
    """What an agent may host now: its token's scope, or None once the token is revoked.

    The hub asks this again for every hello and keypad key, so a revoked token
    stops acting even on a connection made before.
    """
    if who.token_id is None:
        return None
    row = session.execute(select(Token.scope, Token.revoked_at).where(Token.id == who.token_id)).first()
    if row is None or row.revoked_at is not None:
        return None
    return AgentScope.from_json(row.scope)


@functools.cache
def _dummy_hash() -> str:
    """A hash of nothing anyone knows, checked for unknown usernames: made once, as slow to check as a real one."""
    return generate_password_hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class Candidate:
    """Whose password a login is checked against: a user's hash, or for an unknown user the dummy's."""

    user_id: int | None
    password_hash: str


def login_candidate(session: Session, username: str) -> Candidate:
    """Read before the password is checked; a locked account is refused here, before any hashing,
    so it costs the server nothing whatever is tried."""
    user = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
    if user is None:
        return Candidate(None, _dummy_hash())  # checked all the same: the same time as a wrong password
    if user.locked_at is not None:
        raise Throttled("account_locked")
    return Candidate(user.id, user.password_hash)


def password_matches(candidate: Candidate, password: str) -> bool:
    """The slow part (scrypt): the caller runs it outside any transaction, so no lock is held meanwhile."""
    return check_password_hash(candidate.password_hash, password) and candidate.user_id is not None


def record_login(session: Session, candidate: Candidate, matched: bool, now: dt.datetime) -> User | None:
    """The user who signed in, or None with the failure counted (and the account locked at the hall's
    limit); the caller commits either way."""
    user = session.get(User, candidate.user_id) if candidate.user_id is not None else None
    if user is None:
        return None
    if user.locked_at is not None:  # locked while the password was being checked
        raise Throttled("account_locked")
    if not matched or user.password_hash != candidate.password_hash:  # changed meanwhile: the old one is no key
        user.failed_logins += 1
        if user.failed_logins >= hall_context(session, user.hall_id).settings.accounts.lock_after_failures:
            user.locked_at = now
        return None
    user.failed_logins = 0
    return user


def check_login(session: Session, username: str, password: str, now: dt.datetime) -> User | None:
    """All three steps in one session (the CLI, tests): the user, or None with the failure counted."""
    candidate = login_candidate(session, username)
    return record_login(session, candidate, password_matches(candidate, password), now)


def login(session: Session, username: str, password: str, now: dt.datetime) -> str:
    """A new staff token, or 401 (API.md: the same answer for an unknown user and a wrong password)."""
    user = check_login(session, username, password, now)
    if user is None:
        raise Unauthorized("bad_login")
    return staff_token(session, user, now)


def staff_token(session: Session, user: User, now: dt.datetime) -> str:
    """A new token acting as `user` (after login has checked who they are)."""
    token = secrets.token_urlsafe(32)
    session.add(Token(hall_id=user.hall_id, token_hash=_digest(token), kind="staff",
                      name=user.username, user_id=user.id, created_at=now, last_used_at=now))
    return token


def authenticate(session: Session, token: str, now: dt.datetime) -> Principal | None:
    """Who `token` is now, or None: unknown, revoked, or a staff token past its idle time or lifetime."""
    row = session.execute(
        select(Token, User, Window.number)
        .outerjoin(User, User.id == Token.user_id)
        .outerjoin(Window, Window.id == Token.window_id)
        .where(Token.token_hash == _digest(token), Token.revoked_at.is_(None))
    ).first()
    if row is None:
        return None
    tok, user, window_number = row
    if tok.kind == "staff":
        if user is None or not user.active or user.locked_at is not None:
            return None
        expires_at = staff_token_end(session, tok)
        if now >= expires_at:
            return None
        return Principal(tok.hall_id, user.role, user.username, user_id=user.id, token_id=tok.id,
                         expires_at=expires_at, must_change_password=user.must_change_password)
    scope = AgentScope.from_json(tok.scope) if tok.kind == "agent" else None
    return Principal(tok.hall_id, tok.kind, tok.name, window_number=window_number, scope=scope, token_id=tok.id)


def staff_token_end(session: Session, tok: Token) -> dt.datetime:
    limits = hall_context(session, tok.hall_id).settings.accounts
    return min(tok.created_at + dt.timedelta(hours=limits.lifetime_hours),
               (tok.last_used_at or tok.created_at) + dt.timedelta(minutes=limits.idle_minutes))


def touch(session: Session, token_id: int, now: dt.datetime) -> None:
    """A staff token was used: its idle time starts again."""
    session.execute(update(Token).where(Token.id == token_id, Token.revoked_at.is_(None)).values(last_used_at=now))


def revoke_token(session: Session, token_id: int, now: dt.datetime) -> None:
    """End one token at once (logout). The caller tells the sockets (Realtime.close_revoked)."""
    session.execute(update(Token).where(Token.id == token_id, Token.revoked_at.is_(None)).values(revoked_at=now))


def unlock_user(session: Session, hall_id: int, username: str) -> User:
    """An admin lets a locked account sign in again (its failures forgotten)."""
    user = session.scalar(select(User).where(User.hall_id == hall_id, User.username == username))
    if user is None:
        raise NotFound("user_unknown", username=username)
    user.locked_at, user.failed_logins = None, 0
    return user


def change_password(session: Session, who: Principal, current: str, new: str, now: dt.datetime) -> list[int]:
    """The owner changes their password (knowing the current one); the first-login requirement is met.
    Their other sign-ins end (whoever knew the old password is out): the ids revoked, whose sockets
    the caller closes."""
    user_id = who.user_id
    user = session.get(User, user_id)
    if user is None or not check_password_hash(user.password_hash, current):
        raise Forbidden("wrong_password")
    passwords.check(new, user.username)
    if new == current:
        raise Invalid("weak_password", detail="the new password must differ from the current one")
    user.password_hash = hash_password(new)
    user.must_change_password = False
    others = list(session.scalars(select(Token.id).where(Token.user_id == user_id, Token.id != who.token_id,
                                                          Token.revoked_at.is_(None))))
    if others:
        session.execute(update(Token).where(Token.id.in_(others)).values(revoked_at=now))
    return others


def reset_password(session: Session, hall_id: int, username: str) -> str:
    """An admin gives a user a new generated password (to change at first login), unlocking the account."""
    user = unlock_user(session, hall_id, username)
    password = passwords.generate()
    user.password_hash, user.must_change_password = hash_password(password), True
    return password


def person_name(session: Session, who: Principal) -> str:
    """How records name a staff member to people: their name and staff number, else their username."""
    row = session.execute(select(Staff.name, Staff.number).join(User, User.staff_id == Staff.id)
                          .where(User.id == who.user_id)).first() if who.user_id is not None else None
    return f"{row.name}（{row.number}）" if row else who.name
