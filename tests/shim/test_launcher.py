"""The shim is indistinguishable from the real tool: argv, environment, stdio, signals, exit status."""

import os
import signal
import subprocess
import sys

import psutil
import pytest

from support.world import wait_for

# The shim's hot path, as on Linux and as on macOS (conftest.PLATFORMS).
pytestmark = pytest.mark.both_platforms

STRANGE_ARGUMENTS = [
    b"",
    b"two words",
    b"'single' \"double\"",
    b"line one\nline two",
    b"\xff\xfe not utf-8 \x80",
    b"--option=value with spaces",
    b"-",
    b"--",
    b"$HOME `id` $(id) *",
    "ünïcødé ☃".encode(),
]


def comparable(report):
    """What the tool can see of its start, minus what must differ between two runs. The shims are sh
    scripts: /bin/sh passes the environment on in an order of its own (see README, known limits)."""
    seen = {key: value for key, value in report.items() if key not in ("pid", "ppid", "pgid", "fds")}
    seen["environment"] = sorted(seen["environment"])
    return seen


def test_the_tool_sees_exactly_what_a_direct_call_gives_it(installed):
    argv = [b"node", b"show"] + STRANGE_ARGUMENTS
    env = installed.env(PWD=installed.root)  # as every shell passes it
    direct = installed.run([installed.tools / "knife"] + argv, env=env, cwd=installed.root)
    through_shim = installed.run([installed.shims / "knife"] + argv, env=env, cwd=installed.root)

    reports = installed.take_reports()
    assert direct.returncode == through_shim.returncode == 0
    assert len(reports) == 2
    assert comparable(reports[0]) == comparable(reports[1])
    assert [bytes.fromhex(arg) for arg in reports[1]["argv"]] == argv


@pytest.mark.parametrize("locale", [{}, {"LANG": "C"}, {"LC_ALL": "POSIX"}])
def test_the_environment_is_passed_byte_for_byte_even_on_a_c_locale(installed, locale):
    env = {key: value for key, value in installed.env(PWD=installed.home).items() if key != "LANG"}
    env.update(locale, ODD="x\ny=z", EMPTY="")
    installed.run([installed.tools / "knife"], env=env, cwd=installed.home)
    installed.run([installed.shims / "knife"], env=env, cwd=installed.home)

    direct, through_shim = installed.take_reports()
    assert sorted(through_shim["environment"]) == sorted(direct["environment"])
    assert not any(bytes.fromhex(entry).startswith(b"LC_CTYPE=") for entry in through_shim["environment"])


def test_stdin_stdout_and_stderr_pass_through(installed):
    result = installed.run([installed.shims / "knife", "cat"], input=b"from stdin\x00\xff")
    assert result.stdout == b"from stdin\x00\xff"

    result = installed.run([installed.shims / "knife", "stderr", "to", "stderr"])
    assert (result.stdout, result.stderr) == (b"", b"to stderr\n")


def test_descriptors_the_caller_passes_reach_the_tool(installed):
    read_end, write_end = os.pipe()
    try:
        installed.run([installed.tools / "knife"], pass_fds=[write_end])
        installed.run([installed.shims / "knife"], pass_fds=[write_end])
    finally:
        os.close(read_end)
        os.close(write_end)
    direct, through_shim = installed.take_reports()
    assert write_end in direct["fds"]
    assert through_shim["fds"] == direct["fds"]


@pytest.mark.parametrize("code", [0, 1, 3, 127, 255])
def test_the_exit_status_is_the_tools(installed, code):
    assert installed.run([installed.shims / "knife", "exit", str(code)]).returncode == code


@pytest.mark.parametrize("name", ["TERM", "KILL", "SEGV", "PIPE", "USR1"])
def test_a_tool_killed_by_a_signal_kills_the_shim_with_the_same_signal(installed, name):
    result = installed.run([installed.shims / "knife", "die", name])
    assert result.returncode == -getattr(signal, "SIG" + name)
    assert result.stderr == b""


def test_the_tool_starts_with_the_dispositions_and_mask_a_shell_would_give_it(installed):
    # Python ignores SIGPIPE and SIGXFSZ for itself; the tool must get the defaults.
    installed.run([installed.tools / "knife"])
    installed.run([installed.shims / "knife"])
    direct, through_shim = installed.take_reports()
    assert (through_shim["ignored"], through_shim["blocked"]) == (direct["ignored"], direct["blocked"])
    assert int(through_shim["ignored"], 16) & (1 << (signal.SIGPIPE - 1)) == 0
    assert int(through_shim["blocked"], 16) == 0


def test_signals_the_caller_ignored_stay_ignored_in_the_tool(installed):
    """`nohup knife ... &` and a script's background jobs ignore SIGHUP or SIGINT: so must the tool."""

    def ignore_hup_and_int():
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    installed.run([installed.tools / "knife"], preexec_fn=ignore_hup_and_int)
    installed.run([installed.shims / "knife"], preexec_fn=ignore_hup_and_int)
    direct, through_shim = installed.take_reports()
    ignored = int(through_shim["ignored"], 16)
    assert ignored & (1 << (signal.SIGHUP - 1)) and ignored & (1 << (signal.SIGINT - 1))
    assert through_shim["ignored"] == direct["ignored"]


