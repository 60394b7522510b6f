"""Text to speech: espeak-ng 1.52 from the `espeakng-loader` wheel, through pyttsx3's binding.

Debian's espeak-ng 1.51 mispronounces Mandarin; the wheel's 1.52 speaks it
correctly. pyttsx3's espeak binding (`pyttsx3.drivers._espeak`) loads its
library at import time with `ctypes.cdll.LoadLibrary("libespeak-ng.so.1")`.
The wheel's library has the SONAME `libespeak-ng.so.1`, and the dynamic loader
hands back an already loaded object whose SONAME matches the requested name, so
loading the wheel's file by its full path *before* that import makes pyttsx3
bind to it (setting LD_LIBRARY_PATH at run time would not: glibc reads it only
at process start). The wheel's data directory is passed to espeak_Initialize.

Why not pyttsx3's `save_to_file` + `runAndWait`: its espeak driver initialises
espeak-ng in retrieval mode, which is asynchronous. `runAndWait()` returns
before the WAV file is written (pyttsx3 issue #219; the first render after start,
which loads the Mandarin dictionary, always loses that race), and the next
render's start cancels a synthesis still finishing: in a 150-render stress run
about one in five came out empty, late, or with the previous render's rate.
Initialising in synchronous mode instead does not help, because espeak-ng sends
no "message terminated" event then and the driver's loop never ends. So the
engine initialises espeak-ng itself in synchronous mode (before any pyttsx3
driver could) and calls the binding's Synth with its own callback: the audio is
complete, on the calling thread, when Synth returns.

espeak-ng can be initialised once per process and is not re-entrant, so one
`SpeechEngine` per process (`SpeechEngine.shared()`) owns it, on one thread of
its own: every espeak-ng call happens on that thread, callers wait for a result.

Interface::

    engine = SpeechEngine.shared()
    engine.synthesize(text, lang="zh", rate=170, volume=1.0, cached=True) -> Speech   # EngineError
    engine.phonemes(text, lang="zh") -> str                 # IPA, for checks and diagnostics
    engine.version -> str | None                            # "1.52.0" once started
    Speech.pcm (16-bit mono little-endian), Speech.sample_rate, Speech.duration_s
"""
from __future__ import annotations

import concurrent.futures
import ctypes
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

# espeak-ng voices by our language codes: Mandarin, whose Latin letters are read
# as English letter names, and English.
VOICES = {"zh": "cmn", "en": "en"}
# The voice's language tag as espeak-ng lists it, to check the voice really switched.
_VOICE_LANGUAGES = {"zh": b"cmn", "en": b"en"}
MIN_VERSION = (1, 52)
DEFAULT_RATE = 170  # words per minute; a little slower than espeak's 175 for a noisy hall
_CACHE_SIZE = 256


class EngineError(RuntimeError):
    """Speech could not be synthesised (library missing, voice missing, synthesis failed)."""


@dataclass(frozen=True)
class Speech:
    pcm: bytes  # 16-bit signed little-endian mono
    sample_rate: int

    @property
    def duration_s(self) -> float:
        return len(self.pcm) / 2 / self.sample_rate


def _lang(lang: str) -> str:
    return "en" if lang.lower().startswith("en") else "zh"


def load_espeak_ng() -> tuple[Any, str]:
    """Bind pyttsx3's espeak-ng binding to the wheel's library; return (binding, data path).

    Must run before anything imports `pyttsx3.drivers._espeak`; if something did
    earlier, the version check in `SpeechEngine` reports the library it got.
    """
    try:
        import espeakng_loader
    except ImportError as exc:
        raise EngineError(f"espeakng-loader is not installed: {exc}") from None
    library = espeakng_loader.get_library_path()
    try:
        ctypes.CDLL(library)
    except OSError as exc:
        raise EngineError(f"cannot load espeak-ng from {library}: {exc}") from None
    try:
        from pyttsx3.drivers import _espeak
    except Exception as exc:  # pyttsx3 raises RuntimeError when no library loads
        raise EngineError(f"pyttsx3 cannot load espeak-ng: {exc}") from None
    return _espeak, espeakng_loader.get_data_path()


def _version_tuple(version: str) -> tuple[int, ...]:
    parts = []
    for piece in version.split(".")[:2]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


