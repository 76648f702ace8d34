"""The RFC's session: one UUID for every Chef tool used in a stretch of activity, new after 10 idle minutes.

Kept in ~/.chef/TELEMETRY_SESSION_ID like the chef-telemetry gem does: the id is live while the file
was touched in the last 600 seconds, and every use touches it. Concurrent shims agree on one id: a
new one is only written under a lock, after looking again. A damaged session or lock file (a directory,
a FIFO) is never waited on, and is replaced by the next new session. Neither is ever read, written or
touched through a symlink, nor read when someone else owns it: one standing there is replaced.
"""

import os
import time

from chefwrap import files, paths

IDLE_SECONDS = 600
LOCK_PATIENCE = 0.2


def new_uuid() -> str:
    """A random (version 4) UUID, without importing uuid."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40
    raw[8] = (raw[8] & 0x3F) | 0x80
    text = raw.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def current(variables, now=None) -> str:
    """The live session id, touched; or a new one. Where the session file cannot be written the id
    lives only in this event: an unusable home must not cost the event."""
    path = paths.session_file(variables)
    now = time.time() if now is None else now
    try:
        return _live(path, now) or _start(variables, path, now)
    except OSError:
        return new_uuid()


def _start(variables, path, now) -> str:
    """A new session, unless a concurrent shim started one meanwhile (looked at again under a lock)."""
    import fcntl

    files.make_folders(paths.own_dir(variables), private=True)
    lock = files.open_private(paths.session_lock(variables), os.O_WRONLY | os.O_APPEND)
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
        files.write_private(path, new.encode() + b"\n")
        os.utime(path, (now, now), follow_symlinks=False)
        return new
    finally:
        if lock is not None:
            os.close(lock)


def _live(path, now):
    """The id in the file if it is live, touched; None otherwise."""
    text = _read_live(path, now)
    if text:
        try:
            os.utime(path, (now, now), follow_symlinks=False)
        except OSError:
            pass  # a file we may read but not touch: its id is still the live one
    return text


def _read_live(path, now):
    try:
        if now - os.lstat(path).st_mtime >= IDLE_SECONDS:
            return None
        text = (files.read_private(path, 64) or b"").decode("ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return text if _is_uuid(text) else None


def _is_uuid(text) -> bool:
    parts = text.split("-")
    return [len(part) for part in parts] == [8, 4, 4, 4, 12] and all(c in "0123456789abcdefABCDEF" for c in "".join(parts))


def peek(variables, now=None):
    """The live session id without touching it (for `chefwrap telemetry status`), or None."""
    return _read_live(paths.session_file(variables), time.time() if now is None else now)


def end(variables) -> None:
    """Forget the live session: the next command starts a new one."""
    files.remove(paths.session_file(variables))
