"""chefwrap's command line: parsing only; each command lives in chefwrap/commands/."""

import argparse
import sys

import chefwrap
from chefwrap import TOOLS
from chefwrap.environment import Environment
from chefwrap.setup.shells import SHELLS


def tool_list(text: str) -> list:
    tools = [tool.strip() for tool in text.split(",") if tool.strip()]
    unknown = [tool for tool in tools if tool not in TOOLS]
    if unknown or not tools:
        raise argparse.ArgumentTypeError(f"choose from {','.join(TOOLS)} (got {text!r})")
    return list(dict.fromkeys(tools))


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="chefwrap",
        description="Anonymous usage telemetry for knife, kitchen and chef, through shims on PATH.",
    )
    top.add_argument("--version", action="version", version=f"chefwrap {chefwrap.__version__}")
    commands = top.add_subparsers(dest="command", metavar="COMMAND", required=True)

    install = commands.add_parser("install", help="put shims for the Chef tools first on PATH")
    install.add_argument("--shell", choices=SHELLS, help="the shell to set up (default: the one you run)")
    install.add_argument("--tools", type=tool_list, default=list(TOOLS), help="comma-separated (default: knife,kitchen,chef)")
    install.add_argument("--dry-run", action="store_true", help="show what would change, change nothing")

    uninstall = commands.add_parser("uninstall", help="remove the shims, the PATH blocks and the completions")
    uninstall.add_argument("--dry-run", action="store_true", help="show what would change, change nothing")

    doctor = commands.add_parser("doctor", help="check that every tool call goes through a current shim")
    doctor.add_argument("--shell", choices=SHELLS, help="the shell whose start-up files to check (default: the one you run)")
    telemetry = commands.add_parser("telemetry", help="see what is collected, and change whether it is")
    actions = telemetry.add_subparsers(dest="action", metavar="ACTION", required=True)
    status = actions.add_parser("status", help="whether data is shared, what decided it, and how to change it")
    status.add_argument("--json", action="store_true", help="as JSON")
    actions.add_parser("enable", help="share anonymous usage data")
    actions.add_parser("disable", help="share nothing, and delete what is waiting to be sent")
    actions.add_parser("local", help="record events in the local ledger but never send them")
    show = actions.add_parser("show", help="the exact JSON waiting to be sent, or sent and where it went")
    which = show.add_mutually_exclusive_group()
    which.add_argument("--pending", action="store_true", help="only what is waiting to be sent")
    which.add_argument("--sent", action="store_true", help="only what was sent (or kept locally)")
    show.add_argument("-n", type=int, default=10, metavar="N", help="at most N events of each (default 10)")
    actions.add_parser("forget", help="ask the endpoint to erase your sessions, then forget them here")
    preview = actions.add_parser("preview", help="print the event a command line would produce, running nothing")
    preview.add_argument("command_line", nargs=argparse.REMAINDER, metavar="-- TOOL ARGS", help="e.g. -- knife node show web1")

    collector = commands.add_parser("collector", help="run a collector, or report on what it collected")
    collector_actions = collector.add_subparsers(dest="action", metavar="ACTION", required=True)
    serve = collector_actions.add_parser("serve", help="receive, store and report events over HTTP")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 picks a free one)")
    serve.add_argument("--database", default="chefwrap-collector.sqlite3", help="an SQLite file or a database URL (postgresql://...)")
    serve.add_argument("--retain-days", type=positive, default=365, help="delete events older than this (default 365)")
    report = collector_actions.add_parser("report", help="the report, in the terminal")
    report.add_argument("--database", required=True, help="the collector's SQLite file or database URL")
    report.add_argument("--days", type=positive, default=30, help="the last N days (default 30)")
    report.add_argument("--json", action="store_true", help="as JSON")
    migrate = collector_actions.add_parser("migrate", help="bring the database's schema up to this collector's (serve does it at start)")
    migrate.add_argument("--database", required=True, help="the collector's SQLite file or database URL")
    return top


def positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"a whole number of 1 or more (got {text!r})")
    return value


COMMAND_MODULES = {
    "install": "chefwrap.commands.install",
    "uninstall": "chefwrap.commands.uninstall",
    "doctor": "chefwrap.commands.doctor",
    "telemetry": "chefwrap.commands.telemetry",
    "collector": "chefwrap.commands.collector_cli",
}


def main(argv=None, env: Environment = None) -> int:
    env = env or Environment()
    args = parser().parse_args(argv)
    from importlib import import_module

    command = import_module(COMMAND_MODULES[args.command])
    return command.run(args, env)


def run() -> None:
    """The console script."""
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
