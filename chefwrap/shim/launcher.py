"""The shim's hot path: find the real tool, run it exactly as if it had been called directly, hand the
finished run to a recorder of its own, and leave the moment the tool has.

Every knife, kitchen and chef call pays for what this module does before the tool starts and after it
exits, so it imports builtin modules only (posix, not os: os alone costs a millisecond) and leaves
everything else to the recorder (chefwrap.shim.recorder), which works after the caller has its status.
Everything the tool can observe stays as the caller left it: argv bytes, the environment as it was
passed to us, stdio and the terminal, the process group, signal dispositions, the exit status.

How it waits for the tool and passes signals on is chosen by what the interpreter offers, never by the
platform's name: with signal.sigwaitinfo (Linux) the sender of every signal is known; without it (macOS,
the BSDs) signal.sigwait, and the terminal's foreground process group tells the terminal's signals apart.
"""

# `signal` imports enum (about 4 ms); its C core has everything used here.
import _signal as signal
import posix
import sys
import time

from chefwrap.shim.real_tool import HEAD_BYTES, find_real_tool, is_shim
from chefwrap.state import ci

NOT_FOUND = 127
CANNOT_EXECUTE = 126
# The recorder is gone this long after the tool exited, whatever it was doing (a blocked read, a parse).
RECORDING_DEADLINE_SECONDS = 2

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
# What a terminal sends its whole foreground process group, the tool included. Where nothing says who sent
# a signal, one of these that comes while the shim is in its terminal's foreground is the terminal's.
SENT_BY_A_TERMINAL = (signal.SIGINT, signal.SIGQUIT, signal.SIGWINCH)


class Run:
    """What the telemetry layer learns of one finished call."""

    __slots__ = ("tool", "argv", "exit_code", "duration_ms", "environ", "real")

    def __init__(self, tool, argv, exit_code, duration_ms, environ, real):
        self.tool = tool  # "knife"
        self.argv = argv  # the arguments after the tool's name, as bytes
        self.exit_code = exit_code  # as a shell reports it: 128 + N for a death by signal N
        self.duration_ms = duration_ms
        self.environ = environ  # the caller's environment, bytes to bytes
        self.real = real  # the real tool's path, bytes


def main(tool):
    """Entry point of the shims chefwrap 0.1 wrote (`#!python -IS`, arguments in sys.argv[1:])."""
    run(tool, sys.argv[1:], {name: value for name, value in posix.environ.items() if name})


def run(tool, args, environ):
    """Run the real `tool` with `args` (str, as Python decoded argv) and the caller's environment `environ`
    (bytes to bytes, chefwrap.shim.entry.caller_environment), and record the run; never returns."""
    tool_name = tool.encode()
    argv = [tool_name] + [as_bytes(arg) for arg in args]
    bypassed = ci.is_set(environ.get(b"CHEFWRAP_BYPASS"))
    if tool == "chef" and argv[1:2] == [b"telemetry"] and not bypassed:
        answer_telemetry_noun(argv[2:], environ)
    real = find_real_tool(tool_name, environ.get(b"PATH"))
    if real is None:
        complain(tool, "not found on PATH after the chefwrap shims")
        posix._exit(NOT_FOUND)
    if bypassed or is_shell_plumbing(tool, argv) or called_by_another_shim() or not can_wait_for_signals():
        exec_real_tool(tool, real, argv, environ)
    tool_env = environ
    if not decided_already(environ):
        recording, tool_env = decide(environ)
        if not recording:
            exec_real_tool(tool, real, argv, tool_env)
    status, duration_ms = run_and_wait(tool, real, argv, tool_env)
    record_in_the_background(Run(tool, argv[1:], exit_code_of(status), duration_ms, environ, real))
    exit_like(status)


def as_bytes(argument: str) -> bytes:
    """An argument as the caller passed it (os.fsencode, without importing os)."""
    return argument.encode(sys.getfilesystemencoding(), sys.getfilesystemencodeerrors())


def as_text(argument: bytes) -> str:
    return argument.decode(sys.getfilesystemencoding(), sys.getfilesystemencodeerrors())


