"""What was sent, exactly, and where: the ledger `chefwrap telemetry show --sent` reads, and the local log.

Written by the sender only (it holds the sender lock); bounded, the oldest entries roll off.
"""

import json
import os
import time

from chefwrap import files, paths

MAX_ENTRIES = 500  # kept when the ledger grows past MAX_BYTES
MAX_BYTES = 1024 * 1024
MAX_NOTES = 200
MAX_NOTES_BYTES = 64 * 1024


def record(env, event: dict, endpoint, status) -> None:
    """One delivered event (`endpoint` None: kept locally, never sent)."""
    entry = {"at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "endpoint": endpoint, "status": status, "event": event}
    _append(paths.ledger_file(env), json.dumps(entry, separators=(",", ":")), MAX_ENTRIES, MAX_BYTES)


def entries(env) -> list:
    """Every readable entry, oldest first; damaged lines are skipped."""
    result = []
    for line in _lines(paths.ledger_file(env)):
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and isinstance(entry.get("event"), dict):
            result.append(entry)
    return result


def replace(env, kept: list) -> None:
    """Rewrite the ledger with only `kept` entries (for `telemetry forget`)."""
    data = "".join(json.dumps(entry, separators=(",", ":")) + "\n" for entry in kept)
    files.write_atomically(paths.ledger_file(env), data.encode(), mode=0o600)


def note(env, message: str) -> None:
    _append(paths.sender_log(env), f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} {message}", MAX_NOTES, MAX_NOTES_BYTES)


def notes(env) -> list:
    return [line.decode("utf-8", "replace") for line in _lines(paths.sender_log(env))]


def _append(target, line: str, keep: int, max_bytes: int) -> None:
    """Append a line; past `max_bytes`, only the last `keep` lines stay."""
    files.make_folders(os.path.dirname(target))
    descriptor = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        os.write(descriptor, line.encode() + b"\n")
        size = os.fstat(descriptor).st_size
    finally:
        os.close(descriptor)
    if size > max_bytes:
        lines = _lines(target)[-keep:]
        files.write_atomically(target, b"".join(line + b"\n" for line in lines), mode=0o600)


def _lines(target) -> list:
    content = files.read_or_none(target) or b""
    return [line for line in content.split(b"\n") if line.strip()]
