"""The cached hall context names windows by id, also ones it has not seen yet."""
import dataclasses

from hallq.queue.halls import hall_context


def test_window_numbers_come_from_the_context_and_a_newer_window_from_the_database(hall):
    with hall.db.read() as s:
        ctx = hall_context(s, hall.id)
        assert sorted(ctx.window_numbers.values()) == [1, 2, 3, 4]
        window_id, number = next(iter(ctx.window_numbers.items()))
        assert ctx.window_number(s, window_id) == number
        # As if another process added the window after this context was read.
        stale = dataclasses.replace(ctx, window_numbers={})
        assert stale.window_number(s, window_id) == number
        assert stale.window_number(s, None) is None
