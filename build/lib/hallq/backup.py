"""Backing up a hall's database, pruning old backups, and restoring one (deploy/README.md, "Backups").

- SQLite: sqlite3's online backup copies the database in one step while the server goes on writing (WAL:
  the copy reads one snapshot; writers are not held up). PostgreSQL: pg_dump, custom format, one
  transaction's snapshot. Either way a backup holds exactly the transactions committed before it began.
- A backup is written under a temporary name and renamed once whole and checked, so a crash or a full
  disk never leaves a half file that looks like a backup.
- Beside each backup, a manifest (`<name>.json`): when, the schema revision, the rows of the tables whose
  loss would hurt people (tickets, ratings, assessment records...) and the file's SHA-256. A restore
  refuses a file whose digest differs, and reports the restored counts against the manifest's.
"""
from __future__ import annotations

import datetime as dt
import glob
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from hallq.db import Database, connect
from hallq.migrate import upgrade

# The records a restore drill checks: what citizens, clerks and supervisors committed.
COUNTED = ("tickets", "ticket_events", "ratings", "followups", "assessment_records", "case_completions",
           "assessment_appeals", "assessment_revisions", "users")
STAMP = "%Y%m%dT%H%M%SZ"
PREFIX = "hallq-"
SUFFIXES = {"sqlite": ".sqlite3", "postgresql": ".pgdump"}


class BackupError(Exception):
    """Something an operator must see: a missing tool, a refused restore, a damaged file."""


@dataclass(frozen=True)
class Backup:
    path: Path
    manifest: dict

    @property
    def counts(self) -> dict[str, int]:
        return self.manifest["counts"]


def backend(url: str) -> str:
    name = make_url(url).get_backend_name()
    if name not in SUFFIXES:
        raise BackupError(f"backups are made of SQLite and PostgreSQL databases, not {name}")
    return name


def counts(db: Database) -> dict[str, int]:
    """Rows of each counted table the database has (an older schema may lack some)."""
    with db.engine.connect() as conn:
        present = set(inspect(conn).get_table_names())
        return {table: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                for table in COUNTED if table in present}


def revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        if "alembic_version" not in inspect(conn).get_table_names():
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def make(url: str, directory: Path, now: dt.datetime) -> Backup:
    """A backup of the database at `url` in `directory`, named by `now` (UTC)."""
    kind = backend(url)
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{PREFIX}{now.astimezone(dt.timezone.utc).strftime(STAMP)}{SUFFIXES[kind]}"
    final = directory / name
    if final.exists():
        raise BackupError(f"{final} exists already")
    db = connect(url)
    try:
        # Counted before the copy: rows committed between the count and the copy's snapshot are in the
        # file too, so a restore holds at least the manifest's counts (never fewer).
        manifest = {"made_at": now.astimezone(dt.timezone.utc).isoformat(), "backend": kind,
                    "revision": revision(db), "counts": counts(db)}
    finally:
        db.dispose()
    partial = directory / f".{name}.partial"
    try:
        (_copy_sqlite if kind == "sqlite" else _dump_postgres)(url, partial)
        manifest["sha256"] = sha256(partial)
        manifest["bytes"] = partial.stat().st_size
        os.replace(partial, final)
    finally:
        partial.unlink(missing_ok=True)
    _write_json(final.with_name(final.name + ".json"), manifest)
    return Backup(final, manifest)


def _copy_sqlite(url: str, to: Path) -> None:
    source_path = make_url(url).database
    if not source_path or not Path(source_path).exists():
        raise BackupError(f"no SQLite database at {source_path!r}")
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    target = sqlite3.connect(to)
    try:
        source.backup(target)  # all pages in one step: one consistent snapshot
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        if target.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError("the copy failed SQLite's integrity check")
    finally:
        target.close()
        source.close()


