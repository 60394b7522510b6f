"""Seed 003 (三) "结合政府'双目标'责任制考核评分说明", worked by hand on a hall's database (SQLite and PostgreSQL):
the centre's findings stored, corrected and reported, and the department shares computed from them.

The windows' 2025 (tests/assessment/dual_db.py): December scores W1 95, W2 98, W3 97.5, W4 100; 民主测评
90, 80, 85, 70. "月评实际得分占年评总分值的60%；民主测评得分占总分值的40%":
  W1 0.6 × 95 + 0.4 × 90 = 57 + 36 = 93          W2 0.6 × 98 + 0.4 × 80 = 58.8 + 32 = 90.8
  W3 0.6 × 97.5 + 0.4 × 85 = 58.5 + 34 = 92.5    W4 0.6 × 100 + 0.4 × 70 = 60 + 28 = 88
A department's total is its windows' average. The centre's findings (督查股), and what they give:
  GA 县公安局 (W1, W2) "行政审批服务职能应进尽进中心……据实评分": (93 + 90.8) / 2 = 91.9 × 1 = 91.9
  SJ 县市场监督管理局 (W3): first found "据实评分" on 30 December; corrected on 7 January, with its reason, to
     "能纳入中心的职能没有完全纳入中心受理办理……得总分的二分之一": 92.5 / 2 = 46.25 (the first finding kept)
  ZJ 县住房和城乡建设局 (W4) "未将任何审批服务职能纳入中心……只能提供咨询服务……得总分的四分之一": 88 / 4 = 22
  FG 县发展和改革局 (no window) "政府明确应在中心设窗口而未在设置窗口的……不得分": 0
  TJ 县统计局 (no window) "没有行政审批职能……依照政府综合意见评分": no figure from hallq
  MZ 县民政局: no finding yet: no figure.
Reported on 8 January once December is published (revision 1). On 12 January the office finds MZ "应在中心设
窗口而未在设置窗口": entered with its reason, it makes revision 2 (MZ: none → 0); a democratic score changed
after the report moves nothing reported.
"""
from __future__ import annotations

import contextlib

import pytest

from hallq.assessment import dual_target_findings as found
from hallq.assessment import dual_target_year as dual
from hallq.assessment import records
from hallq.queue.errors import Forbidden, Invalid, Refused
from hallq.queue.halls import hall_context
from hallq.queue.models import Department
from tests.assessment import dual_db
from tests.conftest import local

FIGURES = [("FG", "no_window", 0, None, 0), ("GA", "full", 1, 91.9, 91.9), ("MZ", None, None, None, None),
           ("SJ", "partial", 0.5, 92.5, 46.25), ("TJ", "government", None, None, None),
           ("ZJ", "consult_only", 0.25, 88, 22)]


@pytest.fixture
def year(db, clock):
    return dual_db.build(db, clock)


@contextlib.contextmanager
def fails(kind, says: str):
    """The error `kind` whose code or detail says `says`."""
    with pytest.raises(kind) as caught:
        yield
    assert says in f"{caught.value.code} {caught.value.params.get('detail', '')}", caught.value.params


def act(y, fn, *args, **kwargs):
    with y.hall.uow() as uow:
        out = fn(uow.session, *args[:1], hall_context(uow.session, y.hall.id), *args[1:], **kwargs)
        uow.commit()
        return out


def enter(y, department, finding, at, evidence="进驻事项清单核查", reason=None, who=None):
    return act(y, found.enter, who or y.supervisor, 2025, at, department=department, finding=finding,
               evidence=evidence, reason=reason)


def figures(cards):
    return [(c["department"], c["finding"], c["share"], c["total"], c["score"]) for c in cards]


def the_year(y, at):
    with y.hall.uow() as uow:
        out = dual.dual_target_year(uow.session, hall_context(uow.session, y.hall.id), 2025, at)
        uow.commit()
        return out


