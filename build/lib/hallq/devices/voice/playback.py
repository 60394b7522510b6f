"""Playing a clip on the machine's sound output.

`Playback` is the small interface the announcer needs; `MiniaudioPlayback` is the
real one, `RecordingPlayback` (recorder.py) the simulator.

miniaudio's wheel carries its C library and reaches ALSA or PulseAudio at run
time, so nothing needs compiling and a machine with no sound card fails with a
clear error instead of hanging. Its "null" backend, which plays into nothing,
is left out by default: silence must be reported, not mistaken for sound. A
device is opened per clip and closed after it, so an unplugged USB speaker that
comes back is simply found again at the next call.

Interface::

    playback.check() -> None        # raises PlaybackError if nothing can play now
    playback.play(clip) -> None     # blocks until the clip has played; PlaybackError
"""
from __future__ import annotations

import ctypes
import ctypes.util
import functools
import threading
import time
from collections.abc import Generator
from typing import Protocol

from hallq.devices.voice.audio import SAMPLE_WIDTH, Clip, silence


class PlaybackError(RuntimeError):
    """The sound output cannot play (no device, device lost, stalled)."""


class Playback(Protocol):
    def check(self) -> None: ...

    def play(self, clip: Clip) -> None: ...


# alsa-lib prints every failed open to stderr ("ALSA lib pcm.c: Unknown PCM ..."):
# on a machine without a sound card that is a burst of lines at every recheck.
# The failure reaches device status through PlaybackError, so its chatter goes.
_ALSA_ERROR_HANDLER = ctypes.CFUNCTYPE(
    None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p
)


@functools.cache
def _quiet_alsa() -> object | None:
    name = ctypes.util.find_library("asound")
    if not name:
        return None
    try:
        library = ctypes.CDLL(name)  # the same object miniaudio loads later
    except OSError:
        return None
    handler = _ALSA_ERROR_HANDLER(lambda *args: None)
    library.snd_lib_error_set_handler(handler)
    return handler  # kept alive by the cache: alsa-lib holds the pointer


class MiniaudioPlayback:
    BUFFER_MS = 200
    CHECK_RATE = 22050

    def __init__(self, backends: list[str] | None = None, device_name: str | None = None) -> None:
        """`backends` by miniaudio name ("alsa", "pulseaudio", "null"...); `device_name`
        picks an output by (part of) its name, else the system default."""
        import miniaudio

        _quiet_alsa()
        self._miniaudio = miniaudio
        if backends is None:
            self._backends = [b for b in miniaudio.Backend if b is not miniaudio.Backend.NULL]
        else:
            self._backends = [miniaudio.Backend[name.upper()] for name in backends]
        self._device_name = device_name

    def _open(self, sample_rate: int):
        miniaudio = self._miniaudio
        try:
            device_id = self._find_device() if self._device_name else None
            return miniaudio.PlaybackDevice(
                output_format=miniaudio.SampleFormat.SIGNED16,
                nchannels=1,
                sample_rate=sample_rate,
                buffersize_msec=self.BUFFER_MS,
                device_id=device_id,
                backends=self._backends,
                app_name="hallq",
            )
        except miniaudio.MiniaudioError as exc:
            raise PlaybackError(f"no audio output device: {exc}") from None

    def _find_device(self):
        miniaudio = self._miniaudio
        devices = miniaudio.Devices(backends=self._backends)
        for device in devices.get_playbacks():
            if self._device_name.lower() in device["name"].lower():
                return device["id"]
        raise PlaybackError(f"no audio output named {self._device_name!r}")

    def check(self) -> None:
        self._open(self.CHECK_RATE).close()

    def play(self, clip: Clip) -> None:
        miniaudio = self._miniaudio
        finished = threading.Event()
        # The device pulls frames from a generator on its own thread; a short tail
        # of silence lets the last real frames leave the buffer before it stops.
        pcm = clip.pcm + silence(self.BUFFER_MS / 1000, clip.sample_rate)

        def frames() -> Generator[bytes, int, None]:
            position = 0
            wanted = yield b""
            while position < len(pcm):
                size = wanted * SAMPLE_WIDTH
                chunk = pcm[position:position + size]
                position += size
                wanted = yield chunk

        source = frames()
        next(source)  # both generators must be started before the device sends frame counts
        stream = miniaudio.stream_with_callbacks(source, end_callback=finished.set)
        next(stream)
        device = self._open(clip.sample_rate)
        try:
            device.start(stream)
            if not finished.wait(clip.duration_s + 5.0):
                raise PlaybackError("audio output stalled")
            time.sleep(self.BUFFER_MS / 1000)
        except miniaudio.MiniaudioError as exc:
            raise PlaybackError(f"audio output failed: {exc}") from None
        finally:
            device.close()
