"""Delivery figures: how fast a full spool drains on loopback, how many telemetry processes run at once,
and how long a working endpoint's events wait while a dead one's are spooled.

    .venv/bin/python benchmarks/delivery.py [--events 1000] [--commands 20] [--dead-commands 30 --interval 2]

1. 1,000 events are spooled into a throw-away HOME and one sender is started against a loopback
   endpoint that answers 201 at once: the time until the spool is empty, and events per second.
2. Exit latency with a hanging endpoint: a knife that prints time.monotonic() as it exits, called
   directly and through the shim in turn; the time from that print to the caller's waitpid()
   returning, paired medians (the shim's share: its whole record path, sender start included).
3. 20 shimmed commands (a /bin/sh knife that sleeps 0.2 s) start at once against a slow endpoint
   (50 ms an answer); the processes running chefwrap's sender are sampled every 5 ms, and the most
   seen at one moment is reported (aim: 1).
4. For each kind of dead destination (a port that refuses, a server that hangs, one that answers
   garbage, a URL without a scheme): three events are spooled for it, then a shimmed knife runs every
   `--interval` seconds against a working endpoint. Each run exits with its own number, which its event
   carries, so each event's delay (the shim's exit to its arrival at the working endpoint) is measured
   exactly; median, p90 and worst, and how many of the working endpoint's events are still spooled
   10 s after the last command (aim: p90 at most 1 s, none left).
"""

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from chefwrap import isolated  # noqa: E402
from chefwrap.delivery import spool  # noqa: E402
from chefwrap.environment import Environment  # noqa: E402
from chefwrap.main import main  # noqa: E402
from chefwrap.shim import event, sanitizer  # noqa: E402

from support.endpoint import DEAD_KINDS, Behaviour, Endpoint, dead_destination  # noqa: E402


def senders(home):
    found = []
    for process in psutil.process_iter(["cmdline"]):
        try:
            if "chefwrap.delivery.sender" in (process.info["cmdline"] or []) and process.environ().get("HOME") == str(home):
                found.append(process)
        except psutil.Error:
            pass
    return found


def drain(events: int) -> None:
    endpoint = Endpoint()
    with tempfile.TemporaryDirectory(prefix="chefwrap-bench-") as root:
        env = {"HOME": root, "CHEF_TELEMETRY_ENDPOINT": endpoint.url, "PATH": "/usr/bin:/bin"}
        agree(env)  # the sender checks the yes for the endpoint before each post
        sanitized = sanitizer.sanitize("knife", ["node", "show", "web1"])
        for _ in range(events):
            built = event.build(sanitized, 0, 100.0, event.new_uuid(), {})
            spool.append(env, built["event_id"], endpoint.url, event.to_json(built))
        started = time.perf_counter()
        subprocess.run(isolated.command(sys.executable, "chefwrap.delivery.sender"), env=env, check=True)
        elapsed = time.perf_counter() - started
        left = len(spool.names(env))
    endpoint.close()
    if len(endpoint.requests) != events:
        raise SystemExit(f"only {len(endpoint.requests)} of {events} events arrived")
    print(f"{events} spooled events delivered in {elapsed:.2f} s ({events / elapsed:.0f} events/s, sender start-up included); {left} left, {len(endpoint.requests)} requests")


def opted_in_home(root: Path, knife: str, endpoint_url: str) -> tuple:
    """(home, environment): a HOME under `root` with chefwrap's knife shim installed and telemetry on, in
    front of `root`/tools/knife, the script `knife`."""
    home, tools = root / "home", root / "tools"
    home.mkdir()
    tools.mkdir()
    (tools / "knife").write_text(knife)
    (tools / "knife").chmod(0o755)
    env = {"HOME": str(home), "PATH": f"{home}/.chefwrap/shims:{tools}:/usr/bin:/bin", "CHEF_TELEMETRY_ENDPOINT": endpoint_url}
    main(["install", "--shell", "bash", "--tools", "knife"], Environment(env, open(os.devnull, "w"), sys.stderr))
    agree(env)
    return home, env


def agree(env) -> None:
    """A yes for the endpoint `env` names, as `chefwrap telemetry enable` records it."""
    if main(["telemetry", "enable"], Environment(env, open(os.devnull, "w"), sys.stderr)):
        raise SystemExit("chefwrap telemetry enable failed")