class SpeechEngine:
    """The process's pyttsx3 engine on its own thread, with a cache of rendered texts."""

    _shared: SpeechEngine | None = None
    _shared_lock = threading.Lock()

    @classmethod
    def shared(cls) -> SpeechEngine:
        with cls._shared_lock:
            if cls._shared is None:
                cls._shared = cls()
            return cls._shared

    def __init__(self) -> None:
        # Use SpeechEngine.shared(): espeak-ng allows one engine per process.
        self._thread = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="hallq-tts")
        self._espeak: Any = None
        self._sample_rate = 0
        self._chunks: list[bytes] = []
        self._cache: OrderedDict[tuple[str, str, int, int], Speech] = OrderedDict()
        self._cache_lock = threading.Lock()
        self.version: str | None = None

    def synthesize(
        self, text: str, lang: str = "zh", rate: int = DEFAULT_RATE, volume: float = 1.0, cached: bool = True
    ) -> Speech:
        """Render `text` with the voice for `lang` at `volume` (0..1); the same request twice is
        served from cache unless `cached` is false (measurements, checks that the engine works).

        Volume is espeak-ng's own amplitude, free at synthesis time; scaling the samples
        afterwards in Python cost 90 ms a call (bench/voice_bench.py)."""
        key = (text, _lang(lang), int(rate), round(min(max(volume, 0.0), 1.0) * 100))
        with self._cache_lock:
            speech = self._cache.get(key) if cached else None
            if speech is not None:
                self._cache.move_to_end(key)
                return speech
        speech = self._thread.submit(self._render, *key).result()
        with self._cache_lock:
            self._cache[key] = speech
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return speech

    def phonemes(self, text: str, lang: str = "zh") -> str:
        """What espeak-ng will say, in IPA: shows a Mandarin voice from an English fallback."""
        return self._thread.submit(self._phonemes, text, _lang(lang)).result()

    # Everything below runs on the engine thread only.

    def _phonemes(self, text: str, lang: str) -> str:
        self._start()
        if self._espeak.SetVoiceByName(VOICES[lang].encode()) != 0:
            raise EngineError(f"espeak-ng has no voice {VOICES[lang]!r} for {lang}")
        to_phonemes = self._espeak.dll.espeak_TextToPhonemes
        to_phonemes.restype = ctypes.c_char_p
        to_phonemes.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_int, ctypes.c_int]
        buffer = ctypes.create_string_buffer(text.encode())
        position = ctypes.c_void_p(ctypes.addressof(buffer))
        clauses = []
        while position.value:  # espeak-ng moves the pointer clause by clause, NULL at the end
            clause = to_phonemes(ctypes.byref(position), 1, 0x02)  # UTF-8 text; bit 1: IPA
            clauses.append((clause or b"").decode())
        return " ".join(clauses)


    def _start(self) -> None:
        if self._espeak is not None:
            return
        espeak, data_path = load_espeak_ng()
        from pyttsx3.drivers import espeak as espeak_driver

        driver = espeak_driver.EspeakDriver
        if driver._moduleInitialized:
            raise EngineError("pyttsx3's espeak driver already started espeak-ng in this process")
        rate = espeak.Initialize(espeak.AUDIO_OUTPUT_SYNCHRONOUS, 0, data_path.encode(), 0)
        if rate == -1:
            raise EngineError(f"espeak-ng could not be initialised with data from {data_path}")
        # A pyttsx3 espeak driver started later must not re-initialise espeak-ng
        # (it would switch it back to asynchronous retrieval).
        driver._moduleInitialized = True
        driver._defaultVoice = VOICES["zh"]
        version = espeak.Info(None).decode()
        if _version_tuple(version) < MIN_VERSION:
            # A system espeak-ng was bound before ours (pyttsx3 imported too early).
            raise EngineError(
                f"espeak-ng {version} is loaded; Mandarin needs {'.'.join(map(str, MIN_VERSION))} "
                "from espeakng-loader"
            )
        self._sample_rate, self.version, self._espeak = rate, version, espeak

    def _on_audio(self, wav: Any, numsamples: int, events: Any) -> int:
        if numsamples > 0:
            self._chunks.append(ctypes.string_at(wav, numsamples * 2))
        return 0  # go on synthesising

    def _render(self, text: str, lang: str, rate: int, volume: int) -> Speech:
        self._start()
        espeak = self._espeak
        if espeak.SetVoiceByName(VOICES[lang].encode()) != 0:
            raise EngineError(f"espeak-ng has no voice {VOICES[lang]!r} for {lang}")
        voice = espeak.GetCurrentVoice()
        if not voice or _VOICE_LANGUAGES[lang] not in (voice.contents.languages or b""):
            raise EngineError(f"espeak-ng has no voice {VOICES[lang]!r} for {lang}")
        espeak.SetParameter(espeak.RATE, rate, 0)
        espeak.SetParameter(espeak.VOLUME, volume, 0)  # percent; 100 is espeak-ng's normal level
        # Set on every render: a pyttsx3 driver built later would take the callback over.
        espeak.SetSynthCallback(self._on_audio)
        self._chunks = []
        try:
            status = espeak.Synth(text, flags=espeak.ENDPAUSE | espeak.CHARS_UTF8)
        except Exception as exc:
            raise EngineError(f"speech synthesis failed: {exc}") from None
        if status != 0:
            raise EngineError(f"speech synthesis failed: espeak-ng error {status}")
        pcm = b"".join(self._chunks)
        self._chunks = []
        if not pcm:
            raise EngineError("speech synthesis produced no audio")
        return Speech(pcm, self._sample_rate)

    def close(self) -> None:
        self._thread.shutdown(wait=True)
