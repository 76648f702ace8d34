"""The spool: events waiting to be sent, one file each, and waking the one sender that sends them.

One file per event, written to a hidden temporary name and renamed into place: concurrent shims never
tear or interleave a record, and a crash leaves at worst an empty file, which is skipped. Names start
with the time in nanoseconds, so the oldest is dropped first when the spool is full and the freshest
is sent first. Bounded by count here (every event is small and capped), and by total size in the sender.
A record is two lines: where the event goes (the endpoint its command was configured with, or
`local` in local mode), then the event's JSON.

Used on the shim's hot path: os and fcntl only.
"""

import os
import sys
import time

from chefwrap import files, package_parent
from chefwrap.chef_dir import own_dir

MAX_EVENTS = 1000
MAX_EVENT_BYTES = 16 * 1024
MAX_TOTAL_BYTES = 2 * 1024 * 1024
SUFFIX = ".json"
LOCAL = "local"  # the destination of an event recorded in local mode: the ledger, never the network


def folder(env) -> str:
    return os.path.join(own_dir(env), "spool")


def append(env, event_id: str, destination: str, line: str) -> None:
    data = destination.encode("utf-8") + b"\n" + line.encode("ascii")
    if len(data) > MAX_EVENT_BYTES or "\n" in destination:
        return
    name = f"{time.time_ns():020d}-{event_id}{SUFFIX}"
    files.write_atomically(os.path.join(folder(env), name), data, mode=0o600, durable=False)
    trim(env)


def names(env, newest_first=True) -> list:
    """The spooled events' file names, freshest first."""
    try:
        entries = os.listdir(folder(env))
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
                total += os.stat(os.path.join(folder(env), name)).st_size
            except OSError:
                continue
            if total > max_bytes:
                dropped = keep[index:] + dropped
                keep = keep[:index]
                break
    for name in dropped:
        files.remove(os.path.join(folder(env), name))
    return len(dropped)


def read(env, name):
    """(destination, the event's JSON bytes) of a spooled record; None when it has gone (sent by another
    sender, dropped). OSError when it cannot be read, ValueError when it is damaged."""
    try:
        with open(os.path.join(folder(env), name), "rb") as stream:
            data = stream.read(MAX_EVENT_BYTES + 1)
    except FileNotFoundError:
        return None
    destination, newline, event = data.partition(b"\n")
    if not newline or not event or len(data) > MAX_EVENT_BYTES:
        raise ValueError("a damaged spool record")
    return destination.decode("utf-8"), event


def remove(env, name) -> None:
    files.remove(os.path.join(folder(env), name))


# The sender

SENDER_LOCK = "sender.lock"
BACKOFF_FILE = "backoff"
# What the detached sender may see of the caller's environment: where to send, and how to get there.
SENDER_ENVIRONMENT = (
    "HOME",
    "CHEF_HOME",
    "CHEFWRAP_SENDER_LIFETIME",
    "CHEFWRAP_SENDER_FIRST_DELAY",
    "CHEFWRAP_SENDER_TIMEOUT",
    "CHEFWRAP_SENDER_LONGEST_PAUSE",
    "LANG",
    "LC_ALL",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "all_proxy",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
)


def backing_off(env, now=None) -> bool:
    """True while an earlier sender gave up and its pause has not run out: no new sender before then."""
    try:
        with open(os.path.join(own_dir(env), BACKOFF_FILE), "rb") as stream:
            next_attempt = float(stream.read(64).split()[0])
    except (OSError, ValueError, IndexError):
        return False
    return (time.time() if now is None else now) < next_attempt


def wake_sender(env) -> None:
    """Start a detached sender unless one is running or delivery is pausing after failures.

    The lock is taken here and handed to the sender as an inherited descriptor, so there is never a
    moment when two shims could both see no sender and start one each.
    """
    if backing_off(env):
        return
    descriptor = take_sender_lock(env)
    if descriptor is None:
        return  # a sender is running: it looks at the spool again before it exits
    try:
        _start_sender(env, descriptor)
    finally:
        os.close(descriptor)


def take_sender_lock(env):
    """The sender lock's descriptor, locked; None when another process holds it or it cannot be had."""
    import fcntl

    try:
        descriptor = os.open(os.path.join(own_dir(env), SENDER_LOCK), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError:
        return None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(descriptor)
        return None
    return descriptor


def _start_sender(env, lock_descriptor) -> None:
    """posix_spawn a new session with /dev/null for stdio and no descriptor of ours but the lock."""
    _close_on_exec_all_but(lock_descriptor)
    os.set_inheritable(lock_descriptor, True)
    sender_env = {name: env[name] for name in SENDER_ENVIRONMENT if name in env}
    sender_env["PYTHONPATH"] = package_parent()
    python = sys.executable
    argv = [python, "-m", "chefwrap.sender", "--lock-fd", str(lock_descriptor)]
    null = os.devnull
    os.posix_spawn(
        python,
        argv,
        sender_env,
        file_actions=[
            (os.POSIX_SPAWN_OPEN, 0, null, os.O_RDONLY, 0),
            (os.POSIX_SPAWN_OPEN, 1, null, os.O_WRONLY, 0),
            (os.POSIX_SPAWN_OPEN, 2, null, os.O_WRONLY, 0),
        ],
        setsid=True,
    )


def _close_on_exec_all_but(keep) -> None:
    """Descriptors the caller gave the shim (a `3>file`, a pipe) must not keep living in the sender."""
    try:
        descriptors = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        descriptors = range(3, 256)
    for descriptor in descriptors:
        if descriptor > 2 and descriptor != keep:
            try:
                os.set_inheritable(descriptor, False)
            except OSError:
                pass
