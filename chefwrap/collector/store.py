"""Where the collector keeps events and what it builds from them: SQLite by default, PostgreSQL when the URL says so.

Ingest only appends: each new event, its items (chefwrap.collector.tables) and its day's count of
events, in one statement on PostgreSQL and one transaction on SQLite; a replayed event_id inserts
nothing. Counting is building: a day's aggregates are deleted and made again from that day's events,
one INSERT ... SELECT ... GROUP BY a table (`build_day`), once the day is complete and whenever its
count of events has moved since. Every reader builds what is stale first (`reading`), so every figure
counts every event acknowledged before it, and a collector killed at any point leaves nothing that the
next build does not count once. No client address and no request header is ever stored.

Concurrency: ingest takes no lock of ours. Whatever changes the aggregates (a build, an erasure, the
purge) holds BUILD_LOCK: a transaction-scoped advisory lock on PostgreSQL, which several collectors may
share; BEGIN IMMEDIATE on SQLite. A build reads its day's count of events before the events: an event
that arrives in between is counted but left out of `built`, so the day is built once more.
"""

import contextlib
import functools
import os
import uuid
from datetime import date, datetime, timedelta, timezone

import msgspec
from sqlalchemy import String, and_, case, create_engine, delete, distinct, event, func, insert, literal, select, union_all, update
from sqlalchemy.exc import SQLAlchemyError

from chefwrap.collector import known_names
from chefwrap.collector.tables import NAME, daily, daily_sessions, days, event_items, events, monthly, weekly_names, weekly_sessions
from chefwrap.collector.threshold import KEYS_BELOW
from chefwrap.collector.validation import KITCHEN_PLUGIN_KINDS, encode

EVENT_COLUMNS = [column.name for column in events.columns]
# On PostgreSQL, ingest is one fixed statement (prepared once by the server), so atomic without BEGIN
# and COMMIT: the rows go as JSON arrays (encoded by msgspec), sorted by event_id so that two
# collectors inserting the same ids wait in one order.
INSERT_POSTGRESQL = (
    f"WITH new AS (INSERT INTO events ({', '.join(EVENT_COLUMNS)}) SELECT {', '.join(EVENT_COLUMNS)} "
    "FROM json_populate_recordset(NULL::events, %s::json) ON CONFLICT (event_id) DO NOTHING RETURNING event_id, day), "
    "items AS (INSERT INTO event_items SELECT i.* FROM json_populate_recordset(NULL::event_items, %s::json) AS i JOIN new USING (event_id)), "
    "counted AS (INSERT INTO days (day, events) SELECT day, count(*) FROM new GROUP BY day ORDER BY day "
    "ON CONFLICT (day) DO UPDATE SET events = days.events + excluded.events) SELECT event_id FROM new"
)
ITEMS_SQLITE = "INSERT INTO event_items (event_id, day, kind, name, detail) VALUES (?, ?, ?, ?, ?)"
DAYS_SQLITE = "INSERT INTO days (day, events) VALUES (?, ?) ON CONFLICT (day) DO UPDATE SET events = events + excluded.events"
BUILD_LOCK = (0x63686566, 3)  # ("chef", 3): whoever changes the aggregates
PURGE_LOCK = (0x63686566, 1)
ROWS_A_STATEMENT = 500
OWN_VERSION = {"knife": "knife", "kitchen": "kitchen", "chef": "chef-cli"}  # a tool's own name among `versions`
_encode_json = msgspec.json.Encoder().encode  # dates as YYYY-MM-DD, naive times as ISO 8601: what PostgreSQL reads


def database_url(text_: str) -> str:
    """A SQLAlchemy URL from what a user types: a URL, or a plain path meaning an SQLite file."""
    if "://" not in text_:
        return "sqlite:///" + os.path.abspath(os.path.expanduser(text_))
    if text_.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + text_.split("://", 1)[1]
    return text_


