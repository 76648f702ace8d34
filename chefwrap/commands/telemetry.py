"""`chefwrap telemetry ...`: see what is collected, and change whether it is."""

import json

from chefwrap import event, sanitizer
from chefwrap.launcher import find_real_tool
from chefwrap.locations import TOOLS
from chefwrap.telemetry import head_of

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
    real = find_real_tool(tool.encode(), env.get("PATH", "").encode())
    version = event.version_from_binstub(tool, head_of(real)) if real else None
    built = event.build(sanitized, None, None, SESSION_PLACEHOLDER, env.variables, version)
    env.say(json.dumps(built, indent=2))
    env.error(describe_dropped(sanitized.dropped) + f"; exit_code and duration_ms are {FILLED_IN_LATER}.")
    return 0


def describe_dropped(dropped) -> str:
    words = {"arguments": ("argument", "arguments"), "values": ("option value", "option values"), "options": ("unknown option name", "unknown option names")}
    parts = [f"{count} {words[kind][count != 1]}" for kind, count in dropped.items() if count]
    return "never sent: " + (", ".join(parts) if parts else "nothing was left out")


ACTIONS = {"preview": preview}
