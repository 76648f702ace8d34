"""What an event can carry, what it never carries, and where it goes: said once, here.

The first-run question (chefwrap.shim.prompt), `chefwrap telemetry status` and the README's "What is
collected" say it with these words; tests/state/test_consent.py checks that the three agree. Imported by the
prompt: builtins only.
"""

from chefwrap.state.settings import is_chefs

# Every kind of data an event can carry (chefwrap.shim.event and chefwrap.shim.context).
CARRIED = (
    "the command and the option names used (names the tool's grammar defines; any other is <other-option>)",
    "exit code and duration",
    "OS and architecture",
    "CI or not",
    "tool versions",
    "public community cookbook names and versions",
    "public Test Kitchen plugins and platforms",
    "counts of the other cookbooks, plugins and platforms",
)
NEVER = "option values, arguments, host, user, node and file names, paths, addresses, your environment"
WAIT_SECONDS = 60
NO_ANSWER = f"No answer within {WAIT_SECONDS} seconds: nothing is recorded or sent, and the next run asks again."
CHEF = "Chef (telemetry.chef.io)"
WIDTH = 76  # the question is read on terminals of 80 columns


def destination(endpoint: str) -> str:
    """Where events go, by name: Chef's endpoint, or a configured one by its host (never its path,
    query or any credentials written in the URL)."""
    if is_chefs(endpoint):
        return CHEF
    return f"{host_of(endpoint)} (the configured endpoint)"


def host_of(endpoint: str) -> str:
    rest = endpoint.split("://", 1)[1] if "://" in endpoint else endpoint
    for end in "/?#":
        rest = rest.split(end, 1)[0]
    return rest.rsplit("@", 1)[-1] or "?"


def carried() -> str:
    return "; ".join(CARRIED)


def question(endpoint: str, width: int = WIDTH) -> str:
    """The first-run question, wrapped to `width` columns: the terminal cuts longer lines off."""
    lines = _wrap(f"Share anonymous usage data of knife, kitchen and chef with {destination(endpoint)}?", width, "", "  ")
    lines.append("  Sent, for each run:")
    for item in CARRIED:
        lines += _wrap(item, width, "    - ", "      ")
    lines += _wrap(f"Never: {NEVER}.", width, "  ", "    ")
    lines += _wrap(NO_ANSWER, width, "  ", "    ")
    lines += _wrap("Change it any time: chefwrap telemetry enable | disable | status", width, "  ", "    ")
    lines.append("Share usage data?")
    return "\n".join(lines)


def _wrap(text, width, first, rest):
    lines, line = [], first
    for word in text.split(" "):
        if len(line) + len(word) > width and line.strip():
            lines.append(line.rstrip())
            line = rest
        line += word + " "
    lines.append(line.rstrip())
    return lines
