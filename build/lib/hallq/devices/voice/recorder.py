"""The sound output simulator: "plays" a clip by recording it.

Used by tests, the benchmark and the demo hall, which run on machines without a
sound card. Each played clip is kept with its WAV bytes and the moments it
started and ended, so order, overlap, chime and repeats can be checked. With
`speed` set it takes as long as real playback would (divided by `speed`), so a
second clip started too early really overlaps. `unplug()` makes it fail like a
pulled USB speaker until `plug()`.

Interface::

    recorder = RecordingPlayback(speed=None, on_start=None)
    recorder.check(); recorder.play(clip)          # the Playback interface
    recorder.played -> list[PlayedClip]            # PlayedClip(clip, wav, started, ended)
    recorder.wait_for(count, timeout) -> bool
    recorder.max_concurrent -> int                 # 1 unless plays overlapped
    recorder.unplug(reason="no audio output device"); recorder.plug()
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from hallq.devices.voice.audio import Clip
from hallq.devices.voice.playback import PlaybackError


@dataclass(frozen=True)
class PlayedClip:
    clip: Clip
    wav: bytes
    started: float  # time.monotonic()
    ended: float


class RecordingPlayback:
    def __init__(self, speed: float | None = None, on_start: Callable[[Clip], None] | None = None) -> None:
        self.speed = speed
        self.on_start = on_start
        self.played: list[PlayedClip] = []
        self.max_concurrent = 0
        self._playing = 0
        self._fault: str | None = None
        self._changed = threading.Condition()

    def unplug(self, reason: str = "no audio output device") -> None:
        self._fault = reason

    def plug(self) -> None:
        self._fault = None

    def check(self) -> None:
        if self._fault:
            raise PlaybackError(self._fault)

    def play(self, clip: Clip) -> None:
        self.check()
        started = time.monotonic()
        if self.on_start:
            self.on_start(clip)
        with self._changed:
            self._playing += 1
            self.max_concurrent = max(self.max_concurrent, self._playing)
        try:
            if self.speed:
                time.sleep(clip.duration_s / self.speed)
        finally:
            with self._changed:
                self._playing -= 1
                ended = time.monotonic() if self.speed else started + clip.duration_s
                self.played.append(PlayedClip(clip, clip.wav(), started, ended))
                self._changed.notify_all()

    def wait_for(self, count: int, timeout: float) -> bool:
        """Block until at least `count` clips have been played."""
        with self._changed:
            return self._changed.wait_for(lambda: len(self.played) >= count, timeout)
