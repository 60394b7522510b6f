"""An item changed on one `hallq serve` process takes effect in another on the same database, without a
restart (the hall context each process keeps for seconds is read again). Two real server processes."""
from __future__ import annotations

import requests

from tests.conftest import HALLS
from tests.helpers import run_cli, stop, until
from tests.services import free_port
from tests.test_cli import ok, start

PASSWORD = "Pw-admin-hall-1"


def answering(proc, url: str) -> bool:
    """The server answers url (a first answer may take long on a loaded machine: gunicorn is starting)."""
    assert proc.poll() is None, proc.stderr.read()
    try:
        return requests.get(url, timeout=30).status_code == 200
    except requests.RequestException:
        return False


def test_an_item_made_on_one_process_is_offered_by_another(tmp_path):
    db_url = f"sqlite:///{tmp_path}/hall.db"
    ok(run_cli("load-hall", str(HALLS / "small.toml"), "--db", db_url, cwd=tmp_path))
    ok(run_cli("user", "add", "boss", "--role", "admin", "--password-stdin", "--db", db_url, stdin=PASSWORD + "\n",
               cwd=tmp_path))
    kiosk_token = ok(run_cli("token", "create", "--kind", "kiosk", "--name", "k1", "--db", db_url,
                             cwd=tmp_path)).strip()
    ports = [free_port(), free_port()]
    procs = [start("serve", "--db", db_url, "--port", port, cwd=tmp_path) for port in ports]
    try:
        one, two = (f"http://127.0.0.1:{port}/api/v1" for port in ports)
        for proc, base in zip(procs, (one, two)):
            until(lambda: answering(proc, base + "/openapi.json"), timeout=120, what=f"{base} answers")
        kiosk = {"Authorization": f"Bearer {kiosk_token}"}

        def offered() -> set[str]:
            return {s["code"] for s in requests.get(two + "/services", headers=kiosk, timeout=30).json()}

        assert "SJ09" not in offered()  # the second process has read (and keeps) the hall's items
        login = requests.post(one + "/auth/login", json={"username": "boss", "password": PASSWORD}, timeout=30)
        assert login.status_code == 200, login.text
        admin = {"Authorization": f"Bearer {login.json()['token']}"}
        item = {"code": "SJ09", "name": "食品小作坊登记", "department": "SJ", "prefix": "B", "keywords": ["小作坊"],
                "guide": {"legal_days": 20, "promised_days": 5, "materials": ["登记申请表"]},
                "windows": [{"number": 3, "tier": 0}]}
        r = requests.post(one + "/admin/items", json=item, headers=admin, timeout=30)
        assert r.status_code == 201, r.text
        found = requests.get(two + "/kiosk/search", params={"q": "小作坊"}, headers=kiosk, timeout=30).json()
        assert found["services"] == ["SJ09"]
        until(lambda: "SJ09" in offered(), timeout=30, what="the second process offers the new item")
        guide = requests.get(two + "/kiosk/guides/SJ09", headers=kiosk, timeout=30).json()
        assert any(s["key"] == "materials" for s in guide["sections"])
        assert requests.post(one + "/admin/items/SJ09/deactivate", headers=admin, timeout=30).status_code == 200
        until(lambda: "SJ09" not in offered(), timeout=30, what="the second process stops offering it")
    finally:
        stop(*procs)
