"""The shims' sh front end: the tools keep working when chefwrap's Python is gone, cost no Python when
nothing is recorded, and decide exactly as chefwrap.state.consent does."""

import json
import os
import shutil
import signal
import subprocess

import pytest

from chefwrap.setup import shim_files

from support.terminal import Terminal
from support.world import PYTHON, REPO, SUPPORT, TOOLS, virtual_environment_with_chefwraps_libraries

# The shim's hot path, as on Linux and as on macOS (conftest.PLATFORMS).
pytestmark = pytest.mark.both_platforms

PROBE = SUPPORT / "decision_probe.py"
# What the front end tells chefwrap's Python of the caller's LC_CTYPE (shims/shim.template), for the probe.
NOTE_LC_CTYPE = 'if [ -n "${LC_CTYPE+set}" ]; then __CHEFWRAP_LC_CTYPE="=$LC_CTYPE"; else __CHEFWRAP_LC_CTYPE=-; fi; export __CHEFWRAP_LC_CTYPE; '



def write_shims(world, python, package_parent=None, tools=TOOLS):
    world.shims.mkdir(parents=True, exist_ok=True)
    for tool in tools:
        path = world.shims / tool
        path.write_bytes(shim_files.render(tool, world.shims, python=str(python), package_parent=package_parent))
        path.chmod(0o755)
    return world.shims


def tripwire(world):
    """A "Python" that only notes it was started: any run that reaches it did not take the fast path."""
    path = world.root / "tripwire-python"
    mark = world.root / "python-was-started"
    path.write_text(f"#!/bin/sh\n: > '{mark}'\nexit 97\n")
    path.chmod(0o755)
    return path, mark


def as_bytes(env):
    return {os.fsencode(name): os.fsencode(value) if isinstance(value, str) else value for name, value in env.items()}


# A deleted interpreter


@pytest.fixture
def doomed_venv(world):
    """A virtual environment chefwrap's shims run, about to be deleted as `pipx uninstall` or a Python
    upgrade would."""
    venv = world.root / "venv"
    write_shims(world, virtual_environment_with_chefwraps_libraries(venv))
    world.opt_in()
    return venv


