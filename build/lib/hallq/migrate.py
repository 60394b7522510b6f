"""Schema migrations (Alembic), run programmatically so no alembic.ini is needed."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from hallq.db import Database

HERE = Path(__file__).parent / "migrations"


def config(db: Database) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.attributes["connection_url"] = db.url
    return cfg


def upgrade(db: Database) -> None:
    with db.engine.begin() as conn:
        cfg = config(db)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
