"""`chefwrap install`: shims ahead of the real tools and the `chefwrap` command beside them, a PATH block
in the start-up files of every shell the user has (chefwrap.setup.shells; or of the one --shell names),
and chefwrap's own completions; then what a new shell of each kind really runs, checked and reported."""

from chefwrap.commands.doctor import and_list, repair_telemetry_state, shell_problems
from chefwrap.files import read_or_none
from chefwrap.paths import Locations
from chefwrap.setup import completions, made_folders, shell_probe, shells, shim_files, startup_files
from chefwrap.setup.changes import FileChange, apply_all, describe, display, show
from chefwrap.shim.real_tool import find_real_tool

NOT_ON_WINDOWS = "Windows is not supported yet: its shells cannot run chefwrap's shims. Install chefwrap inside WSL, where it is."


def run(args, env) -> int:
    if env.platform == "win32":  # docs/windows.md: the design for Windows
        env.error(NOT_ON_WINDOWS)
        return 2
    locations = Locations.of(env)
    if args.shell is not None:
        chosen = {args.shell: "--shell"}
    else:
        try:
            chosen = shells.users_shells(env, locations)
        except shells.UnknownShell as problem:
            env.error(f"cannot tell which shell to set up: {problem}. Name it: chefwrap install --shell bash|zsh|fish|sh")
            return 2
    try:
        changes = plan(list(chosen), args.tools, locations)
    except (OSError, startup_files.BlockError) as problem:
        env.error(describe(problem))
        return 1
    if args.dry_run:
        env.say(f"chefwrap install --shell {args.shell} would make these changes:" if args.shell else f"chefwrap install would set up {and_list(chosen)} with these changes:")
        show(changes, env)
        return 0
    failed, made = apply_all(changes, env)
    for done in repair_telemetry_state(env):
        env.say(f"Repaired the telemetry state: {done}.")
    try:
        made_folders.remember(locations, made)
    except OSError as problem:
        env.error(f"cannot write {locations.made_folders_record}: {problem.strerror or problem}; uninstall will leave {', '.join(map(str, made))}")
    if failed:
        report_failures(changes, failed, locations, env)
        return 1
    return report(chosen, args.shell is None, args.tools, locations, env)


def plan(chosen: list, tools: list, locations: Locations) -> list:
    """Every change install makes for the shells `chosen`; a file two shells read (~/.profile) once."""
    changes = shim_changes(tools, locations) + [command_change(locations)]
    for shell in chosen:
        planned = {change.path for change in changes}
        changes += [change for change in startup_file_changes(shell, locations) if change.path not in planned]
        changes += completion_changes(shell, locations)
    record = locations.tools_record
    return changes + [FileChange(record, read_or_none(record), "".join(f"{tool}\n" for tool in tools).encode(), mode=0o644)]


def command_change(locations: Locations) -> FileChange:
    """The `chefwrap` command beside the shims: the blocks put that folder first in every shell, where
    pipx's ~/.local/bin is on PATH only in some (Debian's ~/.profile adds it, which sh-like login shells
    alone read), and a virtual environment's bin in none."""
    path = locations.command
    return FileChange(path, read_or_none(path), shim_files.render_command(), mode=0o755)


def shim_changes(tools: list, locations: Locations) -> list:
    folder = locations.shims
    wanted = [FileChange(folder / tool, read_or_none(folder / tool), shim_files.render(tool, folder), mode=0o755) for tool in tools]
    unwanted = [
        FileChange(path, read_or_none(path), None) for tool, path in shim_files.installed(folder).items() if tool not in tools
    ]
    return wanted + unwanted


def startup_file_changes(shell: str, locations: Locations) -> list:
    changes = []
    for path in locations.startup_files(shell):
        # ~/.profile is read by every sh-like login shell (dash, ksh): it gets a block in plain sh.
        block = startup_files.render_block("sh" if path.name == ".profile" else shell, locations)
        before = startup_files.read_checked(path)
        after = startup_files.with_block(before, block, before_non_interactive_return=path.name == ".bashrc")
        changes.append(FileChange(path, before, after, by_hand=by_hand(path, block, locations)))
    return changes


