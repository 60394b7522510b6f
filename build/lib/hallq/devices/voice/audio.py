"""Sound clips as the announcer builds them: 16-bit mono PCM with named parts.

An announcement is one clip (chime, speech, pause, speech again...) played in one
go, so a real device never opens twice per call and no gap or click sits between
the parts. The parts are kept so the simulator and tests can tell what is where.

Interface::

    Clip(pcm, sample_rate, parts)         # parts: tuple[Part(kind, start_s, duration_s), ...]
    Clip.duration_s, Clip.wav() -> bytes
    join_parts([(kind, pcm), ...], sample_rate) -> Clip
    tone_chime(sample_rate) -> bytes      # the generated two-note "ding-dong"
    load_sound_file(path, sample_rate) -> bytes   # any WAV/MP3/FLAC/Vorbis file, converted
    silence(seconds, sample_rate) -> bytes
    scale(pcm, volume) -> bytes
    wav_bytes(pcm, sample_rate) -> bytes
"""
from __future__ import annotations

import io
import math
import sys
import wave
from array import array
from dataclasses import dataclass

SAMPLE_WIDTH = 2  # bytes: 16-bit signed, little-endian, mono throughout


@dataclass(frozen=True)
class Part:
    kind: str  # "chime", "speech" or "pause"
    start_s: float
    duration_s: float


@dataclass(frozen=True)
class Clip:
    pcm: bytes
    sample_rate: int
    parts: tuple[Part, ...] = ()

    @property
    def duration_s(self) -> float:
        return len(self.pcm) / SAMPLE_WIDTH / self.sample_rate

    def wav(self) -> bytes:
        return wav_bytes(self.pcm, self.sample_rate)


def wav_bytes(pcm: bytes, sample_rate: int) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(SAMPLE_WIDTH)
        wav.setframerate(sample_rate)
        wav.writeframes(pcm)
    return out.getvalue()


def silence(seconds: float, sample_rate: int) -> bytes:
    return bytes(SAMPLE_WIDTH * round(seconds * sample_rate))


def _samples(pcm: bytes) -> array:
    samples = array("h")
    samples.frombytes(pcm)
    if sys.byteorder == "big":
        samples.byteswap()
    return samples


def _pcm(samples: array) -> bytes:
    if sys.byteorder == "big":
        samples = array("h", samples)
        samples.byteswap()
    return samples.tobytes()


def scale(pcm: bytes, volume: float) -> bytes:
    """Multiply every sample by `volume` (0..1); 1 returns the input untouched."""
    if volume >= 1.0:
        return pcm
    volume = max(volume, 0.0)
    return _pcm(array("h", (int(sample * volume) for sample in _samples(pcm))))


def tone_chime(sample_rate: int) -> bytes:
    """A two-note chime (E5 then C5, bell-like decay) followed by a short pause.

    Generated rather than shipped as a file, so a hall without a sound file of its
    own still gets the attention tone halls use before a call.
    """
    notes = ((659.25, 0.45), (523.25, 0.6))
    amplitude = 0.45 * 32767
    samples = array("h")
    for frequency, seconds in notes:
        count = round(seconds * sample_rate)
        for i in range(count):
            t = i / sample_rate
            envelope = min(1.0, t / 0.01) * math.exp(-4.0 * t)  # 10 ms attack: no click
            samples.append(int(amplitude * envelope * math.sin(2 * math.pi * frequency * t)))
    return _pcm(samples) + silence(0.25, sample_rate)


def load_sound_file(path: str, sample_rate: int) -> bytes:
    """A hall's own chime file, decoded and converted to our PCM format.

    miniaudio decodes WAV, MP3, FLAC and Vorbis and resamples; a file that is
    missing or not audio raises ValueError naming it.
    """
    import miniaudio

    try:
        decoded = miniaudio.decode_file(
            path, output_format=miniaudio.SampleFormat.SIGNED16, nchannels=1, sample_rate=sample_rate
        )
    except (OSError, miniaudio.DecodeError) as exc:
        raise ValueError(f"chime file {path}: {exc}") from None
    return _pcm(decoded.samples)


def join_parts(parts: list[tuple[str, bytes]], sample_rate: int) -> Clip:
    offset = 0
    placed = []
    for kind, pcm in parts:
        length = len(pcm) // SAMPLE_WIDTH
        placed.append(Part(kind, offset / sample_rate, length / sample_rate))
        offset += length
    return Clip(b"".join(pcm for _, pcm in parts), sample_rate, tuple(placed))
