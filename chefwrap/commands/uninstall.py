"""`chefwrap uninstall`: every block, shim, completion and the `chefwrap` command install made, undone byte for byte, and
chefwrap's telemetry state (~/.chef/chefwrap: spool, settings, caches, logs) deleted.

The data-sharing decision files and the session file under ~/.chef are shared with the chef-telemetry
gem and stay where they are. So do the record of the sessions sent and not yet erased, and the secret
their erase keys are made from: they are the only way to have those sessions erased (`chefwrap telemetry
forget`); ids and a secret only, never an event.
"""

import os
import shutil

from chefwrap import paths
from chefwrap.delivery import erasure, sent_sessions, starter
from chefwrap.files import read_or_none
from chefwrap.paths import Locations
from chefwrap.setup import completions, made_folders, shim_files, startup_files
from chefwrap.setup.changes import FileChange, apply_all, describe, display, show


def run(args, env) -> int:
    locations = Locations.of(env)
    try:
        changes = plan(locations)
    except (OSError, startup_files.BlockError) as problem:
        env.error(describe(problem))
        return 1
    state = paths.own_dir(env.variables)
    to_erase = erasure.sent_pairs(env.variables) if os.path.isdir(state) else []
    kept = [paths.sent_sessions(env.variables), paths.erase_secret(env.variables)] if to_erase else []
    if args.dry_run:
        env.say("chefwrap uninstall would make these changes:")
        show(changes, env)
        if os.path.isdir(state):
            env.say(f"and delete {state}" + (f", all but {' and '.join(kept)}" if kept else ""))
        return 0
    failed, _ = apply_all(changes, env)
    failed += made_folders.remove_empty(locations)
    remove_empty_folders(locations)
    failed += remove_telemetry_state(env, to_erase)
    if not failed:
        env.say("chefwrap is uninstalled: the shims and the chefwrap command beside them, the PATH blocks, the completions and its telemetry state are gone.")
        if to_erase:
            sessions = len({session_id for _, session_id in to_erase})
            env.say(
                f"Kept {' and '.join(kept)}: the record of the {sessions} session(s) sent from here and the secret that proves "
                "they are yours (ids and a secret only, no event). To have them erased, run `chefwrap telemetry forget` "
                f"(it works without the shims); otherwise delete {state}."
            )
        env.say("Shells open now take the shims off PATH at their next prompt.")
        return 0
    home = locations.home
    undone = [display(getattr(item, "path", item), home) for item in failed]
    env.error(f"not done: {', '.join(undone)}; chefwrap is only partly uninstalled: run `chefwrap uninstall` again once that is fixed")
    return 1


def remove_telemetry_state(env, to_erase) -> list:
    """Stop a running sender (its events go with the spool) and delete ~/.chef/chefwrap, all but the record
    of the sessions still to erase (the ledger's folded into it) and the erase secret; the failures."""
    state = paths.own_dir(env.variables)
    if not os.path.isdir(state):
        return []
    running = starter.running_sender(env.variables)
    if running is not None:
        running.terminate()
        running.wait(10)
    kept = set()
    if to_erase:
        try:
            sent_sessions.replace(env.variables, to_erase)
            kept = {paths.sent_sessions(env.variables), paths.erase_secret(env.variables)}
        except OSError as problem:
            env.error(f"cannot write {paths.sent_sessions(env.variables)}: {problem.strerror or problem}; the ledger stays in its place")
            kept = {paths.ledger_file(env.variables), paths.erase_secret(env.variables)}
    failed = []
    for name in os.listdir(state):
        path = os.path.join(state, name)
        if path in kept:
            continue
        try:
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, onerror=unless_gone)
            else:
                os.unlink(path)
        except FileNotFoundError:
            continue  # gone meanwhile: a recorder or a sender that was finishing wrote and removed it
        except OSError as problem:
            env.error(f"cannot delete {path}: {problem.strerror}")
            failed.append(path)
    try:
        os.rmdir(state)
    except OSError:
        pass
    return failed


def unless_gone(function, path, error_info) -> None:
    """For shutil.rmtree: an entry that went away meanwhile is as good as deleted; anything else is raised."""
    if not isinstance(error_info[1], FileNotFoundError):
        raise error_info[1]


def plan(locations: Locations) -> list:
    changes = [FileChange(path, path.read_bytes(), None) for path in shim_files.installed(locations.shims).values()]
    if shim_files.is_command(locations.command):
        changes.append(FileChange(locations.command, locations.command.read_bytes(), None))
    for path in locations.all_startup_files():
        before = startup_files.read_checked(path)
        if before is None or not startup_files.find_blocks(before):
            continue
        after, created = startup_files.without_block(before)
        changes.append(FileChange(path, before, None if created and not after else after, by_hand=by_hand(path, locations)))
    for path in locations.all_completion_files():
        content = read_or_none(path)
        if content is not None and completions.MARKER.encode() in content:
            changes.append(FileChange(path, content, None))
    record = read_or_none(locations.tools_record)
    if record is not None:
        changes.append(FileChange(locations.tools_record, record, None))
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
