"""2025 in a county hall that assesses its windows by seed 003's 窗口争星 scheme (tests/halls/dual_target.toml),
entered through the real engine functions, for the 双目标 example (seed 003 (三)).

The hall went live on Monday 22 December 2025: 22–26 and 29–31 December are its 8 working days of the year.
Every window is signed in 08:55–18:05 on each of them (no late, early or unattended half-day). The
supervisors' records, entered on 5 January 2026, under the scheme's lines:
  W1 (GA, S001): "刁难、歧视服务对象发现一人次扣5分" −5 → 工作窗口 45, 窗口单位 50        → 95
  W2 (GA, S002): "不挂牌、不按规定着行业装……发现一人次扣2分" −2 → 工作窗口 48             → 98
  W3 (SJ, S003): "结合县监察局'电子监察系统'扣分情况……相应扣除": that system docked 2.5 → 窗口单位 47.5 → 97.5
  W4 (ZJ, S004): nothing                                                                      → 100
民主测评 of the windows: W1 90, W2 80, W3 85, W4 70.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from hallq.assessment import publication, records, service
from hallq.queue import sessions
from hallq.queue.halls import hall_context
from tests.conftest import HALLS, Hall, local

D = dt.date
ENTERED = local(2026, 1, 5, 9)  # the records and the democratic scores
DEMOCRATIC = {"1": 90, "2": 80, "3": 85, "4": 70}


@dataclass
class Year2025:
    hall: Hall
    supervisor: object = None
    admin: object = None
    records: dict[str, int] = field(default_factory=dict)


def build(db, clock) -> Year2025:
    hall = Hall(db, clock, HALLS / "dual_target.toml")
    y = Year2025(hall)
    clerks = {w: hall.user(f"S00{w}", "clerk") for w in range(1, 5)}
    y.supervisor = hall.user("duban", "supervisor")
    y.admin = hall.user("boss", "admin")
    with hall.uow() as uow:
        ctx = hall_context(uow.session, hall.id)
        service.set_scheme(uow.session, ctx, "window", "window_stars_003", None, "user:boss", local(2025, 12, 20),
                           from_month="2025-01")
        uow.commit()
        hours = ctx.hours
    day = D(2025, 12, 22)
    while day.year == 2025:
        if hours.is_workday(day):
            for w, who in clerks.items():
                hall.run(sessions.sign_in, who, w, "A", local(day.year, day.month, day.day, 8, 55))
                hall.run(sessions.sign_out, who, w, local(day.year, day.month, day.day, 18, 5))
        day += dt.timedelta(days=1)

    def add(name, **kw):
        with hall.uow() as uow:
            row = records.add_record(uow.session, y.supervisor, hall_context(uow.session, hall.id), ENTERED, **kw)
            uow.commit()
            y.records[name] = row.id

    add("obstruct", kind="inspection_finding", item="obstruct", occurred_on=D(2025, 12, 23), window=1,
        evidence="督查股暗访：刁难办事群众（暗访记录 2025-12-07号）")
    add("dress", kind="inspection_finding", item="dress", occurred_on=D(2025, 12, 24), window=2,
        evidence="督查股巡查：未挂牌上岗（照片 IMG_1224_03）")
    add("e_supervision", kind="inspection_finding", item="e_supervision", occurred_on=D(2025, 12, 29), window=3,
        points=-2.5, evidence="县监察局电子监察系统12月扣分通报：2.5分")
    with hall.uow() as uow:
        records.set_democratic(uow.session, y.supervisor, hall_context(uow.session, hall.id), 2025, "window",
                               DEMOCRATIC, ENTERED)
        uow.commit()
    return y


def publish_december(y: Year2025) -> None:
    """December 2025 taken through its sign-off (self-check of one working day, review, approval, publication)."""
    hall = y.hall
    steps = [(publication.open_self_check, y.supervisor, local(2026, 1, 5, 10), {"days": 1}),
             (publication.review, y.supervisor, local(2026, 1, 8, 9), {}),
             (publication.approve, y.admin, local(2026, 1, 8, 10), {}),
             (publication.publish, y.admin, local(2026, 1, 8, 11), {})]
    for step, who, at, extra in steps:
        with hall.uow() as uow:
            step(uow.session, who, hall_context(uow.session, hall.id), "2025-12", at, **extra)
            uow.commit()
