"""A realistic year of a large organisation's knife, kitchen and chef, for the collector's benchmarks.

The shape issue 23 tried as a product owner, at any volume: sessions of people (weekdays more than
weekends, growing over the year) and of CI jobs (30 %, every day alike); three operating systems and
two architectures; commands in a Zipf-like ranking, some rising and some falling over the year, and a
long tail of 90 rarely used knife commands that a few sessions a day use (fewer than K on a day, many
more over a window); `knife ssh` failing more and more (8 % to 21 %); options drawn from each command's
own table, short spellings more than long ones, and a few deprecated ones; each tool's versions rolling
out on S-curves; kitchen runs with community cookbooks and their versions, drivers and platforms; and
three days with no events at all (the collector down).

    .venv/bin/python benchmarks/collector_data.py --folder /work/bench-data --events 10000000

writes the events and their items once, as msgpack chunks in --folder (about 1 KB an event), for
benchmarks/collector_dashboard.py to load in bulk (no HTTP) into SQLite or PostgreSQL and build with the
collector's own code (`load`). Every event is what ingest would store: built by the shim's sanitizer
and event code, validated and narrowed by the collector's, its items from chefwrap.collector.store.items.
"""

import argparse
import math
import random
import sys
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import msgspec

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from chefwrap.collector import schema_upgrade, validation  # noqa: E402
from chefwrap.collector.store import EVENT_COLUMNS, Store, items  # noqa: E402
from chefwrap.shim import event, sanitizer  # noqa: E402
from chefwrap.shim.grammars import chef, kitchen, knife  # noqa: E402

DAYS = 365
CHUNK = 200_000  # events a file
OUTAGES = (97, 98, 243)  # days (from the first) with no event at all
COOKBOOKS = ["apt", "nginx", "docker", "java", "mysql", "postgresql", "yum", "git", "sudo", "users", "ntp", "openssh", "windows", "iis", "line", "ark",
             "build-essential", "selinux", "firewall", "chocolatey", "audit", "os-hardening", "tomcat", "haproxy", "redisio", "nodejs", "python", "ruby_build",
             "logrotate", "cron", "hostsfile", "chef-client", "chef_handler", "seven_zip", "homebrew", "resolver", "timezone_iii", "sysctl", "ulimit", "zipfile"]
PLATFORMS = ["ubuntu-22.04", "ubuntu-20.04", "ubuntu-24.04", "debian-12", "almalinux-9", "rockylinux-9", "centos-7", "amazonlinux-2023", "windows-2022",
             "opensuse-leap-15", "fedora-40", "oraclelinux-8"]
