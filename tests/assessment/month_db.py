"""October 2025 in the test hall (tests/halls/small.toml), entered through the real
engine functions: sign-in and sign-out every working day, tickets issued, called,
transferred, skipped and finished, ratings on the pads, a supervisor's records
and a promised case's completion. Shared by the gather, API and page tests.

October 2025 on the official calendar: 1–8 October is the National Day holiday,
Saturday 11 October a make-up workday; 18 working days. Clerks: S001 at window 1,
S003 at window 2, S004 at window 3, S005 at the comprehensive window 4; S002
(window 1's B post) never signs in. Every window is signed in 08:55–18:05 on every
working day, except where said. Hand computation under the county scheme
(seed 000 篇二; county_window is the default for windows, departments and staff):

Window 1 (GA, S001): 4 tickets served on 15 Oct, rated 5, 5, 5, 4 → 100% → 10.
  One ticket transferred to the 市场监管 item (a transfer, no line deducts it).
  A praise letter (+3, 服务质量 23 → capped 20). A media praise (+2 奖励分) goes to
  S001 alone: "工作人员在月度考评时可加分" (篇二 (五)), not to the window.           100
Window 2 (GA, S003): signed in 09:07 on Mon 13 Oct → late −1.
  A promised case accepted Thu 9 Oct for 3 working days: due Fri 10, Sat 11
  (make-up), Mon 13 → 13 Oct; its completion is entered as Thu 16 Oct → 14, 15,
  16 → 3 working days late × −2 = −6 (办件管理 9).
  5 tickets on 15 Oct rated 5, 5, 5, 5, 2 → 4/5 = 80% → 5 (−5).           100 − 1 − 6 − 5 = 88
Window 3 (SJ, S004): paused 10:00–10:40 on 20 Oct "私事" → off post −1.
  Citizen A: 补办 on 15 Oct (missing 经营场所证明), back on 16 Oct and told of a
  new missing 租赁合同 (补办 again), back on 17 Oct and served: two returns, the
  first notice was incomplete → −3.  Citizen B: 补办 on 20 Oct (missing 经营场所证明),
  back on 21 Oct missing the same, served on 22 Oct: two returns, but the first
  notice had listed everything → nothing. No ratings: full 10, flagged.       100 − 1 − 3 = 96
Window 4 (comprehensive, no department; S005 of MZ): signed out 17:30 on Fri
  31 Oct → early leave −1. One no-show. One ticket rated 3 (基本满意 counts as
  satisfied) → 100%. A verified complaint −5.                                    100 − 1 − 5 = 94
Ranks: W1 100, W3 96, W4 94, W2 88. Grades: 优秀 at most 20% of 4 = 0, at least
  one → W1; W3, W4, W2 良好.
Departments, by the average of their windows (DOMAIN.md; never the sum of their windows'
  deductions, which would give GA 100 − 1 − 6 − 5 = 88 for two windows' faults): GA =
  windows 1 and 2: (100 + 88) / 2 = 94; SJ = window 3 → 96; MZ = the comprehensive window
  4, where its S005 was on duty → 94. No record names a department. GA and MZ tie at 94;
  the satisfaction rate decides: MZ 1/1 = 100%, GA 8/9 = 88.9%. Ranks SJ, MZ, GA;
  优秀 quota 1 → SJ; MZ and GA 良好.
Staff: S001 102, S004 96, S005 94, S003 88; 优秀 at most 15% of 4 = 0, at least one →
  S001; the others 称职. S002 holds window 1's B post only and never stood in: not assessed
  (seed 000 第四条, "B岗人员只参加顶岗时的考勤，不参加考核"), no rank, no grade.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from hallq.cases import steps as case_steps
from hallq.assessment import records
from hallq.evaluator import rating
from hallq.queue import calling, issuing, sessions
from hallq.queue.halls import hall_context
from tests.conftest import Hall, local

D = dt.date
YEAR, MONTH = 2025, 10
ID_A = "11010519491231002X"

EXPECTED_WINDOWS = [("1", 100, 1, "优秀"), ("3", 96, 2, "良好"), ("4", 94, 3, "良好"), ("2", 88, 4, "良好")]
EXPECTED_DEPARTMENTS = [("SJ", 96, 1, "优秀"), ("MZ", 94, 2, "良好"), ("GA", 94, 3, "良好")]
EXPECTED_STAFF = [("S001", 102, 1, "优秀"), ("S004", 96, 2, "称职"), ("S005", 94, 3, "称职"),
                  ("S003", 88, 4, "称职"), ("S002", 100, None, None)]


@dataclass
class October:
    hall: Hall
    clerks: dict[int, object] = field(default_factory=dict)
    supervisor: object = None
    tickets: dict[str, int] = field(default_factory=dict)  # name -> ticket id
    ratings: dict[str, int] = field(default_factory=dict)
    records: dict[str, int] = field(default_factory=dict)
    late_session: int | None = None
    pause: int | None = None


def _id_number(base17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return base17 + "10X98765432"[sum(int(c) * w for c, w in zip(base17, weights)) % 11]


def build(hall: Hall) -> October:
    o = October(hall)
    run = hall.run
    for window, staff in ((1, "S001"), (2, "S003"), (3, "S004"), (4, "S005")):
        o.clerks[window] = hall.user(staff, "clerk")
    o.supervisor = hall.user("duban", "supervisor")
    pads = {w: hall.device("evaluator", f"pad{w}", window=w) for w in range(1, 5)}
    kiosk = hall.device("kiosk", "k1")
    with hall.db.read() as s:
        hours = hall_context(s, hall.id).hours
    citizen_b = _id_number("11010119900307001")

    def serve(window: int, service: str, at: dt.datetime, *, outcome: str = "immediate", level: int | None = None,
              id_number: str | None = None, **finish) -> int:
        who = o.clerks[window]
        ticket = run(issuing.issue_ticket, kiosk, issuing.IssueRequest(service, id_number=id_number), at)
        run(calling.call, who, window, at + dt.timedelta(minutes=1), ticket.id)
        done = at + dt.timedelta(minutes=3)
        run(calling.finish, who, window, done, outcome=outcome, **finish)
        if level is not None:
            r = run(rating.rate, pads[window], ticket.id, level, done + dt.timedelta(seconds=10), channel="pad",
                    reasons=["attitude"] if level <= 2 else [])
            o.ratings[f"w{window}-{ticket.id}"] = r.id
        return ticket.id

    day = D(YEAR, MONTH, 1)
    while day.month == MONTH:
        if not hours.is_workday(day):
            day += dt.timedelta(days=1)
            continue
        y, m, d = day.year, day.month, day.day
        for window in range(1, 5):
            start = local(y, m, d, 9, 7) if (window == 2 and d == 13) else local(y, m, d, 8, 55)
            sess = run(sessions.sign_in, o.clerks[window], window, "A", start)
            if window == 2 and d == 13:
                o.late_session = sess.id
        if d == 9:
            o.tickets["promised"] = serve(2, "GA02", local(y, m, d, 10), outcome="promised", promised_days=3)
        if d == 15:
            for i, level in enumerate((5, 5, 5, 4)):
                serve(1, "GA02", local(y, m, d, 9, 10 + 5 * i), level=level)
            for i, level in enumerate((5, 5, 5, 5, 2)):
                tid = serve(2, "GA02", local(y, m, d, 9, 10 + 5 * i), level=level)
            o.tickets["bad"] = tid
            # window 1 sends a ticket to the 市场监管 item; window 3 serves it
            moved = run(issuing.issue_ticket, kiosk, issuing.IssueRequest("GA02"), local(y, m, d, 10, 30))
            run(calling.call, o.clerks[1], 1, local(y, m, d, 10, 31), moved.id)
            run(calling.transfer, o.clerks[1], 1, local(y, m, d, 10, 33), service="SJ01")
            run(calling.call, o.clerks[3], 3, local(y, m, d, 10, 40), moved.id)
            run(calling.finish, o.clerks[3], 3, local(y, m, d, 10, 45), outcome="immediate")
            o.tickets["transferred"] = moved.id
            # a no-show at window 4, then a ticket rated 基本满意
            gone = run(issuing.issue_ticket, kiosk, issuing.IssueRequest("MZ01"), local(y, m, d, 11))
            run(calling.call, o.clerks[4], 4, local(y, m, d, 11, 1), gone.id)
            run(calling.skip, o.clerks[4], 4, local(y, m, d, 11, 4))
            o.tickets["no_show"] = gone.id
            serve(4, "MZ01", local(y, m, d, 11, 10), level=3)
        # citizen A's supplement chain at window 3: the first notice missed a material
        if d == 15:
            o.tickets["chain_a"] = serve(3, "SJ01", local(y, m, d, 14, 30), outcome="supplement", id_number=ID_A,
                                         missing_materials=["经营场所证明"])
        if d == 16:
            serve(3, "SJ01", local(y, m, d, 14, 30), outcome="supplement", id_number=ID_A,
                  missing_materials=["经营场所证明", "租赁合同"])
        if d == 17:
            serve(3, "SJ01", local(y, m, d, 14, 30), id_number=ID_A)
        # citizen B's chain: the first notice listed everything
        if d == 20:
            o.tickets["chain_b"] = serve(3, "SJ01", local(y, m, d, 14, 30), outcome="supplement",
                                         id_number=citizen_b, missing_materials=["经营场所证明"])
            o.pause = run(sessions.pause, o.clerks[3], 3, "私事", local(y, m, d, 10)).id
            run(sessions.resume, o.clerks[3], 3, local(y, m, d, 10, 40))
        if d == 21:
            serve(3, "SJ01", local(y, m, d, 14, 30), outcome="supplement", id_number=citizen_b,
                  missing_materials=["经营场所证明"])
        if d == 22:
            serve(3, "SJ01", local(y, m, d, 14, 30), id_number=citizen_b)
        for window in range(1, 5):
            end = local(y, m, d, 17, 30) if (window == 4 and d == 31) else local(y, m, d, 18, 5)
            run(sessions.sign_out, o.clerks[window], window, end)
        day += dt.timedelta(days=1)

    # The supervisors' part, entered in early November.
    entry = local(2025, 11, 3, 9)
    sup = o.supervisor

    def add(name, **kw):
        with hall.uow() as uow:
            ctx = hall_context(uow.session, hall.id)
            row = records.add_record(uow.session, sup, ctx, entry, **kw)
            uow.commit()
            o.records[name] = row.id

    add("praise", kind="praise_letter", item="praise", occurred_on=D(2025, 10, 16), window=1, staff="S001",
        points=3, evidence="群众来信表扬王芳耐心细致（信件编号 2025-101）")
    add("media", kind="media_mention", item="media_praise", occurred_on=D(2025, 10, 20), window=1, staff="S001",
        evidence="县融媒体中心10月20日报道")
    add("complaint", kind="verified_complaint", item="verified_complaint", occurred_on=D(2025, 10, 23), window=4,
        staff="S005", evidence="12345热线投诉工单 20251023-17，经查属实")
    with hall.uow() as uow:
        ctx = hall_context(uow.session, hall.id)
        case_steps.complete(uow, sup, ctx, o.tickets["promised"], D(2025, 10, 16), "已发证", entry,
                            delay_reason="等待制证中心回件")  # finished after its due day: the reason is asked
        uow.commit()
    return o


def rows(cards) -> list[tuple]:
    return [(c.unit, c.score, c.rank, c.grade) for c in cards]
