"""The telemetry layer as the launcher sees it: the decision before the tool runs, where one is to be
taken then (chefwrap.shim.launcher.decided_already), and the recording after it has exited, in the
recorder (chefwrap.shim.recorder).

This imports only light modules and never prints, except the event itself on stderr when
CHEF_TELEMETRY_DEBUG asks for it.

The home is settled here, once: HOME and CHEF_HOME are made absolute against the folder the tool was
started in, and everything after (paths, the sender, which works from /) gets them so. A run records
nothing when there is no such home, or when its effective user does not own it (`sudo -E knife`: root
with the user's HOME): files under a home belong to its owner, and root-owned state there would lock
the owner out of telemetry for good.
"""

import os

from chefwrap.state import consent

OPT_OUT_FOR_THE_TOOL = {b"CHEF_TELEMETRY_OPT_OUT": b"1"}


def before_run(environ):
    """(record this run?, the environment for the tool), from the user's decision.

    CHEF_TELEMETRY_DEBUG shows the event whatever the decision, and never asks: it sends nothing and
    writes nothing, so it works in a home that is not ours too.
    """
    from chefwrap.state import ci, settings

    variables = telemetry_environment(environ)
    debug = ci.is_set(variables.get("CHEF_TELEMETRY_DEBUG"))
    decision = consent.decide(variables)  # reads, never writes: whoever owns the home, the tool is told the same
    if not (debug or home_is_ours(variables)):
        return False, for_the_tool(environ, decision)
    if decision.outcome == consent.ASK and not debug:
        decision = consent.ask(variables)
    sending = decision.outcome == consent.SHARE and settings.usable_endpoint(variables) is not None
    return sending or decision.outcome == consent.LOCAL or debug, for_the_tool(environ, decision)


def for_the_tool(environ, decision):
    """The tool's environment: the caller's, with CHEF_TELEMETRY_OPT_OUT=1 when the decision is off for a
    reason the chef-telemetry gem does not read (chefwrap.state.consent.Decision.tell_gem)."""
    if not decision.tell_gem:
        return environ
    return {**environ, **OPT_OUT_FOR_THE_TOOL}


_resolved = None  # (the caller's environment, its telemetry environment): computed once per run


def telemetry_environment(environ) -> dict:
    """The caller's environment as text, with HOME and CHEF_HOME made absolute (see above). When one
    cannot be resolved (the working folder is gone) both are emptied, so the run records nothing."""
    global _resolved
    if _resolved is None or _resolved[0] is not environ:
        variables = text_environment(environ)
        try:
            for name in ("HOME", "CHEF_HOME"):
                if variables.get(name) and not os.path.isabs(variables[name]):
                    variables[name] = os.path.abspath(variables[name])
        except OSError:
            variables["HOME"] = variables["CHEF_HOME"] = ""
        _resolved = (environ, variables)
    return _resolved[1]


def home_is_ours(variables) -> bool:
    """The home chefwrap would write into exists, is absolute, and belongs to this run's effective user."""
    home = variables.get("CHEF_HOME") or variables.get("HOME")  # as chefwrap.paths.chef_dir picks it
    if not home or not os.path.isabs(home):
        return False
    try:
        return os.stat(home).st_uid == os.geteuid()
    except OSError:
        return False


MAX_PATH_BYTES = 4096


def names_of(run) -> dict:
    """What the recorder keeps of a finished run (chefwrap.shim.launcher.Run): the command and option
    names the sanitizer lets through, never a value, and what the event needs besides. Bounded, whatever
    the command line held (chefwrap.shim.event.capped_options)."""
    from chefwrap.shim import event, sanitizer
    from chefwrap.shim.context.tool_versions import installed_gems

    sanitized = sanitizer.sanitize(run.tool, run.argv, installed_gems(run.real))
    return {
        "tool": sanitized.tool,
        "command": sanitized.command,
        "options": event.capped_options(sanitized.options),
        "dropped": sanitized.dropped,  # counts only: {"arguments": n, "values": n, "options": n}
        "exit_code": run.exit_code,
        "duration_ms": run.duration_ms,
        "real": run.real if len(run.real) <= MAX_PATH_BYTES else b"",
    }


def event_of(names, variables, session_id, erase_key_sha256=None, keep=True) -> dict:
    """The event for a run's names (names_of) in this environment, with the tool's version and the context
    of the working folder: the one place an event is built, for the recorder and for `chefwrap telemetry
    preview`. keep=False leaves no trace on disk (debug mode, preview)."""
    from chefwrap.shim import context, event
    from chefwrap.shim.sanitizer import Sanitized

    tool, real = names["tool"], names["real"]
    sanitized = Sanitized(tool, names["command"], names["options"], names["dropped"])
    version = event.version_from_binstub(tool, head_of(real))
    found = context.as_properties(context.gather(tool, real or b"/nonexistent", variables, keep=keep))
    return event.build(sanitized, names["exit_code"], names["duration_ms"], session_id, variables, version, context=found, erase_key_sha256=erase_key_sha256)


def record(finished, environ) -> None:
    """Turn a finished run (names_of) into an event, spool it and wake the sender. Runs in the recorder
    (chefwrap.shim.recorder), after the tool has exited, so the decision is taken again here: an opt-out
    made while the tool ran holds."""
    from chefwrap.delivery import spool, starter
    from chefwrap.shim import event
    from chefwrap.state import ci, erase_key, private, session, settings

    variables = telemetry_environment(environ)
    debug = ci.is_set(variables.get("CHEF_TELEMETRY_DEBUG"))
    decision = consent.decide(variables, interactive=False)
    if not debug and (decision.outcome not in (consent.SHARE, consent.LOCAL) or not home_is_ours(variables)):
        return
    # Folders made 0700 (and damage moved aside) before anything is written; debug writes nothing.
    if not debug and private.prepare(variables) is not None:
        return
    session_id = (session.peek(variables) or session.new_uuid()) if debug else session.current(variables)
    sharing = decision.outcome == consent.SHARE
    # Debug shows the hash only when the secret exists: it makes nothing.
    proof = erase_key.hash_for(variables, session_id, make=not debug) if sharing or debug else None
    built = event_of(finished, variables, session_id, proof, keep=not debug)
    line = event.to_json(built)
    if debug:  # shown, neither sent nor stored
        os.write(2, line.encode() + b"\n")
        return
    destination = settings.usable_endpoint(variables) if sharing else spool.KEEP_LOCALLY
    if destination is None:  # not an http(s) URL: `chefwrap telemetry status` says so, the recorder stays silent
        return
    spool.append(variables, built["event_id"], destination, line)
    starter.wake_sender(variables, destination)


def text_environment(variables):
    return {os.fsdecode(name): os.fsdecode(value) for name, value in variables.items()}


def head_of(path, size=4096) -> bytes:
    try:
        with open(path, "rb") as stream:
            return stream.read(size)
    except OSError:
        return b""