DRIVERS = [("dokken", 5), ("vagrant", 3), ("ec2", 2), ("azurerm", 1), ("vcenter", 0.3)]
# Each tool's versions: (version, day its rollout is halfway, days the rollout takes)
ROLLOUTS = {
    "knife": [("18.2.7", -400, 60), ("18.4.2", -60, 60), ("18.5.0", 120, 50), ("18.6.1", 270, 40)],
    "kitchen": [("3.5.1", -300, 60), ("3.6.0", -30, 60), ("3.7.0", 150, 45), ("3.7.2", 300, 30)],
    "chef-cli": [("5.6.1", -300, 60), ("5.6.14", -20, 60), ("6.0.4", 200, 70)],
    "workstation": [("24.2.1058", -100, 60), ("24.8.1068", 90, 60), ("25.2.1075", 250, 60)],
}
# The most used commands: (tool, words, weight, trend over the year, failure rate)
TOP = [
    ("knife", "node list", 100, 0.0, 0.02), ("knife", "node show", 80, 0.1, 0.03), ("knife", "ssh", 60, 0.0, None), ("knife", "bootstrap", 45, 0.3, 0.09),
    ("knife", "cookbook upload", 40, -0.3, 0.05), ("knife", "search", 38, 0.0, 0.04), ("knife", "role show", 20, -0.2, 0.02), ("knife", "environment show", 18, 0.0, 0.02),
    ("knife", "data bag show", 16, 0.0, 0.03), ("knife", "vault show", 14, 0.2, 0.06), ("knife", "status", 13, -0.5, 0.01), ("knife", "supermarket download", 8, 1.5, 0.04),
    ("knife", "cookbook show", 9, -0.4, 0.02), ("knife", "exec", 5, 0.0, 0.15), ("knife", "node run_list add", 7, 0.0, 0.03), ("knife", "client list", 6, 0.0, 0.01),
    ("knife", "ec2 server create", 4, 0.8, 0.12), ("knife", "vsphere vm clone", 3, -0.6, 0.1), ("knife", "cookbook list", 7, 0.0, 0.01), ("knife", "user list", 3, 0.0, 0.01),
    ("kitchen", "converge", 90, 0.1, 0.12), ("kitchen", "test", 60, 0.3, 0.1), ("kitchen", "verify", 45, 0.0, 0.08), ("kitchen", "list", 40, 0.0, 0.0),
    ("kitchen", "destroy", 35, 0.0, 0.02), ("kitchen", "create", 20, 0.0, 0.05), ("kitchen", "login", 8, 0.0, 0.01), ("kitchen", "exec", 4, 0.0, 0.05),
    ("chef", "generate cookbook", 20, 0.0, 0.01), ("chef", "install", 30, 0.2, 0.06), ("chef", "update", 15, 0.0, 0.05), ("chef", "push", 25, 0.4, 0.07),
    ("chef", "export", 6, 0.0, 0.03), ("chef", "generate recipe", 8, 0.0, 0.01), ("chef", "exec", 10, -0.2, 0.04),
]
GRAMMARS = {"knife": knife.GRAMMAR, "kitchen": kitchen.GRAMMAR, "chef": chef.GRAMMAR}
OWN = {"knife": "knife", "kitchen": "kitchen", "chef": "chef-cli"}


def rollout(day: int, versions: list, rng) -> str:
    """A version of a tool on a day: each newer one taken up along an S-curve centred on its day."""
    chosen = versions[0][0]
    for version, middle, length in versions[1:]:
        if rng.random() < 1 / (1 + math.exp(-(day - middle) / (length / 8))):
            chosen = version
    return chosen


class Command:
    """One command: how it is typed (its options, short spellings first) and how often it fails."""

    def __init__(self, tool, words, weight, trend, failures, rng):
        self.tool, self.words, self.weight, self.trend, self.failures = tool, words, weight, trend, failures
        table = self._table()
        longs = sorted(name for name in table if name.startswith("--") and not name.startswith(("--no-", "--skip-")))
        popular = rng.sample(longs, min(len(longs), rng.randint(2, 8)))
        self.options = [(name, rng.random() ** 2, [short for short, kind in table.items() if len(short) == 2 and kind == table[name]][:1]) for name in popular]

    def _table(self) -> dict:
        grammar = GRAMMARS[self.tool]
        chain, scope = [], self.words
        while scope and scope not in chain:
            chain.append(scope)
            scope = grammar["bases"].get(scope)
        table = dict(grammar["options"][""])
        for scope in reversed(chain):
            table.update(grammar["options"].get(scope, {}))
        return table

    def argv(self, rng) -> list:
        argv = self.words.split() + ["thing"]
        for name, chance, short in self.options:
            if rng.random() < chance:
                spelling = short[0] if short and rng.random() < 0.85 else name
                argv += [spelling, "value"]
        return argv


def commands(rng) -> list:
    chosen = [Command(*top, rng) for top in TOP]
    taken = {(command.tool, command.words) for command in chosen}
    tail = [words for words in knife.GRAMMAR["commands"] if ("knife", words) not in taken]
    return chosen + [Command("knife", words, 0, 0.0, 0.03, rng) for words in rng.sample(tail, 90)]


