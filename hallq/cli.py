"""The `hallq` command (API.md: serve, demo, load-hall, token create, user add, agent; and devices probe)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from zoneinfo import ZoneInfo

import click

from hallq.queue import accounts, passwords
from hallq.db import DEFAULT_SQLITE, Database, connect
from hallq.queue.agent_scope import AgentScope, ScopeError, parse_printers, parse_windows
from hallq.migrate import upgrade
from hallq.queue import hallfile
from hallq.queue.errors import QueueError
from hallq.i18n import message
from hallq.kiosk import search_store
from hallq.web.runtime import utcnow

db_option = click.option("--db", "db_url", envvar="HALLQ_DB", default=DEFAULT_SQLITE, show_default=True,
                         help="database URL (sqlite:///file.db or postgresql://...)")
photos_option = click.option("--photos", "photo_dir", envvar="HALLQ_PHOTO_DIR",
                             type=click.Path(exists=True, file_okay=False),
                             help="directory of staff photos for the evaluator pads "
                                  "(a staff member's `photo` in the hall file is a path inside it)")


def open_db(url: str) -> Database:
    db = connect(url)
    upgrade(db)
    return db


def load_hall_file(db: Database, path: str) -> str:
    try:
        spec = hallfile.read(path)
    except (OSError, hallfile.HallFileError) as exc:
        raise click.ClickException(f"{path}: {exc}") from None
    today = utcnow().astimezone(ZoneInfo(spec.hall.timezone)).date()
    for line in hallfile.warnings(spec):
        click.echo(f"warning: {line}", err=True)
    with db.write() as session:
        try:
            hall = hallfile.load(session, spec, today)
        except hallfile.HallFileError as exc:
            raise click.ClickException(f"{path}: {exc}") from None
        # The kiosk's search then finds every name without pypinyin in the server (hallq.kiosk.search_store).
        search_store.read_all(session, search_names(spec))
        session.commit()
        return hall.name


def search_names(spec: hallfile.HallFile) -> set[str]:
    """The names a kiosk search reads: items, their keywords, departments."""
    return ({i.name for i in spec.items} | {k for i in spec.items for k in i.keywords}
            | {d.name for d in spec.departments})


@click.group()
def main():
    """hallq: the queue system of a government service hall."""


@main.command()
@click.option("--config", "hall_file", type=click.Path(exists=True, dir_okay=False), help="hall file to load on start")
@db_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--redis", "redis_url", envvar="HALLQ_REDIS", help="Redis URL: carries events between server processes")
@click.option("--workers", default=1, show_default=True, type=int, help="server processes (more than one needs --redis)")
@click.option("--threads", default=256, show_default=True, type=int, help="threads per process (one per connected screen)")
@photos_option
@click.option("--trusted-proxies", default=0, show_default=True, type=click.IntRange(0, 5),
              envvar="HALLQ_TRUSTED_PROXIES",
              help="reverse proxies in front (deploy/nginx: 1) whose X-Forwarded-For/-Proto are believed")
def serve(hall_file, db_url, host, port, redis_url, workers, threads, photo_dir, trusted_proxies):
    """Run the server."""
    if workers > 1 and not redis_url:
        raise click.UsageError("--workers above 1 needs --redis so every process sees every event")
    db = open_db(db_url)
    if hall_file:
        load_hall_file(db, hall_file)
    db.dispose()
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Set before the workers start (they import prometheus_client after the fork): each writes its
        # counts to files here, and a scrape of any worker sums them (hallq.web.metrics). Fresh each
        # start: a previous run's files would be summed too.
        import tempfile
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="hallq-metrics-")
    from hallq.server.gunicorn import run

    def factory():
        # Imported here, in the worker after the fork: gunicorn's master only watches its workers,
        # and the app's modules (the pinyin dictionaries alone some 55 MB) held it at 166 MB.
        from hallq.server.app import create_app
        return create_app(connect(db_url), redis_url=redis_url, websocket_only=workers > 1, housekeeping=True,
                          keep_errors=True, photo_dir=photo_dir, trusted_proxies=trusted_proxies)

    click.echo(f"hallq serving on http://{host}:{port}/ (database {db_url})")
    run(factory, host, port, workers=workers, threads=threads)


@main.command()
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--db", "db_url", envvar="HALLQ_DEMO_DB", default="sqlite:///hallq-demo.db", show_default=True)
@photos_option
def demo(port, host, db_url, photo_dir):
    """Run a demo hall with simulated hardware, open around the clock."""
    from hallq.demo import hall as demo_hall
    db = open_db(db_url)
    setup = demo_hall.prepare(db)
    db.dispose()
    click.echo(demo_hall.banner(setup, host, port))
    click.echo(f"simulated printers, LED screens, voice and keypads: http://{host}:{port}/hardware")
    from hallq.demo.hardware import DemoHardware, close_on_exit, loopback_url
    from hallq.server.gunicorn import run

    def factory():
        # Built in the server's worker process, where the page can read the simulators; the
        # agent connects over loopback once the worker serves, and everything stops at exit.
        hardware = DemoHardware.for_setup(setup)
        close_on_exit(hardware)
        app = demo_hall.create_demo_app(connect(db_url), setup, hardware, photo_dir=photo_dir)
        hardware.start(loopback_url(host, port), background=True)
        return app

    run(factory, host, port, threads=128)


@main.command("load-hall")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@db_option
def load_hall(path, db_url):
    """Create or update the hall, departments, items, windows and staff from a file."""
    name = load_hall_file(open_db(db_url), path)
    click.echo(f"loaded {name}")


def _hall(session, code):
    try:
        return accounts.resolve_hall(session, code)
    except QueueError as exc:
        hint = {"no_hall": "no hall yet: run `hallq load-hall HALL.toml` first",
                "hall_ambiguous": "several halls: name one with --hall"}.get(exc.code, message(exc.code, "en", **exc.params))
        raise click.ClickException(hint) from None


@main.group()
def token():
    """Device tokens."""


@token.command("create")
@click.option("--kind", required=True, type=click.Choice(accounts.DEVICE_KINDS))
@click.option("--name", required=True)
@click.option("--window", type=int, help="window number (evaluator and caller tokens)")
@click.option("--windows", "windows_text", metavar="LIST",
              help="agent tokens: the windows whose LED screens, caller and evaluator keypads it may host, "
                   "as numbers and ranges, e.g. 1-3,7")
@click.option("--printers", "printers_text", metavar="NAMES",
              help="agent tokens: the printers it may host, by the names in AGENT.toml, e.g. kiosk-1,window-3")
@click.option("--voice", is_flag=True, help="agent tokens: it may host the hall's voice (the announcer)")
@click.option("--replace", is_flag=True,
              help="revoke the hall's live tokens of this kind and name first (e.g. to change an agent's scope)")
@click.option("--hall", "hall_code", help="hall code, where the database holds several")
@db_option
def token_create(kind, name, window, windows_text, printers_text, voice, replace, hall_code, db_url):
    """Print a new device token.

    An agent token hosts only what --windows, --printers and --voice allow;
    without them it hosts nothing. A token's scope never changes: to change
    it, make a new token with --replace and give it to the device computer.
    """
    scope = _agent_scope(kind, windows_text, printers_text, voice)
    db = open_db(db_url)
    with db.write() as session:
        hall = _hall(session, hall_code)
        try:
            replaced = accounts.revoke_device_tokens(session, hall, kind, name, utcnow()) if replace else 0
            value = accounts.create_device_token(session, hall, kind, name, utcnow(), window, scope)
        except QueueError as exc:
            raise click.ClickException(message(exc.code, "en", **exc.params)) from None
        session.commit()
    click.echo(value)
    # The token goes to stdout alone (scripts read it); what it means goes to stderr.
    if replace:
        click.echo(f"revoked {replaced} earlier {kind} token{'' if replaced == 1 else 's'} named {name}", err=True)
    if scope is not None:
        if scope.empty:
            click.echo(f"warning: agent token {name} may host nothing: its agent's hello will be refused. "
                       f"Give it --windows, --printers or --voice.", err=True)
        else:
            click.echo(f"agent token {name} may host: {scope.describe()}", err=True)


def _agent_scope(kind: str, windows_text: str | None, printers_text: str | None,
                 voice: bool) -> AgentScope | None:
    """The scope the options give an agent token; None for other kinds (which must not be given one)."""
    given = windows_text is not None or printers_text is not None or voice
    if kind != "agent":
        if given:
            raise click.UsageError("--windows, --printers and --voice are for agent tokens (--kind agent)")
        return None
    windows: frozenset[int] = frozenset()
    printers: frozenset[str] = frozenset()
    try:
        windows = parse_windows(windows_text) if windows_text is not None else windows
    except ScopeError as exc:
        raise click.BadParameter(str(exc), param_hint="--windows") from None
    try:
        printers = parse_printers(printers_text) if printers_text is not None else printers
    except ScopeError as exc:
        raise click.BadParameter(str(exc), param_hint="--printers") from None
    return AgentScope(windows=windows, printers=printers, voice=voice)


@main.group()
def user():
    """Staff accounts."""


@user.command("add")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(accounts.ROLES))
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
@click.option("--generate", is_flag=True,
              help="make a password and print it; the user must change it at the first login")
@click.option("--staff", "staff_number", help="staff number to link (default: the username, when it is one)")
@click.option("--hall", "hall_code", help="hall code, where the database holds several")
@db_option
def user_add(username, role, password_stdin, generate, staff_number, hall_code, db_url):
    """Create a staff account (its password: at least 8 characters of three of: lower case, upper case,
    digits, other signs)."""
    if password_stdin and generate:
        raise click.UsageError("--password-stdin or --generate, not both")
    if generate:
        password = passwords.generate()
    elif password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("password", hide_input=True, confirmation_prompt=True)
    db = open_db(db_url)
    with db.write() as session:
        try:
            u = accounts.add_user(session, _hall(session, hall_code), username, password, role, staff_number,
                                  generated=generate)
        except QueueError as exc:
            raise click.ClickException(message(exc.code, "en", **exc.params)) from None
        session.commit()
        click.echo(f"user {u.username} ({u.role}) created" + (" and linked to staff" if u.staff_id else ""),
                   err=generate)
    if generate:  # stdout alone (scripts read it), as `token create` prints its token
        click.echo(password)


def _user_change(username, hall_code, db_url, change):
    db = open_db(db_url)
    with db.write() as session:
        try:
            result = change(session, _hall(session, hall_code).id, username)
        except QueueError as exc:
            raise click.ClickException(message(exc.code, "en", **exc.params)) from None
        session.commit()
    return result


@user.command("unlock")
@click.argument("username")
@click.option("--hall", "hall_code", help="hall code, where the database holds several")
@db_option
def user_unlock(username, hall_code, db_url):
    """Let an account locked by failed logins sign in again."""
    _user_change(username, hall_code, db_url, accounts.unlock_user)
    click.echo(f"user {username} unlocked")


@user.command("reset-password")
@click.argument("username")
@click.option("--hall", "hall_code", help="hall code, where the database holds several")
@db_option
def user_reset_password(username, hall_code, db_url):
    """Give a user a new generated password (printed; to change at the first login), unlocking the account."""
    password = _user_change(username, hall_code, db_url, accounts.reset_password)
    click.echo(f"user {username}: new password, to change at the first login", err=True)
    click.echo(password)


@main.command("static-dir")
def static_dir():
    """Print the directory of hallq's static files (nginx serves /static/ from it: deploy/nginx)."""
    import hallq
    click.echo(str(Path(hallq.__file__).resolve().parent / "static") + "/")


