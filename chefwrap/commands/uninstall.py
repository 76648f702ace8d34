"""`chefwrap uninstall`: every block, shim and completion install made, undone byte for byte.

The data-sharing decision files under ~/.chef are the user's and stay where they are.
"""

import os

from chefwrap import made_folders, shim_files, startup_files
from chefwrap.changes import FileChange, apply_all, describe, display, show
from chefwrap.commands.install import read_startup_file
from chefwrap.files import read_or_none
from chefwrap.locations import Locations

COMPLETION_MARKER = b"chefwrap-completion"


def run(args, env) -> int:
    locations = Locations.of(env)
    try:
        changes = plan(locations)
    except (OSError, startup_files.BlockError) as problem:
        env.error(describe(problem))
        return 1
    if args.dry_run:
        env.say("chefwrap uninstall would make these changes:")
        show(changes, env)
        return 0
    failed, _ = apply_all(changes, env)
    made_folders.remove_empty(locations)
    remove_empty_folders(locations)
    if not failed:
        env.say("chefwrap is uninstalled: the shims, the PATH blocks and the completions are gone.")
        env.say("Run `hash -r` (bash, zsh) or open a new shell so this one forgets the shims.")
    return 1 if failed else 0


def plan(locations: Locations) -> list:
    changes = [FileChange(path, path.read_bytes(), None) for path in shim_files.installed(locations.shims).values()]
    for path in locations.all_startup_files():
        before = read_startup_file(path)
        if before is None or not startup_files.find_blocks(before):
            continue
        after, created = startup_files.without_block(before)
        changes.append(FileChange(path, before, None if created and not after else after, by_hand=by_hand(path, locations)))
    for path in locations.all_completion_files():
        content = read_or_none(path)
        if content is not None and COMPLETION_MARKER in content:
            changes.append(FileChange(path, content, None))
    return changes


def by_hand(path, locations) -> str:
    return (
        f"Delete the lines from '{startup_files.BEGIN.decode()}' to '{startup_files.END.decode()}' "
        f"in {display(path, locations.home)} by hand."
    )


def remove_empty_folders(locations: Locations) -> None:
    """chefwrap's own folders go when they are empty; nothing else of the user's is touched."""
    for folder in (locations.shims, locations.zsh_completions, locations.zsh_completions.parent, locations.chefwrap_home):
        try:
            os.rmdir(folder)
        except OSError:
            pass
