"""The printer device: ask its status, print a job, know whether it worked.

`Printer` is the small interface the device agent and the kiosk need;
`EscposPrinter` drives a real ESC/POS printer through python-escpos
(network, serial, USB, device file). A job goes out only when the printer
says it can print, and the printer is asked again after the last byte, so
paper running out or a link dropping during the job is a failure with a
reason, not a ticket silently counted as handed out.
"""
from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any, Literal, Protocol

from escpos.exceptions import DeviceNotFoundError
from pydantic import BaseModel, ConfigDict, Field

from hallq.devices.escpos.status import ANSWERS, STATUS_QUERY, PrinterStatus, parse_status
from hallq.devices.escpos.text import DEFAULT_ENCODING
from hallq.devices.escpos.transport import Link, LinkClosed, device_from_url

_LINK_DETAILS = ("unreachable", "connection_lost")


class PrintFailed(Exception):
    """A job did not (certainly) come out whole.

    `reason`: paper_out, offline, unknown, unreachable or connection_lost.
    `sent`: bytes went out, so part of the ticket may be on the paper.
    """

    def __init__(self, reason: str, status: PrinterStatus | None = None, *, sent: bool = False):
        self.reason = reason
        self.status = status
        self.sent = sent
        super().__init__(f"print failed: {reason}" + (" (after sending)" if sent else ""))

    @classmethod
    def from_status(cls, status: PrinterStatus, *, sent: bool) -> PrintFailed:
        return cls(status.detail if status.detail in _LINK_DETAILS else status.state, status, sent=sent)


class Printer(Protocol):
    def status(self) -> PrinterStatus: ...

    def print(self, data: bytes) -> PrinterStatus:
        """Print one job; raises PrintFailed. Returns the printer's status after the job."""
        ...

    def close(self) -> None: ...


class PrinterConfig(BaseModel):
    """A printer as the device agent's configuration names it.

    `url`: see `hallq.devices.escpos.transport`; `paper` (mm) and `encoding`
    are for rendering tickets to this printer.
    """
    model_config = ConfigDict(extra="forbid")

    url: str
    paper: Literal[58, 80] = 58
    encoding: Literal["gb18030", "gbk"] = DEFAULT_ENCODING
    max_size: int = Field(8, ge=1, le=8)        # largest GS ! multiplier the printer offers
    status_timeout: float = Field(1.0, gt=0)    # seconds to wait for DLE EOT answers
    timeout: float = Field(5.0, gt=0)           # connect/write limit
    allow_unknown: bool = False                 # print to a printer that never answers (one-way link)

    @classmethod
    def parse(cls, config: str | Mapping[str, Any]) -> PrinterConfig:
        return cls(url=config) if isinstance(config, str) else cls.model_validate(dict(config))


class EscposPrinter:
    """A real ESC/POS printer; thread-safe, reconnects after the link drops."""

    def __init__(self, link: Link, *, status_timeout: float = 1.0, allow_unknown: bool = False):
        self._link = link
        self._status_timeout = status_timeout
        self._allow_unknown = allow_unknown
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, config: str | Mapping[str, Any] | PrinterConfig) -> EscposPrinter:
        cfg = config if isinstance(config, PrinterConfig) else PrinterConfig.parse(config)
        return cls(Link(device_from_url(cfg.url, cfg.timeout)), status_timeout=cfg.status_timeout,
                   allow_unknown=cfg.allow_unknown)

    def status(self) -> PrinterStatus:
        with self._lock:
            return self._query(retry=True)

    def print(self, data: bytes) -> PrinterStatus:
        with self._lock:
            before = self._query(retry=True)
            if not self._may_print(before):
                raise PrintFailed.from_status(before, sent=False)
            after = self._query(retry=False, job=data)
            if not self._may_print(after):
                raise PrintFailed.from_status(after, sent=True)
            return after  # asked after the last byte: what the job left (paper near its end, say)

    def close(self) -> None:
        with self._lock:
            self._link.close()

    def _may_print(self, status: PrinterStatus) -> bool:
        return status.printable or (self._allow_unknown and status.state == "unknown" and status.detail == "no_answer")

    def _query(self, *, retry: bool, job: bytes = b"") -> PrinterStatus:
        """Ask DLE EOT 1, 2 and 4, after sending `job` if given. With `retry`,
        a link found dead is opened again once: network printers close idle
        connections. A job is never sent twice."""
        for _ in range(2 if retry and not job else 1):
            try:
                self._link.open()
            except (DeviceNotFoundError, OSError):
                self._link.close()
                return PrinterStatus("offline", "unreachable")
            try:
                self._link.drain()
                self._link.send(job + STATUS_QUERY)
                return parse_status(self._link.receive(ANSWERS, self._status_timeout))
            except (OSError, LinkClosed):
                self._link.close()
        return PrinterStatus("offline", "connection_lost")


def open_printer(config: str | Mapping[str, Any] | PrinterConfig) -> EscposPrinter:
    return EscposPrinter.from_config(config)
