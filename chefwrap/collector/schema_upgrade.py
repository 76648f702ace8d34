"""The database's schema revision against the code's, and the upgrade (Alembic, migrations/ beside this file).

A database made by the first collector (tables, no alembic_version) counts as revision 0001.
"""

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
FIRST = "0001"
UPGRADE_LOCK = (0x63686566, 2)  # beside chefwrap.collector.store.PURGE_LOCK


class SchemaError(Exception):
    """The database cannot be used at this revision; the message says what to run."""


def _config(connection=None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head() -> str:
    return ScriptDirectory.from_config(_config()).get_current_head()


def current(connection):
    """The database's revision: None for an empty database, FIRST for one the first collector made."""
    revision = MigrationContext.configure(connection).get_current_revision()
    if revision is None and inspect(connection).has_table("events"):
        return FIRST
    return revision


def known(revision: str) -> bool:
    return any(script.revision == revision for script in ScriptDirectory.from_config(_config()).walk_revisions())


def upgrade(store) -> tuple:
    """Bring the database to the code's revision; returns (revision before, revision after)."""
    with store.writing() as connection, connection.begin():
        if store.dialect == "postgresql":  # two collectors starting at once: one upgrades, the other then finds it done
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(%s, %s)", UPGRADE_LOCK)
        before = current(connection)
        if before is not None and not known(before):
            raise newer(before)
        if before == FIRST and MigrationContext.configure(connection).get_current_revision() is None:
            command.stamp(_config(connection), FIRST)
        command.upgrade(_config(connection), "head")
        return before, current(connection)


def require_current(store, what: str) -> None:
    """Refuse (SchemaError) to use a database whose revision is not the code's."""
    with store.engine.connect() as connection:
        revision = current(connection)
    if revision == head():
        return
    if revision is not None and not known(revision):
        raise newer(revision)
    raise SchemaError(
        f"the database's schema is older than this collector's (revision {revision or 'none'}, this code {head()}): "
        f"run chefwrap collector migrate --database {what}"
    )


def newer(revision: str) -> SchemaError:
    return SchemaError(
        f"the database's schema (revision {revision}) is newer than this collector's ({head()}): "
        "run a newer chefwrap (pip install --upgrade 'chefwrap[collector]')"
    )
