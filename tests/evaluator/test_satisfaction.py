"""The satisfaction rate the assessment reads, with unrated tickets and appeal rulings."""
import dataclasses
import datetime as dt

from hallq.evaluator import appeals
from hallq.evaluator.satisfaction import satisfaction, unrated_level
from hallq.queue.halls import hall_context
from hallq.queue.models import Staff, Window
from tests.evaluator.conftest import pad_rate, serve


def test_satisfaction_counts_what_the_rules_say(hall, clock):
    start = clock()
    w1 = hall.clerk("S001", window=1)
    w2 = hall.clerk("S003", window=2)
    boss = hall.user("boss", "supervisor")
    ids = {}
    for level in (5, 3, 1, None):
        ticket = serve(hall, w1, 1)
        clock.advance(seconds=10)
        if level is not None:
            ids[level] = pad_rate(hall, ticket, level, reasons=["attitude"] if level < 3 else None).id
        clock.advance(minutes=5)
    hall.run(appeals.rule, boss, ids[1], clock(), ruling="malicious", reasons="恶意差评")
    other = serve(hall, w2, 2)
    clock.advance(seconds=10)
    pad_rate(hall, other, 2, window=2, name="pad2", reasons=["slow"])
    end = clock() + dt.timedelta(seconds=1)

    with hall.db.read() as s:
        ctx = hall_context(s, hall.id)
        assert unrated_level(ctx) is None
        window1 = s.query(Window).filter_by(hall_id=hall.id, number=1).one()
        one = satisfaction(s, ctx, start, end, window_id=window1.id)
        assert one.levels == {1: 0, 2: 0, 3: 1, 4: 0, 5: 1}
        assert (one.rated, one.ruled_out, one.unrated, one.rate) == (2, 1, 1, 1.0)
        assert sorted(one.rating_ids) == sorted([ids[5], ids[3]])

        whole = satisfaction(s, ctx, start, end)
        assert (whole.counted, whole.satisfied, round(whole.rate, 4)) == (3, 2, 0.6667)
        s003 = s.query(Staff).filter_by(hall_id=hall.id, number="S003").one()
        assert satisfaction(s, ctx, start, end, staff_id=s003.id).levels[2] == 1
        s001 = s.query(Staff).filter_by(hall_id=hall.id, number="S001").one()
        assert satisfaction(s, ctx, start, end, staff_id=s001.id).unrated == 1

        # A hall that counts an unrated ticket as 满意.
        counting = dataclasses.replace(ctx, settings=ctx.settings.model_copy(update={
            "ratings": ctx.settings.ratings.model_copy(update={"unrated_counts_as": 4})}))
        assert unrated_level(counting) == 4
        assert satisfaction(s, counting, start, end, window_id=window1.id).levels[4] == 1
        assert satisfaction(s, ctx, end, end + dt.timedelta(days=1)).rate is None  # nothing counted
