"""chefwrap's entry point: parsing only; each command lives in chefwrap/commands/."""

import sys

from chefwrap.environment import Environment
from chefwrap.parser import parser

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

    return import_module(COMMAND_MODULES[args.command]).run(args, env)


def run() -> None:
    """The console script."""
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
