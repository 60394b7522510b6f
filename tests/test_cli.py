"""The `hallq` command, run for real as a subprocess."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from hallq.queue import accounts, passwords
from hallq.queue.errors import Throttled, Unauthorized
from hallq.queue.accounts import Principal, Token, User
from hallq.db import connect
from hallq.queue import issuing, views
from hallq.queue.halls import forget_halls, hall_context
from hallq.queue.models import Department, Hall, Item, Staff, Ticket, Window
from hallq.queue.unit_of_work import UnitOfWork
from tests.helpers import cli_env, run_cli, stop, wait_http
from tests.conftest import HALLS, MONDAY_10AM
from tests.services import free_port

ROOT = Path(__file__).resolve().parents[1]
SMALL = HALLS / "small.toml"
# The command runs on the wall clock: load-hall dates a new hall's first day, token create its
# tokens, serve and demo run the hall. tests/test_any_date.py runs all of these on other days too.
pytestmark = pytest.mark.real_clock


hallq = run_cli


def start(*args, cwd) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "hallq.cli", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, encoding="utf-8", cwd=cwd, env=cli_env())


def ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    return result.stdout


def fails_readably(result: subprocess.CompletedProcess, *needles: str) -> str:
    assert result.returncode != 0, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout, result.stderr
    said = result.stderr + result.stdout
    for needle in needles:
        assert needle in said, (needle, said)
    return said


@pytest.fixture
def db_url(tmp_path):
    return f"sqlite:///{tmp_path}/x.db"


@pytest.fixture
def loaded(db_url, tmp_path):
    ok(hallq("load-hall", SMALL, "--db", db_url, cwd=tmp_path))
    return db_url


def issue_direct(db_url, service, now=MONDAY_10AM):
    db = connect(db_url)
    try:
        with db.read() as s:
            hall_id = s.scalar(select(Hall.id).where(Hall.code == "test"))
        with UnitOfWork(db.write) as uow:
            t = issuing.issue_ticket(uow, Principal(hall_id, "kiosk", "k1"), issuing.IssueRequest(service), now)
            uow.commit()
            return t.id, t.number
    finally:
        db.dispose()


# --- load-hall --------------------------------------------------------------------

def test_load_hall_prints_loaded_and_creates_the_hall(db_url, tmp_path):
    out = ok(hallq("load-hall", SMALL, "--db", db_url, cwd=tmp_path))
    assert "loaded" in out and "测试县政务服务中心" in out
    db = connect(db_url)
    try:
        with db.read() as s:
            hall = s.scalar(select(Hall).where(Hall.code == "test"))
            assert hall is not None and hall.name == "测试县政务服务中心"
            count = lambda model: s.scalar(select(func.count()).select_from(model).where(model.hall_id == hall.id))
            assert (count(Department), count(Item), count(Window), count(Staff)) == (3, 4, 4, 5)
    finally:
        db.dispose()


def test_reloading_an_edited_hall_file_keeps_the_tickets(loaded, tmp_path):
    db_url = loaded
    first = issue_direct(db_url, "GA01")
    second = issue_direct(db_url, "GA02")
    third = issue_direct(db_url, "MZ01")
    assert [first[1], second[1], third[1]] == ["A001", "A002", "C001"]
    db = connect(db_url)
    try:
        with db.read() as s:
            secret = s.scalar(select(Hall.secret).where(Hall.code == "test"))

        original = SMALL.read_text(encoding="utf-8")
        edited = original.replace('name = "户口迁移"', 'name = "户口迁入登记"')
        edited, dropped = re.subn(r'\[\[windows\]\]\nnumber = 4\n.*?items = \[\["MZ01", "SJ01"\]\]\n', "", edited,
                                  flags=re.S)
        assert dropped == 1 and edited != original
        changed = tmp_path / "edited.toml"
        changed.write_text(edited, encoding="utf-8")
        assert "loaded" in ok(hallq("load-hall", changed, "--db", db_url, cwd=tmp_path))

        with db.read() as s:
            hall = s.scalar(select(Hall).where(Hall.code == "test"))
            assert hall.secret == secret  # same hall, same key for hashed ID numbers
            tickets = {t.id: (t.number, t.item.code, t.status) for t in s.scalars(select(Ticket))}
            assert tickets == {first[0]: ("A001", "GA01", "waiting"), second[0]: ("A002", "GA02", "waiting"),
                               third[0]: ("C001", "MZ01", "waiting")}
            assert s.scalar(select(Item.name).where(Item.code == "GA02")) == "户口迁入登记"
            active = dict(s.execute(select(Window.number, Window.active)).all())
            assert active == {1: True, 2: True, 3: True, 4: False}
            # The file was loaded by another process: a server sees it within CONTEXT_TTL_S;
            # this one stops waiting and forgets its cached context now.
            forget_halls()
            ctx = hall_context(s, hall.id)
            services = {x["code"]: x for x in views.services(s, ctx, MONDAY_10AM)}
            assert services["GA02"]["name"] == "户口迁入登记"
            assert services["MZ01"]["windows"] == [] and services["MZ01"]["open"] is False
            assert services["SJ01"]["windows"] == [3]
            assert [w["number"] for w in views.windows(s, ctx)] == [1, 2, 3]

        # Numbering goes on where it was.
        assert issue_direct(db_url, "GA01")[1] == "A003"

        # Loading the original again brings window 4 back.
        ok(hallq("load-hall", SMALL, "--db", db_url, cwd=tmp_path))
        with db.read() as s:
            assert s.scalar(select(Window.active).where(Window.number == 4)) is True
            assert s.scalar(select(Item.name).where(Item.code == "GA02")) == "户口迁移"
            assert s.scalar(select(func.count()).select_from(Ticket)) == 4
    finally:
        db.dispose()


def test_a_broken_hall_file_fails_readably_and_changes_nothing(loaded, tmp_path):
    db_url = loaded
    original = SMALL.read_text(encoding="utf-8")

    bad_ref = original.replace('department = "SJ"\nprefix = "B"', 'department = "XX"\nprefix = "B"')
    bad_ref = bad_ref.replace('name = "户口迁移"', 'name = "户口迁入登记"')
    assert bad_ref.count('"XX"') == 1
    path = tmp_path / "bad_ref.toml"
    path.write_text(bad_ref, encoding="utf-8")
    fails_readably(hallq("load-hall", path, "--db", db_url, cwd=tmp_path), "unknown department XX", "SJ01")

    path = tmp_path / "bad.toml"
    path.write_text(original.replace('[hall]\ncode = "test"', '[hall\ncode = "test"'), encoding="utf-8")
    fails_readably(hallq("load-hall", path, "--db", db_url, cwd=tmp_path), "TOML")

    path = tmp_path / "bad_window.toml"
    path.write_text(original.replace('items = ["SJ01", "GA01"]', 'items = ["SJ01", "GA09"]'), encoding="utf-8")
    fails_readably(hallq("load-hall", path, "--db", db_url, cwd=tmp_path), "unknown item GA09")

    path = tmp_path / "bad_chief.toml"  # a typo'd chief would leave the department's bad reviews unassigned
    path.write_text(original.replace("[hall.hours]", '[hall.ratings.chiefs]\nGA = "S030"\n[hall.hours]'),
                    encoding="utf-8")
    fails_readably(hallq("load-hall", path, "--db", db_url, cwd=tmp_path), "hall.ratings.chiefs.GA", "S030")

    result = hallq("load-hall", tmp_path / "missing.toml", "--db", db_url, cwd=tmp_path)
    fails_readably(result, "missing.toml")

    db = connect(db_url)
    try:
        with db.read() as s:
            assert s.scalar(select(Item.name).where(Item.code == "GA02")) == "户口迁移"
            assert s.scalar(select(func.count()).select_from(Item).where(Item.active.is_(True))) == 4
    finally:
        db.dispose()


# --- tokens and users -------------------------------------------------------------

def _authenticate(db_url, token):
    db = connect(db_url)
    try:
        with db.read() as s:
            return accounts.authenticate(s, token, MONDAY_10AM)
    finally:
        db.dispose()


def test_token_create_prints_a_working_token(loaded, tmp_path):
    db_url = loaded
    out = ok(hallq("token", "create", "--kind", "kiosk", "--name", "k", "--db", db_url, cwd=tmp_path))
    token = out.strip()
    assert len(out.strip().splitlines()) == 1 and len(token) >= 20
    who = _authenticate(db_url, token)
    assert who is not None and who.kind == "kiosk" and who.name == "k" and who.window_number is None
    assert who.can("issue")
    assert _authenticate(db_url, token + "x") is None

    out = ok(hallq("token", "create", "--kind", "evaluator", "--name", "pad1", "--window", "1", "--db", db_url,
                   cwd=tmp_path))
    who = _authenticate(db_url, out.strip())
    assert who.kind == "evaluator" and who.window_number == 1

    # Two tokens of the same name are still two tokens.
    again = ok(hallq("token", "create", "--kind", "kiosk", "--name", "k", "--db", db_url, cwd=tmp_path)).strip()
    assert again != token and _authenticate(db_url, again).kind == "kiosk"


def test_token_create_refuses_what_cannot_work(loaded, tmp_path):
    db_url = loaded
    fails_readably(hallq("token", "create", "--kind", "evaluator", "--name", "e", "--db", db_url, cwd=tmp_path),
                   "--window")
    fails_readably(hallq("token", "create", "--kind", "caller", "--name", "c", "--db", db_url, cwd=tmp_path),
                   "--window")
    fails_readably(hallq("token", "create", "--kind", "evaluator", "--name", "e", "--window", "99", "--db", db_url,
                         cwd=tmp_path), "99")
    fails_readably(hallq("token", "create", "--kind", "robot", "--name", "r", "--db", db_url, cwd=tmp_path), "robot")
    db = connect(db_url)
    try:
        with db.read() as s:
            assert s.scalar(select(func.count()).select_from(Token)) == 0
    finally:
        db.dispose()
    # An empty database says what to do first.
    fails_readably(hallq("token", "create", "--kind", "kiosk", "--name", "k", "--db",
                         f"sqlite:///{tmp_path}/empty.db", cwd=tmp_path), "load-hall")


def test_user_add_with_password_on_stdin(loaded, tmp_path):
    db_url = loaded
    password = "Correct horse battery"
    out = ok(hallq("user", "add", "S001", "--role", "clerk", "--password-stdin", "--db", db_url,
                   stdin=password + "\n", cwd=tmp_path))
    assert "S001" in out and "linked to staff" in out
    assert password not in out
    db = connect(db_url)
    try:
        with db.write() as s:
            user = s.scalar(select(User).where(User.username == "S001"))
            staff = s.scalar(select(Staff).where(Staff.number == "S001"))
            assert user is not None and user.role == "clerk" and user.staff_id == staff.id
            assert password not in user.password_hash
            token = accounts.login(s, "S001", password, MONDAY_10AM)
            s.commit()
            who = accounts.authenticate(s, token, MONDAY_10AM)
            assert who.kind == "clerk" and who.user_id == user.id and who.is_staff
    finally:
        db.dispose()

    out = ok(hallq("user", "add", "boss", "--role", "admin", "--password-stdin", "--db", db_url,
                   stdin="Another password 2\n", cwd=tmp_path))
    assert "boss" in out and "linked to staff" not in out

    fails_readably(hallq("user", "add", "S002", "--role", "clerk", "--password-stdin", "--db", db_url,
                         stdin="short\n", cwd=tmp_path), "8")
    fails_readably(hallq("user", "add", "S001", "--role", "clerk", "--password-stdin", "--db", db_url,
                         stdin=password + "\n", cwd=tmp_path), "exists")
    fails_readably(hallq("user", "add", "x1", "--role", "clerk", "--staff", "S999", "--password-stdin", "--db",
                         db_url, stdin=password + "\n", cwd=tmp_path), "S999")
    fails_readably(hallq("user", "add", "x2", "--role", "king", "--password-stdin", "--db", db_url,
                         stdin=password + "\n", cwd=tmp_path), "king")
    db = connect(db_url)
    try:
        with db.read() as s:
            assert sorted(s.scalars(select(User.username))) == ["S001", "boss"]
    finally:
        db.dispose()


def test_user_add_generate_unlock_and_reset_password(loaded, tmp_path):
    """A generated password (printed alone on stdout) passes the policy and must be changed at first login;
    an admin unlocks an account locked by failed logins, or gives it a new generated password."""
    db_url = loaded
    generated = ok(hallq("user", "add", "S001", "--role", "clerk", "--generate", "--db", db_url, cwd=tmp_path))
    password = generated.strip()
    assert len(generated.splitlines()) == 1
    passwords.check(password, "S001")
    fails_readably(hallq("user", "add", "S002", "--role", "clerk", "--password-stdin", "--db", db_url,
                         stdin="alllowercase\n", cwd=tmp_path), "three of")
    db = connect(db_url)
    try:
        with db.write() as s:
            who = accounts.authenticate(s, accounts.login(s, "S001", password, MONDAY_10AM), MONDAY_10AM)
            assert who.must_change_password
            for i in range(5):
                assert accounts.check_login(s, "S001", f"Wrong-{i}x", MONDAY_10AM) is None
            s.commit()
            with pytest.raises(Throttled):
                accounts.login(s, "S001", password, MONDAY_10AM)
        assert "unlocked" in ok(hallq("user", "unlock", "S001", "--db", db_url, cwd=tmp_path))
        with db.write() as s:
            assert accounts.login(s, "S001", password, MONDAY_10AM)
        fails_readably(hallq("user", "unlock", "nobody", "--db", db_url, cwd=tmp_path), "nobody")
        new = ok(hallq("user", "reset-password", "S001", "--db", db_url, cwd=tmp_path)).strip()
        assert new != password
        with db.write() as s:
            with pytest.raises(Unauthorized):
                accounts.login(s, "S001", password, MONDAY_10AM)
            token = accounts.login(s, "S001", new, MONDAY_10AM)
            assert accounts.authenticate(s, token, MONDAY_10AM).must_change_password
    finally:
        db.dispose()


# --- serve and demo ---------------------------------------------------------------

def test_serve_answers_on_its_port(loaded, tmp_path):
    db_url = loaded
    token = ok(hallq("token", "create", "--kind", "display", "--name", "tv", "--db", db_url, cwd=tmp_path)).strip()
    port = free_port()
    proc = start("serve", "--db", db_url, "--port", port, "--host", "127.0.0.1", cwd=tmp_path)
    try:
        base = f"http://127.0.0.1:{port}/api/v1"
        r = wait_http(proc, base + "/openapi.json")
        assert r.status_code == 200 and r.json()["openapi"].startswith("3.")
        assert "/tickets" in r.json()["paths"] or "/api/v1/tickets" in r.json()["paths"]
        assert requests.get(base + "/services", timeout=10).status_code == 401
        r = requests.get(base + "/services", headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert r.status_code == 200 and {x["code"] for x in r.json()} == {"GA01", "GA02", "SJ01", "MZ01"}
    finally:
        stop(proc)
    assert proc.returncode is not None


def test_serve_loads_a_hall_file_given_with_config(tmp_path):
    db_url = f"sqlite:///{tmp_path}/fresh.db"
    port = free_port()
    proc = start("serve", "--config", SMALL, "--db", db_url, "--port", port, cwd=tmp_path)
    try:
        r = wait_http(proc, f"http://127.0.0.1:{port}/api/v1/openapi.json")
        assert r.status_code == 200
    finally:
        stop(proc)
    token = ok(hallq("token", "create", "--kind", "kiosk", "--name", "k", "--db", db_url, cwd=tmp_path)).strip()
    assert _authenticate(db_url, token).kind == "kiosk"


def test_serve_shows_staff_photos_from_the_photos_directory(tmp_path):
    """--photos (or HALLQ_PHOTO_DIR, its fallback) reaches the app gunicorn serves: the pad gets the photo."""
    from PIL import Image
    db_url = f"sqlite:///{tmp_path}/photos.db"
    s001 = 'number = "S001"\nname = "王芳"\ndepartment = "GA"\n'
    hall_text = SMALL.read_text(encoding="utf-8")
    assert s001 in hall_text
    # Open around the clock, so the server's own sweep never signs the clerk out mid-test.
    hall_text = hall_text.replace("[hall.hours]\n", "[hall.hours]\nalways_open = true\n", 1)
    (tmp_path / "hall.toml").write_text(hall_text.replace(s001, s001 + 'photo = "S001.jpg"\n'), encoding="utf-8")
    ok(hallq("load-hall", tmp_path / "hall.toml", "--db", db_url, cwd=tmp_path))
    ok(hallq("user", "add", "S001", "--role", "clerk", "--password-stdin", "--db", db_url, stdin="Pw-window-1\n",
             cwd=tmp_path))
    pad = ok(hallq("token", "create", "--kind", "evaluator", "--name", "pad1", "--window", "1", "--db", db_url,
                   cwd=tmp_path)).strip()
    photos = tmp_path / "photos"
    photos.mkdir()
    Image.new("RGB", (60, 80), (200, 210, 230)).save(photos / "S001.jpg", "JPEG")
    picture = (photos / "S001.jpg").read_bytes()

    def pad_photo(env_photos: str | None, *args) -> requests.Response:
        env = cli_env()
        env.pop("HALLQ_PHOTO_DIR", None)
        if env_photos:
            env["HALLQ_PHOTO_DIR"] = env_photos
        port = free_port()
        proc = subprocess.Popen([sys.executable, "-m", "hallq.cli", "serve", "--db", db_url, "--port", str(port),
                                 *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                encoding="utf-8", cwd=tmp_path, env=env)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_http(proc, base + "/api/v1/openapi.json")
            r = requests.post(base + "/api/v1/auth/login", json={"username": "S001", "password": "Pw-window-1"},
                              timeout=30)
            assert r.status_code == 200, r.text
            clerk = {"Authorization": f"Bearer {r.json()['token']}"}
            r = requests.post(base + "/api/v1/windows/1/sign-in", json={"post": "A"}, headers=clerk, timeout=10)
            assert r.status_code == 200 or r.json()["error"] == "already_signed_in", r.text
            return requests.get(base + "/evaluator/photo/S001", headers={"Authorization": f"Bearer {pad}"},
                                timeout=10)
        finally:
            stop(proc)

    for env_photos, args in ((None, ("--photos", photos)), (str(photos), ())):
        r = pad_photo(env_photos, *args)
        assert r.status_code == 200 and r.headers["Content-Type"] == "image/jpeg", (env_photos, r.status_code)
        assert r.content == picture
    assert pad_photo(None).status_code == 404  # no photo directory: the pad shows initials
    fails_readably(hallq("serve", "--db", db_url, "--photos", tmp_path / "missing", cwd=tmp_path), "--photos")


def _landing_tokens(html: str) -> dict:
    found = dict(re.findall(r"(kiosk|display) token: <code>([^<]+)</code>", html))
    assert set(found) == {"kiosk", "display"}, html
    return found


def _run_demo(tmp_path, db_url):
    port = free_port()
    proc = start("demo", "--port", port, "--db", db_url, cwd=tmp_path)
    return proc, f"http://127.0.0.1:{port}"


def test_demo_serves_a_clickable_hall(tmp_path):
    from hallq.demo.hall import PASSWORD
    db_url = f"sqlite:///{tmp_path}/demo.db"
    proc, base = _run_demo(tmp_path, db_url)
    try:
        landing = wait_http(proc, base + "/", timeout=60)
        assert landing.status_code == 200, landing.text
        html = landing.text
        assert 'href="/demo/hall"' in html and 'href="/api/v1/openapi.json"' in html
        tokens = _landing_tokens(html)
        assert requests.get(base + "/demo/hall", timeout=10).status_code == 200
        assert requests.get(base + "/api/v1/openapi.json", timeout=10).status_code == 200

        kiosk = requests.Session()
        kiosk.headers["Authorization"] = f"Bearer {tokens['kiosk']}"
        services = kiosk.get(base + "/api/v1/services", timeout=10).json()
        assert len(services) >= 30
        assert len({s["department"] for s in services}) >= 10
        windows = kiosk.get(base + "/api/v1/windows", timeout=10).json()
        assert len(windows) >= 12
        assert any(w["kind"] == "comprehensive" for w in windows)
        staffed = [w for w in windows if w["status"] == "open" and w["staff"]]
        assert staffed, windows

        # Whatever the wall clock says, the demo hall is open: take a number and call it.
        window = staffed[0]
        service = window["services"][0]
        assert {s["code"]: s for s in services}[service]["open"] is True
        r = kiosk.post(base + "/api/v1/tickets", json={"service": service}, timeout=10)
        assert r.status_code == 201, r.text
        ticket = r.json()
        assert window["number"] in ticket["windows"]
        r = requests.post(base + "/api/v1/auth/login",
                          json={"username": window["staff"]["number"], "password": PASSWORD}, timeout=30)
        assert r.status_code == 200, r.text
        clerk = {"Authorization": f"Bearer {r.json()['token']}"}
        r = requests.post(f"{base}/api/v1/windows/{window['number']}/call-next", headers=clerk, timeout=10)
        assert r.status_code == 200, r.text
        assert r.json()["number"] == ticket["number"] and r.json()["status"] == "called"
        serving = [w for w in kiosk.get(base + "/api/v1/windows", timeout=10).json()
                   if w["number"] == window["number"]][0]["serving"]
        assert serving["number"] == ticket["number"]
    finally:
        stop(proc)

    # A second run on the same database works, and the first run's tokens no longer do.
    proc, base = _run_demo(tmp_path, db_url)
    try:
        landing = wait_http(proc, base + "/", timeout=60)
        fresh = _landing_tokens(landing.text)
        assert fresh["kiosk"] != tokens["kiosk"]
        old = requests.get(base + "/api/v1/services", headers={"Authorization": f"Bearer {tokens['kiosk']}"},
                           timeout=10)
        assert old.status_code == 401
        new = requests.get(base + "/api/v1/services", headers={"Authorization": f"Bearer {fresh['kiosk']}"},
                           timeout=10)
        assert new.status_code == 200 and len(new.json()) == len(services)
    finally:
        stop(proc)
