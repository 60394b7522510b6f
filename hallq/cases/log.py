"""The case's log: every step and every correction, with who, when, before and after."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from hallq.cases.models import Case, CaseChange


def log(s: Session, case: Case, now: dt.datetime, actor: str, action: str, *, before: dict | None = None,
        after: dict | None = None, note: str | None = None) -> CaseChange:
    row = CaseChange(case_id=case.id, at=now, actor=actor, action=action, before=before, after=after, note=note)
    s.add(row)
    s.flush()
    return row
