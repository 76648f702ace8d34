"""Whether this run may be recorded: the first rule that matches decides.

1. CHEFWRAP_BYPASS set: no telemetry at all.
2. CHEF_TELEMETRY_OPT_OUT present with any value, even empty or 0 (as the chef-telemetry gem reads it).
3. DO_NOT_TRACK set to anything but empty, 0 or false.
4. .chef/telemetry_opt_out in the working directory or any parent (from $PWD, as the gem walks), other
   than the user's own (rule 5).
5. ~/.chef/telemetry_opt_out (under $CHEF_HOME when set).
6. A state folder that is not the user's alone (chefwrap.state.private): nothing can be recorded.
7. `chefwrap telemetry local`: record in the local ledger, never send.
8. An endpoint that is not an http(s) URL: nothing can be recorded.
9. A yes for the endpoint in effect: ~/.chef/telemetry_opt_in for Chef's own (what it means to every Chef
   tool), ~/.chef/chefwrap/shared-with for any other.
10. Otherwise ask, on a terminal outside CI (a yes for another endpoint does not count for this one);
    without one, nothing is sent and nothing is recorded.

Used on the shim's hot path before the tool runs: os only.
"""

import os

from chefwrap import isolated, paths
from chefwrap.state import ci, disclosure, private, settings
from chefwrap.state.folders import nearest, working_folder

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


def decide(variables, interactive=None) -> Decision:
    """The decision for a run with this environment; `interactive`: are stdin, stdout and stderr terminals?"""
    if ci.is_set(variables.get("CHEFWRAP_BYPASS")):
        return Decision(OFF, "CHEFWRAP_BYPASS is set: chefwrap does nothing", "CHEFWRAP_BYPASS")
    if "CHEF_TELEMETRY_OPT_OUT" in variables:
        return Decision(OFF, "CHEF_TELEMETRY_OPT_OUT is set (any value opts out)", "CHEF_TELEMETRY_OPT_OUT")
    if ci.is_set(variables.get("DO_NOT_TRACK")):
        return Decision(OFF, "DO_NOT_TRACK is set", "DO_NOT_TRACK", tell_gem=True)
    repository_opt_out = find_repository_opt_out(variables)
    if repository_opt_out:
        return Decision(OFF, "a repository opts out", repository_opt_out)
    if os.path.exists(paths.opt_out_file(variables)):
        return Decision(OFF, "you opted out", paths.opt_out_file(variables))
    unusable = private.problem(variables)
    if unusable is not None:
        return Decision(OFF, str(unusable), unusable.path)
    if settings.mode(variables) == settings.MODE_LOCAL:
        return Decision(LOCAL, "local mode: events are kept in the local ledger, never sent", paths.settings_file(variables))
    url, where = settings.configured_endpoint(variables)
    problem = settings.endpoint_problem(url)
    if problem:
        # Not quoted: it may hold a password.
        return Decision(OFF, f"the endpoint (from {where}) is not a valid http(s) URL ({problem}): nothing is recorded until it is fixed", where)
    url = settings.normalize(url)
    if agreed(variables, url):
        return agreement(variables, url)
    return undecided(variables, url, interactive)


def agreement(variables, url) -> Decision:
    if settings.is_chefs(url):
        return Decision(SHARE, "you opted in (sharing with Chef)", paths.opt_in_file(variables))
    return Decision(SHARE, f"you agreed to share with {disclosure.host_of(url)}", paths.shared_with_file(variables))


def undecided(variables, url, interactive) -> Decision:
    """No yes for `url`: ask on a terminal outside CI; else nothing. A yes given for another endpoint is
    not one for this: said so, and gem-based tools are told to stay quiet (the gem would take Chef's yes
    for whatever endpoint the environment names)."""
    elsewhere = [disclosure.destination(each) for each in agreed_destinations(variables)]
    if elsewhere:
        why = f"you agreed to share with {' and '.join(elsewhere)}, not with {disclosure.destination(url)}, the endpoint now"
        tell_gem = True
    else:
        why, tell_gem = "no decision yet", False
    if interactive is None:
        interactive = in_the_foreground_of_a_terminal()
    if not interactive:
        return Decision(OFF, f"{why}, and no terminal to ask on: nothing is recorded", tell_gem=tell_gem)
    if ci.detected(variables):
        return Decision(OFF, f"{why}, and this is CI: nothing is recorded", tell_gem=tell_gem)
    return Decision(ASK, f"{why}: the next interactive run asks")


def agreed(variables, destination) -> bool:
    """A yes stands for this endpoint (normalized): the gem's opt-in file for Chef's, shared-with for another."""
    if settings.is_chefs(destination):
        return os.path.exists(paths.opt_in_file(variables))
    return destination in settings.shared_with(variables)


def agreed_destinations(variables) -> list:
    found = [settings.DEFAULT_ENDPOINT] if os.path.exists(paths.opt_in_file(variables)) else []
    return found + settings.shared_with(variables)


