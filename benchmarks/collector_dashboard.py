"""What the collector's page costs on a realistic year: GET / and a command's page for 365 days (and a few
other views) at 10 million events, served by `chefwrap collector serve`, on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/collector_data.py --folder /work/bench-data/events-10m --events 10000000   # once
    .venv/bin/python benchmarks/collector_dashboard.py --data /work/bench-data/events-10m [--database sqlite|postgresql|both]
        [--rounds 21] [--min-sessions 5]

The events benchmarks/collector_data.py generated are loaded in bulk (no HTTP) and every day built by
the collector's own code (the SQLite file, collector.sqlite3 in --data, stays for the next run; the
PostgreSQL server is a temporary one, tests/postgres.py). Each path is asked `--rounds` times in turn
with the others. Reported, medians: the server's own time (its Server-Timing header: the database reads
and the rendering, in the reader thread), the time over loopback, and the gzip-compressed size of the
answer (for a page, its HTML with its inline CSS and script: everything a browser loads).
"""

import argparse
import http.client
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "benchmarks")]

import collector_data  # noqa: E402

PATHS = [
    "/?days=365",
    "/?days=365&command=knife+bootstrap",
    "/?days=365&command=knife+ssh",
    "/?days=365&product=kitchen",
    "/",
    "/?days=90",
    "/?command=knife+node+list",
    "/api/v1/commands?days=365",
    "/api/v1/options?days=365&command=knife+bootstrap",
    "/report?days=365&format=json",
]


def serve(url: str, min_sessions: int):
    process = subprocess.Popen(
        [sys.executable, "-m", "chefwrap", "collector", "serve", "--port", "0", "--database", url, "--min-sessions", str(min_sessions), "--retain-days", "3650"],
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    line = process.stderr.readline()
    while line and "listening on" not in line:
        line = process.stderr.readline()
    if "listening on" not in line:
        raise RuntimeError(line + process.stderr.read())
    return process, int(line.split("http://")[1].split()[0].rsplit(":", 1)[1])


def asked(port: int, path: str) -> tuple:
    """(server milliseconds, loopback milliseconds, compressed bytes)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.perf_counter()
    connection.request("GET", path, headers={"Accept-Encoding": "gzip"})
    response = connection.getresponse()
    body = response.read()
    elapsed = (time.perf_counter() - started) * 1000
    connection.close()
    if response.status != 200:
        raise RuntimeError(f"{path}: HTTP {response.status}")
    timing = response.getheader("Server-Timing") or ""
    return float(timing.split("dur=")[1]) if "dur=" in timing else float("nan"), elapsed, len(body)


def measure(name: str, url: str, args) -> None:
    process, port = serve(url, args.min_sessions)
    try:
        for path in PATHS:  # warm: the first request of each reads the files into the cache
            asked(port, path)
        figures = {path: [] for path in PATHS}
        for _ in range(args.rounds):
            for path in PATHS:
                figures[path].append(asked(port, path))
        print(f"{'':<11} {'path':<52} {'server':>10} {'loopback':>10} {'gzip':>9}")
        for path, found in figures.items():
            server, loopback, size = (statistics.median(one[index] for one in found) for index in range(3))
            print(f"{name:<11} {path:<52} {server:7.1f} ms {loopback:7.1f} ms {size / 1024:6.1f} KB", flush=True)
    finally:
        process.terminate()
        process.wait(timeout=60)


def loaded(url: str, data: Path) -> None:
    figures = collector_data.load(url, data, say=lambda line: print(line, flush=True))
    print(f"  {figures['events']:,} events loaded in {figures['load seconds']:.0f} s, {figures['build seconds']:.0f} s to build every day", flush=True)


def main():
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--data", type=Path, required=True, help="the folder benchmarks/collector_data.py generated")
    options.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    options.add_argument("--rounds", type=int, default=21)
    options.add_argument("--min-sessions", type=int, default=5)
    args = options.parse_args()
    if args.database in ("sqlite", "both"):
        path = args.data / "collector.sqlite3"
        if not path.exists():
            loaded(str(path), args.data)
        measure("SQLite", str(path), args)
    if args.database in ("postgresql", "both"):
        from support.postgres import Server

        server = Server()
        try:
            url = server.new_database("year")
            loaded(url, args.data)
            measure("PostgreSQL", url, args)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
