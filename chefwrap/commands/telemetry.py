"""`chefwrap telemetry ...`: see what is collected, and change whether it is.

The RFC's `chef telemetry status|enable|disable|show` reach these too, through the chef shim.
"""

import contextlib
import json
import os
import time

from chefwrap import config, consent, context, event, ledger, sanitizer, session, spool
from chefwrap.launcher import find_real_tool
from chefwrap.locations import TOOLS
from chefwrap.telemetry import head_of

STATES = {consent.SHARE: "on", consent.LOCAL: "local", consent.OFF: "off", consent.ASK: "not decided yet"}
DESCRIPTIONS = {
    consent.SHARE: "on",
    consent.OFF: "off",
    consent.LOCAL: "local: events are kept in the ledger (chefwrap telemetry show), never sent",
}
HOW_TO_CHANGE = (
    "chefwrap telemetry enable | disable | local (or `chef telemetry ...`); "
    "for one shell or job: CHEF_TELEMETRY_OPT_OUT=1 or DO_NOT_TRACK=1; "
    "for everyone in a repository: a .chef/telemetry_opt_out file in it"
)


def status(args, env) -> int:
    decision = consent.decide(env.variables, interactive=True)
    report = {
        "sharing": STATES[decision.outcome],
        "rule": decision.rule,
        "decided_by": decision.source,
        "endpoint": config.endpoint(env.variables),
        "session": session.peek(env.variables),
        "pending": len(spool.names(env.variables)),
        "sent": len([entry for entry in ledger.entries(env.variables) if entry.get("endpoint")]),
        "change": HOW_TO_CHANGE,
    }
    if args.json:
        env.say(json.dumps(report, indent=2))
        return 0
    env.say(f"Data sharing: {report['sharing']} ({decision.rule}{f': {decision.source}' if decision.source else ''})")
    env.say(f"Endpoint:     {report['endpoint']}/events")
    env.say(f"Session:      {report['session'] or 'none live (a new one starts with the next command)'}")
    env.say(f"Pending:      {report['pending']} event(s) waiting to be sent; {report['sent']} in the ledger of sent events")
    env.say(f"Change it:    {HOW_TO_CHANGE}")
    env.say("See it:       chefwrap telemetry show; chefwrap telemetry preview -- knife node list")
    return 0


def enable(args, env) -> int:
    changes = consent.record_decision(env.variables, share=True)
    if config.mode(env.variables) == config.LOCAL or not _config_exists(env):
        config.write(env.variables, mode=config.SHARE)
        changes.append(f"set mode = share in {config.path(env.variables)}")
    return _tell(env, consent.SHARE, changes)


def disable(args, env) -> int:
    changes = consent.record_decision(env.variables, share=False)
    dropped = spool.trim(env.variables, max_events=0)
    if dropped:
        changes.append(f"deleted {dropped} event(s) that were waiting to be sent")
    return _tell(env, consent.OFF, changes)


def local(args, env) -> int:
    changes = consent.forget_decision(env.variables)
    config.write(env.variables, mode=config.LOCAL)
    changes.append(f"set mode = local in {config.path(env.variables)}")
    return _tell(env, consent.LOCAL, changes)


def _config_exists(env) -> bool:
    return os.path.exists(config.path(env.variables))


def _tell(env, outcome, changes) -> int:
    """Say what changed, and what still overrides it here (a variable, a repository's opt-out)."""
    env.say(f"Data sharing is {DESCRIPTIONS[outcome]}." + (f" ({'; '.join(changes)})" if changes else " (nothing needed changing)"))
    actual = consent.decide(env.variables, interactive=True)
    if actual.outcome != outcome:
        env.say(f"Note: here it stays {STATES[actual.outcome]}, because {actual.rule}" + (f": {actual.source}" if actual.source else ""))
    return 0


def show(args, env) -> int:
    """The exact JSON waiting to be sent, and what was sent and where it went."""
    both = not args.pending and not args.sent
    if args.pending or both:
        waiting = spool.names(env.variables)
        shown = waiting[: args.n]
        env.say(f"# Waiting to be sent: {len(waiting)} event(s), freshest first" + (f" (showing {len(shown)})" if shown else ""))
        for name in shown:
            record = pending_record(env.variables, name)
            if record is not None:
                destination, data = record
                env.say(f"# to be sent to {destination}/events" if destination != spool.LOCAL else "# to be kept locally, never sent")
                env.say(data.decode("ascii", "replace"))
    if args.sent or both:
        entries = list(reversed(ledger.entries(env.variables)))[: args.n]
        env.say(f"# Sent or kept locally, newest first (showing {len(entries)})")
        for entry in entries:
            where = f"sent to {entry['endpoint']} (HTTP {entry['status']})" if entry.get("endpoint") else "kept locally, never sent"
            env.say(f"# {entry.get('at')}: {where}")
            env.say(json.dumps(entry["event"], separators=(",", ":")))
    return 0

SESSION_PLACEHOLDER = "<the session: one random UUID for the Chef tools you use, new after 10 idle minutes>"
FILLED_IN_LATER = "filled in once the command has run"


def run(args, env) -> int:
    return ACTIONS[args.action](args, env)