def today_utc() -> date:
    return datetime.now(timezone.utc).date()


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
        """Store validated events (chefwrap.collector.validation.Received) in one transaction; returns, for
        each, whether it was accepted (False: a replay of a stored event_id). An event from before the
        retention window is accepted and dropped: its day is purged, its aggregates are frozen."""
        ingester = Ingester(self)
        try:
            return ingester.add(received, now)
        finally:
            ingester.close()

    def prepare(self, received: list, now: datetime = None) -> tuple:
        """([accepted so far], [(index, event row, [item rows])] to write): ids given, duplicates within the
        batch and events older than the retention window set aside."""
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
            rows.append((index, _event_row(record, event_id, now), [(event_id, record.day.isoformat(), *item) for item in sorted(items(record.stored))]))
        rows.sort(key=lambda row: row[1]["event_id"])  # one lock order for every writer
        return accepted, rows

    def write(self, connection, rows: list) -> set:
        """Insert prepared rows in the connection's transaction; returns the event ids that were new."""
        cursor = connection.connection.cursor()
        if self.dialect == "postgresql":
            item_rows = [dict(zip(("event_id", "day", "kind", "name", "detail"), item)) for _, _, found in rows for item in found]
            cursor.execute(INSERT_POSTGRESQL, (_encode_json([row for _, row, _ in rows]).decode(), _encode_json(item_rows).decode()))
            return {event_id for (event_id,) in cursor.fetchall()}
        inserted = set()
        for start in range(0, len(rows), ROWS_A_STATEMENT):
            chunk = [row for _, row, _ in rows[start : start + ROWS_A_STATEMENT]]
            cursor.execute(insert_events_sqlite(len(chunk)), [_sqlite_value(row[column]) for row in chunk for column in EVENT_COLUMNS])
            inserted.update(event_id for (event_id,) in cursor.fetchall())
        new_days = {}
        for _, row, _ in rows:
            if row["event_id"] in inserted:
                new_days[row["day"]] = new_days.get(row["day"], 0) + 1
        cursor.executemany(ITEMS_SQLITE, [item for _, row, found in rows if row["event_id"] in inserted for item in found])
        cursor.executemany(DAYS_SQLITE, [(day.isoformat(), count) for day, count in sorted(new_days.items())])
        return inserted

    # Building the aggregates

    def build(self, today: date = None) -> int:
        """Build every stale day before `today` (UTC), each in a transaction of its own; returns how many."""
        today = today or today_utc()
        built = 0
        while True:
            with self.writing() as connection, connection.begin():
                self._lock(connection)
                stale = self._stale(connection, today)
                if not stale:
                    return built
                build_day(connection, stale[0], today)
                built += 1

    def _stale(self, connection, today: date) -> list:
        is_stale = days.c.built.is_(None) | (days.c.built != days.c.events)  # never built, or its count of events moved
        return connection.execute(select(days.c.day).where(is_stale, days.c.day < today).order_by(days.c.day)).scalars().all()

    @contextlib.contextmanager
    def reading(self, today: date = None):
        """A connection to read the aggregates from, every complete day built first: every reader goes through here."""
        today = today or today_utc()
        with self.engine.connect() as connection:
            stale = self._stale(connection, today)
        if stale:
            self.build(today)
        with self.engine.connect() as connection:
            yield connection

    def _lock(self, connection, lock=BUILD_LOCK, wait=True) -> bool:
        """Take an advisory lock for the transaction (PostgreSQL; on SQLite BEGIN IMMEDIATE holds every writer off already)."""
        if self.dialect != "postgresql":
            return True
        function = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
        return connection.exec_driver_sql(f"SELECT {function}(%s, %s)", lock).scalar() is not False

    # Erasure and retention

    def erase_session(self, session_id: str, proof=None, today: date = None) -> tuple:
        """Delete a session's events, and build again the days they were on; returns (how many events were
        erased, how many the session held). `proof`: None to erase them all (the operator), or a function
        of an event's erase_key_sha256 (None for an event sent without one) saying whether it may go; it
        is asked about every event of the session, whatever the earlier answers."""
        today = today or today_utc()
        with self.writing() as connection, connection.begin():
            self._lock(connection)
            held = connection.execute(select(events.c.event_id, events.c.day, events.c.erase_key_sha256).where(events.c.session_id == session_id.lower())).all()
            erased = [row for row in held if proof is None or proof(row.erase_key_sha256)]
            for start in range(0, len(erased), ROWS_A_STATEMENT):
                chunk = erased[start : start + ROWS_A_STATEMENT]
                for day in {row.day for row in chunk}:
                    connection.execute(delete(event_items).where(event_items.c.day == day, event_items.c.event_id.in_([row.event_id for row in chunk if row.day == day])))
                connection.execute(delete(events).where(events.c.event_id.in_([row.event_id for row in chunk])))
            for day in sorted({row.day for row in erased}):
                connection.execute(update(days).where(days.c.day == day).values(events=days.c.events - sum(row.day == day for row in erased)))
                if day < today:
                    build_day(connection, day, today)
            return len(erased), len(held)

    def oldest_kept_day(self, now: datetime = None):
        if self.retain_days is None:
            return None
        return _naive(now or datetime.now(timezone.utc)).date() - timedelta(days=self.retain_days)

    def purge(self, now: datetime = None):
        """Delete the raw events (and the sessions of `daily_sessions`) of the days before the retention
        window, once those days are built; their aggregates and counts stay. Returns how many events, or
        None when another collector is purging."""
        oldest = self.oldest_kept_day(now)
        if oldest is None:
            return 0
        self.build()
        with self.writing() as connection, connection.begin():
            if not self._lock(connection, PURGE_LOCK, wait=False):
                return None
            self._lock(connection)
            connection.execute(delete(event_items).where(event_items.c.day < oldest))
            connection.execute(delete(daily_sessions).where(daily_sessions.c.day < oldest))
            return connection.execute(delete(events).where(events.c.day < oldest)).rowcount

    def close(self):
        self.engine.dispose()


