"""Delivery under faults: no destination holds up another, no damaged file stops delivery, no run poisons a home.

Each fault is a scenario: a function of a World (installed, opted in, its endpoint answering) that sets
the fault up, runs commands through the shims and returns what must arrive. The tests check each one;
benchmarks/faults.py runs the same scenarios and counts what arrived.
"""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from chefwrap import paths
from chefwrap.delivery import ledger, pauses, spool
from chefwrap.shim import event, sanitizer
from chefwrap.state import settings

from support.endpoint import DEAD_KINDS, Behaviour, Endpoint, closed_port_url, dead_destination, revived
from support.world import NOBODY, as_user, spool_events, stop_senders, wait_for

# The shim's hot path, as on Linux and as on macOS (conftest.PLATFORMS).
pytestmark = pytest.mark.both_platforms

DAY = 86400
class Outcome:
    """What a scenario expects to arrive: `made` distinct events, resent at most once per interrupted post."""

    def __init__(self, made, interrupted=0):
        self.made = made
        self.interrupted = interrupted


def knife(world, *args, env=None, cwd=None, user=None):
    """A shimmed knife that must behave exactly as the real one (the fake echoes, exits 0, says nothing)."""
    argv = [str(world.shims / "knife"), "echo", *args]
    if user is not None:
        argv = [*as_user(user), *argv]
    result = world.run(argv, env=env, cwd=cwd)
    assert (result.returncode, result.stdout, result.stderr) == (0, (" ".join(args) + "\n").encode(), b""), result
    return result


def write_pauses(world, text):
    path = world.chef / "chefwrap" / "backoff"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def received(world) -> list:
    return [each["event_id"] for each in world.endpoint.events()]


def check_delivered(world, outcome, timeout=30.0):
    """Every event made arrived; none twice beyond one per interrupted post; nothing left to send."""
    world.endpoint.wait_for(outcome.made, timeout=timeout)
    world.wait_for_senders_to_finish(timeout=timeout)
    event_ids = received(world)
    assert len(set(event_ids)) == outcome.made, event_ids
    assert len(event_ids) - len(set(event_ids)) <= outcome.interrupted, event_ids


# 1. One dead destination must not hold up another.

def dead_destination_scenario(kind):
    def scenario(world):
        with dead_destination(kind) as (url, server):
            if kind != "no-scheme":  # a yes is for an http(s) URL only
                world.opt_in(url)
            spool_events(world, url, 3)
            # Slow retries and a long read time-out: a sender that serves one destination at a time is stuck
            # on the dead one for more than half a minute.
            env = world.env(CHEFWRAP_SENDER_FIRST_DELAY="5", CHEFWRAP_SENDER_TIMEOUT="30")
            knife(world, "node", "list", env=env)
            world.endpoint.wait_for(1)
            if server is not None:
                server.wait_for(1)  # the dead destination has the sender's attention now
            knife(world, "role", "list", env=env)
            world.endpoint.wait_for(2, timeout=20)  # one look at the spool later, not after the dead one's retries
            stop_senders(world)  # it would go on retrying the dead destination for a while
        return Outcome(made=2)

    return scenario


@pytest.mark.parametrize("kind", DEAD_KINDS)
def test_a_dead_destination_never_holds_up_another(installed, kind):
    check_delivered(installed, dead_destination_scenario(kind)(installed))
    dead_left = [name for name in installed.spooled() if spool.read(installed.env(), name)[0] != installed.endpoint.url]
    if kind == "no-scheme":  # never retryable: dropped, and said so
        assert dead_left == []
        assert sum("not a valid http(s) URL" in line for line in ledger.notes(installed.env())) == 3
    else:
        assert len(dead_left) == 3  # kept for when it comes back


def paused_destination_scenario(world):
    """Another destination gave up a moment ago (its pause is on disk): this one's events go at once."""
    with dead_destination("hang") as (url, server):
        world.opt_in(url)
        spool_events(world, url, 2)
        write_pauses(world, f"{time.time() + 30:.3f} {time.time():.3f} {url}\n")
        knife(world, "node", "list")
        world.endpoint.wait_for(1)
        world.wait_for_senders_to_finish()
        assert server.requests == []  # still paused: not tried
    return Outcome(made=1)


def test_a_pause_belongs_to_its_destination(installed):
    check_delivered(installed, paused_destination_scenario(installed))
    assert len(installed.spooled()) == 2


