"""`chefwrap telemetry ...`: see what is collected, and change whether it is.

The RFC's `chef telemetry status|enable|disable|show` reach these too, through the chef shim.
"""

import json
import os
import time

from chefwrap import TOOLS, paths
from chefwrap.delivery import erasure, ledger, pauses, redirects, spool, starter
from chefwrap.paths import Locations
from chefwrap.setup import shim_files
from chefwrap.shim import recording
from chefwrap.shim.launcher import Run
from chefwrap.shim.real_tool import find_real_tool
from chefwrap.state import consent, disclosure, private, session, settings

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
    variables = env.variables
    decision = consent.decide(variables, interactive=True)
    refusal = endpoint_refusal(variables)
    endpoint = settings.endpoint(variables)
    moved = None if refusal else redirects.load(variables).get(settings.normalize(endpoint))
    token, token_source = settings.configured_token(variables)
    waiting = waiting_by_destination(variables)
    report = {
        "sharing": STATES[decision.outcome],
        "rule": decision.rule,
        "decided_by": decision.source,
        "endpoint": endpoint,
        "endpoint_problem": refusal,
        "moved_to": moved,
        "token": token_source,  # where it is configured: the token itself is never shown
        "token_problem": settings.token_problem(token) if token else None,
        "session": session.peek(variables),
        "pending": sum(each["events"] for each in waiting),
        "waiting": waiting,
        "sent": len([entry for entry in ledger.entries(variables) if entry.get("endpoint")]),
        "sessions_to_erase": len({session_id for _, session_id in erasure.sent_pairs(variables)}) if os.path.isdir(paths.own_dir(variables)) else 0,
        "lock_problem": starter.lock_problem(variables),
        "damaged": private.damaged(variables),
        "change": HOW_TO_CHANGE,
        "sent_to": disclosure.destination(endpoint) if decision.outcome == consent.SHARE else None,
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
        env.say(f"Endpoint:     {endpoint} (events are posted to {endpoint.rstrip('/')}/events)")
    if moved:
        env.say(f"Moved:        it moved for good to {moved} (a permanent redirect on the same host): events go to {moved}/events")
    if token_source:
        problem = report["token_problem"]
        env.say(f"Token:        from {token_source}, sent to {disclosure.host_of(endpoint)} only" + (f"; not sent: {problem}" if problem else ""))
    env.say(f"Sent to:      {sent_to(decision, endpoint)}")
    env.say(f"What is sent: {disclosure.carried()}")
    env.say(f"Never sent:   {disclosure.NEVER}")
    env.say(f"Session:      {report['session'] or 'none live (a new one starts with the next command)'}")
    env.say(f"Pending:      {report['pending']} event(s) waiting to be sent; {report['sent']} in the ledger of sent events")
    for each in waiting:
        if each["why"]:
            env.say(f"Waiting:      {each['events']} event(s) for {each['destination']}: {each['why']}")
    for path, kind in report["damaged"]:
        env.say(f"State:        {path} is {kind}, not a folder: the next recorded command moves it aside, or run `chefwrap doctor --fix`")
    if report["lock_problem"]:
        env.say(f"Lock:         {report['lock_problem']}: the next command replaces it, or run `chefwrap doctor --fix`")
    if report["sessions_to_erase"]:
        env.say(f"Erasable:     {report['sessions_to_erase']} session(s) sent from here; `chefwrap telemetry forget` has them erased")
    if report["shims_needing_refresh"]:
        stale = ", ".join(report["shims_needing_refresh"])
        env.say(f"Shims:        {stale}: written by another chefwrap or Python (or its Python is gone); run `chefwrap install` to refresh them")
    env.say(f"Change it:    {HOW_TO_CHANGE}")
    env.say("See it:       chefwrap telemetry show; chefwrap telemetry preview -- knife node list")
    return 0


def sent_to(decision, endpoint) -> str:
    if decision.outcome == consent.SHARE:
        return disclosure.destination(endpoint)
    if decision.outcome == consent.LOCAL:
        return "nowhere: events stay in the local ledger"
    if decision.outcome == consent.ASK:
        return f"nothing yet; if you agree when asked, {disclosure.destination(endpoint)}"
    return "nothing"


def waiting_by_destination(variables) -> list:
    """[{destination, events, why}] for the events in the spool, by where they are to go, with why they
    wait when a sender could not deliver them (chefwrap.delivery.pauses)."""
    counts = {}
    for name in spool.names(variables):
        record = spool.read_or_none(variables, name)
        if record is not None:
            where = record[0] if record[0] == spool.KEEP_LOCALLY else settings.normalize(record[0])
            counts[where] = counts.get(where, 0) + 1
    found, _ = pauses.load(variables)
    return [
        {"destination": destination, "events": count, "why": why_waiting(variables, destination, found.get(destination))}
        for destination, count in sorted(counts.items())
    ]


def why_waiting(variables, destination, pause):
    if destination == spool.KEEP_LOCALLY:
        return "to be kept in the local ledger"
    if not consent.agreed(variables, destination):
        return "not an endpoint you agreed to share with: they will be dropped, never sent"
    if pause is None:
        return None
    kind, _, detail = pause.reason.partition(":")
    when = time.strftime("%H:%M:%S UTC", time.gmtime(max(pause.until, time.time())))
    if kind == "token":
        fix = "set a token it accepts" if settings.token_for(variables, destination) else "it asks for a token: set one"
        return f"the endpoint refused the token (HTTP {detail}); they are kept: {fix} (CHEF_TELEMETRY_TOKEN, or token in {paths.settings_file(variables)}); next try after {when}"
    if kind == "redirect":
        status, _, host = detail.partition(":")
        return (
            f"the endpoint answered HTTP {status}, a redirect to {host}, which events do not follow (only a permanent one to the "
            f"same host); they are kept: if that is its new address, make it the endpoint; next try after {when}"
        )
    days = f"; failing for {pause.failed_for / 86400:.1f} day(s), dropped after {pauses.RETENTION_DAYS}" if pause.failed_for >= 86400 else ""
    if kind == "asked":
        return f"the endpoint asked to wait (HTTP {detail}, Retry-After): next try after {when}{days}"
    if kind == "status":
        return f"the endpoint answered HTTP {detail}: next try after {when}{days}"
    return f"no answer from the endpoint: next try after {when}{days}"


def describe_decision(decision) -> str:
    """The rule, and the file that decided when the rule does not already name it (a variable does)."""
    if decision.source and decision.source not in decision.rule:
        return f"{decision.rule}: {decision.source}"
    return decision.rule


def enable(args, env) -> int:
    """A yes for the endpoint in effect, and for that one only."""
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
    described = DESCRIPTIONS[outcome] + (f", with {disclosure.destination(settings.endpoint(env.variables))}" if outcome == consent.SHARE else "")
    env.say(f"Data sharing is {described}." + (f" ({'; '.join(changes)})" if changes else " (nothing needed changing)"))
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
ERASE_KEY_PLACEHOLDER = "<the SHA-256 of the session's erase key, which only this machine holds: it lets you alone have the session erased>"
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
    real = find_real_tool(tool.encode(), env.path) or b""
    names = recording.names_of(Run(tool, argv, None, None, {}, real))
    built = recording.event_of(names, env.variables, SESSION_PLACEHOLDER, ERASE_KEY_PLACEHOLDER, keep=False)
    env.say(json.dumps(built, indent=2))
    env.error(describe_dropped(names["dropped"]) + f"; exit_code and duration_ms are {FILLED_IN_LATER}.")
    return 0


def describe_dropped(dropped) -> str:
    words = {"arguments": ("argument", "arguments"), "values": ("option value", "option values"), "options": ("unknown option name", "unknown option names")}
    parts = [f"{count} {words[kind][count != 1]}" for kind, count in dropped.items() if count]
    return "never sent: " + (", ".join(parts) if parts else "nothing was left out")


def forget(args, env) -> int:
    """Ask each endpoint to erase every session sent to it, then forget them here."""
    try:
        outcome = erasure.forget(env.variables)
    except erasure.SenderBusy as problem:
        env.error(str(problem))
        return 1
    for endpoint, session_ids in sorted(outcome.erased.items()):
        env.say(f"Erased {len(session_ids)} session(s) at {endpoint}: {', '.join(session_ids)}")
    for endpoint, failures in failures_by_endpoint(outcome.failed).items():
        for problem, session_ids in failures.items():
            env.say(
                f"Could not erase session(s) at {endpoint} ({problem}): {', '.join(session_ids)}; "
                "they stay recorded here: run forget again later."
            )
    if outcome.never_left:
        env.say(f"Forgot {len(outcome.never_left)} session(s) that never left this machine.")
    if outcome.unreachable:
        env.say(f"Could not reach: {', '.join(sorted(outcome.unreachable))}.")
    if not outcome.erased and not outcome.failed and not outcome.never_left:
        env.say("Nothing to forget: no session was recorded here.")
    return 1 if outcome.failed else 0


def failures_by_endpoint(failed) -> dict:
    found = {}
    for endpoint, session_id, problem in failed:
        found.setdefault(endpoint, {}).setdefault(problem, []).append(session_id)
    return found


ACTIONS = {"status": status, "enable": enable, "disable": disable, "local": local, "show": show, "preview": preview, "forget": forget}
