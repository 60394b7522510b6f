"""deploy/'s systemd units (issue 20): valid for systemd, hardened, and their very command lines run.

systemd itself does not run in the suite: `systemd-analyze` checks each unit as
systemd would read it, and the server's and the backup's ExecStart run here as
the unit would run them (its Environment= lines, its arguments), with the paths
moved from /srv/hallq to a temporary folder and the port to a free one.
"""
from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import cli_env, stop, wait_http
from tests.services import free_port

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
UNITS = ("hallq.service", "hallq@.service", "hallq-agent.service", "hallq-backup.service")
EXPOSURE_AT_MOST = 2.5  # systemd's own scale: 0 (locked down) to 10 (exposed); "OK" ends at 4.9
HALLQ = str(Path(sys.executable).parent / "hallq")


def service(unit: str, srv: Path | None = None) -> tuple[str, dict[str, list[str]]]:
    """The unit's text with this checkout's hallq (and `srv` for /srv/hallq), and its [Service] settings."""
    text = (DEPLOY / unit).read_text().replace("/srv/hallq/.venv/bin/hallq", HALLQ)
    if srv is not None:
        text = text.replace("/srv/hallq", str(srv))
    settings: dict[str, list[str]] = {}
    section = None
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("["):
            section = line
        elif section == "[Service]" and "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            settings.setdefault(key, []).append(value)
    return text, settings


@pytest.mark.parametrize("unit", UNITS)
def test_systemd_reads_each_unit_without_a_complaint_and_finds_it_hardened(unit, tmp_path):
    path = tmp_path / unit.replace("@.", "@8001.")  # a template is read as one of its instances
    path.write_text(service(unit)[0])
    if unit == "hallq-backup.service":
        (tmp_path / "hallq-backup.timer").write_text((DEPLOY / "hallq-backup.timer").read_text())
    verify = subprocess.run(["systemd-analyze", "verify", str(path)], capture_output=True, text=True, timeout=60)
    assert verify.returncode == 0 and not verify.stderr.strip(), verify.stderr
    security = subprocess.run(["systemd-analyze", "security", "--offline=yes", "--json=short", str(path)],
                              capture_output=True, text=True, timeout=60)
    assert security.returncode == 0, security.stderr
    exposed = [c["name"] for c in json.loads(security.stdout) if c["set"] is False and c["exposure"]]
    overall = subprocess.run(["systemd-analyze", "security", "--offline=yes", str(path)],
                             capture_output=True, text=True, timeout=60).stdout.strip().splitlines()[-1]
    level = float(overall.split(":")[1].split()[0])
    assert level <= EXPOSURE_AT_MOST, f"{overall}; exposed by: {exposed}"


def test_no_unit_runs_as_root_and_each_logs_under_its_own_name():
    for unit in UNITS:
        _, settings = service(unit)
        assert settings["User"] == ["hallq"], unit
        assert settings["SyslogIdentifier"] == [unit.removesuffix(".service").replace("@", "@%i")], unit
        assert settings["NoNewPrivileges"] == ["yes"] and settings["ProtectSystem"] == ["strict"], unit


def test_the_server_units_command_line_serves_the_hall(tmp_path):
    srv = tmp_path / "srv"
    srv.mkdir()
    shutil.copy(ROOT / "hallq" / "data" / "demo_hall.toml", srv / "hall.toml")
    shutil.copytree(ROOT / "hallq" / "data" / "forms", srv / "forms")  # the hall file's form files lie beside it
    _, settings = service("hallq.service", srv)
    env = cli_env()
    env.update(dict(e.split("=", 1) for e in settings["Environment"]))
    port = free_port()
    argv = shlex.split(settings["ExecStart"][0])
    argv[argv.index("--host") + 1], argv[argv.index("--port") + 1] = "127.0.0.1", str(port)
    proc = subprocess.Popen(argv, cwd=settings["WorkingDirectory"][0], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert wait_http(proc, f"http://127.0.0.1:{port}/healthz").json() == {"status": "ok"}
        ready = wait_http(proc, f"http://127.0.0.1:{port}/readyz")
        assert ready.status_code == 200, ready.text
        assert (srv / "hallq.db").is_file()  # the unit's HALLQ_DB, inside the one directory it may write
    finally:
        stop(proc)


def test_the_backup_units_command_line_keeps_a_backup_where_the_unit_says(tmp_path):
    srv = tmp_path / "srv"
    srv.mkdir()
    _, settings = service("hallq-backup.service", srv)
    env = cli_env()
    env.update(dict(e.split("=", 1) for e in settings["Environment"]))
    loaded = subprocess.run([HALLQ, "load-hall", str(ROOT / "hallq" / "data" / "demo_hall.toml")],
                            cwd=srv, env=env, capture_output=True, text=True, timeout=120)
    assert loaded.returncode == 0, loaded.stderr
    backup = subprocess.run(shlex.split(settings["ExecStart"][0]), cwd=settings["WorkingDirectory"][0], env=env,
                            capture_output=True, text=True, timeout=300)
    assert backup.returncode == 0, backup.stderr
    kept = list((srv / "backups").iterdir())
    assert any(p.suffix == ".sqlite3" for p in kept), kept
