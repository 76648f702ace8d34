"""What chefwrap's prompt hook costs each prompt, in bash, zsh and fish: paired medians.

    .venv/bin/python benchmarks/prompt_hook.py [--calls 2000] [--rounds 30]

A throw-away HOME gets `chefwrap install --shell SHELL`. Each round starts the shell twice, in random
order: once calling the hook (the function the start-up block registers for each prompt) --calls
times in a loop, once calling an empty function as often; the difference of the two wall times,
divided by --calls, is one sample of the hook's cost, and the report gives the median over the rounds.
Two cases, on a PATH of eleven folders: the shims are first already (the usual prompt: nothing changes)
and another folder was put first since the last prompt (the hook moves the shims back). In fish the
hook also runs as PATH is set, which the second case includes. That the hook starts no process is
tests/test_shells.py::test_the_prompt_hook_starts_no_process (strace).
"""

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from chefwrap.environment import Environment  # noqa: E402
from chefwrap.main import main  # noqa: E402

HOOK = "__chefwrap_shims_first"
LOOPS = {
    # shell: (load the block, a loop of N calls to FUNCTION, with PATH reset first when ELSEWHERE)
    "bash": ("source {file}; base=$PATH; noop() { :; }", "for ((i = 0; i < {n}; i++)); do {reset}{function}; done", "PATH=/opt/chef-workstation/bin:$base; "),
    "zsh": ("source {file}; base=$PATH; noop() { : }", "for ((i = 0; i < {n}; i++)); do {reset}{function}; done", "PATH=/opt/chef-workstation/bin:$base; "),
    "fish": (
        "source {file}; set base $PATH; function noop; end",
        "set i 0; while test $i -lt {n}; {reset}{function}; set i (math $i + 1); end",
        "set -gx PATH /opt/chef-workstation/bin $base; ",
    ),
}
FLAGS = {"bash": ["--norc", "--noprofile"], "zsh": ["-f"], "fish": ["--no-config"]}
BLOCK_FILES = {"bash": ".bashrc", "zsh": ".zshenv", "fish": ".config/fish/conf.d/chefwrap.fish"}


def timed(argv, env) -> float:
    started = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def measure(shell, home, env, calls, rounds, elsewhere):
    load, loop, reset = LOOPS[shell]
    block = home / BLOCK_FILES[shell]

    def script(function):
        # fish's on-variable hook runs as PATH is set: the empty function's loop must not pay for it.
        body = loop.replace("{n}", str(calls)).replace("{function}", function).replace("{reset}", reset if elsewhere else "")
        loaded = load.replace("{file}", str(block))
        if shell == "fish" and function == "noop":
            return f"{loaded}; functions -e {HOOK}; {body}"
        return f"{loaded}; {body}"

    runs = {"hook": [shell, *FLAGS[shell], "-c", script(HOOK)], "empty": [shell, *FLAGS[shell], "-c", script("noop")]}
    differences = []
    for _ in range(rounds):
        order = list(runs.items())
        random.shuffle(order)
        times = {name: timed(argv, env) for name, argv in order}
        differences.append((times["hook"] - times["empty"]) / calls * 1e6)
    return statistics.median(differences)


def main_benchmark():
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--calls", type=int, default=2000)
    options.add_argument("--rounds", type=int, default=30)
    args = options.parse_args()
    with tempfile.TemporaryDirectory(prefix="chefwrap-hook-") as root:
        print(f"{args.rounds} paired rounds of {args.calls} calls on {os.cpu_count()} cores; microseconds per call")
        print(f"{'shell':<6} {'shims first already':>20} {'another folder first':>21}")
        for shell in ("bash", "zsh", "fish"):
            home = Path(root) / shell
            home.mkdir()
            system = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/local/games:/usr/games"
            env = {"HOME": str(home), "PATH": f"{home}/.local/bin:{home}/bin:{system}", "LANG": "C.UTF-8"}
            with open(os.devnull, "w") as quiet:
                code = main(["install", "--shell", shell], Environment(env, quiet, quiet))
            if not (home / BLOCK_FILES[shell]).exists():
                raise SystemExit(f"chefwrap install --shell {shell} failed ({code})")
            first = measure(shell, home, env, args.calls, args.rounds, elsewhere=False)
            moved = measure(shell, home, env, args.calls, args.rounds, elsewhere=True)
            print(f"{shell:<6} {first:17.1f} us {moved:18.1f} us")


if __name__ == "__main__":
    main_benchmark()