def test_a_destination_failing_for_longer_than_the_retention_is_dropped_with_a_note(installed):
    url = closed_port_url()
    installed.opt_in(url)
    spool_events(installed, url, 3)
    now = time.time()
    write_pauses(installed, f"{now - 1:.3f} {now - 60:.3f} {31 * DAY:.3f} unreachable {url}\n")  # failing for 31 days
    knife(installed, "node", "list")
    check_delivered(installed, Outcome(made=1))
    wait_for(lambda: installed.spooled() == [], timeout=20, what="the dead destination's events to be dropped")
    assert any("failed for more than 30 days" in line for line in ledger.notes(installed.env()))


def test_a_destination_that_gave_up_is_paused_and_the_pause_ends(installed):
    url = closed_port_url()
    installed.opt_in(url)
    env = installed.env(CHEF_TELEMETRY_ENDPOINT=url, CHEFWRAP_SENDER_FIRST_DELAY="0.05", CHEFWRAP_SENDER_LONGEST_PAUSE="10")
    knife(installed, "node", "list", env=env)
    installed.wait_for_senders_to_finish()
    assert pauses.paused(env, url)  # for 5 to 10 s
    knife(installed, "role", "list", env=env)
    assert not installed.senders()  # paused: no sender started
    wait_for(lambda: not pauses.paused(env, url), timeout=15, what="the pause to end")
    back = revived(url)
    try:
        knife(installed, "client", "list", env=env)
        back.wait_for(3)
        installed.wait_for_senders_to_finish()
    finally:
        back.close()
    assert installed.spooled() == []
    assert not os.path.exists(paths.backoff_file(env))  # nothing failing: no pause left behind


def test_a_temporary_file_dated_in_the_future_is_still_cleared(installed):
    installed.spool.mkdir(parents=True)
    left = installed.spool / ".00000000000000000001-x.json.123.abcd.chefwrap"
    left.write_bytes(b"half")
    ahead = time.time() + DAY
    os.utime(left, (ahead, ahead))
    knife(installed, "node", "list")
    check_delivered(installed, Outcome(made=1))
    assert not left.exists()


# 2. A run as root in a user's home (sudo -E) leaves nothing of root's behind, and the user's next run records.

def sudo_scenario(world):
    """`world` must live where an unprivileged user can reach it (see home_of_nobody)."""
    subprocess.run(["chown", "-R", f"{NOBODY}:{NOBODY}", str(world.root)], check=True)
    knife(world, "node", "list")  # as root, with the user's HOME
    owned_by_root = [str(path) for path in world.home.rglob("*") if path.lstat().st_uid != NOBODY]
    assert owned_by_root == []
    assert world.endpoint.requests == []  # recorded nothing
    knife(world, "node", "list", user=NOBODY)
    world.endpoint.wait_for(1)
    return Outcome(made=1)


def test_a_run_as_root_in_a_users_home_records_nothing_and_leaves_nothing_of_roots(home_of_nobody):
    check_delivered(home_of_nobody, sudo_scenario(home_of_nobody))


@pytest.mark.parametrize("value", ["1", "on", "yes please"])
def test_in_a_home_not_ours_the_tool_is_still_told_not_to_track(home_of_nobody, value):
    """Whoever owns the home, DO_NOT_TRACK reaches gem-based tools as CHEF_TELEMETRY_OPT_OUT=1, whether
    the sh front end or Python decided it."""
    world = home_of_nobody
    subprocess.run(["chown", "-R", f"{NOBODY}:{NOBODY}", str(world.root)], check=True)
    knife(world, "node", "list", env=world.env(DO_NOT_TRACK=value))  # as root, with the user's HOME
    environment = [bytes.fromhex(entry) for entry in world.take_report()["environment"]]
    assert b"CHEF_TELEMETRY_OPT_OUT=1" in environment
    assert world.endpoint.requests == []


# 3. A deadline read back from disk is never trusted beyond the longest pause.

def deadline_scenario(value):
    def scenario(world):
        deadline = {"a-day-ahead": f"{time.time() + DAY:.3f}"}.get(value, value)
        write_pauses(world, f"{deadline} {time.time():.3f} {world.endpoint.url}\n")
        knife(world, "node", "list")
        return Outcome(made=1)

    return scenario


