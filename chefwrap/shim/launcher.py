"""The shim's hot path: find the real tool, run it exactly as if it had been called directly, hand the run on.

Every knife, kitchen and chef call pays for what this module imports, so it uses builtin modules only.
Everything the tool can observe stays as the caller left it: argv bytes, the environment as it was
passed to us, stdio and the terminal, the process group, signal dispositions, the exit status.
"""

# `signal` imports enum (about 4 ms); its C core has everything used here.
import _signal as signal
import os
import sys
import time

from chefwrap.shim import ci, debug
from chefwrap.shim.real_tool import HEAD_BYTES, find_real_tool, is_shim

NOT_FOUND = 127
CANNOT_EXECUTE = 126

# Python itself ignores these two at start-up; the tool must get the defaults a shell would give it.
RESET_IN_CHILD = (signal.SIGPIPE, signal.SIGXFSZ)
# What the shim waits for while the tool runs. Sent by the kernel (the terminal's Ctrl-C, Ctrl-\, hang-up
# and resize go to the whole foreground process group) they have reached the tool already, and the shim
# lets them be; sent by a process to the shim's pid alone (kill, a supervisor), the shim passes them on,
# so the tool gets them as it would without chefwrap. The stop and continue signals keep their defaults:
# the shim stops and continues with its tool's group.
PASSED_ON = (
    signal.SIGHUP,
    signal.SIGINT,
    signal.SIGQUIT,
    signal.SIGUSR1,
    signal.SIGUSR2,
    signal.SIGPIPE,
    signal.SIGALRM,
    signal.SIGTERM,
    signal.SIGWINCH,
)
# The terminal's own signals stay ignored while the run is recorded, once the tool has exited.
TERMINAL_SIGNALS = (signal.SIGINT, signal.SIGQUIT)


class Run:
    """What the telemetry layer learns of one finished call."""

    __slots__ = ("tool", "argv", "exit_code", "duration_ms", "env", "real")

    def __init__(self, tool, argv, exit_code, duration_ms, env, real):
        self.tool = tool  # "knife"
        self.argv = argv  # the arguments after the tool's name, as bytes
        self.exit_code = exit_code  # as a shell reports it: 128 + N for a death by signal N
        self.duration_ms = duration_ms
        self.env = env  # the caller's environment, bytes to bytes
        self.real = real  # the real tool's path, bytes


def main(tool):
    """Entry point of the shims chefwrap 0.1 wrote (`#!python -IS`, arguments in sys.argv[1:])."""
    run(tool, sys.argv[1:])


def run(tool, args):
    """Run the real `tool` with `args` (str, as Python decoded argv) and record the run; never returns."""
    tool_name = os.fsencode(tool)
    argv = [tool_name] + [os.fsencode(arg) for arg in args]
    env = caller_environment()
    bypassed = ci.is_set(env.get(b"CHEFWRAP_BYPASS"))
    if tool == "chef" and argv[1:2] == [b"telemetry"] and not bypassed:
        answer_telemetry_noun(argv[2:])
    real = find_real_tool(tool_name, env.get(b"PATH"))
    if real is None:
        complain(tool, "not found on PATH after the chefwrap shims")
        os._exit(NOT_FOUND)
    if bypassed or is_shell_plumbing(tool, argv) or called_by_another_shim():
        exec_real_tool(tool, real, argv, env)
    recording, tool_env = decide(env)
    if not recording:
        exec_real_tool(tool, real, argv, tool_env)
    status, duration_ms = run_and_wait(tool, real, argv, tool_env)
    hand_off(Run(tool, argv[1:], exit_code_of(status), duration_ms, env, real))
    exit_like(status)


def is_shell_plumbing(tool, argv):
    """`chef shell-init`: start-up files run it at every shell start, nobody types it. It is never
    recorded, and the sh front end execs it without starting Python."""
    return tool == "chef" and argv[1:2] == [b"shell-init"]