@pytest.mark.parametrize("name", ["TERM", "HUP", "INT"])
def test_a_signal_sent_to_the_shim_reaches_the_tool_once(installed, name):
    """A supervisor's Popen.send_signal, or `kill -INT PID`: sent to the shim's pid alone, it is passed on."""
    shim = subprocess.Popen(installed.command([installed.shims / "knife", "wait-signals"]), env=installed.env())
    try:
        wait_for(installed.tool_is_ready, what="the tool to start")
        shim.send_signal(getattr(signal, "SIG" + name))
        assert shim.wait(timeout=30) == -getattr(signal, "SIG" + name)
    finally:
        shim.kill()
    assert installed.signals_received() == ["SIG" + name]


@pytest.mark.parametrize("name", ["USR1", "WINCH"])
def test_a_signal_the_tool_handles_reaches_it_once_and_it_keeps_running(installed, name):
    shim = subprocess.Popen(installed.command([installed.shims / "knife", "wait-signals"]), env=installed.env())
    try:
        wait_for(installed.tool_is_ready, what="the tool to start")
        shim.send_signal(getattr(signal, "SIG" + name))
        wait_for(lambda: installed.signals_received() == ["SIG" + name], what=f"SIG{name} to reach the tool")
        assert shim.poll() is None
        shim.send_signal(signal.SIGTERM)
        assert shim.wait(timeout=30) == -signal.SIGTERM
    finally:
        shim.kill()
    assert installed.signals_received() == ["SIG" + name, "SIGTERM"]


@pytest.mark.parametrize("name", ["TERM", "HUP", "USR1"])
def test_a_signal_that_comes_after_the_tool_exited_never_changes_its_status(installed, name):
    """Without chefwrap a kill() that comes after the tool exited finds nobody; it must not turn the tool's
    exit status into a death by that signal. The shim is stopped while its tool exits, and the signal
    waits for it with the tool's exit."""
    shim = subprocess.Popen(installed.command([installed.shims / "knife", "sleep", "0.3"]), env=installed.env())
    try:
        wait_for(lambda: list(installed.reports.glob("*.json")), what="the tool to start")
        report = installed.take_report()
        shim.send_signal(signal.SIGSTOP)
        wait_for(lambda: not psutil.pid_exists(report["pid"]) or psutil.Process(report["pid"]).status() == psutil.STATUS_ZOMBIE, what="the tool to exit")
        shim.send_signal(getattr(signal, "SIG" + name))
        shim.send_signal(signal.SIGCONT)
        assert shim.wait(timeout=30) == 0
    finally:
        shim.kill()
    installed.endpoint.wait_for(1)  # and the run was recorded


def test_kill_from_a_shell_reaches_the_tool(installed):
    script = "set -m; knife wait-signals & while ! grep -q ready \"$FAKE_TOOL_SIGNALS\" 2>/dev/null; do sleep 0.05; done; kill -INT $!; wait $!; echo status=$?"
    result = installed.run(["bash", "-c", script])
    assert result.stdout == b"status=130\n"
    assert installed.signals_received() == ["SIGINT"]


def test_the_tool_stays_in_the_callers_process_group(installed):
    installed.run([installed.shims / "knife"], start_new_session=True)
    report = installed.take_report()
    assert report["pgid"] == report["sid"]  # the group of the session the caller started, not one of its own
    assert report["pgid"] != report["pid"]


def test_without_a_real_tool_the_shim_says_so_and_exits_127(installed):
    (installed.tools / "kitchen").unlink()
    result = installed.run([installed.shims / "kitchen", "list"])
    assert result.returncode == 127
    assert result.stderr == b"chefwrap: kitchen: not found on PATH after the chefwrap shims\n"
    assert result.stdout == b""


def test_a_second_copy_of_the_shims_or_a_link_to_them_never_loops(installed):
    copy = installed.root / "copy-of-shims"
    linked = installed.root / "linked-shims"
    loose = installed.root / "loose"
    loose.mkdir()
    import shutil

    shutil.copytree(installed.shims, copy)
    linked.symlink_to(installed.shims)
    (loose / "knife").symlink_to(installed.shims / "knife")
    env = installed.env(path_first=[copy, linked, loose])

    assert installed.run([copy / "knife", "exit", "4"], env=env).returncode == 4
    assert installed.take_report()["ppid"] > 0

    (installed.tools / "knife").unlink()
    result = installed.run([linked / "knife"], env=env)
    assert result.returncode == 127
    assert b"not found on PATH after the chefwrap shims" in result.stderr