class Ingester:
    """Ingest through one connection kept from group to group (a writer thread's): no pool checkout, no
    ping and no reset a group. A kept connection that fails is dropped and the group written once more
    on a fresh one from the pool (pinged there): after a database restart nothing is refused. Writing
    twice is safe: rows are prepared once (event ids included) and a stored event_id inserts nothing."""

    def __init__(self, store: Store):
        self.store, self.connection = store, None

    def add(self, received: list, now: datetime = None) -> list:
        accepted, rows = self.store.prepare(received, now)
        if rows:
            try:
                inserted = self._write(rows)
            except self.store.errors:
                if self.connection is None:  # it was a fresh connection: the database is in trouble
                    raise
                self.close()
                inserted = self._write(rows)
            for index, row, _ in rows:
                accepted[index] = row["event_id"] in inserted
        return accepted

    def _write(self, rows: list) -> set:
        fresh = self.connection is None
        if fresh:  # on PostgreSQL in autocommit: its one statement is its own transaction
            self.connection = self.store.writing() if self.store.sqlite else self.store.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
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


# A day's aggregates


def facts(first: date, last: date = None, kind: str = None):
    """One row for each thing each event of the days counts towards: (day, product, kind, command, name,
    detail, session_id, failed), of every kind or of one. Every aggregate is a GROUP BY of these rows."""
    e, i = events.c, event_items.c
    failed = case((and_(e.exit_code.is_not(None), e.exit_code != 0), 1), else_=0).label("failed")
    in_days = e.day == first if last is None else e.day.between(first, last)
    blank = literal("", String)

    def of_events(kind, product, name, detail=blank, command=blank, *where):
        named = (product.label("product"), literal(kind, String).label("kind"), command.label("command"), name.label("name"), detail.label("detail"))
        return select(e.day, *named, e.session_id, failed).where(in_days, *where)

    ci = case((e.ci.is_(None), ""), (e.ci, "true"), else_="false")
    parts = {
        "sessions": of_events("sessions", blank, blank),
        "product": of_events("product", e.product, blank),
        "event": of_events("event", e.product, e.event_name),
        "command": of_events("command", e.product, blank, blank, e.command, e.command.is_not(None)),
        "os": of_events("os", e.product, func.coalesce(e.os, "")),
        "arch": of_events("arch", e.product, func.coalesce(e.arch, "")),
        "os-arch": of_events("os-arch", e.product, func.coalesce(e.os, ""), func.coalesce(e.arch, "")),
        "ci": of_events("ci", e.product, ci),
    }
    command = case((i.kind == "option", e.command), else_="").label("command")
    named, of_kind = events.join(event_items, and_(i.day == e.day, i.event_id == e.event_id)), [i.kind == kind] if kind else []
    items_ = select(e.day, e.product, i.kind, command, i.name, i.detail, e.session_id, failed).select_from(named).where(in_days, *of_kind)
    # an option over its spellings, a cookbook over its versions: once an event, however many it named
    whole = select(e.day, e.product, i.kind, command, i.name, blank.label("detail"), e.session_id, failed, e.event_id).select_from(named)
    whole = whole.where(in_days, *of_kind, i.kind.in_(("option", "cookbook")), i.detail != "").distinct().subquery()
    whole = select(*(column for column in whole.c if column.name != "event_id"))
    chosen = [parts[kind]] if kind in parts else [items_, whole] if kind else [*parts.values(), items_, whole]
    return (union_all(*chosen) if len(chosen) > 1 else chosen[0]).subquery("facts")


