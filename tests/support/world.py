"""Real temporary worlds: a HOME, fake knife/kitchen/chef on PATH, chefwrap installed through its real
entry point, as on Linux or as on macOS; and the helpers the tests share (tests/conftest.py has the fixtures)."""

import io
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import psutil
import pytest

from chefwrap.environment import Environment
from chefwrap.main import main

from support.endpoint import Endpoint

PYTHON = sys.executable
SUPPORT = Path(__file__).resolve().parent  # tests/support
REPO = SUPPORT.parent.parent

PYTHON = sys.executable




ENTRY = "/chefwrap/shim/entry.py"


TOOLS = ("knife", "kitchen", "chef")


# The fake tool records what it was started with before Python can change anything (Python ignores
# SIGPIPE at start-up and may add LC_CTYPE to its environment), then execs the Python part.
# Signals are read with builtins only: dash blocks every signal while it forks, so a child reading
# /proc/$$/status could catch that moment.
FAKE_TOOL_SCRIPT = """#!/bin/sh
if [ -n "$FAKE_TOOL_REPORTS" ]; then
    while read -r line; do
        case "$line" in SigIgn:*|SigBlk:*) echo "$line" ;; esac
    done < "${{FAKE_TOOL_PROC:-/proc}}/$$/status" > "$FAKE_TOOL_REPORTS/$$.signals"
    cat "${{FAKE_TOOL_PROC:-/proc}}/$$/environ" > "$FAKE_TOOL_REPORTS/$$.environ"
fi
exec '{python}' '{fake}' "$0" "$@"
"""


# As on macOS and the BSDs (README, Platforms): a CPython built where the C library has no sigwaitinfo or
# sigtimedwait, /proc hidden in a private mount namespace, /bin/sh being bash in POSIX mode
# (tests/as_on_macos.py). The fake tools still report what they were started with, through the real
# /proc mounted elsewhere.
PLATFORMS = ("linux", "macos")


# macOS's /etc/zprofile runs path_helper in every login zsh, after ~/.zshenv: PATH becomes the folders of
# /etc/paths, then the rest. ~/bin stands in for /usr/local/bin, where Chef Workstation links its tools.
ZPROFILE_AS_ON_MACOS = """# As macOS's /etc/zprofile: path_helper puts the system folders first.
PATH="{system_folders}:$PATH"
typeset -U path
export PATH
"""


PYTHON_AS_ON_MACOS = """#!/bin/sh
# A CPython as macOS's and FreeBSD's are built: signal has no sigwaitinfo and no sigtimedwait.
[ "$1" = -IS ] && shift
exec '{python}' -IS -c 'import _signal, sys; del _signal.sigwaitinfo, _signal.sigtimedwait; sys.argv[:1] = []; __file__ = sys.argv[0]; exec(compile(open(__file__, "rb").read(), __file__, "exec"))' "$@"
"""


