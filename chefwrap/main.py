"""chefwrap's entry point: parsing only; each command lives in chefwrap/commands/."""

import os
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


# The commands that read or write under the home folder.
HOME_COMMANDS = ("install", "uninstall", "doctor", "telemetry")


def main(argv=None, env: Environment = None) -> int:
    env = env or Environment()
    args = parser().parse_args(argv)
    from importlib import import_module

    if args.command in HOME_COMMANDS:
        from chefwrap.paths import unusable_home

        problem = unusable_home(env.variables)
        if problem:
            env.error(problem)
            return 2
    command = import_module(COMMAND_MODULES[args.command])
    try:
        return command.run(args, env)
    except BrokenPipeError:
        raise  # the reader of our output went away: not a file problem (see run)
    except OSError as problem:  # a file or folder no command expected to be unusable: one line, never a traceback
        from chefwrap.setup.changes import describe

        env.error(f"{describe(problem)}; nothing more was done")
        return 1


def run() -> None:
    """The console script."""
    try:
        try:
            code = main()
        except SystemExit as exit:  # argparse's --help, --version and usage errors
            code = exit.code
        sys.stdout.flush()  # here, not at exit: a reader that went away is handled below
    except KeyboardInterrupt:
        code = 130
    except BrokenPipeError:
        # `chefwrap ... | head`: the reader left. Say nothing more, like any filter, and keep Python from
        # complaining when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 1
    sys.exit(code)
