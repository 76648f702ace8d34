"""After the tool exits: how long until the caller's wait returns, and until every chefwrap process is gone.

    .venv/bin/python benchmarks/after_exit.py [--runs 50]

A throw-away HOME gets `chefwrap install` and an opt-in, and a loopback endpoint that answers every post
at once. The "real" kitchen is a small Python script that writes the monotonic clock to a file and
_exits at once: the wait's end minus that instant is what the caller waits after the tool exited. Each
round calls the tool directly and through the shim, in random order, in a folder whose kitchen.yml is
one of the cases below; the report gives medians of the per-round differences (the shim's own wait
after exit), and, for the shim, the time from the wait's end until no recorder or sender of that HOME
is alive (the endpoint answers, so the sender leaves once it has posted).
"""

import argparse
import http.server
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from chefwrap.environment import Environment  # noqa: E402
from chefwrap.main import main  # noqa: E402

from support.hostile_files import deep_brackets, merge_key_bomb, slow_kitchen_yml  # noqa: E402

TOOL = """#!{python} -S
import os, time
with open(os.environ["EXITED_AT"], "w") as mark:
    mark.write(str(time.monotonic_ns()))
os._exit(0)
"""
CASES = {
    "no kitchen.yml": None,
    "kitchen.yml, 34,000 entries (seconds to parse)": slow_kitchen_yml,
    "kitchen.yml, merge keys (exponential before PyYAML 6.0.4)": merge_key_bomb,
    "kitchen.yml, 40,000 nested brackets (crashed PyYAML before 6.0.4)": deep_brackets,
}


class Answering(http.server.BaseHTTPRequestHandler):
    posts = 0  # a run that recorded nothing would measure nothing: main_benchmark checks

    def do_POST(self):  # noqa: N802 - http.server's name
        Answering.posts += 1
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(201)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


def build_world(root: Path, url: str) -> dict:
    home, tools = root / "home", root / "tools"
    tools.mkdir(parents=True)
    home.mkdir()
    for tool in ("knife", "kitchen", "chef"):
        (tools / tool).write_text(TOOL.format(python=sys.executable))
        (tools / tool).chmod(0o755)
    env = {"HOME": str(home), "PATH": f"{home}/.chefwrap/shims:{tools}:/usr/bin:/bin", "LANG": "C.UTF-8", "CHEF_TELEMETRY_ENDPOINT": url}
    if main(["install", "--shell", "bash"], Environment(env, open(os.devnull, "w"), sys.stderr)):
        raise SystemExit("chefwrap install failed")
    if main(["telemetry", "enable"], Environment(env, open(os.devnull, "w"), sys.stderr)):  # a yes for this endpoint
        raise SystemExit("chefwrap telemetry enable failed")
    return {"env": env, "home": str(home), "direct": [str(tools / "kitchen"), "list"], "shim": [f"{home}/.chefwrap/shims/kitchen", "list"]}


def wait_after_exit(argv, env, folder, mark) -> float:
    """ms from the tool's exit to the end of the caller's wait."""
    pid = os.posix_spawn(argv[0], argv, dict(env, EXITED_AT=mark, PWD=folder))
    os.waitpid(pid, 0)
    returned = time.monotonic_ns()
    with open(mark) as stream:
        return (returned - int(stream.read())) / 1e6


def chefwrap_alive(home: str) -> bool:
    """Whether any process of that HOME is alive: the tool has exited, so it is chefwrap's (a recorder,
    still the forked shim before its exec, or a sender), whatever its command line says."""
    for process in psutil.process_iter(["status"]):
        try:
            if process.pid == os.getpid() or process.info["status"] == psutil.STATUS_ZOMBIE:
                continue
            if process.environ().get("HOME") == home:
                return True
        except psutil.Error:
            continue
    return False


def seconds_until_gone(home: str, limit=30.0) -> float:
    started = time.monotonic()
    while chefwrap_alive(home):
        if time.monotonic() - started > limit:
            return float("inf")
        time.sleep(0.005)
    return time.monotonic() - started


def main_benchmark():
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--runs", type=int, default=50)
    args = options.parse_args()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Answering)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory(prefix="chefwrap-bench-") as root:
        world = build_world(Path(root), f"http://127.0.0.1:{server.server_address[1]}")
        mark = os.path.join(root, "exited-at")
        print(f"{args.runs} paired rounds a case on {os.cpu_count()} cores, Python {sys.version.split()[0]}")
        print(f"{'case':<68} {'direct':>8} {'shim':>8} {'added (median, p90)':>21} {'all gone (median, max)':>24}")
        for name, content in CASES.items():
            folder = os.path.join(root, f"case-{len(name)}")
            os.mkdir(folder)
            if content:
                with open(os.path.join(folder, "kitchen.yml"), "wb") as stream:
                    stream.write(content())
            direct, shim, added, gone = [], [], [], []
            for _ in range(args.runs):
                times = {}
                for which in random.sample(["direct", "shim"], 2):
                    times[which] = wait_after_exit(world[which], world["env"], folder, mark)
                    if which == "shim":
                        gone.append(seconds_until_gone(world["home"]))
                direct.append(times["direct"])
                shim.append(times["shim"])
                added.append(times["shim"] - times["direct"])
            if not Answering.posts:
                raise SystemExit("no event reached the endpoint: the shim recorded nothing, so there is nothing to measure")
            p90 = sorted(added)[int(0.9 * len(added))]
            print(
                f"{name:<68} {statistics.median(direct):6.2f}ms {statistics.median(shim):6.2f}ms "
                f"{statistics.median(added):9.2f} ms, {p90:5.2f} ms {statistics.median(gone):11.3f} s, {max(gone):5.3f} s"
            )
    server.shutdown()


if __name__ == "__main__":
    main_benchmark()
