"""The Alembic migrations build exactly the schema the models describe."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import hallq.models  # noqa: F401
from hallq.db import Base


def test_migrations_match_the_models(db):
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []


def test_migrations_go_down_and_up_again(db):
    from alembic import command
    from sqlalchemy import inspect

    from hallq.migrate import config, upgrade
    with db.engine.begin() as conn:
        cfg = config(db)
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    upgrade(db)
    assert "tickets" in inspect(db.engine).get_table_names()
