"""The citizen's phone follows its own ticket live: the public `/ticket` namespace (hallq.protocol).

A status page connects with its ticket's token as its only credential (`auth={"ticket": token}`,
and the page's language as `"lang": "en"` or `"zh"`, Chinese when not given: the status's own words,
a case's, come in it as GET /t/{token}?lang= gives them); any other token is refused `ticket_unknown`, and the namespace has no `join`: the page sits in no room
of the hall and hears only `ticket.status` for its ticket (the same public status as
GET /api/v1/t/{token}: number, status, people ahead, estimate, calling window; nothing personal,
nothing of any other ticket).

When to send: every news of the hall (a call, an issue, a finish, a window signing out) may change
how many are ahead of a ticket or its estimate. The news marks its item (or, with no item, the whole
hall) as moved; PACE_S after the first mark, each page of a marked item connected to THIS process is
sent its ticket's status as the database has it then, one read for all of them. The pages are
counted per process (a socket lives in one); with several processes (Redis), each process tells the
others which items moved, once per paced moment, and each sends to its own pages.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Callable, Iterable

import socketio
from sqlalchemy import select

from hallq import protocol
from hallq.cases import views as case_views
from hallq.i18n import pick_lang
from hallq.queue.events import Event
from hallq.queue.halls import hall_context
from hallq.queue.models import Ticket
from hallq.queue.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

PACE_S = 0.1
ASK_EVERY_S = 1.0  # a page's own asks are answered at most this often: a script asking in a loop costs one read a second
MAX_TOKEN = 64  # a ticket's token is 24 characters; nothing longer is looked up
Mark = tuple[int, "str | None", "int | None"]  # hall, item code (None: every item), ticket id (None: any)


class PublicTickets:
    def __init__(self, runtime, sio: socketio.Server, announce: Callable[[list[Mark]], None] | None = None):
        """`announce` tells the other server processes of the marks made here (none: one process)."""
        self.runtime = runtime
        self.sio = sio
        self._announce = announce
        self._lock = threading.Lock()
        # Pages connected to this process: sid -> (hall, ticket id, language); ticket id -> its item's code
        # as last sent.
        self._pages: dict[str, tuple[int, int, str]] = {}
        self._items: dict[int, str] = {}
        self._asked: dict[str, float] = {}  # sid -> when its last ask was answered (monotonic)
        self._pending: set[Mark] = set()
        self._outgoing: set[Mark] = set()  # marks made here, for the other processes
        self._timer: threading.Timer | None = None
        ns = protocol.TICKET_NAMESPACE
        sio.on("connect", self._connect, namespace=ns)
        sio.on("disconnect", self._disconnect, namespace=ns)
        sio.on(protocol.TICKET_STATUS_ASK, self._ask, namespace=ns)

    # --- the pages -------------------------------------------------------------
    def _connect(self, sid, environ, auth):
        token = auth.get(protocol.TICKET_AUTH) if isinstance(auth, dict) else None
        if not isinstance(token, str) or not 0 < len(token) <= MAX_TOKEN:
            raise socketio.exceptions.ConnectionRefusedError(protocol.TICKET_UNKNOWN)
        asked = auth.get(protocol.TICKET_LANG)
        lang = pick_lang(asked if isinstance(asked, str) else None)
        with UnitOfWork(self.runtime.db.read) as uow:
            ticket = uow.session.scalar(select(Ticket).where(Ticket.token == token))
            if ticket is None:
                raise socketio.exceptions.ConnectionRefusedError(protocol.TICKET_UNKNOWN)
            status = self._status(uow, ticket, lang)
            page = (ticket.hall_id, ticket.id, lang)
        with self._lock:
            self._pages[sid] = page
            self._items[page[1]] = status["service"]
        self.sio.emit(protocol.TICKET_STATUS, status, to=sid, namespace=protocol.TICKET_NAMESPACE)

    def _disconnect(self, sid, *reason):
        with self._lock:
            page = self._pages.pop(sid, None)
            self._asked.pop(sid, None)
            if page and not any(p[1] == page[1] for p in self._pages.values()):
                self._items.pop(page[1], None)

    def _ask(self, sid, *payload):  # reads no payload, whatever one comes
        moment = time.monotonic()
        with self._lock:
            page = self._pages.get(sid)
            if page is None or moment - self._asked.get(sid, -ASK_EVERY_S) < ASK_EVERY_S:
                return
            self._asked[sid] = moment
        self._send({page[1]: [sid]})

    def pages(self) -> int:
        with self._lock:
            return len(self._pages)

    # --- the news ----------------------------------------------------------------
    def publish(self, events: Iterable[Event]) -> None:
        """The news committed in this process: mark what moved, here and (once a moment) in the others."""
        marks = {(e.hall_id, e.payload.get("service"), e.payload.get("id")) for e in events}
        with self._lock:
            self._outgoing |= marks
        self.mark(marks)

    def mark(self, marks: Iterable[Mark]) -> None:
        """Items (or halls) moved: their pages here get their status PACE_S after the first mark."""
        with self._lock:
            self._pending |= set(marks)
            if self._timer is None:
                self._timer = threading.Timer(PACE_S, self.flush)
                self._timer.daemon = True
                self._timer.start()

    def flush(self) -> None:
        with self._lock:
            pending, self._pending, self._timer = self._pending, set(), None
            outgoing, self._outgoing = self._outgoing, set()
            moved_halls = {h for h, code, _ in pending if code is None}
            moved_items = {(h, code) for h, code, _ in pending}
            tickets = {t for _, _, t in pending if t is not None}
            wanted: dict[int, list[str]] = {}
            for sid, (hall_id, ticket_id, _) in self._pages.items():
                if (hall_id in moved_halls or (hall_id, self._items.get(ticket_id)) in moved_items
                        or ticket_id in tickets):
                    wanted.setdefault(ticket_id, []).append(sid)
        if outgoing and self._announce is not None:
            try:
                self._announce(sorted(outgoing, key=repr))
            except Exception:  # the other processes' pages fall back on their polling
                log.exception("telling the other processes of %d moved queues failed", len(outgoing))
        if wanted:
            try:
                self._send(wanted)
            except Exception:  # the next news, or the page's own fallback poll, heals a lost one
                log.exception("sending %d tickets' status failed", len(wanted))

    def _send(self, wanted: dict[int, list[str]]) -> None:
        with self._lock:  # each page in its own language: one status per ticket and language asked
            langs = {sid: self._pages[sid][2] for sids in wanted.values() for sid in sids if sid in self._pages}
        with UnitOfWork(self.runtime.db.read) as uow:
            tickets = uow.session.scalars(select(Ticket).where(Ticket.id.in_(list(wanted)))).all()
            answers = [(t.id, {lang: self._status(uow, t, lang) for lang in
                               {langs[sid] for sid in wanted[t.id] if sid in langs}}) for t in tickets]
        for ticket_id, by_lang in answers:
            if not by_lang:
                continue
            with self._lock:
                if ticket_id in self._items:  # a transfer moves it to another item's news
                    self._items[ticket_id] = next(iter(by_lang.values()))["service"]
            for sid in wanted[ticket_id]:
                if sid in langs:
                    self.sio.emit(protocol.TICKET_STATUS, by_lang[langs[sid]], to=sid,
                                  namespace=protocol.TICKET_NAMESPACE)

    def _status(self, uow: UnitOfWork, ticket: Ticket, lang: str) -> dict:
        ctx = hall_context(uow.session, ticket.hall_id)
        # As GET /t/{token}?lang= answers it, the case included, in the language the page asked for.
        return case_views.public_status(uow.session, ctx, ticket, self.runtime.clock(), lang)