def answer_telemetry_noun(args):
    """The RFC reserves `chef telemetry status|enable|disable|show`: chefwrap answers, the real chef never sees it."""
    try:
        import site

        site.main()  # the shim runs without site-packages; `forget` needs requests from there
        from chefwrap.main import main as chefwrap_main

        code = chefwrap_main(["telemetry"] + [os.fsdecode(arg) for arg in args])
    except BrokenPipeError:  # the reader left while we wrote
        code = 1
    except SystemExit as exit:
        code = exit.code if isinstance(exit.code, int) else 2
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:  # `chef telemetry show | head`: the reader left
        code = code or 1
    os._exit(code)


def caller_environment():
    """The environment exactly as the caller passed it.

    os.environ is not that: on a C or POSIX locale, Python adds LC_CTYPE=C.UTF-8 to it at start-up
    (PEP 538), and -I leaves no way to turn that off. /proc/self/environ still holds the original.
    """
    try:
        with open("/proc/self/environ", "rb") as f:
            block = f.read()
    except OSError:
        return dict(os.environb)
    env = {}
    for entry in block.split(b"\0"):
        name, sep, value = entry.partition(b"=")
        if sep and name and name not in env:  # an entry with no name cannot be passed on by execve
            env[name] = value
    return env


def called_by_another_shim():
    """True when an ancestor in our session is a chefwrap shim, e.g. real knife running knife again.

    Walking /proc leaves the tool's environment untouched, which a marker variable would not.
    Where /proc does not exist the answer is no, and a nested call is recorded like any other.
    """
    try:
        session = os.getsid(0)
        pid = os.getppid()
        for _ in range(64):
            if pid <= 1:
                return False
            with open(b"/proc/%d/stat" % pid, "rb") as f:
                stat = f.read()
            # Fields after the command name, which may itself hold spaces and parentheses.
            fields = stat[stat.rindex(b")") + 2 :].split()
            parent, process_session = int(fields[1]), int(fields[3])
            if process_session != session:
                return False
            if is_shim_process(pid):
                return True
            pid = parent
    except (OSError, ValueError, IndexError):
        return False
    return False


def is_shim_process(pid):
    """A shim process runs as `python -IS .../chefwrap/shim/entry.py TOOL ARGS...` (shims/shim.template),
    or as `python -IS /path/to/shim ARGS...` (the shims of chefwrap 0.1): either file holds the marker."""
    with open(b"/proc/%d/cmdline" % pid, "rb") as f:
        args = f.read(HEAD_BYTES).split(b"\0", 3)
    return len(args) > 2 and args[1] == b"-IS" and is_shim(args[2])


def exec_real_tool(tool, real, argv, env):
    """Become the real tool: nothing of chefwrap is left once this succeeds."""
    for signum in RESET_IN_CHILD:
        signal.signal(signum, signal.SIG_DFL)
    try:
        os.execve(real, argv, env)
    except OSError as error:
        complain(tool, error.strerror)
        os._exit(NOT_FOUND if error.errno == 2 else CANNOT_EXECUTE)
    except ValueError as error:  # an argument or variable holding a NUL byte
        complain(tool, error)
        os._exit(CANNOT_EXECUTE)


def run_and_wait(tool, real, argv, env):
    """Run the real tool as a child in our process group and wait for it; returns (wait status, ms).

    The shim blocks the signals it waits for before the fork, so none is lost or turned into a
    KeyboardInterrupt, and takes them with sigwaitinfo: its si_code tells the kernel's (the terminal's,
    already delivered to the whole group) from a process's kill() meant for the tool. fork and exec
    rather than posix_spawn: glibc's posix_spawn leaves its two internal signals ignored in the new program.
    """
    ignored = {s for s in PASSED_ON + (signal.SIGCHLD,) if s not in RESET_IN_CHILD and signal.getsignal(s) == signal.SIG_IGN}
    waited = {s for s in PASSED_ON if s not in ignored} | {signal.SIGCHLD}
    # With SIGCHLD ignored the kernel would reap the child itself and leave us no status to wait for.
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    caller_mask = signal.pthread_sigmask(signal.SIG_BLOCK, waited | set(PASSED_ON))
    # An interval timer the caller set survives exec but not fork: it belongs to the tool.
    caller_timer = signal.setitimer(signal.ITIMER_REAL, 0)
    started = time.monotonic()
    try:
        pid = os.fork()
    except OSError:
        signal.setitimer(signal.ITIMER_REAL, *caller_timer)
        signal.pthread_sigmask(signal.SIG_SETMASK, caller_mask)
        exec_real_tool(tool, real, argv, env)  # no child to wait for: become the tool, unrecorded
    if pid == 0:
        become_real_tool(tool, real, argv, env, ignored, caller_mask, caller_timer)
    status = wait_passing_signals_on(pid, waited)
    duration_ms = (time.monotonic() - started) * 1000.0
    # The child's pid is free for reuse now. What comes for the tool from here on goes where a kill() of
    # an exited process goes: nowhere. The signals stay blocked while the run is recorded and are dropped
    # at exit, so none can replace the tool's exit status; the terminal's stay ignored too.
    while signal.sigtimedwait(waited, 0) is not None:
        pass
    for signum in TERMINAL_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)
    return status, duration_ms


