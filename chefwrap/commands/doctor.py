"""`chefwrap doctor`: does every knife, kitchen and chef call really go through a current shim?

It checks the shim files (there, current, for every tool install was asked for, their Python still
there) and the `chefwrap` command beside them, the real tools behind them, this shell, and for every
shell the user has (chefwrap.setup.shells; or the one --shell names) its start-up blocks and each kind
of it as it really starts (chefwrap.setup.shell_probe), naming the start-up line that put another folder
first; a shell without its block gets that said, and nothing else. And it checks that the
telemetry state is the user's alone and usable (its folders, the sender lock). It says "all good" only
for what it checked. `--fix` first repairs the telemetry state (chefwrap.state.private.repair).
"""

import os
import re

from chefwrap import TOOLS
from chefwrap.delivery import starter
from chefwrap.files import read_or_none
from chefwrap.paths import Locations
from chefwrap.setup import shell_probe, shells, shim_files, startup_files
from chefwrap.setup.changes import display
from chefwrap.shim.real_tool import find_real_tool
from chefwrap.state import private


def run(args, env) -> int:
    locations = Locations.of(env)
    if getattr(args, "fix", False):
        for done in repair_telemetry_state(env):
            env.say(f"fixed: {done}")
    tools = wanted_tools(locations)
    problems = check_shims(tools, locations) + check_real_tools(tools, locations, env) + check_telemetry_state(env)
    # A missing shim is one problem, said above: no shell can run it, and saying so for each is noise.
    present = [tool for tool in tools if tool in shim_files.installed(locations.shims)]
    problems += check_this_shell(present, locations, env) + check_command(locations)
    if args.shell is not None:
        chosen = [args.shell]
    else:
        try:
            chosen = list(shells.users_shells(env, locations))
        except shells.UnknownShell as problem:
            chosen = []
            problems.append((f"cannot tell which shell you use: {problem}", "run `chefwrap doctor --shell bash|zsh|fish|sh`"))
    checked = []
    for shell in chosen:
        missing = check_startup_files(shell, locations)
        problems += missing
        # Without its block a shell cannot run the shims, and what its start-up files do after the block
        # is beside the point: the missing block is all there is to say.
        if missing or not present:
            continue
        outcomes = shell_probe.check(shell, present, locations.shims, dict(env.variables), locations.home)
        problems += shell_problems(outcomes, present, shell, locations)
        checked += [outcome.mode.name for outcome in outcomes]
        if not outcomes:
            problems.append((f"{shell} is not installed here, so what it runs could not be checked", f"install {shell}, or name your shell: --shell"))
    for problem, fix in problems:
        env.say(f"problem: {problem}")
        env.say(f"    fix: {fix}")
    if problems:
        env.say(f"{len(problems)} problem{'s' if len(problems) > 1 else ''} found.")
        return 1
    env.say(f"All good: {and_list(tools)} {'runs' if len(tools) == 1 else 'run'} through current chefwrap shims in this shell, in {and_list(checked)}.")
    return 0


def wanted_tools(locations) -> list:
    """The tools install was last asked to wrap; for an install that did not record them, its shims."""
    try:
        recorded = locations.tools_record.read_text().split()
    except (OSError, UnicodeDecodeError):
        recorded = []
    recorded = [tool for tool in recorded if tool in TOOLS]
    return recorded or list(shim_files.installed(locations.shims)) or list(TOOLS)


def check_shims(tools, locations) -> list:
    folder = display(locations.shims, locations.home)
    installed = shim_files.installed(locations.shims)
    if not installed and not locations.tools_record.exists():
        return [(f"no chefwrap shims in {folder}", "run `chefwrap install`")]
    problems = []
    missing = [tool for tool in tools if tool not in installed]
    if missing:
        problems.append((f"the {and_list(missing)} shim{'s are' if len(missing) > 1 else ' is'} missing from {folder}", "run `chefwrap install` again"))
    gone, stale = {}, []
    for tool in tools:
        path = installed.get(tool)
        if path is None or shim_files.is_current(path, tool):
            continue
        python = shim_files.python_of(path)
        if python and not os.access(python, os.X_OK):
            gone.setdefault(python, []).append(tool)
        else:
            stale.append(tool)
    for python, lost in gone.items():
        unrecorded = all(shim_files.is_sh_front_end(installed[tool]) for tool in lost)
        what = "run unrecorded" if unrecorded else "fail (`required file not found`)"
        problems.append(
            (
                f"the {and_list(lost)} shim{'s run' if len(lost) > 1 else ' runs'} a Python that is gone ({python}): {and_list(lost)} {what}",
                "run `chefwrap install` again to refresh the shims for this chefwrap and its Python",
            )
        )
    if stale:
        problems.append(
            (
                f"the {and_list(stale)} shim{'s were' if len(stale) > 1 else ' was'} written by another chefwrap or Python",
                "run `chefwrap install` again to refresh the shims",
            )
        )
    return problems


