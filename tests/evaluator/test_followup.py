"""Bad-review follow-up cases and appeal rulings, on SQLite and PostgreSQL."""
import datetime as dt

import pytest
from sqlalchemy import select

from hallq.evaluator import appeals, followup
from hallq.evaluator.models import FollowUp, Rating, RatingAppeal
from hallq.queue.errors import Forbidden, Invalid, Refused
from hallq.queue.halls import hall_context
from hallq.queue.models import Staff
from tests.conftest import local
from tests.evaluator.conftest import pad_rate, serve


@pytest.fixture
def clerk(hall):
    return hall.clerk("S001", window=1)


@pytest.fixture
def chief(hall):
    """S003 is the GA department's chief representative (the test hall's settings)."""
    return hall.user("S003", "clerk")


@pytest.fixture
def supervisor(hall):
    return hall.user("boss", "supervisor")


def bad_review(hall, clerk, level=2, window=1, service="GA02"):
    ticket = serve(hall, clerk, window, service)
    hall.clock.advance(seconds=10)
    r = pad_rate(hall, ticket, level, window=window, reasons=["attitude"])
    with hall.db.read() as s:
        return r, s.scalar(select(FollowUp).where(FollowUp.rating_id == r.id))


def staff_number(hall, staff_id):
    with hall.db.read() as s:
        return s.get(Staff, staff_id).number if staff_id else None


def test_a_bad_review_opens_a_case_for_the_chief_representative(hall, clerk, clock):
    hall.published.clear()
    r, case = bad_review(hall, clerk, level=1)
    assert case is not None and case.status == "open" and case.opened_at == r.at
    assert staff_number(hall, case.assignee_staff_id) == "S003"
    # 2026-11-23 is a Monday: five working days later is the next Monday.
    assert case.due_date == dt.date(2026, 11, 30)
    [opened] = [e for e in hall.published if e.name == "followup.opened"]
    assert opened.payload["followup"] == case.id and opened.payload["window"] == 1
    assert opened.payload["level"] == 1 and opened.payload["assignee"] == "张伟"
    assert opened.payload["due_date"] == "2026-11-30"


def test_good_and_middling_ratings_open_no_case(hall, clerk, clock):
    for level in (3, 4, 5):
        ticket = serve(hall, clerk, 1)
        clock.advance(seconds=10)
        pad_rate(hall, ticket, level)
    with hall.db.read() as s:
        assert s.scalars(select(FollowUp)).all() == []


def test_a_case_without_a_named_chief_is_unassigned(hall, clock):
    clerk = hall.clerk("S005", window=4)  # comprehensive window, MZ has no chief named
    r, case = bad_review(hall, clerk, window=4, service="MZ01")
    assert case.assignee_staff_id is None


def test_the_item_department_answers_at_a_comprehensive_window(hall, clock):
    clerk = hall.clerk("S005", window=4)
    r, case = bad_review(hall, clerk, window=4, service="SJ01")
    assert staff_number(hall, case.assignee_staff_id) == "S004"


def test_the_deadline_counts_the_hall_holiday_and_make_up_workday(hall, clerk, clock):
    # The test hall closes 2026-12-24 and works Saturday 2026-12-26 (调休).
    clock.set(local(2026, 12, 22, 10))
    _, case = bad_review(hall, clerk)
    # 23 (1), 24 closed, 25 (2), Sat 26 make-up (3), 28 (4), 29 (5)
    assert case.due_date == dt.date(2026, 12, 29)


def test_the_deadline_follows_the_official_calendar(hall, clerk, clock):
    # New Year 2026: 1-3 January off, Sunday 4 January a make-up workday.
    clock.set(local(2025, 12, 30, 10))
    _, case = bad_review(hall, clerk)
    assert case.due_date == dt.date(2026, 1, 7)  # 31, (4), 5, 6, 7


