"""HTTP routes of the duty manager's stored alerts (hallq.queue.alerts). Thin: parse, call, answer.

Who: those who may join the supervisors' room, where the alerts' news goes (permission `review`:
supervisors, among them the duty manager, and admins). Clerks and devices: 403.
"""
from __future__ import annotations

import functools

from flask import Blueprint, jsonify

from hallq.queue import alerts
from hallq.queue.accounts import person_name
from hallq.web.openapi import spec
from hallq.web.runtime import now, principal, reading, unit_of_work

bp = Blueprint("alerts_api", __name__, url_prefix="/api/v1")
route = functools.partial(spec.route, bp)
PERMISSION = "review"


@route("GET", "/alerts", "the duty manager's alerts: today's, and older ones still unacknowledged or ongoing; "
       "newest first")
def list_alerts():
    who = principal()
    who.require(PERMISSION)
    with reading() as uow:
        return jsonify([alerts.alert_json(a) for a in alerts.screen_alerts(uow.session, who.hall_id, now())])


@route("POST", "/alerts/<int(max=2147483647):alert_id>/acknowledge",
       "acknowledge an alert, by the signed-in person's name; once (a second acknowledgement is 409, naming "
       "the first); a kiosk's call for help tells that kiosk someone is coming",
       responses={200: "the alert", 409: "already acknowledged"})
def acknowledge(alert_id: int):
    who = principal()
    who.require(PERMISSION)
    with unit_of_work() as uow:
        alert = alerts.acknowledge(uow, who.hall_id, alert_id, person_name(uow.session, who), who.user_id, now())
        answer = alerts.alert_json(alert)
        uow.commit()
    return jsonify(answer)
