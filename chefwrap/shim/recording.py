"""The telemetry layer as the launcher sees it: one call before the tool runs, one after it has exited.

Both run on the shim's hot path, so this imports only light modules and never prints, except the
event itself on stderr when CHEF_TELEMETRY_DEBUG asks for it.
"""

import os

from chefwrap.shim import consent

OPT_OUT_FOR_THE_TOOL = {b"CHEF_TELEMETRY_OPT_OUT": b"1"}


def before_run(env_bytes):
    """(record this run?, the environment for the tool), from the user's decision.

    CHEF_TELEMETRY_DEBUG shows the event whatever the decision, and never asks: it sends nothing.
    """
    from chefwrap.shim import ci

    env = text_environment(env_bytes)
    debug = ci.is_set(env.get("CHEF_TELEMETRY_DEBUG"))
    decision = consent.decide(env)
    if decision.outcome == consent.ASK and not debug:
        decision = consent.ask(env)
    tool_env = env_bytes
    if decision.tell_gem:
        tool_env = dict(env_bytes)
        tool_env.update(OPT_OUT_FOR_THE_TOOL)
    return decision.outcome in (consent.SHARE, consent.LOCAL) or debug, tool_env


def record(run):
    """Turn a finished run (chefwrap.shim.launcher.Run) into an event, spool it and wake the sender."""
    # Only recorded runs pay for these.
    from chefwrap.delivery import spool, starter
    from chefwrap.shim import ci, context, event, sanitizer, session, settings

    env = text_environment(run.env)
    debug = ci.is_set(env.get("CHEF_TELEMETRY_DEBUG"))
    # The user may have changed their mind while the tool ran (`chefwrap telemetry disable`).
    decision = consent.decide(env, interactive=False)
    if decision.outcome not in (consent.SHARE, consent.LOCAL) and not debug:
        return
    sanitized = sanitizer.sanitize(run.tool, run.argv)
    version = event.version_from_binstub(run.tool, head_of(run.real))
    found = context.as_properties(context.gather(run.tool, run.real, env, keep=not debug))
    session_id = (session.peek(env) or event.new_uuid()) if debug else session.current(env)
    built = event.build(sanitized, run.exit_code, run.duration_ms, session_id, env, version, context=found)
    line = event.to_json(built)
    if debug:  # shown, neither sent nor stored
        os.write(2, line.encode() + b"\n")
        return
    destination = spool.KEEP_LOCALLY if decision.outcome == consent.LOCAL else settings.endpoint(env)
    spool.append(env, built["event_id"], destination, line)
    starter.wake_sender(env)


def text_environment(env):
    return {os.fsdecode(name): os.fsdecode(value) for name, value in env.items()}


def head_of(path, size=4096) -> bytes:
    try:
        with open(path, "rb") as stream:
            return stream.read(size)
    except OSError:
        return b""
