"""What a chefwrap shim adds to each call: paired medians against calling the real binary directly.

    .venv/bin/python benchmarks/shim_overhead.py [--runs 200]

A throw-away HOME gets `chefwrap install` and an opt-in; the "real" knife is a copy of /bin/true, so
the figures are the shim's own cost and nothing of the tool's. Each round runs the direct call and the
shimmed call back to back, in random order, and the report gives the median of the per-round
differences. Bypassed or opted out, the shim's sh front end execs the tool and no Python starts. With
telemetry on, every run goes through Python: it sanitizes, builds and spools its event, and wakes the
sender unless one is running or delivery is pausing after failures, as it is against a dead endpoint.
Each round also starts a bare `python -IS -c pass` (the same interpreter): the aim for a recorded run is
that bare start plus 2 ms, and "over bare Python" is the median of the per-round (shim - direct - bare).
Last, the sh front end's own share of a recorded run: the shim paired with a shim as chefwrap 0.1 wrote
them (`#!python -IS`, straight into the same Python code), against the unreachable endpoint.
"""

import argparse
import os
import random
import shutil
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from chefwrap.environment import Environment  # noqa: E402
from chefwrap.main import main  # noqa: E402


def timed_run(argv, env) -> float:
    started = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, env)
    _, status = os.waitpid(pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{argv[0]} failed with status {status}")
    return elapsed * 1000.0


def paired(direct, shimmed, env, runs, bare=None):
    """Per round, in random order: the direct call, the shimmed one and (when given) a bare Python start.
    Returns the direct times, the shim's, the per-round differences and those less the bare start."""
    differences, direct_times, shim_times, over_bare = [], [], [], []
    for _ in range(runs):
        calls = [("direct", direct), ("shim", shimmed)] + ([("bare", bare)] if bare else [])
        random.shuffle(calls)
        times = {name: timed_run(argv, env) for name, argv in calls}
        direct_times.append(times["direct"])
        shim_times.append(times["shim"])
        differences.append(times["shim"] - times["direct"])
        if bare:
            over_bare.append(times["shim"] - times["direct"] - times["bare"])
    return direct_times, shim_times, differences, over_bare


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class HangingEndpoint:
    """Accepts connections and never answers."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"


def scenarios(root: Path, world: dict):
    """name -> extra environment; the user agreed to share with both endpoints."""
    hanging = HangingEndpoint()
    for url in (world["unreachable"], hanging.url):
        agree(dict(world["env"], CHEF_TELEMETRY_ENDPOINT=url))
    opted_out = root / "opted-out"
    (opted_out / ".chef").mkdir(parents=True)
    (opted_out / ".chef" / "telemetry_opt_out").write_bytes(b"")
    return {
        "bypass (CHEFWRAP_BYPASS=1)": {"CHEFWRAP_BYPASS": "1"},
        "off: CHEF_TELEMETRY_OPT_OUT=1": {"CHEF_TELEMETRY_OPT_OUT": "1"},
        "off: ~/.chef/telemetry_opt_out": {"CHEF_HOME": str(opted_out)},
        "on, endpoint unreachable (connection refused)": {"CHEF_TELEMETRY_ENDPOINT": world["unreachable"]},
        "on, endpoint hanging (accepts, never answers)": {"CHEF_TELEMETRY_ENDPOINT": hanging.url},
    }


def build_world(root: Path) -> dict:
    home = root / "home"
    tools = root / "tools"
    tools.mkdir(parents=True)
    home.mkdir()
    for tool in ("knife", "kitchen", "chef"):
        shutil.copy("/bin/true", tools / tool)
    env = {"HOME": str(home), "PATH": f"{home}/.chefwrap/shims:{tools}:/usr/bin:/bin", "LANG": "C.UTF-8"}
    code = main(["install", "--shell", "bash"], Environment(env, open(os.devnull, "w"), sys.stderr))
    if code:
        raise SystemExit("chefwrap install failed")
    unreachable = f"http://127.0.0.1:{closed_port()}"  # one: a yes is for the endpoint it names
    agree(dict(env, CHEF_TELEMETRY_ENDPOINT=unreachable))
    old = root / "chefwrap-0.1-shims" / "knife"
    old.parent.mkdir()
    template = (REPO / "tests" / "support" / "shim-0.1.0.template").read_text()
    old.write_text(template.format(interpreter_line=f"#!{sys.executable} -IS", version="0.1.0", package_parent=repr(str(REPO)), tool="'knife'"))
    old.chmod(0o755)
    return {
        "env": env,
        "unreachable": unreachable,
        "direct": [str(tools / "knife"), "node", "list"],
        "shim": [f"{home}/.chefwrap/shims/knife", "node", "list"],
        "old shim": [str(old), "node", "list"],
    }


def agree(env) -> None:
    """A yes for the endpoint `env` names, as `chefwrap telemetry enable` records it."""
    if main(["telemetry", "enable"], Environment(env, open(os.devnull, "w"), sys.stderr)):
        raise SystemExit("chefwrap telemetry enable failed")


def stop_senders(root: Path):
    """Senders that the telemetry-on scenarios left waiting on their endpoint."""
    import psutil

    for process in psutil.process_iter(["cmdline"]):
        try:
            if "chefwrap.delivery.sender" in (process.info["cmdline"] or []) and process.environ().get("HOME", "").startswith(str(root)):
                process.kill()
        except psutil.Error:
            pass


def main_benchmark():
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--runs", type=int, default=200)
    args = options.parse_args()
    with tempfile.TemporaryDirectory(prefix="chefwrap-bench-") as root:
        world = build_world(Path(root))
        bare = [sys.executable, "-IS", "-c", "pass"]
        print(f"{args.runs} paired runs on {os.cpu_count()} cores, Python {sys.version.split()[0]}")
        print(f"{'scenario':<48} {'direct':>8} {'shim':>8} {'added (median)':>15} {'added (p90)':>12} {'over bare Python':>17}")
        for name, extra in scenarios(Path(root), world).items():
            env = dict(world["env"], **extra)
            for _ in range(10):  # warm the page cache and the .pyc files
                timed_run(world["shim"], env)
            direct, shim, added, over_bare = paired(world["direct"], world["shim"], env, args.runs, bare)
            stop_senders(Path(root))
            print(
                f"{name:<48} {statistics.median(direct):7.2f}ms {statistics.median(shim):7.2f}ms "
                f"{statistics.median(added):13.2f}ms {percentile(added, 0.9):10.2f}ms {statistics.median(over_bare):15.2f}ms"
            )
        env = dict(world["env"], CHEF_TELEMETRY_ENDPOINT=world["unreachable"])
        old, new, added, _ = paired(world["old shim"], world["shim"], env, args.runs)
        stop_senders(Path(root))
        print(
            f"{'sh front end, recorded (against a 0.1 shim)':<48} {statistics.median(old):7.2f}ms {statistics.median(new):7.2f}ms "
            f"{statistics.median(added):13.2f}ms {percentile(added, 0.9):10.2f}ms"
        )


if __name__ == "__main__":
    main_benchmark()
