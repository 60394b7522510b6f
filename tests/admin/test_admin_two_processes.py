"""An admin change made through one `hallq serve` process takes effect in another without a restart.

Each process keeps a hall's settings and windows for halls.CONTEXT_TTL_S (5 s) and a token for
runtime.TOKEN_CACHE_SECONDS (10 s): the other process shows the change once those run out, never later.
"""
from __future__ import annotations

import pytest

from tests.helpers import until
from tests.server.test_multiprocess import PASSWORD, cluster, hallq, running_cluster  # noqa: F401 (fixtures)


def _admin(servers, index):
    hallq("user", "add", "boss", "--role", "admin", "--password-stdin", "--db", servers.db_url, stdin=PASSWORD + "\n")
    api = servers.api(index)
    r = api.post(api.base + "/auth/login", json={"username": "boss", "password": PASSWORD}, timeout=30)
    assert r.status_code == 200, r.text
    return servers.api(index, r.json()["token"])


def _window_numbers(servers, index) -> set[int]:
    api = servers.api(index, servers.display)
    return {w["number"] for w in api.get(api.base + "/windows", timeout=30).json()}


@pytest.mark.real_clock
def test_a_window_and_a_revoked_token_reach_the_other_process(cluster):  # noqa: F811
    boss = _admin(cluster, 0)
    assert 9 not in _window_numbers(cluster, 1)  # process 1 has read (and keeps) the hall as it was
    r = boss.post(boss.base + "/admin/windows", json={"number": 9, "name": "新窗口", "items": ["MZ01"]}, timeout=30)
    assert r.status_code == 201, r.text
    assert 9 in _window_numbers(cluster, 0)  # at once where it was made
    until(lambda: 9 in _window_numbers(cluster, 1), timeout=30, what="window 9 on the second process")

    made = boss.post(boss.base + "/admin/tokens", json={"kind": "kiosk", "name": "lobby"}, timeout=30).json()
    kiosk_b = cluster.api(1, made["token"])
    assert kiosk_b.get(kiosk_b.base + "/kiosk/state", timeout=30).status_code == 200
    assert boss.post(boss.base + f"/admin/tokens/{made['id']}/revoke", timeout=30).status_code == 200
    until(lambda: kiosk_b.get(kiosk_b.base + "/kiosk/state", timeout=30).status_code == 401, timeout=30,
          what="the revoked token refused by the second process")
