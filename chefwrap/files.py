"""Writing files so that a reader never sees half of one, and symlinks stay symlinks.

Also used on the shim's hot path (session, spool), so it needs nothing beyond os.
"""

import os


def read_or_none(path):
    """The file's bytes, None when it does not exist; OSError for anything else (a directory, no access)."""
    try:
        with open(path, "rb") as stream:
            return stream.read()
    except FileNotFoundError:
        return None


def write_atomically(path, data: bytes, mode: int = None, durable: bool = True) -> list:
    """Replace the file at `path` (through a symlink: the link stays, its target changes) in one step.

    An existing file keeps its permissions unless `mode` is given, and one that we may not write
    stays untouched even where its folder would let us replace it. `durable` waits for the disk;
    without it a crash may leave an empty file, never a half-written one. Returns the folders made.
    """
    target = os.path.realpath(path)
    existing = _existing_status(target)
    if mode is None:
        mode = existing.st_mode & 0o7777 if existing is not None else 0o666 & ~_umask()
    folder, name = os.path.split(target)
    made = make_folders(folder)
    temporary = os.path.join(folder, f".{name}.{os.getpid()}.{os.urandom(4).hex()}.chefwrap")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(descriptor, view) :]
            if durable:
                os.fsync(descriptor)
            os.fchmod(descriptor, mode)
            if existing is not None and os.geteuid() == 0:  # `sudo chefwrap install` keeps ~/.bashrc the user's
                os.fchown(descriptor, existing.st_uid, existing.st_gid)
        finally:
            os.close(descriptor)
        os.replace(temporary, target)
    except BaseException:
        remove(temporary)
        raise
    return made


def make_folders(folder) -> list:
    """mkdir -p, returning the folders that did not exist before, outermost first."""
    missing = []
    folder = os.fspath(folder)
    while not os.path.isdir(folder):
        missing.append(folder)
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    for each in reversed(missing):
        try:
            os.mkdir(each, 0o777)
        except FileExistsError:
            if not os.path.isdir(each):
                raise
    return list(reversed(missing))


def remove(path) -> bool:
    """Remove a file if it is there; True when something was removed."""
    try:
        os.unlink(path)
        return True
    except FileNotFoundError:
        return False


def _existing_status(target):
    """os.stat of an existing file, after proving we may write it (open for writing, without truncating)."""
    try:
        descriptor = os.open(target, os.O_WRONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    try:
        return os.fstat(descriptor)
    finally:
        os.close(descriptor)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
