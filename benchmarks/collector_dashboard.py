"""What the collector's readers cost at 10 million events, against the same at 10,000: the page at GET /,
the API and the reports, served by `chefwrap collector serve`.

    .venv/bin/python benchmarks/collector_dashboard.py [--events 10000000] [--small 10000]
        [--database sqlite|postgresql|both] [--rounds 31] [--folder DIR] [--min-sessions 5]

The databases are filled straight from benchmarks/collector_data.py (bulk insert, with aggregates by
the collector's own code); with --folder, SQLite files already there from an earlier run
(large.sqlite3, small.sqlite3, filled for today) are used again. `chefwrap collector serve` runs on
each; every path is asked of the large and the small one in turn (paired, so the machine's load falls
on both alike). Reported, medians: the server's own time (its Server-Timing header: the database reads
and the rendering, in the reader thread) for both and their ratio, the time over loopback, and the
gzip-compressed size of the answer (for the page, its HTML with its inline CSS and script: everything
a browser loads).
"""

import argparse
import http.client
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "benchmarks")]

from collector_data import fill  # noqa: E402

PATHS = [
    "/",
    "/?days=7",
    "/?days=90",
    "/?days=365",
    "/?days=30&product=kitchen",
    "/api/v1/commands",
    "/api/v1/series?metric=runs&command=knife+node+list&days=365",
    "/report?days=1&format=json",
    "/report?days=30&format=json",
    "/report?days=90&format=json",
    "/report?days=365&format=json",
    "/report?days=365",
]


def serve(url: str, min_sessions: int):
    import subprocess

    process = subprocess.Popen(
        [sys.executable, "-m", "chefwrap", "collector", "serve", "--port", "0", "--database", url, "--min-sessions", str(min_sessions)],
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
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    started = time.perf_counter()
    connection.request("GET", path, headers={"Accept-Encoding": "gzip"})
    response = connection.getresponse()
    body = response.read()
    elapsed = (time.perf_counter() - started) * 1000
    connection.close()
    if response.status != 200:
        raise RuntimeError(f"{path}: HTTP {response.status}")
    timing = response.getheader("Server-Timing") or ""
    server = float(timing.split("dur=")[1]) if "dur=" in timing else float("nan")
    return server, elapsed, len(body)


def filled(url: str, events: int) -> None:
    if url.endswith(".sqlite3") and os.path.exists(url):
        print(f"  {url}: there already, used again", flush=True)
        return
    figures = fill(url, events)
    print(f"  {events:,} events loaded in {figures['seconds']:.0f} s ({figures['aggregate rows']:,} aggregate rows)", flush=True)


def compare(name: str, large_url: str, small_url: str, args) -> None:
    print(f"{name}:", flush=True)
    filled(large_url, args.events)
    filled(small_url, args.small)
    servers = [serve(large_url, args.min_sessions), serve(small_url, args.min_sessions)]
    try:
        print(f"{'':<11} {'path':<62} {'server, large':>14} {'small':>8} {'ratio':>6} {'loopback, large':>16} {'gzip, large':>12} {'small':>8}")
        for path in PATHS:
            for _, port in servers:  # warm: the first request of each opens connections
                asked(port, path)
            pairs = [(asked(servers[0][1], path), asked(servers[1][1], path)) for _ in range(args.rounds)]
            large = [statistics.median(pair[0][index] for pair in pairs) for index in range(3)]
            small = [statistics.median(pair[1][index] for pair in pairs) for index in range(3)]
            print(
                f"{name:<11} {path:<62} {large[0]:11.1f} ms {small[0]:5.1f} ms {large[0] / small[0]:6.2f} {large[1]:13.1f} ms {large[2] / 1024:9.1f} KB {small[2] / 1024:5.1f} KB",
                flush=True,
            )
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
    options.add_argument("--min-sessions", type=int, default=5)
    options.add_argument("--folder", help="where the SQLite files go, and stay (default: a temporary folder, removed after)")
    args = options.parse_args()
    if args.database in ("sqlite", "both"):
        if args.folder:
            compare("SQLite", os.path.join(args.folder, "large.sqlite3"), os.path.join(args.folder, "small.sqlite3"), args)
        else:
            with tempfile.TemporaryDirectory(prefix="chefwrap-dashboard-") as folder:
                compare("SQLite", os.path.join(folder, "large.sqlite3"), os.path.join(folder, "small.sqlite3"), args)
    if args.database in ("postgresql", "both"):
        from support.postgres import Server

        server = Server()
        try:
            compare("PostgreSQL", server.new_database("large"), server.new_database("small"), args)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
