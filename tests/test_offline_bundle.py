"""The offline install: hallq from the bundle into a clean virtual environment, with the network cut.

`./dev test` builds the bundle with deploy/offline/build_bundle.py before the
suite runs (building it needs the package index, which a test may not reach);
these tests install from it as a hall's server on the government network would.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = ROOT / ".venv" / "offline-bundle"


@pytest.fixture(scope="module")
def bundle() -> Path:
    assert (BUNDLE / "SHA256SUMS").is_file(), (
        f"no offline bundle at {BUNDLE}: `./dev test` builds it (deploy/offline/build_bundle.py --to {BUNDLE})")
    return BUNDLE


def offline(*cmd: str, **kwargs) -> subprocess.CompletedProcess:
    """Run `cmd` in a network namespace of its own: no interface but a loopback that is down."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    return subprocess.run(["unshare", "--map-root-user", "--net", *cmd], capture_output=True, text=True,
                          env=env, timeout=600, **kwargs)


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement, 1)[0].lower().replace("-", "_")


def test_the_bundle_pins_every_dependency_and_carries_wheels_for_both_machine_kinds(bundle):
    pins = {_name(line): line.split("==")[1] for line in (bundle / "requirements.txt").read_text().split()}
    wanted = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert {_name(r) for r in wanted} | {"hallq"} <= set(pins)
    assert not (bundle / "wheels" / "x86_64" / "MISSING").exists()
    for arch in ("x86_64", "aarch64"):
        assert any((bundle / "wheels" / arch).glob(f"psycopg_binary-{pins['psycopg_binary']}-*{arch}*.whl")), arch
    # A project with no wheel for a machine kind is named, not silently left out.
    missing = bundle / "wheels" / "aarch64" / "MISSING"
    for line in missing.read_text().split() if missing.exists() else []:
        assert _name(line) in pins and not any((bundle / "wheels" / "aarch64").glob(f"{_name(line)}-*.whl"))


def test_the_network_is_really_cut_for_the_install():
    answer = offline(sys.executable, "-c",
                     "import socket; socket.create_connection(('127.0.0.1', 9), timeout=5)")
    assert answer.returncode != 0
    assert "Network is unreachable" in answer.stderr or "Connection refused" in answer.stderr, answer.stderr


def test_installs_with_no_network_into_a_clean_environment_and_runs(bundle, tmp_path):
    venv = tmp_path / "venv"
    answer = offline("sh", str(bundle / "install.sh"), str(venv), cwd=tmp_path)
    assert answer.returncode == 0, answer.stdout + answer.stderr
    assert f"hallq installed in {venv}" in answer.stdout
    # The installed hallq, not this checkout's: a hall file loaded into a new SQLite database, and the server built.
    db = f"sqlite:///{tmp_path / 'hall.db'}"
    hall_file = venv.glob("lib/python3.11/site-packages/hallq/data/demo_hall.toml")
    loaded = offline(str(venv / "bin" / "hallq"), "load-hall", str(next(hall_file)), "--db", db, cwd=tmp_path)
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    built = offline(str(venv / "bin" / "python"), "-c",
                    "import hallq, hallq.server.app as a, hallq.db as d; a.create_app(d.connect('" + db + "')); "
                    "print(hallq.__file__)", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    assert built.stdout.strip().startswith(str(venv))


def test_a_damaged_bundle_is_refused_before_anything_is_installed(bundle, tmp_path):
    copy = tmp_path / "bundle"
    shutil.copytree(bundle, copy)
    wheel = next((copy / "wheels" / "any").glob("hallq-*.whl"))
    wheel.write_bytes(wheel.read_bytes()[:-100])
    answer = offline("sh", str(copy / "install.sh"), str(tmp_path / "venv"), cwd=tmp_path)
    assert answer.returncode == 2
    assert "the bundle is damaged" in answer.stderr
    assert not (tmp_path / "venv").exists()
