"""What the context (cookbooks, kitchen plugins, versions) adds to a recorded run.

    .venv/bin/python benchmarks/enrichment.py [--runs 100]

Paired runs of a shimmed knife and kitchen (a copy of /bin/true behind them, telemetry on, endpoint
unreachable) in an empty folder and in a Chef repository holding the test suite's Policyfile.lock.json
and kitchen.yml; the difference is what enrichment costs. "Cold" clears the context cache before
every run, so the lock file and kitchen.yml are parsed (json, PyYAML imported) each time; "warm" is the
usual case, where the cache answers from the files' identity.

Last, a kitchen.yml that runs out of the 200 ms budget (the test suite's: some 34,000 entries, under
the 1 MiB cap): one run pays the budget and remembers the file's identity; the paired runs after it
give what that folder still adds to a kitchen run (aim: at most 5 ms).
"""

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "benchmarks")]

from shim_overhead import build_world, stop_senders  # noqa: E402

from support.context_files import KITCHEN_YML, POLICYFILE_LOCK  # noqa: E402
from support.hostile_files import slow_kitchen_yml  # noqa: E402


def timed(argv, env, cwd) -> float:
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        os.chdir(cwd)
        os.execve(argv[0], argv, env)
    os.waitpid(pid, 0)
    return (time.perf_counter() - started) * 1000


def main():
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--runs", type=int, default=100)
    args = options.parse_args()
    with tempfile.TemporaryDirectory(prefix="chefwrap-bench-") as root:
        world = build_world(Path(root))
        empty, repository = Path(root) / "empty", Path(root) / "repo"
        empty.mkdir()
        repository.mkdir()
        (repository / "Policyfile.lock.json").write_text(json.dumps(POLICYFILE_LOCK))
        (repository / "kitchen.yml").write_text(KITCHEN_YML)
        cache = Path(world["env"]["HOME"]) / ".chef" / "chefwrap" / "context-cache"
        print(f"{args.runs} paired runs, Python {sys.version.split()[0]}")
        for tool in ("knife", "kitchen"):
            shim = world["shim"][0].replace("knife", tool)
            for state in ("warm", "cold"):
                differences = []
                for _ in range(args.runs):
                    pair = [("empty", empty), ("repository", repository)]
                    random.shuffle(pair)
                    times = {}
                    for name, folder in pair:
                        if state == "cold":
                            cache.unlink(missing_ok=True)
                        env = dict(world["env"], PWD=str(folder), CHEF_TELEMETRY_ENDPOINT=world["unreachable"])
                        times[name] = timed([shim, "converge" if tool == "kitchen" else "node"], env, folder)
                    differences.append(times["repository"] - times["empty"])
                differences.sort()
                print(f"{tool:<8} {state}: enrichment adds {statistics.median(differences):.2f} ms (p90 {differences[int(len(differences) * 0.9)]:.2f} ms)")
        out_of_budget(world, empty, Path(root) / "slow", args.runs)
        stop_senders(Path(root))


def out_of_budget(world, empty, slow, runs) -> None:
    slow.mkdir()
    (slow / "kitchen.yml").write_bytes(slow_kitchen_yml())
    shim = world["shim"][0].replace("knife", "kitchen")

    def run(folder):
        env = dict(world["env"], PWD=str(folder), CHEF_TELEMETRY_ENDPOINT=world["unreachable"])
        return timed([shim, "converge"], env, folder)

    first = run(slow) - run(empty)
    differences = []
    for _ in range(runs):
        pair = [("empty", empty), ("slow", slow)]
        random.shuffle(pair)
        times = {name: run(folder) for name, folder in pair}
        differences.append(times["slow"] - times["empty"])
    differences.sort()
    print(
        f"kitchen, kitchen.yml out of budget: the first run adds {first:.0f} ms; every run after it "
        f"{statistics.median(differences):.2f} ms (p90 {differences[int(len(differences) * 0.9)]:.2f} ms)"
    )


if __name__ == "__main__":
    main()