def kitchen_context(day: int, rng) -> dict:
    books = rng.sample(COOKBOOKS[:25], rng.randint(2, 6)) + ([rng.choice(COOKBOOKS[25:])] if rng.random() < 0.2 else [])
    versions = {"kitchen": rollout(day, ROLLOUTS["kitchen"], rng), "chef-cli": rollout(day, ROLLOUTS["chef-cli"], rng), "workstation": rollout(day, ROLLOUTS["workstation"], rng)}
    return {
        "cookbooks": {"source": "policyfile", "public": [{"name": book, "version": f"{1 + sum(map(ord, book)) % 12}.{rng.choice((0, 1, 1, 2, 2, 2))}.0"} for book in books],
                      "other": rng.choice((0, 0, 1, 2, 3))},
        "kitchen": {"driver": rng.choices([name for name, _ in DRIVERS], [weight for _, weight in DRIVERS])[0], "provisioner": "chef_infra", "verifier": "inspec",
                    "transport": "ssh", "platforms": rng.sample(PLATFORMS[:8], rng.randint(1, 3)) + ([rng.choice(PLATFORMS[8:])] if rng.random() < 0.1 else []),
                    "other_plugins": 0, "other_platforms": rng.choice((0, 0, 0, 1))},
        "versions": versions,
    }


def sessions(total: int, today: date, seed: int = 23):
    """Yield (session_id, [(event_id, occurred_at, StoredEvent)]) until about `total` events, over the DAYS days before `today`."""
    rng = random.Random(seed)
    every = commands(rng)
    top = [command for command in every if command.weight]
    tail = [command for command in every if not command.weight]
    first = today - timedelta(days=DAYS)
    scale = total / 953_781
    per_day = total / (DAYS - len(OUTAGES)) / 11.45  # sessions of 11.45 events on average
    for offset in range(DAYS):
        day = first + timedelta(days=offset)
        if offset in OUTAGES:
            continue
        growth = 0.85 + 0.3 * offset / DAYS
        people = per_day * 0.7 * growth * (1.0 if day.weekday() < 5 else 0.3) * 1.25
        for number in range(int(people + per_day * 0.3 * growth)):
            yield _session(rng, day, offset, number >= int(people), top)
        for command in tail:  # a few sessions a day: 75 to 96 a year at the scale
            rate = scale * rng.uniform(75, 96) / DAYS
            for _ in range(int(rate) + (rng.random() < rate - int(rate))):
                yield _session(rng, day, offset, False, [command], size=1)


def _session(rng, day, offset, ci, pool, size=None):
    session_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    system = ("linux", "x86_64") if ci and rng.random() < 0.85 else ("windows", "x86_64") if ci else rng.choices(
        [("linux", "x86_64"), ("linux", "arm64"), ("macos", "arm64"), ("macos", "x86_64"), ("windows", "x86_64")], [38, 7, 28, 12, 15])[0]
    tool = rng.choices(("knife", "kitchen", "chef"), (6, 3, 1.5))[0] if size is None else pool[0].tool
    mine = [command for command in pool if command.tool == tool]
    weights = [(command.weight or 1) * (1 + command.trend * offset / DAYS) for command in mine]
    size = size or max(1, min(60, int(rng.expovariate(1 / 11)) + 1))
    start = datetime.combine(day, datetime.min.time()) + timedelta(seconds=rng.uniform(0, 86400) if ci else rng.gauss(50000, 12000) % 86400)
    made, moment = [], start
    for command in rng.choices(mine, weights, k=size):
        failures = command.failures if command.failures is not None else 0.083 + (0.214 - 0.083) * offset / DAYS  # knife ssh, worse every day
        context = kitchen_context(offset, rng) if tool == "kitchen" and command.words in ("converge", "test", "verify", "create") else {
            "versions": {OWN[tool]: rollout(offset, ROLLOUTS[OWN[tool]], rng), "workstation": rollout(offset, ROLLOUTS["workstation"], rng)}}
        built = event.build(sanitizer.sanitize(tool, command.argv(rng)), int(rng.random() < failures), rng.uniform(300, 90000), session_id, {},
                            now=moment.replace(tzinfo=timezone.utc).timestamp(), context=context)
        built["payload"]["properties"].update(os=system[0], arch=system[1], ci=ci)
        (received,) = validation.events_in(msgspec.json.encode(built), now=datetime.combine(day, datetime.min.time()) + timedelta(days=1))
        made.append((str(uuid.UUID(int=rng.getrandbits(128), version=4)), received.occurred_at, received.stored))
        moment += timedelta(seconds=rng.uniform(5, 400))
    return session_id, made


