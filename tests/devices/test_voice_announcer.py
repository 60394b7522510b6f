"""The announcer with the real engine and the recording sound output."""
import datetime as dt
import io
import math
import threading
import wave
from array import array

import pytest

from hallq.devices.voice.announcer import Announcer, compose_announcement
from hallq.devices.voice.audio import Clip
from hallq.devices.voice.engine import EngineError, SpeechEngine
from hallq.devices.voice.recorder import RecordingPlayback
from hallq.devices.voice.settings import VoiceSettings
from hallq.wording import announcement_text
from tests.helpers import until

UTC = dt.timezone.utc
QUICK = dict(chime="none", repeat=1)  # the shortest clip, where chime and repeats are not the point


class Clock:
    """A wall clock the test moves by hand (ages and the volume schedule read it)."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


class GatedPlayback(RecordingPlayback):
    """Records like the simulator, but each play waits until the test opens the gate."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.waiting = threading.Event()

    def play(self, clip: Clip) -> None:
        self.waiting.set()
        assert self.gate.wait(30)
        super().play(clip)


class Outcomes:
    def __init__(self) -> None:
        self.items: list[tuple[str, str, str | None]] = []
        self.statuses = []

    def done(self, announcement, outcome, detail) -> None:
        self.items.append((announcement.number, outcome, detail))

    def by_outcome(self, outcome: str) -> list[str]:
        return [number for number, o, _ in self.items if o == outcome]


def make(playback, clock=None, on_status=None, **settings):
    outcomes = Outcomes()
    announcer = Announcer(
        playback,
        VoiceSettings(**settings),
        on_status=on_status or outcomes.statuses.append,
        on_done=outcomes.done,
        clock=clock or (lambda: dt.datetime.now(UTC)),
    )
    announcer.start()
    return announcer, outcomes


def segment(clip: Clip, part) -> array:
    samples = array("h", clip.pcm)
    start = round(part.start_s * clip.sample_rate)
    return samples[start:start + round(part.duration_s * clip.sample_rate)]


def rms(samples) -> float:
    return math.sqrt(sum(s * s for s in samples) / max(len(samples), 1))


def dominant_frequency(samples, sample_rate: int) -> float:
    crossings = sum(1 for a, b in zip(samples, samples[1:]) if (a < 0) != (b < 0))
    return crossings / 2 / (len(samples) / sample_rate)


@pytest.fixture
def engine():
    return SpeechEngine.shared()


@pytest.mark.real_clock
def test_calls_play_in_order_one_at_a_time(engine):
    recorder = RecordingPlayback(speed=20)  # real time / 20: overlapping plays would show
    announcer, outcomes = make(recorder, **QUICK)
    numbers = ["A001", "B002", "A003", "C004", "A005"]
    for i, number in enumerate(numbers):
        announcer.announce(number, i + 1)
    assert announcer.wait_idle(30)
    announcer.close()
    assert outcomes.by_outcome("played") == numbers
    assert recorder.max_concurrent == 1
    for before, after in zip(recorder.played, recorder.played[1:]):
        assert after.started >= before.ended
    # Each clip is the sentence for its own call.
    expected = [engine.synthesize(announcement_text(n, i + 1)).pcm for i, n in enumerate(numbers)]
    assert [p.clip.pcm for p in recorder.played] == expected
    with wave.open(io.BytesIO(recorder.played[0].wav)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 22050)


