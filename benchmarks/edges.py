"""Issue 20's figures: what the promises at the edges cost and what they changed.

    .venv/bin/python benchmarks/edges.py [--runs 2000] [--processes 30]

1. The event of `knife node list` with 3,000 `--verbose` and with 120,000 `-V`: its size as the spool
   would hold it, options as given (before) and named once each, at most 64 (now); the spool takes
   16 KiB at most.
2. Retry-After: 3600 from a loopback endpoint answering 429: how long until the next attempt, as the
   sender leaves it in the pause file (before: a minute at most, about 78 s with the back-off).
3. A clock moved 40 days back, then forward, while an endpoint is down for a few seconds (a sender
   under Debian's faketime between two on the real clock): the events still waiting of the two made.
4. The hot path's new work on every recorded run, in-process (timeit, median of 7 repeats): the state
   folders checked and prepared, the yes for the endpoint read, the session's erase-key hash; and in
   fresh `python -IS` processes (as a shim), what importing erase_key (with _sha256) adds, paired.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from chefwrap.delivery import pauses, spool  # noqa: E402
from chefwrap.environment import Environment  # noqa: E402
from chefwrap.main import main  # noqa: E402
from chefwrap.shim import event, sanitizer  # noqa: E402
from chefwrap.state import consent, erase_key, private, settings  # noqa: E402

from support.endpoint import Behaviour, Endpoint, closed_port_url  # noqa: E402

ISOLATED = str(REPO / "chefwrap" / "isolated.py")


def agree(env) -> None:
    if main(["telemetry", "enable"], Environment(env, open(os.devnull, "w"), sys.stderr)):
        raise SystemExit("chefwrap telemetry enable failed")


def event_sizes() -> None:
    print("| command line | event before (options as given) | event now | spool limit |")
    print("| --- | --- | --- | --- |")
    for option, count in (("--verbose", 3000), ("-V", 120000)):
        sanitized = sanitizer.sanitize("knife", ["node", "list"] + [option] * count)
        now = event.build(sanitized, 0, 10.0, event.new_uuid(), {}, erase_key_sha256="0" * 64)
        before = dict(now, payload=dict(now["payload"], properties=dict(now["payload"]["properties"], options=list(sanitized.options))))
        before.pop("erase_key_sha256")
        print(f"| `knife node list` + {count:,} `{option}` | {len(event.to_json(before)):,} bytes | {len(event.to_json(now)):,} bytes | {spool.MAX_EVENT_BYTES:,} bytes |")


def spool_one(env, url) -> None:
    built = event.build(sanitizer.sanitize("knife", ["node", "list"]), 0, 1.0, event.new_uuid(), {})
    spool.append(env, built["event_id"], url, event.to_json(built))


def sender(env, *wrapper) -> None:
    subprocess.run([*wrapper, sys.executable, "-I", ISOLATED, "chefwrap.delivery.sender"], env=env, check=True, timeout=120)


def retry_after() -> None:
    endpoint = Endpoint()
    endpoint.default = Behaviour(status=429, headers={"Retry-After": "3600"})
    try:
        with tempfile.TemporaryDirectory(prefix="chefwrap-bench-") as home:
            env = {"HOME": home, "CHEF_TELEMETRY_ENDPOINT": endpoint.url, "PATH": "/usr/bin:/bin", "CHEFWRAP_SENDER_FIRST_DELAY": "0.05"}
            agree(env)
            spool_one(env, settings.normalize(endpoint.url))
            sender(env)
            wait = pauses.load(env)[0][settings.normalize(endpoint.url)].until - time.time()
            print(f"Retry-After 3600 (HTTP 429): the next attempt in {wait:.0f} s; requests so far: {len(endpoint.requests)}")
    finally:
        endpoint.close()


def moved_clock() -> None:
    for offset in ("-40d", "+40d"):
        url = closed_port_url()
        with tempfile.TemporaryDirectory(prefix="chefwrap-bench-") as home:
            env = {"HOME": home, "CHEF_TELEMETRY_ENDPOINT": url, "PATH": "/usr/bin:/bin", "CHEFWRAP_SENDER_FIRST_DELAY": "0.05", "CHEFWRAP_SENDER_LONGEST_PAUSE": "1"}
            agree(env)
            spool_one(env, url)
            sender(env)
            sender(dict(env, DONT_FAKE_MONOTONIC="1"), "faketime", "-f", offset)
            time.sleep(1.1)
            spool_one(env, url)
            sender(env)
            failing = pauses.load(env)[0][url].failed_for
            print(f"clock moved {offset} between senders: {len(spool.names(env))} of 2 events still waiting; counted as failing for {failing / 86400:.2f} day(s)")


def hot_path(runs: int, processes: int) -> None:
    with tempfile.TemporaryDirectory(prefix="chefwrap-bench-") as home:
        env = {"HOME": home, "CHEF_TELEMETRY_ENDPOINT": "http://127.0.0.1:9", "PATH": "/usr/bin:/bin"}
        agree(env)
        private.prepare(env)
        erase_key.secret(env)
        session = event.new_uuid()
        url = settings.normalize(env["CHEF_TELEMETRY_ENDPOINT"])
        work = {
            "state folders checked (decide)": lambda: private.problem(env),
            "state folders prepared (record)": lambda: private.prepare(env),
            "the yes for the endpoint read": lambda: consent.agreed(env, url),
            "the session's erase-key hash": lambda: erase_key.hash_for(env, session),
        }
        print("| new work on a recorded run | in-process, median |")
        print("| --- | --- |")
        total = 0.0
        for name, call in work.items():
            each = statistics.median(timeit.repeat(call, number=runs, repeat=7)) / runs * 1e6
            total += each
            print(f"| {name} | {each:.1f} µs |")
        print(f"| together | {total:.1f} µs |")
    probe = "import sys, time; sys.path.insert(0, {!r}); from chefwrap.state import consent, settings; t = time.perf_counter(); {}; print(time.perf_counter() - t)"
    added = []
    for _ in range(processes):  # paired: the machine's load moves both alike
        with_it, without = (
            float(subprocess.run([sys.executable, "-IS", "-c", probe.format(str(REPO), statement)], capture_output=True, text=True, check=True).stdout)
            for statement in ("from chefwrap.state import erase_key; erase_key.sha256(b'')", "pass")
        )
        added.append(with_it - without)
    print(f"importing erase_key and _sha256 in a fresh `python -IS`, after consent and settings: {statistics.median(added) * 1000:.2f} ms (median of {processes} pairs)")


def main_benchmark():
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--runs", type=int, default=2000)
    options.add_argument("--processes", type=int, default=30)
    args = options.parse_args()
    event_sizes()
    retry_after()
    moved_clock()
    hot_path(args.runs, args.processes)


if __name__ == "__main__":
    main_benchmark()