def generate(folder: Path, total: int, today: date, say=print) -> None:
    """Write the events (rows in EVENT_COLUMNS order) and their items into msgpack chunks in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    received_at = datetime.combine(today, datetime.min.time()).isoformat(" ")
    started, number, rows, item_rows, written = time.perf_counter(), 0, [], [], 0
    for session_id, made in sessions(total, today):
        for event_id, moment, stored in made:
            stored = msgspec.structs.replace(stored, event_id=event_id)
            properties = stored.payload.properties
            rows.append([event_id, session_id, moment.date().isoformat(), stored.payload.event, stored.product, stored.product_version, properties.command,
                         properties.exit_code, properties.duration_ms, properties.os, properties.arch, properties.ci, moment.isoformat(" "), received_at,
                         validation.encode(stored), None])
            item_rows += [(event_id, rows[-1][2], *item) for item in items(stored)]
        if len(rows) >= CHUNK:
            number, written = _flush(folder, number, rows, item_rows, written), written + len(rows)
            rows, item_rows = [], []
            say(f"  {written:,} events generated in {time.perf_counter() - started:.0f} s")
    _flush(folder, number, rows, item_rows, written)
    (folder / "today").write_text(today.isoformat())


def _flush(folder, number, rows, item_rows, written) -> int:
    (folder / f"chunk-{number:04d}.msgpack").write_bytes(msgspec.msgpack.encode({"events": rows, "items": item_rows}))
    return number + 1


def load(url: str, folder: Path, say=print) -> dict:
    """A database at `url` in the collector's schema holding the generated events, every day built by
    the collector's own code (Store.build); returns figures."""
    today = date.fromisoformat((folder / "today").read_text())
    store = Store(url)
    started = time.perf_counter()
    try:
        schema_upgrade.upgrade(store)
        counts, loaded, postgresql = {}, 0, store.dialect == "postgresql"
        for path in sorted(folder.glob("chunk-*.msgpack")):  # a transaction a chunk: the write-ahead log stays small
            chunk = msgspec.msgpack.decode(path.read_bytes())
            with store.writing() as connection, connection.begin():
                cursor = connection.connection.cursor()
                for row in chunk["events"]:
                    counts[row[2]] = counts.get(row[2], 0) + 1
                if postgresql:
                    for table, columns, rows in (("events", EVENT_COLUMNS, chunk["events"]), ("event_items", ("event_id", "day", "kind", "name", "detail"), chunk["items"])):
                        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                            for row in rows:
                                copy.write_row(row)
                else:
                    cursor.execute("PRAGMA cache_size=-2000000")  # 2 GB: the indexes stay in memory
                    cursor.executemany(f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) VALUES ({', '.join('?' * len(EVENT_COLUMNS))})", chunk["events"])
                    cursor.executemany("INSERT INTO event_items (event_id, day, kind, name, detail) VALUES (?, ?, ?, ?, ?)", chunk["items"])
            loaded += len(chunk["events"])
            say(f"  {loaded:,} events loaded in {time.perf_counter() - started:.0f} s")
        with store.writing() as connection, connection.begin():
            marks = "%s, %s" if postgresql else "?, ?"
            connection.connection.cursor().executemany(f"INSERT INTO days (day, events) VALUES ({marks})", sorted(counts.items()))
        with store.engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
            connection.commit()
        loading = time.perf_counter() - started
        built = store.build(today)
        say(f"  {built} days built in {time.perf_counter() - started - loading:.0f} s")
        return {"events": loaded, "load seconds": loading, "build seconds": time.perf_counter() - started - loading, "today": today}
    finally:
        store.close()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", required=True, type=Path, help="where the generated events go (about 1 KB an event)")
    parser.add_argument("--events", type=int, default=10_000_000)
    args = parser.parse_args(argv)
    generate(args.folder, args.events, datetime.now(timezone.utc).date(), say=lambda line: print(line, flush=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
