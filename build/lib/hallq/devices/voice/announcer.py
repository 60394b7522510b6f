"""The announcer: one worker speaks calls one after another, never two at once.

Calls queue in the order they arrive. The worker renders each one (chime, the
sentence, repeated) into one clip and plays it to the end before taking the next,
so announcements never overlap. A recall queues the same words again.

After an outage (network, sound device) a backlog must not replay calls people
stopped waiting for: when a call's turn comes and it is older than
`max_age_s` it is dropped as "stale"; and a call for a ticket that already
waits in the queue replaces the waiting one ("superseded"), so a ticket called,
recalled and transferred meanwhile is spoken once, with its latest window.
(Calls are matched by ticket number, or by the `key` the server sends with
its words.)

However often 重呼 is pressed, a hall hears a ticket at most twice in a row: a
call arriving while the same call is being spoken is merged into it ("merged":
the hall is hearing it right now), and a third announcement of one call right
after two (within `in_a_row_gap_s` of the second's end, nothing else spoken
between) is merged too. The server's recall limit counts the presses.

Failures never stop the worker and are never silent: `on_status` receives a
`VoiceStatus` whenever the state (ok/failed) or the reason changes; the agent
turns it into `device.status`. While failed, the worker checks the engine and
the sound output again every `recheck_s`, so a replugged speaker reports ok
without waiting for the next call.

Interface::

    announcer = Announcer(playback, settings=VoiceSettings(), engine=None,
                          on_status=None, on_done=None, clock=utc_now)
    announcer.start()
    announcer.announce(number, window, called_at=None, *, text=None, lang=None, key=None,
                       job_id=None) -> Announcement      # number+window, or text
    announcer.recall(number_or_key, *, job_id=None) -> Announcement | None
    announcer.update_settings(settings)             # ValueError for a bad chime file
    announcer.status -> VoiceStatus
    announcer.pending() -> list[Announcement]
    announcer.wait_idle(timeout) -> bool
    announcer.close(timeout=5.0)                    # pending ones end as "cancelled"
    on_status(VoiceStatus(state, source, reason, at))
    on_done(announcement, outcome, detail)          # outcome: see OUTCOMES
    compose_announcement(text, settings, engine, volume=1.0, lang=None) -> Clip
"""
from __future__ import annotations

import datetime as dt
import functools
import logging
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from hallq.devices.voice.audio import Clip, join_parts, load_sound_file, scale, silence, tone_chime
from hallq.devices.voice.engine import EngineError, SpeechEngine
from hallq.devices.voice.playback import Playback, PlaybackError
from hallq.devices.voice.settings import VoiceSettings
from hallq.wording import announcement_text

log = logging.getLogger(__name__)

# How an announcement ended, as on_done reports it.
OUTCOMES = ("played", "stale", "superseded", "merged", "failed", "cancelled")
IN_A_ROW = 2  # the most times one call is announced back to back
_REMEMBERED_CALLS = 500  # numbers a recall can find


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@dataclass(frozen=True)
class Announcement:
    number: str | None  # the ticket ("A001"); may be None when the server sent the words
    window: int | str | None
    called_at: dt.datetime  # aware: when the call was made, not when it got here
    text: str | None = None  # wording decided elsewhere (the server); else the settings' template
    lang: str | None = None  # voice for `text`; else the settings' language
    key: str | None = None  # what repeats of one call share; else the ticket number
    job_id: str | None = None  # the agent's job, handed back with the outcome
    queued_at: float = field(default=0.0, compare=False)  # monotonic, for latency figures

    @property
    def collapse_key(self) -> str:
        return self.key or _key(self.number or "")


@dataclass(frozen=True)
class VoiceStatus:
    state: str  # "ok" or "failed"
    source: str | None  # what failed: "engine" or "audio"
    reason: str | None
    at: dt.datetime


@functools.lru_cache(maxsize=16)
def _chime_pcm(chime: str, sample_rate: int, volume_percent: int = 100) -> bytes:
    if chime == "none":
        return b""
    if chime == "tone":
        pcm = tone_chime(sample_rate)
    else:
        pcm = load_sound_file(chime, sample_rate)
    return scale(pcm, volume_percent / 100)