def per_session(first: date, last: date = None, kind: str = None):
    """The facts summed per name and session: (day, name..., session_id, runs, failures)."""
    found = facts(first, last, kind)
    keys = [found.c.day, *(found.c[column] for column in NAME), found.c.session_id]
    return select(*keys, func.count().label("runs"), func.sum(found.c.failed).label("failures")).group_by(*keys).subquery("per_session")


def day_rows(first: date, last: date = None, kind: str = None):
    """The `daily` rows the events of the days give (of every kind, or of one)."""
    found = per_session(first, last, kind)
    keys = [found.c.day, *(found.c[column] for column in NAME)]
    return select(*keys, func.sum(found.c.runs).label("runs"), func.sum(found.c.failures).label("failures"), func.count().label("sessions")).group_by(*keys)


def build_day(connection, day: date, today: date) -> None:
    """Delete a day's aggregates and make them again from its events (and its ISO week's sessions)."""
    count = connection.execute(select(days.c.events).where(days.c.day == day)).scalar() or 0
    for table in (daily, daily_sessions):
        connection.execute(delete(table).where(table.c.day == day))
    columns = ["day", *NAME]
    connection.execute(insert(daily).from_select([*columns, "runs", "failures", "sessions"], day_rows(day)))
    found = per_session(day)
    named = [found.c[column] for column in columns]
    ranked = select(*named, found.c.session_id, func.count().over(partition_by=named).label("sessions")).subquery()
    few = select(*(ranked.c[column] for column in columns), ranked.c.session_id).where(ranked.c.sessions < KEYS_BELOW)
    connection.execute(insert(daily_sessions).from_select([*columns, "session_id"], few))
    connection.execute(update(days).where(days.c.day == day).values(built=count))
    month, names = day.replace(day=1), [daily.c[column] for column in NAME]
    connection.execute(delete(monthly).where(monthly.c.month == month))
    sums = select(literal(month), *names, *(func.sum(daily.c[value]) for value in ("runs", "failures", "sessions")), func.max(daily.c.sessions))
    sums = sums.where(daily.c.day.between(month, month_end(month))).group_by(*names)
    connection.execute(insert(monthly).from_select(["month", *NAME, "runs", "failures", "sessions", "busiest"], sums))
    week = day - timedelta(days=day.weekday())
    build_week(connection, week, min(week + timedelta(days=6), today - timedelta(days=1)))


def month_end(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def build_week(connection, week: date, last: date) -> None:
    """An ISO week's rows, from its days up to `last`: its names' sessions (from `daily_sessions`) and the
    tools' (from the events)."""
    for table in (weekly_names, weekly_sessions):
        connection.execute(delete(table).where(table.c.week == week))
    kept = daily_sessions.c
    names = [kept[column] for column in NAME]
    counted = select(literal(week), *names, func.count(distinct(kept.session_id))).where(kept.day.between(week, last)).group_by(*names)
    connection.execute(insert(weekly_names).from_select(["week", *NAME, "sessions"], counted))
    tools = select(literal(week), events.c.product, func.count(distinct(events.c.session_id))).where(events.c.day.between(week, last)).group_by(events.c.product)
    every = select(literal(week), literal("", String), func.count(distinct(events.c.session_id))).where(events.c.day.between(week, last)).having(func.count() > 0)
    connection.execute(insert(weekly_sessions).from_select(["week", "product", "sessions"], union_all(tools, every)))


def items(stored) -> set:
    """(kind, name, detail) of every name one event carries (chefwrap.collector.tables lists the kinds)."""
    properties = stored.payload.properties
    if properties is None:
        return set()
    found = {("option", known_names.option_name(properties.command, spelling), spelling) for spelling in properties.options}
    found.add(("version", (properties.versions or {}).get(OWN_VERSION.get(stored.product, ""), stored.product_version or ""), ""))
    cookbooks, kitchen = properties.cookbooks, properties.kitchen
    if cookbooks is not None:
        found |= {("cookbook", book.name, book.version) for book in cookbooks.public} | ({("cookbook", "", "")} if cookbooks.other else set())
    if kitchen is not None:
        found |= {(f"kitchen-{kind}", getattr(kitchen, kind), "") for kind in KITCHEN_PLUGIN_KINDS if getattr(kitchen, kind) is not None}
        found |= {("platform", platform, "") for platform in kitchen.platforms}
        found |= {("kitchen-plugin", "", "")} if kitchen.other_plugins else set()
        found |= {("platform", "", "")} if kitchen.other_platforms else set()
    return found


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
