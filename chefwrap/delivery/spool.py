"""The spool: events waiting to be sent, one file each.

One file per event, written to a hidden temporary name and renamed into place: concurrent shims never
tear or interleave a record, and a crash leaves at worst an empty file, which is skipped. Names start
with a sequence number, the time in nanoseconds or one past the freshest record's when that is later,
so a new event sorts as the freshest even after the clock was set back: the oldest is dropped first
when the spool is full, and the freshest sent first. Bounded by count here (every event is small and
capped), and by total size in the sender. The folder is 0700 and its records 0600 (chefwrap.state.private):
nobody else can list pending events or add one. A record is two lines: where the event goes (the endpoint
its command was configured with, or `local` in local mode), then the event's JSON.

Used on the shim's hot path: os only.
"""

import errno
import os
import stat
import time

from chefwrap import files, paths

MAX_EVENTS = 1000
MAX_EVENT_BYTES = 16 * 1024
MAX_TOTAL_BYTES = 2 * 1024 * 1024
SUFFIX = ".json"
KEEP_LOCALLY = "local"  # the destination of an event recorded in local mode: the ledger, never the network
SEQUENCE_DIGITS = 20
LATEST_TRUSTED = 10**19  # a sequence past this (the year 2286, in nanoseconds) is a damaged name: not followed


def append(variables, event_id: str, destination: str, line: str) -> None:
    data = destination.encode("utf-8") + b"\n" + line.encode("ascii")
    if len(data) > MAX_EVENT_BYTES or "\n" in destination:
        return
    spooled = names(variables)
    name = f"{next_sequence(spooled):0{SEQUENCE_DIGITS}d}-{event_id}{SUFFIX}"
    files.write_private(os.path.join(paths.spool_folder(variables), name), data)
    trim(variables, spooled=[name] + spooled)


def next_sequence(spooled) -> int:
    """Now, or one past the freshest trusted record when that is later (the clock went back)."""
    now = time.time_ns()
    for name in spooled:
        head = name[:SEQUENCE_DIGITS]
        if len(head) == SEQUENCE_DIGITS and head.isascii() and head.isdigit() and int(head) < LATEST_TRUSTED:
            return max(now, int(head) + 1)
    return now


def names(variables, newest_first=True) -> list:
    """The spooled events' file names, freshest first."""
    try:
        entries = os.listdir(paths.spool_folder(variables))
    except OSError:
        return []
    return sorted((name for name in entries if name.endswith(SUFFIX) and not name.startswith(".")), reverse=newest_first)


def trim(variables, max_events=MAX_EVENTS, spooled=None) -> int:
    """Drop the oldest events beyond `max_events`; returns how many were dropped."""
    spooled = names(variables) if spooled is None else spooled
    dropped = spooled[max_events:]
    for name in dropped:
        try:
            remove(variables, name)
        except OSError:
            pass  # the sender's size trim meets it again
    return len(dropped)


class Damaged(ValueError):
    """A spool record that can never be sent: the reason says why, for the sender's log."""


def read(variables, name):
    """(destination, the event's JSON bytes) of a spooled record; None when it has gone (sent by another
    sender, dropped). Damaged when it is not a plain file of ours (a symlink, someone else's), too large
    or not two lines; OSError when it cannot be read. Never blocks, whatever is in the spool."""
    try:
        descriptor = os.open(os.path.join(paths.spool_folder(variables), name), os.O_RDONLY | files.PRIVATE_FLAGS)
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise Damaged("not a plain file") from None
    except OSError as problem:
        if problem.errno == errno.ELOOP:
            raise Damaged("a symbolic link") from None
        raise
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise Damaged("not a plain file")
        if not files.is_ours(status):
            raise Damaged(f"not yours (it belongs to uid {status.st_uid})")
        if status.st_size > MAX_EVENT_BYTES:
            raise Damaged(f"too large ({status.st_size} bytes)")
        data = os.read(descriptor, MAX_EVENT_BYTES + 1)
    finally:
        os.close(descriptor)
    destination, newline, event = data.partition(b"\n")
    if not newline or not event or len(data) > MAX_EVENT_BYTES:
        raise Damaged(f"not a destination and an event ({len(data)} bytes)")
    try:
        return destination.decode("utf-8"), event
    except UnicodeDecodeError:
        raise Damaged("a destination that is not text") from None


def read_or_none(variables, name):
    """(destination, event bytes) of a spooled record; None when gone, damaged or unreadable."""
    try:
        return read(variables, name)
    except (OSError, ValueError):
        return None


def remove(variables, name) -> None:
    """A record goes; so does whatever damaged thing stands in its place (a directory is moved aside)."""
    path = os.path.join(paths.spool_folder(variables), name)
    try:
        files.remove(path)
    except IsADirectoryError:
        files.clear_damaged(path)
