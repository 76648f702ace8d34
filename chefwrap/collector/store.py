"""Where the collector keeps events and their aggregates: SQLite by default, PostgreSQL when the URL says so.

Ingest stores each new event together with a pending row (one statement on PostgreSQL, one
transaction on SQLite), or, for a batch, counts it in the same transaction; folding counts pending
events into the aggregates (chefwrap.collector.aggregates
says how) and deletes their pending rows, in one transaction, thousands at a time. So after every
commit the aggregates equal a recomputation from the raw events less the pending ones: a replayed
event_id inserts nothing, a crash leaves an event either pending (folded by the next fold) or counted,
never both, never neither. Readers of the aggregates fold first (`Store.reading`); what they may show
is chefwrap.collector.published's. No client address and no request header is ever stored.

Concurrency: on SQLite a write transaction starts with BEGIN IMMEDIATE (one writer at a time, waiting
up to busy_timeout). On PostgreSQL, several collectors may share a database: ingest only inserts (rows
sorted by event_id, so two collectors inserting the same ids wait in one order, never in a cycle), and
takes no lock of ours before it has inserted; what changes what is counted (folding, a batch's
counting, erasure, the purge) holds one transaction-scoped advisory lock (COUNTING_LOCK), so counting is
serial and no two transactions ever update the same aggregate row at once. The holder of that lock
never waits on a row another transaction inserted and has not committed. The purge takes its own advisory lock and is skipped by a
collector that does not get it.
"""

import contextlib
import functools
import inspect
import json
import os
import uuid
from datetime import date, datetime, timedelta, timezone

import msgspec
from sqlalchemy import create_engine, delete, event, exists, func, select, text
from sqlalchemy.exc import SQLAlchemyError

from chefwrap.collector import aggregates as contributions
from chefwrap.collector.tables import AGGREGATE_KEYS, VALUES, events, pending_events
from chefwrap.collector.tables import aggregates as aggregate_tables
from chefwrap.collector.validation import decode, encode

# Ingest's and folding's statements go straight to the driver (SQLAlchemy's part was most of their
# cost). On PostgreSQL, ingest is one fixed statement (prepared once by the server) that inserts the new
# events and their pending rows: a single statement is atomic, so it runs without BEGIN and COMMIT (one
# round trip a group of requests). The rows go as one JSON array (encoded by msgspec), which costs half
# the Python of one array parameter a column.
EVENT_COLUMNS = [column.name for column in events.columns]
INSERT_COUNTED_EVENTS_POSTGRESQL = (
    f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) SELECT {', '.join(EVENT_COLUMNS)} FROM json_populate_recordset(NULL::events, %s::json) "
    "ON CONFLICT (event_id) DO NOTHING RETURNING event_id"
)
INSERT_EVENTS_POSTGRESQL = (
    f"WITH new AS ({INSERT_COUNTED_EVENTS_POSTGRESQL}) INSERT INTO pending_events (event_id, writer) SELECT event_id, %s FROM new RETURNING event_id"
)
PENDING_SQLITE = "INSERT INTO pending_events (event_id, writer) SELECT value, ? FROM json_each(?)"
PURGE_LOCK = (0x63686566, 1)  # ("chef", 1): the two-key advisory lock space
COUNTING_LOCK = (0x63686566, 3)  # ("chef", 3): held by whoever changes what is counted (folding, erasure)
ROWS_A_STATEMENT = 500
FOLD_MAX = 20_000  # pending events folded in one transaction
COUNT_AT_ONCE = 500  # a group this large is counted as it is stored (measured on batches of 1,000)

