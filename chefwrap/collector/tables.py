"""The collector's tables at the newest schema revision (migrations/ brings older databases here).

Raw events: one row per event, its JSON as validated (the single source every aggregate is computed
from), a few columns beside it for the indexes and for people reading the database by hand, and the
hash of the erase key that proves who may erase it (DELETE /sessions/{id}).

Pending events: the events stored but not yet counted in the aggregates (their ids). Ingest stores an
event and its pending row together; folding (chefwrap.collector.store) counts pending events into the
aggregates and deletes their pending rows in one transaction. So at every commit the aggregates equal a
recomputation from the raw events less the pending ones, and readers fold before they read.

Aggregates: for each kind of name an event carries, one row per day (`daily_*`) and one per month
(`monthly_*`, the sums of that month's daily rows, so a long window reads few rows). No session id,
no event id: every row is a count. The values, the same in every table:
    count               events (for `unnamed`: names counted but not named; for `options`: uses)
    failures            of those, from runs that exited non-zero
    sessions            distinct sessions with such an event that day (monthly: the sum of the days)
    first_day_sessions  of those, sessions whose first event of all was that day
"""

from sqlalchemy import BigInteger, Boolean, Column, Date, DateTime, Index, Integer, MetaData, PrimaryKeyConstraint, String, Table, Text

metadata = MetaData()

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

pending_events = Table(
    "pending_events",
    metadata,
    Column("event_id", String(36), primary_key=True),
    Column("writer", BigInteger, nullable=False),  # a random number the storing process drew at start
    sqlite_with_rowid=False,
)

# Each aggregate: its key columns (text, '' where the event said nothing) after the day.
AGGREGATE_KEYS = {
    "totals": (("product", 256), ("event", 256), ("os", 256), ("arch", 256), ("ci", 8)),
    "commands": (("product", 256), ("command", 256)),
    "versions": (("product", 256), ("version", 256)),
    "options": (("product", 256), ("command", 256), ("option", 256)),
    "context": (("product", 256), ("kind", 32), ("name", 256), ("version", 64)),
    "unnamed": (("product", 256), ("kind", 32)),
    "sessions": (),
}
VALUES = ("count", "failures", "sessions", "first_day_sessions")
PERIODS = ("daily", "monthly")


def aggregate_table(period: str, name: str) -> Table:
    keys = AGGREGATE_KEYS[name]
    return Table(
        f"{period}_{name}",
        metadata,
        Column("day", Date, nullable=False),  # monthly: the first day of the month
        *(Column(key, String(length), nullable=False) for key, length in keys),
        *(Column(value, Integer, nullable=False) for value in VALUES),
        PrimaryKeyConstraint("day", *(key for key, _ in keys), name=f"{period}_{name}_pkey"),
        sqlite_with_rowid=False,
    )


aggregates = {(period, name): aggregate_table(period, name) for period in PERIODS for name in AGGREGATE_KEYS}