@main.command()
@db_option
@click.option("--to", "directory", required=True, type=click.Path(file_okay=False, path_type=Path),
              envvar="HALLQ_BACKUP_DIR", help="directory the backups are kept in")
@click.option("--keep-days", default=30, show_default=True, type=click.IntRange(1),
              help="delete backups older than this (the newest is always kept)")
def backup(db_url, directory, keep_days):
    """Back up the database (SQLite online backup, or pg_dump) while the hall runs; prune old backups."""
    from hallq import backup as backups
    now = utcnow()
    try:
        made = backups.make(db_url, directory, now)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    gone = backups.prune(directory, keep_days, now)
    rows = ", ".join(f"{table} {n}" for table, n in made.counts.items())
    click.echo(f"backed up to {made.path} ({made.manifest['bytes']} bytes; {rows})")
    for path in gone:
        click.echo(f"deleted {path.name} (older than {keep_days} days)")


@main.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@db_option
@click.option("--replace", is_flag=True, help="overwrite a database that already holds a hall")
def restore(path, db_url, replace):
    """Restore a backup made by `hallq backup` into the database (then upgrade its schema)."""
    from hallq import backup as backups
    try:
        restored = backups.restore(backups.read(path), db_url, replace=replace)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"restored {path.name}: " + ", ".join(f"{table} {n}" for table, n in restored.items()))