def test_findings_stored_corrected_reported_and_revised(year):
    y = year
    first = enter(y, "SJ", "full", local(2025, 12, 30, 15), "12月29日实地核查：登记注册事项已进驻")
    for dept, finding in (("GA", "full"), ("ZJ", "consult_only"), ("FG", "no_window"), ("TJ", "government")):
        enter(y, dept, finding, local(2026, 1, 6, 9))

    # A correction says why; the earlier finding stays, with who entered it and when.
    with fails(Invalid, "finding_reason_required"):
        enter(y, "SJ", "partial", local(2026, 1, 7, 9))
    corrected = enter(y, "SJ", "partial", local(2026, 1, 7, 9), "1月6日复核：食品经营许可仍在局机关受理",
                      reason="复核发现能纳入中心的职能没有完全纳入")
    assert corrected.replaces_id == first.id
    with y.hall.db.read() as s:
        chain = found.chain(s, found.get(s, y.hall.id, corrected.id))
        assert [(r.finding, r.entered_by, r.reason) for r in chain] == [
            ("partial", "user:duban", "复核发现能纳入中心的职能没有完全纳入"), ("full", "user:duban", None)]
    with fails(Refused, "finding_unchanged"):
        enter(y, "SJ", "partial", local(2026, 1, 7, 10), reason="again")
    with fails(Invalid, "finding must be one of"):
        enter(y, "MZ", "all", local(2026, 1, 7, 10))
    with pytest.raises(Forbidden):
        enter(y, "MZ", "full", local(2026, 1, 7, 10), who=y.hall.user("S009", "clerk"))

    # The computed result uses the stored findings; each figure names the finding it stands on.
    live = the_year(y, local(2026, 1, 7, 12))
    assert (live.revision, live.counted_to) == (None, None)
    assert figures(live.cards) == FIGURES
    ga = next(c for c in live.cards if c["department"] == "GA")
    assert ga["window_scores"] == {"1": 93, "2": 90.8}
    assert next(c for c in live.cards if c["department"] == "SJ")["finding_id"] == corrected.id
    notes = {c["department"]: c["note_key"] for c in live.cards}
    assert (notes["TJ"], notes["MZ"]) == ("government", "no_finding")

    # Reporting is the centre's, after the year's months are published.
    with pytest.raises(Forbidden):
        act(y, dual.publish, y.supervisor, 2025, local(2026, 1, 8, 9))
    with pytest.raises(Refused) as refused:
        act(y, dual.publish, y.admin, 2025, local(2026, 1, 8, 9))
    assert (refused.value.code, refused.value.params["months"]) == ("months_unpublished", "2025-12")
    dual_db.publish_december(y)
    report = act(y, dual.publish, y.admin, 2025, local(2026, 1, 8, 14), "2025年度双目标考核结果")
    assert (report.revision, report.published_by, figures(report.cards)) == (1, "user:boss", FIGURES)
    with fails(Refused, "dual_target_reported"):
        act(y, dual.publish, y.admin, 2025, local(2026, 1, 8, 15))

    # After the report nothing changes silently: a democratic score changed moves nothing reported ...
    act(y, records.set_democratic, y.supervisor, 2025, "window", {"4": 100}, local(2026, 1, 9, 9))
    assert figures(the_year(y, local(2026, 1, 9, 10)).cards) == FIGURES
    with y.hall.uow() as uow:  # ... which the office is shown: ZJ now 0.6 × 100 + 0.4 × 100 = 100, a quarter 25
        moved = dual.moved_since_report(uow.session, hall_context(uow.session, y.hall.id), 2025, local(2026, 1, 9, 10))
    assert moved == [{"department": "ZJ", "name": "县住房和城乡建设局", "reported": {"total": 88, "score": 22},
                      "now": {"total": 100, "score": 25}}]
    # ... and a finding entered needs a reason and is the next revision, with what it moved.
    with fails(Invalid, "finding_reason_required"):
        enter(y, "MZ", "no_window", local(2026, 1, 12, 9))
    late = enter(y, "MZ", "no_window", local(2026, 1, 12, 9), "县政府2025年第3号文：民政局应进驻中心",
                 reason="县政府文件明确民政局应在中心设窗口")
    assert late.revision == 2
    now = the_year(y, local(2026, 1, 12, 10))
    assert now.revision == 2
    assert figures(now.cards) == [f if f[0] != "MZ" else ("MZ", "no_window", 0, None, 0) for f in FIGURES]
    first_report, second = now.revisions
    assert figures(first_report.cards) == FIGURES  # every revision stays readable
    assert (second.finding_id, second.published_by, second.changes) == (late.id, "user:duban", [
        {"department": "MZ", "name": "县民政局", "before": {"finding": None, "share": None, "score": None},
         "after": {"finding": "no_window", "share": 0, "score": 0}}])
    with y.hall.db.write() as s:  # a department loaded after the report: no total was reported for it
        s.add(Department(hall_id=y.hall.id, code="WJ", name="县卫生健康局"))
        s.commit()
    with fails(Refused, "not in the report"):
        enter(y, "WJ", "no_window", local(2026, 1, 12, 11), reason="补充")
    assert second.reason.startswith("双目标认定更正（县民政局：未认定 → ") and second.reason.endswith(
        "县政府文件明确民政局应在中心设窗口")


def test_a_finding_withdrawn_and_a_hall_without_dual_target(year, db, clock):
    y = year
    enter(y, "GA", "full", local(2026, 1, 6, 9))
    with fails(Refused, "finding_none_to_withdraw"):
        enter(y, "TJ", None, local(2026, 1, 6, 9), reason="x")
    with fails(Invalid, "finding_reason_required"):
        enter(y, "GA", None, local(2026, 1, 6, 10))
    withdrawn = enter(y, "GA", None, local(2026, 1, 6, 10), reason="认定对象有误")
    ga = next(c for c in the_year(y, local(2026, 1, 6, 11)).cards if c["department"] == "GA")
    assert (ga["finding"], ga["score"], ga["finding_id"], ga["note_key"]) == (None, None, withdrawn.id, "no_finding")
    # A year not over is provisional; a future year takes no finding.
    assert the_year(y, local(2025, 12, 30, 12)).counted_to.isoformat() == "2025-12-30"
    with pytest.raises(Invalid):
        act(y, found.enter, y.supervisor, 2027, local(2026, 1, 6, 9), department="GA", finding="full", evidence="x")

    from tests.conftest import Hall
    other = Hall(db, clock, code="other")  # the county scheme: no 双目标 classes
    with other.uow() as uow, fails(Refused, "dual_target_none"):
        found.enter(uow.session, other.user("sup2", "supervisor"), hall_context(uow.session, other.id), 2025,
                    clock(), department="GA", finding="full", evidence="x")
