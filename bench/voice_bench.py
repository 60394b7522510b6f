#!/usr/bin/env python
"""Voice benchmark: from `Announcer.announce()` to the start of the audio.

    python bench/voice_bench.py            # 200 calls per figure
    python bench/voice_bench.py --quick    # 40 calls per figure

The issue's aim is under 300 ms from the call to audio start. The chain here is
the agent's share of it: announce() -> the worker takes the call -> wording ->
espeak-ng synthesis -> chime, repeats, volume -> the sound output starts. The
sound output is the recording simulator, whose start is the moment a real
device would be handed the clip; opening a real device adds its own time (the
figure "device open" measures miniaudio's null backend as a floor).

Figures, each median and p99 in milliseconds:
  a. new calls (a different ticket each time: nothing cached), default settings
     (chime, spoken twice, full volume);
  b. the same, with the volume schedule below 1 (every sample scaled);
  c. recalls (the same words again: synthesis served from cache);
  d. espeak-ng synthesis alone, uncached, of one sentence;
  e. render_wav on the server for a display page, uncached (new texts);
  f. opening and closing miniaudio's null output device.

Calls are made one at a time, each after the previous has finished, so the
figure is the latency of a call into an idle announcer. Results are printed and
written to bench/results/voice.json.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hallq.devices.voice.announcer import Announcer  # noqa: E402
from hallq.devices.voice.engine import SpeechEngine  # noqa: E402
from hallq.devices.voice.playback import MiniaudioPlayback  # noqa: E402
from hallq.devices.voice.recorder import RecordingPlayback  # noqa: E402
from hallq.devices.voice.settings import VoiceSettings  # noqa: E402
from hallq.devices.voice.wav import render_wav  # noqa: E402
from hallq.wording import announcement_text  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "voice.json"


def summary(samples_s: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in samples_s)
    p99 = ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))]
    return {"n": len(ms), "median_ms": round(statistics.median(ms), 2), "p99_ms": round(p99, 2),
            "max_ms": round(ms[-1], 2)}


def announce_to_audio(settings: VoiceSettings, numbers: list[str], recall: bool = False) -> list[float]:
    """Latency of each call from announce() to the sound output's start."""
    started: list[float] = []
    began = threading.Event()

    def on_start(clip) -> None:
        started.append(time.monotonic())
        began.set()

    recorder = RecordingPlayback(on_start=on_start)
    announcer = Announcer(recorder, settings)
    announcer.start()
    announcer.wait_idle(30)  # the start-up check has run
    latencies = []
    for i, number in enumerate(numbers):
        began.clear()
        if recall and i:
            call = announcer.recall(numbers[0])
        else:
            call = announcer.announce(number, 1 + i % 30)
        if not began.wait(30):
            raise SystemExit(f"call {number} never reached the sound output; status {announcer.status}")
        latencies.append(started[-1] - call.queued_at)
        announcer.wait_idle(30)
    announcer.close()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n = 40 if args.quick else 200
    engine = SpeechEngine.shared()
    engine.synthesize("请")  # load espeak-ng and the Mandarin dictionary once, as an agent does at start

    figures: dict[str, dict[str, float]] = {}
    default = VoiceSettings()
    figures["a_new_calls"] = summary(announce_to_audio(default, [f"A{i:03d}" for i in range(n)]))
    quiet = VoiceSettings(volume=[(dt.time(0), 0.6)])
    figures["b_new_calls_volume_0.6"] = summary(announce_to_audio(quiet, [f"B{i:03d}" for i in range(n)]))
    figures["c_recalls"] = summary(announce_to_audio(default, ["C001"] * n, recall=True))

    synth = []
    for i in range(n):
        text = announcement_text(f"D{i:03d}", 1 + i % 30)
        t0 = time.monotonic()
        engine.synthesize(text, cached=False)
        synth.append(time.monotonic() - t0)
    figures["d_synthesis_only"] = summary(synth)

    wav = []
    for i in range(n):
        text = announcement_text(f"E{i:03d}", 1 + i % 30)
        t0 = time.monotonic()
        render_wav(text)
        wav.append(time.monotonic() - t0)
    figures["e_render_wav"] = summary(wav)

    opens = []
    device = MiniaudioPlayback(backends=["null"])
    for _ in range(min(n, 50)):
        t0 = time.monotonic()
        device.check()
        opens.append(time.monotonic() - t0)
    figures["f_device_open_null"] = summary(opens)

    print(f"espeak-ng {engine.version}, {platform.python_implementation()} {platform.python_version()}, "
          f"{platform.machine()}")
    print(f"{'figure':28} {'n':>4} {'median ms':>10} {'p99 ms':>8} {'max ms':>8}")
    for name, fig in figures.items():
        print(f"{name:28} {fig['n']:>4} {fig['median_ms']:>10} {fig['p99_ms']:>8} {fig['max_ms']:>8}")
    aim = figures["a_new_calls"]["p99_ms"]
    print(f"aim: p99 from announce() to audio start under 300 ms: {'met' if aim < 300 else 'NOT met'} ({aim} ms)")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({"espeak_ng": engine.version, "quick": args.quick, "figures": figures}, indent=2))


if __name__ == "__main__":
    main()
