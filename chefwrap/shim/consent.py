"""Whether this run may be recorded: the first rule that matches decides.

1. CHEFWRAP_BYPASS set: no telemetry at all.
2. CHEF_TELEMETRY_OPT_OUT present with any value, even empty or 0 (as the chef-telemetry gem reads it).
3. DO_NOT_TRACK set to anything but empty, 0 or false.
4. .chef/telemetry_opt_out in the working directory or any parent (from $PWD, as the gem walks).
5. ~/.chef/telemetry_opt_out (under $CHEF_HOME when set).
6. `chefwrap telemetry local`: record in the local ledger, never send.
7. ~/.chef/telemetry_opt_in: sharing.
8. No decision yet: ask, on a terminal outside CI; otherwise nothing is sent and nothing is recorded.

Used on the shim's hot path before the tool runs: os only.
"""

import os

from chefwrap import isolated, paths
from chefwrap.shim import ci, settings
from chefwrap.shim.folders import nearest, working_folder

OFF = "off"
SHARE = "share"
LOCAL = "local"
ASK = "ask"


class Decision:
    __slots__ = ("outcome", "rule", "source", "tell_gem")

    def __init__(self, outcome, rule, source=None, tell_gem=False):
        self.outcome = outcome  # OFF, SHARE, LOCAL or ASK
        self.rule = rule  # in words, for `chefwrap telemetry status`
        self.source = source  # the variable or file that decided, if any
        # Off for a reason the chef-telemetry gem does not read: the tool gets CHEF_TELEMETRY_OPT_OUT=1,
        # so gem-based Chef tools it starts stay quiet too.
        self.tell_gem = tell_gem

    def __repr__(self):
        return f"Decision({self.outcome!r}, {self.rule!r}, {self.source!r})"


def decide(env, interactive=None) -> Decision:
    """The decision for a run with this environment; `interactive`: are stdin, stdout and stderr terminals?"""
    if ci.is_set(env.get("CHEFWRAP_BYPASS")):
        return Decision(OFF, "CHEFWRAP_BYPASS is set: chefwrap does nothing", "CHEFWRAP_BYPASS")
    if "CHEF_TELEMETRY_OPT_OUT" in env:
        return Decision(OFF, "CHEF_TELEMETRY_OPT_OUT is set (any value opts out)", "CHEF_TELEMETRY_OPT_OUT")
    if ci.is_set(env.get("DO_NOT_TRACK")):
        return Decision(OFF, "DO_NOT_TRACK is set", "DO_NOT_TRACK", tell_gem=True)
    repository_opt_out = find_repository_opt_out(env)
    if repository_opt_out:
        return Decision(OFF, "a repository opts out", repository_opt_out)
    recorded = recorded_decision(env)
    if recorded:
        return recorded
    if interactive is None:
        interactive = in_the_foreground_of_a_terminal()
    if not interactive:
        return Decision(OFF, "no decision yet, and no terminal to ask on: nothing is recorded")
    if ci.detected(env):
        return Decision(OFF, "no decision yet, and this is CI: nothing is recorded")
    return Decision(ASK, "no decision yet: the next interactive run asks")


def recorded_decision(env):
    """Rules 5 to 7, the decision recorded for this user on this host; None when there is none yet.
    The sender asks this again before each post, so a change of mind holds for what is still waiting."""
    if os.path.exists(paths.opt_out_file(env)):
        return Decision(OFF, "you opted out", paths.opt_out_file(env))
    if settings.mode(env) == settings.MODE_LOCAL:
        return Decision(LOCAL, "local mode: events are kept in the local ledger, never sent", paths.settings_file(env))
    if os.path.exists(paths.opt_in_file(env)):
        return Decision(SHARE, "you opted in", paths.opt_in_file(env))
    return None


def find_repository_opt_out(env):
    """The nearest .chef/telemetry_opt_out from the working directory up to /, or None."""
    folder = working_folder(env)
    return nearest(folder, [os.path.join(".chef", paths.OPT_OUT)]) if folder else None


def in_the_foreground_of_a_terminal() -> bool:
    """stdin, stdout and stderr are terminals, and we are in the foreground: `knife ... &` is not
    (a background job that touched the terminal would be stopped, and nobody would answer)."""
    try:
        return all(os.isatty(descriptor) for descriptor in (0, 1, 2)) and os.tcgetpgrp(0) == os.getpgrp()
    except OSError:
        return False


AGREED, DECLINED = 0, 1  # the prompt's exit codes; anything else: no answer


def ask(env) -> Decision:
    """Ask once, on the terminal, in a process of its own (chefwrap.prompt) whose stdout is /dev/null,
    so that the question can never end up in the output of `knife ... | jq`.

    The shim ignores Ctrl-C meanwhile: at the question it means "no answer", never "kill the shim".
    """
    import _signal as signal
    import sys

    argv = isolated.command(sys.executable, "chefwrap.shim.prompt")
    previous = {signum: signal.signal(signum, signal.SIG_IGN) for signum in (signal.SIGINT, signal.SIGQUIT)}
    previous[signal.SIGCHLD] = signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # or there is nothing to wait for
    try:
        pid = os.posix_spawn(
            sys.executable,
            argv,
            env,
            file_actions=[(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0)],
            setsigdef=(signal.SIGINT, signal.SIGQUIT, signal.SIGPIPE),
        )
        _, status = os.waitpid(pid, 0)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    answer = os.waitstatus_to_exitcode(status)
    if answer == AGREED:
        return Decision(SHARE, "you agreed when asked", paths.opt_in_file(env))
    if answer == DECLINED:
        return Decision(OFF, "you declined when asked", paths.opt_out_file(env))
    return Decision(OFF, "no answer to the question: nothing is recorded this time", tell_gem=True)


def record_decision(env, share: bool) -> list:
    """Write the decision where every Chef tool reads it; returns what changed, in words."""
    from chefwrap import files

    keep, drop = (paths.opt_in_file(env), paths.opt_out_file(env))[:: 1 if share else -1]
    changes = []
    if not os.path.exists(keep):
        files.write_atomically(keep, b"", mode=0o644)
        changes.append(f"wrote {keep}")
    if files.remove(drop):
        changes.append(f"removed {drop}")
    return changes


def forget_decision(env) -> list:
    """Remove both decision files (local mode: record, but neither this tool nor the gem sends)."""
    from chefwrap import files

    return [f"removed {path}" for path in (paths.opt_in_file(env), paths.opt_out_file(env)) if files.remove(path)]
