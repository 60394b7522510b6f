"""The knobs of a hall's voice announcements; every one has a working default.

Shaped like the hall file's settings (pydantic, unknown keys refused) so it can
sit in a hall file or an agent's TOML as a `[voice]` table, e.g.::

    [voice]
    template = "请{号}号到{窗}号窗口办理"
    lang = "zh"
    chime = "tone"              # "tone", "none", or a path to a sound file
    repeat = 2
    volume = [["07:30", 0.6], ["09:00", 1.0], ["17:30", 0.7]]
    timezone = "Asia/Shanghai"
    max_age_s = 60
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hallq.devices.voice.engine import DEFAULT_RATE
from hallq.wording import check_template


class VoiceSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Wording; "" means the default for the language (hallq.wording).
    template: str = ""
    lang: str = "zh"
    # Attention sound before each call.
    chime: str = "tone"
    # Times each call is spoken, with this pause between.
    repeat: int = Field(2, ge=1, le=5)
    repeat_pause_s: float = Field(0.8, ge=0, le=5)
    rate: int = Field(DEFAULT_RATE, ge=80, le=400)  # espeak-ng words per minute
    # Volume by time of day: from each local time on, this volume (0..1) until
    # the next entry; before the first entry of the day the last one still holds.
    volume: list[tuple[dt.time, float]] = [(dt.time(0), 1.0)]
    timezone: str = "Asia/Shanghai"
    # After an outage a backlog is not replayed: a call older than this when its
    # turn comes is dropped, not spoken.
    max_age_s: float = Field(60.0, gt=0)
    # A ticket is announced at most twice in a row (a call and one recall): a third announcement
    # of the same call right after the second is merged into it unless this much quiet came between.
    # A clerk pressing 重呼 half a minute after the hall heard it twice is calling afresh.
    in_a_row_gap_s: float = Field(30.0, ge=0, le=600)
    # While failed (no audio device, engine error) the announcer checks again this often.
    recheck_s: float = Field(30.0, gt=0)

    @field_validator("template")
    @classmethod
    def _template(cls, value: str) -> str:
        if value:
            check_template(value)
        return value

    @field_validator("lang")
    @classmethod
    def _lang(cls, value: str) -> str:
        if value not in ("zh", "en"):
            raise ValueError("lang must be zh or en")
        return value

    @field_validator("volume")
    @classmethod
    def _volume(cls, value: list[tuple[dt.time, float]]) -> list[tuple[dt.time, float]]:
        if not value:
            raise ValueError("the volume schedule needs at least one entry")
        for _, level in value:
            if not 0.0 <= level <= 1.0:
                raise ValueError("volume must be between 0 and 1")
        return sorted(value)

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    def volume_at(self, when: dt.datetime) -> float:
        """The scheduled volume at an aware instant, read in the hall's zone."""
        local = when.astimezone(ZoneInfo(self.timezone)).time()
        level = self.volume[-1][1]  # wraps round from the previous day
        for start, entry_level in self.volume:
            if start <= local:
                level = entry_level
        return level