@pytest.mark.parametrize("value", ["a-day-ahead", "9e99", "inf", "nan"])
def test_a_deadline_out_of_range_is_ignored_and_replaced(installed, value):
    check_delivered(installed, deadline_scenario(value)(installed))
    backoff = installed.chef / "chefwrap" / "backoff"
    assert not backoff.exists() or installed.endpoint.url not in backoff.read_text()


# 4. No damaged state file stops delivery or makes an event be sent twice.

STATE_FILES = {
    "sender-lock": "chefwrap/sender.lock",
    "backoff": "chefwrap/backoff",
    "session-lock": "chefwrap/session.lock",
    "session": "TELEMETRY_SESSION_ID",
    "ledger": "chefwrap/ledger.jsonl",
    "sender-log": "chefwrap/sender.log",
    "settings": "chefwrap/config.toml",
    "context-cache": "chefwrap/context-cache",
    "spool-record": "chefwrap/spool/00000000000000000001-00000000-0000-4000-8000-000000000000.json",
}
DAMAGES = {"directory": "a directory (not empty)", "fifo": "a FIFO", "huge": "a 12 MiB binary file"}


def damage(path, kind):
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_file():  # the settings file `opt_in` wrote
        path.unlink()
    if kind == "directory":
        path.mkdir()
        (path / "inside").write_bytes(b"x")
    elif kind == "fifo":
        os.mkfifo(path)
    else:
        path.write_bytes(os.urandom(12 * 1024 * 1024))


def damaged_state_scenario(state_file, kind):
    def scenario(world):
        damage(world.chef / STATE_FILES[state_file], kind)
        knife(world, "node", "list")
        world.endpoint.wait_for(1)
        world.wait_for_senders_to_finish()
        knife(world, "role", "list")  # a second sender, after the first one touched the damaged file
        return Outcome(made=2)

    return scenario


@pytest.mark.linux_only  # files and clocks, the same on every platform
@pytest.mark.parametrize("kind", DAMAGES)
@pytest.mark.parametrize("state_file", STATE_FILES)
def test_a_damaged_state_file_never_stops_delivery_nor_duplicates(installed, state_file, kind):
    check_delivered(installed, damaged_state_scenario(state_file, kind)(installed))
    assert installed.spooled() == []


# 5. A damaged record too large for the spool is skipped on its own, with a note.

def oversized_record_scenario(world):
    spool_events(world, world.endpoint.url, 5)
    (world.spool / f"{time.time_ns():020d}-00000000-0000-4000-8000-00000000000d.json").write_bytes(os.urandom(3 * 1024 * 1024))
    knife(world, "node", "list")
    return Outcome(made=6)


def test_an_oversized_damaged_record_is_skipped_alone_with_a_note(installed):
    check_delivered(installed, oversized_record_scenario(installed))
    assert sum("too large" in line for line in ledger.notes(installed.env())) == 1
    assert installed.spooled() == []


# 6. A relative HOME is made absolute once, in the shim.

def relative_home_scenario(world):
    knife(world, "node", "list", env=world.env(HOME=world.home.name), cwd=world.root)
    return Outcome(made=1)


def test_a_relative_home_is_resolved_once_in_the_shim(installed):
    check_delivered(installed, relative_home_scenario(installed))
    assert installed.spooled() == []
    (report,) = installed.take_reports()
    assert b"HOME=home" in [bytes.fromhex(entry) for entry in report["environment"]]  # the tool sees it as given


# 8. After the clock is set back, new events still sort as the freshest.

def clock_set_back_scenario(world):
    """A full spool written before the clock went back a day; then a command."""
    world.spool.mkdir(parents=True)
    sanitized = sanitizer.sanitize("knife", ["node", "list"])
    ahead = time.time_ns() + DAY * 10**9
    for number in range(spool.MAX_EVENTS):
        built = event.build(sanitized, 0, 1.0, event.new_uuid(), {})
        record = f"{world.endpoint.url}\n{event.to_json(built)}".encode()
        (world.spool / f"{ahead + number:020d}-{built['event_id']}.json").write_bytes(record)
    knife(world, "role", "list")
    return Outcome(made=spool.MAX_EVENTS)  # the oldest record made room for the new event


def test_after_the_clock_is_set_back_new_events_are_still_the_freshest(installed):
    check_delivered(installed, clock_set_back_scenario(installed), timeout=60)
    commands = [each["payload"]["properties"]["command"] for each in installed.endpoint.events()]
    assert commands[0] == "knife"  # the new event (`knife echo ...`) went first and was not the one dropped
    assert commands.count("knife") == 1


