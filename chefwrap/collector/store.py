"""Where the collector keeps events and their aggregates: SQLite by default, PostgreSQL when the URL says so.

Every write is one transaction that changes the raw events and the aggregates together
(chefwrap.collector.aggregates says how), so the aggregates always equal a recomputation from the
raw events they were built from. Reports read only aggregates (chefwrap.collector.published). No client address and no request
header is ever stored.

Concurrency: on SQLite a write transaction starts with BEGIN IMMEDIATE (one writer at a time, waiting
up to busy_timeout). On PostgreSQL, several collectors may share a database: a write first takes a
transaction-scoped advisory lock per session it touches (in sorted order), so two writers never
count the same session's day twice, and aggregate rows are always upserted in one global order, so
two writers never wait on each other in a cycle. The purge takes its own advisory lock and is
skipped by a collector that does not get it.
"""

import contextlib
import functools
import inspect
import os
import uuid
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import bindparam, create_engine, delete, event, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import SQLAlchemyError

from chefwrap.collector import aggregates as contributions
from chefwrap.collector.tables import AGGREGATE_KEYS, VALUES, events
from chefwrap.collector.tables import aggregates as aggregate_tables
from chefwrap.collector.validation import decode, encode

# Ingest's statements go straight to the driver (they run for every batch; SQLAlchemy's part was most
# of their cost). The read: each session's first day and its events on the batch's days (index
# events_session_day; LATERAL ... OFFSET 0 keeps PostgreSQL's planner from joining it into a scan of a
# whole day, which it picks while a young table's statistics lag).
SESSIONS_READ_POSTGRESQL = (
    "SELECT f.session_id, f.first, e.day, e.event FROM "
    "(SELECT session_id, min(day) AS first FROM events WHERE session_id = ANY(%s) GROUP BY session_id) AS f "
    "LEFT JOIN LATERAL (SELECT day, event FROM events WHERE session_id = f.session_id AND day = ANY(%s) OFFSET 0) AS e ON true"
)


SESSION_DAY = select(events.c.event).where(events.c.session_id == bindparam("session_id"), events.c.day == bindparam("day"))
# A transaction's session locks, taken in one order by every writer.
LOCK_SESSIONS = "SELECT pg_advisory_xact_lock(k) FROM (SELECT unnest(%s::bigint[]) AS k ORDER BY k) AS ordered"
EVENT_COLUMNS = [column.name for column in events.columns]
INSERT_EVENTS_POSTGRESQL = (
    f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) "
    f"SELECT * FROM unnest({', '.join(f'%b::{column.type.compile(dialect=postgresql.dialect())}[]' for column in events.columns)}) "
    "ON CONFLICT (event_id) DO NOTHING RETURNING event_id"
)
PURGE_LOCK = (0x63686566, 1)  # ("chef", 1): the two-key advisory lock space, apart from the sessions'
ROWS_A_STATEMENT = 500


def database_url(text_: str) -> str:
    """A SQLAlchemy URL from what a user types: a URL, or a plain path meaning an SQLite file."""
    if "://" not in text_:
        return "sqlite:///" + os.path.abspath(os.path.expanduser(text_))
    if text_.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + text_.split("://", 1)[1]
    return text_


