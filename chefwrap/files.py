"""Writing files so that a reader never sees half of one, and symlinks stay symlinks; reading and
replacing state files that may have been damaged (a directory, a FIFO, a huge or binary file).

Also used on the shim's hot path (session, spool), so it needs nothing beyond os (and stat, which os
imports anyway).
"""

import errno
import os
import stat


def read_or_none(path):
    """The file's bytes, None when it does not exist; OSError for anything else (a directory, no access)."""
    try:
        with open(path, "rb") as stream:
            return stream.read()
    except FileNotFoundError:
        return None


def read_state(path, limit: int, tail: bool = False):
    """At most `limit` bytes of a state file (its last ones with `tail`); None when it is missing, not a
    plain file (a directory, a FIFO, a device) or unreadable. Never blocks, whatever is at `path`."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            return None
        if tail and status.st_size > limit:
            os.lseek(descriptor, status.st_size - limit, os.SEEK_SET)
        chunks, wanted = [], limit
        while wanted > 0:
            chunk = os.read(descriptor, wanted)
            if not chunk:
                break
            chunks.append(chunk)
            wanted -= len(chunk)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(descriptor)


def clear_damaged(path) -> None:
    """Make room for a state file: whatever stands at `path` that is not a plain file (or a link to one)
    goes. An empty directory is removed; one with something in it is moved aside to a hidden name, so
    nothing in it is lost. Failures are left for the write that follows to meet."""
    try:
        if stat.S_ISREG(os.stat(path).st_mode):
            return
    except OSError:
        pass  # missing, or a link to nothing: lstat below says which
    try:
        status = os.lstat(path)
    except OSError:
        return
    try:
        if not stat.S_ISDIR(status.st_mode):
            os.unlink(path)
            return
        try:
            os.rmdir(path)
        except OSError as problem:
            if problem.errno in (errno.ENOTEMPTY, errno.EEXIST):
                folder, name = os.path.split(path)
                os.rename(path, os.path.join(folder, f".{name}.damaged.{os.urandom(4).hex()}"))
    except OSError:
        pass


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
            owner = (existing.st_uid, existing.st_gid) if existing is not None else owner_for_new(folder)
            if owner is not None and os.geteuid() == 0:  # `sudo chefwrap ...` keeps ~/.bashrc, and what it adds, the user's
                os.fchown(descriptor, *owner)
        finally:
            os.close(descriptor)
        os.replace(temporary, target)
    except BaseException:
        remove(temporary)
        raise
    return made


def make_folders(folder) -> list:
    """mkdir -p, returning the folders that did not exist before, outermost first. As root, each new
    folder belongs to the owner of the folder it was made in (see owner_for_new)."""
    missing = []
    folder = os.fspath(folder)
    while not os.path.isdir(folder):
        missing.append(folder)
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    owner = owner_for_new(folder) if missing else None
    for each in reversed(missing):
        try:
            os.mkdir(each, 0o777)
        except FileExistsError:
            if not os.path.isdir(each):
                raise
            continue
        if owner is not None:
            os.chown(each, *owner)
    return list(reversed(missing))


def owner_for_new(folder):
    """(uid, gid) a file or folder made in `folder` should have: as root, the folder's owner when that is
    someone else, so that `sudo chefwrap install` with a user's HOME leaves nothing of root's in it
    (the user could not change or remove it). None otherwise: it gets ours."""
    if os.geteuid() != 0:
        return None
    try:
        status = os.stat(folder)
    except OSError:
        return None
    return (status.st_uid, status.st_gid) if status.st_uid != 0 else None


def remove(path) -> bool:
    """Remove a file if it is there; True when something was removed."""
    try:
        os.unlink(path)
        return True
    except FileNotFoundError:
        return False


def _existing_status(target):
    """os.stat of an existing file, after proving we may write it (open for writing, without truncating;
    without blocking, should it be a FIFO)."""
    try:
        descriptor = os.open(target, os.O_WRONLY | os.O_NONBLOCK | os.O_CLOEXEC)
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