def test_the_spool_order_is_a_sequence_not_the_clock(world):
    env = world.env()
    world.spool.mkdir(parents=True)
    ahead = time.time_ns() + DAY * 10**9
    for number in range(spool.MAX_EVENTS - 1):
        (world.spool / f"{ahead + number:020d}-{number:08d}-0000-4000-8000-000000000000.json").write_bytes(b"x\n{}")
    (world.spool / "99999999999999999999-damaged.json").write_bytes(b"x\n{}")  # a damaged name: not trusted
    spool.append(env, "aaaaaaaa-0000-4000-8000-000000000000", world.endpoint.url, "{}")
    spool.append(env, "bbbbbbbb-0000-4000-8000-000000000000", world.endpoint.url, "{}")
    names = spool.names(env)
    assert len(names) == spool.MAX_EVENTS
    assert [name[21:29] for name in names[1:3]] == ["bbbbbbbb", "aaaaaaaa"]  # after every trusted record
    assert not any(name.startswith(f"{ahead:020d}-") for name in names)  # the oldest made room


# At-least-once: a sender killed mid-post resends that event, with the same event_id, once.

def killed_mid_post_scenario(world):
    world.endpoint.then(Behaviour(kind="hang"))
    knife(world, "node", "list")
    world.endpoint.wait_for(1)
    stop_senders(world)
    knife(world, "role", "list")
    world.endpoint.wait_for(3)
    world.wait_for_senders_to_finish()
    knife(world, "client", "list")
    return Outcome(made=3, interrupted=1)


def test_a_sender_killed_mid_post_resends_that_event_once(installed):
    check_delivered(installed, killed_mid_post_scenario(installed))
    first = installed.endpoint.requests[0].event["event_id"]
    assert received(installed).count(first) == 2
    assert installed.spooled() == []


# Destinations that are not http(s) URLs are refused where they are configured.

@pytest.mark.parametrize(
    "url",
    ["https://telemetry.chef.io", "http://127.0.0.1:8080", "HTTPS://Example.COM/base/path", "http://[::1]:9000/", "http://collector_1.internal"],
)
@pytest.mark.fast
def test_an_http_url_is_a_valid_destination(url):
    assert settings.endpoint_problem(url) is None


@pytest.mark.parametrize(
    "url",
    [
        "", "127.0.0.1:8080", "telemetry.chef.io", "ftp://example.com", "http://", "http:///events", "https://a b.example",
        "https://example.com/?x=1", "https://example.com/#top", "https://user:secret@example.com", "https://example.com:99999",
        "https://example.com:port", "http://exa\nmple.com", "https://ex\u00e4mple.com", "http://[::1", "javascript:alert(1)",
    ],
)
@pytest.mark.fast
def test_anything_else_is_refused_with_a_reason(url):
    assert settings.endpoint_problem(url)


def test_a_shim_records_nothing_for_a_destination_that_is_not_a_url(installed):
    knife(installed, "node", "list", env=installed.env(CHEF_TELEMETRY_ENDPOINT="127.0.0.1:8080"))
    assert installed.spooled() == [] and not installed.senders()


def test_a_settings_file_naming_no_url_records_nothing(installed):
    settings.write(installed.env(), endpoint="telemetry.example.com")
    env = installed.env()
    del env["CHEF_TELEMETRY_ENDPOINT"]
    knife(installed, "node", "list", env=env)
    assert installed.spooled() == [] and not installed.senders()
    code, out, _ = installed.chefwrap("telemetry", "status", env=env)
    assert code == 0
    assert "is not a valid http(s) URL" in out and "config.toml" in out


def test_status_and_enable_say_the_destination_is_refused(installed):
    env = installed.env(CHEF_TELEMETRY_ENDPOINT="127.0.0.1:8080")
    code, out, _ = installed.chefwrap("telemetry", "status", env=env)
    assert code == 0
    assert "127.0.0.1:8080 (from CHEF_TELEMETRY_ENDPOINT) is not a valid http(s) URL" in out
    code, out, _ = installed.chefwrap("telemetry", "status", "--json", env=env)
    assert "http://" in json.loads(out)["endpoint_problem"]

    installed.chefwrap("telemetry", "disable")
    code, out, err = installed.chefwrap("telemetry", "enable", env=env)
    assert code == 2
    assert "not a valid http(s) URL" in err and "CHEF_TELEMETRY_ENDPOINT" in err
    assert (installed.chef / "telemetry_opt_out").exists()  # refused: nothing changed
    assert not (installed.chef / "chefwrap" / "shared-with").exists()