class Store:
    def __init__(self, url: str, retain_days: int = None):
        self.url = database_url(url)
        self.sqlite = self.url.startswith("sqlite")
        self.retain_days = retain_days
        self.engine = create_engine(self.url, pool_pre_ping=not self.sqlite, pool_size=8)
        if self.sqlite:
            event.listen(self.engine, "connect", tune_sqlite)
            event.listen(self.engine, "begin", begin_sqlite)
        self.dialect = self.engine.dialect.name
        # What a database in trouble raises: SQLAlchemy's errors, and the driver's own where ingest talks to it directly.
        self.errors = (SQLAlchemyError, self.engine.dialect.loaded_dbapi.Error)

    def writing(self):
        """A connection whose transactions take the write lock at once on SQLite (BEGIN IMMEDIATE)."""
        return self.engine.connect().execution_options(sqlite_immediate=True)

    # Ingest

    def add(self, received: list, now: datetime = None) -> list:
        """Store validated events (chefwrap.collector.validation.Received) with their aggregates, in one
        transaction; returns, for each, whether it was accepted (False: a replay of a stored event_id).

        An event from before the retention window is accepted and dropped: its day is already purged,
        and its aggregates are frozen.
        """
        accepted, rows = self.prepare(received, now)
        if rows:
            with self.writing() as connection, connection.begin():
                inserted = self.write(connection, rows)
            settle(accepted, rows, inserted)
        return accepted

    def prepare(self, received: list, now: datetime = None) -> tuple:
        """([accepted so far], [(index, row, stored)] to write): ids given, duplicates within the batch and
        events older than the retention window set aside."""
        now = _naive(now or datetime.now(timezone.utc))
        oldest = self.oldest_kept_day(now)
        accepted = [True] * len(received)
        rows, seen = [], set()
        for index, record in enumerate(received):
            record.clamp(now)
            if oldest is not None and record.day < oldest:
                continue
            event_id = record.event_id or str(uuid.uuid4())
            if event_id in seen:
                accepted[index] = False
                continue
            seen.add(event_id)
            rows.append((index, _event_row(record, event_id, now), record.stored))
        return accepted, rows

    def write(self, connection, rows: list) -> set:
        """Insert prepared rows and add what they change to the aggregates, in the connection's
        transaction; returns the event ids that were new."""
        return self._add_rows(connection, [(row, stored) for _, row, stored in rows])

    def _add_rows(self, connection, received: list) -> set:
        rows = [row for row, _ in received]
        sessions = sorted({row["session_id"] for row in rows})
        wanted = {(row["session_id"], row["day"]) for row in rows}
        first_days, prior = {}, {}
        for session_id, first, day, stored in self._lock_and_read(connection, sessions, sorted({day for _, day in wanted})):
            first_days[session_id] = first
            if (session_id, day) in wanted:
                prior.setdefault(session_id, {}).setdefault(day, []).append(decode(stored))
        moved = [(session_id, first) for session_id, first in first_days.items() if any(day < first for s, day in wanted if s == session_id)]
        for session_id, first in moved:  # rare: a late event from before the session's first day
            for (stored,) in connection.execute(SESSION_DAY, {"session_id": session_id, "day": first}):
                prior.setdefault(session_id, {}).setdefault(first, []).append(decode(stored))
        inserted = self._insert_events(connection, rows)
        new = {}
        for row, stored in received:
            if row["event_id"] in inserted:
                new.setdefault(row["session_id"], {}).setdefault(row["day"], []).append(stored)
        delta = {}
        for session_id, new_days in new.items():
            contributions.ingest_delta(prior.get(session_id, {}), first_days.get(session_id), new_days, delta)
        apply(connection, delta)
        return inserted

    def _lock_and_read(self, connection, sessions: list, days: list) -> list:
        """Lock the sessions, then read (session, its first day, day, event) for their events on `days`
        (day and event None when it has none there); on PostgreSQL both in one round trip."""
        raw = connection.connection
        if self.dialect != "postgresql":
            cursor = raw.cursor()
            cursor.execute(sessions_read_sqlite(len(sessions), len(days)), [*sessions, *(day.isoformat() for day in days)])
            return [(session_id, _day(first), day and _day(day), stored) for session_id, first, day, stored in cursor.fetchall()]
        with _pipeline(raw):
            cursor = raw.cursor()
            cursor.execute(LOCK_SESSIONS, (sorted(_lock_key(session_id) for session_id in sessions),))
            cursor.execute(SESSIONS_READ_POSTGRESQL, (sessions, days))
            return cursor.fetchall()

    def _insert_events(self, connection, rows: list) -> set:
        """INSERT ... ON CONFLICT DO NOTHING RETURNING the new ids: one statement (on PostgreSQL one
        fixed statement over arrays, which the server prepares once)."""
        if self.dialect == "postgresql":
            cursor = connection.connection.cursor()
            cursor.execute(INSERT_EVENTS_POSTGRESQL, [[row[column] for row in rows] for column in EVENT_COLUMNS])
            return {event_id for (event_id,) in cursor.fetchall()}
        cursor, inserted = connection.connection.cursor(), set()
        for start in range(0, len(rows), ROWS_A_STATEMENT):
            chunk = rows[start : start + ROWS_A_STATEMENT]
            cursor.execute(insert_events_sqlite(len(chunk)), [_sqlite_value(row[column]) for row in chunk for column in EVENT_COLUMNS])
            inserted.update(event_id for (event_id,) in cursor.fetchall())
        return inserted

    def _lock_sessions(self, connection, sessions: list) -> None:
        if self.dialect == "postgresql" and sessions:
            connection.exec_driver_sql(LOCK_SESSIONS, (sorted(_lock_key(session_id) for session_id in sessions),))

    # Erasure and retention

    def erase_session(self, session_id: str) -> int:
        """Delete every event of a session and take its contribution out of the aggregates; returns how many events."""
        session_id = session_id.lower()
        with self.writing() as connection, connection.begin():
            self._lock_sessions(connection, [session_id])
            by_day = {}
            for day, stored in connection.execute(select(events.c.day, events.c.event).where(events.c.session_id == session_id)):
                by_day.setdefault(day, []).append(decode(stored))
            delta = {}
            contributions.session_contribution(by_day, delta, sign=-1)
            apply(connection, delta)
            return connection.execute(delete(events).where(events.c.session_id == session_id)).rowcount

    def oldest_kept_day(self, now: datetime = None):
        if self.retain_days is None:
            return None
        return _naive(now or datetime.now(timezone.utc)).date() - timedelta(days=self.retain_days)

    def purge(self, now: datetime = None):
        """Delete raw events of the days before the retention window; the aggregates stay (they hold no
        session id). Returns how many events, or None when another collector is purging."""
        oldest = self.oldest_kept_day(now)
        if oldest is None:
            return 0
        with self.writing() as connection, connection.begin():
            if self.dialect == "postgresql":
                if not connection.execute(text("SELECT pg_try_advisory_xact_lock(:a, :b)"), dict(zip("ab", PURGE_LOCK))).scalar():
                    return None
            return connection.execute(delete(events).where(events.c.day < oldest)).rowcount

    def close(self):
        self.engine.dispose()