def preview(args, env) -> int:
    """The event a command line would produce, without running anything."""
    command = list(args.command_line)
    if command[:1] == ["--"]:
        command = command[1:]
    if not command or command[0] not in TOOLS:
        env.error(f"preview needs a command line starting with {', '.join(TOOLS)}: chefwrap telemetry preview -- knife node list")
        return 2
    tool, argv = command[0], command[1:]
    sanitized = sanitizer.sanitize(tool, argv)
    real = find_real_tool(tool.encode(), env.path)
    version = event.version_from_binstub(tool, head_of(real)) if real else None
    found = context.as_properties(context.gather(tool, real or b"/nonexistent", env.variables, keep=False))
    built = event.build(sanitized, None, None, SESSION_PLACEHOLDER, env.variables, version, context=found)
    env.say(json.dumps(built, indent=2))
    env.error(describe_dropped(sanitized.dropped) + f"; exit_code and duration_ms are {FILLED_IN_LATER}.")
    return 0


def describe_dropped(dropped) -> str:
    words = {"arguments": ("argument", "arguments"), "values": ("option value", "option values"), "options": ("unknown option name", "unknown option names")}
    parts = [f"{count} {words[kind][count != 1]}" for kind, count in dropped.items() if count]
    return "never sent: " + (", ".join(parts) if parts else "nothing was left out")


def forget(args, env) -> int:
    """Ask each endpoint to erase the sessions sent to it, then forget them here: the ledger's entries,
    any events still waiting to be sent, and the live session id."""
    variables = env.variables
    with sender_lock(variables):
        sent = sessions_by_endpoint(ledger.entries(variables))
        pending = {session_of(pending_record(variables, name)) for name in spool.names(variables)} - {None}
        never_left = (sent.pop(None, set()) | pending) - {s for ids in sent.values() for s in ids}
        erased, failed = {}, []
        for endpoint, session_ids in sorted(sent.items()):
            for session_id in sorted(session_ids):
                problem = erase_at(endpoint, session_id)
                if problem:
                    failed.append((endpoint, session_id, problem))
                else:
                    erased.setdefault(endpoint, []).append(session_id)
        kept = {session_id for _, session_id, _ in failed}
        forget_locally(variables, (never_left | {s for ids in erased.values() for s in ids}) - kept)
    for endpoint, session_ids in sorted(erased.items()):
        env.say(f"Erased {len(session_ids)} session(s) at {endpoint}: {', '.join(session_ids)}")
    for endpoint, session_id, problem in failed:
        env.say(f"Could not erase session {session_id} at {endpoint} ({problem}); it stays in the ledger: run forget again later.")
    if never_left:
        env.say(f"Forgot {len(never_left)} session(s) that never left this machine.")
    if not sent and not never_left:
        env.say("Nothing to forget: no session was recorded here.")
    return 1 if failed else 0


def sessions_by_endpoint(entries) -> dict:
    """{endpoint (None: kept locally): {session ids}} from the ledger."""
    found = {}
    for entry in entries:
        session_id = entry["event"].get("session_id")
        if isinstance(session_id, str):
            endpoint = entry.get("endpoint")
            base = endpoint[: -len("/events")] if isinstance(endpoint, str) and endpoint.endswith("/events") else endpoint
            found.setdefault(base, set()).add(session_id)
    return found


def pending_record(variables, name):
    """(destination, event bytes) of a spooled event; None when gone, damaged or unreadable."""
    try:
        return spool.read(variables, name)
    except (OSError, ValueError):
        return None


def session_of(record):
    try:
        return json.loads(record[1]).get("session_id")
    except (TypeError, ValueError, AttributeError, IndexError):
        return None


def erase_at(endpoint, session_id):
    """None when the endpoint erased the session (or never had it); otherwise what went wrong."""
    import requests

    from chefwrap.sender import http_session

    try:
        with http_session() as http:
            response = http.delete(f"{endpoint}/sessions/{session_id}", timeout=(3, 10))
    except requests.RequestException as problem:
        return f"no answer ({type(problem).__name__})"
    if response.status_code in (200, 202, 204, 404):
        return None
    return f"HTTP {response.status_code}"


def forget_locally(variables, erased) -> None:
    kept = [entry for entry in ledger.entries(variables) if entry["event"].get("session_id") not in erased]
    ledger.replace(variables, kept)
    for name in spool.names(variables):
        if session_of(pending_record(variables, name)) in erased:
            spool.remove(variables, name)
    if session.peek(variables) in erased:
        session.end(variables)


@contextlib.contextmanager
def sender_lock(variables, timeout=10.0):
    """Hold the sender lock, so no sender writes the ledger or posts from the spool meanwhile. A running
    sender is stopped (its events stay in the spool); forget never goes on without the lock."""
    from chefwrap import sender
    from chefwrap.chef_dir import own_dir

    if not os.path.isdir(own_dir(variables)):
        yield
        return
    deadline = time.monotonic() + timeout
    descriptor = spool.take_sender_lock(variables)
    while descriptor is None:
        running = sender.running_sender(variables)
        if running is not None:
            running.terminate()
        if time.monotonic() > deadline:
            raise SystemExit("chefwrap: a sender is busy and would not stop; try `chefwrap telemetry forget` again in a minute")
        time.sleep(0.1)
        descriptor = spool.take_sender_lock(variables)
    try:
        yield
    finally:
        os.close(descriptor)


ACTIONS = {"status": status, "enable": enable, "disable": disable, "local": local, "show": show, "preview": preview, "forget": forget}
