"""The boundary between the keypad adapter and the server: what a keypad may ask a window to do.

The device agent implements `WindowActions` against the server (HTTP API with
the agent's token); the adapter never talks to the server itself.
"""
from __future__ import annotations

from typing import Any, Protocol

from hallq.devices.keypad.caller import WindowDisplay


class ActionRefused(Exception):
    """The server said no (nobody waiting, window not signed in, rating too late…).

    `text` is what the keypad's screen shows about it: short Simplified
    Chinese, two lines of at most 8 hanzi (e.g. "暂无等候").
    """

    def __init__(self, text: str):
        super().__init__(text)
        self.text = text


class WindowActions(Protocol):
    def act(self, window: int, action: str, **params: Any) -> WindowDisplay:
        """Do `action` at `window` and return what the window's keypad shows afterwards.

        Actions and their parameters (names as in the queue's window actions):
        "call_next", "recall", "skip", "resume", "request_rating" (none);
        "pause" (reason: "lunch" | "meeting" | "fault");
        "transfer" (to_window: int | service: str, come_back: bool);
        "finish" (outcome: "immediate").
        Raise `ActionRefused` when the server refuses; any other exception is
        shown as a system fault and logged.
        """
        ...

    def rate(self, window: int, ticket: Any, level: int, reasons: list[str], comment: str | None) -> None:
        """Record a keypad rating (channel "keypad") of `ticket`, the one the server asked about.

        Raise `ActionRefused` when the server refuses it (already rated, too late).
        """
        ...