# Issue 20: delivery that survives clocks, redirects, refusals and long command lines.

FAST = {"CHEFWRAP_SENDER_FIRST_DELAY": "0.05", "CHEFWRAP_SENDER_LONGEST_PAUSE": "1"}
ISOLATED = str(Path(paths.__file__).resolve().parent / "isolated.py")


@pytest.mark.linux_only  # files and clocks, the same on every platform
@pytest.mark.parametrize("offset", ["-40d", "+40d"])
def test_a_clock_moved_40_days_never_drops_events_that_were_not_undeliverable_for_30_days(installed, offset):
    """The endpoint is down for a few seconds; meanwhile one sender runs on a clock moved 40 days (Debian's
    faketime: the shims start their senders on the real clock, so this one is started by hand)."""
    url = closed_port_url()
    installed.opt_in(url)
    env = installed.env(CHEF_TELEMETRY_ENDPOINT=url, **FAST)
    knife(installed, "node", "list", env=env)
    installed.wait_for_senders_to_finish()
    # The wall clock moves; the monotonic clock (and the timed waits on it) never does.
    faked = dict(env, DONT_FAKE_MONOTONIC="1")
    moved = subprocess.run(["faketime", "-f", offset, sys.executable, "-I", ISOLATED, "chefwrap.delivery.sender"], env=faked, capture_output=True, timeout=60)
    assert moved.returncode == 0, moved.stderr
    time.sleep(1.1)  # past any pause on the real clock
    knife(installed, "role", "list", env=env)
    installed.wait_for_senders_to_finish()
    assert len(installed.spooled()) == 2
    assert not any("failed for more than" in line for line in ledger.notes(env))

    back = revived(url)
    try:
        time.sleep(1.1)
        knife(installed, "client", "list", env=env)
        back.wait_for(3)
        installed.wait_for_senders_to_finish()
    finally:
        back.close()
    assert installed.spooled() == []


@pytest.mark.fast
def test_failing_time_counts_a_wall_clock_gap_for_a_day_at_most():
    pause = pauses.Pause(until=0.0 + 1, last=1000.0, failed_for=60.0)
    assert pauses.failed_for_after(pause, 1000.0 - 40 * DAY) == 60.0  # the clock went back: nothing
    assert pauses.failed_for_after(pause, 1000.0 + 40 * DAY) == 60.0 + DAY  # forward, or asleep: a day
    assert pauses.failed_for_after(pause, 1030.0) == 90.0
    assert pauses.failed_for_after(None, 1000.0) == 0.0


@pytest.mark.parametrize("status", [301, 308])
def test_a_permanent_redirect_to_the_same_host_is_followed_and_remembered(installed, status):
    new = Endpoint()  # the same host, another port: where the endpoint moved
    try:
        installed.endpoint.default = Behaviour(status=status, headers={"Location": new.url + "/events"})
        env = installed.env(CHEF_TELEMETRY_TOKEN="team-token")
        knife(installed, "node", "list", env=env)
        new.wait_for(1)
        installed.wait_for_senders_to_finish()
        knife(installed, "role", "list", env=env)
        new.wait_for(2)
        installed.wait_for_senders_to_finish()
        assert len(installed.endpoint.requests) == 1  # asked once; remembered since
        assert [request.headers.get("Authorization") for request in new.requests] == ["Bearer team-token"] * 2  # the same host
        _, out, _ = installed.chefwrap("telemetry", "status", env=env)
        assert f"Moved:        it moved for good to {new.url} (a permanent redirect on the same host)" in out
        assert {entry["endpoint"] for entry in ledger.entries(env)} == {new.url + "/events"}
        code, out, _ = installed.chefwrap("telemetry", "forget", env=env)
        assert code == 0 and f"Erased 1 session(s) at {new.url}" in out
        assert [request.method for request in new.requests] == ["POST", "POST", "DELETE"]
    finally:
        new.close()


