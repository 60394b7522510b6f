"""What the server and a device agent say to each other over Socket.IO.

The agent shares these message types with the server, never its database
(python-socketio's own split: one protocol, two sides). Every job carries an
id; the agent answers each with `job.result`. Payloads are validated on the
receiving side with these models, so a malformed message is refused with a
reason instead of breaking a device.

    server -> agent   print        PrintJob      print a ticket or notice on a named printer
                      led.show     LedShow       a window's state, for its LED screen
                      announce     Announce      speak a call
                      keypad.show  KeypadShow    what a window's caller keypad screen shows
                      rating.ask   RatingAsk     light a window's evaluator keypad for a ticket
                      agent.windows (no payload) the windows' devices changed (an admin saved a window):
                                                 say hello again; its answer carries the new map
    agent -> server   agent.hello  Hello         the devices this agent hosts, answered with HelloAnswer:
                                                 ok, and the map of the windows it serves (their LED
                                                 screen's address and notice printer), or an error
                      job.result   JobResult     done or failed, with the reason
                      device.status DeviceStatus a device's state changed (or is re-reported)
                      keypad.action KeypadAction a key pressed on a caller keypad (answered with KeypadShow)

The citizen's phone speaks a second, public namespace (TICKET_NAMESPACE), never the
devices' and staff's "/": the status page of one ticket connects with that ticket's
token as its only credential and hears nothing but that ticket's public status.

    page -> server    connect      auth {"ticket": token}   refused "ticket_unknown" for any other
                      status       (no payload)             ask again (the page's wake from sleep)
    server -> page    ticket.status                         the ticket's public status, as GET /api/v1/t/{token}
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

# Agents re-report every device this often; the server stops believing a state
# that has not been re-reported for a few heartbeats.
HEARTBEAT = dt.timedelta(seconds=10)

# What a ticket document carries of the API's ticket and of the item's guide: a
# print job holds these and nothing else (the agent lays them out for its paper).
TICKET_FIELDS = ("number", "priority", "ahead", "estimated_wait_s", "issued_at", "windows", "service_name",
                 "service", "department", "next_services")
GUIDE_FIELDS = ("materials", "promised_days", "legal_days", "fee")

# Rating levels run 5 (非常满意) to 1 (非常不满意); this level and below is a bad
# review (差评), which must carry a reason: the evaluator keypad asks for one.
BAD_LEVEL = 2


def is_bad(level: int) -> bool:
    return level <= BAD_LEVEL


PRINT = "print"
LED_SHOW = "led.show"
ANNOUNCE = "announce"
KEYPAD_SHOW = "keypad.show"
RATING_ASK = "rating.ask"

# The citizen's phone (the status page of one ticket): see the module's doc.
TICKET_NAMESPACE = "/ticket"
TICKET_STATUS = "ticket.status"
TICKET_STATUS_ASK = "status"
TICKET_AUTH = "ticket"  # the auth field that carries the ticket's token
TICKET_LANG = "lang"  # the auth field that names the page's language ("en"; Chinese otherwise)
TICKET_UNKNOWN = "ticket_unknown"  # the refusal of a token no ticket has

HELLO = "agent.hello"
WINDOWS_CHANGED = "agent.windows"
JOB_RESULT = "job.result"
DEVICE_STATUS = "device.status"
KEYPAD_ACTION = "keypad.action"

DeviceKind = Literal["printer", "led", "voice", "keypad", "evaluator_keypad"]
# ok and near_end can work; everything else cannot. "unknown" is what silence
# means: a printer that does not answer is never assumed to be fine.
DeviceState = Literal["ok", "near_end", "paper_out", "offline", "not_answering", "port_down", "failed", "unknown"]
WORKING_STATES = ("ok", "near_end")


class Message(BaseModel):
    model_config = ConfigDict(extra="ignore")


class DeviceInfo(Message):
    kind: DeviceKind
    name: str = Field(min_length=1, max_length=120)
    windows: list[int] = []  # LED screens and keypads: the windows they serve


class Hello(Message):
    devices: list[DeviceInfo]
    # Answer with the windows' map (HelloAnswer.windows). An agent from before the map sends no such field
    # and gets the bare {"ok": true} it compares the answer with, so a hall may upgrade its agents later.
    windows: bool = False


class WindowDevices(Message):
    """What an agent drives for one window it serves, as the admin's Windows page (the hall file) binds it.

    The server is the one source: AGENT.toml says which buses and printers the machine has, never which
    window a screen address shows."""

    number: int
    led: int | None = None  # its LED screen's address on the agent's LED bus; None: no screen
    printer: str            # the printer its written notices print on (by the name in AGENT.toml)


class HelloAnswer(Message):
    """The answer to `agent.hello`: {"ok": true, "windows": [...]}, or {"error": ..., "detail": ...}."""

    ok: bool = False
    windows: list[WindowDevices] = []  # every active window in the token's scope, by number
    error: str | None = None
    detail: str | None = None


class PrintJob(Message):
    id: str
    printer: str
    # What to print, not how: the agent lays it out for its own paper width and
    # code page. kind "ticket": ticket_layout.ticket_blocks' arguments.
    document: dict[str, Any]
    ticket: int | None = None
    # A job the server settled as failed must never print (its reprint would make a second slip);
    # the server fails a job nobody answered some seconds after `at`. So the agent starts a job
    # only within `start_within_s` of `at` (ISO, when it was made) by its clock, and of its own
    # arrival, so an agent's clock running behind the server's cannot stretch that.
    at: str | None = None
    start_within_s: float | None = None


class LedShow(Message):
    """A window's state for its LED screen; the agent words it for the screen's size (hallq.devices.led.text)."""

    id: str
    window: int
    state: dict[str, Any]  # the window as GET /api/v1/windows shows it
    calling: str | None = None  # the number just called there: "请A001到3号窗口", then "A001 正在办理"


class Announce(Message):
    id: str
    text: str
    lang: str = "zh"
    key: str  # the ticket and window, so a backlog can collapse repeats of one call
    at: str  # when the call was made (ISO): stale calls are not replayed after an outage


class KeypadShow(Message):
    window: int
    number: str | None = None
    waiting: int = 0
    status: str = ""


class RatingAsk(Message):
    window: int
    ticket: int | None  # None: stop asking (rated, expired or the window moved on)
    number: str | None = None  # what the keypad shows while it asks
    seconds: float | None = None  # how long it may ask (the hall's rating time)


class JobResult(Message):
    id: str
    ok: bool
    reason: str | None = None


class DeviceStatus(Message):
    kind: DeviceKind
    name: str
    state: DeviceState
    detail: str | None = None


class KeypadAction(Message):
    window: int
    action: Literal["call_next", "recall", "skip", "pause", "resume", "transfer", "finish", "request_rating",
                    "hold", "call_back", "return_to_queue"]
    params: dict[str, Any] = {}
