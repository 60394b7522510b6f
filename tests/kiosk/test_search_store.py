"""The readings of the hall's names kept in the database (hallq.kiosk.search_store): a server process
searches without pypinyin's 55 MB of dictionaries (issue 19's memory aim)."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from hallq.kiosk import search, search_store
from tests.helpers import cli_env, run_cli

NAMES = ["居民身份证办理", "银行开户", "医保", "县公安局"]


@pytest.fixture(autouse=True)
def fresh_process():
    """Each test as a process that never searched (the readings it used are kept per process too)."""
    search_store._used.clear()
    yield
    search_store._used.clear()


def test_a_search_over_kept_readings_finds_what_reading_them_finds(db):
    with db.write() as s:
        assert search_store.read_all(s, NAMES) == 4
        assert search_store.read_all(s, NAMES) == 0  # kept: nothing read again
        s.commit()
    items = [("GA01", "居民身份证办理", "县公安局", ["医保"]), ("YH01", "银行开户", "县公安局", [])]
    search_store._used.clear()  # as another process: the readings come from the database
    with db.read() as s:
        keys = search_store.key_book(s, search.names_of(items))
    assert set(keys.known) == set(NAMES)
    for query in ("sfz", "yhkh", "yinhangkaihu", "xingkai", "yb", "公安", "ga"):
        assert search.search(query, items, keys) == search.search(query, items), query
    assert keys.read == {}  # nothing needed pypinyin


def test_a_name_nobody_read_is_read_once_and_kept(db):
    items = [("MZ01", "低保申请", "县民政局", ["低保", "最低生活保障"])]
    with db.read() as s:
        keys = search_store.key_book(s, search.names_of(items))
    assert search.search("dbsq", items, keys) == ["MZ01"]
    assert set(keys.read) == {"低保申请", "县民政局", "低保", "最低生活保障"}
    with db.write() as s:
        search_store.keep(s, keys.read)
        search_store.keep(s, keys.read)  # a second process keeping the same names: nothing added, no error
        s.commit()
    search_store._used.clear()
    with db.read() as s:
        again = search_store.key_book(s, search.names_of(items))
        assert s.query(search_store.SearchReading).count() == 4
    assert again.read == {} and search.search("dbsq", items, again) == ["MZ01"]


def test_a_server_process_searches_the_loaded_hall_without_importing_pypinyin(tmp_path):
    url = f"sqlite:///{tmp_path / 'hall.db'}"
    loaded = run_cli("load-hall", "hallq/data/demo_hall.toml", "--db", url)
    assert loaded.returncode == 0, loaded.stderr
    token = run_cli("token", "create", "--kind", "kiosk", "--name", "k1", "--db", url).stdout.strip()
    probe = textwrap.dedent(f"""
        import json, sys
        from hallq.db import connect
        from hallq.server.app import create_app
        client = create_app(connect({url!r})).test_client()
        headers = {{"Authorization": "Bearer {token}"}}
        found = [client.get("/api/v1/kiosk/search", query_string={{"q": q}}, headers=headers).get_json()["services"]
                 for q in ("sfz", "yb", "二手房")]
        guides = client.get("/api/v1/kiosk/guides", query_string={{"q": "sfz"}}, headers=headers).get_json()
        print(json.dumps({{"found": found, "guides": [g["code"] for g in guides["guides"]],
                          "pypinyin": "pypinyin" in sys.modules}}))
    """)
    answer = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=cli_env(),
                            timeout=120)
    assert answer.returncode == 0, answer.stderr
    result = json.loads(answer.stdout.strip().splitlines()[-1])
    assert all(result["found"]) and result["guides"], result
    assert result["pypinyin"] is False
