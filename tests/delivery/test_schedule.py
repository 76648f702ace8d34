"""When a failing destination is tried next (chefwrap.delivery.schedule), as a pure function: clocks and
jitter are passed in, so every case is exact."""

import pytest

from chefwrap.delivery import pauses, schedule
from chefwrap.delivery.schedule import DROP_ALL, GIVE_UP, RETRY, Failing, Limits, after_failure

pytestmark = pytest.mark.fast  # in-process: the fast tier (docs/development.md)


def highest(low, high):
    return high


def lowest(low, high):
    return low


ALWAYS = Limits()  # the defaults, and a sender that lives for ever


def fail(failing, now, limits=ALWAYS, jitter=highest, earlier=None, wall_now=1_000_000.0, **options):
    return after_failure(failing, earlier, pauses.UNREACHABLE, now, wall_now, limits, jitter, **options)


def test_retries_back_off_exponentially_with_jitter_then_give_up():
    failing, now, waits = Failing(), 100.0, []
    while True:
        planned = fail(failing, now)
        if planned.action != RETRY:
            break
        waits.append(planned.at - now)
        failing, now = planned.failing, planned.at
    assert waits == [1.0, 2.0, 4.0, 8.0]  # the highest jitter: the whole ceiling
    assert (planned.action, planned.failing.in_a_row) == (GIVE_UP, schedule.MAX_ATTEMPTS)
    assert planned.pause == pauses.LONGEST_PAUSE
    assert fail(Failing(), 0.0, jitter=lowest).at == 0.5  # the lowest: half of it


def test_the_delay_is_capped_and_the_pause_never_passes_the_longest():
    assert schedule.backoff_delay(20, 1.0, highest) == schedule.LONGEST_DELAY
    assert schedule.pause_after(500.0, False, 60.0, highest) == 60.0
    assert schedule.pause_after(0.0, False, 60.0, lowest) == 30.0


def test_retry_after_is_honoured_up_to_a_day():
    life = Limits(deadline=300.0)
    planned = fail(Failing(), 0.0, limits=life, retry_after=3600.0)
    assert (planned.action, planned.pause) == (GIVE_UP, 3600.0)  # past the sender's life: the next one waits an hour
    assert fail(Failing(), 0.0, limits=life, retry_after=10 * 86400.0).pause == pauses.LONGEST_ASKED_PAUSE
    assert fail(Failing(), 0.0, limits=Limits(deadline=100.0), retry_after=20.0).at == 20.0  # within its life: waited for here


def test_an_attempt_past_the_senders_deadline_gives_up_instead():
    assert fail(Failing(), 99.5, limits=Limits(deadline=100.0)).action == GIVE_UP


def test_an_answer_no_retry_would_change_gives_up_at_once():
    planned = fail(Failing(), 0.0, retryable=False, jitter=lowest)
    assert (planned.action, planned.pause) == (GIVE_UP, pauses.LONGEST_PAUSE / 2)


def test_failing_time_is_counted_on_the_monotonic_clock_within_a_sender():
    first = fail(Failing(), 10.0).failing
    assert (first.failed_for, first.last) == (0.0, 10.0)
    assert fail(first, 25.0).failing.failed_for == 15.0  # whatever the wall clock did meanwhile


@pytest.mark.parametrize("gap, counted", [(-40 * 86400.0, 0.0), (40 * 86400.0, 86400.0), (3600.0, 3600.0)])
def test_the_wall_clocks_gap_since_an_earlier_sender_counts_a_day_at_most_and_never_backwards(gap, counted):
    earlier = pauses.Pause(until=0.0, last=1_000_000.0, failed_for=100.0)
    planned = fail(Failing(), 0.0, earlier=earlier, wall_now=1_000_000.0 + gap)
    assert planned.failing.failed_for == 100.0 + counted
    assert planned.action == RETRY


def test_failing_for_longer_than_the_retention_drops_everything():
    earlier = pauses.Pause(until=0.0, last=1_000_000.0, failed_for=30 * 86400.0)
    assert fail(Failing(), 0.0, earlier=earlier, wall_now=1_000_001.0).action == DROP_ALL
    assert fail(Failing(), 0.0, earlier=earlier, wall_now=1_000_000.0).action == RETRY  # not past it