def test_callback_rectification_and_close(hall, clerk, chief, supervisor, clock):
    _, case = bad_review(hall, clerk)
    with pytest.raises(Refused) as err:
        hall.run(followup.close, chief, case.id, clock())
    assert err.value.code == "followup_callback_missing"
    clock.advance(hours=2)
    called_at = clock() - dt.timedelta(minutes=30)
    note = hall.run(followup.add_callback, chief, case.id, clock(), result="群众表示理解，已当面致歉", reached=True,
                    at=called_at)
    assert (note.person, note.at, note.reached, note.actor) == ("张伟", called_at, True, "user:S003")
    with pytest.raises(Refused) as err:
        hall.run(followup.close, chief, case.id, clock())
    assert err.value.code == "followup_rectification_missing"
    hall.run(followup.add_rectification, supervisor, case.id, clock(), text="窗口人员参加服务礼仪培训",
             person="督查股")
    closed = hall.run(followup.close, chief, case.id, clock(), note="已整改")
    assert (closed.status, closed.closed_at, closed.closed_by) == ("closed", clock(), "user:S003")
    with pytest.raises(Refused) as err:
        hall.run(followup.add_callback, chief, case.id, clock(), result="again")
    assert err.value.code == "followup_not_open"
    with hall.db.read() as s:
        kinds = [n.kind for n in followup.notes(s, s.get(FollowUp, case.id))]
    assert kinds == ["callback", "rectification"]


def test_only_supervisors_and_the_assigned_chief_handle_a_case(hall, clerk, chief, supervisor, clock):
    _, case = bad_review(hall, clerk)
    with pytest.raises(Forbidden):
        hall.run(followup.add_callback, clerk, case.id, clock(), result="x")  # the clerk who was rated
    with pytest.raises(Forbidden):
        hall.run(followup.add_callback, hall.device("evaluator", "p", window=1), case.id, clock(), result="x")
    with hall.db.read() as s:
        assert [c.id for c in followup.cases(s, supervisor, clock())] == [case.id]
        assert [c.id for c in followup.cases(s, chief, clock())] == [case.id]
        assert followup.cases(s, clerk, clock()) == []
        with pytest.raises(Forbidden):
            followup.cases(s, hall.device("display", "tv"), clock())


def test_callback_times_and_texts_are_checked(hall, clerk, chief, clock):
    _, case = bad_review(hall, clerk)
    for kwargs, code in [({"result": "ok", "at": clock() + dt.timedelta(minutes=1)}, "followup_time_invalid"),
                         ({"result": "ok", "at": clock() - dt.timedelta(days=1)}, "followup_time_invalid"),
                         ({"result": "   "}, "followup_result_required")]:
        with pytest.raises(Invalid) as err:
            hall.run(followup.add_callback, chief, case.id, clock(), **kwargs)
        assert err.value.code == code
    with pytest.raises(Invalid):
        hall.run(followup.add_rectification, chief, case.id, clock(), text="")


def test_overdue_cases_are_flagged(hall, clerk, chief, supervisor, clock):
    clock.set(local(2026, 12, 22, 10))
    _, late = bad_review(hall, clerk)  # due 2026-12-29
    _, early = bad_review(hall, clerk)
    hall.run(followup.add_callback, chief, early.id, clock(), result="已回访")
    hall.run(followup.add_rectification, chief, early.id, clock(), text="已整改")
    hall.run(followup.close, chief, early.id, clock())

    clock.set(local(2026, 12, 29, 17))  # the due day itself: not overdue yet
    with hall.db.read() as s:
        assert followup.cases(s, supervisor, clock(), overdue=True) == []
    clock.set(local(2026, 12, 31, 9))  # two working days late: 30 and 31 December
    with hall.db.read() as s:
        ctx = hall_context(s, hall.id)
        [case] = followup.cases(s, supervisor, clock(), overdue=True)
        assert case.id == late.id and followup.overdue_count(s, hall.id, clock()) == 1
        assert followup.lateness(case, ctx.hours, clock()) == followup.Lateness(True, False, 2)
        assert followup.lateness(s.get(FollowUp, early.id), ctx.hours, clock()) == followup.Lateness(False, False, 0)
        assert [c.id for c in followup.cases(s, supervisor, clock(), overdue=False)] == [early.id]
    hall.run(followup.add_callback, chief, late.id, clock(), result="已回访")
    hall.run(followup.add_rectification, chief, late.id, clock(), text="已整改")
    hall.run(followup.close, chief, late.id, clock())
    with hall.db.read() as s:
        ctx = hall_context(s, hall.id)
        case = s.get(FollowUp, late.id)
        assert followup.lateness(case, ctx.hours, clock()) == followup.Lateness(False, True, 2)


