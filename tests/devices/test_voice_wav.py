"""WAV rendered on the server for display pages that play calls themselves."""
import io
import wave

from hallq.devices.voice.engine import SpeechEngine
from hallq.devices.voice.settings import VoiceSettings
from hallq.devices.voice.wav import render_announcement_wav, render_wav
from hallq.wording import announcement_text
from tests.devices.test_voice_engine import assert_mandarin_speech


def read(data: bytes):
    with wave.open(io.BytesIO(data)) as wav:
        return wav.getnchannels(), wav.getsampwidth(), wav.getframerate(), wav.readframes(wav.getnframes())


def test_render_wav_is_a_mandarin_wav_file_cached_by_text():
    text = announcement_text("B017", 8)
    data = render_wav(text)
    channels, width, rate, pcm = read(data)
    assert (channels, width, rate) == (1, 2, 22050)
    speech = SpeechEngine.shared().synthesize(text)
    assert pcm == speech.pcm
    assert_mandarin_speech(speech, text)
    assert render_wav(text) is data
    assert render_wav(announcement_text("B018", 8)) != data


def test_render_wav_in_english():
    text = announcement_text("B017", 8, lang="en")
    channels, width, rate, pcm = read(render_wav(text, "en"))
    assert pcm == SpeechEngine.shared().synthesize(text, "en").pcm


def test_the_whole_announcement_as_the_speakers_play_it():
    settings = VoiceSettings(chime="tone", repeat=2, repeat_pause_s=0.5)
    _, _, rate, pcm = read(render_announcement_wav("B017", 8, settings))
    sentence = SpeechEngine.shared().synthesize(announcement_text("B017", 8)).pcm
    assert pcm.count(sentence) == 2
    assert len(pcm) > 2 * len(sentence) + rate  # plus the chime and the pause