# Folding reads the pending rows; the events other processes stored (and this one no longer holds) by
# their ids; then, for the sessions of the pending events, the first day of their counted (not pending)
# events, and their counted events on the days the pending ones fall on (index events_session_day;
# LATERAL ... OFFSET 0 keeps PostgreSQL's planner from joining it into a scan of a whole day, which it
# picks while a young table's statistics lag).
NOT_PENDING = "NOT EXISTS (SELECT 1 FROM pending_events AS p WHERE p.event_id = e.event_id)"
# Not a batch's own events, which its transaction has just inserted (on PostgreSQL: rows this
# transaction wrote; a fold inserts none).
NOT_MINE_POSTGRESQL = "e.xmin <> pg_current_xact_id()::xid"
NOT_MINE_SQLITE = "e.event_id NOT IN (SELECT value FROM json_each(:mine))"
FOLDING = {
    "postgresql": {
        "pending": "SELECT event_id, writer FROM pending_events LIMIT %s",
        "events": "SELECT session_id, day, event FROM events WHERE event_id = ANY(%s)",
        "first days": (
            "SELECT s.session_id, (SELECT e.day FROM events AS e WHERE e.session_id = s.session_id "
            f"AND {NOT_PENDING} AND {NOT_MINE_POSTGRESQL} ORDER BY e.day LIMIT 1) "
            "FROM unnest(%(sessions)s::varchar[]) AS s(session_id)"
        ),
        "counted": (
            "SELECT w.session_id, e.day, e.event FROM unnest(%(sessions)s::varchar[], %(days)s::date[]) AS w(session_id, day) CROSS JOIN LATERAL "
            "(SELECT e.day, e.event FROM events AS e WHERE e.session_id = w.session_id AND e.day = w.day "
            f"AND {NOT_PENDING} AND {NOT_MINE_POSTGRESQL} OFFSET 0) AS e"
        ),
        "folded": "DELETE FROM pending_events WHERE event_id = ANY(%s)",
    },
    "sqlite": {
        "pending": "SELECT event_id, writer FROM pending_events LIMIT ?",
        "events": "SELECT session_id, day, event FROM events WHERE event_id IN (SELECT value FROM json_each(?))",
        "first days": (
            f"SELECT s.value, (SELECT e.day FROM events AS e WHERE e.session_id = s.value AND {NOT_PENDING} AND {NOT_MINE_SQLITE} "
            "ORDER BY e.day LIMIT 1) FROM json_each(:sessions) AS s"
        ),
        "counted": (
            "SELECT e.session_id, e.day, e.event FROM json_each(:wanted) AS w CROSS JOIN events AS e "
            f"ON e.session_id = json_extract(w.value, '$[0]') AND e.day = json_extract(w.value, '$[1]') WHERE {NOT_PENDING} AND {NOT_MINE_SQLITE}"
        ),
        "folded": "DELETE FROM pending_events WHERE event_id IN (SELECT value FROM json_each(?))",
    },
}


def database_url(text_: str) -> str:
    """A SQLAlchemy URL from what a user types: a URL, or a plain path meaning an SQLite file."""
    if "://" not in text_:
        return "sqlite:///" + os.path.abspath(os.path.expanduser(text_))
    if text_.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + text_.split("://", 1)[1]
    return text_


