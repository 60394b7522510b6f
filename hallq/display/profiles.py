"""Display profiles: which windows and items one group of hall TV displays shows.

A hall file lists profiles under `[[hall.displays]]` (see `DisplayProfile` in
hallq/queue/settings.py); a display token whose name matches one shows it, any
other display token the whole hall. A profile is resolved against the hall's
current windows and items, so "department BDC" follows the hall file as it
changes without the profile being edited.

A profile of kind "info" is the hall's public information screen: its snapshot
carries `info` (hallq.display.public_info) and the page shows that instead of calls.
With `prepare_next` (the profile's, else the hall's) each open window carries `next`,
the ticket it will call next ("请A003准备").

Interface::

    resolve(session, ctx, name) -> Profile
    display_snapshot(session, ctx, now, profile) -> dict   # the `snapshot` a display receives
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hallq.display.public_info import public_info
from hallq.queue import views
from hallq.queue.halls import HallContext
from hallq.queue.models import Department, Item, Window, WindowItem
from hallq.queue.settings import DisplayProfile

RECENT_CALLS = 10
# A zone sees only some of the hall's calls; look this far back to fill its list.
RECENT_CALLS_SCANNED = 200


@dataclass(frozen=True)
class Profile:
    name: str  # the display token's name ("" when it matches no profile)
    title: str
    title_en: str = ""
    windows: frozenset[int] | None = None  # None: every window of the hall
    services: frozenset[str] | None = None  # None: every item of the hall
    audio: bool = False
    prepare_next: bool = False  # each window's next ticket shown ("请A003准备")
    kind: str = "calls"  # calls, or info: the hall's public information (hallq.display.public_info)

    @property
    def whole_hall(self) -> bool:
        return self.windows is None and self.services is None

    def shows_window(self, number: int | None) -> bool:
        return self.windows is None or number in self.windows

    def shows_service(self, code: str | None) -> bool:
        return self.services is None or code in self.services

    def shows_call(self, window: int | None, service: str | None) -> bool:
        """A call to one of its windows, or for one of its items wherever it is served."""
        if self.whole_hall:
            return True
        return (self.windows is not None and window in self.windows) or \
            (self.services is not None and service in self.services)


def resolve(session: Session, ctx: HallContext, name: str) -> Profile:
    spec = next((d for d in ctx.settings.displays if d.name == name), None)
    hall_prepares = ctx.settings.prepare_next
    if spec is None:
        return Profile(name=name, title="", prepare_next=hall_prepares)
    prepare = hall_prepares if spec.prepare_next is None else spec.prepare_next
    if not (spec.department or spec.windows or spec.items):
        return Profile(name=name, title=spec.title, title_en=spec.title_en, audio=spec.audio, prepare_next=prepare,
                       kind=spec.kind)
    windows, services = _parts(session, ctx.id, spec)
    return Profile(name=name, title=spec.title, title_en=spec.title_en, windows=frozenset(windows),
                   services=frozenset(services), audio=spec.audio, prepare_next=prepare, kind=spec.kind)


def _parts(session: Session, hall_id: int, spec: DisplayProfile) -> tuple[set[int], set[str]]:
    """The window numbers and item codes a (non-whole-hall) profile covers."""
    served = session.execute(
        select(Window.number, Item.code).join(WindowItem, WindowItem.window_id == Window.id)
        .join(Item, Item.id == WindowItem.item_id)
        .where(Window.hall_id == hall_id, Window.active.is_(True), Item.active.is_(True))).all()
    dept_id = None
    if spec.department:
        dept_id = session.scalar(select(Department.id).where(Department.hall_id == hall_id,
                                                             Department.code == spec.department))
    if spec.windows:
        windows = set(spec.windows)
    elif spec.department:
        windows = set(session.scalars(select(Window.number).where(
            Window.hall_id == hall_id, Window.active.is_(True), Window.department_id == dept_id)))
    else:  # items only: the windows that serve them
        windows = {number for number, code in served if code in spec.items}
    if spec.items:
        services = set(spec.items)
    elif spec.department:
        services = set(session.scalars(select(Item.code).where(
            Item.hall_id == hall_id, Item.active.is_(True), Item.department_id == dept_id)))
    else:  # windows only: everything they serve
        services = {code for number, code in served if number in windows}
    return windows, services


def display_snapshot(session: Session, ctx: HallContext, now: dt.datetime, profile: Profile) -> dict:
    """The hall snapshot cut down to the profile, with what the page needs to draw it."""
    data = views.snapshot(session, ctx, now)
    if not profile.whole_hall:
        data["windows"] = [w for w in data["windows"] if profile.shows_window(w["number"])]
        data["services"] = [s for s in data["services"] if profile.shows_service(s["code"])]
        calls = views.recent_calls(session, ctx, now, limit=RECENT_CALLS_SCANNED)
        data["recent_calls"] = [c for c in calls if profile.shows_call(c["window"], c["service"])][:RECENT_CALLS]
    data["hall"]["timezone"] = ctx.hall.timezone
    if profile.prepare_next:
        _add_next(session, ctx, data["windows"])
    if profile.kind == "info":
        data["info"] = public_info(session, ctx)
    data["display"] = {
        "name": profile.name, "title": profile.title, "title_en": profile.title_en, "audio": profile.audio,
        "prepare_next": profile.prepare_next, "kind": profile.kind,
        "windows": sorted(profile.windows) if profile.windows is not None else None,
        "services": sorted(profile.services) if profile.services is not None else None,
    }
    return data


def _add_next(session: Session, ctx: HallContext, windows: list[dict]) -> None:
    """Each open window's next ticket (`next`: its number, or None), as the window would call it now."""
    open_numbers = [w["number"] for w in windows if w["status"] == "open"]
    rows = {w.number: w for w in session.scalars(select(Window).where(
        Window.hall_id == ctx.id, Window.number.in_(open_numbers)))} if open_numbers else {}
    for shown in windows:
        row = rows.get(shown["number"])
        following = views.upcoming(session, row, 1) if row is not None else []
        shown["next"] = following[0][0].number if following else None
