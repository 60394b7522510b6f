"""Voice announcements: wording spoken by espeak-ng, one call after another.

engine.py    espeak-ng 1.52 (espeakng-loader wheel) through pyttsx3's binding, on one thread
audio.py     clips: PCM, chime, pauses, volume
settings.py  VoiceSettings: template, chime, repeat, volume by time of day, stale age
playback.py  Playback interface and the real sound output (miniaudio)
recorder.py  RecordingPlayback: the simulator that records instead of playing
announcer.py Announcer: the queue and its worker, status and outcomes
wav.py       render_wav / render_announcement_wav for display pages
"""
from hallq.devices.voice.announcer import OUTCOMES, Announcement, Announcer, VoiceStatus, compose_announcement
from hallq.devices.voice.audio import Clip, Part
from hallq.devices.voice.engine import EngineError, SpeechEngine
from hallq.devices.voice.playback import MiniaudioPlayback, Playback, PlaybackError
from hallq.devices.voice.recorder import PlayedClip, RecordingPlayback
from hallq.devices.voice.settings import VoiceSettings
from hallq.devices.voice.wav import render_announcement_wav, render_wav

__all__ = [
    "OUTCOMES", "Announcement", "Announcer", "Clip", "EngineError", "MiniaudioPlayback", "Part",
    "PlayedClip", "Playback", "PlaybackError", "RecordingPlayback", "SpeechEngine", "VoiceSettings",
    "VoiceStatus", "compose_announcement", "render_announcement_wav", "render_wav",
]
