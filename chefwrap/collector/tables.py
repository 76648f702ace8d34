"""The collector's tables at the newest schema revision (migrations/ brings older databases here).

Raw events, append-only: `events`, one row an event (its JSON as validated, a few columns beside it
for the indexes, the hash of the erase key that proves who may erase it), and `event_items`, one row
for each name an event carries (an option's spelling, a cookbook's version, a plugin, a platform, the
version of the tool that ran). Erasure and the purge are the only deletes.

`days`: for each UTC day, how many events it holds (ingest adds what it stores, in the same
statement) and how many it held when its aggregates were last built (`built`). A day whose two numbers
differ is stale: its aggregates are built again, from its events, before anyone reads them.

Aggregates, built from one day's events at a time (chefwrap.collector.store says how):
    daily           one row a day and name: its runs, failures and distinct sessions
    monthly         the sums of a month's daily rows, and the most sessions of one of its days: a long
                    window reads a row a month, and a row a day only for the days of its first and
                    last months that it does not hold whole
    daily_sessions  the sessions of each daily row of fewer than KEYS_BELOW (20) sessions: with them a
                    window's distinct sessions of a name are exact (chefwrap.collector.threshold)
    weekly_names    for each ISO week and name, how many distinct sessions its daily_sessions rows hold
                    (a lower bound, exact when each of its days had fewer than 20): a week enough to show
                    a name spares a view reading its sessions
    weekly_sessions the distinct sessions of each ISO week, over its complete days (tools, and all together)
A name is (product, kind, command, name, detail), '' where it says nothing; store.facts makes them, and
docs/collector.md ("Storage") lists the kinds: an option is (command, option, '' or one spelling), a
cookbook (name, '' or one version), a name '' what the client counted without naming.
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
    Column("day", Date, nullable=False),  # its event's: a day's items lie together, as its events do
    Column("kind", String(32), nullable=False),
    Column("name", String(256), nullable=False),
    Column("detail", String(256), nullable=False),
    Index("event_items_day", "day", "event_id"),
)

days = Table(
    "days",
    metadata,
    Column("day", Date, primary_key=True),
    Column("events", Integer, nullable=False),
    Column("built", Integer),  # None: never built
)


def _named(name: str, period: str, *more) -> Table:
    return Table(
        name,
        metadata,
        Column(period, Date, nullable=False),
        Column("product", String(256), nullable=False),
        Column("kind", String(32), nullable=False),
        Column("command", String(256), nullable=False),
        Column("name", String(256), nullable=False),
        Column("detail", String(256), nullable=False),
        *more,
        sqlite_with_rowid=False,
    )


# By day first, to read a window; by name first where a view looks for some names.
daily = _named(
    "daily",
    "day",
    Column("runs", Integer, nullable=False),
    Column("failures", Integer, nullable=False),
    Column("sessions", Integer, nullable=False),
    PrimaryKeyConstraint("kind", "day", "product", "command", "name", "detail", name="daily_pkey"),
    Index("daily_command", "kind", "command", "day"),
)
monthly = _named(
    "monthly",
    "month",  # its first day
    Column("runs", Integer, nullable=False),
    Column("failures", Integer, nullable=False),
    Column("sessions", Integer, nullable=False),  # the daily rows' sessions, summed
    Column("busiest", Integer, nullable=False),  # the most sessions of one of its days
    PrimaryKeyConstraint("kind", "month", "product", "command", "name", "detail", name="monthly_pkey"),
    Index("monthly_command", "kind", "command", "month"),
)
daily_sessions = _named(
    "daily_sessions",
    "day",
    Column("session_id", String(36), nullable=False),
    PrimaryKeyConstraint("kind", "command", "name", "detail", "product", "day", "session_id", name="daily_sessions_pkey"),
    Index("daily_sessions_day", "day"),
)
weekly_names = _named(
    "weekly_names",
    "week",  # its Monday
    Column("sessions", Integer, nullable=False),  # distinct sessions of its daily_sessions rows: at least that many used the name that week
    PrimaryKeyConstraint("kind", "command", "name", "detail", "product", "week", name="weekly_names_pkey"),
)
weekly_sessions = Table(
    "weekly_sessions",
    metadata,
    Column("week", Date, nullable=False),  # its Monday
    Column("product", String(256), nullable=False),  # '': every tool together
    Column("sessions", Integer, nullable=False),
    PrimaryKeyConstraint("week", "product", name="weekly_sessions_pkey"),
)
AGGREGATES = (daily, monthly, daily_sessions, weekly_names, weekly_sessions)
