"""A database as the first collector (before schema migrations) left it: its two tables, filled the way
its Store.add filled them. Frozen here so the upgrade is tested against what is really out there."""

import json
import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import Boolean, Column, DateTime, Index, Integer, MetaData, String, Table, Text, create_engine, func, select

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
    Column("occurred_at", DateTime, nullable=False, index=True),
    Column("received_at", DateTime, nullable=False),
    Column("event", Text, nullable=False),
)
items = Table(
    "event_items",
    metadata,
    Column("event_id", String(36), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("name", String(256), nullable=False),
    Column("version", String(64)),
    Index("event_items_kind_name", "kind", "name"),
)
KITCHEN_PLUGIN_KINDS = ("driver", "provisioner", "verifier", "transport")


def engine_for(url: str):
    from chefwrap.collector.store import database_url

    return create_engine(database_url(url))


def store_like_the_first_collector(url: str, sent: list, now: datetime = None) -> None:
    """Create the first collector's tables and add the events (dicts as the shim or the gem sent them)."""
    now = (now or datetime.now(timezone.utc)).replace(tzinfo=None)
    engine = engine_for(url)
    metadata.create_all(engine)
    with engine.begin() as connection:
        for event in sent:
            properties = event["payload"]["properties"]
            event_id = event.get("event_id") or str(uuid.uuid4())
            occurred_at = min(datetime.strptime(event["timestamp"][:19], "%Y-%m-%dT%H:%M:%S"), now + timedelta(days=1))
            stored_properties = {
                "command": properties["command"],
                "options": properties.get("options", []),
                "exit_code": properties.get("exit_code"),
                "duration_ms": properties.get("duration_ms"),
                "timestamp": properties.get("timestamp"),
                "os": properties.get("os"),
                "arch": properties.get("arch"),
                "ci": properties.get("ci"),
                **{key: properties[key] for key in ("cookbooks", "kitchen", "versions") if properties.get(key) is not None},
            }
            stored = {
                key: event.get(key)
                for key in ("instance_id", "license_id", "message_version", "payload_version", "session_id", "event_id", "origin", "type", "product", "product_version", "install_context", "timestamp")
            }
            stored["payload"] = {"event": event["payload"]["event"], "properties": stored_properties}
            connection.execute(
                events.insert(),
                {
                    "event_id": event_id,
                    "session_id": event["session_id"].lower(),
                    "product": event["product"],
                    "product_version": event.get("product_version"),
                    "command": properties["command"],
                    "exit_code": properties.get("exit_code"),
                    "duration_ms": properties.get("duration_ms"),
                    "os": properties.get("os"),
                    "arch": properties.get("arch"),
                    "ci": properties.get("ci"),
                    "occurred_at": occurred_at,
                    "received_at": now,
                    "event": json.dumps(stored, separators=(",", ":")),
                },
            )
            named = [("option", option, None) for option in stored_properties["options"]]
            for book in (properties.get("cookbooks") or {}).get("public", []):
                named.append(("cookbook", book["name"], book["version"]))
            kitchen = properties.get("kitchen") or {}
            named += [(f"kitchen-{kind}", kitchen[kind], None) for kind in KITCHEN_PLUGIN_KINDS if kitchen.get(kind)]
            named += [("platform", platform, None) for platform in kitchen.get("platforms", [])]
            named += [("tool-version", tool, version) for tool, version in (properties.get("versions") or {}).items()]
            if named:
                connection.execute(items.insert(), [{"event_id": event_id, "kind": k, "name": n, "version": v} for k, n, v in named])
    engine.dispose()


def first_collector_counts(url: str, since: datetime) -> dict:
    """What the first collector's report counted since a time, by GROUP BY over its raw tables."""
    engine = engine_for(url)
    recent = events.c.occurred_at >= since.replace(tzinfo=None)
    with engine.connect() as connection:
        total, sessions = connection.execute(select(func.count(), func.count(func.distinct(events.c.session_id))).where(recent)).one()
        commands = connection.execute(select(events.c.product, events.c.command, func.count()).where(recent).group_by(events.c.product, events.c.command)).all()
        named = connection.execute(
            select(items.c.kind, items.c.name, items.c.version, func.count())
            .join(events, events.c.event_id == items.c.event_id)
            .where(recent)
            .group_by(items.c.kind, items.c.name, items.c.version)
        ).all()
    engine.dispose()
    return {"events": total, "sessions": sessions, "commands": {(p, c): n for p, c, n in commands}, "named": {(k, n, v): c for k, n, v, c in named}}