@pytest.mark.parametrize(
    "status, where", [(307, "the same host"), (302, "the same host"), (301, "another host"), (308, "another host"), (308, "not /events")]
)
def test_any_other_redirect_keeps_the_events_and_status_says_why(installed, status, where):
    target = Endpoint()
    try:
        url = target.url.replace("127.0.0.1", "localhost") if where == "another host" else target.url
        location = url + ("/elsewhere" if where == "not /events" else "/events")
        installed.endpoint.default = Behaviour(status=status, headers={"Location": location})
        env = installed.env(CHEF_TELEMETRY_TOKEN="team-token")
        knife(installed, "node", "list", env=env)
        installed.endpoint.wait_for(1)
        installed.wait_for_senders_to_finish()
        assert target.requests == []  # never followed: neither the event nor the token went there
        assert len(installed.spooled()) == 1
        _, out, _ = installed.chefwrap("telemetry", "status", env=env)
        host = "localhost" if where == "another host" else "127.0.0.1"
        assert f"Waiting:      1 event(s) for {installed.endpoint.url}: the endpoint answered HTTP {status}, a redirect to {host}, which events do not follow" in out
    finally:
        target.close()


@pytest.mark.parametrize(
    "base, location, moved",
    [
        ("http://collector.example.com:8080", "https://collector.example.com/events", "https://collector.example.com"),
        ("https://collector.example.com", "https://collector.example.com/v2/events", "https://collector.example.com/v2"),
        ("https://collector.example.com", "http://collector.example.com/events", None),  # never down to plain http
        ("http://collector.example.com", "https://evil.example.com/events", None),
        ("http://collector.example.com", "https://collector.example.com/events?x=1", None),
    ],
)
@pytest.mark.fast
def test_which_permanent_redirects_events_follow(base, location, moved):
    from chefwrap.delivery import redirects

    assert redirects.moved_to(base + "/events", 301, location) == moved
    assert redirects.moved_to(base + "/events", 307, location) is None


def test_retry_after_is_honoured_up_to_a_day(installed):
    env = installed.env(**FAST)  # a pause of a second at most, but for what the endpoint asks
    installed.endpoint.then(Behaviour(status=429, headers={"Retry-After": "3600"}))
    knife(installed, "node", "list", env=env)
    installed.endpoint.wait_for(1)
    installed.wait_for_senders_to_finish()
    pause = pauses.load(env)[0][installed.endpoint.url]
    assert 3500 < pause.until - time.time() <= 3600
    time.sleep(1.5)
    for command in ("role", "client"):
        knife(installed, command, "list", env=env)
    time.sleep(1)
    installed.wait_for_senders_to_finish()
    assert len(installed.endpoint.requests) == 1 and len(installed.spooled()) == 3
    _, out, _ = installed.chefwrap("telemetry", "status", env=env)
    assert f"Waiting:      3 event(s) for {installed.endpoint.url}: the endpoint asked to wait (HTTP 429, Retry-After): next try after" in out


def test_a_retry_after_past_a_day_waits_a_day(installed):
    env = installed.env(**FAST)
    installed.endpoint.then(Behaviour(status=503, headers={"Retry-After": str(10 * DAY)}))
    knife(installed, "node", "list", env=env)
    installed.endpoint.wait_for(1)
    installed.wait_for_senders_to_finish()
    assert DAY - 100 < pauses.load(env)[0][installed.endpoint.url].until - time.time() <= DAY


def files_holding(folder, secret: bytes) -> list:
    found = []
    for path in Path(folder).rglob("*"):
        if path.is_file() and not path.is_symlink() and secret in path.read_bytes():
            found.append(str(path))
    return found


def test_the_token_goes_to_its_endpoint_only_and_is_never_written_anywhere(installed):
    token = "team-token-" + os.urandom(8).hex()
    other = Endpoint()
    try:
        installed.opt_in(other.url)
        spool_events(installed, other.url, 1)  # waiting for another endpoint, which the token is not for
        installed.endpoint.then(Behaviour(kind="hang"))
        knife(installed, "node", "list", env=installed.env(CHEF_TELEMETRY_TOKEN=token))
        (request,) = installed.endpoint.wait_for(1)
        assert request.headers["Authorization"] == f"Bearer {token}"
        (sender,) = installed.senders()
        assert token not in " ".join(sender.cmdline())
        other.wait_for(1)
        assert "Authorization" not in other.requests[0].headers
        stop_senders(installed)
        knife(installed, "role", "list", env=installed.env(CHEF_TELEMETRY_TOKEN=token))
        installed.endpoint.wait_for(3)
        installed.wait_for_senders_to_finish()
    finally:
        other.close()
    assert files_holding(installed.home, token.encode()) == []  # not the spool, the ledger, the log, the record
    _, out, _ = installed.chefwrap("telemetry", "status", env=installed.env(CHEF_TELEMETRY_TOKEN=token))
    assert f"Token:        from CHEF_TELEMETRY_TOKEN, sent to {installed.endpoint.url.split('://')[1]} only" in out and token not in out