def is_shell_plumbing(tool, argv):
    """`chef shell-init`: start-up files run it at every shell start, nobody types it. It is never
    recorded, and the sh front end execs it without starting Python."""
    return tool == "chef" and argv[1:2] == [b"shell-init"]


def answer_telemetry_noun(args, environ):
    """The RFC reserves `chef telemetry status|enable|disable|show`: chefwrap's own command answers, in
    place of this process, and the real chef never sees it."""
    from chefwrap import isolated

    python = sys.executable
    try:
        posix.execve(python, isolated.command(python, "chefwrap", "telemetry", *map(as_text, args)), environ)
    except (OSError, ValueError) as error:
        complain("chef", error)
        posix._exit(CANNOT_EXECUTE)


def called_by_another_shim():
    """True when an ancestor in our session is a chefwrap shim, e.g. real knife running knife again.

    Walking /proc leaves the tool's environment untouched, which a marker variable would not.
    Where /proc does not exist the answer is no, and a nested call is recorded like any other.
    """
    try:
        session = posix.getsid(0)
        pid = posix.getppid()
        for _ in range(64):
            if pid <= 1:
                return False
            stat = read_head(b"/proc/%d/stat" % pid)
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
    args = read_head(b"/proc/%d/cmdline" % pid).split(b"\0", 3)
    return len(args) > 2 and args[1] == b"-IS" and is_shim(args[2])


def read_head(path) -> bytes:
    descriptor = posix.open(path, posix.O_RDONLY | posix.O_CLOEXEC)
    try:
        return posix.read(descriptor, HEAD_BYTES)
    finally:
        posix.close(descriptor)


def can_wait_for_signals() -> bool:
    """The tool can be waited for with the signals meant for it passed on; else it is exec'd, unrecorded."""
    return hasattr(signal, "pthread_sigmask") and (hasattr(signal, "sigwaitinfo") or hasattr(signal, "sigwait"))


CHEFS_ENDPOINT = b"https://telemetry.chef.io"  # chefwrap.state.settings.DEFAULT_ENDPOINT


def decided_already(environ) -> bool:
    """Nothing for chefwrap's consent (chefwrap.state.consent) to do before the tool starts: nobody is to
    be asked and the tool gets the caller's environment as it is, because the user opted out
    (~/.chef/telemetry_opt_out, under $CHEF_HOME when set) or a yes stands for the endpoint in effect
    (the gem's telemetry_opt_in for Chef's, ~/.chef/chefwrap/shared-with for another, spelled as it is
    configured). The recorder then decides after the tool, by all of consent's rules.

    A shortcut, never a rule of its own: whatever it cannot tell from a few reads (DO_NOT_TRACK, which
    gem-based tools are told of, CHEF_TELEMETRY_DEBUG, a home that is not an absolute path, an endpoint
    spelled otherwise than its yes) goes to consent first, which may ask. tests/shim/test_front_end.py holds
    it to consent: wherever it says yes, consent would neither ask nor change the tool's environment.
    """
    if ci.is_set(environ.get(b"DO_NOT_TRACK")) or ci.is_set(environ.get(b"CHEF_TELEMETRY_DEBUG")):
        return False
    home = environ.get(b"CHEF_HOME") or environ.get(b"HOME")
    if not home or home[:1] != b"/":
        return False
    chef = home + b"/.chef/"
    if exists(chef + b"telemetry_opt_out"):
        return True
    endpoint = environ.get(b"CHEF_TELEMETRY_ENDPOINT") or setting(read_plain(chef + b"chefwrap/config.toml"), b"endpoint")
    if not endpoint or endpoint == CHEFS_ENDPOINT:
        return exists(chef + b"telemetry_opt_in")
    return endpoint in read_plain(chef + b"chefwrap/shared-with").split(b"\n")


def exists(path) -> bool:
    try:
        posix.stat(path)
    except (OSError, ValueError):
        return False
    return True


def setting(text: bytes, key: bytes):
    """A `key = "value"` line's value, as chefwrap.state.settings.read takes it (the last one); None."""
    found = None
    for line in text.split(b"\n"):
        name, equals, value = line.partition(b"=")
        value = value.strip()
        if equals and name.strip() == key and len(value) >= 2 and value[:1] == value[-1:] == b'"' and b"\\" not in value:
            found = value[1:-1]
    return found


