"""The real sound output (miniaudio): its null backend stands in for a sound card here,
and a machine without one must fail loudly."""
import datetime as dt
import os
import time

import pytest

from hallq.devices.voice.announcer import Announcer
from hallq.devices.voice.audio import join_parts, silence, tone_chime
from hallq.devices.voice.playback import MiniaudioPlayback, PlaybackError
from hallq.devices.voice.settings import VoiceSettings

RATE = 22050


def has_sound_card() -> bool:
    return os.path.exists("/dev/snd") or bool(os.environ.get("PULSE_SERVER"))


def test_a_clip_plays_to_its_end_on_a_working_device():
    playback = MiniaudioPlayback(backends=["null"])
    playback.check()
    clip = join_parts([("chime", tone_chime(RATE)), ("pause", silence(0.2, RATE))], RATE)
    started = time.monotonic()
    playback.play(clip)
    assert time.monotonic() - started >= clip.duration_s  # it blocked while the device played


def test_an_output_that_does_not_exist_is_refused():
    playback = MiniaudioPlayback(backends=["null"], device_name="Hall speaker that is not there")
    with pytest.raises(PlaybackError, match="no audio output named"):
        playback.check()


@pytest.mark.skipif(has_sound_card(), reason="this machine has a sound card")
@pytest.mark.real_clock
def test_no_sound_card_fails_and_the_announcer_reports_it():
    playback = MiniaudioPlayback()
    with pytest.raises(PlaybackError, match="no audio output device"):
        playback.check()
    statuses, outcomes = [], []
    announcer = Announcer(
        playback, VoiceSettings(chime="none", repeat=1),
        on_status=statuses.append, on_done=lambda a, outcome, detail: outcomes.append(outcome),
    )
    announcer.start()
    announcer.announce("A001", 3, called_at=dt.datetime.now(dt.timezone.utc))
    assert announcer.wait_idle(30)
    announcer.close()
    assert outcomes == ["failed"]
    assert [(s.state, s.source) for s in statuses] == [("failed", "audio")]
    assert "no audio output device" in statuses[0].reason
