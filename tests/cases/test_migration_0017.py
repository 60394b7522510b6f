"""Migration 0017 opens the cases of tickets accepted before it, keeping the completions already entered."""
from __future__ import annotations

import datetime as dt

from alembic import command
from sqlalchemy import select

from hallq.cases import steps
from hallq.cases.models import Case
from hallq.migrate import config, upgrade
from hallq.queue import calling
from hallq.queue.halls import hall_context


def test_the_cases_of_tickets_accepted_before_0017_are_opened_by_it(hall):
    clerk = hall.clerk("S001", 1)
    boss = hall.user("boss", "supervisor")
    done = {}
    for name, finish in (("promised", {"outcome": "promised", "promised_days": 10}),
                         ("supplement", {"outcome": "supplement", "missing_materials": ["户口簿"]}),
                         ("rejected", {"outcome": "rejected", "note": "不符合条件"}),
                         ("immediate", {"outcome": "immediate"})):
        ticket = hall.issue("GA02")
        hall.run(calling.call, clerk, 1, hall.clock(), ticket.number)
        hall.run(calling.finish, clerk, 1, hall.clock(), **finish)
        done[name] = ticket.id

    def complete(uow):
        ctx = hall_context(uow.session, hall.id)
        return steps.complete(uow, boss, ctx, done["promised"], dt.date(2026, 11, 23), "已发证", hall.clock())
    hall.run(complete)  # the case is opened on demand, the completion entered: both as before 0017
    db = hall.db
    with db.engine.begin() as conn:
        cfg = config(db)
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0016")  # the cases tables go; case_completions stays
    upgrade(db)
    with db.read() as s:
        cases = {c.ticket_id: c for c in s.scalars(select(Case))}
    assert set(cases) == {done["promised"], done["supplement"], done["rejected"]}  # 即办件 opens none
    promised = cases[done["promised"]]
    assert (promised.kind, promised.status, promised.completed_on, promised.due_on) == (
        "promised", "done", dt.date(2026, 11, 23), dt.date(2026, 12, 7))
    assert promised.window_id is not None and promised.accepted_by == "user:S001"
    assert (cases[done["supplement"]].status, cases[done["supplement"]].details["missing_materials"]) == (
        "waiting", ["户口簿"])
    rejected = cases[done["rejected"]]
    assert (rejected.status, rejected.details["reason"], rejected.completed_on) == (
        "done", "不符合条件", dt.date(2026, 11, 23))