def settle(accepted: list, rows: list, inserted: set) -> None:
    for index, row, _ in rows:
        accepted[index] = row["event_id"] in inserted


def apply(connection, delta: dict) -> None:
    """Add a delta ({(aggregate, day, key): values}) to the daily and monthly tables.

    Straight through the driver, in the fixed table order and sorted, so concurrent writers lock rows in
    one order: on SQLite one executemany a table; on PostgreSQL one statement a table over arrays, all
    in one pipeline (one round trip).
    """
    dialect = connection.dialect.name
    changes = contributions.rows(delta)
    if not changes:
        return
    raw = connection.connection
    with _pipeline(raw) if dialect == "postgresql" else contextlib.nullcontext():
        cursor = raw.cursor()
        for (period, aggregate), table_rows in changes.items():
            columns = ["day", *_key_columns(aggregate), *VALUES]
            if dialect == "postgresql":
                cursor.execute(_upsert_sql(dialect, period, aggregate), [[row[column] for row in table_rows] for column in columns])
            else:
                cursor.executemany(_upsert_sql(dialect, period, aggregate), [(row["day"].isoformat(), *(row[c] for c in columns[1:])) for row in table_rows])
        cursor.close()
    if any(values[0] < 0 for values in delta.values()):  # erasure: rows that count nothing any more go
        for period, aggregate in changes:
            table = aggregate_tables[(period, aggregate)]
            days = sorted({row["day"] for row in changes[(period, aggregate)]})
            connection.execute(delete(table).where(table.c.day.in_(days), table.c["count"] <= 0))


def _pipeline(raw):
    """psycopg's pipeline: the statements go together, one round trip (none under an asyncio driver)."""
    pipeline = getattr(raw.driver_connection, "pipeline", None)
    return contextlib.nullcontext() if pipeline is None or inspect.iscoroutinefunction(raw.driver_connection.commit) else pipeline()


def _key_columns(aggregate: str) -> list:
    return [name for name, _ in AGGREGATE_KEYS[aggregate]]


@functools.lru_cache(maxsize=None)
def _upsert_sql(dialect: str, period: str, aggregate: str) -> str:
    """INSERT ... ON CONFLICT DO UPDATE adding the values."""
    table = f"{period}_{aggregate}"
    keys = ["day", *_key_columns(aggregate)]
    columns = [*keys, *VALUES]
    quoted = [f'"{column}"' for column in columns]
    added = ", ".join(f'"{value}" = {table}."{value}" + excluded."{value}"' for value in VALUES)
    if dialect == "postgresql":  # the rows as one array a column: one fixed statement whatever their number
        types = ["date", *(["varchar"] * (len(keys) - 1)), *(["integer"] * len(VALUES))]
        source = f"SELECT * FROM unnest({', '.join(f'%b::{kind}[]' for kind in types)})"
    else:
        source = f"VALUES ({', '.join('?' * len(columns))})"
    return f"INSERT INTO {table} ({', '.join(quoted)}) {source} ON CONFLICT ({', '.join(quoted[: len(keys)])}) DO UPDATE SET {added}"


