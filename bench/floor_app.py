#!/usr/bin/env python
"""The floor: the least a web request that writes one row can cost here (issue 19).

A bare Flask app with one endpoint, `POST /floor`, that reads the JSON body,
INSERTs one row into SQLite and commits, answering 201 with the row's id. It
runs behind the same gunicorn set-up as `hallq serve` (hallq.server.gunicorn:
gthread worker, one worker, the same threads and options) on the same SQLite
settings as hallq's (WAL, synchronous=FULL, so a commit survives a power cut),
so its server CPU per request is what the web stack, the WSGI server and one
durable INSERT cost without hallq. `queue_bench.py` divides hallq's CPU per
issued ticket and per call-next by it.

    python bench/floor_app.py --db /tmp/floor.db --port 8001 --threads 300
"""
from __future__ import annotations

import argparse
import sqlite3
import threading

from flask import Flask, jsonify, request

from hallq.server.gunicorn import run

SCHEMA = "CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY, service TEXT NOT NULL, at REAL NOT NULL)"


def create_app(path: str) -> Flask:
    app = Flask(__name__)
    local = threading.local()  # a connection per server thread, as a pool would hand out

    def connection() -> sqlite3.Connection:
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = sqlite3.connect(path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")  # as hallq's: a 201 survives a power cut
        return conn

    connection().execute(SCHEMA)

    @app.post("/floor")
    def floor():
        body = request.get_json(silent=True) or {}
        conn = connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute("INSERT INTO rows (service, at) VALUES (?, julianday('now'))",
                               (str(body.get("service", "")),)).lastrowid
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return jsonify(id=row), 201

    @app.get("/ready")
    def ready():
        return "ok"

    return app


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", required=True, help="the SQLite file (made if missing)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--threads", type=int, default=256)
    args = ap.parse_args()
    run(lambda: create_app(args.db), args.host, args.port, threads=args.threads)


if __name__ == "__main__":
    main()