def test_the_tools_run_through_the_shims_python_until_it_is_gone(world, doomed_venv):
    result = world.run([world.shims / "knife", "exit", "3"])
    assert (result.returncode, result.stderr) == (3, b"")
    (request,) = world.endpoint.wait_for(1)  # recorded: the venv's Python ran
    world.wait_for_senders_to_finish()

    shutil.rmtree(doomed_venv)
    world.take_reports()
    for extra in ({}, {"CHEFWRAP_BYPASS": "1"}, {"CHEF_TELEMETRY_OPT_OUT": "1"}):
        for tool in TOOLS:
            shim = subprocess.Popen(world.command([world.shims / tool, "exit", "5"]), env=world.env(**extra), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            out, err = shim.communicate(timeout=30)
            assert (shim.returncode, out, err) == (5, b"", b"")
            report = world.take_report()
            assert (report["tool"], report["pid"]) == (tool, shim.pid)  # the shim became the real tool
    assert len(world.endpoint.requests) == 1


def test_a_damaged_chefwrap_still_runs_the_tool_as_the_caller_would(world):
    """Python is there but chefwrap's hot path cannot be imported: the tool still gets the caller's
    environment (no LC_CTYPE added on a C locale) and default SIGPIPE, and nothing is printed."""
    damaged = world.root / "damaged"
    shutil.copytree(REPO / "chefwrap", damaged / "chefwrap", ignore=shutil.ignore_patterns("__pycache__"))
    (damaged / "chefwrap" / "shim" / "launcher.py").unlink()
    write_shims(world, PYTHON, package_parent=str(damaged))
    world.opt_in()
    env = {name: value for name, value in world.env(PWD=str(world.home), LANG="C").items()}
    direct = world.run([world.tools / "knife", "exit", "0"], env=env, cwd=world.home)
    through_shim = world.run([world.shims / "knife", "exit", "0"], env=env, cwd=world.home)
    assert (through_shim.returncode, through_shim.stdout, through_shim.stderr) == (direct.returncode, direct.stdout, direct.stderr)
    direct_report, shim_report = world.take_reports()
    assert sorted(shim_report["environment"]) == sorted(direct_report["environment"])
    assert int(shim_report["ignored"], 16) & (1 << (signal.SIGPIPE - 1)) == 0
    assert world.endpoint.requests == []


def test_a_deleted_python_never_loops_through_copies_of_the_shims(world, doomed_venv):
    shutil.rmtree(doomed_venv)
    copy = world.root / "copy"
    other = world.root / "other"
    shutil.copytree(world.shims, copy)
    shutil.copytree(world.shims, other)
    linked = world.root / "linked"
    linked.symlink_to(world.shims)
    env = world.env(path_first=[copy, linked, other])
    for shim in (copy / "knife", linked / "knife", other / "knife", world.shims / "knife"):
        result = world.run([shim, "exit", "4"], env=env)
        assert (result.returncode, result.stderr) == (4, b"")
        assert world.take_report()["cwd"]
    (world.tools / "knife").unlink()
    result = world.run([other / "knife"], env=env)
    assert (result.returncode, result.stderr) == (127, b"chefwrap: knife: not found on PATH after the chefwrap shims\n")


def test_a_shell_runs_the_tools_after_python_is_deleted(world, doomed_venv):
    shutil.rmtree(doomed_venv)
    script = "knife exit 6; echo knife=$?; kitchen echo still here; chef die TERM; echo chef=$?"
    result = world.run(["bash", "-c", script])
    assert result.stdout == b"knife=6\nstill here\nchef=143\n"
    env = world.env()
    env["PATH"] = env["PATH"].replace(f"{world.shims}:", "")
    without_chefwrap = world.run(["bash", "-c", script], env=env)
    assert (result.stdout, result.stderr) == (without_chefwrap.stdout, without_chefwrap.stderr)


# Nothing recorded, no Python started


@pytest.mark.parametrize(
    "extra, files",
    [
        pytest.param({"CHEFWRAP_BYPASS": "1"}, [], id="bypass"),
        pytest.param({"CHEF_TELEMETRY_OPT_OUT": ""}, [], id="opt-out-variable"),
        pytest.param({"DO_NOT_TRACK": "1"}, [], id="do-not-track"),
        pytest.param({}, [".chef/telemetry_opt_out"], id="user-opt-out"),
        pytest.param({}, ["repository/.chef/telemetry_opt_out"], id="repository-opt-out"),
        pytest.param({}, [], id="undecided-without-a-terminal"),
    ],
)
def test_when_nothing_is_recorded_no_python_starts(world, extra, files):
    python, mark = tripwire(world)
    write_shims(world, python)
    repository = world.home / "repository" / "cookbooks" / "web"
    repository.mkdir(parents=True)
    for name in files:
        (world.home / name).parent.mkdir(parents=True, exist_ok=True)
        (world.home / name).write_bytes(b"")
    env = world.env(PWD=repository, **extra)
    shim = subprocess.Popen(world.command([world.shims / "kitchen", "exit", "2"]), env=env, cwd=repository)
    assert shim.wait(timeout=30) == 2
    assert not mark.exists()
    assert world.take_report()["pid"] == shim.pid


def test_an_undecided_user_on_a_terminal_is_left_to_python_to_ask(world):
    python, mark = tripwire(world)
    write_shims(world, python)
    terminal = Terminal(world.command([world.shims / "knife", "exit", "0"]), world.env(), cwd=world.home)
    try:
        status = terminal.wait()
    finally:
        terminal.close()
    assert os.waitstatus_to_exitcode(status) == 97 and mark.exists()


def test_chef_telemetry_is_answered_by_chefwrap_even_when_opted_out(installed):
    result = installed.run([installed.shims / "chef", "telemetry", "status"], env=installed.env(DO_NOT_TRACK="1"))
    assert result.returncode == 0
    assert b"DO_NOT_TRACK" in result.stdout
    assert installed.take_reports() == []  # the real chef never saw it


# The sh front end decides as chefwrap.state.consent does


VALUES = ["1", "true", "TRUE", "yes", "y", "on", "off", "2", "-1", "0", "", "false", "False", "no", "NO", " 1", "0 ", "\t0", "\n", b"\xa00", b"\x1c0", "\u00e9"]


def scenarios():
    """(id, variables, files under the world's root, the working folder under the root, tool and args)."""
    found = []
    for variable in ("CHEFWRAP_BYPASS", "DO_NOT_TRACK", "CHEF_TELEMETRY_OPT_OUT"):
        for index, value in enumerate(VALUES):
            found.append((f"{variable}-{index}", {variable: value}, [], "home", ["knife"]))
    for index, value in enumerate(VALUES):
        found.append((f"debug-{index}", {"CHEF_TELEMETRY_DEBUG": value}, ["home/.chef/telemetry_opt_out"], "home", ["knife"]))
    repository = "home/work/repository"
    found += [
        ("repository-here", {}, [f"{repository}/.chef/telemetry_opt_out"], repository, ["kitchen"]),
        ("repository-above", {}, [f"{repository}/.chef/telemetry_opt_out"], f"{repository}/cookbooks/web", ["kitchen"]),
        ("repository-a-folder", {}, [f"{repository}/.chef/telemetry_opt_out/"], repository, ["kitchen"]),
        ("repository-root", {}, [".chef/telemetry_opt_out"], repository, ["kitchen"]),
        ("user", {}, ["home/.chef/telemetry_opt_out"], "home", ["knife"]),
        ("chef-home", {"CHEF_HOME": "{root}/chef-home"}, ["chef-home/.chef/telemetry_opt_out"], "home", ["knife"]),
        ("chef-home-not-home", {"CHEF_HOME": "{root}/chef-home"}, ["home/.chef/telemetry_opt_out"], "home", ["knife"]),
        ("chef-home-empty", {"CHEF_HOME": ""}, ["home/.chef/telemetry_opt_out"], "home", ["knife"]),
        ("home-relative", {"HOME": "home"}, ["home/.chef/telemetry_opt_out"], "", ["knife"]),
        ("home-empty", {"HOME": ""}, [], "home", ["knife"]),
        ("home-unset", {"HOME": None}, [], "home", ["knife"]),
        ("opted-in", {}, ["home/.chef/telemetry_opt_in"], "home", ["knife"]),
        ("opted-in-and-out", {}, ["home/.chef/telemetry_opt_in", "home/.chef/telemetry_opt_out"], "home", ["knife"]),
        ("local-mode", {}, [("home/.chef/chefwrap/config.toml", 'mode = "local"\n')], "home", ["knife"]),
        ("undecided", {}, [], "home", ["knife"]),
        ("agreed-to-this-endpoint", {}, ["home/.chef/telemetry_opt_in", ("home/.chef/chefwrap/shared-with", "{endpoint}\n")], "home", ["knife"]),
        ("agreed-to-another-endpoint", {}, [("home/.chef/chefwrap/shared-with", "https://elsewhere.example\n")], "home", ["knife"]),
        ("agreed-to-chef-only", {"CHEF_TELEMETRY_ENDPOINT": ""}, ["home/.chef/telemetry_opt_in"], "home", ["knife"]),
        ("agreed-to-the-settings-endpoint", {"CHEF_TELEMETRY_ENDPOINT": ""}, [("home/.chef/chefwrap/config.toml", 'endpoint = "https://collector.example"\n'), ("home/.chef/chefwrap/shared-with", "https://collector.example\n")], "home", ["knife"]),
        ("endpoint-spelled-otherwise", {"CHEF_TELEMETRY_ENDPOINT": "HTTPS://Collector.example/"}, [("home/.chef/chefwrap/shared-with", "https://collector.example\n")], "home", ["knife"]),
        ("settings-endpoint-not-agreed", {"CHEF_TELEMETRY_ENDPOINT": ""}, ["home/.chef/telemetry_opt_in", ("home/.chef/chefwrap/config.toml", 'endpoint = "https://collector.example"\n')], "home", ["knife"]),
        ("do-not-track-and-opted-out", {"DO_NOT_TRACK": "1"}, ["home/.chef/telemetry_opt_out"], "home", ["knife"]),
        ("bypass-and-do-not-track", {"CHEFWRAP_BYPASS": "1", "DO_NOT_TRACK": "1"}, [], "home", ["knife"]),
        ("chef-telemetry-opted-out", {"CHEF_TELEMETRY_OPT_OUT": "1"}, [], "home", ["chef", "telemetry", "status"]),
        ("chef-telemetry-bypassed", {"CHEFWRAP_BYPASS": "1"}, [], "home", ["chef", "telemetry", "status"]),
        ("chef-telemetry-debug-opted-out", {"CHEF_TELEMETRY_DEBUG": "1", "DO_NOT_TRACK": "1"}, [], "home", ["chef", "generate"]),
        ("stale-pwd", {"PWD": "{root}/elsewhere"}, ["elsewhere/.chef/telemetry_opt_out"], "home", ["knife"]),
        ("chef-shell-init-opted-in", {}, ["home/.chef/telemetry_opt_in"], "home", ["chef", "shell-init", "bash"]),
        ("chef-shell-init-debug", {"CHEF_TELEMETRY_DEBUG": "1"}, ["home/.chef/telemetry_opt_in"], "home", ["chef", "shell-init", "zsh"]),
    ]
    return found


# Where the front end must not start Python at all: whatever it can see for certain.
SURELY_SET = ("1", "true", "TRUE", "yes", "y", "2", "-1", " 1")
SURELY_UNSET = ("", "0", "false", "False", "no", "NO")
FAST = {f"{variable}-{VALUES.index(value)}" for variable in ("CHEFWRAP_BYPASS", "DO_NOT_TRACK") for value in SURELY_SET + SURELY_UNSET}
FAST |= {f"CHEF_TELEMETRY_OPT_OUT-{index}" for index in range(len(VALUES))}
FAST |= {f"debug-{VALUES.index(value)}" for value in SURELY_UNSET}
FAST |= {"repository-here", "repository-above", "repository-a-folder", "repository-root", "user", "chef-home", "chef-home-empty"}
FAST |= {"chef-shell-init-opted-in", "chef-shell-init-debug"}
FAST |= {"opted-in-and-out", "chef-home-not-home", "undecided", "do-not-track-and-opted-out", "bypass-and-do-not-track", "chef-telemetry-bypassed", "stale-pwd"}


@pytest.mark.parametrize("scenario", scenarios(), ids=lambda scenario: scenario[0])
def test_the_front_end_decides_as_consent_does(world, scenario):
    name, variables, files, folder, command = scenario
    root = world.root
    for entry in files:
        relative, content = entry if isinstance(entry, tuple) else (entry, "")
        path = root / relative
        if relative.endswith("/"):
            path.mkdir(parents=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content.replace("{endpoint}", world.endpoint.url))
    (root / "elsewhere").mkdir(exist_ok=True)
    cwd = root / folder
    cwd.mkdir(parents=True, exist_ok=True)
    env = world.env(PWD=cwd)
    for variable, value in variables.items():
        if value is None:
            env.pop(variable, None)
        else:
            env[variable] = value.replace("{root}", str(root)) if isinstance(value, str) else value
    env = as_bytes(env)
    python, mark = tripwire(world)
    write_shims(world, python)

    probe = subprocess.run(
        world.command(["/bin/sh", "-c", NOTE_LC_CTYPE + 'exec "$0" -IS "$@"', PYTHON, str(PROBE), *command]), env=env, cwd=cwd, capture_output=True, timeout=60
    )
    assert probe.returncode == 0, probe.stderr
    python_says = json.loads(probe.stdout)
    # The launcher runs the tool before consent decides only where consent would neither ask nor tell.
    assert not (python_says.pop("shortcut", False) and python_says.get("asks_or_tells")), name
    python_says.pop("asks_or_tells", None)

    result = subprocess.run(world.command([world.shims / command[0], *command[1:]]), env=env, cwd=cwd, capture_output=True, timeout=60)
    if mark.exists():
        front_end_says = {"outcome": "python"}
        assert result.returncode == 97
    else:
        assert result.returncode == 0 and result.stderr == b"", result.stderr
        front_end_says = {"outcome": "exec", "env": sorted(world.take_report()["environment"])}

    if front_end_says["outcome"] == "exec":
        assert python_says == front_end_says
    assert (front_end_says["outcome"] == "exec") == (name in FAST)


# The shims an earlier chefwrap wrote


def write_old_shims(world):
    """The `#!python -IS` shims chefwrap 0.1 wrote, as its install rendered them."""
    template = (SUPPORT / "shim-0.1.0.template").read_text()
    world.shims.mkdir(parents=True, exist_ok=True)
    for tool in TOOLS:
        text = template.format(interpreter_line=f"#!{PYTHON} -IS", version="0.1.0", package_parent=repr(str(REPO)), tool=repr(tool))
        (world.shims / tool).write_text(text)
        (world.shims / tool).chmod(0o755)


def test_shims_an_earlier_chefwrap_wrote_keep_working_until_install_refreshes_them(world):
    write_old_shims(world)
    world.opt_in()
    result = world.run([world.shims / "knife", "nested", "exit", "5"])
    assert (result.returncode, result.stderr) == (5, b"")
    outer, inner = world.take_reports()
    assert int(outer["ignored"], 16) & (1 << (signal.SIGPIPE - 1)) == 0  # run by the launcher, not a bare exec
    recorded = 1
    if world.platform == "linux":
        assert inner["ppid"] == outer["pid"]  # the nested call went straight to the real tool
    else:
        recorded = 2  # without /proc a nested call is recorded too (README, Platforms)
    requests = world.endpoint.wait_for(recorded)
    assert [request.event["payload"]["properties"]["command"] for request in requests] == ["knife"] * recorded
    world.wait_for_senders_to_finish()

    world.install("--shell", "bash")
    assert all(shim_files.is_sh_front_end(world.shims / tool) for tool in TOOLS)
    assert world.run([world.shims / "knife", "exit", "3"]).returncode == 3
    world.endpoint.wait_for(recorded + 1)
    world.wait_for_senders_to_finish()
