"""Where the collector keeps events: SQLite by default, PostgreSQL when the URL says so, through SQLAlchemy.

Two tables: one row per event (idempotent by event_id), and one row per thing an event names
(an option, and later a cookbook, a kitchen plugin, a platform), so reports are plain GROUP BYs.
No client address and no request header is ever stored.
"""

import json
import os
import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    case,
    create_engine,
    delete,
    event,
    func,
    select,
)

from chefwrap.collector.validation import KITCHEN_PLUGIN_KINDS

metadata = MetaData()

events = Table(
    "events",
    metadata,
    Column("event_id", String(36), primary_key=True),
    Column("session_id", String(36), nullable=False, index=True),
    Column("product", String(256), nullable=False),
    Column("product_version", String(256)),
    Column("command", String(256), nullable=False),
    Column("exit_code", Integer),
    Column("duration_ms", Integer),
    Column("os", String(256)),
    Column("arch", String(256)),
    Column("ci", Boolean),
    Column("occurred_at", DateTime, nullable=False, index=True),  # UTC
    Column("received_at", DateTime, nullable=False),  # UTC
    Column("event", Text, nullable=False),  # the event as it arrived
)

items = Table(
    "event_items",
    metadata,
    Column("event_id", String(36), nullable=False, index=True),
    Column("kind", String(32), nullable=False),  # "option", and the context kinds
    Column("name", String(256), nullable=False),
    Column("version", String(64)),
    Index("event_items_kind_name", "kind", "name"),
)

def database_url(text: str) -> str:
    """A SQLAlchemy URL from what a user types: a URL, or a plain path meaning an SQLite file."""
    if "://" not in text:
        return "sqlite:///" + os.path.abspath(os.path.expanduser(text))
    if text.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + text.split("://", 1)[1]
    return text


