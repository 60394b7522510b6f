"""The printer device: ask its status, print a job, know whether it worked.

`Printer` is the small interface the device agent and the kiosk need;
`EscposPrinter` drives a real ESC/POS printer through python-escpos
(network, serial, USB, device file). A job goes out only when the printer
says it can print, and "printed" means printed:

- a profile with a completion report (Epson's process ID response, GS ( H
  fn 48: "when the related data is printing data, the process ID response is
  transmitted when the printing is completed") sends the job followed by a
  process ID and waits for the printer to send it back; no answer within the
  ticket's printing time means the ticket did not come out whole;
- otherwise the printer is asked DLE EOT after the last byte, which it answers
  at once, and asked again once the ticket's printing time has passed
  (`timing.print_seconds`): paper that ran out mid-ticket shows then;
- a profile without status (a one-way link) prints blind: the job is sent and
  counted printed, and the printer's status says failures cannot be detected.

A job that failed never prints later: when it failed after its bytes went out
(paper ran out half-way), the printer's buffers are cleared (DLE DC4 fn 8),
or the rest would come out when paper is back, a slip of a ticket the server
counts as not printed, whose reprint makes a second one (issue 19). And a job
is sent only while `still_wanted()` says so, asked at the last moment before
its first byte goes out.
"""
from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any, Literal, Protocol

from escpos.exceptions import DeviceNotFoundError
from pydantic import BaseModel, ConfigDict, Field, field_validator

import itertools
import logging
import time
from collections.abc import Callable

from hallq.devices.escpos.profiles import DEFAULT_FOR_PAPER, PROFILES, PrinterProfile, profile
from hallq.devices.escpos.status import ANSWERS, CLEAR_BUFFERS, CLEARED, STATUS_QUERY, PrinterStatus, parse_status
from hallq.devices.escpos.timing import print_seconds
from hallq.devices.escpos.transport import Link, LinkClosed, device_from_url

log = logging.getLogger(__name__)

GS = b"\x1d"
PROCESS_ID_HEADER = b"\x37\x22"      # the process ID response: 37 22 d1 d2 d3 d4 00
NO_STATUS = PrinterStatus("ok", "no_status")

_LINK_DETAILS = ("unreachable", "connection_lost")


class PrintFailed(Exception):
    """A job did not (certainly) come out whole.

    `reason`: paper_out, offline, unknown, unreachable, connection_lost, or
    not_wanted (the job was too late to start: nothing was sent).
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

    def print(self, data: bytes, still_wanted: Callable[[], bool] = lambda: True) -> PrinterStatus:
        """Print one job, sent only if `still_wanted()` right before; raises PrintFailed, and a failed
        job never prints later. Returns the printer's status after the job."""
        ...

    def close(self) -> None: ...


class PrinterConfig(BaseModel):
    """A printer as the device agent's configuration names it.

    `url`: see `hallq.devices.escpos.transport`. `profile` names the model
    (`hallq.devices.escpos.profiles`); without one, `paper` picks generic-58 or
    generic-80. `encoding`, `status` and `speed_mm_s` override the profile's.
    """
    model_config = ConfigDict(extra="forbid")

    url: str
    profile: str | None = None
    paper: Literal[58, 80] = 58
    encoding: Literal["gb18030", "gbk", "gb2312"] | None = None
    status: bool | None = None                  # False: a one-way link that never answers
    speed_mm_s: float | None = Field(None, gt=0)
    max_size: int = Field(8, ge=1, le=8)        # largest GS ! multiplier the printer offers
    status_timeout: float = Field(1.0, gt=0)    # seconds to wait for DLE EOT answers
    timeout: float = Field(5.0, gt=0)           # connect/write limit
    allow_unknown: bool = False                 # print to a printer that never answers (one-way link)

    @classmethod
    def parse(cls, config: str | Mapping[str, Any]) -> PrinterConfig:
        return cls(url=config) if isinstance(config, str) else cls.model_validate(dict(config))

    @field_validator("profile")
    @classmethod
    def _known(cls, name: str | None) -> str | None:
        if name is not None and name not in PROFILES:
            raise ValueError(f"unknown printer profile {name!r}; known: {', '.join(PROFILES)}")
        return name

    def resolved(self) -> PrinterProfile:
        """The model's profile with this printer's overrides."""
        return profile(self.profile or DEFAULT_FOR_PAPER[self.paper]).with_overrides(
            encoding=self.encoding, status=self.status, speed_mm_s=self.speed_mm_s)


