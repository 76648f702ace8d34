"""The collector against hostile clients (issue 22): what an amplifying batch costs, and what half-open
connections do to a real client.

    .venv/bin/python benchmarks/collector_attacks.py [--baseline DIR] [--half-open 2000] [--only amplification|connections]

Amplification: a collector (SQLite, K = 5) holding forty days of a team's use (tests/test_dashboard.py's
data); the collector's own time for `GET /` and `GET /api/v1/options` (its Server-Timing, median of
--repeats); then 12 requests of 1,000 events, each event with its own made-up command and 110 made-up
option names (the issue's attack), and the same times again, with the aggregate rows they added; a
one-event post's latency (one every 0.2 s) while 8 such requests are in flight; last, 12 requests whose events each name
20 made-up cookbooks (what names of context still cost: the collector cannot know cookbook names).

Connections: a collector under an open-file limit of 1,024 (a login shell's or a systemd service's
usual), --half-open connections that send half a request head and stop, then 20 real posts one after
another: their latency (the client gives up after 10 s).

--baseline DIR runs every scenario on another checkout's collector too (`git worktree add DIR main`),
right after this code's, so both meet the same machine.
"""

import argparse
import http.client
import json
import os
import resource
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "tests" / "collector")]  # a_team is the page's test data


from support.collector_world import an_event, hostile_batch  # noqa: E402

DAY = 86400.0


class Served:
    """`chefwrap collector serve` of the checkout `code` on a free loopback port."""

    def __init__(self, code: Path, database: str, *extra, open_files=None):
        def limit():
            if open_files:
                resource.setrlimit(resource.RLIMIT_NOFILE, (open_files, open_files))

        argv = [sys.executable, "-m", "chefwrap", "collector", "serve", "--port", "0", "--database", database, *extra]
        self.process = subprocess.Popen(argv, stderr=subprocess.PIPE, text=True, cwd=code, env={**os.environ, "PYTHONPATH": str(code)}, preexec_fn=limit)
        line = self.process.stderr.readline()
        while line and "listening on" not in line:
            line = self.process.stderr.readline()
        if "listening on" not in line:
            raise RuntimeError(f"the collector did not start: {line}{self.process.stderr.read()}")
        self.port = int(line.split("http://")[1].split()[0].rsplit(":", 1)[1])

    def request(self, method, path, body=None, timeout=600):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, path, body, {"Content-Type": "application/json"} if body is not None else {})
            response = connection.getresponse()
            return response.status, response.getheader("server-timing"), response.read()
        finally:
            connection.close()

    def server_time(self, path: str, repeats: int) -> float:
        took = []
        for _ in range(repeats):
            status, timing, _ = self.request("GET", path)
            if status != 200:
                raise RuntimeError(f"GET {path}: HTTP {status}")
            took.append(float(timing.split("dur=")[1]))
        return statistics.median(took)

    def stop(self):
        self.process.terminate()
        self.process.communicate(timeout=120)


def rows(database: str) -> int:
    with sqlite3.connect(database) as connection:
        aggregate = "name IN ('daily', 'monthly') OR name LIKE 'daily_%' OR name LIKE 'monthly_%' OR name LIKE 'weekly_%'"  # this code's tables, and the old ones
        tables = [name for (name,) in connection.execute(f"SELECT name FROM sqlite_master WHERE type = 'table' AND ({aggregate})")]
        return sum(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in tables)


