"""The application factory: Flask routes and the Socket.IO server in one WSGI app."""
from __future__ import annotations

import logging
import threading
from typing import Callable

import datetime as dt
from pathlib import Path

from flask import Flask
import socketio
from sqlalchemy import text
from werkzeug.middleware.proxy_fix import ProxyFix

from hallq.assessment.web import api as assessment_api
from hallq.assessment.web import publication as assessment_publication
from hallq.assessment.web import pages as assessment_pages
from hallq.assessment.web import signoff_pages as assessment_signoff
from hallq.assessment.web import chief_pages
from hallq.assessment.web import complaint_pages
from hallq.assessment.web import followup_pages
from hallq.assessment.web import case_pages
from hallq.assessment.web import register_pages
from hallq.assessment.web import dual_target_api, dual_target_pages
from hallq.db import Database
from hallq.queue.web import devices as devices_api
from hallq.server.error_log import ErrorLog
from hallq.server.hub import DeviceHub
from hallq.queue.printing import expire_unanswered
from hallq.queue.device_states import mark_silent
from hallq.display.web import pages as display_pages
from hallq.evaluator.web import api as evaluator_api
from hallq.kiosk.web import api as kiosk_api
from hallq.kiosk.web import pages as kiosk_pages
from hallq.kiosk.web import phone as phone_issuing
from hallq.supervision.web import api as supervision_api
from hallq.cases.web import api as cases_api
from hallq.cases.deadlines import watch_all_halls as watch_cases
from hallq.supervision.web import register as register_api
from hallq.evaluator.web import pages as evaluator_pages
from hallq.queue.web import api as queue_api
from hallq.queue.web import admin_api, admin_pages, start, trail, watch
from hallq.queue.web import auth as auth_api
from hallq.queue.web import console as queue_console
from hallq.queue.web import duty as queue_duty
from hallq.queue.web import alerts as queue_alerts
from hallq.queue.web import duty_log as queue_duty_log
from hallq.queue.web import items_admin
from hallq.queue.web import leave as queue_leave
from hallq.queue.housekeeping import close_all_halls
from hallq.queue.unstaffed import watch_all_halls as watch_unstaffed
from hallq.evaluator.overdue_alerts import watch_all_halls as watch_overdue
from hallq.queue.unit_of_work import UnitOfWork
from hallq.server.realtime import Realtime
from hallq.notify.sender import Sender
from hallq.notify.simulator import Simulator
from hallq.web import bounds, health, origin, photo_store
from hallq.web.metrics import Metrics
from hallq.web.login_guard import LoginGuard
from hallq.web.throttle import Throttle
from hallq.web.runtime import Runtime, install_error_handlers, utcnow

log = logging.getLogger(__name__)
SWEEP_SECONDS = 10


def create_app(db: Database, *, clock: Callable[[], dt.datetime] = utcnow, redis_url: str | None = None,
               websocket_only: bool = False, housekeeping: bool = False,
               photo_dir: str | Path | None = None, trusted_proxies: int = 0, start_page: bool = True,
               keep_errors: bool = False, notify_simulator: Simulator | None = None,
               notify_thread: bool | None = None) -> Flask:
    """The hallq app; `photo_dir` holds the staff photos the evaluator pads show (none: initials).

    `trusted_proxies`: how many reverse proxies (nginx) stand in front and set X-Forwarded-For and
    -Proto. Their word is taken for the client's address (login throttling) and for TLS (Secure
    cookies); with none, a client could claim any address by sending the headers itself.
    `start_page`: `/` signs staff in and sets devices up (the demo has its own `/`).
    `keep_errors`: errors this process logs are kept in the database for the admins' watch page (the
    serving process's, once: it hooks the process's root logger).
    `notify_simulator`: what a hall whose notify.channel is "simulator" sends through (one is made when not
    given); `notify_thread` (default: with housekeeping) runs the notification sender in a thread, woken after
    each commit; without it, app.extensions["hallq.notify"].run_once() sends (the tests')."""
    app = Flask("hallq")  # the package root: templates/ and static/ sit there
    bounds.install(app)  # before the blueprints: their <int:...> path parts are read the one way
    app.config[photo_store.PHOTO_DIR_SETTING] = str(Path(photo_dir).resolve()) if photo_dir else None
    runtime = Runtime(db=db, clock=clock, logins=LoginGuard(redis_url), throttle=Throttle(redis_url))
    realtime = Realtime(runtime, redis_url=redis_url, websocket_only=websocket_only)
    runtime.token_revoked = realtime.close_token
    hub = DeviceHub(runtime, realtime.sio)
    metrics = Metrics(db, clock)
    sender = Sender(db, clock, notify_simulator)

    def publish(events):
        hub.publish(events, realtime.publish)
        sender.poke()  # after the screens: the citizen's messages are owed from the committed facts

    runtime.publish = metrics.counting(publish)
    runtime.notify_poke = sender.poke
    metrics.install(app)
    app.extensions["hallq"] = runtime
    app.extensions["hallq.metrics"] = metrics
    app.extensions[health.READINESS] = _readiness(db, redis_url)
    app.extensions["hallq.server.realtime"] = realtime
    app.extensions["hallq.notify"] = sender
    app.register_blueprint(auth_api.bp)
    app.register_blueprint(admin_api.bp)
    app.register_blueprint(admin_pages.bp)
    app.register_blueprint(trail.bp)
    app.register_blueprint(watch.bp)
    if start_page:
        app.register_blueprint(start.bp)
    app.register_blueprint(queue_api.bp)
    app.register_blueprint(queue_console.bp)
    app.register_blueprint(queue_duty.bp)
    app.register_blueprint(queue_alerts.bp)
    app.register_blueprint(queue_duty_log.bp)
    app.register_blueprint(display_pages.bp)
    app.register_blueprint(evaluator_api.bp)
    app.register_blueprint(evaluator_pages.bp)
    app.register_blueprint(devices_api.bp)
    app.register_blueprint(assessment_api.bp)
    app.register_blueprint(assessment_publication.bp)
    app.register_blueprint(assessment_pages.bp)
    app.register_blueprint(assessment_signoff.bp)
    app.register_blueprint(dual_target_api.bp)
    app.register_blueprint(dual_target_pages.bp)
    app.register_blueprint(complaint_pages.bp)
    app.register_blueprint(chief_pages.bp)
    app.register_blueprint(followup_pages.bp)
    app.register_blueprint(case_pages.bp)
    app.register_blueprint(register_pages.bp)
    app.register_blueprint(kiosk_api.bp)
    app.register_blueprint(kiosk_pages.bp)
    app.register_blueprint(phone_issuing.bp)
    app.register_blueprint(supervision_api.bp)
    app.register_blueprint(cases_api.bp)
    app.register_blueprint(register_api.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(items_admin.api)
    app.register_blueprint(items_admin.pages)
    app.register_blueprint(queue_leave.bp)
    app.register_blueprint(queue_leave.pages)
    install_error_handlers(app)
    origin.install(app)
    app.wsgi_app = socketio.WSGIApp(realtime.sio, app.wsgi_app)
    if trusted_proxies:  # outermost: Socket.IO's requests and Flask's both see the client's address and scheme
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted_proxies, x_proto=trusted_proxies,
                                x_host=trusted_proxies)
    app.extensions["hallq.sweep"] = lambda: sweep(runtime, realtime)
    if housekeeping:
        app.extensions["hallq.housekeeping"] = _start_housekeeping(runtime, realtime)
    if keep_errors:
        app.extensions["hallq.error_log"] = ErrorLog(db, clock)
    if housekeeping if notify_thread is None else notify_thread:
        # Stopped with the housekeeping; stop_background ends both (an app that ends before its process).
        sender.start(app.extensions.get("hallq.housekeeping"))
    return app


