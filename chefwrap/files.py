"""Writing files so that a reader never sees half of one, and symlinks stay symlinks."""

import os
import tempfile
from pathlib import Path


def read_or_none(path: Path):
    """The file's bytes, None when it does not exist; OSError for anything else (a directory, no access)."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        return None


def write_atomically(path: Path, data: bytes, mode: int = None) -> list:
    """Replace the file at `path` (through a symlink: the link stays, its target changes) in one step.

    An existing file keeps its permissions unless `mode` is given, and one that we may not write
    stays untouched even where its folder would let us replace it. Returns the folders it had to make.
    """
    target = Path(os.path.realpath(path))
    existing_mode = _existing_mode(target)
    if mode is None:
        mode = existing_mode if existing_mode is not None else 0o666 & ~_umask()
    made = make_folders(target.parent)
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".chefwrap")
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        _remove_quietly(temporary)
        raise
    return made


def make_folders(folder: Path) -> list:
    """mkdir -p, returning the folders that did not exist before, outermost first."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for each in reversed(missing):
        each.mkdir(exist_ok=True)
    return list(reversed(missing))


def remove(path: Path) -> bool:
    """Remove a file if it is there; True when something was removed."""
    try:
        os.unlink(path)
        return True
    except FileNotFoundError:
        return False


def _existing_mode(target: Path):
    """The mode of an existing file, after proving we may write it (open for writing, without truncating)."""
    try:
        descriptor = os.open(target, os.O_WRONLY)
    except FileNotFoundError:
        return None
    try:
        return os.fstat(descriptor).st_mode & 0o7777
    finally:
        os.close(descriptor)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _remove_quietly(path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
