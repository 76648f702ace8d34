"""File changes that install and uninstall plan, show (--dry-run) and then make."""

import difflib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from chefwrap import files


@dataclass
class FileChange:
    path: Path
    before: Optional[bytes]  # None: the file does not exist
    after: Optional[bytes]  # None: the file is to be removed
    mode: Optional[int] = None  # None: keep the existing file's mode
    by_hand: str = ""  # what to tell a user whose file chefwrap cannot write

    @property
    def changes_anything(self) -> bool:
        return self.before != self.after

    def diff(self) -> str:
        before = _text(self.before)
        after = _text(self.after)
        old_name = str(self.path) if self.before is not None else "/dev/null"
        new_name = str(self.path) if self.after is not None else "/dev/null"
        lines = difflib.unified_diff(before, after, old_name, new_name)
        return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)

    def apply(self) -> list:
        """Make the change; returns the folders that had to be made for it."""
        if self.after is None:
            # Through a symlink, the file install wrote is the link's target: the link itself was the user's.
            files.remove(os.path.realpath(self.path))
            return []
        return files.write_atomically(self.path, self.after, self.mode)


def apply_all(changes, env):
    """Make every change that can be made.

    Returns (the changes that failed, each already reported; the folders made on the way).
    """
    failed, made = [], []
    for change in changes:
        if not change.changes_anything:
            continue
        try:
            made += change.apply()
        except OSError as error:
            env.error(f"cannot write {change.path}: {error.strerror or error}")
            if change.by_hand:
                env.error(change.by_hand)
            failed.append(change)
    return failed, made


def show(changes, env) -> None:
    """What --dry-run prints: a unified diff of every change, or that there is nothing to do."""
    pending = [change for change in changes if change.changes_anything]
    for change in pending:
        env.say(change.diff().rstrip("\n"))
    if not pending:
        env.say("Nothing to change.")


def _text(content) -> list:
    if content is None:
        return []
    return content.decode("utf-8", "replace").splitlines(keepends=True)


def display(path: Path, home: Path) -> str:
    """A path as the user would type it: under home, with ~."""
    try:
        return "~" + os.sep + str(Path(path).relative_to(home))
    except ValueError:
        return str(path)


def describe(problem: Exception) -> str:
    """A one-line account of what went wrong with a file."""
    if isinstance(problem, OSError) and problem.filename:
        return f"{meant(problem.filename)}: {problem.strerror or problem}"
    return str(problem)


TEMPORARY = re.compile(r"^\.(?P<name>.+)\.\d+\.[0-9a-f]{8}\.chefwrap$")


def meant(filename) -> str:
    """The file a failed write was for: files.write_atomically names its temporary file `.NAME.PID.HEX.chefwrap`."""
    filename = os.fsdecode(filename)
    folder, name = os.path.split(filename)
    temporary = TEMPORARY.match(name)
    return os.path.join(folder, temporary.group("name")) if temporary else filename
