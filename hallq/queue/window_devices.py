"""What an agent drives for each window it serves: the LED screen's address and the notice printer.

The hall file (and the admin's Windows page, which edits it) is the one place a
window's devices are bound; the device agents learn the binding from the
server, in the answer to their hello (hallq.protocol.WindowDevices), never
from their own AGENT.toml, which holds only what is physical to the machine.
"""
from __future__ import annotations

from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from hallq.protocol import WindowDevices
from hallq.queue.models import Window
from hallq.queue.notices import window_printer


def window_devices(s: Session, hall_id: int, windows: Iterable[int] | None = None) -> list[WindowDevices]:
    """The active windows among `windows` (an agent token's scope; None: all), by number, with their devices."""
    query = (select(Window.number, Window.led_address, Window.printer)
             .where(Window.hall_id == hall_id, Window.active.is_(True)).order_by(Window.number))
    if windows is not None:
        numbers = set(windows)
        if not numbers:
            return []
        query = query.where(Window.number.in_(numbers))
    rows = s.execute(query)
    return [WindowDevices(number=number, led=led, printer=window_printer(number, printer))
            for number, led, printer in rows]
