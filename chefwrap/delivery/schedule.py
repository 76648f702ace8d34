"""When a failing destination is tried next: a pure function of the clock and of what the destination has
done, apart from the sender's I/O (chefwrap.delivery.sender applies it; chefwrap.delivery.pauses keeps
what outlives a sender).

After a failure the sender retries with exponential back-off and jitter (between half and all of 1, 2,
4 ... seconds, at most LONGEST_DELAY), or later when the endpoint asked to wait (Retry-After, trusted up
to a day); after MAX_ATTEMPTS failures in a row, or when the next attempt would come after the sender's
own deadline, it gives up on the destination and leaves a pause of half to all of the longest pause (a
minute), or as long as the endpoint asked. A destination failing for longer than the retention (counted
as chefwrap.delivery.pauses counts it, so that no clock change moves it by more than a day) has its
events dropped. An answer no retry would change (a refused token, a redirect events do not follow) gives
up at once. Nothing here reads a clock or draws a random number: both are passed in.
"""

from dataclasses import dataclass, replace

from chefwrap.delivery import pauses

FIRST_DELAY = 1.0
LONGEST_DELAY = 30.0
MAX_ATTEMPTS = 5

RETRY = "retry"  # try again in this sender's life, at Next.at
GIVE_UP = "give up"  # no more in this sender's life; the next sender may try after Next.pause seconds
DROP_ALL = "drop all"  # failing for longer than the retention: its events go


@dataclass(frozen=True)
class Limits:
    first_delay: float = FIRST_DELAY
    longest_pause: float = pauses.LONGEST_PAUSE
    retention: float = pauses.RETENTION_DAYS * 86400.0
    deadline: float = float("inf")  # the sender's own end, on the monotonic clock


@dataclass(frozen=True)
class Failing:
    """A destination's failures in this sender's life."""

    in_a_row: int = 0
    failed_for: float = 0.0  # seconds it has been failing, counted, by the last failure
    last: float = None  # the monotonic time of that failure; None: none yet in this sender


@dataclass(frozen=True)
class Next:
    action: str  # RETRY, GIVE_UP or DROP_ALL
    failing: Failing
    reason: str  # why its events wait (chefwrap.delivery.pauses's reasons)
    at: float = 0.0  # RETRY: when, on the monotonic clock
    pause: float = 0.0  # GIVE_UP: seconds before the next sender may try


def after_failure(failing, earlier, reason, now, wall_now, limits, jitter, retry_after=None, retryable=True) -> Next:
    """What follows a failure at `now` (monotonic) and `wall_now` (wall clock).

    `earlier`: the pause an earlier sender left for the destination (pauses.Pause), or None; `reason`: why
    it failed; `jitter(low, high)`: a number between the two (random.uniform in the sender); `retry_after`:
    seconds the endpoint asked to wait; `retryable=False`: an answer no retry would change.
    """
    if failing.last is None:
        failed_for = pauses.failed_for_after(earlier, wall_now)
    else:
        failed_for = failing.failed_for + (now - failing.last)
    failing = replace(failing, in_a_row=failing.in_a_row + 1, failed_for=failed_for, last=now)
    if failed_for > limits.retention:
        return Next(DROP_ALL, failing, reason)
    if not retryable:
        return Next(GIVE_UP, failing, reason, pause=pause_after(0.0, False, limits.longest_pause, jitter))
    delay = backoff_delay(failing.in_a_row, limits.first_delay, jitter)
    asked = retry_after is not None
    if asked:
        delay = max(delay, min(retry_after, pauses.LONGEST_ASKED_PAUSE))
    if failing.in_a_row >= MAX_ATTEMPTS or now + delay > limits.deadline:
        return Next(GIVE_UP, failing, reason, pause=pause_after(delay, asked, limits.longest_pause, jitter))
    return Next(RETRY, failing, reason, at=now + delay)


def backoff_delay(failures: int, first_delay: float, jitter) -> float:
    """Between half and all of first_delay, twice that, four times ... at most LONGEST_DELAY."""
    ceiling = min(LONGEST_DELAY, first_delay * 2 ** (failures - 1))
    return jitter(ceiling / 2, ceiling)


def pause_after(delay: float, asked: bool, longest_pause: float, jitter) -> float:
    """The pause a sender leaves when it gives up: half to all of the longest pause, or the delay the
    endpoint asked for when that is longer (a day at most); otherwise never past the longest pause."""
    pause = max(delay, jitter(longest_pause / 2, longest_pause))
    return pause if asked else min(longest_pause, pause)
