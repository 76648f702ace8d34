"""What a report costs at 10 million events, against the same report at 10,000: served by the collector.

    .venv/bin/python benchmarks/collector_report.py [--events 10000000] [--small 10000]
        [--database sqlite|postgresql|both] [--rounds 31] [--folder DIR]

Two databases of each kind are filled straight from benchmarks/collector_data.py (bulk insert, with
aggregates by the collector's own code), `chefwrap collector serve` runs on each, and
GET /report?days=N&format=json is asked of the large and the small one in turn (paired, so the
machine's load falls on both alike), for N = 1, 30, 90 and 365, and the page for 365. Reported: the
median time a request takes over loopback (server time plus a little HTTP), the ratio large/small,
the aggregate rows each holds and how long loading took. Large SQLite files go in --folder (default a
temporary folder, removed after).
"""

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "benchmarks")]

import collector_data  # noqa: E402

from chefwrap.collector import schema_upgrade  # noqa: E402
from chefwrap.collector.store import Store  # noqa: E402
from chefwrap.collector.tables import aggregates  # noqa: E402

PATHS = [("days=1", "/report?days=1&format=json"), ("days=30", "/report?days=30&format=json"), ("days=90", "/report?days=90&format=json"), ("days=365", "/report?days=365&format=json"), ("days=365 page", "/report?days=365")]


def fill(url: str, events: int) -> dict:
    store = Store(url)
    try:
        schema_upgrade.upgrade(store)
        figures = collector_data.load(store, events, say=lambda line: print(line, flush=True))
        with store.engine.connect() as connection:
            figures["aggregate rows"] = sum(connection.exec_driver_sql(f"SELECT count(*) FROM {table.name}").scalar() for table in aggregates.values())
    finally:
        store.close()
    return figures


def serve(url: str):
    process = subprocess.Popen([sys.executable, "-m", "chefwrap", "collector", "serve", "--port", "0", "--database", url], stderr=subprocess.PIPE, text=True, cwd=REPO)
    line = process.stderr.readline()
    while line and "listening on" not in line:
        line = process.stderr.readline()
    if "listening on" not in line:
        raise RuntimeError(line + process.stderr.read())
    return process, int(line.split("http://")[1].split()[0].rsplit(":", 1)[1])


def timed(port: int, path: str) -> float:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    started = time.perf_counter()
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    elapsed = time.perf_counter() - started
    connection.close()
    if response.status != 200:
        raise RuntimeError(f"HTTP {response.status}")
    return elapsed * 1000


def compare(name: str, large_url: str, small_url: str, args) -> None:
    print(f"{name}: filling {args.events:,} events", flush=True)
    large = fill(large_url, args.events)
    small = fill(small_url, args.small)
    print(f"{name}: {args.events:,} events loaded in {large['seconds']:.0f} s ({large['aggregate rows']:,} aggregate rows); {args.small:,} events: {small['aggregate rows']:,} rows", flush=True)
    servers = [serve(large_url), serve(small_url)]
    try:
        for label, path in PATHS:
            for _, port in servers:  # warm: the first request of each opens connections
                timed(port, path)
            pairs = [(timed(servers[0][1], path), timed(servers[1][1], path)) for _ in range(args.rounds)]
            big, little = statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)
            print(f"{name:<11} {label:<14} {args.events:,} events {big:7.1f} ms   {args.small:,} events {little:6.1f} ms   ratio {big / little:.2f}", flush=True)
    finally:
        for process, _ in servers:
            process.terminate()
            process.wait(timeout=60)


def main():
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--events", type=int, default=10_000_000)
    options.add_argument("--small", type=int, default=10_000)
    options.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    options.add_argument("--rounds", type=int, default=31)
    options.add_argument("--folder", help="where the SQLite files go (default: a temporary folder, removed after)")
    args = options.parse_args()
    if args.database in ("sqlite", "both"):
        with tempfile.TemporaryDirectory(prefix="chefwrap-report-", dir=args.folder) as folder:
            compare("SQLite", os.path.join(folder, "large.sqlite3"), os.path.join(folder, "small.sqlite3"), args)
    if args.database in ("postgresql", "both"):
        from postgres import Server

        server = Server()
        try:
            compare("PostgreSQL", server.new_database("large"), server.new_database("small"), args)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
