"""queue.stats are paced: each changed item measured once, a moment after the news."""
import threading

from hallq.queue.events import QUEUE_STATS, Event
from hallq.server.stats_pacer import StatsPacer
from tests.helpers import until


def mark(hall_id: int, service: str) -> Event:
    return Event(QUEUE_STATS, hall_id, {"service": service})


class Queues:
    """Stands in for the database: how many wait per (hall, item) now, and what was measured."""

    def __init__(self, **waiting):
        self.waiting = {(1, code): n for code, n in waiting.items()}
        self.measured: list[list[tuple[int, str]]] = []

    def measure(self, marks: list[Event]) -> list[Event]:
        self.measured.append([(m.hall_id, m.payload["service"]) for m in marks])
        return [Event(QUEUE_STATS, m.hall_id, {"service": m.payload["service"],
                                               "waiting": self.waiting.get((m.hall_id, m.payload["service"]), 0)})
                for m in marks]


def test_each_changed_item_is_measured_once_per_moment_with_the_latest_figures():
    queues = Queues(GA01=3)
    sent: list[Event] = []
    pacer = StatsPacer(queues.measure, sent.append, pace_s=3600)  # the timer never fires here: flush by hand
    for waiting in (3, 4, 5):
        queues.waiting[(1, "GA01")] = waiting
        pacer.add(mark(1, "GA01"))
    pacer.add(mark(1, "GA02"))
    queues.waiting[(2, "GA01")] = 9
    pacer.add(mark(2, "GA01"))  # another hall's item of the same code is another item
    assert sent == [] and queues.measured == []
    pacer.flush()
    assert queues.measured == [[(1, "GA01"), (1, "GA02"), (2, "GA01")]]
    assert [(e.hall_id, e.payload["service"], e.payload["waiting"]) for e in sent] == [
        (1, "GA01", 5), (1, "GA02", 0), (2, "GA01", 9)]
    pacer.flush()  # nothing twice, and nothing measured for nothing
    assert len(sent) == 3 and len(queues.measured) == 1


def test_the_timer_sends_them_and_a_new_change_starts_a_new_moment():
    queues = Queues(GA01=4)
    sent: list[Event] = []
    arrived = threading.Event()

    def emit(event):
        sent.append(event)
        arrived.set()

    pacer = StatsPacer(queues.measure, emit, pace_s=0.05)
    pacer.add(mark(1, "GA01"))
    assert arrived.wait(5)
    arrived.clear()
    queues.waiting[(1, "GA01")] = 5
    pacer.add(mark(1, "GA01"))
    assert arrived.wait(5)
    assert [e.payload["waiting"] for e in sent] == [4, 5]


def test_a_failed_send_does_not_stop_the_others():
    sent: list[str] = []

    def emit(event):
        if event.payload["service"] == "BAD":
            raise RuntimeError("socket gone")
        sent.append(event.payload["service"])

    pacer = StatsPacer(Queues().measure, emit, pace_s=0.05)
    pacer.add(mark(1, "BAD"))
    pacer.add(mark(1, "GA01"))
    until(lambda: sent == ["GA01"], timeout=5, what="the good item's figures sent")


def test_a_failed_measurement_loses_only_that_moment():
    queues = Queues(GA01=2)
    sent: list[Event] = []
    broken = [True]

    def measure(marks):
        if broken[0]:
            raise RuntimeError("database unreachable")
        return queues.measure(marks)

    pacer = StatsPacer(measure, sent.append, pace_s=3600)
    pacer.add(mark(1, "GA01"))
    pacer.flush()
    assert sent == []
    broken[0] = False
    pacer.add(mark(1, "GA01"))  # the next change measures again
    pacer.flush()
    assert [e.payload["waiting"] for e in sent] == [2]
