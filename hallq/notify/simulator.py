"""A channel that sends nothing and records every message: tests, and the demo's /hardware page."""
from __future__ import annotations

import threading

from hallq.notify.channel import Message, SendFailed


class Simulator:
    name = "simulator"

    def __init__(self, keep: int = 200):
        self._lock = threading.Lock()
        self._keep = keep
        self.messages: list[Message] = []
        self.fail_next: list[SendFailed] = []  # tests: the next sends fail with these, in order

    def send(self, message: Message) -> None:
        with self._lock:
            if self.fail_next:
                raise self.fail_next.pop(0)
            self.messages.append(message)
            del self.messages[:-self._keep]

    def recorded(self) -> list[Message]:
        with self._lock:
            return list(self.messages)
