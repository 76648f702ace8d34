"""What sanitizing a command line and building its event cost a shim.

    .venv/bin/python benchmarks/sanitizer_cost.py [--runs 50] [--compare-with DIR]

Each run is a fresh `python -IS` process, as a shim is: it times importing the sanitizer, the tool's
grammar and the event builder, then the first sanitize + build + serialise (what a shim pays, once),
and lists any module it imported beyond the standard library's small core. A steady-state figure
over 1,000 calls in one process follows. --compare-with DIR (another chefwrap, e.g. unpacked with
`git archive COMMIT chefwrap | tar -x -C DIR`) alternates a process of each and prints the medians of
the paired differences (this one minus DIR's), which cancels the load of a busy machine.
"""

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HEAVY = ("requests", "psutil", "questionary", "prompt_toolkit", "shellingham", "json", "re", "enum", "pathlib", "subprocess", "uuid")
COMMAND_LINES = {
    "knife": ["bootstrap", "10.0.0.5", "-x", "admin", "-P", "hunter2", "-N", "web1", "--run-list", "role[web]", "--sudo"],
    "kitchen": ["converge", "default-ubuntu-2204", "-l", "debug", "-c", "4"],
    "chef": ["generate", "cookbook", "my_cookbook", "-m", "me@example.com", "-I", "apachev2"],
}

PROBE = """
import sys, time
started = time.perf_counter()
sys.path.insert(0, {repo!r})
from chefwrap.shim import event, sanitizer
imported = time.perf_counter()
result = sanitizer.sanitize({tool!r}, {argv!r})
line = event.to_json(event.build(result, 0, 1234.0, event.new_uuid(), {{}}))
done = time.perf_counter()
heavy = [name for name in {heavy!r} if name in sys.modules]
print(repr(((imported - started) * 1000, (done - imported) * 1000, heavy)))
"""

STEADY = """
import sys, time
sys.path.insert(0, {repo!r})
from chefwrap.shim import event, sanitizer
times = []
for _ in range(1000):
    started = time.perf_counter()
    event.to_json(event.build(sanitizer.sanitize({tool!r}, {argv!r}), 0, 1234.0, event.new_uuid(), {{}}))
    times.append((time.perf_counter() - started) * 1000)
times.sort()
print(repr((times[500], times[990])))
"""


def measure(code):
    result = subprocess.run([sys.executable, "-IS", "-c", code], capture_output=True, text=True, check=True)
    return eval(result.stdout)  # our own probe's repr


def compare(other, runs):
    print(f"paired: {runs} pairs of fresh `python -IS` processes per tool, this chefwrap minus {other}")
    print(f"{'tool':<8} {'import + first call, this':>26} {'other':>10} {'difference (median)':>20}")
    for tool, argv in COMMAND_LINES.items():
        pairs = []
        for _ in range(runs):
            mine = measure(PROBE.format(repo=str(REPO), tool=tool, argv=argv, heavy=HEAVY))
            theirs = measure(PROBE.format(repo=str(other), tool=tool, argv=argv, heavy=HEAVY))
            pairs.append((mine[0] + mine[1], theirs[0] + theirs[1]))
        print(f"{tool:<8} {statistics.median(p[0] for p in pairs):24.2f}ms {statistics.median(p[1] for p in pairs):8.2f}ms "
              f"{statistics.median(p[0] - p[1] for p in pairs):+18.3f}ms")


def main():
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--runs", type=int, default=50)
    options.add_argument("--compare-with", metavar="DIR", help="folder holding another chefwrap package")
    args = options.parse_args()
    if args.compare_with:
        compare(args.compare_with, args.runs)
        return
    print(f"{args.runs} fresh `python -IS` processes per tool, Python {sys.version.split()[0]}")
    print(f"{'tool':<8} {'import (median)':>16} {'first call (median)':>20} {'steady call p50 / p99':>22}  heavy modules")
    for tool, argv in COMMAND_LINES.items():
        runs = [measure(PROBE.format(repo=str(REPO), tool=tool, argv=argv, heavy=HEAVY)) for _ in range(args.runs)]
        steady = measure(STEADY.format(repo=str(REPO), tool=tool, argv=argv))
        heavy = sorted({name for run in runs for name in run[2]})
        print(
            f"{tool:<8} {statistics.median(r[0] for r in runs):14.2f}ms {statistics.median(r[1] for r in runs):18.3f}ms "
            f"{steady[0]:10.3f} / {steady[1]:.3f}ms  {json.dumps(heavy)}"
        )


if __name__ == "__main__":
    main()