def exit_latency(runs: int) -> None:
    hanging = Endpoint()
    hanging.default = Behaviour(kind="hang")
    with tempfile.TemporaryDirectory(prefix="chefwrap-bench-") as root:
        knife = f"#!{sys.executable} -IS\nimport os, time\nos.write(1, repr(time.monotonic()).encode())\n"
        home, env = opted_in_home(Path(root), knife, hanging.url)

        def latency(path):
            read_end, write_end = os.pipe()
            pid = os.posix_spawn(path, [path, "node", "list"], env, file_actions=[(os.POSIX_SPAWN_DUP2, write_end, 1)])
            os.close(write_end)
            os.waitpid(pid, 0)
            ended = time.monotonic()
            printed = float(os.read(read_end, 64))
            os.close(read_end)
            return (ended - printed) * 1000

        pairs = [(latency(str(Path(root) / "tools" / "knife")), latency(str(home / ".chefwrap/shims/knife"))) for _ in range(runs)]
        for process in senders(home):
            process.kill()
    hanging.close()
    direct = sorted(pair[0] for pair in pairs)[runs // 2]
    shim = sorted(pair[1] for pair in pairs)[runs // 2]
    added = sorted(pair[1] - pair[0] for pair in pairs)
    print(f"exit latency, hanging endpoint, {runs} pairs: direct {direct:.2f} ms, through the shim {shim:.2f} ms, added {added[runs // 2]:.2f} ms (p90 {added[int(runs * 0.9)]:.2f} ms)")


def concurrent_commands(commands: int) -> None:
    endpoint = Endpoint()
    endpoint.default = Behaviour(delay=0.05)
    with tempfile.TemporaryDirectory(prefix="chefwrap-bench-") as root:
        home, env = opted_in_home(Path(root), "#!/bin/sh\nsleep 0.2\n", endpoint.url)
        most, done = 0, threading.Event()

        def sample():
            nonlocal most
            while not done.is_set():
                most = max(most, len(senders(home)))
                time.sleep(0.005)

        sampler = threading.Thread(target=sample)
        sampler.start()
        with ThreadPoolExecutor(commands) as pool:
            list(pool.map(lambda _: subprocess.run([str(home / ".chefwrap/shims/knife"), "node", "list"], env=env), range(commands)))
        deadline = time.monotonic() + 60
        while (len(endpoint.requests) < commands or senders(home)) and time.monotonic() < deadline:
            time.sleep(0.05)
        done.set()
        sampler.join()
    endpoint.close()
    print(f"{commands} commands at once: at most {most} sender process(es) alive; {len(endpoint.requests)} events delivered")


def dead_destinations(commands: int, interval: float) -> None:
    for kind in DEAD_KINDS:
        working = Endpoint()
        with dead_destination(kind) as (dead_url, _), tempfile.TemporaryDirectory(prefix="chefwrap-bench-") as root:
            home, env = opted_in_home(Path(root), '#!/bin/sh\nexit "$KNIFE_EXIT"\n', working.url)
            sanitized = sanitizer.sanitize("knife", ["node", "list"])
            for _ in range(3):
                built = event.build(sanitized, 0, 1.0, event.new_uuid(), {})
                spool.append(env, built["event_id"], dead_url, event.to_json(built))
            exits = {}
            for number in range(1, commands + 1):
                started = time.monotonic()
                subprocess.run([str(home / ".chefwrap/shims/knife"), "node", "list"], env=dict(env, KNIFE_EXIT=str(number)))
                exits[number] = time.monotonic()
                time.sleep(max(0.0, interval - (time.monotonic() - started)))
            deadline = time.monotonic() + 10
            while len(working.requests) < commands and time.monotonic() < deadline:
                time.sleep(0.05)
            left = sum(1 for name in spool.names(env) if spool.read_or_none(env, name) and spool.read_or_none(env, name)[0] == working.url)
            arrivals = {request.event["payload"]["properties"]["exit_code"]: request.at for request in working.requests}
            for process in senders(home):
                process.kill()
        working.close()
        delays = sorted(arrivals[number] - exits[number] if number in arrivals else float("inf") for number in exits)
        p90 = delays[min(len(delays) - 1, int(len(delays) * 0.9))]
        print(
            f"dead destination ({kind}), {commands} commands every {interval:g} s: delay median {seconds(delays[len(delays) // 2])}, "
            f"p90 {seconds(p90)}, worst {seconds(delays[-1])}; {len(arrivals)} of {commands} arrived, {left} still spooled 10 s after the last"
        )


def seconds(delay) -> str:
    return "never (not arrived)" if delay == float("inf") else f"{delay:.2f} s"


if __name__ == "__main__":
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--events", type=int, default=1000)
    options.add_argument("--commands", type=int, default=20)
    options.add_argument("--runs", type=int, default=100)
    options.add_argument("--dead-commands", type=int, default=30)
    options.add_argument("--interval", type=float, default=2.0)
    options.add_argument("--only-dead", action="store_true", help="only the dead-destination figures")
    args = options.parse_args()
    if not args.only_dead:
        drain(args.events)
        exit_latency(args.runs)
        concurrent_commands(args.commands)
    dead_destinations(args.dead_commands, args.interval)