def test_an_appeal_rules_a_bad_review_out(hall, clerk, supervisor, clock):
    r, case = bad_review(hall, clerk, level=1)
    clock.advance(days=1)
    appeal = hall.run(appeals.rule, supervisor, r.id, clock(), ruling="malicious", reasons="监控显示评价人与工作人员无接触")
    assert (appeal.ruling, appeal.decided_by, appeal.decided_at) == ("malicious", "user:boss", clock())
    with hall.db.read() as s:
        assert s.get(Rating, r.id).counted is False  # the fact stays, it stops counting
        withdrawn = s.get(FollowUp, case.id)
        assert withdrawn.status == "withdrawn"
        ctx = hall_context(s, hall.id)
        clock.advance(days=30)
        assert not followup.lateness(withdrawn, ctx.hours, clock()).overdue
    with pytest.raises(Refused) as err:
        hall.run(appeals.rule, supervisor, r.id, clock(), ruling="valid", reasons="再议")
    assert err.value.code == "appeal_decided"


def test_an_appeal_may_find_the_review_valid(hall, clerk, supervisor, clock):
    r, case = bad_review(hall, clerk)
    hall.run(appeals.rule, supervisor, r.id, clock(), ruling="valid", reasons="评价属实")
    with hall.db.read() as s:
        assert s.get(Rating, r.id).counted is True
        assert s.get(FollowUp, case.id).status == "open"
        assert s.scalar(select(RatingAppeal.ruling).where(RatingAppeal.rating_id == r.id)) == "valid"


def test_appeals_are_for_supervisors_and_bad_reviews(hall, clerk, supervisor, clock):
    r, _ = bad_review(hall, clerk)
    with pytest.raises(Forbidden):
        hall.run(appeals.rule, clerk, r.id, clock(), ruling="mistaken", reasons="误评")
    with pytest.raises(Invalid):
        hall.run(appeals.rule, supervisor, r.id, clock(), ruling="mistaken", reasons=" ")
    with pytest.raises(Invalid):
        hall.run(appeals.rule, supervisor, r.id, clock(), ruling="forgiven", reasons="x")
    good = serve(hall, clerk, 1)
    clock.advance(seconds=5)
    g = pad_rate(hall, good, 5)
    with pytest.raises(Refused) as err:
        hall.run(appeals.rule, supervisor, g.id, clock(), ruling="mistaken", reasons="x")
    assert err.value.code == "appeal_not_bad_review"


def test_a_chief_rated_for_their_own_service_never_follows_it_up(hall, clock):
    """Issue 16: the chief representative who served the badly rated ticket does not own the case; the
    supervisors do, and the case says why."""
    chief_at_window = hall.clerk("S003", window=2)  # GA's chief serving at window 2
    supervisor = hall.user("boss", "supervisor")
    _, case = bad_review(hall, chief_at_window, window=2)
    assert case.assignee_staff_id is None
    with hall.db.read() as s:
        ctx = hall_context(s, hall.id)
        assert followup.owner(s, ctx, case) == "chief_rated"
        assert followup.cases(s, chief_at_window, clock()) == []
        assert [c.id for c in followup.cases(s, supervisor, clock())] == [case.id]
    with pytest.raises(Forbidden):
        hall.run(followup.add_callback, chief_at_window, case.id, clock(), result="x")
    note = hall.run(followup.add_callback, supervisor, case.id, clock(), result="回访：已致歉")
    assert note.actor == "user:boss"


def test_a_case_assigned_to_the_rated_chief_before_the_rule_stays_out_of_their_hands(hall, clock):
    chief_at_window = hall.clerk("S003", window=2)
    _, case = bad_review(hall, chief_at_window, window=2)
    with hall.db.write() as s:  # as the old rule assigned it
        s.get(FollowUp, case.id).assignee_staff_id = s.scalar(select(Staff.id).where(Staff.number == "S003"))
        s.commit()
    with pytest.raises(Forbidden):
        hall.run(followup.add_callback, chief_at_window, case.id, clock(), result="x")


def test_owner_names_the_chief_or_why_supervisors_own_it(hall, clerk, clock):
    _, assigned = bad_review(hall, clerk)  # S001 served at window 1; GA's chief is S003
    _, unassigned = bad_review(hall, hall.clerk("S005", window=4), window=4, service="MZ01")  # MZ names no chief
    with hall.db.read() as s:
        ctx = hall_context(s, hall.id)
        assert followup.owner(s, ctx, assigned) == "chief"
        assert followup.owner(s, ctx, unassigned) == "no_chief"
