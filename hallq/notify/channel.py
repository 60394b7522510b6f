"""The one interface every notification channel implements.

A channel is given one `Message` and either returns (the provider took it) or raises `SendFailed`
with a short reason (never the address) and whether trying again later may help. It keeps no state
of what was sent: once-only is the database's (hallq.queue.notify), and `Message.id` is stable across
retries so a provider that honours an idempotency key sends a message once even when a process died
between its request and the answer.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Message:
    id: int  # hallq's notification id: the idempotency key
    address: str  # the whole phone number (or openid): in memory only, never logged
    kind: str  # soon, called, missed, result_ready ...
    text: str  # the words, in the citizen's language
    lang: str = "zh"
    params: dict = field(default_factory=dict)  # the words' parts, for template-based providers

    def __repr__(self) -> str:  # whatever logs a message shows no address
        return f"Message(id={self.id}, kind={self.kind!r}, lang={self.lang!r})"


class SendFailed(Exception):
    def __init__(self, reason: str, *, retry: bool):
        super().__init__(reason)
        self.reason = reason[:200]
        self.retry = retry


class Channel(Protocol):
    name: str  # recorded with each message it took: simulator, http, wechat

    def send(self, message: Message) -> None:
        """Hand one message to the provider; raise SendFailed if it did not take it."""
