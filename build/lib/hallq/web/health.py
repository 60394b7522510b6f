"""Watching a server: /healthz (the process answers), /readyz (it can serve: database, Redis) and /metrics.

/healthz and /readyz say nothing about the hall but "ok" or what is down, so load balancers and systemd
checks ask them without a token. /metrics needs a token allowed "metrics": a monitor token (`hallq token
create --kind monitor`, for Prometheus) or an admin's sign-in.
"""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from hallq.queue import device_states
from hallq.queue.unit_of_work import UnitOfWork
from hallq.web.metrics import CONTENT_TYPE
from hallq.web.runtime import principal, runtime

bp = Blueprint("health", __name__)

READINESS = "hallq.readiness"  # app.extensions: name -> a check that raises when that part is down


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    checks, ready = {}, True
    for name, check in current_app.extensions[READINESS].items():
        try:
            check()
            checks[name] = "ok"
        except Exception as exc:  # whatever the driver raises: this part is down, and the answer says which
            checks[name] = f"down: {type(exc).__name__}"
            ready = False
    rt = runtime()
    if ready:
        with UnitOfWork(rt.db.read) as uow:
            checks["agents"] = len(device_states.agents_heard(uow.session, rt.clock()))  # shown, not required
    return jsonify(status="ok" if ready else "unavailable", checks=checks), 200 if ready else 503


@bp.get("/metrics")
def metrics():
    principal().require("metrics")
    return current_app.extensions["hallq.metrics"].exposition(), 200, {"Content-Type": CONTENT_TYPE}
