"""Alembic environment: runs on the connection hallq.migrate hands over."""
from alembic import context

import hallq.models  # noqa: F401  (every table registers on Base.metadata)
from hallq.db import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    from sqlalchemy import create_engine
    connection = create_engine(config.attributes["connection_url"]).connect()

context.configure(connection=connection, target_metadata=Base.metadata,
                  render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
with context.begin_transaction():
    context.run_migrations()