def check_command(locations) -> list:
    """The `chefwrap` command beside the shims, which every shell the blocks reach runs."""
    path = locations.command
    if not locations.shims.is_dir() or shim_files.is_current_command(path):
        return []
    what = "was written by another chefwrap or Python" if shim_files.is_command(path) else "is missing"
    return [(f"the chefwrap command beside the shims ({display(path, locations.home)}) {what}", "run `chefwrap install` again")]


def check_telemetry_state(env) -> list:
    """The telemetry state's folders and lock, as the shims and the sender need them: each problem, with its fix."""
    variables = env.variables
    problems = []
    found = private.problem(variables)
    if found is not None:
        problems.append((f"{found.what}: nothing is recorded until it is fixed", found.fix))
    for path, kind in private.damaged(variables):
        problems.append((f"{path} is not a folder but {kind}", "run `chefwrap doctor --fix` to move it aside (the next command that records does too)"))
    lock = starter.lock_problem(variables)
    if lock and found is None:
        problems.append((f"{lock}, so no sender can start with it", "run `chefwrap doctor --fix` (the next command that records replaces it too)"))
    return problems


def repair_telemetry_state(env) -> list:
    """What `doctor --fix` and `install` repair: the state folders, then the sender lock; done, in words."""
    try:
        done = private.repair(env.variables)
        return done + [f"repaired the sender lock ({problem})" for problem in starter.repair_lock(env.variables)]
    except OSError as problem:
        return [f"could not repair {problem.filename or 'the telemetry state'}: {problem.strerror or problem}"]


def check_real_tools(tools, locations, env) -> list:
    path = shell_probe.probe_environment(dict(env.variables), locations.shims)["PATH"]
    return [
        (f"no real {tool} on PATH after the shims", f"install {tool} (Chef Workstation), or leave it out: chefwrap install --tools ...")
        for tool in tools
        if find_real_tool(tool.encode(), os.fsencode(path)) is None
    ]


def check_this_shell(tools, locations, env) -> list:
    """The shell doctor was run from: its PATH is this process's."""
    wrong = []
    for tool in tools:
        first = find_real_tool(tool.encode(), env.path, skip_shims=False)
        if first is None or not shell_probe.is_shim_of(os.fsdecode(first), locations.shims / tool):
            wrong.append(tool)
    if not wrong:
        return []
    return [
        (
            f"in this shell, {and_list(wrong)} {'do' if len(wrong) > 1 else 'does'} not run the chefwrap shim{'s' if len(wrong) > 1 else ''} yet",
            "open a new shell (a shell started before `chefwrap install` has not read its start-up block)",
        )
    ]


def check_startup_files(shell, locations) -> list:
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


def shell_problems(outcomes, tools, shell, locations) -> list:
    """A problem and its fix for each kind of shell that does not run every tool through its shim."""
    problems = []
    for outcome in outcomes:
        name = outcome.mode.name
        if outcome.problem:
            problems.append((f"could not check {name}: {outcome.problem}", "look at what your start-up files run, then run `chefwrap doctor` again"))
            continue
        groups = {}
        for tool in outcome.wrong(tools, locations.shims):
            kind, path = outcome.found.get(tool, ("", ""))
            culprit = outcome.culprits.get(tool)
            key = (kind if kind not in shell_probe.FILE_KINDS else "file", os.path.dirname(path), culprit and (culprit.file, culprit.line))
            groups.setdefault(key, []).append(tool)
        for (kind, folder, _), wrong in groups.items():
            problems.append(describe_wrong(outcome, wrong, kind, folder, shell, locations))
        # A terminal window is where a user types: the hook matters there. (A login shell whose ~/.profile
        # does not read ~/.bashrc has the shims first but no hook, as its user chose.)
        if not groups and outcome.mode.flags == ("-i",) and outcome.hook is False:
            problems.append(missing_hook(outcome, shell))
    return problems


