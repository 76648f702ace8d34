"""chefwrap's command-line tree: every command, option and help text, in one argparse parser.

chefwrap.main parses with it; chefwrap.setup.completions generates the shell completions from it.
"""

import argparse
import re

import chefwrap
from chefwrap import DEFAULT_MIN_SESSIONS, MAX_MIN_SESSIONS, TOOLS
from chefwrap.setup.shells import SHELLS

DEFAULT_DATABASE = "chefwrap-collector.sqlite3"
SESSION_ID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
MIN_SESSIONS_HELP = (
    f"show a name only for a period at least K sessions used it in, complete days only (default {DEFAULT_MIN_SESSIONS}, "
    f"at most {MAX_MIN_SESSIONS}; 1: everything, today too)"
)


def tool_list(text: str) -> list:
    tools = [tool.strip() for tool in text.split(",") if tool.strip()]
    unknown = [tool for tool in tools if tool not in TOOLS]
    if unknown or not tools:
        raise argparse.ArgumentTypeError(f"choose from {','.join(TOOLS)} (got {text!r})")
    return list(dict.fromkeys(tools))


def positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"a whole number of 1 or more (got {text!r})")
    return value


def min_sessions(text: str) -> int:
    value = positive(text)
    if value > MAX_MIN_SESSIONS:
        raise argparse.ArgumentTypeError(f"at most {MAX_MIN_SESSIONS}: the aggregates keep the sessions of fewer (got {text!r})")
    return value


def session_id(text: str) -> str:
    if not SESSION_ID.fullmatch(text):
        raise argparse.ArgumentTypeError(f"a session id is a UUID (got {text!r})")
    return text.lower()


def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"a number of seconds, more than 0 and at most 3600 (got {text!r})")
    return value


