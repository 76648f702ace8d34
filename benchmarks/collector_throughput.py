"""The collector under load: events posted by concurrent clients on loopback, one a request or in batches.

    .venv/bin/python benchmarks/collector_throughput.py [--events 20000] [--clients 8] [--batch 1]
        [--database sqlite|postgresql|both] [--writer threads|async-driver|both]
        [--baseline DIR] [--rounds N] [--ingest-token]

The collector runs as `chefwrap collector serve` (its own process; --writer threads, the collector as
shipped), or, for comparison, the same application with an async driver instead of the writer threads
(--writer async-driver: SQLAlchemy's asyncio engine over aiosqlite or psycopg's async connections, one
transaction a request, nothing off the event loop; `pip install aiosqlite greenlet` for it). Fresh SQLite
file or fresh database on a temporary PostgreSQL server each run. Each client is a process posting its
share over one kept-alive connection; every event has its own event_id, sessions of 20 events.
Reported: events per second over the whole run, request latency p50 and p99, the events stored (as
the report counts them, today's raw events with the threshold off), and the CPU time the collector (and PostgreSQL's processes,
and the clients) spent a 1,000 events: the figures the machine's other load does not change much.

--baseline DIR runs, in turn with this code, the collector of another checkout (`git worktree add DIR
COMMIT`, or `git archive COMMIT | tar -x -C DIR`), --rounds times, alternating which goes first, on a
fresh database each run; then the medians of each side. So both meet the same load.

--ingest-token: this code's collector requires an ingest token (`--ingest-tokens`), which every request
carries (the baseline's, without the option, takes the header unread): what checking it costs.
"""

import argparse
import asyncio
import http.client
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from chefwrap.shim import event, sanitizer  # noqa: E402

COMMANDS = [
    ("knife", ["node", "show", "web1", "-F", "json"]),
    ("knife", ["bootstrap", "10.0.0.5", "-x", "admin", "-P", "secret"]),
    ("kitchen", ["converge", "default", "-l", "debug"]),
    ("chef", ["generate", "cookbook", "x", "-m", "a@b.c"]),
]


def bodies_for(count: int, batch: int) -> list:
    events, session = [], None
    for number in range(count):
        if number % 20 == 0:
            session = event.new_uuid()
        tool, argv = COMMANDS[number % len(COMMANDS)]
        events.append(event.to_json(event.build(sanitizer.sanitize(tool, argv), number % 3, 1000.0, session, {})))
    if batch == 1:
        return [text.encode() for text in events]
    return [("[" + ",".join(events[start : start + batch]) + "]").encode() for start in range(0, count, batch)]


TOKEN = "benchmark-token-0123456789abcdef"
TOKEN_FILE = Path(tempfile.gettempdir()) / f"chefwrap-bench-ingest-tokens-{os.getpid()}"  # removed at the end


def client(arguments):
    """(request latencies in ms, CPU seconds this client spent)."""
    port, bodies = arguments
    cpu = time.process_time()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    latencies = []
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"}
    for body in bodies:
        started = time.perf_counter()
        connection.request("POST", "/events", body, headers)
        response = connection.getresponse()
        response.read()
        if response.status not in (200, 201):
            raise RuntimeError(f"HTTP {response.status}")
        latencies.append((time.perf_counter() - started) * 1000)
    connection.close()
    return latencies, time.process_time() - cpu


def start_collector(database: str, writer: str, code: Path = REPO, token: bool = False):
    """The collector of the checkout `code` (this one by default) on a free loopback port; `token`: it
    requires TOKEN."""
    if writer == "threads":
        argv = [sys.executable, "-m", "chefwrap", "collector", "serve", "--port", "0", "--database", database]
        if (code / "chefwrap" / "collector" / "threshold.py").exists():  # today's events in the report: the threshold off
            argv += ["--min-sessions", "1"]
        if token:
            TOKEN_FILE.write_text(TOKEN + "\n")
            argv += ["--ingest-tokens", str(TOKEN_FILE)]
    else:
        argv = [sys.executable, __file__, "--serve-with-async-driver", database]
    process = subprocess.Popen(argv, stderr=subprocess.PIPE, text=True, cwd=code, env={**os.environ, "PYTHONPATH": str(code)})
    line = process.stderr.readline()
    while line and "listening on" not in line:
        line = process.stderr.readline()
    if "listening on" not in line:
        raise RuntimeError(f"the collector did not start: {line}{process.stderr.read()}")
    return process, int(line.split("http://")[1].split()[0].rsplit(":", 1)[1])


def cpu_seconds(processes) -> float:
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


