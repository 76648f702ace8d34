"""`chefwrap doctor`: is every knife, kitchen and chef call really going through a current shim?"""

import os

from chefwrap.files import read_or_none
from chefwrap.paths import Locations
from chefwrap.setup import shells, shim_files, startup_files
from chefwrap.setup.changes import display
from chefwrap.shim.real_tool import find_real_tool


def run(args, env) -> int:
    locations = Locations.of(env)
    installed = shim_files.installed(locations.shims)
    problems = check_shims(installed, locations) + check_path(installed, env) + check_real_tools(installed, env)
    problems += check_startup_files(locations, env, args.shell)
    for problem, fix in problems:
        env.say(f"problem: {problem}")
        env.say(f"    fix: {fix}")
    if problems:
        env.say(f"{len(problems)} problem{'s' if len(problems) > 1 else ''} found.")
        return 1
    env.say("All good: knife, kitchen and chef go through current chefwrap shims.")
    return 0


def check_shims(installed, locations) -> list:
    folder = display(locations.shims, locations.home)
    if not installed:
        return [(f"no chefwrap shims in {folder}", "run `chefwrap install`")]
    return [
        (f"the {tool} shim was written by another chefwrap or Python", "run `chefwrap install` again to refresh the shims")
        for tool, path in installed.items()
        if not shim_files.is_current(path, tool)
    ]


def check_path(installed, env) -> list:
    """Each shim must be the first of its name on PATH, or the shell runs the real tool directly."""
    problems = []
    for tool, shim in installed.items():
        first = find_real_tool(tool.encode(), env.path, skip_shims=False)
        first = None if first is None else os.fsdecode(first)
        if first is None or os.path.realpath(first) != os.path.realpath(shim):
            where = f"runs {first}" if first else "is not found on PATH"
            problems.append(
                (
                    f"`{tool}` {where}, not the chefwrap shim",
                    "open a new shell (or run `hash -r`); if it persists, move the chefwrap block in your "
                    "start-up file below the line that changes PATH (such as `chef shell-init`)",
                )
            )
    return problems


def check_real_tools(installed, env) -> list:
    return [
        (f"no real {tool} on PATH after the shims", f"install {tool} (Chef Workstation), or leave it out: chefwrap install --tools ...")
        for tool in installed
        if find_real_tool(tool.encode(), env.path) is None
    ]


def check_startup_files(locations, env, shell) -> list:
    if shell is None:
        try:
            shell = shells.detect(env)
        except shells.UnknownShell as problem:
            return [(f"cannot tell which shell you use: {problem}", "run `chefwrap doctor --shell bash|zsh|fish|sh`")]
    missing = []
    for path in locations.startup_files(shell):
        try:
            content = read_or_none(path)
            has_block = content is not None and bool(startup_files.find_blocks(content))
        except (OSError, startup_files.BlockError):
            has_block = False
        if not has_block:
            missing.append(display(path, locations.home))
    if missing:
        return [(f"the chefwrap block is missing from {', '.join(missing)}", f"run `chefwrap install --shell {shell}`")]
    return []