def decision_for(variables, destination) -> Decision:
    """What the user's recorded decision says of an event waiting to go to `destination`: the sender asks
    before each post, so a change of mind holds for what is still waiting, and an event is posted only
    to an endpoint the user's own settings agreed to."""
    if os.path.exists(paths.opt_out_file(variables)):
        return Decision(OFF, "you opted out", paths.opt_out_file(variables))
    if settings.mode(variables) == settings.MODE_LOCAL:
        return Decision(LOCAL, "local mode: events are kept in the local ledger, never sent", paths.settings_file(variables))
    if agreed(variables, destination):
        return agreement(variables, destination)
    return Decision(OFF, f"sharing with {disclosure.destination(destination)} was never agreed to here")


def find_repository_opt_out(variables):
    """The nearest .chef/telemetry_opt_out from the working directory up to /, or None. The user's own
    (~/.chef/telemetry_opt_out, met when working under the home folder) is rule 5's, not a repository's."""
    folder = working_folder(variables)
    if not folder:
        return None
    own = os.path.normpath(paths.opt_out_file(variables))
    while True:
        found = nearest(folder, [os.path.join(".chef", paths.OPT_OUT)])
        if found is None or not _same_file(found, own):
            return found
        holder = os.path.dirname(os.path.dirname(found))  # the folder that holds this .chef
        above = os.path.dirname(holder)
        if above == holder:
            return None
        folder = above


def _same_file(found, own) -> bool:
    if os.path.normpath(found) == own:
        return True
    try:
        return os.path.samefile(found, own)
    except OSError:
        return False


def in_the_foreground_of_a_terminal() -> bool:
    """stdin, stdout and stderr are terminals, and we are in the foreground: `knife ... &` is not
    (a background job that touched the terminal would be stopped, and nobody would answer)."""
    try:
        return all(os.isatty(descriptor) for descriptor in (0, 1, 2)) and os.tcgetpgrp(0) == os.getpgrp()
    except OSError:
        return False


AGREED, DECLINED = 0, 1  # the prompt's exit codes; anything else: no answer


def ask(variables) -> Decision:
    """Ask once, on the terminal, in a process of its own (chefwrap.shim.prompt) whose stdout is /dev/null,
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
            variables,
            file_actions=[(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0)],
            setsigdef=(signal.SIGINT, signal.SIGQUIT, signal.SIGPIPE),
        )
        _, status = os.waitpid(pid, 0)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    answer = os.waitstatus_to_exitcode(status)
    if answer == AGREED:
        return Decision(SHARE, "you agreed when asked", paths.opt_in_file(variables))
    if answer == DECLINED:
        return Decision(OFF, "you declined when asked", paths.opt_out_file(variables))
    return Decision(OFF, "no answer to the question: nothing is recorded this time", tell_gem=True)


def record_decision(variables, share: bool, endpoint=None) -> list:
    """Write a yes for `endpoint` (default: the one in effect) or a no; returns what changed, in words.

    A yes to Chef's endpoint writes the gem's ~/.chef/telemetry_opt_in; a yes to any other endpoint adds
    it to ~/.chef/chefwrap/shared-with and never writes the gem's file, which Chef's own tools would read
    as a yes to Chef. A no is the gem's ~/.chef/telemetry_opt_out, and takes back every yes.
    """
    from chefwrap import files

    changes = []
    if share:
        url = settings.normalize(endpoint or settings.endpoint(variables))
        if settings.is_chefs(url):
            if not os.path.exists(paths.opt_in_file(variables)):
                files.write_private(paths.opt_in_file(variables), b"")
                changes.append(f"wrote {paths.opt_in_file(variables)}")
        elif url not in settings.shared_with(variables):
            settings.write_shared_with(variables, settings.shared_with(variables) + [url])
            changes.append(f"added {url} to {paths.shared_with_file(variables)}")
        if files.remove(paths.opt_out_file(variables)):
            changes.append(f"removed {paths.opt_out_file(variables)}")
        return changes
    if not os.path.exists(paths.opt_out_file(variables)):
        files.write_private(paths.opt_out_file(variables), b"")
        changes.append(f"wrote {paths.opt_out_file(variables)}")
    if files.remove(paths.opt_in_file(variables)):
        changes.append(f"removed {paths.opt_in_file(variables)}")
    return changes + forget_shared_with(variables)


def forget_decision(variables) -> list:
    """Remove both decision files and every yes for another endpoint (local mode: record, but neither
    this tool nor the gem sends)."""
    from chefwrap import files

    removed = [f"removed {path}" for path in (paths.opt_in_file(variables), paths.opt_out_file(variables)) if files.remove(path)]
    return removed + forget_shared_with(variables)


def forget_shared_with(variables) -> list:
    if not settings.shared_with(variables):
        return []
    settings.write_shared_with(variables, [])
    return [f"removed {paths.shared_with_file(variables)}"]