class Store:
    def __init__(self, url: str, retain_days: int = None, count_at_once: int = COUNT_AT_ONCE):
        self.url = database_url(url)
        self.count_at_once = count_at_once
        self.sqlite = self.url.startswith("sqlite")
        self.retain_days = retain_days
        self.engine = create_engine(self.url, pool_pre_ping=not self.sqlite, pool_size=8)
        if self.sqlite:
            event.listen(self.engine, "connect", tune_sqlite)
            event.listen(self.engine, "begin", begin_sqlite)
        self.dialect = self.engine.dialect.name
        # What a database in trouble raises: SQLAlchemy's errors, and the driver's own where ingest talks to it directly.
        self.errors = (SQLAlchemyError, self.engine.dialect.loaded_dbapi.Error)
        # The events this process stored and has not folded yet ({event_id: (session_id, day, StoredEvent)}),
        # and the number its pending rows carry: folding takes the validated events from here instead of
        # reading and decoding them again. Only for a pending row with this number: one this process wrote,
        # and an event id it stored again is written here again.
        self.just_stored = {}
        self.writer_number = int.from_bytes(os.urandom(8), "big") >> 1

    def writing(self):
        """A connection whose transactions take the write lock at once on SQLite (BEGIN IMMEDIATE)."""
        return self.engine.connect().execution_options(sqlite_immediate=True)

    # Ingest

    def add(self, received: list, now: datetime = None) -> list:
        """Store validated events (chefwrap.collector.validation.Received) in one transaction, each new
        one pending, or counted at once in a batch (`write`); returns, for each, whether it was accepted
        (False: a replay of a stored event_id). Pending events count in the aggregates once folded
        (`fold`; readers fold first).

        An event from before the retention window is accepted and dropped: its day is already purged,
        and its aggregates are frozen.
        """
        ingester = Ingester(self)
        try:
            return ingester.add(received, now)
        finally:
            ingester.close()

    def ingesting(self):
        """A connection for `write`: on PostgreSQL in autocommit (its one statement is its own transaction)."""
        if self.sqlite:
            return self.writing()
        return self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")

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
        """Insert prepared rows in the connection's transaction; returns the event ids that were new.

        A group of fewer than `count_at_once` events is left pending, for a fold: each new event with its
        pending row, nothing else (no read, no aggregate row). A larger group (a batch) is counted in the
        same transaction: the reads and upserts a fold would do, once for many events, without writing
        and reading back pending rows. Its insert comes before the counting lock (so another writer's
        insert runs while this one counts); what was counted already is read under the lock (every
        transaction that counted before has committed then), less this batch's own new events."""
        ordered = sorted((row for _, row, _ in rows), key=lambda row: row["event_id"])  # one lock order for every writer
        if self.counts_as_stored(rows):
            with self._transaction(connection):
                inserted = self._insert(connection, ordered, pending=False)
                cursor = connection.connection.cursor()
                self._lock_counting(cursor, wait=True)
                new = _by_session(rows, inserted)
                first, prior = self._counted(cursor, new, mine=sorted(inserted))
                self._count(connection, new, first, prior)
            return inserted
        inserted = self._insert(connection, ordered, pending=True)
        if len(self.just_stored) > FOLD_MAX:  # what other collectors folded, or transactions that failed
            self.just_stored.clear()
        for _, row, stored in rows:
            if row["event_id"] in inserted:
                self.just_stored[row["event_id"]] = (row["session_id"], row["day"], stored)
        return inserted

    def counts_as_stored(self, rows: list) -> bool:
        """Whether `write` counts these prepared rows as it stores them (a batch) instead of leaving them pending."""
        return len(rows) >= self.count_at_once

    def _transaction(self, connection):
        """The connection's transaction, or, on the writer's PostgreSQL connection in autocommit, one of its own."""
        driver = connection.connection.driver_connection
        if self.dialect == "postgresql" and driver.autocommit:
            return driver.transaction()
        return contextlib.nullcontext()

    def _insert(self, connection, rows: list, pending: bool) -> set:
        if self.dialect == "postgresql":
            cursor = connection.connection.cursor()
            if pending:
                cursor.execute(INSERT_EVENTS_POSTGRESQL, (_encode_json(rows).decode(), self.writer_number))
            else:
                cursor.execute(INSERT_COUNTED_EVENTS_POSTGRESQL, (_encode_json(rows).decode(),))
            return {event_id for (event_id,) in cursor.fetchall()}
        cursor, inserted = connection.connection.cursor(), []
        for start in range(0, len(rows), ROWS_A_STATEMENT):
            chunk = rows[start : start + ROWS_A_STATEMENT]
            cursor.execute(insert_events_sqlite(len(chunk)), [_sqlite_value(row[column]) for row in chunk for column in EVENT_COLUMNS])
            inserted += [event_id for (event_id,) in cursor.fetchall()]
        if inserted and pending:
            cursor.execute(PENDING_SQLITE, (self.writer_number, json.dumps(inserted)))
        return set(inserted)

    # Folding: pending events into the aggregates

    def fold(self, limit: int = FOLD_MAX, wait: bool = True):
        """Count up to `limit` pending events into the aggregates and clear their pending rows, in one
        transaction; returns how many, or None when another collector is counting and `wait` is False."""
        with self.writing() as connection, connection.begin():
            if not self._lock_counting(connection.connection.cursor(), wait):
                return None
            return self._fold(connection, limit)

    def fold_pending(self) -> None:
        """Fold what is pending when called: at least as many events as were pending then (so a reader
        never waits on ingest faster than folding). Reads nothing but a count of pending_events when
        nothing is pending."""
        with self.engine.connect() as connection:
            left = connection.execute(select(func.count()).select_from(pending_events)).scalar()
        while left > 0:
            folded = self.fold()
            if not folded:
                return
            left -= folded

    @contextlib.contextmanager
    def reading(self):
        """A connection to read the aggregates from, with every event stored so far counted in them
        (pending events folded first). Every reader of the aggregates goes through here."""
        self.fold_pending()
        with self.engine.connect() as connection:
            yield connection

    def _fold(self, connection, limit: int) -> int:
        statements = FOLDING[self.dialect]
        cursor = connection.connection.cursor()
        cursor.execute(statements["pending"], (limit,))
        pending = cursor.fetchall()
        if not pending:
            return 0
        new, elsewhere = {}, []
        for event_id, writer in pending:
            held = self.just_stored.pop(event_id, None) if writer == self.writer_number else None
            if held is None:
                elsewhere.append(event_id)
            else:
                session_id, day, stored = held
                new.setdefault(session_id, {}).setdefault(day, []).append(stored)
        if elsewhere:  # an id whose event is gone (erased meanwhile) reads nothing, and is cleared
            cursor.execute(statements["events"], (elsewhere if self.dialect == "postgresql" else json.dumps(elsewhere),))
            for session_id, day, stored in cursor.fetchall():
                new.setdefault(session_id, {}).setdefault(_day(day), []).append(decode(stored))
        first, prior = self._counted(cursor, new)
        self._count(connection, new, first, prior)
        folded = [event_id for event_id, *_ in pending]
        cursor = connection.connection.cursor()
        cursor.execute(statements["folded"], (folded if self.dialect == "postgresql" else json.dumps(folded),))
        return len(pending)

    def _counted(self, cursor, new: dict, mine: list = ()) -> tuple:
        """For the sessions of `new` ({session: {day: [StoredEvent]}}): ({session: the first day of its
        counted events}, {session: {day: [its counted StoredEvent]}} on the days of `new` and, when `new`
        comes before it, on its first day). Counted: stored and not pending; `mine`: ids of `new` this
        transaction has just inserted, which are not counted yet either."""
        statements = FOLDING[self.dialect]
        postgresql = self.dialect == "postgresql"
        mine = None if postgresql else json.dumps(list(mine))
        sessions = sorted(new)
        first = {}
        if sessions:
            cursor.execute(statements["first days"], {"sessions": sessions if postgresql else json.dumps(sessions), "mine": mine})
            first = {session_id: _day(day) for session_id, day in cursor.fetchall() if day is not None}
        # A session with no counted event has none on any day: only the others are read.
        wanted = {(session_id, day) for session_id in first for day in new[session_id]}
        wanted |= {(session_id, first[session_id]) for session_id in first if min(new[session_id]) < first[session_id]}
        prior = {}
        if wanted:
            wanted = sorted(wanted)
            if postgresql:
                cursor.execute(statements["counted"], {"sessions": [session_id for session_id, _ in wanted], "days": [day for _, day in wanted], "mine": mine})
            else:
                cursor.execute(statements["counted"], {"wanted": json.dumps([[session_id, day.isoformat()] for session_id, day in wanted]), "mine": mine})
            for session_id, day, stored in cursor.fetchall():
                prior.setdefault(session_id, {}).setdefault(_day(day), []).append(decode(stored))
        return first, prior

    def _count(self, connection, new: dict, first: dict, prior: dict) -> None:
        """Add to the aggregates what `new` events change, given what `_counted` read before."""
        delta = {}
        for session_id, new_days in new.items():
            contributions.ingest_delta(prior.get(session_id, {}), first.get(session_id), new_days, delta)
        apply(connection, delta)

    def _lock_counting(self, cursor, wait: bool) -> bool:
        """Take the counting lock (PostgreSQL; on SQLite BEGIN IMMEDIATE holds every writer off already)."""
        if self.dialect != "postgresql":
            return True
        cursor.execute(f"SELECT {'pg_advisory_xact_lock' if wait else 'pg_try_advisory_xact_lock'}(%s, %s)", COUNTING_LOCK)
        return cursor.fetchone()[0] is not False

    # Erasure and retention

    def erase_session(self, session_id: str, proof=None) -> tuple:
        """Delete a session's events and take their part out of the aggregates; returns (how many events
        were erased, how many the session held). `proof`: None to erase them all (the operator), or a
        function of an event's erase_key_sha256 (None for an event sent without one) saying whether it
        may go; it is asked about every event of the session, whatever the earlier answers."""
        session_id = session_id.lower()
        of_session = events.c.session_id == session_id
        columns = (events.c.event_id, events.c.erase_key_sha256, events.c.day, events.c.event, _pending(events.c.event_id))
        with self.writing() as connection, connection.begin():
            self._lock_counting(connection.connection.cursor(), wait=True)
            held = connection.execute(select(*columns).where(of_session)).all()
            verdicts = [proof is None or proof(row.erase_key_sha256) for row in held]
            erased = [row.event_id for row, verdict in zip(held, verdicts) if verdict]
            if not erased:
                return 0, len(held)
            # A session's part of the aggregates is not the sum of its events' (sessions count once a day):
            # what it counted before, out; what its counted events left count, in. Pending events were never counted.
            before, after = {}, {}
            for row, verdict in zip(held, verdicts):
                if not row[4]:
                    stored = decode(row.event)
                    before.setdefault(row.day, []).append(stored)
                    if not verdict:
                        after.setdefault(row.day, []).append(stored)
            delta = {}
            contributions.session_contribution(before, delta, sign=-1)
            contributions.session_contribution(after, delta)
            apply(connection, delta)
            for start in range(0, len(erased), ROWS_A_STATEMENT):  # each with its pending row: no pending row outlives its event
                chunk = erased[start : start + ROWS_A_STATEMENT]
                connection.execute(delete(pending_events).where(pending_events.c.event_id.in_(chunk)))
                connection.execute(delete(events).where(events.c.event_id.in_(chunk)))
            return len(erased), len(held)

    def oldest_kept_day(self, now: datetime = None):
        if self.retain_days is None:
            return None
        return _naive(now or datetime.now(timezone.utc)).date() - timedelta(days=self.retain_days)

    def purge(self, now: datetime = None):
        """Delete raw events of the days before the retention window; the aggregates stay (they hold no
        session id). What is pending is folded first; an event of those days stored after that fold is
        dropped with its pending row, as ingest drops one dated before the window (counted later, it
        would meet none of its session's deleted events, and count that session a second time).
        Returns how many events, or None when another collector is purging."""
        oldest = self.oldest_kept_day(now)
        if oldest is None:
            return 0
        self.fold_pending()
        old = events.c.day < oldest
        with self.writing() as connection, connection.begin():
            if self.dialect == "postgresql":
                if not connection.execute(text("SELECT pg_try_advisory_xact_lock(:a, :b)"), dict(zip("ab", PURGE_LOCK))).scalar():
                    return None
            self._lock_counting(connection.connection.cursor(), wait=True)
            connection.execute(delete(pending_events).where(exists().where(events.c.event_id == pending_events.c.event_id, old)))
            return connection.execute(delete(events).where(old)).rowcount

    def close(self):
        self.engine.dispose()