def run(name: str, database: str, args, writer: str, database_processes=lambda: [], code: Path = REPO, label: str = "") -> dict:
    process, port = start_collector(database, writer, code, token=args.ingest_token and code == REPO and writer == "threads")
    try:
        per_client = args.events // args.clients
        work = [(port, bodies_for(per_client, args.batch)) for _ in range(args.clients)]
        server = [psutil.Process(process.pid)]
        with multiprocessing.Pool(args.clients) as pool:
            before = cpu_seconds(server), cpu_seconds(database_processes())
            started = time.perf_counter()
            results = pool.map(client, work)
            elapsed = time.perf_counter() - started
            used = cpu_seconds(server) - before[0], cpu_seconds(database_processes()) - before[1]
        latencies = sorted(latency for result, _ in results for latency in result)
        clients_cpu = sum(cpu for _, cpu in results)
        connection = http.client.HTTPConnection("127.0.0.1", port)
        connection.request("GET", "/report?days=1&format=json")
        stored = json.loads(connection.getresponse().read())["events"]
    finally:
        process.terminate()
        process.wait(timeout=60)
    count = per_client * args.clients
    figures = {
        "events/s": count / elapsed,
        "p50 ms": latencies[len(latencies) // 2],
        "p99 ms": latencies[int(len(latencies) * 0.99)],
        "collector ms": used[0] / count * 1e6,
        "PostgreSQL ms": used[1] / count * 1e6,
        "clients ms": clients_cpu / count * 1e6,
    }
    print(f"{name:<11} {writer:<13} {label}{count} events, {args.clients} clients, {args.batch} a request: {describe(figures)}; {stored} stored", flush=True)
    if stored != count:
        raise RuntimeError(f"{count} events posted, {stored} counted")
    return figures


def describe(figures: dict) -> str:
    return (
        f"{figures['events/s']:,.0f} events/s, latency p50 {figures['p50 ms']:.2f} ms, p99 {figures['p99 ms']:.2f} ms; "
        f"CPU a 1,000 events: collector {figures['collector ms']:.0f} ms"
        + (f", PostgreSQL {figures['PostgreSQL ms']:.0f} ms" if figures["PostgreSQL ms"] else "")
        + f", clients {figures['clients ms']:.0f} ms"
    )


class AsyncDriverWriter:
    """For comparison only: each request's events in its own transaction on an async driver, on the loop."""

    def __init__(self, store):
        from sqlalchemy import event as sqlalchemy_event
        from sqlalchemy.ext.asyncio import create_async_engine

        from chefwrap.collector.store import begin_sqlite, tune_sqlite

        self.store = store
        url = store.url.replace("sqlite://", "sqlite+aiosqlite://").replace("postgresql+psycopg://", "postgresql+psycopg_async://")
        self.engine = create_async_engine(url, pool_size=8)
        if store.sqlite:
            sqlalchemy_event.listen(self.engine.sync_engine, "connect", tune_sqlite)
            sqlalchemy_event.listen(self.engine.sync_engine, "begin", begin_sqlite)

    def start(self):
        pass

    def stop(self):
        pass

    async def add(self, received):
        accepted, rows = self.store.prepare(received)
        if rows:
            async with self.engine.connect() as connection:
                await connection.execution_options(sqlite_immediate=True)
                async with connection.begin():
                    inserted = await connection.run_sync(self.store.write, rows)
            for index, row, _ in rows:
                accepted[index] = row["event_id"] in inserted
        return accepted


def serve_with_async_driver(database: str) -> None:
    import socket

    import uvicorn

    from chefwrap.collector import schema_upgrade
    from chefwrap.collector.app import create_app
    from chefwrap.collector.store import Store

    store = Store(database)
    schema_upgrade.upgrade(store)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.bind(("127.0.0.1", 0))
    listener.listen(2048)
    config = uvicorn.Config(create_app(store, writer=AsyncDriverWriter(store), min_sessions=1), log_level="warning", access_log=False)
    print(f"listening on http://127.0.0.1:{listener.getsockname()[1]}", file=sys.stderr, flush=True)
    asyncio.run(uvicorn.Server(config).serve(sockets=[listener]))


def postgres_processes(pid: int):
    """The PostgreSQL server and its back ends, whenever asked (back ends come and go)."""
    return lambda: [psutil.Process(pid), *psutil.Process(pid).children()]


def main():
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--events", type=int, default=20_000)
    options.add_argument("--clients", type=int, default=8)
    options.add_argument("--batch", type=int, default=1, help="events a request (1 to 1000)")
    options.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    options.add_argument("--writer", choices=("threads", "async-driver", "both"), default="threads")
    options.add_argument("--baseline", metavar="DIR", help="another checkout whose collector runs in turn with this one")
    options.add_argument("--rounds", type=int, default=1, help="runs of each side (with --baseline: alternating)")
    options.add_argument("--ingest-token", action="store_true", help="this code's collector requires an ingest token")
    options.add_argument("--serve-with-async-driver", metavar="DATABASE", help=argparse.SUPPRESS)
    args = options.parse_args()
    if args.serve_with_async_driver:
        return serve_with_async_driver(args.serve_with_async_driver)
    writers = ("threads", "async-driver") if args.writer == "both" else (args.writer,)
    sides = [("this code", REPO)] + ([("baseline", Path(args.baseline).resolve())] if args.baseline else [])
    databases = [name for name in ("sqlite", "postgresql") if args.database in (name, "both")]
    server = None
    if "postgresql" in databases:
        from support.postgres import Server

        server = Server()
    try:
        for writer in writers:
            for database in databases:
                found = {label: [] for label, _ in sides}
                for round_ in range(args.rounds):
                    for label, code in sides if round_ % 2 == 0 else sides[::-1]:
                        found[label].append(run_on(database, args, writer, code, f"{label + ': ' if len(sides) > 1 else ''}", server, round_))
                if args.rounds > 1:
                    for label, runs in found.items():
                        medians = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
                        print(f"  median of {len(runs)}, {database}, {writer}, {label}: {describe(medians)}", flush=True)
    finally:
        TOKEN_FILE.unlink(missing_ok=True)
        if server is not None:
            server.stop()


def run_on(database: str, args, writer: str, code: Path, label: str, server, round_: int) -> dict:
    if database == "sqlite":
        with tempfile.TemporaryDirectory(prefix="chefwrap-bench-") as folder:
            return run("SQLite", str(Path(folder) / "collector.sqlite3"), args, writer, code=code, label=label)
    name = f"bench_{writer.replace('-', '_')}_{round_}_{'base' if code != REPO else 'this'}"
    return run("PostgreSQL", server.new_database(name), args, writer, postgres_processes(server.process.pid), code, label)


if __name__ == "__main__":
    main()