def command(group, name: str, summary: str, details: str = "") -> argparse.ArgumentParser:
    """A subcommand whose --help page starts with what it does (its summary, and details if any)."""
    return group.add_parser(name, help=summary, description=summary[0].upper() + summary[1:] + "." + (f" {details}" if details else ""))


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="chefwrap",
        description="Anonymous usage telemetry for knife, kitchen and chef, through shims on PATH.",
    )
    top.add_argument("--version", action="version", version=f"chefwrap {chefwrap.__version__}")
    commands = top.add_subparsers(dest="command", metavar="COMMAND", required=True)

    install = command(
        commands, "install", "put shims for the Chef tools first on PATH",
        "Writes the shims and the chefwrap command beside them, adds a marked block to the start-up files of every shell you have "
        "(bash, zsh and fish you have start-up files for or log in with) and installs chefwrap's completions. "
        "Run it again after upgrading chefwrap or its Python.",
    )
    install.add_argument("--shell", choices=SHELLS, help="set up this shell only (default: every one you have)")
    tools = install.add_argument("--tools", type=tool_list, default=list(TOOLS), help="comma-separated (default: knife,kitchen,chef)")
    tools.completion_choices = (",".join(TOOLS), *TOOLS)  # read by chefwrap.setup.completions
    install.add_argument("--dry-run", action="store_true", help="show what would change, change nothing")

    uninstall = command(
        commands, "uninstall", "remove the shims, the PATH blocks and the completions",
        "Start-up files end byte-identical to how they were; chefwrap's telemetry state under ~/.chef/chefwrap goes too.",
    )
    uninstall.add_argument("--dry-run", action="store_true", help="show what would change, change nothing")

    doctor = command(
        commands, "doctor", "check that every tool call goes through a current shim",
        "Also checks that the telemetry state is yours alone and usable. Exits 1 when it finds a problem.",
    )
    doctor.add_argument("--shell", choices=SHELLS, help="check this shell only (default: every one you have)")
    doctor.add_argument("--fix", action="store_true", help="first repair the telemetry state: its folders' permissions, damaged folders, the sender lock")

    telemetry = command(
        commands, "telemetry", "see what is collected, and change whether it is",
        "Without an action: status. `chef telemetry ...` answers the same.",
    )
    actions = telemetry.add_subparsers(dest="action", metavar="ACTION")
    status = command(actions, "status", "whether data is shared, what decided it, and how to change it")
    status.add_argument("--json", action="store_true", help="as JSON")
    command(actions, "enable", "share anonymous usage data")
    command(actions, "disable", "share nothing, and delete what is waiting to be sent")
    command(actions, "local", "record events in the local ledger but never send them")
    show = command(actions, "show", "the exact JSON waiting to be sent, or sent and where it went")
    which = show.add_mutually_exclusive_group()
    which.add_argument("--pending", action="store_true", help="only what is waiting to be sent")
    which.add_argument("--sent", action="store_true", help="only what was sent (or kept locally)")
    show.add_argument("-n", type=int, default=10, metavar="N", help="at most N events of each (default 10)")
    command(
        actions, "forget", "ask the endpoint to erase your sessions, then forget them here",
        "Works whether or not chefwrap is installed; sessions an endpoint could not erase stay, so it can try again.",
    )
    preview = command(actions, "preview", "print the event a command line would produce, running nothing")
    preview.add_argument("command_line", nargs=argparse.REMAINDER, metavar="-- TOOL ARGS", help="e.g. -- knife node show web1")

    collector = command(commands, "collector", "run a collector, or report on what it collected")
    collector_actions = collector.add_subparsers(dest="action", metavar="ACTION", required=True)
    serve = command(collector_actions, "serve", "receive, store and report events over HTTP")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 picks a free one)")
    serve.add_argument(
        "--database", default=DEFAULT_DATABASE, help=f"an SQLite file or a database URL (postgresql://...; default {DEFAULT_DATABASE})"
    ).completes_files = True
    serve.add_argument("--retain-days", type=positive, default=365, help="delete events older than this (default 365)")
    serve.add_argument("--min-sessions", type=min_sessions, default=DEFAULT_MIN_SESSIONS, metavar="K", help=MIN_SESSIONS_HELP)
    serve.add_argument(
        "--ingest-tokens", metavar="FILE",
        help="accept POST /events only with `Authorization: Bearer <token>`, a token from FILE (one a line; read again on SIGHUP)",
    ).completes_files = True
    serve.add_argument("--ssl-certfile", metavar="FILE", help="serve HTTPS with this certificate (PEM; with its chain)").completes_files = True
    serve.add_argument("--ssl-keyfile", metavar="FILE", help="the certificate's private key (PEM), if not in --ssl-certfile").completes_files = True
    serve.add_argument(
        "--max-connections", type=positive, default=1000, metavar="N",
        help="connections open at once (default 1000, at most the open-file limit less 128); beyond, the oldest without a whole request is closed",
    )
    serve.add_argument("--header-timeout", type=seconds, default=10.0, metavar="SECONDS", help="time for a request's head to arrive (default 10)")
    serve.add_argument("--body-timeout", type=seconds, default=30.0, metavar="SECONDS", help="time for a request's body to arrive after its head (default 30)")
    report = command(collector_actions, "report", "the report, in the terminal")
    report.add_argument(
        "--database", default=DEFAULT_DATABASE, help=f"the collector's SQLite file or database URL (default {DEFAULT_DATABASE})"
    ).completes_files = True
    report.add_argument("--days", type=positive, default=30, help="the last N days (default 30)")
    report.add_argument("--json", action="store_true", help="as JSON")
    report.add_argument("--min-sessions", type=min_sessions, default=DEFAULT_MIN_SESSIONS, metavar="K", help=MIN_SESSIONS_HELP)
    migrate = command(
        collector_actions, "migrate", "bring the database's schema up to this collector's",
        "serve does it at start; a database newer than this collector is refused.",
    )
    migrate.add_argument(
        "--database", default=DEFAULT_DATABASE, help=f"the collector's SQLite file or database URL (default {DEFAULT_DATABASE})"
    ).completes_files = True
    erase = command(
        collector_actions, "erase", "erase every event of a session, and its part of the aggregates",
        "The operator's erasure, for sessions whose events carry no erase key's hash (Chef's own gem sends none) "
        "or whose key is lost; clients erase their own sessions with `chefwrap telemetry forget`.",
    )
    erase.add_argument("--session", type=session_id, required=True, metavar="ID", help="the session's id (a UUID)")
    erase.add_argument(
        "--database", default=DEFAULT_DATABASE, help=f"the collector's SQLite file or database URL (default {DEFAULT_DATABASE})"
    ).completes_files = True
    return top
