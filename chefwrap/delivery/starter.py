"""Starting the one detached sender: its lock, the pause of the event's destination, and the spawn.

The lock is a flock on ~/.chef/chefwrap/sender.lock: the kernel releases it when its holder dies, so it
never goes stale. A shim takes it and hands it to the sender it starts as an inherited descriptor, so
two shims can never both see no sender and start one each. Whatever damaged thing stands where the
lock file should be (a directory, a FIFO, a symlink, someone else's file) is cleared away first, and one
of ours we may not open is given back its permissions: a lock never strands events.

Used on the shim's hot path: os, sys and fcntl only (psutil only in running_sender, for commands).
"""

import os
import stat
import sys

from chefwrap import files, isolated, paths
from chefwrap.delivery import pauses, spool

# What the detached sender may see of the caller's environment: where to send, and how to get there.
# The token stays in memory (the sender's environment, which only this user and root may read): never
# on disk nor in an argv; with the endpoint it was configured for, since it goes to that one only.
SENDER_ENVIRONMENT = (
    "HOME",
    "CHEF_HOME",
    "CHEF_TELEMETRY_ENDPOINT",
    "CHEF_TELEMETRY_TOKEN",
    "CHEFWRAP_SENDER_LIFETIME",
    "CHEFWRAP_SENDER_FIRST_DELAY",
    "CHEFWRAP_SENDER_TIMEOUT",
    "CHEFWRAP_SENDER_LONGEST_PAUSE",
    "CHEFWRAP_SENDER_RETENTION",
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


def wake_sender(variables, destination) -> None:
    """Start a detached sender for an event just spooled for `destination`, unless one is running or that
    destination is pausing after a sender gave up on it (other destinations' pauses do not matter).

    The lock is taken here and handed to the sender as an inherited descriptor, so there is never a
    moment when two shims could both see no sender and start one each.
    """
    if destination != spool.KEEP_LOCALLY and pauses.paused(variables, destination):
        return
    descriptor = take_sender_lock(variables)
    if descriptor is None:
        return  # a sender is running: it looks at the spool again before it exits
    try:
        _start_sender(variables, descriptor)
    finally:
        os.close(descriptor)


def take_sender_lock(variables):
    """The sender lock's descriptor, locked; None when another process holds it or it cannot be had.
    A lock file that is not a plain file of ours (a symlink, a FIFO, root's) is replaced, one of ours we
    may not open (mode 0000) given back its 0600 (chefwrap.files.open_private)."""
    import fcntl

    descriptor = files.open_private(paths.sender_lock(variables), os.O_RDWR)
    if descriptor is None:
        return None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(descriptor)
        return None
    return descriptor


def lock_problem(variables):
    """What is wrong with the sender lock file, in words (for status and doctor), or None. Read only: the
    next sender to start (or `chefwrap doctor --fix`) replaces or repairs it."""
    path = paths.sender_lock(variables)
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as problem:
        return f"{path} cannot be looked at ({problem.strerror})"
    if stat.S_ISLNK(status.st_mode):
        return f"{path} is a symbolic link"
    if not stat.S_ISREG(status.st_mode):
        return f"{path} is not a plain file"
    if not files.is_ours(status):
        return f"{path} belongs to another user (uid {status.st_uid})"
    if not os.access(path, os.R_OK | os.W_OK):
        return f"{path} may not be opened by you (mode {stat.S_IMODE(status.st_mode):04o})"
    return None


def repair_lock(variables) -> list:
    """`chefwrap doctor --fix`: the lock made usable (replaced, or given back its 0600); what was wrong."""
    problem = lock_problem(variables)
    if problem is None:
        return []
    descriptor = files.open_private(paths.sender_lock(variables), os.O_RDWR)
    if descriptor is None:
        return []
    os.close(descriptor)
    return [problem]


def _start_sender(variables, lock_descriptor) -> None:
    """posix_spawn a new session with /dev/null for stdio and no descriptor of ours but the lock."""
    _close_on_exec_all_but(lock_descriptor)
    os.set_inheritable(lock_descriptor, True)
    sender_env = {name: variables[name] for name in SENDER_ENVIRONMENT if name in variables}
    python = sys.executable
    argv = isolated.command(python, "chefwrap.delivery.sender", "--lock-fd", str(lock_descriptor))
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
        setsigmask=(),  # the shim records with the tool's signals blocked; the sender must take them
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


def running_sender(variables):
    """The psutil.Process of the sender holding the lock, if the pid in the lock file is really ours."""
    import psutil

    try:
        pid = int((files.read_private(paths.sender_lock(variables), 32) or b"").split()[0])
        process = psutil.Process(pid)
        return process if "chefwrap.delivery.sender" in process.cmdline() else None
    except (OSError, ValueError, IndexError, psutil.Error):
        return None
