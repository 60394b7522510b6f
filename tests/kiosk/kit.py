"""What the kiosk tests share: ID numbers that pass the checksum, a printer's agent, bookings,
the duty manager's connection."""
from __future__ import annotations

import datetime as dt

from hallq import protocol as m
from hallq.queue.agent_scope import AgentScope
from hallq.queue import issuing

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(born: dt.date, region: str = "110101", serial: str = "123") -> str:
    """A resident ID number with a valid GB 11643 check digit."""
    body = f"{region}{born:%Y%m%d}{serial}"
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, WEIGHTS)) % 11]


def printer_agent(hall, server, printer: str = "k1", state: str = "ok"):
    """A Socket.IO client saying what `hallq agent` says for one printer, reporting `state`."""
    token = hall.token("agent", f"agent-{printer}", scope=AgentScope(printers=frozenset({printer})))
    client = server.socket(token)
    assert client.call(m.HELLO, {"devices": [{"kind": "printer", "name": printer}]}, timeout=10) == {"ok": True}
    report(client, state, printer)
    return client


def report(client, state: str, printer: str = "k1", detail: str | None = None) -> None:
    answer = client.call(m.DEVICE_STATUS, {"kind": "printer", "name": printer, "state": state, "detail": detail},
                         timeout=10)
    assert answer == {"ok": True}


def book(hall, code: str, service: str, start: dt.datetime, minutes: int = 30, person: str | None = None):
    """An online booking, as the appointment platform's integration pushes it."""
    return hall.run(issuing.add_appointment, hall.device("integration", "platform"), code=code, service=service,
                    slot_start=start, slot_end=start + dt.timedelta(minutes=minutes), id_number=person,
                    now=hall.clock())


def duty_manager(hall, server, username: str = "duty"):
    """A supervisor's Socket.IO client in the supervisors' room, where calls for help go (as the duty screen)."""
    hall.user(username, "supervisor")
    client = server.socket(hall.login(username))
    assert client.call("join", {"room": "supervisors"}, timeout=10) == {"ok": True, "room": "supervisors"}
    return client
