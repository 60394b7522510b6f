"""Private PostgreSQL and Redis servers for the test run, on 127.0.0.1 only."""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager

SHM = "/dev/shm"  # memory, on Linux


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_bin(name: str) -> str:
    found = shutil.which(name) or sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))[-1:]
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} is not installed (apt-get install postgresql)")
    return found if isinstance(found, str) else found[0]


def _as_postgres(cmd: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; CI runs as root.
    return ["runuser", "-u", "postgres", "--"] + cmd if os.geteuid() == 0 else cmd


@contextmanager
def postgres(durable: bool = False):
    """Yields a superuser URL of a throwaway cluster.

    Tests run it with fsync off and its files in memory (/dev/shm, where there is one:
    their data dies with the run); `durable` keeps PostgreSQL's own defaults on disk, so a
    benchmark measures commits a hall could trust. On disk even with fsync off, every
    CREATE DATABASE .. TEMPLATE (one per test) took 0.4-0.7 s; in memory 0.02 s.
    """
    if os.environ.get("HALLQ_TEST_PG") and not durable:
        yield os.environ["HALLQ_TEST_PG"]
        return
    in_memory = not durable and os.path.isdir(SHM) and os.access(SHM, os.W_OK)
    root = tempfile.mkdtemp(prefix="hallq-pg-", dir=SHM if in_memory else None)
    data = os.path.join(root, "data")
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    port = free_port()
    subprocess.run(_as_postgres([_pg_bin("initdb"), "-D", data, "-U", "hallq", "--auth=trust", "-E", "UTF8",
                                 "--locale=C.UTF-8"] + ([] if durable else ["--no-sync"])),
                   check=True, capture_output=True)
    proc = subprocess.Popen(_as_postgres([_pg_bin("postgres"), "-D", data, "-p", str(port), "-h", "127.0.0.1",
                                          "-k", root, "-c", "max_connections=300"]
                                         + ([] if durable else ["-c", "fsync=off"])),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_port(port, proc)
        yield f"postgresql://hallq@127.0.0.1:{port}/postgres"
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def redis():
    if os.environ.get("HALLQ_TEST_REDIS"):
        yield os.environ["HALLQ_TEST_REDIS"]
        return
    binary = shutil.which("redis-server")
    if not binary:
        raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_port(port, proc)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(10)


def _wait_port(port: int, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            time.sleep(0.2)  # PostgreSQL accepts before it is ready for queries
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port}")

