"""Synthetic collector data at volume, written straight into a database (no HTTP), for the benchmarks.

Events are built the way the shim builds them (sanitizer, event.build, the collector's validation) from
a pool of templates: every command of knife, kitchen and chef with a few of its own options, kitchen
runs with drivers, platforms and community cookbooks, tool and product versions, some failures.
Templates are drawn with a Zipf-like weight, sessions of 1 to 39 events over a day (some across
midnight), spread evenly over the last 365 days. Aggregates are computed by the collector's own
chefwrap.collector.aggregates.session_contribution, session by session, and written with its `apply`:
the same code the back-fill migration uses.
"""

import itertools
import random
import sys
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import msgspec

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from chefwrap.collector import aggregates, schema_upgrade, validation  # noqa: E402
from chefwrap.collector.store import EVENT_COLUMNS, Store, apply  # noqa: E402
from chefwrap.collector.tables import aggregates as aggregate_tables  # noqa: E402
from chefwrap.shim import event, sanitizer  # noqa: E402
from chefwrap.shim.grammars import chef, kitchen, knife  # noqa: E402

COOKBOOKS = ["apt", "nginx", "docker", "java", "mysql", "postgresql", "yum", "git", "sudo", "users", "ntp", "openssh", "windows", "iis", "line", "ark", "build-essential", "selinux", "firewall", "chocolatey", "audit", "os-hardening", "tomcat", "haproxy", "redisio", "nodejs", "python", "ruby_build", "logrotate", "cron"]
PLATFORMS = ["ubuntu-22.04", "ubuntu-20.04", "ubuntu-24.04", "debian-12", "almalinux-9", "rockylinux-9", "centos-7", "amazonlinux-2023", "windows-2022", "opensuse-leap-15", "fedora-40", "oraclelinux-8"]
DRIVERS = ["vagrant", "dokken", "docker", "ec2", "azurerm", "vcenter"]
VERSIONS = {"knife": ["18.4.2", "18.2.7", "17.10.3"], "kitchen": ["3.6.0", "3.5.1"], "chef": ["5.6.14", "5.6.1"]}


def options_of(grammar, command: str) -> list:
    """A few option spellings that command accepts (its own scope first), with a value where one is taken."""
    scopes = dict(grammar["options"])
    found = []
    for scope in (command, ""):
        for name, kind in list(scopes.get(scope, {}).items())[:6]:
            found.append([name] if kind in ("switch", "optional") else [name, "VALUE"])
    return found


def templates(rng: random.Random) -> list:
    """StoredEvent templates (a session id, an event id and times are set per event)."""
    built = []
    for module in (knife, kitchen, chef):
        grammar = module.GRAMMAR
        tool = grammar["tool"]
        for command in grammar["commands"]:
            choices = options_of(grammar, command)
            for variant in range(3):
                argv = command.split() + ["word"]
                for option in rng.sample(choices, min(len(choices), variant)):
                    argv += option
                context = None
                if tool == "kitchen" and variant:
                    context = {
                        "cookbooks": {"source": "policyfile", "public": [{"name": book, "version": f"{rng.randint(1, 12)}.{rng.randint(0, 9)}.0"} for book in rng.sample(COOKBOOKS, 3)], "other": rng.randint(0, 4)},
                        "kitchen": {"driver": rng.choice(DRIVERS), "provisioner": "chef_infra", "verifier": "inspec", "transport": "ssh", "platforms": rng.sample(PLATFORMS, 2), "other_plugins": 0, "other_platforms": rng.randint(0, 2)},
                        "versions": {"kitchen": rng.choice(VERSIONS["kitchen"]), "chef-cli": rng.choice(VERSIONS["chef"])},
                    }
                sanitized = sanitizer.sanitize(tool, argv, sanitizer.known_plugins(tool))  # a Workstation: every plugin
                for exit_code in (0, 1):
                    sent = event.build(sanitized, exit_code, 1234.0, event.new_uuid(), {}, product_version=rng.choice(VERSIONS[tool]), context=context)
                    (received,) = validation.events_in(event.to_json(sent).encode())
                    built.append(received.stored)
    rng.shuffle(built)
    return built


def weights(count: int) -> list:
    return [1.0 / (rank + 1) ** 0.8 for rank in range(count)]