def _postgres_tool(name: str) -> str:
    """The newest installed pg_dump/pg_restore (it must be at least the server's version)."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    tool = found[-1] if found else shutil.which(name)
    if not tool:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return tool


def _libpq_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _dump_postgres(url: str, to: Path) -> None:
    done = subprocess.run([_postgres_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
                           f"--file={to}", _libpq_url(url)], capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"pg_dump failed: {done.stderr.strip()}")


def prune(directory: Path, keep_days: int, now: dt.datetime) -> list[Path]:
    """Deletes the backups (and manifests) made more than keep_days before now; never the newest one."""
    made = []
    for path in directory.glob(f"{PREFIX}*"):
        stem = path.name.removeprefix(PREFIX).split(".", 1)[0]
        if path.suffix not in SUFFIXES.values():
            continue
        try:
            made.append((dt.datetime.strptime(stem, STAMP).replace(tzinfo=dt.timezone.utc), path))
        except ValueError:
            continue  # not one of ours
    made.sort()
    cutoff = now - dt.timedelta(days=keep_days)
    gone = [path for when, path in made[:-1] if when < cutoff]
    for path in gone:
        path.unlink()
        path.with_name(path.name + ".json").unlink(missing_ok=True)
    return gone


def read(path: Path) -> Backup:
    """A backup file with its manifest, its digest checked."""
    manifest_path = path.with_name(path.name + ".json")
    if not path.is_file():
        raise BackupError(f"no backup at {path}")
    if not manifest_path.is_file():
        raise BackupError(f"{path} has no manifest ({manifest_path.name}): not a backup made by hallq")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if sha256(path) != manifest.get("sha256"):
        raise BackupError(f"{path} is damaged: its SHA-256 differs from the manifest's")
    return Backup(path, manifest)


def restore(backup: Backup, url: str, *, replace: bool = False) -> dict[str, int]:
    """Restores `backup` into the database at `url`, upgrades its schema, and returns its counts.

    A database that already holds a hall is replaced only when `replace` is given.
    """
    kind = backend(url)
    if kind != backup.manifest["backend"]:
        raise BackupError(f"a {backup.manifest['backend']} backup cannot be restored into {kind}")
    if _holds_tables(url) and not replace:
        raise BackupError("the target database is not empty: give --replace to overwrite it")
    (_restore_sqlite if kind == "sqlite" else _restore_postgres)(backup.path, url)
    db = connect(url)
    try:
        upgrade(db)  # a backup made by an older hallq gets this one's schema
        restored = counts(db)
    finally:
        db.dispose()
    short = {table: (n, restored.get(table, 0)) for table, n in backup.counts.items() if restored.get(table, 0) < n}
    if short:
        raise BackupError(f"restored fewer rows than the backup holds: {short}")
    return restored


def _holds_tables(url: str) -> bool:
    if backend(url) == "sqlite":
        path = make_url(url).database
        if not path or not Path(path).exists():
            return False
    db = connect(url)
    try:
        with db.engine.connect() as conn:
            return bool(inspect(conn).get_table_names())
    finally:
        db.dispose()


def _restore_sqlite(path: Path, url: str) -> None:
    target_path = Path(make_url(url).database)
    target_path.parent.mkdir(parents=True, exist_ok=True)
    fd, partial = tempfile.mkstemp(prefix=f".{target_path.name}.", suffix=".restoring", dir=target_path.parent)
    os.close(fd)
    try:
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        target = sqlite3.connect(partial)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        for stale in (Path(f"{target_path}-wal"), Path(f"{target_path}-shm")):
            stale.unlink(missing_ok=True)  # the replaced database's, which would be replayed onto the new file
        os.replace(partial, target_path)
    finally:
        Path(partial).unlink(missing_ok=True)


def _restore_postgres(path: Path, url: str) -> None:
    done = subprocess.run([_postgres_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
                           "--single-transaction", "--exit-on-error", f"--dbname={_libpq_url(url)}", str(path)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()}")


def _write_json(path: Path, data: dict) -> None:
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(partial, path)
