"""The spool: events waiting to be sent, one file each, and waking the one sender that sends them.

One file per event, written to a hidden temporary name and renamed into place: concurrent shims never
tear or interleave a record, and a crash leaves at worst an empty file, which is skipped. Names start
with the time in nanoseconds, so the oldest is dropped first when the spool is full and the freshest
is sent first. Bounded by count here (every event is small and capped), and by total size in the sender.
A record is two lines: where the event goes (the endpoint its command was configured with, or
`local` in local mode), then the event's JSON.

Used on the shim's hot path: os only.
"""

import os
import time

from chefwrap import files, paths

MAX_EVENTS = 1000
MAX_EVENT_BYTES = 16 * 1024
MAX_TOTAL_BYTES = 2 * 1024 * 1024
SUFFIX = ".json"
KEEP_LOCALLY = "local"  # the destination of an event recorded in local mode: the ledger, never the network


def append(env, event_id: str, destination: str, line: str) -> None:
    data = destination.encode("utf-8") + b"\n" + line.encode("ascii")
    if len(data) > MAX_EVENT_BYTES or "\n" in destination:
        return
    name = f"{time.time_ns():020d}-{event_id}{SUFFIX}"
    files.write_atomically(os.path.join(paths.spool_folder(env), name), data, mode=0o600, durable=False)
    trim(env)


def names(env, newest_first=True) -> list:
    """The spooled events' file names, freshest first."""
    try:
        entries = os.listdir(paths.spool_folder(env))
    except OSError:
        return []
    return sorted((name for name in entries if name.endswith(SUFFIX) and not name.startswith(".")), reverse=newest_first)


def trim(env, max_events=MAX_EVENTS, max_bytes=None) -> int:
    """Drop the oldest events beyond the bounds; returns how many were dropped."""
    spooled = names(env, newest_first=True)
    keep = spooled[:max_events]
    dropped = spooled[max_events:]
    if max_bytes is not None:
        total = 0
        for index, name in enumerate(keep):
            try:
                total += os.stat(os.path.join(paths.spool_folder(env), name)).st_size
            except OSError:
                continue
            if total > max_bytes:
                dropped = keep[index:] + dropped
                keep = keep[:index]
                break
    for name in dropped:
        files.remove(os.path.join(paths.spool_folder(env), name))
    return len(dropped)


def read(env, name):
    """(destination, the event's JSON bytes) of a spooled record; None when it has gone (sent by another
    sender, dropped). OSError when it cannot be read, ValueError when it is damaged."""
    try:
        with open(os.path.join(paths.spool_folder(env), name), "rb") as stream:
            data = stream.read(MAX_EVENT_BYTES + 1)
    except FileNotFoundError:
        return None
    destination, newline, event = data.partition(b"\n")
    if not newline or not event or len(data) > MAX_EVENT_BYTES:
        raise ValueError("a damaged spool record")
    return destination.decode("utf-8"), event


def read_or_none(env, name):
    """(destination, event bytes) of a spooled record; None when gone, damaged or unreadable."""
    try:
        return read(env, name)
    except (OSError, ValueError):
        return None


def remove(env, name) -> None:
    files.remove(os.path.join(paths.spool_folder(env), name))
