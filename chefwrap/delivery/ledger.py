"""What was sent, exactly, and where: the ledger `chefwrap telemetry show --sent` reads, and the local log.

Written by the sender only (it holds the sender lock); bounded, the oldest entries roll off (the
sessions sent are kept apart until erased: chefwrap.delivery.sent_sessions). Whatever damaged thing
stands in place of either file (a directory, a FIFO, a symlink, someone else's file) is cleared away
before a write, never written through; a huge file is read from its end, never whole.
"""

import json
import os
import time

from chefwrap import files, paths

MAX_ENTRIES = 500  # kept when the ledger grows past MAX_BYTES
MAX_BYTES = 1024 * 1024
MAX_NOTES = 200
MAX_NOTES_BYTES = 64 * 1024
READ_AT_MOST = 4  # times the bound: what is read of a file that grew past it (the newest lines)


def record(variables, event: dict, endpoint, status) -> None:
    """One delivered event (`endpoint` None: kept locally, never sent)."""
    entry = {"at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "endpoint": endpoint, "status": status, "event": event}
    _append(paths.ledger_file(variables), json.dumps(entry, separators=(",", ":")), MAX_ENTRIES, MAX_BYTES)


def entries(variables) -> list:
    """Every readable entry, oldest first; damaged lines are skipped."""
    result = []
    for line in _lines(paths.ledger_file(variables), MAX_BYTES):
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and isinstance(entry.get("event"), dict):
            result.append(entry)
    return result


def replace(variables, kept: list) -> None:
    """Rewrite the ledger with only `kept` entries (for `telemetry forget`)."""
    data = "".join(json.dumps(entry, separators=(",", ":")) + "\n" for entry in kept)
    files.clear_damaged(paths.ledger_file(variables))
    files.write_private(paths.ledger_file(variables), data.encode(), durable=True)


def note(variables, message: str) -> None:
    _append(paths.sender_log(variables), f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} {message}", MAX_NOTES, MAX_NOTES_BYTES)


def notes(variables) -> list:
    return [line.decode("utf-8", "replace") for line in _lines(paths.sender_log(variables), MAX_NOTES_BYTES)]


def _append(target, line: str, keep: int, max_bytes: int) -> None:
    """Append a line; past `max_bytes`, only the last `keep` lines stay."""
    files.make_folders(os.path.dirname(target), private=True)
    descriptor = files.open_private(target, os.O_WRONLY | os.O_APPEND)
    if descriptor is None:
        raise OSError(f"{target} cannot be opened as a plain file of yours")
    try:
        os.write(descriptor, line.encode() + b"\n")
        size = os.fstat(descriptor).st_size
    finally:
        os.close(descriptor)
    if size > max_bytes:
        lines = _lines(target, max_bytes)[-keep:]
        files.write_private(target, b"".join(line + b"\n" for line in lines))


def _lines(target, max_bytes) -> list:
    """The file's complete lines, of its last READ_AT_MOST * max_bytes bytes."""
    limit = READ_AT_MOST * max_bytes
    content = files.read_private(target, limit, tail=True) or b""
    lines = content.split(b"\n")
    if len(content) == limit:
        lines = lines[1:]  # read from the middle of a line
    return [line for line in lines if line.strip()]
