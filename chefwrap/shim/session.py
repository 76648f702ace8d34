"""The RFC's session: one UUID for every Chef tool used in a stretch of activity, new after 10 idle minutes.

Kept in ~/.chef/TELEMETRY_SESSION_ID like the chef-telemetry gem does: the id is live while the file
was touched in the last 600 seconds, and every use touches it. Concurrent shims agree on one id: a
new one is only written under a lock, after looking again.
"""

import os
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
    with open(paths.session_lock(env), "ab") as lock:
        deadline = time.monotonic() + LOCK_PATIENCE
        while True:
            try:
                fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    break  # never keep the user waiting: two ids at worst, for one moment
                time.sleep(0.005)
        live = _live(path, now)
        if live:
            return live
        new = new_uuid()
        files.write_atomically(path, new.encode() + b"\n", mode=0o600, durable=False)
        os.utime(path, (now, now))
        return new


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
        with open(path, "rb") as stream:
            text = stream.read(64).decode("ascii").strip()
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
