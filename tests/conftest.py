"""The fixtures: worlds (tests/support/world.py) as on Linux and as on macOS, collectors and databases."""

import os
import pty
import shutil
import signal
import subprocess
import tempfile

import pytest

from support.endpoint import Endpoint
from support.world import PLATFORMS, World, world_for_nobody


def hear_terminal_signals() -> None:
    """A suite started with signals ignored (under nohup, or as a background job of a script) would pass
    SIG_IGN on to every tool it starts, and the tests that a shim passes SIGHUP or SIGINT on would see
    the tool ignore them. A user's shell starts tools hearing them: so does the suite."""
    for number, handler in ((signal.SIGHUP, signal.SIG_DFL), (signal.SIGINT, signal.default_int_handler), (signal.SIGQUIT, signal.SIG_DFL)):
        if signal.getsignal(number) == signal.SIG_IGN:
            signal.signal(number, handler)


def pytest_configure(config):
    hear_terminal_signals()
    config.addinivalue_line("markers", "both_platforms: run each test as on Linux and as on macOS (World.platform)")
    config.addinivalue_line("markers", "linux_only: in a both_platforms module, a test of what no platform changes (state files, the sender's clock)")
    config.addinivalue_line("markers", "fast: the fast tier (tests/run --fast): in-process, no shell, terminal, database or browser")
    config.addinivalue_line("markers", "slow: in a fast module, a test left to the full suite (the largest property tests)")


@pytest.fixture(autouse=True)
def in_process_only(request, monkeypatch):
    """A test of the fast tier starts no process: one that does fails, so the tier stays what it says."""
    if not request.node.get_closest_marker("fast"):
        return

    def refused(*args, **kwargs):
        raise AssertionError("a test marked fast started a process: it belongs to the full suite")

    monkeypatch.setattr(subprocess.Popen, "_execute_child", refused)
    for name in ("fork", "posix_spawn", "posix_spawnp", "execve"):
        if hasattr(os, name):
            monkeypatch.setattr(os, name, refused)
    monkeypatch.setattr(pty, "fork", refused)


def pytest_generate_tests(metafunc):
    marked = metafunc.definition.get_closest_marker("both_platforms")
    if "platform" in metafunc.fixturenames and marked and not metafunc.definition.get_closest_marker("linux_only"):
        metafunc.parametrize("platform", PLATFORMS, indirect=True)


@pytest.fixture
def platform(request) -> str:
    """The platform a world is as (PLATFORMS): Linux, unless a test marked both_platforms asks for each."""
    return getattr(request, "param", "linux")


@pytest.fixture
def world(tmp_path, platform):
    endpoint = Endpoint()
    world = World(tmp_path, endpoint, platform)
    yield world
    assert not world.retire(), "a sender outlived its test"


@pytest.fixture
def installed(world) -> World:
    """A world where `chefwrap install --shell bash` has run and the user agreed to share."""
    world.install("--shell", "bash")
    world.opt_in()
    return world


@pytest.fixture(scope="session")
def postgres_server():
    """One real PostgreSQL server for a test worker's collector tests (tests/postgres.py)."""
    from support.postgres import Server

    server = Server()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    """A fresh collector database: an SQLite file, or a new database on the real PostgreSQL server."""
    if request.param == "sqlite":
        return str(tmp_path / "collector.sqlite3")
    server = request.getfixturevalue("postgres_server")
    return server.new_database(f"t_{os.urandom(6).hex()}")


@pytest.fixture
def collector(database):
    """`chefwrap collector serve` on that database, on a loopback port (tests/collector_world.py), with the
    privacy threshold off (--min-sessions 1: every event counted, today's too), as its operator may."""
    from support.collector_world import Collector

    server = Collector(database, "--min-sessions", "1")
    yield server
    server.stop()


@pytest.fixture
def home_of_nobody():
    root = tempfile.mkdtemp(prefix="chefwrap-sudo-")
    try:
        world = world_for_nobody(root)
        yield world
        world.retire()
    finally:
        shutil.rmtree(root)