@pytest.mark.real_clock
def test_chime_then_the_sentence_repeated(engine):
    recorder = RecordingPlayback()
    announcer, outcomes = make(recorder, chime="tone", repeat=3, repeat_pause_s=0.5)
    announcer.announce("A001", 3)
    assert announcer.wait_idle(30)
    announcer.close()
    clip = recorder.played[0].clip
    assert [p.kind for p in clip.parts] == ["chime", "speech", "pause", "speech", "pause", "speech"]
    chime, speech = clip.parts[0], clip.parts[1]
    # The chime opens on its first note, E5.
    first_note = segment(clip, chime)[: clip.sample_rate // 3]
    assert 600 < dominant_frequency(first_note, clip.sample_rate) < 720
    sentence = engine.synthesize(announcement_text("A001", 3)).pcm
    spoken = [segment(clip, p).tobytes() for p in clip.parts if p.kind == "speech"]
    assert spoken == [sentence] * 3
    assert all(rms(segment(clip, p)) == 0 for p in clip.parts if p.kind == "pause")
    assert [round(p.duration_s, 2) for p in clip.parts if p.kind == "pause"] == [0.5, 0.5]
    assert clip.duration_s == pytest.approx(chime.duration_s + 3 * speech.duration_s + 1.0, abs=0.01)


@pytest.mark.real_clock
def test_chime_from_a_hall_sound_file(tmp_path, engine):
    path = tmp_path / "ding.wav"
    rate, seconds = 44100, 0.4
    tone = array("h", (int(8000 * math.sin(2 * math.pi * 880 * i / rate)) for i in range(int(rate * seconds))))
    stereo = array("h", (s for sample in tone for s in (sample, sample)))
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(stereo.tobytes())
    recorder = RecordingPlayback()
    announcer, _ = make(recorder, chime=str(path), repeat=1)
    announcer.announce("A001", 3)
    assert announcer.wait_idle(30)
    announcer.close()
    clip = recorder.played[0].clip
    chime = clip.parts[0]
    assert chime.kind == "chime" and chime.duration_s == pytest.approx(seconds, abs=0.01)
    assert dominant_frequency(segment(clip, chime), clip.sample_rate) == pytest.approx(880, rel=0.03)

    with pytest.raises(ValueError, match="chime file"):
        Announcer(recorder, VoiceSettings(chime=str(tmp_path / "missing.wav")))


@pytest.mark.real_clock
def test_recall_queues_the_same_announcement_again(engine):
    recorder = RecordingPlayback()
    announcer, outcomes = make(recorder, **QUICK)
    announcer.announce("A001", 3)
    announcer.announce("A002", 4)
    assert announcer.wait_idle(30)
    again = announcer.recall("a001")  # as typed on a keypad
    assert again is not None and (again.number, again.window) == ("A001", 3)
    assert announcer.recall("Z999") is None
    assert announcer.wait_idle(30)
    announcer.close()
    assert outcomes.by_outcome("played") == ["A001", "A002", "A001"]
    assert recorder.played[2].clip.pcm == recorder.played[0].clip.pcm


def test_backlog_after_an_outage_is_not_replayed(engine):
    clock = Clock(dt.datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    playback = GatedPlayback()
    announcer, outcomes = make(playback, clock=clock, max_age_s=60, **QUICK)
    announcer.announce("A000", 1)
    assert playback.waiting.wait(30)  # the worker is stuck playing A000
    announcer.announce("A001", 1, called_at=clock.now - dt.timedelta(seconds=90))  # old news on arrival
    announcer.announce("A002", 2)
    announcer.announce("A003", 3)
    announcer.announce("A002", 5)  # called again meanwhile (transferred): replaces the waiting one
    assert [(a.number, a.window) for a in announcer.pending()] == [("A001", 1), ("A003", 3), ("A002", 5)]
    clock.now += dt.timedelta(seconds=30)
    playback.gate.set()
    assert announcer.wait_idle(30)
    assert outcomes.by_outcome("played") == ["A000", "A003", "A002"]
    assert outcomes.by_outcome("stale") == ["A001"]
    assert outcomes.by_outcome("superseded") == ["A002"]
    assert recorder_windows(playback) == [1, 3, 5]

    # A long outage: everything queued meanwhile is too old when the worker gets to it.
    playback.gate.clear()
    playback.waiting.clear()
    announcer.announce("B000", 1)
    assert playback.waiting.wait(30)
    for i in range(1, 4):
        announcer.announce(f"B00{i}", i)
    clock.now += dt.timedelta(minutes=10)
    playback.gate.set()
    assert announcer.wait_idle(30)
    announcer.close()
    assert outcomes.by_outcome("stale") == ["A001", "B001", "B002", "B003"]
    assert outcomes.by_outcome("played")[-1] == "B000"


def recorder_windows(playback: RecordingPlayback) -> list[int]:
    """Which window each played clip named, by matching it against each window's sentence."""
    engine = SpeechEngine.shared()
    windows = []
    for played in playback.played:
        for window in range(1, 10):
            for number in ("A000", "A001", "A002", "A003"):
                if played.clip.pcm == engine.synthesize(announcement_text(number, window)).pcm:
                    windows.append(window)
    return windows


def test_volume_follows_the_time_of_day_in_the_halls_zone(engine):
    settings = VoiceSettings(volume=[("08:00", 0.5), ("12:00", 1.0), ("18:00", 0.2)], timezone="Asia/Shanghai")
    at = lambda hour, minute=0: dt.datetime(2026, 3, 2, hour, minute, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert settings.volume_at(at(7, 59)) == 0.2  # before the first entry: last night's
    assert settings.volume_at(at(8)) == 0.5
    assert settings.volume_at(at(11, 59)) == 0.5
    assert settings.volume_at(at(12)) == 1.0
    assert settings.volume_at(at(23)) == 0.2
    assert settings.volume_at(at(9).astimezone(UTC)) == 0.5  # the zone decides, not the instant's offset

    peaks = {}
    for hour in (9, 13):
        clock = Clock(at(hour).astimezone(UTC))
        recorder = RecordingPlayback()
        announcer, _ = make(recorder, clock=clock, volume=settings.volume, **QUICK)
        announcer.announce("A001", 3)
        assert announcer.wait_idle(30)
        announcer.close()
        peaks[hour] = rms(array("h", recorder.played[0].clip.pcm))
    assert peaks[9] == pytest.approx(peaks[13] * 0.5, rel=0.06)


def test_bad_settings_are_refused():
    with pytest.raises(ValueError):
        VoiceSettings(volume=[("08:00", 1.5)])
    with pytest.raises(ValueError):
        VoiceSettings(volume=[])
    with pytest.raises(ValueError):
        VoiceSettings(timezone="Mars/Olympus")
    with pytest.raises(ValueError, match="announcement template"):
        VoiceSettings(template="请{票}号")
    with pytest.raises(ValueError):
        VoiceSettings(repeat=0)
    with pytest.raises(ValueError):
        VoiceSettings(colour="red")


@pytest.mark.real_clock
def test_hall_template_and_english(engine):
    recorder = RecordingPlayback()
    announcer, _ = make(recorder, template="{号}号请到{窗}号窗口", **QUICK)
    announcer.announce("A001", 3)
    assert announcer.wait_idle(30)
    announcer.update_settings(VoiceSettings(lang="en", **QUICK))
    announcer.announce("A002", 3)
    announcer.announce("A003", 3, text="请A 零 零 三号到服务台")  # wording decided by the server
    assert announcer.wait_idle(30)
    announcer.close()
    assert recorder.played[0].clip.pcm == engine.synthesize("A 零 零 一号请到三号窗口").pcm
    assert recorder.played[1].clip.pcm == engine.synthesize("Number A 0 0 2, please go to window 3", "en").pcm
    assert recorder.played[2].clip.pcm == engine.synthesize("请A 零 零 三号到服务台", "en").pcm


@pytest.mark.real_clock
def test_no_audio_device_is_reported_once_and_recovery_too(engine):
    recorder = RecordingPlayback()
    recorder.unplug("no audio output device: failed to init device")
    announcer, outcomes = make(recorder, recheck_s=0.1, **QUICK)
    announcer.announce("A001", 3)
    announcer.announce("A002", 3)
    assert announcer.wait_idle(30)
    assert outcomes.by_outcome("failed") == ["A001", "A002"]
    assert [(s.state, s.source, s.reason) for s in outcomes.statuses] == [
        ("failed", "audio", "no audio output device: failed to init device")
    ]
    assert announcer.status.state == "failed"

    recorder.plug()  # replugged: the worker finds out by itself, without a call
    deadline = threading.Event()
    for _ in range(100):
        if announcer.status.state == "ok":
            break
        deadline.wait(0.05)
    assert [s.state for s in outcomes.statuses] == ["failed", "ok"]
    announcer.announce("A003", 3)
    assert announcer.wait_idle(30)
    announcer.close()
    assert outcomes.by_outcome("played") == ["A003"]
    assert len(recorder.played) == 1


@pytest.mark.real_clock
def test_the_first_status_is_reported_at_start():
    statuses = []
    announcer, _ = make(RecordingPlayback(), on_status=statuses.append, **QUICK)
    assert announcer.wait_idle(30)
    for _ in range(100):
        if statuses:
            break
        threading.Event().wait(0.05)
    announcer.close()
    assert [(s.state, s.source, s.reason) for s in statuses] == [("ok", None, None)]


class BrokenEngine:
    """An engine whose library is gone, as when espeakng-loader is missing."""

    def __init__(self) -> None:
        self.broken = True

    def synthesize(self, text, lang="zh", rate=170, volume=1.0, cached=True):
        if self.broken:
            raise EngineError("espeak-ng could not be initialised")
        return SpeechEngine.shared().synthesize(text, lang, rate, volume, cached)


@pytest.mark.real_clock
def test_engine_errors_are_reported_and_the_worker_goes_on():
    engine = BrokenEngine()
    recorder = RecordingPlayback()
    outcomes = Outcomes()
    announcer = Announcer(recorder, VoiceSettings(**QUICK), engine=engine,
                          on_status=outcomes.statuses.append, on_done=outcomes.done)
    announcer.start()
    announcer.announce("A001", 3)
    assert announcer.wait_idle(30)
    assert outcomes.items == [("A001", "failed", "espeak-ng could not be initialised")]
    assert (announcer.status.state, announcer.status.source) == ("failed", "engine")
    engine.broken = False
    announcer.announce("A002", 3)
    assert announcer.wait_idle(30)
    announcer.close()
    assert outcomes.by_outcome("played") == ["A002"]
    assert [s.state for s in outcomes.statuses] == ["failed", "ok"]


class ExplodingPlayback(RecordingPlayback):
    """A sound output whose driver raises something nobody expected, once."""

    def __init__(self) -> None:
        super().__init__()
        self.explode = True

    def play(self, clip: Clip) -> None:
        if self.explode:
            self.explode = False
            raise OSError("device vanished mid-write")
        super().play(clip)


@pytest.mark.real_clock
def test_unexpected_errors_and_callback_bugs_do_not_stop_the_worker():
    recorder = ExplodingPlayback()
    statuses, outcomes = [], []

    def bad_callback(announcement, outcome, detail):
        outcomes.append((announcement.number, outcome, detail))
        raise RuntimeError("bug in the agent")

    announcer = Announcer(recorder, VoiceSettings(**QUICK), on_status=statuses.append, on_done=bad_callback)
    announcer.start()
    announcer.announce("A001", 3)
    announcer.announce("A002", 3)
    assert announcer.wait_idle(30)
    announcer.close()
    assert outcomes == [("A001", "failed", "device vanished mid-write"), ("A002", "played", None)]
    assert len(recorder.played) == 1
    assert [(s.state, s.source, s.reason) for s in statuses] == [
        ("ok", None, None), ("failed", "audio", "device vanished mid-write"), ("ok", None, None)
    ]


@pytest.mark.real_clock
def test_close_cancels_what_waits_and_refuses_more():
    playback = GatedPlayback()
    announcer, outcomes = make(playback, **QUICK)
    announcer.announce("A001", 3)
    assert playback.waiting.wait(30)
    announcer.announce("A002", 3)
    # Closed while A001 still plays (the gate holds it), so A002 is surely still waiting: let go first,
    # a loaded machine's worker could finish A001 and take A002 before close() came.
    closing = threading.Thread(target=announcer.close, kwargs={"timeout": 30})
    closing.start()
    until(lambda: ("A002", "cancelled", "announcer closed") in outcomes.items, timeout=30, what="A002 cancelled")
    playback.gate.set()
    closing.join(30)
    assert not closing.is_alive()
    assert outcomes.by_outcome("played") == ["A001"]
    with pytest.raises(RuntimeError):
        announcer.announce("A003", 3)


def test_compose_at_a_lower_volume(engine):
    settings = VoiceSettings(chime="tone", repeat=2)
    full = compose_announcement("请A 零 零 一号到三号窗口办理", settings, engine)
    quiet = compose_announcement("请A 零 零 一号到三号窗口办理", settings, engine, volume=0.25)
    assert [p.kind for p in quiet.parts] == [p.kind for p in full.parts]
    for whole, low in zip(full.parts, quiet.parts):
        level = rms(segment(quiet, low)) / max(rms(segment(full, whole)), 1)
        assert whole.kind == "pause" or level == pytest.approx(0.25, abs=0.04), (whole.kind, level)


@pytest.mark.real_clock
def test_words_sent_by_the_server_collapse_by_their_key(engine):
    """The agent's `announce` job carries the text, its language, a key and the call's time."""
    playback = GatedPlayback()
    jobs = []
    announcer = Announcer(playback, VoiceSettings(**QUICK), on_done=lambda a, o, d: jobs.append((a.job_id, o)))
    announcer.start()
    at = dt.datetime.now(UTC)
    announcer.announce(text="请A 零 零 一号到三号窗口办理", key="17@3", called_at=at, job_id="j1")
    assert playback.waiting.wait(30)
    announcer.announce(text="请A 零 零 二号到四号窗口办理", key="18@4", called_at=at, job_id="j2")
    announcer.announce(text="Number A 0 0 2, please go to window 4", lang="en", key="18@4", called_at=at, job_id="j3")
    playback.gate.set()
    assert announcer.wait_idle(30)
    assert announcer.recall("17@3", job_id="j4") is not None
    assert announcer.wait_idle(30)
    announcer.close()
    assert jobs == [("j2", "superseded"), ("j1", "played"), ("j3", "played"), ("j4", "played")]
    assert playback.played[1].clip.pcm == engine.synthesize("Number A 0 0 2, please go to window 4", "en").pcm
    assert playback.played[2].clip.pcm == playback.played[0].clip.pcm
    with pytest.raises(ValueError, match="needs a ticket number and a window, or its text"):
        Announcer(RecordingPlayback()).announce("A001")
