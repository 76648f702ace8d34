"""Writing files so that a reader never sees half of one, and symlinks stay symlinks; reading and
replacing state files that may have been damaged (a directory, a FIFO, a huge or binary file).

chefwrap's own state (the session file, the spool, ledger, locks, settings, caches) is private: its
folders are made 0700 and its files 0600 whatever the umask, and it is never read or written through a
symlink, nor read when someone else owns it (read_private, open_private, write_private). A user's own
files (start-up files, a repository's kitchen.yml) are read and written through their links.

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
        return _read_up_to(descriptor, status, limit, tail)
    except OSError:
        return None
    finally:
        os.close(descriptor)


def _read_up_to(descriptor, status, limit, tail) -> bytes:
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


def clear_damaged(path) -> None:
    """Make room for a state file of ours: whatever stands at `path` that is not a plain file of ours goes
    (a symlink, a FIFO, someone else's file). An empty directory is removed; one with something in it is
    moved aside to a hidden name, so nothing in it is lost. A plain file of ours that we may not open
    (mode 0000) is given back its 0600. Failures are left for the write that follows to meet."""
    try:
        status = os.lstat(path)
    except OSError:
        return
    try:
        if stat.S_ISREG(status.st_mode) and is_ours(status):
            if status.st_mode & 0o600 != 0o600:
                os.chmod(path, 0o600)
            return
        if not stat.S_ISDIR(status.st_mode):
            os.unlink(path)
            return
        try:
            os.rmdir(path)
        except OSError as problem:
            if problem.errno in (errno.ENOTEMPTY, errno.EEXIST):
                move_aside(path)
    except OSError:
        pass


def move_aside(path) -> str:
    """Rename whatever stands at `path` to a hidden name beside it, so nothing in it is lost; the new name."""
    folder, name = os.path.split(path)
    aside = os.path.join(folder, f".{name}.damaged.{os.urandom(4).hex()}")
    os.rename(path, aside)
    return aside


def is_ours(status) -> bool:
    """Owned by this process's effective user. Root takes any owner's: it is only ever pointed at a home
    by its owner (`sudo chefwrap ...`), and never follows a link there."""
    euid = os.geteuid()
    return euid == 0 or status.st_uid == euid


PRIVATE_FLAGS = os.O_NONBLOCK | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0)


def read_private(path, limit: int, tail: bool = False):
    """read_state for chefwrap's own state: None also when `path` is a symlink or someone else's file."""
    try:
        descriptor = os.open(path, os.O_RDONLY | PRIVATE_FLAGS)
    except OSError:
        return None
    try:
        status = os.fstat(descriptor)
        if not (stat.S_ISREG(status.st_mode) and is_ours(status)):
            return None
        return _read_up_to(descriptor, status, limit, tail)
    except OSError:
        return None
    finally:
        os.close(descriptor)


def open_private(path, flags: int):
    """A descriptor of the state file at `path`, made 0600 if missing: a plain file of ours, opened
    without following a symlink. Whatever else stands there is cleared away first (clear_damaged). None
    when no such file can be had (its folder is not ours to change)."""
    for attempt in range(2):
        try:
            descriptor = os.open(path, flags | os.O_CREAT | PRIVATE_FLAGS, 0o600)
        except OSError:
            descriptor = None
        if descriptor is not None:
            try:
                status = os.fstat(descriptor)
                if stat.S_ISREG(status.st_mode) and is_ours(status):
                    if status.st_mode & 0o077:
                        os.fchmod(descriptor, 0o600)
                    return descriptor
            except OSError:
                pass
            os.close(descriptor)
        if attempt == 0:
            clear_damaged(path)
    return None


def write_private(path, data: bytes, durable: bool = False) -> None:
    """Replace a state file in one step, 0600: never through a symlink (one standing at `path` is
    replaced, not followed); missing folders are made 0700. As root, in a folder of another user's, the
    file is that user's (see owner_for_new)."""
    folder, name = os.path.split(path)
    make_folders(folder, private=True)
    temporary = os.path.join(folder, f".{name}.{os.getpid()}.{os.urandom(4).hex()}.chefwrap")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | PRIVATE_FLAGS, 0o600)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(descriptor, view) :]
            if durable:
                os.fsync(descriptor)
            os.fchmod(descriptor, 0o600)
            owner = owner_for_new(folder)
            if owner is not None:
                os.fchown(descriptor, *owner)
        finally:
            os.close(descriptor)
        os.replace(temporary, path)
    except BaseException:
        remove(temporary)
        raise


def create_private(path, data: bytes) -> bool:
    """Make the state file at `path` holding `data`, 0600, unless one is there already (made by a
    concurrent process, say): never half-written, never replacing. True when this call made it."""
    folder, name = os.path.split(path)
    make_folders(folder, private=True)
    temporary = os.path.join(folder, f".{name}.{os.getpid()}.{os.urandom(4).hex()}.chefwrap")
    write_private(temporary, data, durable=True)
    try:
        os.link(temporary, path)
        return True
    except FileExistsError:
        return False
    finally:
        remove(temporary)


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


def make_folders(folder, private: bool = False) -> list:
    """mkdir -p, returning the folders that did not exist before, outermost first. As root, each new
    folder belongs to the owner of the folder it was made in (see owner_for_new). `private`: each new
    folder 0700 whatever the umask (chefwrap's state), else 0777 less the umask."""
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
            os.mkdir(each, 0o700 if private else 0o777)
        except FileExistsError:
            if not os.path.isdir(each):
                raise
            continue
        if private:
            os.chmod(each, 0o700)  # the umask may have taken more than the group's and others' bits
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
