"""Storage a newcomer can read: events keep their items, and each day's aggregates are built from that
day's events (chefwrap.collector.store). The aggregate tables and the pending events older collectors
made go; every event stays; its items are read from its JSON, `days` counts the events of each day, and
every complete day is built, by the code at hand.

Revision ID: 0005
Revises: 0004
"""

from alembic import op
from sqlalchemy import func, insert, inspect, select

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None
OLD = ("totals", "commands", "versions", "options", "context", "unnamed", "sessions")


def upgrade():
    from chefwrap.collector import store, tables
    from chefwrap.collector.validation import decode

    connection = op.get_bind()
    held = set(inspect(connection).get_table_names())
    for name in ["pending_events", *(f"{period}_{name}" for name in OLD for period in ("daily", "monthly"))]:
        if name in held:
            op.drop_table(name)
    tables.metadata.create_all(connection, tables=[tables.event_items, tables.days, *tables.AGGREGATES])
    rows = []
    read = select(tables.events.c.event_id, tables.events.c.day, tables.events.c.event).execution_options(yield_per=10_000)
    for event_id, day, stored in connection.execute(read):
        rows += [dict(zip(("event_id", "day", "kind", "name", "detail"), (event_id, day, *item))) for item in store.items(decode(stored))]
        if len(rows) >= 50_000:
            connection.execute(insert(tables.event_items), rows)
            rows = []
    if rows:
        connection.execute(insert(tables.event_items), rows)
    events = tables.events.c
    connection.execute(insert(tables.days).from_select(["day", "events"], select(events.day, func.count()).group_by(events.day)))
    today = store.today_utc()
    for (day,) in connection.execute(select(tables.days.c.day).where(tables.days.c.day < today)).all():
        store.build_day(connection, day, today)