def test_bypass_runs_the_real_tool_in_place_of_the_shim(installed):
    shim = subprocess.Popen(installed.command([installed.shims / "knife"]), env=installed.env(CHEFWRAP_BYPASS="1"))
    assert shim.wait(timeout=30) == 0
    assert installed.take_report()["pid"] == shim.pid  # the shim became the tool: nothing else ran


def test_bypass_set_to_zero_does_not_bypass(installed):
    shim = subprocess.Popen(installed.command([installed.shims / "knife"]), env=installed.env(CHEFWRAP_BYPASS="0"))
    assert shim.wait(timeout=30) == 0
    assert installed.take_report()["ppid"] == shim.pid


def test_a_nested_call_goes_straight_to_the_real_tool(installed):
    """Real knife running knife again: the inner shim execs the real tool, so it is not recorded twice.
    Without /proc (macOS) nothing tells the inner shim it is nested: it records too (README, Platforms)."""
    result = installed.run([installed.shims / "knife", "nested", "exit", "5"])
    assert result.returncode == 5
    outer, inner = installed.take_reports()
    if installed.platform == "macos":
        assert inner["ppid"] != outer["pid"]
        assert len(installed.endpoint.wait_for(2)) == 2
    else:
        assert inner["ppid"] == outer["pid"]
        assert len(installed.endpoint.wait_for(1)) == 1


def test_each_platform_is_what_it_stands_for(installed):
    """The simulation itself: as on macOS, chefwrap's Python has no sigwaitinfo or sigtimedwait, /proc is
    empty and /bin/sh is bash in POSIX mode; as on Linux, all three are there."""
    probe = "import _signal, os; print(hasattr(_signal, 'sigwaitinfo'), hasattr(_signal, 'sigtimedwait'), os.path.exists('/proc/self'))"
    script = installed.root / "probe.py"
    script.write_text(probe)
    python = installed.run([installed.python, "-IS", script])  # as a shim runs entry.py
    shell = installed.run(["/bin/sh", "-c", 'echo "${BASH_VERSION:+bash}"; set -o | grep -c "posix.*on"'])
    if installed.platform == "macos":
        assert (python.stdout, shell.stdout) == (b"False False False\n", b"bash\n1\n")
    else:
        assert (python.stdout, shell.stdout) == (b"True True True\n", b"\n0\n")


def test_a_pipeline_gets_all_output_and_the_tools_status(installed):
    result = installed.run(
        ["bash", "-c", "set -o pipefail; knife echo hello | cat; echo status=$?; knife exit 6 | cat; echo status=$?"]
    )
    assert result.stdout == b"hello\nstatus=0\nstatus=6\n"
    assert result.stderr == b""


def test_a_caller_that_ignores_sigchld_still_gets_the_tools_status(installed):
    """SIGCHLD ignored survives exec; the shim must still be able to wait, and the tool still inherits it."""

    def ignore_sigchld():
        signal.signal(signal.SIGCHLD, signal.SIG_IGN)

    direct = installed.run([installed.tools / "knife", "exit", "3"], preexec_fn=ignore_sigchld)
    through_shim = installed.run([installed.shims / "knife", "exit", "3"], preexec_fn=ignore_sigchld)
    assert (through_shim.returncode, through_shim.stderr) == (direct.returncode, b"") == (3, b"")
    first, second = installed.take_reports()
    assert first["ignored"] == second["ignored"]


def test_a_timer_the_caller_set_still_goes_off_in_the_tool(installed):
    """`alarm 1; exec knife` kills the tool after a second; through the shim it must be the tool that dies."""
    script = "import os, signal, sys; signal.setitimer(signal.ITIMER_REAL, 1.0); os.execv(sys.argv[1], sys.argv[1:])"
    direct = installed.run([sys.executable, "-c", script, installed.tools / "knife", "sleep", "20"])
    through_shim = installed.run([sys.executable, "-c", script, installed.shims / "knife", "sleep", "20"])
    assert direct.returncode == through_shim.returncode == -signal.SIGALRM
    assert through_shim.stderr == b""
    tool = installed.take_reports()[-1]
    assert not psutil.pid_exists(tool["pid"])  # the tool itself was ended, not left running on its own


def test_an_environment_entry_without_a_name_does_not_stop_the_tool(installed):
    env = installed.env()
    block = b"\0".join(f"{name}={value}".encode() for name, value in env.items()) + b"\0=nameless\0"
    program = (
        "import os, sys\n"
        "env = [entry for entry in sys.stdin.buffer.read().split(b'\\0') if entry]\n"
        "import ctypes\n"
        "libc = ctypes.CDLL(None)\n"
        "argv = (ctypes.c_char_p * 4)(sys.argv[1].encode(), b'exit', b'2', None)\n"
        "envp = (ctypes.c_char_p * (len(env) + 1))(*env, None)\n"
        "libc.execve(sys.argv[1].encode(), argv, envp)\n"
    )
    result = installed.run([sys.executable, "-c", program, installed.shims / "knife"], input=block)
    assert (result.returncode, result.stderr) == (2, b"")
