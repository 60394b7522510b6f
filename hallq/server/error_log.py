"""Errors logged in this server process go to the database too (hallq.queue.server_errors), for the admins.

The standard library's QueueHandler takes the record off the logging call at
once and a QueueListener's thread writes it: a request that logs an error
never waits on the database, and an error in writing (the database may be
what failed) is dropped rather than logged again, which would loop.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import queue
import socket
from logging.handlers import QueueHandler, QueueListener
from typing import Callable

from hallq.db import Database
from hallq.queue import server_errors


class _ToDatabase(logging.Handler):
    def __init__(self, db: Database, clock: Callable[[], dt.datetime]):
        super().__init__(logging.ERROR)
        self.db, self.clock = db, clock
        self.process = f"{socket.gethostname()}:{os.getpid()}"

    def emit(self, record: logging.LogRecord) -> None:
        try:
            with self.db.write() as s:
                server_errors.record(s, at=self.clock(), process=self.process, logger=record.name,
                                     message=record.getMessage(), detail=record.hallq_detail)
                s.commit()
        except Exception:  # noqa: BLE001 - see the module's docstring
            pass


class _Enqueue(QueueHandler):
    """What crosses to the writing thread: the message and the traceback apart (QueueHandler's own
    `prepare` joins them into one text, and the page shows the message with the traceback folded)."""

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        detail = logging.Formatter().formatException(record.exc_info) if record.exc_info else None
        return logging.makeLogRecord({"name": record.name, "levelno": record.levelno, "levelname": record.levelname,
                                      "msg": record.getMessage(), "hallq_detail": detail})


class ErrorLog:
    """Installed on the root logger while the server runs; `close()` takes it off and drains what is queued."""

    def __init__(self, db: Database, clock: Callable[[], dt.datetime]):
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._handler = _Enqueue(self._queue)
        self._handler.setLevel(logging.ERROR)
        self._listener = QueueListener(self._queue, _ToDatabase(db, clock), respect_handler_level=True)
        self._listener.start()
        logging.getLogger().addHandler(self._handler)

    def close(self) -> None:
        logging.getLogger().removeHandler(self._handler)
        self._listener.stop()