def test_a_token_in_the_settings_file_goes_to_the_endpoint_the_file_names(installed):
    settings.write(installed.env(), endpoint=installed.endpoint.url, token="file-token")
    knife(installed, "node", "list")
    (request,) = installed.endpoint.wait_for(1)
    assert request.headers["Authorization"] == "Bearer file-token"
    other = Endpoint()
    try:
        installed.opt_in(other.url)
        knife(installed, "role", "list", env=installed.env(CHEF_TELEMETRY_ENDPOINT=other.url))
        (elsewhere,) = other.wait_for(1)
        installed.wait_for_senders_to_finish()
    finally:
        other.close()
    assert "Authorization" not in elsewhere.headers  # the file's token is for the file's endpoint


@pytest.mark.parametrize("status", [401, 403])
def test_an_endpoint_refusing_the_token_keeps_the_events_and_status_says_so(installed, status):
    env = installed.env(CHEF_TELEMETRY_TOKEN="old-token", **FAST)
    installed.endpoint.then(Behaviour(status=status))
    knife(installed, "node", "list", env=env)
    installed.endpoint.wait_for(1)
    installed.wait_for_senders_to_finish()
    assert len(installed.spooled()) == 1
    _, out, _ = installed.chefwrap("telemetry", "status", env=env)
    assert f"Waiting:      1 event(s) for {installed.endpoint.url}: the endpoint refused the token (HTTP {status}); they are kept" in out
    time.sleep(1.1)  # the pause
    knife(installed, "role", "list", env=env)
    installed.endpoint.wait_for(3)
    installed.wait_for_senders_to_finish()
    assert installed.spooled() == []


@pytest.mark.parametrize("option, count", [("--verbose", 3000), ("-V", 120000)])
def test_thousands_of_options_still_make_an_event_that_is_sent(installed, option, count):
    result = installed.run([installed.shims / "knife", "node", "list", *[option] * count])
    assert result.returncode == 0
    (request,) = installed.endpoint.wait_for(1)
    installed.wait_for_senders_to_finish()
    assert request.event["payload"]["properties"]["options"] == [option]
    assert len(request.body) < 2048


@pytest.mark.fast
def test_options_are_named_once_each_and_at_most_64():
    from types import SimpleNamespace

    options = [f"--option-{number}" for number in range(70)] * 3
    built = event.build(SimpleNamespace(tool="knife", command="knife bootstrap", options=options), 0, 1.0, event.new_uuid(), {})
    assert built["payload"]["properties"]["options"] == options[:64] + ["<more>"]
    built = event.build(SimpleNamespace(tool="knife", command="knife bootstrap", options=["-x", "-P", "-x", "<other-option>", "-P"]), 0, 1.0, event.new_uuid(), {})
    assert built["payload"]["properties"]["options"] == ["-x", "-P", "<other-option>"]


def test_a_spool_record_is_posted_only_to_a_destination_the_users_settings_name(installed):
    elsewhere = Endpoint()
    try:
        spool_events(installed, elsewhere.url, 2)  # as another user (or a bug) might have left them
        knife(installed, "node", "list")
        check_delivered(installed, Outcome(made=1))
    finally:
        elsewhere.close()
    assert elsewhere.requests == [] and installed.spooled() == []
    assert sum("was never agreed to here" in line for line in ledger.notes(installed.env())) == 2


def test_events_spooled_by_an_earlier_chefwrap_are_sent_with_their_sessions_erase_key(installed):
    from chefwrap.state import erase_key

    (event_id,) = spool_events(installed, installed.endpoint.url, 1)  # built without the field
    knife(installed, "node", "list")
    installed.endpoint.wait_for(2)
    installed.wait_for_senders_to_finish()
    for each in installed.endpoint.events():
        assert each["erase_key_sha256"] == erase_key.hash_for(installed.env(), each["session_id"], make=False)
    assert event_id in received(installed)


# Issue 20's faults as scenarios too: what arrives after each.

