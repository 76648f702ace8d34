"""`chefwrap telemetry ...`: see what is collected, and change whether it is.

The RFC's `chef telemetry status|enable|disable|show` reach these too, through the chef shim.
"""

import json
import os

from chefwrap import TOOLS, paths
from chefwrap.delivery import erasure, ledger, spool
from chefwrap.paths import Locations
from chefwrap.setup import shim_files
from chefwrap.shim import consent, context, disclosure, event, sanitizer, session, settings
from chefwrap.shim.context.tool_versions import installed_gems
from chefwrap.shim.real_tool import find_real_tool
from chefwrap.shim.recording import head_of

DEFAULT_ACTION = "status"  # `chefwrap telemetry` and `chef telemetry` alone
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


def endpoint_refusal(variables):
    """Why the configured endpoint is refused, in one sentence naming where it was set; None when it is fine."""
    url, source = settings.configured_endpoint(variables)
    problem = settings.endpoint_problem(url)
    if problem is None:
        return None
    return f"{url} (from {source}) is not a valid http(s) URL: {problem}"


def status(args, env) -> int:
    decision = consent.decide(env.variables, interactive=True)
    refusal = endpoint_refusal(env.variables)
    report = {
        "sharing": STATES[decision.outcome],
        "rule": decision.rule,
        "decided_by": decision.source,
        "endpoint": settings.endpoint(env.variables),
        "endpoint_problem": refusal,
        "session": session.peek(env.variables),
        "pending": len(spool.names(env.variables)),
        "sent": len([entry for entry in ledger.entries(env.variables) if entry.get("endpoint")]),
        "change": HOW_TO_CHANGE,
        "sent_to": disclosure.destination(settings.endpoint(env.variables)),
        "carried": list(disclosure.CARRIED),
        "never": disclosure.NEVER,
        "shims_needing_refresh": shim_files.needing_refresh(Locations.of(env).shims),
    }
    if getattr(args, "json", False):  # `chefwrap telemetry` alone has no --json
        env.say(json.dumps(report, indent=2))
        return 0
    env.say(f"Data sharing: {report['sharing']} ({describe_decision(decision)})")
    if refusal:
        env.say(f"Endpoint:     {refusal}; nothing is recorded until it is fixed")
    else:
        env.say(f"Endpoint:     {report['endpoint']} (events are posted to {report['endpoint'].rstrip('/')}/events)")
    env.say(f"Sent to:      {report['sent_to']}")
    env.say(f"What is sent: {disclosure.carried()}")
    env.say(f"Never sent:   {disclosure.NEVER}")
    env.say(f"Session:      {report['session'] or 'none live (a new one starts with the next command)'}")
    env.say(f"Pending:      {report['pending']} event(s) waiting to be sent; {report['sent']} in the ledger of sent events")
    if report["shims_needing_refresh"]:
        stale = ", ".join(report["shims_needing_refresh"])
        env.say(f"Shims:        {stale}: written by another chefwrap or Python (or its Python is gone); run `chefwrap install` to refresh them")
    env.say(f"Change it:    {HOW_TO_CHANGE}")
    env.say("See it:       chefwrap telemetry show; chefwrap telemetry preview -- knife node list")
    return 0


def describe_decision(decision) -> str:
    """The rule, and the file that decided when the rule does not already name it (a variable does)."""
    if decision.source and decision.source not in decision.rule:
        return f"{decision.rule}: {decision.source}"
    return decision.rule


def enable(args, env) -> int:
    refusal = endpoint_refusal(env.variables)
    if refusal:
        env.error(f"not enabled: the endpoint {refusal}. Set CHEF_TELEMETRY_ENDPOINT or `endpoint` in {paths.settings_file(env.variables)} to an http:// or https:// URL.")
        return 2
    changes = consent.record_decision(env.variables, share=True)
    if settings.mode(env.variables) == settings.MODE_LOCAL or not _config_exists(env):
        settings.write(env.variables, mode=settings.MODE_SHARE)
        changes.append(f"set mode = share in {paths.settings_file(env.variables)}")
    return _tell(env, consent.SHARE, changes)


