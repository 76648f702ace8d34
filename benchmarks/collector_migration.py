"""How long upgrading a first-collector database takes: 1 million events in the schema before migrations.

    .venv/bin/python benchmarks/collector_migration.py [--events 1000000] [--database sqlite|postgresql|both] [--check]

The database is filled straight (bulk insert) in the first collector's shape (tests/legacy_collector.py:
events with its JSON as that collector stored it, and event_items), from benchmarks/collector_data.py's
events; then `chefwrap collector migrate --database ...` runs in its own process and is timed: the
schema change, every event carried over and every aggregate back-filled. --check then compares the
events and, in full, the aggregates with a recomputation from the raw events.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "benchmarks")]

import collector_data  # noqa: E402
import legacy_collector  # noqa: E402
import msgspec  # noqa: E402

OLD_PROPERTIES = ("command", "options", "exit_code", "duration_ms", "timestamp", "os", "arch", "ci")


def old_json(template, session_id, event_id, stamp) -> str:
    """The event as the first collector stored it: every property key present, the context as sent."""
    stored = msgspec.to_builtins(template)
    properties = stored["payload"]["properties"]
    stored.update(session_id=session_id, event_id=event_id, timestamp=stamp)
    old = {key: properties.get(key, [] if key == "options" else None) for key in OLD_PROPERTIES}
    old.update({key: properties[key] for key in ("cookbooks", "kitchen", "versions") if key in properties})
    stored["payload"] = {"event": stored["payload"]["event"], "properties": old}
    return json.dumps(stored, separators=(",", ":"))


def items_of(event_id, template) -> list:
    properties = template.payload.properties
    named = [(event_id, "option", option, None) for option in properties.options]
    if properties.cookbooks:
        named += [(event_id, "cookbook", book.name, book.version) for book in properties.cookbooks.public]
    if properties.kitchen:
        kitchen = properties.kitchen
        named += [(event_id, f"kitchen-{kind}", getattr(kitchen, kind), None) for kind in ("driver", "provisioner", "verifier", "transport") if getattr(kitchen, kind)]
        named += [(event_id, "platform", platform, None) for platform in kitchen.platforms]
    named += [(event_id, "tool-version", tool, version) for tool, version in (properties.versions or {}).items()]
    return named


def fill_like_the_first_collector(url: str, total: int) -> None:
    engine = legacy_collector.engine_for(url)
    legacy_collector.metadata.create_all(engine)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    columns = [column.name for column in legacy_collector.events.columns]
    with engine.begin() as connection:
        raw = connection.connection
        postgresql = connection.dialect.name == "postgresql"
        events, items = [], []

        def flush():
            cursor = raw.cursor()
            if postgresql:
                with cursor.copy(f"COPY events ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in events:
                        copy.write_row(row)
                with cursor.copy("COPY event_items (event_id, kind, name, version) FROM STDIN") as copy:
                    for row in items:
                        copy.write_row(row)
            else:
                as_text = [(*row[:10], row[10].isoformat(" ", "microseconds"), row[11].isoformat(" ", "microseconds"), row[12]) for row in events]
                cursor.executemany(f"INSERT INTO events ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", as_text)
                cursor.executemany("INSERT INTO event_items (event_id, kind, name, version) VALUES (?, ?, ?, ?)", items)
            events.clear()
            items.clear()

        for session_id, made in collector_data.sessions(total, now.date()):
            for event_id, moment, template in made:
                properties = template.payload.properties
                stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
                events.append(
                    (
                        event_id,
                        session_id,
                        template.product,
                        template.product_version,
                        properties.command,
                        properties.exit_code,
                        properties.duration_ms,
                        properties.os,
                        properties.arch,
                        properties.ci,
                        moment,
                        now,
                        old_json(template, session_id, event_id, stamp),
                    )
                )
                items += items_of(event_id, template)
            if len(events) >= 50_000:
                flush()
        flush()
    engine.dispose()


def run(name: str, url: str, args) -> None:
    started = time.perf_counter()
    fill_like_the_first_collector(url, args.events)
    print(f"{name}: {args.events:,} events in the first collector's schema, filled in {time.perf_counter() - started:.0f} s", flush=True)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "chefwrap", "collector", "migrate", "--database", url], capture_output=True, text=True, cwd=REPO)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    print(f"{name:<11} migrate: {elapsed:.1f} s for {args.events:,} events ({args.events / elapsed:,.0f} events/s): {done.stdout.strip()}", flush=True)
    if args.check:
        from support.collector_world import aggregates_and_recomputation, raw_events

        stored, recomputed = aggregates_and_recomputation(url)
        print(f"{name:<11} check: {len(raw_events(url)):,} events after the upgrade; aggregates equal a recomputation: {stored == recomputed}", flush=True)


def main():
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--events", type=int, default=1_000_000)
    options.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    options.add_argument("--check", action="store_true")
    args = options.parse_args()
    if args.database in ("sqlite", "both"):
        with tempfile.TemporaryDirectory(prefix="chefwrap-migration-") as folder:
            run("SQLite", os.path.join(folder, "first.sqlite3"), args)
    if args.database in ("postgresql", "both"):
        from support.postgres import Server

        server = Server()
        try:
            run("PostgreSQL", server.new_database("first"), args)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