def read_plain(path, most=65536) -> bytes:
    """A plain file's first bytes, never through a symlink or from a FIFO; b"" otherwise."""
    try:
        descriptor = posix.open(path, posix.O_RDONLY | posix.O_NOFOLLOW | posix.O_NONBLOCK | posix.O_CLOEXEC)
    except (OSError, ValueError):
        return b""
    try:
        if posix.fstat(descriptor).st_mode & 0o170000 != 0o100000:
            return b""
        return posix.read(descriptor, most)
    except OSError:
        return b""
    finally:
        posix.close(descriptor)


def exec_real_tool(tool, real, argv, environ):
    """Become the real tool: nothing of chefwrap is left once this succeeds."""
    for signum in RESET_IN_CHILD:
        signal.signal(signum, signal.SIG_DFL)
    try:
        posix.execve(real, argv, environ)
    except OSError as error:
        complain(tool, error.strerror)
        posix._exit(NOT_FOUND if error.errno == 2 else CANNOT_EXECUTE)
    except ValueError as error:  # an argument or variable holding a NUL byte
        complain(tool, error)
        posix._exit(CANNOT_EXECUTE)


def run_and_wait(tool, real, argv, environ):
    """Run the real tool as a child in our process group and wait for it; returns (wait status, ms).

    The shim blocks the signals it waits for before the fork, so none is lost or turned into a
    KeyboardInterrupt, and takes them with sigwaitinfo or sigwait. They stay blocked after the tool has
    exited: what comes for the tool then goes where a kill() of an exited process goes, nowhere, and
    never replaces its exit status. fork and exec rather than posix_spawn: glibc's posix_spawn leaves its
    two internal signals ignored in the new program.
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
        pid = posix.fork()
    except OSError:
        signal.setitimer(signal.ITIMER_REAL, *caller_timer)
        signal.pthread_sigmask(signal.SIG_SETMASK, caller_mask)
        exec_real_tool(tool, real, argv, environ)  # no child to wait for: become the tool, unrecorded
    if pid == 0:
        become_real_tool(tool, real, argv, environ, ignored, caller_mask, caller_timer)
    wait = wait_knowing_senders if hasattr(signal, "sigwaitinfo") else wait_without_senders
    status = wait(pid, waited)
    return status, (time.monotonic() - started) * 1000.0


def wait_knowing_senders(pid, waited):
    """Wait for the child's exit, passing on what a process sent the shim; the wait status."""
    while True:
        info = signal.sigwaitinfo(waited)
        if info.si_signo == signal.SIGCHLD:
            done, status = posix.waitpid(pid, posix.WNOHANG)
            if done:
                return status
        elif info.si_code <= 0:  # SI_USER, SI_QUEUE, SI_TKILL: sent by a process, not by the kernel
            # The tool signalling its parent meant the caller, as it would without chefwrap.
            forward(posix.getppid() if info.si_pid == pid else pid, info.si_signo)


def wait_without_senders(pid, waited):
    """Wait for the child's exit where nothing says who sent a signal (no sigwaitinfo: macOS, the BSDs).

    Ctrl-C, Ctrl-\\ and a resize come from the terminal to its whole foreground process group, the tool
    included: while the shim is in the foreground, they are left alone. Every other signal is passed on.
    """
    while True:
        signum = signal.sigwait(waited)
        if signum == signal.SIGCHLD:
            done, status = posix.waitpid(pid, posix.WNOHANG)
            if done:
                return status
        elif not (signum in SENT_BY_A_TERMINAL and in_the_terminals_foreground()):
            forward(pid, signum)


def in_the_terminals_foreground() -> bool:
    """Our process group is the foreground one of our controlling terminal (opened as /dev/tty, which
    names it whatever stdio is)."""
    try:
        descriptor = posix.open(b"/dev/tty", posix.O_RDONLY | posix.O_NONBLOCK | posix.O_NOCTTY | posix.O_CLOEXEC)
    except OSError:  # no controlling terminal: no terminal sent it
        return False
    try:
        return posix.tcgetpgrp(descriptor) == posix.getpgrp()
    except OSError:
        return False
    finally:
        posix.close(descriptor)


def become_real_tool(tool, real, argv, environ, ignored, caller_mask, caller_timer):
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
        exec_real_tool(tool, real, argv, environ)
    finally:
        posix._exit(CANNOT_EXECUTE)


def forward(pid, signum):
    try:
        posix.kill(pid, signum)
    except OSError:
        pass


def exit_code_of(status):
    if posix.WIFSIGNALED(status):
        return 128 + posix.WTERMSIG(status)
    return posix.waitstatus_to_exitcode(status)


def decide(environ):
    """The telemetry layer's say before the tool runs: (record this run?, the environment for the tool).

    It may ask the user once, on the terminal. Should it fail in any way, the run is not recorded and
    the tool runs as if chefwrap were not there.
    """
    try:
        from chefwrap.shim import recording

        return recording.before_run(environ)
    except BaseException:  # noqa: BLE001 - the tool runs whatever happens; CHEF_TELEMETRY_DEBUG says what
        from chefwrap.shim import debug

        debug.say_what_went_wrong(environ, "deciding whether to record")
        return False, environ


def record_in_the_background(run):
    """Hand the finished run to a recorder of its own and return at once: the caller's wait ends with the
    tool's. The recorder is a fork, detached before it does anything else (become_detached_recorder),
    and gone RECORDING_DEADLINE_SECONDS after the tool exited at the latest. Without a fork, nothing is
    recorded: the tool's status matters more."""
    try:
        pid = posix.fork()
    except OSError:
        return
    if pid:
        return
    try:
        become_detached_recorder(keep_stderr=ci.is_set(run.environ.get(b"CHEF_TELEMETRY_DEBUG")))
        from chefwrap.shim import recorder

        recorder.start(run)
    finally:
        posix._exit(0)


def become_detached_recorder(keep_stderr):
    """A session of its own (no terminal, no signal for the caller's group), /dev/null for stdio (stderr
    kept for CHEF_TELEMETRY_DEBUG, whose event it shows), none of the caller's descriptors (`knife ... |
    less` must not wait for it), every signal at its default and unblocked, and the deadline: SIGALRM's
    default ends the process, whatever it is doing, and an alarm survives exec."""
    posix.setsid()
    null = posix.open(b"/dev/null", posix.O_RDWR)
    for descriptor in (0, 1) if keep_stderr else (0, 1, 2):
        posix.dup2(null, descriptor)
    posix.closerange(3, open_files_limit())
    for signum in PASSED_ON + (signal.SIGCHLD,):
        signal.signal(signum, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_SETMASK, ())
    signal.alarm(RECORDING_DEADLINE_SECONDS)
    no_core_files()  # a parser that crashes must leave nothing in the user's folder


def no_core_files():
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))
    except (ImportError, OSError, ValueError):
        pass


def open_files_limit() -> int:
    try:
        limit = posix.sysconf("SC_OPEN_MAX")
    except (OSError, ValueError):
        limit = 1024
    return min(max(limit, 3), 65536)


def exit_like(status):
    """Leave exactly as the child did, so the calling shell sees the same status."""
    if posix.WIFSIGNALED(status):
        die_by(posix.WTERMSIG(status))
    posix._exit(posix.waitstatus_to_exitcode(status))


def die_by(signum):
    """Kill ourselves with the child's signal: a shell then sees 128+N, and a loop stops on Ctrl-C."""
    no_core_files()  # the tool's crash was the tool's; the shim's copy of it is nobody's
    try:
        signal.signal(signum, signal.SIG_DFL)
    except (OSError, ValueError):
        pass  # SIGKILL and SIGSTOP keep their default anyway
    signal.pthread_sigmask(signal.SIG_UNBLOCK, (signum,))
    posix.kill(posix.getpid(), signum)
    posix._exit(128 + signum)  # only reached for a signal whose default is not to terminate


def complain(tool, message):
    try:
        posix.write(2, b"chefwrap: %s: %s\n" % (tool.encode(), str(message).encode(errors="replace")))
    except OSError:
        pass