def stop_background(app: Flask) -> None:
    """End the app's own threads (housekeeping, the notification sender, the error log's listener, Engine.IO's
    service task) at once, for an app that ends before its process: the tests', each on a database dropped
    after it."""
    app.extensions["hallq.server.realtime"].sio.shutdown()
    housekeeping = app.extensions.pop("hallq.housekeeping", None)
    if housekeeping is not None:
        housekeeping.set()
    app.extensions["hallq.notify"].stop()  # wakes it: a sender waiting for news would see its stop only later
    error_log = app.extensions.pop("hallq.error_log", None)
    if error_log is not None:
        error_log.close()


def _readiness(db: Database, redis_url: str | None) -> dict[str, Callable[[], object]]:
    """What /readyz checks: each raises when its part is down."""
    def database():
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    checks = {"database": database}
    if redis_url:
        import redis
        client = redis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2)
        checks["redis"] = client.ping
    return checks


def sweep(runtime: Runtime, realtime: Realtime) -> None:
    """One housekeeping tick at the app's clock: what `_start_housekeeping` runs every SWEEP_SECONDS
    (tests drive it by hand, as app.extensions["hallq.sweep"], with their own clock)."""
    try:
        with UnitOfWork(runtime.db.write, runtime.publish) as uow:
            close_all_halls(uow, runtime.clock())
            expire_unanswered(uow, runtime.clock())
            mark_silent(uow, runtime.clock())
            uow.commit()
    except Exception:
        log.exception("end-of-day housekeeping failed; will retry")
    try:
        # The duty manager's standing alerts: windows left unstaffed with tickets waiting (AB岗), overdue
        # follow-ups. Their own transaction: a failure here never holds up the day's closing above.
        with UnitOfWork(runtime.db.write, runtime.publish) as uow:
            watch_unstaffed(uow, runtime.clock())
            watch_overdue(uow, runtime.clock())
            uow.commit()
        with UnitOfWork(runtime.db.write, runtime.publish) as uow:
            watch_cases(uow, runtime.clock())  # cases forgotten, or overdue long enough for the supervision office
            uow.commit()
    except Exception:
        log.exception("the duty manager's alert watch failed; will retry")
    try:
        realtime.sweep_tokens()
    except Exception:
        log.exception("closing ended tokens' sockets failed; will retry")


def _start_housekeeping(runtime: Runtime, realtime: Realtime) -> threading.Event:
    """Expire tickets and sign out windows at closing; fail print jobs nobody answered; announce silent devices;
    raise the duty manager's alerts of unstaffed windows and overdue follow-ups; close the sockets of tokens
    revoked elsewhere or of staff sign-ins past their time.

    The first sweep runs before the app is returned, so before it answers anything: a server that
    was down at closing catches up on the days it missed before a clerk can sign in. Setting the
    event returned stops the sweeps (an app that ends before its process: the tests')."""
    stop = threading.Event()

    def loop():
        while not stop.wait(SWEEP_SECONDS):
            sweep(runtime, realtime)

    sweep(runtime, realtime)
    threading.Thread(target=loop, name="hallq-housekeeping", daemon=True).start()
    return stop
