"""Issuing knows who is serving: an item no window serves now is said to be so, and the
estimate waits for the window expected; a closed hall says when it opens next."""
import pytest

from hallq.i18n import message
from hallq.queue import sessions, views
from hallq.queue.errors import Refused
from hallq.queue.halls import hall_context
from tests.conftest import local


def services(hall, clock):
    with hall.uow() as uow:
        ctx = hall_context(uow.session, hall.id)
        return {s["code"]: s for s in views.services(uow.session, ctx, clock())}


def refusal(hall, service="MZ01", **kwargs):
    with pytest.raises(Refused) as err:
        hall.issue(service, **kwargs)
    return err.value


def test_an_unstaffed_item_is_refused_when_the_kiosk_asks_and_says_when_a_window_is_expected(hall, clock):
    # Monday 10:00, morning session: nobody signed in at window 4, the only one for MZ01.
    err = refusal(hall, unstaffed_ok=False)
    assert err.code == "service_unstaffed"
    assert message(err.code, "zh", **err.params) == "“婚姻登记”现在没有窗口在办理，预计14:00起办理。取号后请留意叫号。"
    assert "expected from 14:00" in message(err.code, "en", **err.params)
    # The citizen's confirmation issues it; not asking issues it as before.
    assert hall.issue("MZ01", unstaffed_ok=True).number == "C001"
    assert hall.issue("MZ01").number == "C002"


def test_a_signed_in_window_serves_and_a_paused_one_is_said_to_be_paused(hall, clock):
    clerk = hall.clerk("S005", window=4)
    assert hall.issue("MZ01", unstaffed_ok=False).number == "C001"
    hall.run(sessions.pause, clerk, 4, "会议", clock())
    err = refusal(hall, unstaffed_ok=False)
    assert "窗口暂停服务中" in message(err.code, "zh", **err.params)
    listed = services(hall, clock)["MZ01"]
    assert (listed["open"], listed["staffed"], listed["paused_windows"], listed["staffed_from"]) == (False, False, 1, None)
    hall.run(sessions.resume, clerk, 4, clock())
    assert services(hall, clock)["MZ01"]["open"] is True


def test_in_the_last_session_nobody_is_expected_back_today(hall, clock):
    clock.set(local(2026, 11, 23, 15, 0))
    err = refusal(hall, unstaffed_ok=False)
    assert "今天何时恢复尚不确定" in message(err.code, "zh", **err.params)
    assert services(hall, clock)["MZ01"]["staffed_from"] is None


def test_services_are_not_open_for_an_unstaffed_item_and_the_estimate_waits_for_the_window(hall, clock):
    hall.clerk("S004", window=3)  # serves SJ01 and GA01; nobody at 1, 2 or 4
    for _ in range(2):
        hall.issue("MZ01")
        hall.issue("SJ01")
    listed = services(hall, clock)
    mz, sj = listed["MZ01"], listed["SJ01"]
    assert (mz["open"], mz["staffed"], mz["serving_windows"]) == (False, False, 0)
    assert mz["staffed_from"].startswith("2026-11-23T14:00:00+08:00")
    # Two ahead at the hall's default 300 s, after the four hours until 14:00.
    assert mz["estimated_wait_s"] == 4 * 3600 + 2 * 300
    # SJ01 is served by window 3 alone (window 4 is signed out): two at 300 s, not shared by two windows.
    assert (sj["open"], sj["staffed"], sj["serving_windows"], sj["estimated_wait_s"]) == (True, True, 1, 600)
    ticket = hall.issue("MZ01", unstaffed_ok=True)
    with hall.uow() as uow:
        answer = views.ticket(uow.session, hall_context(uow.session, hall.id), uow.session.merge(ticket), clock())
    assert answer["staffed"] is False and answer["estimated_wait_s"] == 4 * 3600 + 2 * 300


@pytest.mark.parametrize("moment, code, zh", [
    (local(2026, 11, 23, 12, 30), "hall_closed", "今天 14:00"),                 # lunch break
    (local(2026, 11, 27, 18, 30), "hall_closed", "下一个工作日 11月30日 9:00"),  # Friday evening: Monday
    (local(2026, 12, 23, 18, 30), "hall_closed", "下一个工作日 12月25日 9:00"),  # the hall's own holiday skipped
    (local(2026, 12, 25, 18, 30), "hall_closed", "下一个工作日 12月26日 9:00"),  # the hall's make-up Saturday
    (local(2026, 9, 30, 18, 30), "hall_closed", "下一个工作日 10月8日 9:00"),    # National Day (official calendar)
    (local(2026, 10, 9, 17, 45), "closing_soon", "下一个工作日 10月10日 9:00"),  # 调休: a Saturday worked
])
def test_a_closed_hall_says_when_it_opens_next(hall, clock, moment, code, zh):
    clock.set(moment)
    err = refusal(hall, "GA01")
    assert err.code == code
    assert zh in message(err.code, "zh", **err.params)


def test_a_used_up_quota_names_the_next_working_day(hall, clock):
    for _ in range(5):
        hall.issue("GA01")  # its daily quota
    err = refusal(hall, "GA01")
    assert err.code == "quota_exhausted"
    assert message(err.code, "zh", **err.params) == \
        "“居民身份证申领”今日号源已取完，请下一个工作日 11月24日 9:00再来或网上预约。"
    assert "the next working day, Tue 24 Nov at 9:00" in message(err.code, "en", **err.params)