def moved_scenario(status):
    """The configured endpoint answers a permanent redirect to this world's, on the same host: followed,
    and remembered (asked once)."""

    def scenario(world):
        old = Endpoint()
        old.default = Behaviour(status=status, headers={"Location": world.endpoint.url + "/events"})
        try:
            world.opt_in(old.url)
            env = world.env(CHEF_TELEMETRY_ENDPOINT=old.url)
            for command in ("node", "role"):
                knife(world, command, "list", env=env)
                world.endpoint.wait_for(1)
                world.wait_for_senders_to_finish()
            assert len(old.requests) == 1
        finally:
            old.close()
        return Outcome(made=2)

    return scenario


def many_options_scenario(option, count):
    def scenario(world):
        assert world.run([world.shims / "knife", "node", "list", *[option] * count]).returncode == 0
        return Outcome(made=1)

    return scenario


def spool_replaced_scenario(kind):
    def scenario(world):
        spool = world.chef / "chefwrap" / "spool"
        if spool.is_dir():
            shutil.rmtree(spool)
        if kind == "file":
            spool.write_bytes(b"not a folder")
        else:
            os.mkfifo(spool)
        for command in ("node", "role"):
            knife(world, command, "list")
        return Outcome(made=2)

    return scenario


def lock_scenario(lock):
    """`world` must live where an unprivileged user can reach it (see home_of_nobody)."""

    def scenario(world):
        subprocess.run(["chown", "-R", f"{NOBODY}:{NOBODY}", str(world.root)], check=True)
        path = world.chef / "chefwrap" / "sender.lock"
        path.write_bytes(b"")
        os.chown(path, *((0, 0) if lock == "root-owned" else (NOBODY, NOBODY)))
        path.chmod(0o600 if lock == "root-owned" else 0)
        for command in ("node", "role", "client"):
            knife(world, command, "list", user=NOBODY)
        return Outcome(made=3)

    return scenario


def foreign_destination_scenario(world):
    """Two records in the spool for an endpoint the user never agreed to: never posted."""
    elsewhere = Endpoint()
    try:
        spool_events(world, elsewhere.url, 2)
        knife(world, "node", "list")
        world.endpoint.wait_for(1)
        world.wait_for_senders_to_finish()
        assert elsewhere.requests == []
    finally:
        elsewhere.close()
    return Outcome(made=1)


ISSUE_20_SCENARIOS = (
    [(f"permanent redirect {status} to the same host", moved_scenario(status), False) for status in (301, 308)]
    + [(f"{count:,} `{option}` on one command line", many_options_scenario(option, count), False) for option, count in (("--verbose", 3000), ("-V", 120000))]
    + [(f"spool folder replaced by a {kind}", spool_replaced_scenario(kind), False) for kind in ("file", "fifo")]
    + [(f"sender.lock {lock.replace('-', ' ')}", lock_scenario(lock), True) for lock in ("root-owned", "mode-0000")]
    + [("records for an endpoint never agreed to", foreign_destination_scenario, False)]
)


@pytest.mark.parametrize("name, scenario", [(name, scenario) for name, scenario, nobody in ISSUE_20_SCENARIOS if not nobody], ids=lambda x: x if isinstance(x, str) else "")
def test_issue_20_faults_lose_nothing(installed, name, scenario):
    check_delivered(installed, scenario(installed))
    assert installed.spooled() == []


@pytest.mark.parametrize("lock", ["root-owned", "mode-0000"])
def test_a_lock_left_unusable_never_strands_the_users_events(home_of_nobody, lock):
    check_delivered(home_of_nobody, lock_scenario(lock)(home_of_nobody))


# The scenarios benchmarks/faults.py runs: (name, scenario, needs a world an unprivileged user can reach).
SCENARIOS = (
    [(f"dead destination ({kind})", dead_destination_scenario(kind), False) for kind in DEAD_KINDS]
    + [("another destination paused", paused_destination_scenario, False), ("sudo -E, then the user", sudo_scenario, True)]
    + [(f"pause deadline {value.replace('-', ' ')}", deadline_scenario(value), False) for value in ("a-day-ahead", "9e99", "inf", "nan")]
    + [(f"{STATE_FILES[name]} is {DAMAGES[kind]}", damaged_state_scenario(name, kind), False) for name in STATE_FILES for kind in DAMAGES]
    + [
        ("oversized damaged spool record", oversized_record_scenario, False),
        ("relative HOME", relative_home_scenario, False),
        ("clock set back a day, spool full", clock_set_back_scenario, False),
        ("sender killed mid-post", killed_mid_post_scenario, False),
    ]
    + list(ISSUE_20_SCENARIOS)
)


