"""The RFC's session: one UUID for every Chef tool used in a stretch of activity, new after 10 idle minutes.

Kept in ~/.chef/TELEMETRY_SESSION_ID like the chef-telemetry gem does: the id is live while the file
was touched in the last 600 seconds, and every use touches it. Concurrent shims agree on one id: a
new one is only written under a lock, after looking again. A damaged session or lock file (a directory,
a FIFO) is never waited on, and is replaced by the next new session.
"""

import os
import stat
import time

from chefwrap import files, paths
from chefwrap.shim.event import new_uuid

IDLE_SECONDS = 600
LOCK_PATIENCE = 0.2


def current(env, now=None) -> str:
    """The live session id, touched; or a new one. Where the session file cannot be written the id
    lives only in this event: an unusable home must not cost the event."""
    path = paths.session_file(env)
    now = time.time() if now is None else now
    try:
        return _live(path, now) or _start(env, path, now)
    except OSError:
        return new_uuid()


def _start(env, path, now) -> str:
    """A new session, unless a concurrent shim started one meanwhile (looked at again under a lock)."""
    import fcntl

    files.make_folders(paths.own_dir(env))
    lock = _open_lock(paths.session_lock(env))
    try:
        deadline = time.monotonic() + LOCK_PATIENCE
        while lock is not None:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    break  # never keep the user waiting: two ids at worst, for one moment
                time.sleep(0.005)
        live = _live(path, now)
        if live:
            return live
        new = new_uuid()
        files.clear_damaged(path)
        files.write_atomically(path, new.encode() + b"\n", mode=0o600, durable=False)
        os.utime(path, (now, now))
        return new
    finally:
        if lock is not None:
            os.close(lock)


def _open_lock(path):
    """The session lock's descriptor (a damaged one is replaced); None when it cannot be had: the
    session is then started without it."""
    for _ in range(2):
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NONBLOCK | os.O_CLOEXEC, 0o600)
        except OSError:
            descriptor = None
        if descriptor is not None:
            if stat.S_ISREG(os.fstat(descriptor).st_mode):
                return descriptor
            os.close(descriptor)
        files.clear_damaged(path)
    return None


def _live(path, now):
    """The id in the file if it is live, touched; None otherwise."""
    text = _read_live(path, now)
    if text:
        try:
            os.utime(path, (now, now))
        except OSError:
            pass  # a file we may read but not touch: its id is still the live one
    return text


def _read_live(path, now):
    try:
        if now - os.stat(path).st_mtime >= IDLE_SECONDS:
            return None
        text = (files.read_state(path, 64) or b"").decode("ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return text if _is_uuid(text) else None


def _is_uuid(text) -> bool:
    parts = text.split("-")
    return [len(part) for part in parts] == [8, 4, 4, 4, 12] and all(c in "0123456789abcdefABCDEF" for c in "".join(parts))


def peek(env, now=None):
    """The live session id without touching it (for `chefwrap telemetry status`), or None."""
    return _read_live(paths.session_file(env), time.time() if now is None else now)


def end(env) -> None:
    """Forget the live session: the next command starts a new one."""
    files.remove(paths.session_file(env))