def virtual_environment_with_chefwraps_libraries(folder: Path) -> Path:
    """A new virtual environment at `folder` whose site-packages reach the tests' own libraries through a
    .pth file (as pipx's shared ones are reached), without a copy; returns its Python."""
    subprocess.run([PYTHON, "-m", "venv", "--without-pip", str(folder)], check=True, capture_output=True)
    (site_packages,) = folder.glob("lib/python*/site-packages")
    (site_packages / "chefwrap-test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return folder / "bin" / "python"


def wait_for(condition, timeout=10.0, what="a condition"):
    """Poll `condition` until it returns something truthy; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.01)


class World:
    """A user's machine in miniature: HOME, the real tools in ~/bin, and chefwrap's entry point."""

    def __init__(self, root: Path, endpoint: Endpoint, platform: str = "linux"):
        self.root = root
        self.endpoint = endpoint
        self.platform = platform
        self.home = root / "home"
        self.tools = self.home / "bin"
        self.reports = root / "reports"
        self.signals = root / "signals"
        for folder in (self.home, self.tools, self.reports):
            folder.mkdir(parents=True)
        # As in the home of anyone who has used fish: else fish's first prompt starts generating these in
        # the background, a process that would outlive the test.
        (self.home / ".local" / "share" / "fish" / "generated_completions").mkdir(parents=True)
        for tool in TOOLS:
            self.add_fake_tool(self.tools, tool)
        if platform == "macos":
            self.real_proc = root / "real-proc"
            self.real_proc.mkdir()
            self.python = root / "python-as-on-macos"
            self.python.write_text(PYTHON_AS_ON_MACOS.format(python=PYTHON))
            self.python.chmod(0o755)
            (root / "zprofile").write_text(ZPROFILE_AS_ON_MACOS.format(system_folders=f"{self.tools}:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"))
        else:
            self.python = Path(PYTHON)

    def command(self, argv) -> list:
        """`argv` as this world's platform runs it: as is, or as on macOS (tests/as_on_macos.py)."""
        argv = [str(argument) if isinstance(argument, Path) else argument for argument in argv]
        if self.platform != "macos":
            return argv
        private = ["--mount", "--propagation", "private"] if os.geteuid() == 0 else ["--user", "--map-root-user", "--mount"]
        return [shutil.which("unshare"), *private, "--", PYTHON, "-I", str(SUPPORT / "as_on_macos.py"), str(self.root), *argv]

    @property
    def shims(self) -> Path:
        return self.home / ".chefwrap" / "shims"

    def add_workstation(self) -> Path:
        """Chef Workstation as its installer lays it out, under this world's root instead of /: the tools
        in opt/chef-workstation/bin, whose chef prints a real `chef shell-init`. The installer links them
        from /usr/bin, which login shells cannot lose; here the links are in ~/bin, which Debian's
        ~/.profile puts on PATH."""
        omnibus = self.root / "opt" / "chef-workstation"
        for folder in (omnibus / "bin", omnibus / "embedded" / "bin"):
            folder.mkdir(parents=True)
        for tool in TOOLS:
            self.add_fake_tool(omnibus / "bin", tool)
            (self.tools / tool).unlink()
            (self.tools / tool).symlink_to(omnibus / "bin" / tool)
        return omnibus

    def login_env(self, **extra) -> dict:
        """The environment a new login gets: the system PATH (with the Workstation's links), no shims."""
        env = self.env(**extra)
        env["PATH"] = f"{self.tools}:/usr/local/bin:/usr/bin:/bin"
        return env

    @staticmethod
    def add_fake_tool(folder: Path, tool: str) -> Path:
        path = folder / tool
        path.write_text(FAKE_TOOL_SCRIPT.format(python=PYTHON, fake=SUPPORT / "fake_tool.py"))
        path.chmod(0o755)
        return path

    def env(self, path_first=None, **extra) -> dict:
        """A clean environment for this world; `path_first` folders go ahead of the shims."""
        path = [str(p) for p in (path_first or [])] + [str(self.shims), str(self.tools), "/usr/bin", "/bin"]
        env = {
            "HOME": str(self.home),
            "PATH": os.pathsep.join(path),
            "FAKE_TOOL_REPORTS": str(self.reports),
            "FAKE_TOOL_SIGNALS": str(self.signals),
            "LANG": "C.UTF-8",
            "CHEF_TELEMETRY_ENDPOINT": self.endpoint.url,
        }
        if self.platform == "macos":
            env["FAKE_TOOL_PROC"] = str(self.real_proc)
            # Set in every macOS session (Terminal starts a login shell). Without it, bash as /bin/sh adds
            # SHLVL=0 to what the tool gets (README, Known limits).
            env["SHLVL"] = "1"
        env.update({name: str(value) for name, value in extra.items()})
        return env

    def chefwrap(self, *args, env=None):
        """Run chefwrap's real entry point in this process; returns (exit code, stdout, stderr)."""
        stdout, stderr = io.StringIO(), io.StringIO()
        code = main(list(args), Environment(env or self.env(), stdout, stderr))
        return code, stdout.getvalue(), stderr.getvalue()

    def install(self, *args, env=None):
        code, out, err = self.chefwrap("install", *args, env=env)
        assert code == 0, (out, err)
        if self.platform == "macos":
            self.write_shims(self.python)
        return out

    def write_shims(self, python) -> None:
        """Shims that run chefwrap with `python`."""
        from chefwrap.setup import shim_files

        for tool in TOOLS:
            path = self.shims / tool
            path.write_bytes(shim_files.render(tool, self.shims, python=str(python)))
            path.chmod(0o755)

    def run(self, argv, env=None, **kwargs):
        """Run a command to its end, and the recorders of what it ran through the shims to theirs: the
        shim leaves the moment the tool has, and records in the background."""
        result = subprocess.run(self.command(argv), env=env or self.env(), capture_output=True, timeout=60, **kwargs)
        self.wait_for_recorders()
        return result

    def take_reports(self) -> list:
        """The fake tools' reports so far, oldest first; the folder is emptied."""
        reports = []
        for path in self.reports.glob("*.json"):
            reports.append(json.loads(path.read_text()))
        for path in self.reports.iterdir():
            path.unlink()
        return sorted(reports, key=lambda report: report["pid"])

    def take_report(self) -> dict:
        reports = self.take_reports()
        assert len(reports) == 1, reports
        return reports[0]

    def signals_received(self) -> list:
        try:
            return [line for line in self.signals.read_text().splitlines() if line != "ready"]
        except FileNotFoundError:
            return []

    def tool_is_ready(self) -> bool:
        return self.signals.exists() and "ready" in self.signals.read_text()

    @property
    def chef(self) -> Path:
        return self.home / ".chef"

    @property
    def spool(self) -> Path:
        return self.chef / "chefwrap" / "spool"

    def spooled(self) -> list:
        return sorted(name for name in os.listdir(self.spool) if not name.startswith(".")) if self.spool.exists() else []

    def opt_in(self, endpoint=None):
        """The user agreed to share with this world's endpoint (or `endpoint`), as `chefwrap telemetry
        enable` records it: a yes is for the endpoint it named."""
        env = self.env(**({"CHEF_TELEMETRY_ENDPOINT": endpoint} if endpoint else {}))
        code, out, err = self.chefwrap("telemetry", "enable", env=env)
        assert code == 0, out + err

    def processes(self, module) -> list:
        """The `python -m <module>` processes chefwrap started for this world (found by their HOME)."""
        found = []
        for process in psutil.process_iter(["cmdline"]):
            try:
                if module in (process.info["cmdline"] or []) and process.environ().get("HOME") == str(self.home):
                    found.append(process)
            except psutil.Error:
                continue
        return found

    def senders(self) -> list:
        return self.processes("chefwrap.delivery.sender")

    def recorders(self) -> list:
        """The recorders of this world's runs (chefwrap.shim.recorder): forks of shims that have exited,
        before and after they exec the recorder module."""
        found = []
        for process in psutil.process_iter(["cmdline", "ppid", "status"]):
            try:
                arguments = process.info["cmdline"] or []
                if process.info["status"] == psutil.STATUS_ZOMBIE:
                    continue
                forked = any(argument.endswith(ENTRY) for argument in arguments) and (process.info["ppid"] == 1 or os.getsid(process.pid) == process.pid)
                if (forked or "chefwrap.shim.recorder" in arguments) and process.environ().get("HOME") == str(self.home):
                    found.append(process)
            except (psutil.Error, OSError):
                continue
        return found

    def wait_for_recorders(self, timeout=10.0):
        """Until none is seen twice in a row: a process in the middle of exec shows no command line."""
        for _ in range(2):
            wait_for(lambda: not self.recorders(), timeout=timeout, what="the recorders to finish")
            time.sleep(0.005)

    def wait_for_senders_to_finish(self, timeout=20.0):
        wait_for(lambda: not self.senders(), timeout=timeout, what="the sender to finish")

    def retire(self) -> list:
        """A fixture's end: its recorders and senders given time to finish, those still running killed,
        its endpoint closed. Returns the senders that had to be killed."""
        try:
            self.wait_for_recorders()
            self.wait_for_senders_to_finish(timeout=15)
        finally:
            leftovers = stop_senders(self)
            self.endpoint.close()
        return leftovers


def skel(name: str) -> bytes:
    """Debian's default start-up files, as a new user gets them."""
    return (Path("/etc/skel") / name).read_bytes()


def shell_path(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: the test command installs it (see README)")
    return path


NOBODY = 65534


def as_user(uid) -> list:
    """Run as `uid`. The tests' Python may live where an unprivileged user cannot read it (/root/.pyenv):
    the user keeps CAP_DAC_READ_SEARCH, which lets it read anything but write only what it may write,
    and writing into a home is what these tests are about."""
    caps = ["--inh-caps=+dac_read_search", "--ambient-caps=+dac_read_search"]
    return ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", *caps, "--"]


def stop_senders(world) -> list:
    """Kill the world's senders still running; returns them."""
    running = world.senders()
    for process in running:
        process.kill()
    psutil.wait_procs(running, timeout=10)
    return running


def world_for_nobody(root) -> World:
    """A world an unprivileged user can reach: tests' own temporary folders are root's alone."""
    os.chmod(root, 0o755)
    world = World(Path(root), Endpoint())
    world.install("--shell", "bash")
    world.opt_in()
    return world


def spool_events(world, destination, count, env=None) -> list:
    """`count` events spooled for `destination` as a shim would; their event ids."""
    from chefwrap.delivery import spool
    from chefwrap.shim import event, sanitizer

    env = env or world.env()
    sanitized = sanitizer.sanitize("knife", ["node", "list"])
    event_ids = []
    for _ in range(count):
        built = event.build(sanitized, 0, 1.0, event.new_uuid(), {})
        spool.append(env, built["event_id"], destination, event.to_json(built))
        event_ids.append(built["event_id"])
    return event_ids
