"""The collector under load: 10,000 events posted by 8 concurrent clients on loopback.

    .venv/bin/python benchmarks/collector_throughput.py [--events 10000] [--clients 8] [--database sqlite|postgresql|both]

The collector runs as `chefwrap collector serve` (its own process), against a fresh SQLite file or a
fresh database on a temporary PostgreSQL server. Each client is a process posting its share of events
one per request over one kept-alive connection; every event has its own event_id. Reported: events
per second over the whole run, and the median and p99 request latency.
"""

import argparse
import http.client
import json
import multiprocessing
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from chefwrap.shim import event, sanitizer  # noqa: E402

COMMANDS = [
    ("knife", ["node", "show", "web1", "-F", "json"]),
    ("knife", ["bootstrap", "10.0.0.5", "-x", "admin", "-P", "secret"]),
    ("kitchen", ["converge", "default", "-l", "debug"]),
    ("chef", ["generate", "cookbook", "x", "-m", "a@b.c"]),
]


def events_for(client: int, count: int) -> list:
    bodies = []
    session = event.new_uuid()
    for number in range(count):
        tool, argv = COMMANDS[number % len(COMMANDS)]
        built = event.build(sanitizer.sanitize(tool, argv), number % 3, 1000.0, session, {})
        bodies.append(event.to_json(built).encode())
    return bodies


def client(arguments):
    port, bodies = arguments
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies = []
    for body in bodies:
        started = time.perf_counter()
        connection.request("POST", "/events", body, {"Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        if response.status not in (200, 201):
            raise RuntimeError(f"HTTP {response.status}")
        latencies.append((time.perf_counter() - started) * 1000)
    connection.close()
    return latencies


def start_collector(database: str):
    process = subprocess.Popen(
        [sys.executable, "-m", "chefwrap", "collector", "serve", "--port", "0", "--database", database],
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    line = process.stderr.readline()
    if "listening on" not in line:
        raise RuntimeError(f"the collector did not start: {line}{process.stderr.read()}")
    return process, int(line.split("http://")[1].split()[0].rsplit(":", 1)[1])


def run(name: str, database: str, events: int, clients: int) -> None:
    process, port = start_collector(database)
    try:
        per_client = events // clients
        work = [(port, events_for(number, per_client)) for number in range(clients)]
        with multiprocessing.Pool(clients) as pool:
            started = time.perf_counter()
            results = pool.map(client, work)
            elapsed = time.perf_counter() - started
        latencies = sorted(latency for result in results for latency in result)
        connection = http.client.HTTPConnection("127.0.0.1", port)
        connection.request("GET", "/report?days=1&format=json")
        stored = json.loads(connection.getresponse().read())["events"]
    finally:
        process.terminate()
        process.wait(timeout=30)
    count = len(latencies)
    print(
        f"{name:<11} {count} events, {clients} clients: {count / elapsed:,.0f} events/s, "
        f"latency p50 {latencies[count // 2]:.2f} ms, p99 {latencies[int(count * 0.99)]:.2f} ms; {stored} stored"
    )


def main():
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--events", type=int, default=10_000)
    options.add_argument("--clients", type=int, default=8)
    options.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    args = options.parse_args()
    if args.database in ("sqlite", "both"):
        with tempfile.TemporaryDirectory(prefix="chefwrap-bench-") as folder:
            run("SQLite", str(Path(folder) / "collector.sqlite3"), args.events, args.clients)
    if args.database in ("postgresql", "both"):
        from postgres import Server

        server = Server()
        try:
            run("PostgreSQL", server.new_database("bench"), args.events, args.clients)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
