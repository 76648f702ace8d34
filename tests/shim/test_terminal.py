"""In a real terminal, through a real interactive bash: Ctrl-C, Ctrl-Z and resizes reach the tool directly, once."""

import pytest

from support.terminal import Terminal
from support.world import shell_path, wait_for

# The shim's hot path, as on Linux and as on macOS (conftest.PLATFORMS).
pytestmark = pytest.mark.both_platforms


@pytest.fixture
def bash(installed):
    terminal = Terminal(installed.command([shell_path("bash"), "--norc", "--noprofile", "-i"]), installed.env(PS1="prompt$ "), cwd=installed.home)
    terminal.expect(b"prompt$ ")
    yield terminal
    terminal.close()


def test_ctrl_c_reaches_the_tool_once_and_stops_the_loop(installed, bash):
    bash.send(b"for i in 1 2 3; do knife wait-signals; echo after-$i; done\n")
    wait_for(installed.tool_is_ready, what="the tool to start")
    bash.send(b"\x03")
    bash.expect(b"prompt$ ")
    bash.send(b"echo status=$?\n")
    bash.expect(b"status=130")
    bash.expect(b"prompt$ ")

    assert installed.signals_received() == ["SIGINT"]
    assert b"after-" not in bash.output.replace(b"echo after-", b"")


def test_the_tool_owns_the_terminal(installed, bash):
    bash.send(b"knife exit 0; echo finished-$((6*7))\n")
    bash.expect(b"finished-42")
    report = installed.take_report()
    assert report["ttys"] == [True, True, True]
    assert report["foreground_pgid"] == report["pgid"]


def test_ctrl_z_stops_the_tool_and_fg_resumes_it(installed, bash):
    bash.send(b"knife wait-signals\n")
    wait_for(installed.tool_is_ready, what="the tool to start")
    bash.send(b"\x1a")
    bash.expect(b"Stopped")
    bash.expect(b"prompt$ ")
    bash.send(b"fg\n")
    wait_for(lambda: "SIGCONT" in installed.signals_received(), what="the tool to be continued")
    bash.send(b"\x03")
    bash.expect(b"prompt$ ")
    assert installed.signals_received() == ["SIGCONT", "SIGINT"]


def test_a_window_resize_reaches_the_tool_once(installed, bash):
    bash.send(b"knife wait-signals\n")
    wait_for(installed.tool_is_ready, what="the tool to start")
    bash.resize(40, 120)
    wait_for(lambda: "SIGWINCH" in installed.signals_received(), what="SIGWINCH")
    bash.send(b"\x03")
    bash.expect(b"prompt$ ")
    assert installed.signals_received() == ["SIGWINCH", "SIGINT"]


def test_a_tool_that_handles_ctrl_c_is_waited_for_and_its_status_kept(installed, bash):
    bash.send(b"knife trap-int 42; echo status=$?\n")
    wait_for(installed.tool_is_ready, what="the tool to start")
    bash.send(b"\x03")
    bash.expect(b"cleaned up")
    bash.expect(b"status=42")
    assert installed.signals_received() == ["SIGINT"]


@pytest.fixture(autouse=True)
def no_traceback_ever(bash):
    yield
    assert b"Traceback" not in bash.output and b"KeyboardInterrupt" not in bash.output