def missing_hook(outcome, shell):
    """The shims are first now, but nothing puts them back when a prompt-time PATH change moves them."""
    variable = {"bash": "PROMPT_COMMAND", "zsh": "precmd_functions"}.get(shell, "the prompt hooks")
    return (
        f"{outcome.mode.name} has no chefwrap prompt hook in {variable}: a folder put first at the prompt (or by a "
        "later hook) would win over the shims",
        f"make sure {variable} can be added to (bash: it must not be readonly) and stays so after the chefwrap block",
    )


def describe_wrong(outcome, wrong, kind, folder, shell, locations):
    name = outcome.mode.name
    names = f"`{'`, `'.join(wrong)}`"
    if kind == "":
        return (f"{name} finds no {names} at all", f"run `chefwrap install --shell {shell}` to put the start-up block back")
    if kind != "file":
        return (f"{names} {'is' if len(wrong) == 1 else 'are'} a shell {kind} in {name}, so that shell never runs the shim", f"remove that {kind}, or have it call `command {wrong[0]}`")
    problem = f"{names} in {name} {'runs' if len(wrong) == 1 else 'run'} the one{'s' if len(wrong) > 1 else ''} in {display(folder, locations.home)}, not the chefwrap shim{'s' if len(wrong) > 1 else ''}"
    culprit = outcome.culprits.get(wrong[0])
    if culprit is not None and culprit.file and os.path.isabs(culprit.file):
        where = f"{display(culprit.file, locations.home)} line {culprit.line}" + (f" (`{culprit.text}`)" if culprit.text else "")
        problem += f": {where} puts {display(folder, locations.home)} ahead of them"
    elif culprit is not None:
        problem += f": a command run by a prompt hook or an `eval` (trace line {culprit.line}) puts {display(folder, locations.home)} ahead of them"
    if outcome.mode.interactive and outcome.hook is False:
        variable = {"bash": "PROMPT_COMMAND", "zsh": "precmd_functions"}.get(shell, "the prompt hooks")
        replacing = prompt_command_lines(locations) if shell == "bash" else []
        where = ", ".join(f"{display(path, locations.home)} line {number} (`{text}`)" for path, number, text in replacing)
        return (
            problem + f"; and chefwrap's prompt hook, which would put them back, is not in {variable}",
            (f"{where} replace{'s' if len(replacing) == 1 else ''} {variable}" if where else f"a line after the chefwrap block replaces {variable}")
            + (': make it keep what is there, as in PROMPT_COMMAND="history -a; $PROMPT_COMMAND"' if shell == "bash" else ": add to it instead"),
        )
    if culprit is not None and culprit.file:
        return (
            problem,
            f"move that line above the chefwrap block in {display(culprit.file, locations.home)} (the lines from "
            f"`{startup_files.BEGIN.decode()}` to `{startup_files.END.decode()}`), or the block below it"
            + (", keeping the block above the line that returns when the shell is not interactive" if culprit.file.endswith(".bashrc") else ""),
        )
    return (problem, f"run `chefwrap install --shell {shell}` to put the start-up block back, then `chefwrap doctor` again")


ASSIGNS_PROMPT_COMMAND = re.compile(r"^\s*(export\s+|declare\s+(-\w+\s+)*)?PROMPT_COMMAND=")


def prompt_command_lines(locations) -> list:
    """Lines after the chefwrap block in ~/.bashrc that set PROMPT_COMMAND without keeping what it held."""
    found = []
    path = locations.home / ".bashrc"
    try:
        lines = path.read_bytes().decode("utf-8", "replace").split("\n")
    except OSError:
        return []
    after = False
    for number, line in enumerate(lines, 1):
        after = after or line.strip() == startup_files.END.decode()
        if after and ASSIGNS_PROMPT_COMMAND.match(line) and "PROMPT_COMMAND}" not in line and "$PROMPT_COMMAND" not in line:
            found.append((path, number, line.strip()))
    return found


def and_list(items) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
