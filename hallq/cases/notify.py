"""The one place the citizen is told their result is ready (办理结果已可领取).

hallq's notification channel (SMS / WeChat) is built elsewhere; it plugs in here. Until then
`result_ready` only marks the case as notified-at so the message goes once: a case whose
`notified_at` is set is never sent again, a correction of its completion day does not resend.
"""
from __future__ import annotations

import datetime as dt

from hallq.cases.models import Case


def result_ready(uow, case: Case, now: dt.datetime) -> bool:
    """Send "result ready" for this case once; True when it was sent now.

    Wire the notification channel here: `uow` is the transaction the completion is in, so a
    channel that queues its message in the database sends it only if the completion commits.
    """
    if case.notified_at is not None:
        return False
    case.notified_at = now
    return True
