"""The demo hall: the seeds' county hall, open around the clock, clickable at once.

`prepare` loads the shipped hall file (with always_open), creates demo staff
accounts and device tokens, and signs the A-post clerk in at every window, so
a newcomer can take and call tickets the moment the page opens.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from flask import Blueprint, Flask, render_template
from sqlalchemy import select, update

from hallq.queue import accounts
from hallq.queue.accounts import Token, User
from hallq.server.app import create_app
from hallq.db import Database
from hallq.queue.agent_scope import AgentScope
from hallq.queue import hallfile, sessions
from hallq.queue.models import Staff, Window, WindowPost
from hallq.queue.unit_of_work import UnitOfWork
from hallq.web.runtime import utcnow

if TYPE_CHECKING:
    from hallq.demo.hardware import DemoHardware

PASSWORD = "Hallq-demo1"  # the password policy's three classes (hallq.queue.passwords)
DEMO_PREFIX = "demo-"
KIOSK_NAME = DEMO_PREFIX + "kiosk"  # also its printer's name: a kiosk prints on the printer named like its token


@dataclass
class DemoSetup:
    hall_name: str
    kiosk_token: str
    display_token: str
    clerk_tokens: dict[int, str] = field(default_factory=dict)  # window number -> token of its clerk
    # (profile name, title, token): a display token per display profile of the hall file
    display_profiles: list[tuple[str, str, str]] = field(default_factory=list)
    evaluator_tokens: dict[int, str] = field(default_factory=dict)  # window number -> its evaluator pad's token
    agent_token: str = ""  # the device agent hosting the simulated hardware (demo.hardware)
    kiosk_name: str = KIOSK_NAME


def demo_hall_file() -> hallfile.HallFile:
    text = resources.files("hallq").joinpath("data/demo_hall.toml").read_text(encoding="utf-8")
    spec = hallfile.parse(text)
    spec._base = Path(str(resources.files("hallq").joinpath("data")))  # its guides' forms: data/forms/
    spec.hall.hours.always_open = True
    return spec


def demo_agent_scope(spec: hallfile.HallFile) -> AgentScope:
    """The demo agent hosts all the simulated hardware (DemoHardware.for_setup), so its token allows all of it."""
    from hallq.demo.hardware import agent_scope  # the hardware's simulators are loaded only when it runs
    return agent_scope([KIOSK_NAME], [w.number for w in spec.windows])


def prepare(db: Database) -> DemoSetup:
    now = utcnow()
    with UnitOfWork(db.write) as uow:
        s = uow.session
        spec = demo_hall_file()
        hall = hallfile.load(s, spec, now.astimezone(ZoneInfo(spec.hall.timezone)).date())
        profiles = spec.hall.displays
        # Tokens from an earlier run of the demo stop working; new ones are made.
        # Display tokens are named after their profiles, which is how a TV finds its profile.
        s.execute(update(Token).where(Token.hall_id == hall.id, Token.revoked_at.is_(None),
                                      Token.name.like(DEMO_PREFIX + "%")
                                      | (Token.kind == "display") & Token.name.in_([d.name for d in profiles]))
                  .values(revoked_at=now))
        # Every demo user has the one PASSWORD: hashed once, not once a user (36 of them, some 5 s).
        hashed: str | None = None

        def add_user(username: str, role: str) -> None:
            nonlocal hashed
            hashed = hashed or accounts.hash_password(PASSWORD)
            accounts.add_user(s, hall, username, PASSWORD, role, hashed=hashed)

        for username, role in (("admin", "admin"), ("supervisor", "supervisor")):
            if s.scalar(select(User.id).where(User.username == username)) is None:
                add_user(username, role)
        for staff in s.scalars(select(Staff).where(Staff.hall_id == hall.id, Staff.active.is_(True))):
            if s.scalar(select(User.id).where(User.username == staff.number)) is None:
                add_user(staff.number, "clerk")
        setup = DemoSetup(
            hall.name,
            accounts.create_device_token(s, hall, "kiosk", KIOSK_NAME, now),
            accounts.create_device_token(s, hall, "display", DEMO_PREFIX + "display", now),
            display_profiles=[(d.name, d.title, accounts.create_device_token(s, hall, "display", d.name, now))
                              for d in profiles],
            agent_token=accounts.create_device_token(s, hall, "agent", DEMO_PREFIX + "agent", now,
                                                     scope=demo_agent_scope(spec)),
        )
        # An evaluator pad (评价器) at every window, opened from the landing page.
        for number in s.scalars(select(Window.number).where(Window.hall_id == hall.id, Window.active.is_(True))
                                .order_by(Window.number)):
            setup.evaluator_tokens[number] = accounts.create_device_token(
                s, hall, "evaluator", f"{DEMO_PREFIX}pad-{number}", now, number)
        uow.commit()

        a_posts = s.execute(select(Window.number, User).join(WindowPost, WindowPost.window_id == Window.id)
                            .join(User, User.staff_id == WindowPost.staff_id)
                            .where(Window.hall_id == hall.id, Window.active.is_(True), WindowPost.post == "A")).all()
        for number, user in a_posts:
            token = accounts.staff_token(s, user, now)
            who = accounts.authenticate(s, token, now)
            window = s.scalar(select(Window).where(Window.hall_id == hall.id, Window.number == number))
            current = sessions.open_session(s, window)
            if current is None or current.user_id == who.user_id:
                sessions.sign_in(uow, who, number, "A", now)
                setup.clerk_tokens[number] = token
        uow.commit()
    return setup


def banner(setup: DemoSetup, host: str, port: int) -> str:
    return (f"{setup.hall_name} demo: open http://{host}:{port}/ in a browser\n"
            f"staff accounts: admin, supervisor, and each staff number (S001, ...), password {PASSWORD}")


def create_demo_app(db: Database, setup: DemoSetup, hardware: DemoHardware | None = None, *,
                    photo_dir: str | None = None) -> Flask:
    app = create_app(db, housekeeping=True, photo_dir=photo_dir, start_page=False)  # its own landing page
    bp = Blueprint("demo", __name__)

    @bp.get("/")
    def landing():
        return render_template("landing.html", setup=setup)

    @bp.get("/demo/hall")
    def hall_page():
        return render_template("hall.html", setup=setup)

    app.register_blueprint(bp)
    if hardware is not None:  # the simulated printers, LED screens, voice and keypads: /hardware
        app.register_blueprint(hardware.blueprint())
    return app
