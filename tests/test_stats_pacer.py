"""queue.stats are paced: the latest per item, a moment after the news."""
import threading

from hallq.queue.events import QUEUE_STATS, Event
from hallq.stats_pacer import StatsPacer
from tests.helpers import until


def stats(hall_id: int, service: str, waiting: int) -> Event:
    return Event(QUEUE_STATS, hall_id, {"service": service, "waiting": waiting})


def test_only_the_latest_figures_of_each_item_go_out():
    sent: list[Event] = []
    pacer = StatsPacer(sent.append, pace_s=3600)  # the timer never fires here: flush by hand
    for waiting in (3, 2, 1):
        pacer.add(stats(1, "GA01", waiting))
    pacer.add(stats(1, "GA02", 7))
    pacer.add(stats(2, "GA01", 9))  # another hall's item of the same code is another item
    assert sent == []
    pacer.flush()
    assert [(e.hall_id, e.payload["service"], e.payload["waiting"]) for e in sent] == [
        (1, "GA01", 1), (1, "GA02", 7), (2, "GA01", 9)]
    pacer.flush()  # nothing twice
    assert len(sent) == 3


def test_the_timer_sends_them_and_a_new_change_starts_a_new_moment():
    sent: list[Event] = []
    arrived = threading.Event()

    def emit(event):
        sent.append(event)
        arrived.set()

    pacer = StatsPacer(emit, pace_s=0.05)
    pacer.add(stats(1, "GA01", 4))
    assert arrived.wait(5)
    arrived.clear()
    pacer.add(stats(1, "GA01", 5))
    assert arrived.wait(5)
    assert [e.payload["waiting"] for e in sent] == [4, 5]


def test_a_failed_send_does_not_stop_the_others():
    sent: list[str] = []

    def emit(event):
        if event.payload["service"] == "BAD":
            raise RuntimeError("socket gone")
        sent.append(event.payload["service"])

    pacer = StatsPacer(emit, pace_s=0.05)
    pacer.add(stats(1, "BAD", 1))
    pacer.add(stats(1, "GA01", 1))
    until(lambda: sent == ["GA01"], timeout=5, what="the good item's figures sent")