def amplification(label: str, code: Path, repeats: int) -> None:
    from test_dashboard import a_team

    with tempfile.TemporaryDirectory(prefix="chefwrap-attack-") as folder:
        database = str(Path(folder) / "collector.sqlite3")
        served = Served(code, database)
        try:
            team = a_team(datetime.now(timezone.utc).date())
            for start in range(0, len(team), 1000):
                served.request("POST", "/events", json.dumps(team[start : start + 1000]).encode())
            page, options = served.server_time("/", repeats), served.server_time("/api/v1/options", repeats)
            before = rows(database)
            print(f"{label}: {len(team)} events of a team: GET / {page:.1f} ms, /api/v1/options {options:.1f} ms, {before:,} aggregate rows", flush=True)

            latencies = []

            def post_hostile(number):
                started = time.perf_counter()
                status, _, _ = served.request("POST", "/events", hostile_batch(number))
                latencies.append((number, status, time.perf_counter() - started))

            hostile = [threading.Thread(target=post_hostile, args=(number,)) for number in range(4, 12)]
            for number in range(4):
                post_hostile(number)
            for thread in hostile:
                thread.start()
            ones = []
            while any(thread.is_alive() for thread in hostile):  # a shim's post now and then, meanwhile
                started = time.perf_counter()
                status, _, _ = served.request("POST", "/events", json.dumps(an_event()).encode())
                ones.append((status, time.perf_counter() - started))
                time.sleep(0.2)
            for thread in hostile:
                thread.join()
            one = statistics.median(seconds for _, seconds in ones), max(seconds for _, seconds in ones)
            status = sorted({status for status, _ in ones})
            took = sorted(seconds for _, _, seconds in latencies)
            page_after, options_after = served.server_time("/", repeats), served.server_time("/api/v1/options", repeats)
            after = rows(database)
            print(
                f"{label}: 12 requests of 1,000 events x 110 made-up options (statuses {sorted({status for _, status, _ in latencies})}, "
                f"{took[0]:.2f} to {took[-1]:.2f} s each): +{after - before:,} aggregate rows; GET / {page_after:.1f} ms, "
                f"/api/v1/options {options_after:.1f} ms; {len(ones)} one-event posts while 8 of them were in flight: HTTP {status}, "
                f"median {one[0]:.3f} s, worst {one[1]:.3f} s",
                flush=True,
            )
            for number in range(12):
                served.request("POST", "/events", hostile_batch(number, cookbooks=True))
            page_books = served.server_time("/", repeats)
            print(f"{label}: then 12 requests of 1,000 events x 20 made-up cookbooks: +{rows(database) - after:,} aggregate rows; GET / {page_books:.1f} ms", flush=True)
        finally:
            served.stop()


def connections(label: str, code: Path, half_open: int) -> None:
    with tempfile.TemporaryDirectory(prefix="chefwrap-attack-") as folder:
        served = Served(code, str(Path(folder) / "collector.sqlite3"), open_files=1024)
        attackers = []
        try:
            for _ in range(half_open):
                connection = socket.create_connection(("127.0.0.1", served.port), timeout=30)
                attackers.append(connection)
                try:
                    connection.sendall(b"POST /events HTTP/1.1\r\nHost: collector\r\nContent-Type: appl")
                except OSError:
                    pass
            time.sleep(2)
            took, failed = [], 0
            for _ in range(20):
                started = time.perf_counter()
                try:
                    status, _, _ = served.request("POST", "/events", json.dumps(an_event()).encode(), timeout=10)
                    took.append(time.perf_counter() - started)
                    failed += status != 201
                except OSError:
                    failed += 1
            shown = f"median {statistics.median(took) * 1000:.1f} ms, worst {max(took) * 1000:.1f} ms" if took else "none answered"
            print(f"{label}: {half_open} half-open connections, open-file limit 1,024: 20 real posts: {shown}; {failed} failed or timed out after 10 s", flush=True)
        finally:
            for connection in attackers:
                connection.close()
            served.stop()


def main():
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--baseline", metavar="DIR", help="another checkout whose collector meets the same attacks")
    options.add_argument("--half-open", type=int, default=2000)
    options.add_argument("--repeats", type=int, default=15, help="requests a median is taken of")
    options.add_argument("--only", choices=("amplification", "connections"))
    args = options.parse_args()
    sides = [("this code", REPO)] + ([("baseline", Path(args.baseline).resolve())] if args.baseline else [])
    for label, code in sides:
        if args.only in (None, "connections"):
            connections(label, code, args.half_open)
        if args.only in (None, "amplification"):
            amplification(label, code, args.repeats if code == REPO else min(args.repeats, 3))


if __name__ == "__main__":
    main()
