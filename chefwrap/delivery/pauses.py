"""Each failing destination's pause, and since when it has been failing: ~/.chef/chefwrap/backoff.

One line per failing destination: `<next attempt> <failing since> <destination>`, wall-clock seconds.
Written by the sender alone (it holds the sender lock) when it gives up on a destination, and cleared
when that destination takes an event; read by every shim before it wakes a sender, so a shim whose
destination is paused starts none, while one whose destination is fine starts one whatever the others'
state.

Nothing in it is trusted as written: the file may be damaged, or the clock set back since it was
written. A line whose next attempt is more than the longest pause ahead, whose failing-since is in the
future, or that is not three fields of the right kind is ignored, and the sender rewrites the file
without it. Used on the shim's hot path: os only.
"""

import time

from chefwrap import files, paths
from chefwrap.shim.settings import endpoint_problem

LONGEST_PAUSE = 60.0  # a destination that gave up is tried again within a minute
RETENTION_DAYS = 30  # events for a destination failing for longer than this are dropped
MAX_BYTES = 64 * 1024
MAX_DESTINATIONS = 64


class Pause:
    __slots__ = ("until", "since")

    def __init__(self, until, since):
        self.until = until  # no attempt before this
        self.since = since  # failing since this, without an event taken in between


def tuning(env, name, default) -> float:
    """A timing from CHEFWRAP_SENDER_<name> (tests shorten them), else the default."""
    try:
        value = float(env.get(f"CHEFWRAP_SENDER_{name}", default))
    except ValueError:
        return default
    return value if 0 < value < float("inf") else default


def longest_pause(env) -> float:
    return tuning(env, "LONGEST_PAUSE", LONGEST_PAUSE)


def retention(env) -> float:
    return tuning(env, "RETENTION", RETENTION_DAYS * 86400.0)


def load(env, now=None):
    """({destination: Pause} for every line that can be trusted, whether some line could not be)."""
    now = time.time() if now is None else now
    latest = now + longest_pause(env)
    data = files.read_state(paths.backoff_file(env), MAX_BYTES)
    found, damaged = {}, False
    for line in (data or b"").split(b"\n"):
        if not line:
            continue
        fields = line.split(b" ")
        try:
            until, since, destination = float(fields[0]), float(fields[1]), fields[2].decode("ascii")
        except (ValueError, IndexError, UnicodeDecodeError):
            damaged = True
            continue
        # Comparisons that NaN and infinities fail.
        if len(fields) == 3 and 0 < until <= latest and 0 < since <= now and not endpoint_problem(destination):
            found[destination] = Pause(until, since)
        else:
            damaged = True
    return found, damaged


def paused(env, destination, now=None) -> bool:
    """True while `destination` is pausing after a sender gave up on it: no sender is started for it."""
    now = time.time() if now is None else now
    pause = load(env, now)[0].get(destination)
    return pause is not None and now < pause.until


def save(env, found: dict) -> None:
    """Replace the file with these destinations' pauses (the latest MAX_DESTINATIONS); none: no file."""
    path = paths.backoff_file(env)
    files.clear_damaged(path)
    if not found:
        files.remove(path)
        return
    latest = sorted(found.items(), key=lambda item: item[1].until)[-MAX_DESTINATIONS:]
    data = "".join(f"{pause.until:.3f} {pause.since:.3f} {destination}\n" for destination, pause in latest)
    files.write_atomically(path, data.encode("ascii"), mode=0o600, durable=False)
