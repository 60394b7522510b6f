"""Running the app under gunicorn's threaded worker (websocket-capable)."""
from __future__ import annotations

from typing import Callable

from flask import Flask
from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):
    def __init__(self, factory: Callable[[], Flask], options: dict):
        self.factory = factory
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        # Each worker builds its own app after the fork: no shared DB connections.
        return self.factory()


def run(factory: Callable[[], Flask], host: str, port: int, *, workers: int = 1, threads: int = 256) -> None:
    # A websocket client holds one thread for as long as it is connected, so
    # threads bound the number of screens and devices a worker can carry.
    _Gunicorn(factory, {
        "bind": f"{host}:{port}", "workers": workers, "threads": threads, "worker_class": "gthread",
        "timeout": 0, "graceful_timeout": 5, "keepalive": 30, "accesslog": None, "loglevel": "warning",
    }).run()
