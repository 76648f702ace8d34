"""The collector's tables at the newest schema revision (migrations/ brings older databases here).

Raw events, append-only: `events`, one row an event (its JSON as validated, a few columns beside it
for the indexes, the hash of the erase key that proves who may erase it), and `event_items`, one row
for each name an event carries (an option, a cookbook, a plugin, a version). Erasure and the purge are
the only deletes.

`days`: for each UTC day, how many events it holds (ingest adds what it stores, in the same
statement) and how many it held when its aggregates were last built (`built`). A day whose two numbers
differ is stale: its aggregates are built again, from its events, before anyone reads them.

Aggregates, built from one day's events at a time (chefwrap.collector.store says how):
    daily           one row a day and name: its runs, failures and distinct sessions
    daily_sessions  the sessions of each daily row of fewer than KEYS_BELOW (20) sessions: with them a
                    window's distinct sessions of a name are exact (chefwrap.collector.threshold)
    weekly_sessions the distinct sessions of each ISO week, over its complete days (tools, and all together)
A name is (product, kind, command, name, detail), '' where it says nothing; the kinds:
    sessions    product '': all tools' events and sessions of the day
    product     the tool's events (every event type)
    event       name: payload.event
    command     command
    option      command, name: the option (its spellings merged), detail: '' or one spelling of it
    os, arch    name; os-arch: name the OS, detail the architecture
    ci          name: 'true', 'false' or '' (not known)
    version     name: the version of the tool that ran ('' when not known)
    tool-version, cookbook   name, detail: a version ('' for the name over its versions)
    kitchen-driver, kitchen-provisioner, kitchen-verifier, kitchen-transport, platform   name
    cookbook, platform, kitchen-plugin with name '': runs with one the client counted but did not name
"""

from sqlalchemy import Boolean, Column, Date, DateTime, Index, Integer, MetaData, PrimaryKeyConstraint, String, Table, Text

metadata = MetaData()
NAME = ("product", "kind", "command", "name", "detail")

events = Table(
    "events",
    metadata,
    Column("event_id", String(36), primary_key=True),
    Column("session_id", String(36), nullable=False),
    Column("day", Date, nullable=False),  # UTC day of occurred_at
    Column("event_name", String(256), nullable=False),  # payload.event
    Column("product", String(256), nullable=False),
    Column("product_version", String(256)),
    Column("command", String(256)),  # None for an event type the collector does not know
    Column("exit_code", Integer),
    Column("duration_ms", Integer),
    Column("os", String(256)),
    Column("arch", String(256)),
    Column("ci", Boolean),
    Column("occurred_at", DateTime, nullable=False),  # UTC
    Column("received_at", DateTime, nullable=False),  # UTC
    Column("event", Text, nullable=False),  # the event as validated (chefwrap.collector.validation.StoredEvent)
    Column("erase_key_sha256", String(64)),  # the SHA-256 of the session's erase key its client sent, if any
    Index("events_session_day", "session_id", "day"),
    Index("events_day", "day"),
)

event_items = Table(
    "event_items",
    metadata,
    Column("event_id", String(36), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("name", String(256), nullable=False),
    Column("detail", String(256), nullable=False),
    Index("event_items_event", "event_id"),
)

days = Table(
    "days",
    metadata,
    Column("day", Date, primary_key=True),
    Column("events", Integer, nullable=False),
    Column("built", Integer),  # None: never built
)


def _named(name: str, *columns) -> Table:
    return Table(
        name,
        metadata,
        Column("day", Date, nullable=False),
        Column("product", String(256), nullable=False),
        Column("kind", String(32), nullable=False),
        Column("command", String(256), nullable=False),
        Column("name", String(256), nullable=False),
        Column("detail", String(256), nullable=False),
        *columns,
        sqlite_with_rowid=False,
    )


daily = _named(
    "daily",
    Column("runs", Integer, nullable=False),
    Column("failures", Integer, nullable=False),
    Column("sessions", Integer, nullable=False),
    PrimaryKeyConstraint("kind", "day", "product", "command", "name", "detail", name="daily_pkey"),
)
daily_sessions = _named(
    "daily_sessions",
    Column("session_id", String(36), nullable=False),
    PrimaryKeyConstraint("kind", "day", "product", "command", "name", "detail", "session_id", name="daily_sessions_pkey"),
)
weekly_sessions = Table(
    "weekly_sessions",
    metadata,
    Column("week", Date, nullable=False),  # its Monday
    Column("product", String(256), nullable=False),  # '': every tool together
    Column("sessions", Integer, nullable=False),
    PrimaryKeyConstraint("week", "product", name="weekly_sessions_pkey"),
)
AGGREGATES = (daily, daily_sessions, weekly_sessions)