class Store:
    def __init__(self, url: str):
        self.url = database_url(url)
        self.sqlite = self.url.startswith("sqlite")
        self.engine = create_engine(self.url, pool_pre_ping=not self.sqlite)
        if self.sqlite:
            event.listen(self.engine, "connect", _tune_sqlite)
        metadata.create_all(self.engine)
        self._insert_event = _insert_ignoring_duplicates(self.engine.dialect.name)(events)

    def add(self, validated: list, now: datetime = None) -> tuple:
        """Store validated events; returns (new, duplicates). A replayed event_id is counted once."""
        now = _naive(now or datetime.now(timezone.utc))
        new = 0
        with self.engine.begin() as connection:
            for record in validated:
                event_id = record["event_id"] or str(uuid.uuid4())
                occurred_at = min(_naive(record["occurred_at"]), now + timedelta(days=1))
                result = connection.execute(
                    self._insert_event,
                    {
                        "event_id": event_id,
                        "session_id": record["session_id"],
                        "product": record["product"],
                        "product_version": record["product_version"],
                        "command": record["command"],
                        "exit_code": record["exit_code"],
                        "duration_ms": record["duration_ms"],
                        "os": record["os"],
                        "arch": record["arch"],
                        "ci": record["ci"],
                        "occurred_at": occurred_at,
                        "received_at": now,
                        "event": json.dumps(record["event"], separators=(",", ":")),
                    },
                )
                if result.first() is not None:  # RETURNING: rowcount is not reliable across drivers
                    new += 1
                    rows = [{"event_id": event_id, **item} for item in items_of(record)]
                    if rows:
                        connection.execute(items.insert(), rows)
        return new, len(validated) - new

    def erase_session(self, session_id: str) -> int:
        """Delete every event of a session; returns how many there were."""
        with self.engine.begin() as connection:
            ids = select(events.c.event_id).where(events.c.session_id == session_id.lower())
            connection.execute(delete(items).where(items.c.event_id.in_(ids)))
            return connection.execute(delete(events).where(events.c.session_id == session_id.lower())).rowcount

    def purge(self, retain_days: int, now: datetime = None) -> int:
        """Delete events older than `retain_days`; returns how many."""
        cutoff = _naive(now or datetime.now(timezone.utc)) - timedelta(days=retain_days)
        with self.engine.begin() as connection:
            ids = select(events.c.event_id).where(events.c.occurred_at < cutoff)
            connection.execute(delete(items).where(items.c.event_id.in_(ids)))
            return connection.execute(delete(events).where(events.c.occurred_at < cutoff)).rowcount

    def report(self, days: int, now: datetime = None, limit: int = 50) -> dict:
        """The most used commands (with failures) and options, and session counts, over the last `days`."""
        since = _naive(now or datetime.now(timezone.utc)) - timedelta(days=days)
        recent = events.c.occurred_at >= since
        failures = func.sum(case((events.c.exit_code != 0, 1), else_=0))
        count = func.count()
        with self.engine.connect() as connection:
            commands = connection.execute(
                select(events.c.product, events.c.command, count.label("count"), failures.label("failures"))
                .where(recent)
                .group_by(events.c.product, events.c.command)
                .order_by(count.desc(), events.c.product, events.c.command)
                .limit(limit)
            ).all()
            options = self._named(connection, "option", recent, limit)
            cookbooks = self._named(connection, "cookbook", recent, limit)
            plugins = {kind: self._named(connection, f"kitchen-{kind}", recent, limit) for kind in KITCHEN_PLUGIN_KINDS}
            platforms = self._named(connection, "platform", recent, limit)
            versions = self._named(connection, "tool-version", recent, limit)
            totals = connection.execute(select(func.count(), func.count(func.distinct(events.c.session_id))).where(recent)).one()
        report = {
            "days": days,
            "since": since.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "events": totals[0],
            "sessions": totals[1],
            "commands": [{"product": p, "command": c, "count": n, "failures": int(f or 0)} for p, c, n, f in commands],
            "options": [{"product": p, "option": name, "count": n} for p, name, _, n in options],
            "cookbooks": merged_by_name(cookbooks, ("name", "version")),
            "kitchen_plugins": [
                {"kind": kind, "name": name, "count": n} for kind, rows in plugins.items() for name, _, n in merged_by_name(rows, ("name",), tuples=True)
            ],
            "platforms": merged_by_name(platforms, ("name",)),
            "tool_versions": merged_by_name(versions, ("name", "version")),
        }
        return report

    @staticmethod
    def _named(connection, kind, recent, limit):
        """(product, name, version, count) of the things of one kind the recent events name, most first."""
        count = func.count()
        return connection.execute(
            select(events.c.product, items.c.name, items.c.version, count.label("count"))
            .join(events, events.c.event_id == items.c.event_id)
            .where(recent, items.c.kind == kind)
            .group_by(events.c.product, items.c.name, items.c.version)
            .order_by(count.desc(), events.c.product, items.c.name)
            .limit(limit)
        ).all()

    def close(self):
        self.engine.dispose()


def merged_by_name(rows, keys, tuples=False):
    """Rows of (product, name, version, count) summed over products, most first."""
    totals = {}
    for _, name, version, count in rows:
        key = (name, version) if "version" in keys else (name, None)
        totals[key] = totals.get(key, 0) + count
    ordered = sorted(totals.items(), key=lambda item: (-item[1], item[0][0], item[0][1] or ""))
    if tuples:
        return [(name, version, count) for (name, version), count in ordered]
    return [dict(zip(keys, key), count=count) for key, count in ordered]


def items_of(record) -> list:
    """The (kind, name, version) rows an event names: its options and its context."""
    rows = [{"kind": "option", "name": option, "version": None} for option in record["options"]]
    rows += [{"kind": kind, "name": name, "version": version} for kind, name, version in record["context"]]
    return rows


def _insert_ignoring_duplicates(dialect: str):
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert

    return lambda table: insert(table).on_conflict_do_nothing(index_elements=["event_id"]).returning(table.c.event_id)


def _tune_sqlite(connection, _record):
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _naive(moment: datetime) -> datetime:
    """UTC without tzinfo: how both databases store DateTime columns here."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment
