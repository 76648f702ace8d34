"""What the user's shells really run: each kind of shell, started as the user's start-up files start it,
is asked what each tool's name runs; and when one is not a shim, which start-up line put another folder
ahead of the shims.

The shells run with PATH as this process has it minus the shims folder, so what is found is the start-up
files' doing; with no terminal and in a session of their own, so they cannot take the user's terminal;
with CHEFWRAP_BYPASS=1, so a `chef shell-init` they run is not recorded; and for 20 seconds at most.
Interactive shells run their prompt hooks once, as before the first prompt. To name a line, the same
shell runs again with the start-up block's trace switch (startup_files.TRACE_VARIABLE) on.
"""

import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from chefwrap.setup.startup_files import HOOK, TRACE_VARIABLE
from chefwrap.shim.real_tool import find_real_tool, is_shim

TIME_LIMIT = 20.0


@dataclass(frozen=True)
class Mode:
    shell: str
    name: str  # in words: "an interactive bash (a terminal window)"
    flags: tuple
    interactive: bool
    extra_env: tuple = ()


MODES = {
    "bash": (
        Mode("bash", "an interactive bash (a terminal window)", ("-i",), True),
        Mode("bash", "a login bash (a console, `ssh host`)", ("-l", "-i"), True),
        Mode("bash", "bash over ssh for one command (`ssh host knife`)", (), False, (("SSH_CLIENT", "192.0.2.1 22 22"), ("SHLVL", "0"))),
        Mode("bash", "a login script (`bash -l -c ...`)", ("-l",), False),
    ),
    "zsh": (
        Mode("zsh", "an interactive zsh (a terminal window)", ("-i",), True),
        Mode("zsh", "a login zsh (a console, `ssh host`)", ("-l", "-i"), True),
        Mode("zsh", "a zsh script or `ssh host knife`", (), False),
    ),
    "fish": (
        Mode("fish", "an interactive fish (a terminal window)", ("-i",), True),
        Mode("fish", "a fish script or `ssh host knife`", (), False),
    ),
    "sh": (Mode("sh", "a login sh", ("-l",), False),),
}

# Each shell's probe: its prompt hooks (interactive shells only), whether chefwrap's hook is one of them,
# and for each tool what the name runs: a kind (file or command: found on PATH) and a path.
PROBES = {
    "bash": {
        "hooks": 'for __chefwrap_c in "${PROMPT_COMMAND[@]-}"; do eval "$__chefwrap_c"; done',
        "hook": 'case " ${PROMPT_COMMAND[*]-} " in *@HOOK@*) __chefwrap_h=yes ;; *) __chefwrap_h=no ;; esac',
        "tools": 'for __chefwrap_t in @TOOLS@; do printf \'%s\\t%s\\t%s\\t%s\\n\' @NONCE@ "$__chefwrap_t" "$(type -t "$__chefwrap_t")" "$(type -P "$__chefwrap_t")"; done',
    },
    "zsh": {
        "hooks": "for __chefwrap_f in precmd $precmd_functions; do (( $+functions[$__chefwrap_f] )) && $__chefwrap_f; done",
        "hook": "(( ${precmd_functions[(Ie)@HOOK@]} )) && __chefwrap_h=yes || __chefwrap_h=no",
        "tools": 'for __chefwrap_t in @TOOLS@; do printf \'%s\\t%s\\t%s\\t%s\\n\' @NONCE@ $__chefwrap_t "${$(whence -w $__chefwrap_t)#*: }" "$(whence -p $__chefwrap_t)"; done',
    },
    "fish": {
        "hooks": "emit fish_prompt",
        "hook": "functions -q @HOOK@; and set __chefwrap_h yes; or set __chefwrap_h no",
        "tools": "for t in @TOOLS@; set -l kind (type -t $t 2>/dev/null); set -l found (command -s $t); "
        'printf \'%s\\t%s\\t%s\\t%s\\n\' @NONCE@ $t "$kind" "$found"; end',
    },
    "sh": {
        "hooks": "",
        "hook": "__chefwrap_h=no",
        "tools": 'for __chefwrap_t in @TOOLS@; do __chefwrap_p=$(command -v "$__chefwrap_t"); case $__chefwrap_p in /*) __chefwrap_k=file ;; "") __chefwrap_k= ;; *) __chefwrap_k=other ;; esac; '
        'printf \'%s\\t%s\\t%s\\t%s\\n\' @NONCE@ "$__chefwrap_t" "$__chefwrap_k" "$__chefwrap_p"; done',
    },
}
HOOK_REPORT = "printf '%s\\t-hook\\t%s\\t\\n' @NONCE@ $__chefwrap_h"
# What each shell calls a file found on PATH.
FILE_KINDS = {"file", "command"}


@dataclass
class Culprit:
    file: str  # as the shell named it; "" when the shell could not tell
    line: int
    text: str  # the line itself, when the file can be read
    folder: str = ""  # the folder it put ahead of the shims


@dataclass
class Outcome:
    """What one kind of shell runs for each tool."""

    mode: Mode
    found: dict = field(default_factory=dict)  # tool -> (kind, path)
    hook: Optional[bool] = None
    problem: str = ""  # the shell could not be asked
    culprits: dict = field(default_factory=dict)  # tool -> Culprit

    def runs_shim(self, tool, shims) -> bool:
        kind, path = self.found.get(tool, ("", ""))
        return kind in FILE_KINDS and bool(path) and is_shim_of(path, shims / tool)

    def wrong(self, tools, shims) -> list:
        return [tool for tool in tools if not self.runs_shim(tool, shims)]


def is_shim_of(path, shim) -> bool:
    try:
        return os.path.samefile(path, shim) or is_shim(os.fsencode(path))
    except OSError:
        return False


def check(shell: str, tools: list, shims: Path, env: dict, home: Path) -> list:
    """An Outcome for each kind of `shell` (none when it is not installed), its shells run side by side;
    wherever a tool does not run its shim, the line that put another folder first is looked for."""
    program = shutil.which(shell, path=env.get("PATH") or os.defpath)
    if program is None:
        return []
    base = probe_environment(env, shims)
    with leaving_no_trace(files_the_shell_makes(shell, env, home)):
        with ThreadPoolExecutor(max_workers=len(MODES[shell])) as pool:
            outcomes = list(pool.map(lambda mode: ask(mode, program, tools, base, home), MODES[shell]))
            list(pool.map(lambda outcome: find_culprits(outcome, program, tools, shims, base, home), outcomes))
    return outcomes


def files_the_shell_makes(shell: str, env: dict, home: Path) -> list:
    """What a shell writes into a home the first time it starts there, innermost first: fish its universal
    variables, folders and history. The probe's shells must leave the home as they found it."""
    if shell != "fish":
        return []
    config = Path(env.get("XDG_CONFIG_HOME") or home / ".config")
    data = Path(env.get("XDG_DATA_HOME") or home / ".local" / "share")
    made = [config / "fish" / name for name in ("fish_variables", "functions", "completions", "conf.d", "config.fish")]
    return made + [config / "fish", config, data / "fish", data, data.parent]


@contextlib.contextmanager
def leaving_no_trace(candidates: list):
    """Remove afterwards those of `candidates` that did not exist before (folders only when empty, or
    when they are the shell's own: named in candidates with all they hold)."""
    existed = {path for path in candidates if path.exists() or path.is_symlink()}
    try:
        yield
    finally:
        for path in candidates:
            if path in existed or not path.exists():
                continue
            try:
                if path.is_dir() and not path.is_symlink():
                    if path.name == "fish":  # the shell's own data and config folders, made by this probe
                        shutil.rmtree(path)
                    else:
                        path.rmdir()
                else:
                    path.unlink()
            except OSError:
                pass  # not empty: something else is in it now


def probe_environment(env: dict, shims: Path) -> dict:
    """The caller's environment, minus the shims on PATH and anything of a trace; chefwrap bypassed."""
    shims_here = {str(shims), os.path.realpath(shims)}
    path = [entry for entry in (env.get("PATH") or "").split(":") if entry not in shims_here and os.path.realpath(entry or ".") not in shims_here]
    probe = {name: value for name, value in env.items() if name != TRACE_VARIABLE}
    probe.update(PATH=":".join(path), CHEFWRAP_BYPASS="1")
    return probe


