"""Announcements rendered to WAV on the server, for display pages that play audio themselves.

A smart TV's display page fetches the WAV of a call and plays it in order; the
words are the same as the hall's speakers say (hallq.wording). Renders
are cached by text, so twenty displays asking for the same call cost one
synthesis.

Interface::

    render_wav(text, lang="zh", rate=DEFAULT_RATE) -> bytes          # the sentence alone
    render_announcement_wav(number, window, settings=None) -> bytes  # chime + repeats, as the speakers play it
"""
from __future__ import annotations

import functools

from hallq.devices.voice.announcer import compose_announcement
from hallq.devices.voice.audio import wav_bytes
from hallq.devices.voice.engine import DEFAULT_RATE, SpeechEngine
from hallq.devices.voice.settings import VoiceSettings
from hallq.wording import announcement_text


@functools.lru_cache(maxsize=256)
def render_wav(text: str, lang: str = "zh", rate: int = DEFAULT_RATE) -> bytes:
    """The WAV file (16-bit mono) of `text` in Mandarin (zh) or English (en); EngineError if it cannot."""
    speech = SpeechEngine.shared().synthesize(text, lang, rate)
    return wav_bytes(speech.pcm, speech.sample_rate)


def render_announcement_wav(number: str, window: int | str, settings: VoiceSettings | None = None) -> bytes:
    """The whole announcement of a call as the hall's speakers play it, at full volume."""
    settings = settings or VoiceSettings()
    text = announcement_text(number, window, settings.template, settings.lang)
    return compose_announcement(text, settings, SpeechEngine.shared()).wav()
