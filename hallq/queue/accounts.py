"""Staff accounts, device tokens, and who may do what.

Tokens are random strings handed out once; only their SHA-256 is stored, so a
copy of the database does not let anyone act as a kiosk or a clerk.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import JSON, Boolean, ForeignKey, String, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from hallq.db import Base, UTCDateTime
from hallq.queue.agent_scope import AgentScope, format_windows
from hallq.queue.errors import Forbidden, Invalid, NotFound, Refused, Unauthorized
from hallq.queue.models import Hall, Staff, Window

ROLES = ("admin", "supervisor", "clerk")
DEVICE_KINDS = ("kiosk", "display", "evaluator", "caller", "agent", "integration")
WINDOW_BOUND_KINDS = ("evaluator", "caller")  # these act for one window only

# What each kind of caller may do. Clerks act only at the window they are
# signed in at; the engine checks that, this table only opens the door.
PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset({"read", "issue", "issue_green", "requeue", "window", "appointments", "configure", "review",
                        "assess", "appeal", "approve"}),
    # assess: see the assessment, enter supervisors' records, decide appeals (复议), run the self-check and review
    # approve: approve and publish a month's assessment (管委会, the centre's leadership: admins)
    "supervisor": frozenset({"read", "issue", "issue_green", "requeue", "window", "review", "assess", "appeal"}),
    # appeal: a clerk appeals an item of their own card or of a window they hold a post at
    "clerk": frozenset({"read", "issue", "issue_green", "requeue", "window", "appeal"}),
    "kiosk": frozenset({"read", "issue", "requeue"}),
    "display": frozenset({"read"}),
    "evaluator": frozenset({"read", "rate"}),  # the pad: its own window's ticket just finished
    "caller": frozenset({"read", "window"}),
    "agent": frozenset({"read", "rate"}),  # evaluator keypads it hosts, for the window each names
    "integration": frozenset({"read", "appointments"}),
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


@dataclass(frozen=True)
class Principal:
    """Who is calling: a device or a signed-in staff member."""

    hall_id: int
    kind: str  # device kind, or the staff role
    name: str
    user_id: int | None = None
    window_number: int | None = None  # for window-bound devices
    scope: AgentScope | None = None  # an agent's: what it may host, as its token said when it connected
    token_id: int | None = None  # a device's token, to read its scope (and whether it still stands) again

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
             staff_number: str | None = None, *, hashed: str | None = None) -> User:
    """`hashed`: hash_password(password) made already, for users who share one password (the demo's)."""
    if role not in ROLES:
        raise Invalid("invalid_input", detail=f"role must be one of {', '.join(ROLES)}")
    if len(password) < 8:
        raise Invalid("invalid_input", detail="password must be at least 8 characters")
    if session.scalar(select(User).where(User.username == username)):
        raise Refused("invalid_input", detail=f"user {username} exists")
    # A clerk's username is usually their staff number; link it when it is.
    staff = session.scalar(select(Staff).where(Staff.hall_id == hall.id,
                                               Staff.number == (staff_number or username)))
    if staff_number and staff is None:
        raise NotFound("invalid_input", detail=f"no staff member {staff_number}")
    user = User(hall_id=hall.id, username=username, password_hash=hashed or hash_password(password),
                role=role, staff_id=staff.id if staff else None)
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


def revoke_device_tokens(session: Session, hall: Hall, kind: str, name: str, now: dt.datetime) -> int:
    """Revoke the hall's live tokens of this kind and name (a new one replaces them); how many there were."""
    result = session.execute(update(Token).where(Token.hall_id == hall.id, Token.kind == kind, Token.name == name,
                                                 Token.revoked_at.is_(None)).values(revoked_at=now))
    return result.rowcount


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


def login(session: Session, username: str, password: str, now: dt.datetime) -> str:
    user = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
    if user is None or not check_password_hash(user.password_hash, password):
        raise Unauthorized("bad_login")  # API.md: a failed login is 401
    return staff_token(session, user, now)


def staff_token(session: Session, user: User, now: dt.datetime) -> str:
    """A new token acting as `user` (after login has checked who they are)."""
    token = secrets.token_urlsafe(32)
    session.add(Token(hall_id=user.hall_id, token_hash=_digest(token), kind="staff",
                      name=user.username, user_id=user.id, created_at=now))
    return token


def authenticate(session: Session, token: str) -> Principal | None:
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
        if user is None or not user.active:
            return None
        return Principal(tok.hall_id, user.role, user.username, user_id=user.id)
    scope = AgentScope.from_json(tok.scope) if tok.kind == "agent" else None
    return Principal(tok.hall_id, tok.kind, tok.name, window_number=window_number, scope=scope, token_id=tok.id)