def rebuild_aggregates(connection, flush_at: int = 300_000) -> int:
    """Empty the aggregate tables and fill them again from the raw events (session by session, through
    the same contribution as ingest); returns how many events were read."""
    for table in aggregate_tables.values():
        connection.execute(delete(table))
    delta, session, by_day, read = {}, None, {}, 0
    ordered = select(events.c.session_id, events.c.day, events.c.event).order_by(events.c.session_id, events.c.day)
    for session_id, day, stored in connection.execute(ordered.execution_options(yield_per=20_000)):
        if session_id != session:
            contributions.session_contribution(by_day, delta)
            session, by_day = session_id, {}
            if len(delta) >= flush_at:
                apply(connection, delta)
                delta = {}
        by_day.setdefault(day, []).append(decode(stored))
        read += 1
    contributions.session_contribution(by_day, delta)
    apply(connection, delta)
    return read


def recomputed(connection) -> dict:
    """What the aggregate tables would hold if rebuilt now: {table name: {(day, keys...): (values...)}}."""
    delta, by_session = {}, {}
    for session_id, day, stored in connection.execute(select(events.c.session_id, events.c.day, events.c.event)):
        by_session.setdefault(session_id, {}).setdefault(day, []).append(decode(stored))
    for by_day in by_session.values():
        contributions.session_contribution(by_day, delta)
    result = {table.name: {} for table in aggregate_tables.values()}
    for (period, aggregate), table_rows in contributions.rows(delta).items():
        keys = ["day", *(name for name, _ in AGGREGATE_KEYS[aggregate])]
        result[f"{period}_{aggregate}"] = {tuple(row[k] for k in keys): tuple(row[v] for v in VALUES) for row in table_rows}
    return result


def stored_aggregates(connection) -> dict:
    """What the aggregate tables hold, in the shape of recomputed()."""
    result = {}
    for (_, aggregate), table in aggregate_tables.items():
        keys = ["day", *(name for name, _ in AGGREGATE_KEYS[aggregate])]
        result[table.name] = {
            tuple(row[k] for k in keys): tuple(row[v] for v in VALUES) for row in connection.execute(select(table)).mappings()
        }
    return result


def _event_row(record, event_id: str, now: datetime) -> dict:
    stored = record.stored
    properties = stored.payload.properties
    return {
        "event_id": event_id,
        "session_id": record.session_id,
        "day": record.day,
        "event_name": stored.payload.event,
        "product": stored.product,
        "product_version": stored.product_version,
        "command": properties and properties.command,
        "exit_code": properties and properties.exit_code,
        "duration_ms": properties and properties.duration_ms,
        "os": properties and properties.os,
        "arch": properties and properties.arch,
        "ci": properties and properties.ci,
        "occurred_at": record.occurred_at,
        "received_at": now,
        "event": encode(stored),
    }


def _lock_key(session_id: str) -> int:
    """A session's advisory lock: 64 bits of its UUID, as PostgreSQL's signed bigint."""
    value = int(session_id.replace("-", "")[:16], 16)
    return value - 2**64 if value >= 2**63 else value


def tune_sqlite(connection, _record):
    connection.isolation_level = None  # SQLAlchemy's begin event says BEGIN, not the driver
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def begin_sqlite(connection):
    connection.exec_driver_sql("BEGIN IMMEDIATE" if connection.get_execution_options().get("sqlite_immediate") else "BEGIN")


def _naive(moment: datetime) -> datetime:
    """UTC without tzinfo: how both databases store DateTime columns here."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


@functools.lru_cache(maxsize=256)
def sessions_read_sqlite(sessions: int, days: int) -> str:
    return (
        "SELECT f.session_id, f.first, e.day, e.event FROM "
        f"(SELECT session_id, min(day) AS first FROM events WHERE session_id IN ({', '.join('?' * sessions)}) GROUP BY session_id) AS f "
        f"LEFT JOIN events AS e ON e.session_id = f.session_id AND e.day IN ({', '.join('?' * days)})"
    )


@functools.lru_cache(maxsize=256)
def insert_events_sqlite(rows: int) -> str:
    one = f"({', '.join('?' * len(EVENT_COLUMNS))})"
    return f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) VALUES {', '.join([one] * rows)} ON CONFLICT (event_id) DO NOTHING RETURNING event_id"


def _sqlite_value(value):
    """A value as SQLAlchemy's SQLite types store it (dates and times as ISO text)."""
    if isinstance(value, datetime):
        return value.isoformat(" ", "microseconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _day(value):
    return value if isinstance(value, date) else date.fromisoformat(value)
