"""hallq.queue.inputs: the one way values a person typed are read from requests and forms."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from hallq.queue import inputs
from hallq.queue.errors import Invalid

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_forms_local_time_is_read_in_the_halls_zone():
    moment = inputs.local_moment("2026-12-31T23:30", SHANGHAI)
    assert moment == dt.datetime(2026, 12, 31, 15, 30, tzinfo=dt.timezone.utc)
    assert inputs.local_moment("2026-12-31T23:30:15", SHANGHAI).second == 15
    assert inputs.local_moment("", SHANGHAI) is None and inputs.local_moment(None, SHANGHAI) is None


@pytest.mark.parametrize("text", ["2026-12-31", "2026-12-31 23:30", "２０２６-12-31T23:30", "2026-13-01T00:00",
                                  "9999-12-31T23:59", "0001-01-01T00:00", "yesterday", 20261231])
def test_anything_else_is_a_clear_400(text):
    with pytest.raises(Invalid) as refused:
        inputs.local_moment(text, SHANGHAI, "received at")
    assert refused.value.status == 400 and "received at must be a time" in refused.value.params["detail"]
