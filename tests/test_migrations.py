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


def test_0010_keeps_the_scheme_each_scope_had_as_the_version_for_every_month(db):
    """A hall's chosen scheme survives the move to versioned schemes, and comes back on the way down."""
    import datetime as dt

    from alembic import command
    from sqlalchemy import text

    from hallq.migrate import config, upgrade
    with db.engine.begin() as conn:
        cfg = config(db)
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0009")
        conn.execute(text("INSERT INTO halls (id, code, name, timezone, settings, secret) "
                          "VALUES (7, 'H7', '测试', 'Asia/Shanghai', '{}', 'x')"))
        conn.execute(text("INSERT INTO assessment_schemes (hall_id, scope, preset, overrides, changed_by, changed_at) "
                          "VALUES (7, 'window', 'window_best', '{\"a\": 1}', 'user:duban', :at)"),
                     {"at": dt.datetime(2025, 11, 3, 2, 0)})
    upgrade(db)
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT hall_id, scope, from_month, preset FROM assessment_scheme_versions")).all()
    assert [tuple(r) for r in rows] == [(7, "window", "0000-00", "window_best")]
    with db.engine.begin() as conn:
        cfg = config(db)
        cfg.attributes["connection"] = conn
        conn.execute(text("INSERT INTO assessment_scheme_versions (hall_id, scope, from_month, preset, overrides, "
                          "changed_by, changed_at) VALUES (7, 'window', '2026-01', 'county_window', '{}', 'u', :at)"),
                     {"at": dt.datetime(2025, 12, 3, 2, 0)})
        command.downgrade(cfg, "0009")
        back = conn.execute(text("SELECT scope, preset FROM assessment_schemes WHERE hall_id = 7")).all()
    assert [tuple(r) for r in back] == [("window", "county_window")]  # the newest version
