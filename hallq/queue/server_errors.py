"""The server's last errors, kept for the admins' watch page (/admin/devices).

An error logged by any server process (a failed push, a device job gone
wrong, an unexpected exception behind a 500) is a row here, so the admin sees
it whichever process answers the page, and after a restart. Rows hold the log
message and the exception's last lines, never request data: hallq's log lines
carry no personal data (ID and phone numbers are masked before they are
logged). Only the newest KEEP rows are kept.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text, delete, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from hallq.db import Base, UTCDateTime

KEEP = 500
MESSAGE_MAX = 500
DETAIL_MAX = 4000


class ServerError(Base):
    __tablename__ = "server_errors"
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int | None] = mapped_column(ForeignKey("halls.id"))  # None: the platform's, not one hall's
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    process: Mapped[str] = mapped_column(String(60))  # host:pid, to tell the processes of a platform apart
    logger: Mapped[str] = mapped_column(String(120))
    message: Mapped[str] = mapped_column(String(MESSAGE_MAX))
    detail: Mapped[str | None] = mapped_column(Text)  # the traceback's last lines


def record(s: Session, *, at: dt.datetime, process: str, logger: str, message: str, detail: str | None,
           hall_id: int | None = None) -> None:
    s.add(ServerError(hall_id=hall_id, at=at, process=process[:60], logger=logger[:120],
                      message=message[:MESSAGE_MAX], detail=detail[-DETAIL_MAX:] if detail else None))
    s.flush()
    newest = s.scalars(select(ServerError.id).order_by(ServerError.id.desc()).offset(KEEP).limit(1)).first()
    if newest is not None:
        s.execute(delete(ServerError).where(ServerError.id <= newest))


def recent(s: Session, hall_id: int, tz: dt.tzinfo, limit: int = 50) -> list[dict]:
    """The newest errors of this hall or of the platform, newest first, times in the hall's zone."""
    rows = s.scalars(select(ServerError).where(or_(ServerError.hall_id == hall_id, ServerError.hall_id.is_(None)))
                     .order_by(ServerError.id.desc()).limit(limit))
    return [{"at": r.at.astimezone(tz).isoformat(timespec="seconds"), "process": r.process, "logger": r.logger, "message": r.message,
             "detail": r.detail} for r in rows]
