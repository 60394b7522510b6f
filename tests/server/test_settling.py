"""Group commit of print answers: answers that arrive while a transaction is under way settle together.

Real database (SQLite and PostgreSQL), real threads; the publisher of the first
transaction is held, so the next answers pile up behind it deterministically.
"""
from __future__ import annotations

import threading

import pytest

from hallq.queue import printing
from hallq.queue.device_models import PrintJob
from hallq.server.settling import Answer, Settler
from hallq.queue import issuing
from hallq.queue.unit_of_work import UnitOfWork
from tests.helpers import until


def printed_jobs(hall, count: int, printer: str = "k1") -> list[int]:
    """`count` tickets, each with a pending job on `printer`."""
    jobs = []
    for _ in range(count):
        with hall.uow() as uow:
            ticket = issuing.issue_ticket(uow, hall.device("kiosk", printer), issuing.IssueRequest(service="GA01"),
                                          hall.clock())
            jobs.append(printing.request_print(uow, ticket, printer, {"kind": "ticket"}, kind="ticket",
                                               who="kiosk:k1", now=hall.clock()).id)
            uow.commit()
    return jobs


def states(hall, jobs: list[int]) -> list[str]:
    with hall.db.read() as s:
        return [s.get(PrintJob, job).state for job in jobs]


class HeldPublisher:
    """Records each commit's news; the first commit's publishing waits until released."""

    def __init__(self) -> None:
        self.commits: list[list] = []
        self.entered, self.release = threading.Event(), threading.Event()

    def __call__(self, events) -> None:
        if not self.commits and not self.entered.is_set():
            self.entered.set()
            self.release.wait(10)
        self.commits.append(list(events))


def settle_in_threads(settler: Settler, answers: list[Answer]) -> tuple[list[threading.Thread], dict]:
    outcome: dict[int, Exception | None] = {}

    def run(answer: Answer) -> None:
        try:
            settler.settle(answer)
            outcome[answer.job_id] = None
        except Exception as exc:
            outcome[answer.job_id] = exc

    threads = [threading.Thread(target=run, args=(a,)) for a in answers]
    for t in threads:
        t.start()
    return threads, outcome


def test_answers_that_arrive_together_are_one_transaction_and_each_returns_once_recorded(hall):
    first, *rest = printed_jobs(hall, 4)
    publisher = HeldPublisher()
    settler = Settler(lambda: UnitOfWork(hall.db.write, publisher), hall.clock)

    lead, lead_outcome = settle_in_threads(settler, [Answer(hall.id, first, True, None, ["k1"])])
    assert publisher.entered.wait(10)  # the first answer is committed and its news is going out
    answers = [Answer(hall.id, job, job != rest[1], "paper out", ["k1"]) for job in rest]
    threads, outcome = settle_in_threads(settler, answers)
    until(lambda: len(settler._waiting) == 3, what="the next answers waiting")
    assert not outcome and states(hall, rest) == ["pending"] * 3  # none returns before its commit
    publisher.release.set()
    for t in lead + threads:
        t.join(10)

    assert lead_outcome == {first: None} and outcome == {job: None for job in rest}
    assert states(hall, [first, *rest]) == ["printed", "printed", "failed", "printed"]
    # Two transactions: the first answer's, then the three that waited for it, with their news; the failed
    # print is also the duty manager's alert, in the same transaction.
    results = [[e for e in c if e.name == "print.result"] for c in publisher.commits]
    assert [[(e.payload["job"], e.payload["state"]) for e in c] for c in results] == [
        [(first, "printed")], [(rest[0], "printed"), (rest[1], "failed"), (rest[2], "printed")]]
    assert results[1][1].payload["reason"] == "paper out"
    alerts = [[e for e in c if e.name != "print.result"] for c in publisher.commits]
    assert [[(e.name, e.payload["kind"]) for e in c] for c in alerts] == [[], [("alert.raised", "print")]]


def test_a_refused_answer_in_a_transaction_changes_nothing_and_the_others_stand(hall):
    first, mine, other, repeated = printed_jobs(hall, 4)
    publisher = HeldPublisher()
    settler = Settler(lambda: UnitOfWork(hall.db.write, publisher), hall.clock)
    publisher.release.set()  # this first commit is not the one to hold (it waited out release.wait(10))
    settler.settle(Answer(hall.id, repeated, True, None, ["k1"]))
    publisher.commits.clear()
    publisher.entered.clear()
    publisher.release.clear()

    lead, _ = settle_in_threads(settler, [Answer(hall.id, first, True, None, ["k1"])])
    assert publisher.entered.wait(10)
    answers = [Answer(hall.id, mine, True, None, ["k1"]),
               Answer(hall.id, other, False, "paper out", ["k2"]),  # an agent that does not host k1
               Answer(hall.id, repeated, False, "late", ["k1"])]  # printed already: no news
    threads, outcome = settle_in_threads(settler, answers)
    until(lambda: len(settler._waiting) == 3, what="the next answers waiting")
    publisher.release.set()
    for t in lead + threads:
        t.join(10)

    assert outcome[mine] is None and outcome[repeated] is None
    assert isinstance(outcome[other], printing.NotHosted) and outcome[other].printer == "k1"
    assert states(hall, [first, mine, other, repeated]) == ["printed", "printed", "pending", "printed"]
    assert [(e.payload["job"], e.payload["state"]) for e in publisher.commits[1]] == [(mine, "printed")]


def test_a_failed_transaction_fails_its_answers_and_the_next_one_settles(hall):
    jobs = printed_jobs(hall, 2)
    broken = {"yes": True}

    def open_uow() -> UnitOfWork:
        if broken["yes"]:
            broken["yes"] = False
            raise ConnectionError("database gone")
        return UnitOfWork(hall.db.write, hall.published.extend)

    settler = Settler(open_uow, hall.clock)
    with pytest.raises(ConnectionError):
        settler.settle(Answer(hall.id, jobs[0], True, None, ["k1"]))
    assert settler._waiting == []  # the failed answer is not left behind to be settled unasked
    settler.settle(Answer(hall.id, jobs[1], True, None, ["k1"]))
    assert states(hall, jobs) == ["pending", "printed"]