def compose_announcement(
    text: str, settings: VoiceSettings, engine: SpeechEngine, volume: float = 1.0, lang: str | None = None
) -> Clip:
    """Chime, then the sentence `settings.repeat` times with pauses, at `volume`.

    The speech comes from espeak-ng at that volume and the chime is scaled once
    per volume level and kept, so no call pays for scaling samples in Python.
    """
    level = round(min(max(volume, 0.0), 1.0) * 100)
    speech = engine.synthesize(text, lang or settings.lang, settings.rate, level / 100)
    rate = speech.sample_rate
    parts: list[tuple[str, bytes]] = []
    chime = _chime_pcm(settings.chime, rate, level)
    if chime:
        parts.append(("chime", chime))
    for i in range(settings.repeat):
        if i:
            parts.append(("pause", silence(settings.repeat_pause_s, rate)))
        parts.append(("speech", speech.pcm))
    return join_parts(parts, rate)


def _same_call(a: Announcement, b: Announcement) -> bool:
    """The same call in the same words (a recall of it); a ticket sent to another window is a new call."""
    return a.collapse_key == b.collapse_key and (a.window, a.text) == (b.window, b.text)


def _key(number: str) -> str:
    return number.strip().upper()


class Announcer:
    def __init__(
        self,
        playback: Playback,
        settings: VoiceSettings | None = None,
        engine: SpeechEngine | None = None,
        on_status: Callable[[VoiceStatus], None] | None = None,
        on_done: Callable[[Announcement, str, str | None], None] | None = None,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self._playback = playback
        self._engine = engine or SpeechEngine.shared()
        self._on_status = on_status
        self._on_done = on_done
        self._clock = clock
        self._settings = VoiceSettings()
        self.update_settings(settings or VoiceSettings())
        self._queue: deque[Announcement] = deque()
        self._recent: OrderedDict[str, Announcement] = OrderedDict()
        self._cond = threading.Condition()
        self._busy = False
        self._speaking: Announcement | None = None  # the one being spoken now
        # The run of one call spoken back to back: the call, how often, when the last one ended (monotonic).
        self._in_a_row: tuple[Announcement | None, int, float] = (None, 0, 0.0)
        self._closing = False
        self._status = VoiceStatus("ok", None, None, clock())
        self._status_known = False
        self._thread: threading.Thread | None = None

    # Called from any thread.

    def update_settings(self, settings: VoiceSettings) -> None:
        # Load a chime file now so a bad path is refused where it is configured.
        _chime_pcm(settings.chime, 22050)
        self._settings = settings

    @property
    def status(self) -> VoiceStatus:
        return self._status

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="hallq-announcer", daemon=True)
            self._thread.start()

    def announce(
        self,
        number: str | None = None,
        window: int | str | None = None,
        called_at: dt.datetime | None = None,
        *,
        text: str | None = None,
        lang: str | None = None,
        key: str | None = None,
        job_id: str | None = None,
    ) -> Announcement:
        """Queue a call: by ticket and window (worded by the template), or as `text`.

        A call with the same key (by default the ticket number) still waiting is
        replaced by this one, which goes to the end of the queue.
        """
        if text is None and (number is None or window is None):
            raise ValueError("an announcement needs a ticket number and a window, or its text")
        announcement = Announcement(
            number, window, called_at or self._clock(), text, lang, key, job_id, time.monotonic()
        )
        collapse = announcement.collapse_key
        superseded = []
        with self._cond:
            if self._closing:
                raise RuntimeError("the announcer is closed")
            merged = self._speaking is not None and _same_call(self._speaking, announcement)
            if not merged:
                for waiting in list(self._queue):
                    if waiting.collapse_key == collapse:
                        self._queue.remove(waiting)
                        superseded.append(waiting)
                self._queue.append(announcement)
            self._recent[collapse] = announcement
            self._recent.move_to_end(collapse)
            while len(self._recent) > _REMEMBERED_CALLS:
                self._recent.popitem(last=False)
            self._cond.notify_all()
        if merged:  # the hall is hearing this very call right now
            self._done(announcement, "merged", "the same call is being spoken")
        for waiting in superseded:
            self._done(waiting, "superseded", "called again")
        return announcement

    def recall(self, key: str, *, job_id: str | None = None) -> Announcement | None:
        """Queue the last call of a ticket number (or key) again, as a new call; None if never called."""
        with self._cond:
            last = self._recent.get(key) or self._recent.get(_key(key))
        if last is None:
            return None
        return self.announce(
            last.number, last.window, text=last.text, lang=last.lang, key=last.key, job_id=job_id
        )

    def pending(self) -> list[Announcement]:
        with self._cond:
            return list(self._queue)

    def wait_idle(self, timeout: float) -> bool:
        """Block until nothing waits and nothing plays."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._queue and not self._busy, timeout)

    def close(self, timeout: float = 5.0) -> None:
        with self._cond:
            self._closing = True
            left = list(self._queue)
            self._queue.clear()
            self._cond.notify_all()
        for announcement in left:
            self._done(announcement, "cancelled", "announcer closed")
        if self._thread is not None:
            self._thread.join(timeout)

    # The worker.

    def _run(self) -> None:
        self._check()
        while True:
            with self._cond:
                if not self._queue and not self._closing:
                    wait = self._settings.recheck_s if self._status.state == "failed" else None
                    self._cond.wait(wait)
                if self._closing:
                    return
                announcement = self._queue.popleft() if self._queue else None
                self._busy = announcement is not None
                self._speaking = announcement
            try:
                if announcement is None:
                    self._check()
                else:
                    self._speak(announcement)
            except Exception:  # a bug must not silence the hall for the rest of the day
                log.exception("announcer worker error")
                self._report("failed", "engine", "internal error in the announcer")
                if announcement is not None:
                    self._done(announcement, "failed", "internal error in the announcer")
            finally:
                with self._cond:
                    self._busy = False
                    self._speaking = None
                    self._cond.notify_all()

    def _check(self) -> None:
        settings = self._settings
        try:
            self._engine.synthesize("请", settings.lang, settings.rate, cached=False)
        except EngineError as exc:
            self._report("failed", "engine", str(exc))
            return
        try:
            self._playback.check()
        except PlaybackError as exc:
            self._report("failed", "audio", str(exc))
            return
        self._report("ok", None, None)

    def _speak(self, announcement: Announcement) -> None:
        settings = self._settings
        now = self._clock()
        age = (now - announcement.called_at).total_seconds()
        if age > settings.max_age_s:
            self._done(announcement, "stale", f"called {age:.0f} s ago")
            return
        last, times, ended = self._in_a_row
        in_a_row = (last is not None and _same_call(last, announcement)
                    and time.monotonic() - ended < settings.in_a_row_gap_s)
        if in_a_row and times >= IN_A_ROW:
            self._done(announcement, "merged", f"announced {times} times in a row already")
            return
        lang = announcement.lang or settings.lang
        try:
            text = announcement.text or announcement_text(
                announcement.number, announcement.window, settings.template, lang
            )
            clip = compose_announcement(text, settings, self._engine, settings.volume_at(now), lang)
        except (EngineError, ValueError) as exc:
            self._report("failed", "engine", str(exc))
            self._done(announcement, "failed", str(exc))
            return
        try:
            self._playback.play(clip)
        except Exception as exc:  # PlaybackError, or whatever a sound driver throws
            if not isinstance(exc, PlaybackError):
                log.exception("sound output error")
            reason = str(exc) or type(exc).__name__
            self._report("failed", "audio", reason)
            self._done(announcement, "failed", reason)
            return
        self._in_a_row = (announcement, times + 1 if in_a_row else 1, time.monotonic())
        self._report("ok", None, None)
        self._done(announcement, "played", None)

    def _report(self, state: str, source: str | None, reason: str | None) -> None:
        previous = self._status
        if self._status_known and (previous.state, previous.source, previous.reason) == (state, source, reason):
            return
        self._status_known = True
        self._status = VoiceStatus(state, source, reason, self._clock())
        if state == "failed":
            log.warning("voice announcements failing (%s): %s", source, reason)
        if self._on_status:
            try:
                self._on_status(self._status)
            except Exception:
                log.exception("voice status callback failed")

    def _done(self, announcement: Announcement, outcome: str, detail: str | None) -> None:
        if self._on_done:
            try:
                self._on_done(announcement, outcome, detail)
            except Exception:
                log.exception("announcement outcome callback failed")
