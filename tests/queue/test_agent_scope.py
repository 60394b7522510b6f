"""An agent token's scope: how the administrator writes it, how the CLI stores it, and the upgrade of old tokens."""
from __future__ import annotations

import hashlib
import subprocess

import pytest
from alembic import command
from sqlalchemy import inspect, text

from hallq.queue import accounts
from hallq.server.app import create_app
from hallq import protocol as m
from hallq.queue.agent_scope import AgentScope, ScopeError, format_windows, parse_printers, parse_windows
from hallq.migrate import config, upgrade
from tests.conftest import MONDAY_10AM, Hall, Server
from tests.helpers import run_cli


@pytest.mark.parametrize("written, numbers", [
    ("1-3,7", {1, 2, 3, 7}),
    ("7", {7}),
    (" 2 - 4 , 9 ,3", {2, 3, 4, 9}),
    ("5-5", {5}),
    ("1-2,2-3", {1, 2, 3}),
])
def test_window_lists_are_read_as_numbers_and_ranges(written, numbers):
    assert parse_windows(written) == numbers


@pytest.mark.parametrize("written, said", [
    ("", "cannot read window numbers ''"),
    ("1,,2", "cannot read window numbers ''"),
    ("a", "cannot read window numbers 'a'"),
    ("1-", "cannot read window numbers '1-'"),
    ("-3", "cannot read window numbers '-3'"),
    ("1;2", "cannot read window numbers '1;2'"),
    ("3-1", "the range '3-1' runs backwards: write it 1-3"),
    ("0", "window numbers run from 1"),
    ("1-100000", "window numbers run from 1 to 9999"),
])
def test_a_window_list_that_cannot_be_read_says_why(written, said):
    with pytest.raises(ScopeError) as caught:
        parse_windows(written)
    assert said in str(caught.value)


def test_window_lists_are_written_back_as_short_ranges():
    assert format_windows({7, 1, 2, 3, 9, 10}) == "1-3,7,9-10"
    assert parse_windows(format_windows({4, 5, 6, 12})) == {4, 5, 6, 12}


def test_printer_lists_are_names_separated_by_commas():
    assert parse_printers("kiosk-1, window-3") == {"kiosk-1", "window-3"}
    with pytest.raises(ScopeError, match="empty printer name"):
        parse_printers("kiosk-1,,window-3")


def test_a_scope_is_stored_as_json_and_read_back():
    scope = AgentScope(windows=frozenset({1, 2}), printers=frozenset({"k1"}), voice=True)
    assert scope.to_json() == {"windows": [1, 2], "printers": ["k1"], "voice": True}
    assert AgentScope.from_json(scope.to_json()) == scope
    assert AgentScope.from_json(None) == AgentScope() and AgentScope().empty
    assert scope.describe() == "windows 1-2; printers k1; voice" and AgentScope().describe() == "nothing"


# --- the command ------------------------------------------------------------------

def cli(db, *args) -> subprocess.CompletedProcess:
    return run_cli("token", "create", *args, "--db", db.url)


def authenticate(db, token: str) -> accounts.Principal | None:
    """An agent token made by the command (on the real clock): agent tokens do not expire, any moment serves."""
    with db.read() as s:
        return accounts.authenticate(s, token, MONDAY_10AM)


def test_token_create_gives_an_agent_token_its_scope(hall):
    done = cli(hall.db, "--kind", "agent", "--name", "agent-a", "--windows", "1-2,4", "--printers", "k1,window-2",
               "--voice")
    assert done.returncode == 0, done.stderr
    token = done.stdout.strip()
    assert len(done.stdout.splitlines()) == 1  # the token alone on stdout, for scripts
    assert "agent token agent-a may host: windows 1-2,4; printers k1,window-2; voice" in done.stderr
    who = authenticate(hall.db, token)
    assert who.kind == "agent" and who.scope == AgentScope(frozenset({1, 2, 4}), frozenset({"k1", "window-2"}), True)

    # --replace: the new token takes over the name, the old one stops working.
    done = cli(hall.db, "--kind", "agent", "--name", "agent-a", "--windows", "1", "--replace")
    assert done.returncode == 0, done.stderr
    assert "revoked 1 earlier agent token named agent-a" in done.stderr
    assert authenticate(hall.db, token) is None
    assert authenticate(hall.db, done.stdout.strip()).scope == AgentScope(windows=frozenset({1}))


def test_token_create_warns_that_an_agent_token_without_a_scope_hosts_nothing(hall):
    done = cli(hall.db, "--kind", "agent", "--name", "bare")
    assert done.returncode == 0, done.stderr
    assert "warning: agent token bare may host nothing: its agent's hello will be refused" in done.stderr
    assert authenticate(hall.db, done.stdout.strip()).scope == AgentScope()


@pytest.mark.parametrize("args, said", [
    (("--kind", "agent", "--windows", "3-1"), "Invalid value for --windows: the range '3-1' runs backwards"),
    (("--kind", "agent", "--windows", "1,x"), "Invalid value for --windows: cannot read window numbers 'x'"),
    (("--kind", "agent", "--windows", "2-9"), "There is no window 5-9."),
    (("--kind", "agent", "--printers", "k1,"), "Invalid value for --printers: an empty printer name"),
    (("--kind", "kiosk", "--voice"), "--windows, --printers and --voice are for agent tokens"),
    (("--kind", "caller", "--window", "1", "--windows", "1"), "are for agent tokens"),
])
def test_token_create_refuses_a_scope_it_cannot_use(sqlite_db, clock, args, said):
    hall = Hall(sqlite_db, clock)
    done = cli(hall.db, "--name", "x", *args)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert said in done.stderr, done.stderr
    with hall.db.read() as s:
        assert s.scalar(text("SELECT count(*) FROM tokens")) == 0


# --- the upgrade --------------------------------------------------------------------

def test_the_upgrade_leaves_an_existing_agent_token_hosting_nothing(db, clock):
    """An agent token from before 0006 survives the upgrade with the empty scope, and its hello is refused."""
    hall = Hall(db, clock)
    with db.engine.begin() as conn:
        cfg = config(db)
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0005")
    old = "an-agent-token-from-before-scopes"
    with db.engine.begin() as conn:
        assert "scope" not in [c["name"] for c in inspect(conn).get_columns("tokens")]
        conn.execute(text("INSERT INTO tokens (hall_id, token_hash, kind, name, created_at) "
                          "VALUES (:hall, :hash, 'agent', 'old-agent', :at)"),
                     {"hall": hall.id, "hash": hashlib.sha256(old.encode()).hexdigest(), "at": clock()})
    upgrade(db)

    who = authenticate(db, old)
    assert who is not None and who.kind == "agent" and who.name == "old-agent" and who.scope == AgentScope()
    server = Server(create_app(db, clock=clock))
    try:
        client = server.socket(old)
        answer = client.call(m.HELLO, {"devices": [{"kind": "printer", "name": "k1"}]}, timeout=10)
        assert answer["error"] == "outside_scope" and answer["refused"] == [{"kind": "printer", "name": "k1"}]
        assert "may host nothing" in answer["detail"]
        client.disconnect()
    finally:
        server.stop()