def sessions(total: int, today: date, seed: int = 14):
    """Yield (session_id, [(event_id, occurred_at, template)]) until `total` events."""
    rng = random.Random(seed)
    pool = templates(rng)
    cumulative = list(itertools.accumulate(weights(len(pool))))
    made = 0
    while made < total:
        size = min(rng.randint(1, 39), total - made)
        start = datetime.combine(today - timedelta(days=rng.randrange(365)), datetime.min.time()) + timedelta(seconds=rng.random() * 86400)
        moments, offset = [], 0.0
        for _ in range(size):
            moments.append(start + timedelta(seconds=offset))
            offset += rng.uniform(5, 300)
        chosen = rng.choices(pool, cum_weights=cumulative, k=size)
        yield str(uuid.UUID(int=rng.getrandbits(128), version=4)), [(str(uuid.UUID(int=rng.getrandbits(128), version=4)), moment, template) for moment, template in zip(moments, chosen)]
        made += size


def rows_of(session_id: str, made: list, received_at: datetime):
    """The events table's rows (as tuples in EVENT_COLUMNS order) and {day: [template]} for the aggregates."""
    rows, by_day = [], {}
    for event_id, moment, template in made:
        stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        stored = msgspec.structs.replace(template, session_id=session_id, event_id=event_id, timestamp=stamp)
        properties = template.payload.properties
        rows.append(
            (
                event_id,
                session_id,
                moment.date(),
                template.payload.event,
                template.product,
                template.product_version,
                properties.command,
                properties.exit_code,
                properties.duration_ms,
                properties.os,
                properties.arch,
                properties.ci,
                moment,
                received_at,
                validation.encode(stored),
            )
        )
        by_day.setdefault(moment.date(), []).append(template)
    return rows, by_day


def load(store, total: int, today: date = None, chunk: int = 50_000, say=print) -> dict:
    """Generate `total` events into the store's database (bulk) with their aggregates; returns figures."""
    today = today or datetime.now(timezone.utc).date()
    received_at = datetime.now(timezone.utc).replace(tzinfo=None)
    started = time.perf_counter()
    delta, pending, loaded = {}, [], 0
    with store.writing() as connection, connection.begin():
        writer = BulkWriter(connection)
        for session_id, made in sessions(total, today):
            rows, by_day = rows_of(session_id, made, received_at)
            pending += rows
            aggregates.session_contribution(by_day, delta)
            if len(pending) >= chunk:
                writer.write(pending)
                loaded += len(pending)
                pending = []
                if loaded % 1_000_000 < chunk:
                    say(f"  {loaded:,} events in {time.perf_counter() - started:.0f} s")
            if len(delta) >= 500_000:
                apply(connection, delta)
                delta = {}
        writer.write(pending)
        apply(connection, delta)
    writer.analyze(store)
    return {"events": total, "seconds": time.perf_counter() - started}


def fill(url: str, events: int) -> dict:
    """A database at `url` in the collector's schema, holding `events` generated events; returns figures."""
    store = Store(url)
    try:
        schema_upgrade.upgrade(store)
        figures = load(store, events, say=lambda line: print(line, flush=True))
        with store.engine.connect() as connection:
            figures["aggregate rows"] = sum(connection.exec_driver_sql(f"SELECT count(*) FROM {table.name}").scalar() for table in aggregate_tables.values())
    finally:
        store.close()
    return figures


class BulkWriter:
    """Rows into events: executemany on SQLite, COPY on PostgreSQL."""

    def __init__(self, connection):
        self.connection = connection
        self.raw = connection.connection
        self.postgresql = connection.dialect.name == "postgresql"
        if not self.postgresql:
            cursor = self.raw.cursor()
            cursor.execute("PRAGMA cache_size=-2000000")  # 2 GB: the primary key index stays in memory

    def write(self, rows: list) -> None:
        if not rows:
            return
        cursor = self.raw.cursor()
        if self.postgresql:
            with cursor.copy(f"COPY events ({', '.join(EVENT_COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(EVENT_COLUMNS))
            cursor.executemany(
                f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) VALUES ({marks})",
                [(*row[:2], row[2].isoformat(), *row[3:12], row[12].isoformat(" ", "microseconds"), row[13].isoformat(" ", "microseconds"), row[14]) for row in rows],
            )

    def analyze(self, store) -> None:
        with store.engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
            connection.commit()
