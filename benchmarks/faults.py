"""What arrives after each delivery fault: every scenario of tests/test_delivery_faults.py, each in a
throw-away HOME with chefwrap installed, opted in, and its own loopback endpoint.

    .venv/bin/python benchmarks/faults.py [--only TEXT]

For each scenario: the events made that must arrive, how many distinct ones arrived, and how many
arrived more than once (aim: all of them, none twice beyond one per interrupted post). Prints a
Markdown table. Run as root: one scenario runs a shim as root in an unprivileged user's home, then as
that user.
"""

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "tests" / "delivery")]  # the scenarios are the tests'

from test_delivery_faults import SCENARIOS, received, stop_senders  # noqa: E402

from support.endpoint import Endpoint  # noqa: E402
from support.world import World, world_for_nobody  # noqa: E402


def run(scenario, needs_nobody) -> str:
    """One Markdown row's figures: made, arrived, twice."""
    root = tempfile.mkdtemp(prefix="chefwrap-faults-")
    try:
        if needs_nobody:
            world = world_for_nobody(root)
        else:
            world = World(Path(root), Endpoint())
            world.install("--shell", "bash")
            world.opt_in()
        try:
            outcome = scenario(world)
            try:
                world.endpoint.wait_for(outcome.made, timeout=60)
                world.wait_for_senders_to_finish(timeout=60)
            except AssertionError:
                pass  # counted below
        except AssertionError as problem:
            return f"scenario failed: {str(problem).splitlines()[0]} | | "
        finally:
            stop_senders(world)
            world.endpoint.close()
        event_ids = received(world)
        twice = len(event_ids) - len(set(event_ids))
        allowed = f" ({outcome.interrupted} interrupted post)" if outcome.interrupted else ""
        return f"{outcome.made} | {len(set(event_ids))} | {twice}{allowed}"
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main():
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--only", help="only the scenarios whose name holds this text")
    args = options.parse_args()
    print("| fault | events made | arrived | arrived twice |")
    print("| --- | --- | --- | --- |")
    for name, scenario, needs_nobody in SCENARIOS:
        if args.only and args.only not in name:
            continue
        print(f"| {name} | {run(scenario, needs_nobody)} |", flush=True)


if __name__ == "__main__":
    main()