@main.command()
@click.option("--server", required=True, help="the hallq server's URL, e.g. http://192.168.1.10:8000")
@click.option("--token", "agent_token", envvar="HALLQ_AGENT_TOKEN", required=True,
              help="an agent token (hallq token create --kind agent)")
@click.option("--config", "config_path", required=True, type=click.Path(exists=True, dir_okay=False),
              help="AGENT.toml: the printers, LED buses, voice and keypads this agent hosts")
def agent(server, agent_token, config_path):
    """Run a device agent: the hall's printers, LED screens, voice and keypads."""
    import logging

    from hallq.devices import agent_config
    from hallq.devices.agent import Agent
    # force: importing the drivers has already given the root logger a handler (at WARNING), which made
    # this a no-op and kept the agent's INFO lines (the windows it drives) out of its log.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True)
    try:
        config = agent_config.read(config_path)
    except agent_config.AgentConfigError as exc:
        raise click.ClickException(str(exc)) from None
    running = Agent(server, agent_token, config).start()
    click.echo(f"hallq agent connected to {server}: {len(running.devices())} devices")
    try:
        running.wait()
    except KeyboardInterrupt:
        pass
    finally:
        running.close()


@main.group()
def devices():
    """The device agent's hardware."""


@devices.command("probe")
@click.option("--config", "config_path", required=True, type=click.Path(exists=True, dir_okay=False),
              help="AGENT.toml: the devices to ask")
@click.option("--listen", "listen_s", type=float, default=0.0, show_default=True,
              help="seconds to listen on keypad buses while someone presses keys (vendor keypads cannot be polled)")
@click.option("--print-test", "print_names", multiple=True, metavar="NAME",
              help="also print the test slip (鄠 喆 赟 𠮷 and a QR code) on this printer; repeatable")
def devices_probe(config_path, listen_s, print_names):
    """Ask each device in AGENT.toml who it is, with frames that change nothing; suggest settings.

    Run it with the agent stopped: a serial port has one user.
    """
    from hallq.devices import agent_config
    from hallq.devices.probe import print_test, probe, report
    try:
        config = agent_config.read(config_path)
    except agent_config.AgentConfigError as exc:
        raise click.ClickException(str(exc)) from None
    printers = {p.name: p for p in config.printers}
    unknown = [name for name in print_names if name not in printers]
    if unknown:
        raise click.ClickException(f"no printer named {', '.join(unknown)} in {config_path}")
    findings = probe(config, listen_s=listen_s) + [print_test(printers[name]) for name in print_names]
    click.echo(report(findings))


if __name__ == "__main__":  # pragma: no cover
    main(prog_name=os.path.basename(sys.argv[0]))
