"""chefwrap's state belongs to the user alone: the folders it keeps state in, checked and prepared.

Three folders: ~/.chef (shared with Chef's tools: the decision files and the session file), and
chefwrap's own ~/.chef/chefwrap and its spool. Each must be a folder this user owns that nobody else may
write (group-writable is fine for the user's own private group, as a umask of 002 leaves it); otherwise
nothing is recorded and `chefwrap telemetry status` and `chefwrap doctor` say why, with the fix.
chefwrap's own two folders are made 0700, and kept so: one others may read but not write quietly loses
their permissions; one that is not a folder at all (a file, a FIFO, a symlink: damage) is moved aside
to a hidden name and made again, so delivery goes on. ~/.chef is Chef's: chefwrap makes it 0700 when it
is missing, and changes it only when asked to (`chefwrap doctor --fix`, `chefwrap install`).

Used on the shim's hot path: os and stat only (grp only for a group-writable folder).
"""

import os
import stat

from chefwrap import files, paths


class Problem:
    """Why a state folder cannot be used, and how to fix it, for status and doctor."""

    __slots__ = ("path", "what", "fix")

    def __init__(self, path, what, fix):
        self.path = path
        self.what = what  # "~/.chef/chefwrap is writable by others (mode 0777)"
        self.fix = fix  # "chmod 700 ~/.chef/chefwrap, or run `chefwrap doctor --fix`"

    def __str__(self):
        return f"{self.what}: nothing is recorded until it is fixed ({self.fix})"


def folders(variables) -> list:
    """(path, chefwrap's own?) of the state folders, outermost first."""
    return [(paths.chef_dir(variables), False), (paths.own_dir(variables), True), (paths.spool_folder(variables), True)]


def problem(variables):
    """The first state folder that may not be used, as a Problem; None when all are fine or missing (a
    missing one is made 0700 when it is needed; one that is not a folder is moved aside then)."""
    for path, own in folders(variables):
        found = folder_problem(path, own)
        if found is not None:
            return found
    return None


def folder_problem(path, own):
    try:
        status = os.lstat(path) if own else os.stat(path)  # ~/.chef may be the user's own link to a folder
    except FileNotFoundError:
        return None
    except OSError as error:
        return Problem(path, f"{path} cannot be looked at ({error.strerror})", f"check the permissions of {os.path.dirname(path)}")
    if not stat.S_ISDIR(status.st_mode):
        if own:
            return None  # damage: moved aside by prepare()
        return Problem(path, f"{path} is not a folder", f"move it away: mv {path} {path}.old")
    if not files.is_ours(status):
        return Problem(
            path,
            f"{path} belongs to another user (uid {status.st_uid})",
            f"sudo chown -R {user_name()} {path}, or run `chefwrap doctor --fix` to move it aside" if own else f"sudo chown {user_name()} {path}",
        )
    if writable_by_others(status):
        return Problem(
            path,
            f"{path} may be written by others (mode {stat.S_IMODE(status.st_mode):04o})",
            f"chmod {'700' if own else 'go-w'} {path}, or run `chefwrap doctor --fix`",
        )
    return None


def user_name() -> str:
    try:
        import pwd

        return pwd.getpwuid(os.geteuid()).pw_name
    except (ImportError, KeyError):
        return str(os.geteuid())


def writable_by_others(status) -> bool:
    mode = status.st_mode
    if mode & stat.S_IWOTH:
        return True
    return bool(mode & stat.S_IWGRP) and not own_private_group(status.st_gid)


def own_private_group(gid) -> bool:
    """The user's private group (a umask of 002 leaves folders group-writable): our effective group,
    naming no member but us."""
    if gid != os.getegid():
        return False
    try:
        import grp
        import pwd

        members = grp.getgrgid(gid).gr_mem
        return not members or members == [pwd.getpwuid(os.geteuid()).pw_name]
    except (ImportError, KeyError, OSError):
        return False


def damaged(variables) -> list:
    """(path, what stands there) of chefwrap's own folders that are not folders (moved aside by prepare)."""
    found = []
    for path, own in folders(variables):
        try:
            status = os.lstat(path)
        except OSError:
            continue
        if own and not stat.S_ISDIR(status.st_mode):
            found.append((path, kind_of(status)))
    return found


def kind_of(status) -> str:
    if stat.S_ISLNK(status.st_mode):
        return "a symbolic link"
    if stat.S_ISFIFO(status.st_mode):
        return "a FIFO"
    return "a file" if stat.S_ISREG(status.st_mode) else "something else"


def prepare(variables):
    """Before state is written: the folders made (0700) where missing, chefwrap's own made 0700 again,
    and whatever damaged thing stands in their place moved aside. The Problem left, or None."""
    for path, own in folders(variables):
        if own:
            _prepare_own(path)
        elif not os.path.exists(path):
            files.make_folders(path, private=True)
        found = folder_problem(path, own)
        if found is not None:
            return found
    return None


def _prepare_own(path) -> None:
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        files.make_folders(path, private=True)
        return
    if not stat.S_ISDIR(status.st_mode):
        files.move_aside(path)
        files.make_folders(path, private=True)
    elif files.is_ours(status) and not writable_by_others(status) and status.st_mode & 0o077:
        os.chmod(path, stat.S_IMODE(status.st_mode) & 0o700)  # others could list the pending events


def repair(variables) -> list:
    """`chefwrap doctor --fix` and `chefwrap install`: make every state folder usable again; what was done,
    in words. ~/.chef loses others' write permission; chefwrap's own folders become 0700, or are moved
    aside when they are not the user's."""
    done = []
    for path, own in folders(variables):
        try:
            status = os.lstat(path) if own else os.stat(path)
        except OSError:
            continue
        if own and not (stat.S_ISDIR(status.st_mode) and files.is_ours(status)):
            done.append(f"moved {path} aside to {files.move_aside(path)}")
        elif own and stat.S_IMODE(status.st_mode) != 0o700:
            os.chmod(path, 0o700)
            done.append(f"made {path} 0700")
        elif not own and stat.S_ISDIR(status.st_mode) and files.is_ours(status) and writable_by_others(status):
            os.chmod(path, stat.S_IMODE(status.st_mode) & ~0o022)
            done.append(f"took others' write permission from {path}")
    return done
