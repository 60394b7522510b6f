"""The hall's public information screen (a display profile of kind "info").

What a hall must post for everyone: who works at which window (亮证上岗: photo, name,
staff number, post), where to complain (监督电话 and the other channels), and, once
a month is published, its bulletin with the honoured windows (seed 003: "评比结果在
中心一楼公布"). Only what is posted at the windows anyway leaves here: names and staff
numbers, never anything else about a person. Only a PUBLISHED month is shown (its
newest revision), never a running or provisional one.

Interface::

    public_info(session, ctx) -> dict   # the `info` part of an info display's snapshot
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hallq.assessment.models import PublishedRevision
from hallq.assessment.scorecard import MonthResult
from hallq.queue.halls import HallContext
from hallq.queue.models import Department, Staff, Window, WindowPost

BULLETIN_RANKS = 10  # the top of the windows' ranking the screen lists beside the honours


def public_info(session: Session, ctx: HallContext) -> dict:
    posted = ctx.settings.public_info
    return {
        "roster": roster(session, ctx.id),
        "supervision": {"phone": posted.supervision_phone, "channels": list(posted.complaint_channels)},
        "bulletin": bulletin(session, ctx.id),
    }


def roster(session: Session, hall_id: int) -> list[dict]:
    """Active staff with their posts, by window then post (A before B); staff without a post last."""
    departments = dict(session.execute(select(Department.id, Department.name).where(Department.hall_id == hall_id)).all())
    posts: dict[int, list[dict]] = {}
    for window_number, window_name, post, staff_id in session.execute(
            select(Window.number, Window.name, WindowPost.post, WindowPost.staff_id)
            .join(WindowPost, WindowPost.window_id == Window.id)
            .where(Window.hall_id == hall_id, Window.active.is_(True)).order_by(Window.number, WindowPost.post)):
        posts.setdefault(staff_id, []).append({"window": window_number, "window_name": window_name, "post": post})
    people = session.scalars(select(Staff).where(Staff.hall_id == hall_id, Staff.active.is_(True))).all()
    shown = [{"number": p.number, "name": p.name, "department": departments.get(p.department_id),
              "posts": posts.get(p.id, []), "photo": bool(p.photo)} for p in people]
    return sorted(shown, key=lambda p: (not p["posts"], min((x["window"], x["post"]) for x in p["posts"])
                                        if p["posts"] else (0, ""), p["number"]))


def bulletin(session: Session, hall_id: int) -> dict | None:
    """The newest published month's windows: honours by title and the top of the ranking."""
    row = session.scalar(select(PublishedRevision).where(PublishedRevision.hall_id == hall_id)
                         .order_by(PublishedRevision.month.desc(), PublishedRevision.revision.desc()).limit(1))
    if row is None:
        return None
    cards = MonthResult.from_record(row.result).cards.get("window", [])
    honours: dict[str, list[dict]] = {}
    for card in cards:
        for title in card.selected:
            honours.setdefault(title, []).append({"window": card.number, "name": card.name, "score": card.score})
    ranked = [c for c in cards if c.rank is not None][:BULLETIN_RANKS]
    return {
        "month": row.month, "revision": row.revision, "published_at": row.published_at.isoformat(),
        "honours": [{"title": title, "windows": windows} for title, windows in honours.items()],
        "ranking": [{"rank": c.rank, "window": c.number, "name": c.name, "score": c.score, "grade": c.grade}
                    for c in ranked],
    }