def wait_passing_signals_on(pid, waited):
    """Wait for the child's exit, passing on what a process sent the shim; the wait status."""
    while True:
        info = signal.sigwaitinfo(waited)
        if info.si_signo == signal.SIGCHLD:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return status
        elif info.si_code <= 0:  # SI_USER, SI_QUEUE, SI_TKILL: sent by a process, not by the kernel
            # The tool signalling its parent meant the caller, as it would without chefwrap.
            forward(os.getppid() if info.si_pid == pid else pid, info.si_signo)


def become_real_tool(tool, real, argv, env, ignored, caller_mask, caller_timer):
    """In the forked child: the dispositions, mask and timer the caller gave us, then exec. A signal
    that arrived since the fork is delivered now, with its default effect, as it would be to the tool.
    Whatever happens here, this process never returns into the shim's code."""
    try:
        for signum in PASSED_ON:
            if signum not in ignored:
                signal.signal(signum, signal.SIG_DFL)
        if signal.SIGCHLD in ignored:
            signal.signal(signal.SIGCHLD, signal.SIG_IGN)
        if caller_timer[0] > 0:
            signal.setitimer(signal.ITIMER_REAL, *caller_timer)
        signal.pthread_sigmask(signal.SIG_SETMASK, caller_mask)
        exec_real_tool(tool, real, argv, env)
    finally:
        os._exit(CANNOT_EXECUTE)


def forward(pid, signum):
    try:
        os.kill(pid, signum)
    except OSError:
        pass


def exit_code_of(status):
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.waitstatus_to_exitcode(status)


def decide(env):
    """The telemetry layer's say before the tool runs: (record this run?, the environment for the tool).

    It may ask the user once, on the terminal. Should it fail in any way, the run is not recorded and
    the tool runs as if chefwrap were not there.
    """
    try:
        from chefwrap.shim import recording

        return recording.before_run(env)
    except BaseException:  # noqa: BLE001 - the tool runs whatever happens; CHEF_TELEMETRY_DEBUG says what
        debug.say_what_went_wrong(env, "deciding whether to record")
        return False, env


def hand_off(run):
    """The seam to the telemetry layer. Whatever happens there, the tool's exit status stands and
    nothing is printed."""
    try:
        from chefwrap.shim import recording

        recording.record(run)
    except BaseException:  # noqa: BLE001 - the tool's exit status stands; CHEF_TELEMETRY_DEBUG says what
        debug.say_what_went_wrong(run.env, "recording the run")


def exit_like(status):
    """Leave exactly as the child did, so the calling shell sees the same status."""
    if os.WIFSIGNALED(status):
        die_by(os.WTERMSIG(status))
    os._exit(os.waitstatus_to_exitcode(status))


def die_by(signum):
    """Kill ourselves with the child's signal: a shell then sees 128+N, and a loop stops on Ctrl-C."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))
    except (ImportError, OSError, ValueError):
        pass
    try:
        signal.signal(signum, signal.SIG_DFL)
    except (OSError, ValueError):
        pass  # SIGKILL and SIGSTOP keep their default anyway
    signal.pthread_sigmask(signal.SIG_UNBLOCK, (signum,))
    os.kill(os.getpid(), signum)
    os._exit(128 + signum)  # only reached for a signal whose default is not to terminate


def complain(tool, message):
    try:
        os.write(2, b"chefwrap: %s: %s\n" % (tool.encode(), str(message).encode(errors="replace")))
    except OSError:
        pass
