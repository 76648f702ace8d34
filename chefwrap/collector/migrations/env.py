"""Alembic's environment for the collector: always run from chefwrap (chefwrap.collector.schema_upgrade),
on the connection it hands over, inside its transaction."""

from alembic import context

from chefwrap.collector.tables import metadata

context.configure(connection=context.config.attributes["connection"], target_metadata=metadata)
with context.begin_transaction():
    context.run_migrations()
