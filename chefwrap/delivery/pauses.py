"""Each failing destination's state: when it may be tried next, how long it has really been failing, and
why: ~/.chef/chefwrap/backoff.

One line per failing destination: `<next attempt> <last failure> <failed for> <reason> <destination>`,
the first two wall-clock seconds, the third a duration in seconds. Written by the sender alone (it holds
the sender lock) when it gives up on a destination, and cleared when that destination takes an event;
read by every shim before it wakes a sender, so a shim whose destination is paused starts none, while
one whose destination is fine starts one whatever the others' state; read by `chefwrap telemetry status`
to say why events wait.

How long a destination has been failing is counted, never read off the wall clock: within a sender, by
the monotonic clock between its failed attempts; from one sender to the next, by the wall clock's gap
since the last failure, counted as nothing when the clock went back and as a day at most (the gap may
be a clock set forward, or a machine asleep, when nothing was tried). So a clock moved either way adds
a day at most: events are dropped only after 30 days of failing attempts by that count (RETENTION_DAYS).

Nothing in it is trusted as written: the file may be damaged, or the clock set back since it was
written. A next attempt further ahead than the longest pause (a minute), or than a day when the
endpoint itself asked to wait that long (Retry-After), is ignored; a last failure in the future is taken
as now; a line that is not of the right kind is ignored, and the sender rewrites the file without it.
Lines of an earlier chefwrap (`<next attempt> <failing since> <destination>`) are read as failing now.
Used on the shim's hot path: os only.
"""

import time

from chefwrap import files, paths
from chefwrap.state.settings import endpoint_problem

LONGEST_PAUSE = 60.0  # a destination that gave up is tried again within a minute...
LONGEST_ASKED_PAUSE = 86400.0  # ...unless it asked to wait longer (Retry-After), up to a day
RETENTION_DAYS = 30  # events for a destination failing for longer than this are dropped
LONGEST_GAP = 86400.0  # the most one gap between two failures counts for, whatever the wall clock says
MAX_BYTES = 64 * 1024
MAX_DESTINATIONS = 64
REASON_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._:[]")

# Reasons: why the destination's events wait.
UNREACHABLE = "unreachable"  # no connection, a time-out, an answer that is not HTTP
FAILING = "failing"  # an earlier chefwrap's line: no reason was kept


def status_reason(status: int) -> str:
    """5xx, 408, 429: the endpoint cannot take it now."""
    return f"status:{status}"


def asked_reason(status: int) -> str:
    """The endpoint asked to wait (Retry-After), and is trusted to up to a day."""
    return f"asked:{status}"


def token_reason(status: int) -> str:
    """401 or 403: the endpoint refused the token (or asked for one)."""
    return f"token:{status}"


def redirect_reason(status: int, host: str) -> str:
    """A redirect events do not follow: a temporary one, or one to another host or to plain http."""
    return f"redirect:{status}:{host}"


class Pause:
    __slots__ = ("until", "last", "failed_for", "reason")

    def __init__(self, until, last, failed_for=0.0, reason=UNREACHABLE):
        self.until = until  # no attempt before this (wall clock)
        self.last = last  # the last failure (wall clock)
        self.failed_for = failed_for  # how long it has been failing, counted as above
        self.reason = reason

    @property
    def asked(self) -> bool:
        return self.reason.startswith("asked:")


def tuning(variables, name, default) -> float:
    """A timing from CHEFWRAP_SENDER_<name> (tests shorten them), else the default."""
    try:
        value = float(variables.get(f"CHEFWRAP_SENDER_{name}", default))
    except ValueError:
        return default
    return value if 0 < value < float("inf") else default


def longest_pause(variables) -> float:
    return tuning(variables, "LONGEST_PAUSE", LONGEST_PAUSE)


def retention(variables) -> float:
    return tuning(variables, "RETENTION", RETENTION_DAYS * 86400.0)


def failed_for_after(pause, now) -> float:
    """How long a destination has been failing once it fails again now, in a sender that has not seen it
    fail yet: what the line says plus the wall clock's gap since, bounded (see above)."""
    if pause is None:
        return 0.0
    return pause.failed_for + min(max(now - pause.last, 0.0), LONGEST_GAP)


def load(variables, now=None):
    """({destination: Pause} for every line that can be trusted, whether some line could not be)."""
    now = time.time() if now is None else now
    data = files.read_private(paths.backoff_file(variables), MAX_BYTES)
    found, damaged = {}, False
    for line in (data or b"").split(b"\n"):
        if not line:
            continue
        pause, destination, trusted = _parse(line, now, longest_pause(variables))
        if pause is None:
            damaged = True
            continue
        damaged = damaged or not trusted
        found[destination] = pause
    return found, damaged


def _parse(line, now, longest):
    """(Pause, destination, every field trusted as written); (None, None, False) for a damaged line."""
    fields = line.split(b" ")
    try:
        if len(fields) == 3:  # an earlier chefwrap's: `<next attempt> <failing since> <destination>`
            until, last, failed_for, reason = float(fields[0]), float(fields[1]), 0.0, FAILING
        elif len(fields) == 5:
            until, last, failed_for = float(fields[0]), float(fields[1]), float(fields[2])
            reason = fields[3].decode("ascii")
        else:
            return None, None, False
        destination = fields[-1].decode("ascii")
    except (ValueError, UnicodeDecodeError):
        return None, None, False
    # Comparisons that NaN fails; infinities fail the bounds below.
    if not (0 < until < float("inf") and 0 < last < float("inf") and 0 <= failed_for < float("inf")):
        return None, None, False
    if not reason or not set(reason) <= REASON_CHARACTERS or endpoint_problem(destination):
        return None, None, False
    pause = Pause(until, last, failed_for, reason)
    trusted = True
    if last > now:  # the clock went back since: the failure happened "now" at the latest
        pause.last, trusted = now, False
    if until > now + (max(longest, LONGEST_ASKED_PAUSE) if pause.asked else longest):
        pause.until, trusted = now, False  # more than it may be: no pause
    return pause, destination, trusted


def paused(variables, destination, now=None) -> bool:
    """True while `destination` is pausing after a sender gave up on it: no sender is started for it."""
    now = time.time() if now is None else now
    pause = load(variables, now)[0].get(destination)
    return pause is not None and now < pause.until


def save(variables, found: dict) -> None:
    """Replace the file with these destinations' pauses (the latest MAX_DESTINATIONS); none: no file."""
    path = paths.backoff_file(variables)
    files.clear_damaged(path)
    if not found:
        files.remove(path)
        return
    latest = sorted(found.items(), key=lambda item: item[1].until)[-MAX_DESTINATIONS:]
    data = "".join(
        f"{pause.until:.3f} {pause.last:.3f} {pause.failed_for:.3f} {pause.reason} {destination}\n" for destination, pause in latest
    )
    files.write_private(path, data.encode("ascii"))