def by_hand(path, block, locations) -> str:
    lines = "\n".join(line.decode() for line in block)
    return f"Add these lines to {display(path, locations.home)} by hand, then open a new shell:\n{lines}"


def completion_changes(shell: str, locations: Locations) -> list:
    destination = locations.completion_file(shell)
    if destination is None:
        return []
    content = completions.shipped(shell).encode()
    return [FileChange(destination, read_or_none(destination), content, mode=0o644)]


def report_failures(changes, failed, locations, env) -> None:
    """What was done and what was not, after some writes failed (each failure already said why)."""
    home = locations.home
    done = [display(change.path, home) for change in changes if change.changes_anything and change not in failed]
    env.error(f"not done: {', '.join(display(change.path, home) for change in failed)}; knife, kitchen and chef do not go through chefwrap yet")
    if done:
        env.error(f"done: {', '.join(done)} (`chefwrap uninstall` removes them)")


def report(chosen: dict, detected: bool, tools: list, locations: Locations, env) -> int:
    """Say what was written and what a new shell of each kind really runs; 1 when one does not run the shims."""
    home = locations.home
    shims = locations.shims
    env.say(f"Shims for {and_list(tools)}, and the chefwrap command, are in {display(shims, home)}.")
    if detected:
        others = [shell for shell in shells.FULL_SHELLS if shell not in chosen]
        env.say(f"Set up {and_list(f'{shell} ({why})' for shell, why in chosen.items())}.")
        if others:
            env.say(f"To set up another shell too: chefwrap install --shell {'|'.join(others)}")
    problems = []
    for shell in chosen:
        problems += report_shell(shell, tools, locations, env)
    for tool in tools:
        if find_real_tool(tool.encode(), env.path) is None:
            env.error(f"note: no real {tool} is on PATH yet; its shim will say so until one is installed.")
    if this_shell(env, chosen) == "fish":
        env.say(f"To use them in this shell now: set -gx PATH {startup_files.fish_quote(str(shims))} $PATH")
    else:
        env.say(f'To use them in this shell now: export PATH={startup_files.sh_quote(str(shims))}":$PATH"; hash -r')
    env.say("Or open a new shell.")
    return 1 if problems else 0


def report_shell(shell: str, tools: list, locations: Locations, env) -> list:
    """What `shell`'s start-up files now do, and what each kind of it really runs; its problems, said."""
    home = locations.home
    shims = locations.shims
    files = ", ".join(display(path, home) for path in locations.startup_files(shell))
    env.say(f"The {shell} start-up files {files} put them first on PATH" + ("." if shell == "sh" else ", and again before each prompt."))
    completion = locations.completion_file(shell)
    if completion is not None:
        env.say(f"Completions for chefwrap: {display(completion, home)}.")
    outcomes = shell_probe.check(shell, tools, shims, dict(env.variables), home)
    problems = shell_problems(outcomes, tools, shell, locations)
    working = [outcome.mode.name for outcome in outcomes if not outcome.problem and not outcome.wrong(tools, shims)]
    if working:
        env.say(f"Checked: {and_list(tools)} {'goes' if len(tools) == 1 else 'go'} through the shims in {and_list(working)}.")
    if not outcomes:
        env.say(f"Not checked: {shell} is not installed here.")
    for problem, fix in problems:
        env.error(f"not working: {problem}")
        env.error(f"    fix: {fix}")
    return problems


def this_shell(env, chosen) -> str:
    """The shell chefwrap runs in, for the line that puts the shims first in it now."""
    try:
        return shells.detect(env)
    except shells.UnknownShell:
        return next(iter(chosen))
