"""The engine's side of queue.stats: changes mark items; the figures are read when they go out.
And the ticket an issue hands back is complete without another query."""
from sqlalchemy import event, inspect

from hallq.queue import calling, issuing
from hallq.queue.estimates import item_loads
from hallq.queue.events import QUEUE_STATS
from hallq.queue.halls import hall_context
from hallq.queue.models import Item, Ticket
from hallq.queue.staffing import item_staffing
from hallq.queue.stats import queue_figures


def marks(published) -> list[tuple[int, dict]]:
    return [(e.hall_id, e.payload) for e in published if e.name == QUEUE_STATS]


def test_issue_and_call_mark_their_item_and_the_figures_count_what_the_database_holds_then(hall, clock):
    hall.issue("GA01")
    assert marks(hall.published) == [(hall.id, {"service": "GA01"})]  # a mark, no figures: nothing counted yet
    hall.issue("GA01")
    hall.issue("SJ01")
    clerk = hall.clerk("S001", window=1)
    hall.published.clear()
    hall.run(calling.call_next, clerk, 1, clock())
    assert marks(hall.published) == [(hall.id, {"service": "GA01"})]

    with hall.db.read() as s:
        ctx = hall_context(s, hall.id)
        figures = {e.payload["service"]: e for e in queue_figures(s, ctx, clock(), ["GA01", "SJ01", "GA01", "MZ01"])}
        items = s.query(Item).filter(Item.hall_id == hall.id, Item.code.in_(["GA01", "SJ01", "MZ01"])).all()
        loads = {i.code: item_loads(s, ctx, clock(), [i])[i.id] for i in items}
        # Window 1 serves GA01; nobody serves SJ01 or MZ01 at 10:00: their waits start at 14:00.
        delay = {i.code: item_staffing(s, ctx, clock(), [i.id])[i.id].delay_s(clock()) for i in items}
    assert delay == {"GA01": 0, "SJ01": 4 * 3600, "MZ01": 4 * 3600}
    assert sorted(figures) == ["GA01", "MZ01", "SJ01"]  # each item once, however often it was named
    assert {code: e.payload["waiting"] for code, e in figures.items()} == {"GA01": 1, "SJ01": 1, "MZ01": 0}
    for code, e in figures.items():
        assert e.name == QUEUE_STATS and e.hall_id == hall.id
        assert e.payload["estimated_wait_s"] == loads[code].wait_for(loads[code].waiting) + delay[code]
        assert e.payload["at"].endswith("Z") and e.payload["number"] is None and e.payload["window"] is None


def test_figures_of_an_unknown_code_are_none_rather_than_an_error(hall, clock):
    with hall.db.read() as s:
        assert queue_figures(s, hall_context(s, hall.id), clock(), ["XX99"]) == []


def test_the_issued_ticket_has_every_column_loaded_and_reading_it_runs_no_query(hall, clock):
    statements: list[str] = []

    def executed(conn, cursor, statement, *rest):
        statements.append(statement)

    with hall.uow() as uow:
        ticket = issuing.issue_ticket(uow, hall.device(), issuing.IssueRequest("GA01"), clock())
        state = inspect(ticket)
        assert state.persistent and not state.modified
        assert state.unloaded == {"events"}  # every column is known: only the history is left to load
        engine = uow.session.get_bind()
        event.listen(engine, "before_cursor_execute", executed)
        try:
            seen = {column.key: getattr(ticket, column.key) for column in inspect(Ticket).column_attrs}
            assert ticket.item.code == "GA01" and ticket.item.department.code == "GA"
        finally:
            event.remove(engine, "before_cursor_execute", executed)
        uow.commit()
    assert statements == []
    assert seen["status"] == "waiting" and seen["number"] == "A001" and seen["window_id"] is None
    with hall.db.read() as s:  # and the row holds what the object said
        row = s.get(Ticket, ticket.id)
        assert {c.key: getattr(row, c.key) for c in inspect(Ticket).column_attrs} == seen