def disable(args, env) -> int:
    changes = consent.record_decision(env.variables, share=False)
    dropped = spool.trim(env.variables, max_events=0)
    if dropped:
        changes.append(f"deleted {dropped} event(s) that were waiting to be sent")
    return _tell(env, consent.OFF, changes)


def local(args, env) -> int:
    changes = consent.forget_decision(env.variables)
    settings.write(env.variables, mode=settings.MODE_LOCAL)
    changes.append(f"set mode = local in {paths.settings_file(env.variables)}")
    return _tell(env, consent.LOCAL, changes)


def _config_exists(env) -> bool:
    return os.path.exists(paths.settings_file(env.variables))


def _tell(env, outcome, changes) -> int:
    """Say what changed, and what still overrides it here (a variable, a repository's opt-out)."""
    env.say(f"Data sharing is {DESCRIPTIONS[outcome]}." + (f" ({'; '.join(changes)})" if changes else " (nothing needed changing)"))
    actual = consent.decide(env.variables, interactive=True)
    if actual.outcome != outcome:
        env.say(f"Note: here it stays {STATES[actual.outcome]}, because {describe_decision(actual)}")
    return 0


def show(args, env) -> int:
    """The exact JSON waiting to be sent, and what was sent and where it went."""
    both = not args.pending and not args.sent
    if args.pending or both:
        waiting = spool.names(env.variables)
        shown = waiting[: args.n]
        env.say(f"# Waiting to be sent: {len(waiting)} event(s), freshest first" + (f" (showing {len(shown)})" if shown else ""))
        for name in shown:
            record = spool.read_or_none(env.variables, name)
            if record is not None:
                destination, data = record
                env.say(f"# to be sent to {destination}/events" if destination != spool.KEEP_LOCALLY else "# to be kept locally, never sent")
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
    try:
        return ACTIONS[args.action or DEFAULT_ACTION](args, env)
    except BrokenPipeError:
        raise  # the reader of our output went away: not a file problem
    except OSError as problem:
        cannot_change(problem, env)
        return 1


def cannot_change(problem: OSError, env) -> None:
    """One line naming the file and what to do, then where the decision stands now."""
    from chefwrap.setup.changes import meant

    where = meant(problem.filename) if problem.filename else paths.chef_dir(env.variables)
    env.error(
        f"cannot change {where}: {problem.strerror or problem}. Check that you own {os.path.dirname(where) or where} "
        "and may write to it (a command run with sudo may have left it root's)"
    )
    try:
        actual = consent.decide(env.variables, interactive=True)
        env.error(f"data sharing here is {STATES[actual.outcome]} ({describe_decision(actual)})")
    except OSError:
        pass


def preview(args, env) -> int:
    """The event a command line would produce, without running anything."""
    command = list(args.command_line)
    if command[:1] == ["--"]:
        command = command[1:]
    if not command or command[0] not in TOOLS:
        env.error(f"preview needs a command line starting with {', '.join(TOOLS)}: chefwrap telemetry preview -- knife node list")
        return 2
    tool, argv = command[0], command[1:]
    real = find_real_tool(tool.encode(), env.path)
    sanitized = sanitizer.sanitize(tool, argv, installed_gems(real) if real else frozenset())
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
    """Ask each endpoint to erase the sessions sent to it, then forget them here."""
    try:
        outcome = erasure.forget(env.variables)
    except erasure.SenderBusy as problem:
        env.error(str(problem))
        return 1
    for endpoint, session_ids in sorted(outcome.erased.items()):
        env.say(f"Erased {len(session_ids)} session(s) at {endpoint}: {', '.join(session_ids)}")
    for endpoint, session_id, problem in outcome.failed:
        env.say(f"Could not erase session {session_id} at {endpoint} ({problem}); it stays in the ledger: run forget again later.")
    if outcome.never_left:
        env.say(f"Forgot {len(outcome.never_left)} session(s) that never left this machine.")
    if not outcome.erased and not outcome.failed and not outcome.never_left:
        env.say("Nothing to forget: no session was recorded here.")
    return 1 if outcome.failed else 0


ACTIONS = {"status": status, "enable": enable, "disable": disable, "local": local, "show": show, "preview": preview, "forget": forget}