def ask(mode: Mode, program: str, tools: list, env: dict, home: Path) -> Outcome:
    nonce = os.urandom(8).hex()
    outcome = Outcome(mode)
    completed = run(mode, program, tools, env, home, nonce)
    if isinstance(completed, str):
        outcome.problem = completed
        return outcome
    for line in completed.stdout.decode("utf-8", "surrogateescape").splitlines():
        fields = line.split("\t")
        if len(fields) != 4 or fields[0] != nonce:
            continue
        if fields[1] == "-hook":
            outcome.hook = fields[2] == "yes"
        else:
            outcome.found[fields[1]] = (fields[2], fields[3])
    if not outcome.found:
        outcome.problem = f"it ended ({describe_status(completed.returncode)}) before saying what it runs"
    return outcome


def probe_script(mode: Mode, tools: list, nonce: str) -> str:
    parts = PROBES[mode.shell]
    lines = ([parts["hooks"]] if mode.interactive and parts["hooks"] else []) + [parts["hook"], HOOK_REPORT, parts["tools"]]
    return "\n".join(lines).replace("@NONCE@", nonce).replace("@TOOLS@", " ".join(tools)).replace("@HOOK@", HOOK)


def run(mode: Mode, program: str, tools: list, env: dict, home: Path, nonce: str):
    """The shell's CompletedProcess, or a sentence saying why there is none. Whatever the shell left
    running in its session is ended before the shell is reaped, so its pid cannot have been reused."""
    argv = [program, *mode.flags, "-c", probe_script(mode, tools, nonce)]
    env = dict(env, **dict(mode.extra_env))
    cwd = home if home.is_dir() else tempfile.gettempdir()
    try:
        process = subprocess.Popen(
            argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
        )
    except OSError as error:
        return f"it could not be started ({error.strerror})"
    with ThreadPoolExecutor(max_workers=2) as readers:
        stdout, stderr = readers.submit(process.stdout.read), readers.submit(process.stderr.read)
        finished = wait_unreaped(process.pid, TIME_LIMIT)
        end_the_rest(process.pid)
        output, errors = stdout.result(), stderr.result()
    process.stdout.close()
    process.stderr.close()
    process.wait()
    if not finished:
        return f"it did not finish within {TIME_LIMIT:.0f} s: does a start-up file wait for input, or start another program?"
    return subprocess.CompletedProcess(argv, process.returncode, output, errors)


