"""Done the moment the tool is: the caller's wait returns with the tool's status at once, and the run is
recorded afterwards by a detached recorder that no file, parser, blocked signal or crash keeps alive past
its deadline, with chefwrap's own libraries only."""

import signal
import subprocess
import sys
import sysconfig
import time

import pytest

from chefwrap import isolated

from support.hostile_files import deep_brackets, merge_key_bomb, slow_kitchen_yml
from support.world import PYTHON, REPO, wait_for

# The shim's hot path, as on Linux and as on macOS (conftest.PLATFORMS).
pytestmark = pytest.mark.both_platforms

HOSTILE = {"merge-keys": merge_key_bomb, "deep-brackets": deep_brackets, "34000-entries": slow_kitchen_yml}


@pytest.fixture(scope="session")
def old_pyyaml(tmp_path_factory):
    """A virtual environment whose PyYAML is 6.0.3, which expands merge keys exponentially and overflows
    its stack on deep nesting, as a base interpreter's older PyYAML does: the parse really runs away, so
    what stops it is chefwrap's budget, deadline and memory of the file, not PyYAML's own fix."""
    from support.world import virtual_environment_with_chefwraps_libraries

    folder = tmp_path_factory.mktemp("old-pyyaml") / "venv"
    python = virtual_environment_with_chefwraps_libraries(folder)
    (site_packages,) = folder.glob("lib/python*/site-packages")
    install = [PYTHON, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-deps", "--target", str(site_packages), "pyyaml==6.0.3"]
    subprocess.run(install, check=True, capture_output=True, timeout=300)
    return python


@pytest.fixture(params=["chefwraps-pyyaml", "old-pyyaml"])
def yaml_world(request, installed):
    if request.param == "old-pyyaml":
        python = request.getfixturevalue("old_pyyaml")
        if installed.platform == "macos":  # the macOS stand-in execs the Python it names
            installed.python.write_text(installed.python.read_text().replace(PYTHON, str(python)))
        else:
            installed.write_shims(python)
    installed.pyyaml = request.param
    return installed


def chefwrap_processes(world) -> list:
    """Recorders and senders of this world still alive."""
    return world.recorders() + world.senders()


def core_files_allowed():
    """As where users allow core files (ulimit -c unlimited): a crash would leave one in the folder."""
    import resource

    resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


def kitchen_in(world, folder, *args):
    """A kitchen run through the shim, timed as its caller waits for it: (result, seconds)."""
    started = time.monotonic()
    command = world.command([world.shims / "kitchen", *args])
    result = subprocess.run(command, env=world.env(PWD=folder), cwd=folder, capture_output=True, timeout=60, preexec_fn=core_files_allowed)
    return result, time.monotonic() - started


@pytest.mark.parametrize("hostile", sorted(HOSTILE))
def test_a_hostile_kitchen_yml_costs_the_caller_nothing_and_is_skipped_next_time(yaml_world, hostile):
    world = yaml_world
    repository = world.root / "repository"
    repository.mkdir()
    (repository / "kitchen.yml").write_bytes(HOSTILE[hostile]())
    quick, _ = kitchen_in(world, repository, "exit", "0")  # the tool alone, to compare with
    world.wait_for_recorders()

    first, waited = kitchen_in(world, repository, "exit", "3")
    assert (first.returncode, first.stdout, first.stderr) == (3, b"", b"")
    assert waited < 2.0  # the parse alone takes minutes, or crashes, with the old PyYAML
    wait_for(lambda: not chefwrap_processes(world), timeout=3.0, what="every chefwrap process to be gone")

    second, _ = kitchen_in(world, repository, "exit", "4")
    assert (second.returncode, second.stdout, second.stderr) == (4, b"", b"")
    wait_for(lambda: not chefwrap_processes(world), timeout=3.0, what="every chefwrap process to be gone")
    events = [request.event for request in world.endpoint.requests]
    codes = [event["payload"]["properties"]["exit_code"] for event in events]
    # A parser that crashed costs that run's event at most. (The sender posts the freshest first: a first
    # run's event that waited in the spool may arrive after the second's.)
    assert 4 in codes and set(codes) <= {0, 3, 4}
    assert not list(repository.glob("core*"))  # and leaves no core file in the user's folder
    (last,) = [event["payload"]["properties"] for event in events if event["payload"]["properties"]["exit_code"] == 4]
    if hostile == "merge-keys" and world.pyyaml == "chefwraps-pyyaml":
        assert last["kitchen"]["driver"] == "vagrant"  # chefwrap's own PyYAML reads it at once
    else:
        assert "kitchen" not in last  # out of time, crashed or refused: remembered, and skipped


def test_the_recorder_is_gone_at_its_deadline_whatever_it_is_doing(world):
    """However the recorder blocks (here a sleep, with the caller's SIGALRM blocked and ignored before
    the fork), the alarm its detaching sets ends it two seconds later."""
    probe = (
        f"import sys, time, signal; sys.path.insert(0, {str(REPO)!r});"
        "from chefwrap.shim import launcher;"
        "signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM, signal.SIGTERM});"
        "signal.signal(signal.SIGALRM, signal.SIG_IGN);"
        "launcher.become_detached_recorder(keep_stderr=False);"
        "time.sleep(60)"
    )
    started = time.monotonic()
    recorder = subprocess.Popen(world.command([PYTHON, "-I", "-c", probe]))
    assert recorder.wait(timeout=10) == -signal.SIGALRM
    assert time.monotonic() - started < 3.0


def test_the_recorder_imports_only_the_libraries_chefwrap_was_installed_with(world, old_pyyaml):
    """Its sys.path holds chefwrap's folder and its virtual environment's site-packages, and no folder of
    the base interpreter's, whose PyYAML may be an older one."""
    base = {sysconfig.get_paths(vars={"base": sys.base_prefix, "platbase": sys.base_prefix})[name] for name in ("purelib", "platlib")}
    script = "import sys, yaml; print(repr(sys.path)); print(yaml.__version__)"
    module = f"probe_{world.root.name}"  # the environment is shared by the tests: a name of this test's own
    (world.root / f"{module}.py").write_text(script)
    result = subprocess.run(isolated.command(str(old_pyyaml), module), capture_output=True, text=True, cwd=world.root, env={"PATH": "/usr/bin:/bin"})
    assert result.returncode != 0  # the working folder is not on sys.path either: the module is not found
    probe = world.root / "site-packages-probe"
    probe.mkdir()
    (site_packages,) = old_pyyaml.parent.parent.glob("lib/python*/site-packages")
    (site_packages / f"{module}.py").write_text(script)
    try:
        result = subprocess.run(isolated.command(str(old_pyyaml), module), capture_output=True, text=True, cwd=probe, env={"PATH": "/usr/bin:/bin"})
    finally:
        (site_packages / f"{module}.py").unlink()
    path_line, version = result.stdout.splitlines()
    path = eval(path_line)  # a list of folders
    assert str(site_packages) in path
    assert not base & set(path), path
    assert version == "6.0.3"  # the environment's own, not the one of the tests' Python
