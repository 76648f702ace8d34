"""Every session this machine sent, and where, until it is erased: ~/.chef/chefwrap/sent-sessions.

`<endpoint> <session id>` a line, appended by the sender (it holds the sender lock) the first time an
endpoint takes an event of that session. Unlike the ledger, it does not roll over: it is how `chefwrap
telemetry forget` finds every session to erase, however long ago it was sent, so it holds ids only
(never an event) and is kept until they are erased, through `chefwrap uninstall` too. A session is a
line of about 80 bytes: a year of daily use is some tens of kilobytes.
"""

import os

from chefwrap import files, paths
from chefwrap.state import settings

MAX_BYTES = 64 * 1024 * 1024  # what is read, at most; far beyond any real use


def load(variables) -> list:
    """[(endpoint, session id)], oldest first, each once; damaged lines are skipped."""
    found = {}
    for line in (files.read_private(paths.sent_sessions(variables), MAX_BYTES) or b"").decode("ascii", "replace").splitlines():
        parts = line.split(" ")
        if len(parts) == 2 and is_session_id(parts[1]) and not settings.endpoint_problem(parts[0]):
            found[(parts[0], parts[1])] = None
    return list(found)


def is_session_id(text) -> bool:
    pieces = text.split("-")
    return [len(piece) for piece in pieces] == [8, 4, 4, 4, 12] and all(c in "0123456789abcdefABCDEF" for c in "".join(pieces))


def remember(variables, endpoint: str, session_id: str) -> None:
    """One more (endpoint, session); the caller knows it is new."""
    if not is_session_id(session_id) or settings.endpoint_problem(endpoint):
        return
    path = paths.sent_sessions(variables)
    files.make_folders(os.path.dirname(path), private=True)
    descriptor = files.open_private(path, os.O_WRONLY | os.O_APPEND)
    if descriptor is None:
        raise OSError(f"{path} cannot be opened as a plain file of yours")
    try:
        os.write(descriptor, f"{endpoint} {session_id}\n".encode("ascii"))
    finally:
        os.close(descriptor)


def replace(variables, pairs) -> None:
    """Keep only these (endpoint, session) pairs; none: no file."""
    path = paths.sent_sessions(variables)
    files.clear_damaged(path)
    if not pairs:
        files.remove(path)
        return
    files.write_private(path, "".join(f"{endpoint} {session_id}\n" for endpoint, session_id in pairs).encode("ascii"), durable=True)