def wait_unreaped(pid: int, limit: float) -> bool:
    """Wait up to `limit` seconds for the process to end, leaving it to be reaped; True if it ended."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
                return True
        except ChildProcessError:
            return True
        time.sleep(0.005)
    return False


def end_the_rest(session):
    """What the shell left in its session goes with it (a job a start-up file put in the background,
    fish's first-run completion generator), the shell too if it is still running; waits a moment for
    them to be gone."""
    ended = []
    for pid in in_session(session):
        try:
            os.kill(pid, signal.SIGKILL)
            ended.append(pid)
        except OSError:
            pass
    deadline = time.monotonic() + 2.0
    while ended and time.monotonic() < deadline:
        ended = [pid for pid in ended if still_running(pid)]
        if ended:
            time.sleep(0.005)


def still_running(pid) -> bool:
    """Not gone yet, nor a zombie waiting for its parent."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stream:
            stat = stream.read()
    except OSError:
        return False
    return stat[stat.rindex(b")") + 2 : stat.rindex(b")") + 3] != b"Z"


def in_session(session) -> list:
    found = []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return found
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stream:
                stat = stream.read()
            if int(stat[stat.rindex(b")") + 2 :].split()[3]) == session:
                found.append(int(entry))
        except (OSError, ValueError, IndexError):
            continue
    return found


def describe_status(code: int) -> str:
    return f"killed by signal {-code}" if code < 0 else f"exit status {code}"


# Naming the line


TRACE_LINE = re.compile(r"^\++([0-9a-f]{16}):")


def find_culprits(outcome: Outcome, program: str, tools: list, shims: Path, env: dict, home: Path) -> None:
    wrong = [tool for tool in outcome.wrong(tools, shims) if outcome.found.get(tool, ("", ""))[0] in FILE_KINDS]
    if outcome.problem or not wrong or outcome.mode.shell == "sh":
        return
    nonce = os.urandom(8).hex()
    completed = run(outcome.mode, program, tools, dict(env, **{TRACE_VARIABLE: nonce}), home, nonce)
    if isinstance(completed, str):
        return
    events = trace_events(completed.stderr.decode("utf-8", "surrogateescape"), nonce, outcome.mode.shell)
    for tool in wrong:
        culprit = culprit_for(tool, events, outcome.mode.shell == "fish", shims, home)
        if culprit is not None:
            culprit.folder = os.path.dirname(outcome.found[tool][1])
            outcome.culprits[tool] = culprit


@dataclass
class Event:
    file: str
    line: int
    depth: int
    path: str  # bash, zsh: PATH as the traced command found it; fish: PATH as a change left it


def trace_events(stderr: str, nonce: str, shell: str) -> list:
    events = []
    for text in stderr.splitlines():
        match = TRACE_LINE.match(text)
        if not match or match.group(1) != nonce:
            continue
        event = parse_trace(text[match.end() :], shell, depth=match.end() - len(nonce) - 1)
        if event is not None:
            events.append(event)
    return events


def parse_trace(rest: str, shell: str, depth: int):
    """One trace line after its prefix. bash: LEN:PATH:LEN:FILE:LINE: ...; zsh: DEPTH:LEN:PATH:LEN:FILE:LINE: ...;
    fish: fish:LEN:PATH:called on line N of file F. Lengths are in characters, or bytes on a C locale."""
    try:
        if shell == "fish":
            if not rest.startswith("fish:"):
                return None
            path, rest = take_counted(rest[len("fish:") :])
            where = re.match(r"called on line (\d+) of file (.*)$", rest)
            return Event(where.group(2), int(where.group(1)), 0, path) if where else None
        if shell == "zsh":
            depth_text, rest = rest.split(":", 1)
            depth = int(depth_text)
        path, rest = take_counted(rest)
        file, rest = take_counted(rest)
        line_text, _ = rest.split(":", 1)
        return Event(file, int(line_text), depth, path)
    except (ValueError, IndexError):
        return None


def take_counted(text: str):
    """`LEN:VALUE:rest` -> (VALUE, rest)."""
    length_text, rest = text.split(":", 1)
    length = int(length_text)
    if rest[length : length + 1] == ":":
        return rest[:length], rest[length + 1 :]
    encoded = rest.encode("utf-8", "surrogateescape")  # a C locale counts bytes
    if encoded[length : length + 1] == b":":
        return encoded[:length].decode("utf-8", "surrogateescape"), encoded[length + 1 :].decode("utf-8", "surrogateescape")
    raise ValueError("a trace line whose lengths do not match")


def culprit_for(tool: str, events: list, after_changes: bool, shims: Path, home: Path):
    """The last start-up line after which `tool` stopped resolving to its shim. The block runs first,
    so the shims are first before the first event; only wrong outcomes are traced, so they are not after
    the last."""
    if after_changes:
        states = [True] + [resolves_to_shim(tool, event.path, shims) for event in events]
    else:
        states = [resolves_to_shim(tool, event.path, shims) for event in events] + [False]
    chosen = None
    for index in range(len(events)):
        if states[index] and not states[index + 1]:
            chosen = index
    if chosen is None:
        return None
    event = statement_of(events, chosen)
    file = expand_home(event.file, home)
    return Culprit(file, event.line, line_of(file, event.line))


def statement_of(events: list, index: int) -> Event:
    """A line run by an `eval` (or a command substitution) is named by the statement that ran it."""
    event = events[index]
    base = min(other.depth for other in events if other.file == event.file)
    if event.depth <= base:
        return event
    for earlier in reversed(events[:index]):
        if earlier.file == event.file and earlier.depth == base:
            return earlier
    return event


def resolves_to_shim(tool: str, path: str, shims: Path) -> bool:
    found = find_real_tool(os.fsencode(tool), os.fsencode(path), skip_shims=False)
    return found is not None and is_shim_of(os.fsdecode(found), shims / tool)


def expand_home(file: str, home: Path) -> str:
    return str(home) + file[1:] if file.startswith("~/") else file


def line_of(file: str, number: int) -> str:
    try:
        with open(file, "rb") as stream:
            lines = stream.read(1 << 20).decode("utf-8", "replace").splitlines()
    except OSError:
        return ""
    return lines[number - 1].strip() if 0 < number <= len(lines) else ""