class Ingester:
    """Ingest through one connection kept from group to group (a writer thread's): no pool checkout, no
    ping and no reset a group. A kept connection that fails is dropped and the group written once more
    on a fresh one from the pool (pinged there): after a database restart nothing is refused. Writing
    twice is safe: rows are prepared once (event ids included) and a stored event_id inserts nothing."""

    def __init__(self, store: Store):
        self.store, self.connection = store, None
        self.left_pending = 0  # how many new events the last `add` left for a fold

    def add(self, received: list, now: datetime = None) -> list:
        accepted, rows = self.store.prepare(received, now)
        self.left_pending = 0
        if rows:
            try:
                inserted = self._write(rows)
            except self.store.errors:
                if self.connection is None:  # it was a fresh connection: the database is in trouble
                    raise
                self.close()
                inserted = self._write(rows)
            settle(accepted, rows, inserted)
            self.left_pending = 0 if self.store.counts_as_stored(rows) else len(inserted)
        return accepted

    def _write(self, rows: list) -> set:
        fresh = self.connection is None
        if fresh:
            self.connection = self.store.ingesting()
        try:
            with self.connection.begin():
                return self.store.write(self.connection, rows)
        except BaseException:
            if fresh:
                self.close()
            raise

    def close(self) -> None:
        connection, self.connection = self.connection, None
        if connection is not None:
            with contextlib.suppress(*self.store.errors):  # a dead connection cannot be reset: the pool drops it
                connection.close()


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
    """Empty the aggregate tables and fill them again from every raw event (session by session, through
    the same contribution as folding); returns how many events were read. For a database with no
    pending events (revision 0002's back-fill, made before pending_events existed)."""
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


def recomputed(connection, counted_only: bool = False) -> dict:
    """What the aggregate tables would hold if rebuilt now: {table name: {(day, keys...): (values...)}}.
    counted_only: from the events that are not pending (what the tables hold between folds)."""
    delta, by_session = {}, {}
    read = select(events.c.session_id, events.c.day, events.c.event)
    if counted_only:
        read = read.where(~_pending(events.c.event_id))
    for session_id, day, stored in connection.execute(read):
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
        "erase_key_sha256": record.erase_key_sha256,
    }


_encode_json = msgspec.json.Encoder().encode  # dates as YYYY-MM-DD, naive times as ISO 8601: what PostgreSQL reads


def _by_session(rows: list, only: set = None) -> dict:
    """{session: {day: [StoredEvent]}} of prepared rows (those whose event_id is in `only`, if given)."""
    found = {}
    for _, row, stored in rows:
        if only is None or row["event_id"] in only:
            found.setdefault(row["session_id"], {}).setdefault(row["day"], []).append(stored)
    return found


def _pending(event_id_column):
    return exists().where(pending_events.c.event_id == event_id_column)


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