class EscposPrinter:
    """A real ESC/POS printer; thread-safe, reconnects after the link drops."""

    def __init__(self, link: Link, *, status_timeout: float = 1.0, allow_unknown: bool = False,
                 profile: PrinterProfile | None = None, sleep: Callable[[float], None] = time.sleep):
        self._link = link
        self._status_timeout = status_timeout
        self._allow_unknown = allow_unknown
        # Without a profile: the behaviour before profiles (status asked right after the job).
        self._profile = profile
        self._sleep = sleep
        self._ids = itertools.count()
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, config: str | Mapping[str, Any] | PrinterConfig, *,
                    sleep: Callable[[float], None] = time.sleep) -> EscposPrinter:
        cfg = config if isinstance(config, PrinterConfig) else PrinterConfig.parse(config)
        # A printer configured by `paper` alone keeps the old check (status right after the
        # job); naming its model turns on the checks that make "printed" mean printed.
        named = cfg.profile is not None or cfg.status is not None
        return cls(Link(device_from_url(cfg.url, cfg.timeout)), status_timeout=cfg.status_timeout,
                   allow_unknown=cfg.allow_unknown, profile=cfg.resolved() if named else None, sleep=sleep)

    def status(self) -> PrinterStatus:
        with self._lock:
            if self._profile is not None and not self._profile.status:
                return NO_STATUS
            return self._query(retry=True)

    def print(self, data: bytes, still_wanted: Callable[[], bool] = lambda: True) -> PrinterStatus:
        with self._lock:
            if self._profile is not None and not self._profile.status:
                if not still_wanted():
                    raise PrintFailed("not_wanted", sent=False)
                return self._print_blind(data)
            before = self._query(retry=True)
            if not self._may_print(before):
                raise PrintFailed.from_status(before, sent=False)
            if not still_wanted():  # asked after the query, which may take seconds on a dead link
                raise PrintFailed("not_wanted", sent=False)
            try:
                return self._print_checked(data)
            except PrintFailed as failed:
                if failed.sent:
                    self._clear_buffers()
                raise

    def _print_checked(self, data: bytes) -> PrinterStatus:
        if self._profile is not None and self._profile.completion:
            return self._print_to_completion(data)
        after = self._query(retry=False, job=data)
        if self._profile is not None and self._may_print(after):
            # DLE EOT was answered on arrival, before the buffered ticket printed.
            self._sleep(print_seconds(data, self._profile.speed_mm_s))
            after = self._query(retry=False)
        if not self._may_print(after):
            raise PrintFailed.from_status(after, sent=True)
        return after  # asked after the ticket printed: what it left (paper near its end, say)

    def _clear_buffers(self) -> bool:
        """Empty the printer's buffers of what is left of a failed job; True once it said so.

        A real-time command, so it works while the printer stops for paper. A link that
        dropped is opened once more for it: a network printer keeps what it received.
        """
        for _ in range(2):
            try:
                self._link.open()
                self._link.drain()
                self._link.send(CLEAR_BUFFERS)
                got = self._link.receive(len(CLEARED), self._status_timeout)
            except (DeviceNotFoundError, OSError, LinkClosed):
                self._link.close()
                continue
            if got == CLEARED:
                return True
            break  # answered something else, or nothing: a model without the command
        log.warning("printer did not confirm clearing its buffers: what is left of a failed job may print "
                    "when it is ready again")
        return False

    def close(self) -> None:
        with self._lock:
            self._link.close()

    def _print_blind(self, data: bytes) -> PrinterStatus:
        try:
            self._link.open()
            self._link.send(data)
        except (DeviceNotFoundError, OSError, LinkClosed) as exc:
            self._link.close()
            raise PrintFailed("unreachable", sent=False) from exc
        return NO_STATUS

    def _print_to_completion(self, data: bytes) -> PrinterStatus:
        """Send the job and a process ID; printed once the printer sends the ID back."""
        number = next(self._ids) % 10000
        pid = f"{number:04d}".encode("ascii")        # d1..d4 in 32..126: four digits
        expected = PROCESS_ID_HEADER + pid + b"\x00"
        wait = 2 * print_seconds(data, self._profile.speed_mm_s) + self._status_timeout
        try:
            self._link.drain()
            self._link.send(data + GS + b"(H\x06\x00\x30\x30" + pid)
            got = b""
            deadline = time.monotonic() + wait
            while expected not in got and (left := deadline - time.monotonic()) > 0:
                got += self._link.receive(1, left)
        except (OSError, LinkClosed):
            self._link.close()
            raise PrintFailed("connection_lost", sent=True) from None
        after = self._query(retry=False)
        if expected in got:
            return after   # printed; the status says what it left
        raise PrintFailed.from_status(after if not after.printable else PrinterStatus("unknown", "no_completion"),
                                      sent=True)

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
