"""Delivery against a real loopback endpoint with faults: spool, one detached sender, retries, sessions."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from chefwrap import paths
from chefwrap.delivery import ledger, pauses, spool

from support.endpoint import Behaviour, Endpoint, closed_port_url, revived
from support.world import wait_for

# The shim's hot path, as on Linux and as on macOS (conftest.PLATFORMS).
pytestmark = pytest.mark.both_platforms

REPO = Path(__file__).resolve().parent.parent.parent
FAST = {"CHEFWRAP_SENDER_FIRST_DELAY": "0.05", "CHEFWRAP_SENDER_TIMEOUT": "1", "CHEFWRAP_SENDER_LONGEST_PAUSE": "1"}


def knife(world, *args, env=None):
    return world.run([world.shims / "knife", *args], env=env)


def test_an_event_is_posted_once_as_json_and_kept_in_the_ledger(installed):
    assert knife(installed, "node", "show", "web1", "-F", "json").returncode == 0
    (request,) = installed.endpoint.wait_for(1)
    installed.wait_for_senders_to_finish()

    assert (request.method, request.path) == ("POST", "/events")
    assert request.headers["Content-Type"] == "application/json"
    assert request.event["payload"]["properties"]["command"] == "knife node show"
    assert request.event["payload"]["properties"]["options"] == ["-F"]
    assert b"web1" not in request.body
    assert installed.spooled() == []
    (entry,) = ledger.entries(installed.env())
    assert entry["event"] == request.event
    assert entry["endpoint"] == installed.endpoint.url + "/events"
    assert len(installed.endpoint.requests) == 1


def test_the_tool_never_waits_for_a_hanging_endpoint(installed):
    installed.endpoint.default = Behaviour(kind="hang")
    result = knife(installed, "exit", "3")
    assert result.returncode == 3  # returned while the endpoint still holds the request, or before it came
    installed.endpoint.wait_for(1)
    assert installed.senders(), "the sender is still waiting on the endpoint"
    assert installed.spooled() != []
    for process in installed.senders():
        process.kill()


def test_a_pipeline_does_not_wait_for_the_sender(installed):
    """The sender holds no descriptor of the pipeline: `knife ... | cat` ends when knife does."""
    installed.endpoint.default = Behaviour(kind="hang")
    result = installed.run(["bash", "-c", "knife echo hello | cat"])
    assert result.stdout == b"hello\n"
    installed.endpoint.wait_for(1)
    (sender,) = installed.senders()
    descriptors = os.listdir(f"/proc/{sender.pid}/fd")
    targets = [os.readlink(f"/proc/{sender.pid}/fd/{fd}") for fd in descriptors]
    assert not [target for target in targets if target.startswith("pipe:")]
    assert [os.readlink(f"/proc/{sender.pid}/fd/{fd}") for fd in ("0", "1", "2")] == ["/dev/null"] * 3
    assert os.getsid(sender.pid) == sender.pid  # its own session: closing the terminal does not end it
    sender.kill()


@pytest.mark.parametrize(
    "fault",
    [
        Behaviour(status=503),
        Behaviour(status=500),
        Behaviour(status=408),
        Behaviour(kind="reset"),
        Behaviour(kind="garbage"),
        Behaviour(kind="hang"),
    ],
    ids=["503", "500", "408", "reset", "garbage", "no-answer"],
)
def test_a_transient_fault_is_retried_and_the_event_delivered_once(installed, fault):
    installed.endpoint.then(fault)
    knife(installed, "node", "list", env=installed.env(**FAST))
    first, second = installed.endpoint.wait_for(2)
    installed.wait_for_senders_to_finish()
    assert first.event["event_id"] == second.event["event_id"]
    assert len(installed.endpoint.requests) == 2
    assert installed.spooled() == []


def test_retry_after_is_honoured(installed):
    installed.endpoint.then(Behaviour(status=429, headers={"Retry-After": "1"}))
    knife(installed, "node", "list", env=installed.env(**FAST))
    first, second = installed.endpoint.wait_for(2)
    installed.wait_for_senders_to_finish()
    assert second.at - first.at >= 0.95


def test_an_event_the_endpoint_refuses_is_dropped_and_noted(installed):
    installed.endpoint.then(Behaviour(status=400))
    knife(installed, "node", "list")
    installed.endpoint.wait_for(1)
    installed.wait_for_senders_to_finish()
    assert len(installed.endpoint.requests) == 1
    assert installed.spooled() == []
    assert any("HTTP 400" in line for line in ledger.notes(installed.env()))


def test_an_unreachable_endpoint_keeps_the_events_and_pauses_delivery(installed):
    url = closed_port_url()
    installed.opt_in(url)
    env = installed.env(CHEF_TELEMETRY_ENDPOINT=url, CHEFWRAP_SENDER_FIRST_DELAY="0.05", CHEFWRAP_SENDER_LONGEST_PAUSE="60")
    knife(installed, "node", "list", env=env)
    installed.wait_for_senders_to_finish()
    assert len(installed.spooled()) == 1
    assert pauses.paused(env, url)  # for half the longest pause at least: the five runs below fit in it

    # While the pause lasts, more commands spool their events but start no sender: a trickle, not a storm.
    for _ in range(5):
        knife(installed, "node", "list", env=env)
        assert not installed.senders()
    assert len(installed.spooled()) == 6


def test_delivery_resumes_when_the_endpoint_comes_back(installed):
    url = closed_port_url()
    installed.opt_in(url)
    env = installed.env(CHEF_TELEMETRY_ENDPOINT=url, **FAST)
    for _ in range(3):
        knife(installed, "node", "list", env=env)
    installed.wait_for_senders_to_finish()
    assert len(installed.spooled()) == 3
    pause_file = Path(paths.backoff_file(env))
    wait_for(lambda: not pauses.paused(env, url), timeout=5, what="the pause to end")

    back = revived(url)  # the same endpoint, answering again
    try:
        knife(installed, "node", "list", env=env)
        back.wait_for(4)
        installed.wait_for_senders_to_finish()
    finally:
        back.close()
    assert installed.spooled() == []
    assert not pause_file.exists()
    times = [event["timestamp"] for event in back.events()]
    assert times == sorted(times, reverse=True)  # freshest first


def test_killing_the_sender_mid_flush_loses_nothing(installed):
    installed.endpoint.then(Behaviour(kind="hang"))
    knife(installed, "node", "list")
    (first,) = installed.endpoint.wait_for(1)
    for process in installed.senders():
        os.kill(process.pid, signal.SIGKILL)
    wait_for(lambda: not installed.senders(), what="the killed sender to go")
    assert len(installed.spooled()) == 1

    knife(installed, "node", "list")  # the next command wakes a new sender
    requests = installed.endpoint.wait_for(3)
    installed.wait_for_senders_to_finish()
    event_ids = [request.event["event_id"] for request in requests]
    assert event_ids.count(first.event["event_id"]) == 2  # resent with the same event_id
    assert installed.spooled() == []


def test_twenty_commands_at_once_share_one_sender_and_one_session(installed):
    installed.endpoint.default = Behaviour(delay=0.05)
    seen = set()
    done = []

    def watch():
        while not done:
            seen.update(process.pid for process in installed.senders())
            alive = installed.senders()
            assert len(alive) <= 1, alive
            time.sleep(0.01)

    with ThreadPoolExecutor(21) as pool:
        watcher = pool.submit(watch)
        results = list(pool.map(lambda _: knife(installed, "node", "list"), range(20)))
        installed.endpoint.wait_for(20, timeout=60)
        installed.wait_for_senders_to_finish(timeout=60)
        done.append(True)
        watcher.result()
    assert all(result.returncode == 0 for result in results)
    events = installed.endpoint.events()
    assert len({event["event_id"] for event in events}) == 20
    assert len({event["session_id"] for event in events}) == 1


def test_the_spool_is_bounded_and_drops_the_oldest(installed):
    env = installed.env()
    for number in range(spool.MAX_EVENTS + 20):
        spool.append(env, f"{number:08d}-0000-4000-8000-000000000000", installed.endpoint.url, json.dumps({"n": number}))
    names = installed.spooled()
    assert len(names) == spool.MAX_EVENTS
    assert json.loads(spool.read(env, names[0])[1])["n"] == 20


def test_a_damaged_spool_record_is_skipped_and_the_rest_delivered(installed):
    installed.spool.mkdir(parents=True)
    (installed.spool / "00000000000000000001-damaged.json").write_bytes(b'{"half": ')
    (installed.spool / "00000000000000000002-empty.json").write_bytes(b"")
    knife(installed, "node", "list")
    installed.endpoint.wait_for(1)
    installed.wait_for_senders_to_finish()
    assert installed.spooled() == []
    assert len(installed.endpoint.requests) == 1
    assert sum("spool record" in line for line in ledger.notes(installed.env())) == 2


def test_the_sender_has_a_hard_lifetime(installed):
    installed.endpoint.default = Behaviour(status=503)
    started = time.monotonic()
    knife(installed, "node", "list", env=installed.env(CHEFWRAP_SENDER_LIFETIME="2", CHEFWRAP_SENDER_FIRST_DELAY="0.2"))
    installed.endpoint.wait_for(1)
    installed.wait_for_senders_to_finish(timeout=10)
    assert time.monotonic() - started < 10
    assert len(installed.spooled()) == 1


def test_the_sender_sees_nothing_of_the_callers_environment_but_what_it_needs(installed):
    installed.endpoint.default = Behaviour(kind="hang")
    knife(installed, "node", "list", env=installed.env(AWS_SECRET_ACCESS_KEY="hunter2", HTTPS_PROXY="http://127.0.0.1:9"))
    installed.endpoint.wait_for(1)
    (sender,) = installed.senders()
    environment = sender.environ()
    assert "AWS_SECRET_ACCESS_KEY" not in environment
    assert environment["HTTPS_PROXY"] == "http://127.0.0.1:9"
    assert sender.cmdline()[1:] == ["-IS", str(REPO / "chefwrap" / "isolated.py"), "chefwrap.delivery.sender", "--lock-fd", sender.cmdline()[-1]]
    sender.kill()


def test_modules_in_the_working_folder_never_run_in_the_sender(installed):
    """`python -m` would put the folder knife ran in first on sys.path: a requests.py there would run."""
    folder = installed.root / "untrusted-repository"
    folder.mkdir()
    marker = installed.root / "ran-from-the-working-folder"
    for module in ("requests", "urllib3", "chefwrap", "isolated"):  # the fake tool itself imports json
        (folder / f"{module}.py").write_text(f"open({str(marker)!r}, 'a').write({module!r})\n")
    installed.run([installed.shims / "knife", "node", "list"], env=installed.env(PWD=str(folder), PYTHONPATH=str(folder)), cwd=folder)
    installed.endpoint.wait_for(1)
    installed.wait_for_senders_to_finish()
    assert not marker.exists()


# Sessions

SESSION = "TELEMETRY_SESSION_ID"


def test_a_session_lives_while_used_and_renews_after_ten_idle_minutes(installed):
    knife(installed, "node", "list")
    knife(installed, "node", "list")
    session_file = installed.chef / SESSION
    first = session_file.read_text().strip()
    old = time.time() - 601
    os.utime(session_file, (old, old))
    knife(installed, "node", "list")
    installed.endpoint.wait_for(3)
    installed.wait_for_senders_to_finish()
    sessions = [event["session_id"] for event in sorted(installed.endpoint.events(), key=lambda e: e["timestamp"])]
    assert first in sessions
    assert len(set(sessions)) == 2
    assert session_file.read_text().strip() != first
    assert time.time() - session_file.stat().st_mtime < 60  # touched by the last use


def test_a_session_in_use_by_another_chef_tool_is_shared(installed):
    installed.chef.mkdir(exist_ok=True)
    (installed.chef / SESSION).write_text("2d5a4d61-d79a-4ff9-aa71-a403c2d5a001")
    knife(installed, "node", "list")
    (request,) = installed.endpoint.wait_for(1)
    assert request.event["session_id"] == "2d5a4d61-d79a-4ff9-aa71-a403c2d5a001"


# Telemetry never breaks the tool

def damage_file(world, relative):
    path = world.chef / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x00\xff garbage")


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda world: damage_file(world, SESSION), id="garbage-session"),
        pytest.param(lambda world: (world.chef / "chefwrap" / "sender.lock").mkdir(parents=True), id="lock-is-a-folder"),
        pytest.param(lambda world: (world.chef / "chefwrap").mkdir(parents=True, exist_ok=True) or (world.chef / "chefwrap" / "spool").write_text("x"), id="spool-is-a-file"),
        pytest.param(lambda world: shutil.rmtree(world.chef / "chefwrap") or (world.chef / "chefwrap").write_text("x"), id="chefwrap-folder-is-a-file"),
        pytest.param(lambda world: damage_file(world, "chefwrap/backoff"), id="garbage-backoff"),
        pytest.param(lambda world: damage_file(world, "chefwrap/config.toml"), id="garbage-config"),
    ],
)
def test_damaged_state_never_changes_what_the_tool_does(installed, damage):
    damage(installed)
    result = knife(installed, "echo", "hello")
    assert (result.returncode, result.stdout, result.stderr) == (0, b"hello\n", b"")
    result = knife(installed, "exit", "4")
    assert (result.returncode, result.stdout, result.stderr) == (4, b"", b"")


def test_an_unwritable_home_never_changes_what_the_tool_does(installed):
    for folder in (installed.chef, installed.chef / "chefwrap"):
        folder.chmod(0o555)
    command = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", str(installed.shims / "knife"), "echo", "hi"]
    try:
        result = installed.run(command)
    finally:
        for folder in (installed.chef, installed.chef / "chefwrap"):
            folder.chmod(0o700)
    assert (result.returncode, result.stdout, result.stderr) == (0, b"hi\n", b"")
    assert installed.spooled() == []


HEAVY_MODULES = (
    "requests", "psutil", "questionary", "prompt_toolkit", "json", "re", "subprocess", "pathlib", "enum",
    "signal", "uuid", "yaml", "dataclasses", "typing", "inspect", "traceback", "email", "http", "urllib",
)
# What the shim itself may import, before the tool starts and until the caller has the tool's status:
# builtin modules and these three of chefwrap's (chefwrap.shim.launcher); everything else is the recorder's.
SHIM_MODULES = {"chefwrap", "chefwrap.shim", "chefwrap.state", "chefwrap.shim.launcher", "chefwrap.state.ci", "chefwrap.shim.real_tool"}


def test_the_shim_imports_only_builtin_modules_and_its_own_three(installed):
    """What a recorded run's shim imports, in a `python -IS` as the shim's, where the user has decided."""
    probe = (
        f"import sys; sys.path.insert(0, {str(REPO)!r}); before = set(sys.modules);"
        "from chefwrap.shim import launcher, entry;"
        "env = entry.caller_environment();"
        "assert launcher.decided_already(env) and launcher.can_wait_for_signals();"
        "launcher.find_real_tool(b'knife', env[b'PATH']); launcher.called_by_another_shim();"
        "print(sorted(set(sys.modules) - before - {'chefwrap.shim.entry'}))"
    )
    result = subprocess.run([sys.executable, "-IS", "-c", probe], capture_output=True, text=True, env=installed.env(), cwd=installed.home)
    imported = eval(result.stdout)  # a list of module names
    assert set(imported) - SHIM_MODULES <= set(sys.builtin_module_names), result.stderr


def test_the_recorder_never_imports_the_heavy_libraries(installed):
    """What recording a run imports, sanitizing, deciding, building, spooling and waking the sender, in a
    `python -IS` like the recorder's."""
    probe = (
        f"import sys, os; sys.path.insert(0, {str(REPO)!r});"
        "from chefwrap.shim import launcher, recording;"
        "env = {os.fsencode(k): os.fsencode(v) for k, v in os.environ.items()};"
        "run = launcher.Run('knife', [b'node', b'list', b'-F', b'json'], 0, 5.0, env, b'/bin/true');"
        "recording.record(recording.names_of(run), env);"
        f"print([m for m in {HEAVY_MODULES!r} if m in sys.modules])"
    )
    env = installed.env(PWD=str(installed.home), CHEF_TELEMETRY_ENDPOINT=closed_port_url(), **FAST)
    installed.opt_in(env["CHEF_TELEMETRY_ENDPOINT"])
    result = subprocess.run([sys.executable, "-IS", "-c", probe], capture_output=True, text=True, env=env, cwd=installed.home)
    assert result.stdout.strip() == "[]", result.stderr
    assert len(installed.spooled()) == 1  # the recording path really ran


def test_a_sender_started_by_hand_leaves_when_another_holds_the_lock(installed):
    installed.endpoint.default = Behaviour(kind="hang")
    knife(installed, "node", "list")
    installed.endpoint.wait_for(1)
    result = subprocess.run([sys.executable, "-m", "chefwrap.delivery.sender"], env=installed.env(), capture_output=True, timeout=30)
    assert result.returncode == 0
    assert len(installed.senders()) == 1
    for process in installed.senders():
        process.kill()


# What the user decides holds for what is still waiting, and nothing but the event is ever sent

def test_netrc_credentials_are_never_sent(installed):
    (installed.home / ".netrc").write_text("default login alice password s3cret\n")
    knife(installed, "node", "list")
    (request,) = installed.endpoint.wait_for(1)
    assert "Authorization" not in request.headers and "authorization" not in {h.lower() for h in request.headers}


def test_netrc_credentials_are_never_added_on_a_redirect(installed):
    """requests adds ~/.netrc's login for the host a redirect leads to, whatever session.auth says."""
    from chefwrap.delivery.sender import http_session

    target = Endpoint()
    try:
        (installed.home / ".netrc").write_text("machine localhost login alice password s3cret\n")
        installed.endpoint.on_get = Behaviour(status=307, headers={"Location": target.url.replace("127.0.0.1", "localhost") + "/moved"})
        os.environ["HOME"], home = str(installed.home), os.environ.get("HOME")
        try:
            with http_session() as http:
                http.get(installed.endpoint.url + "/somewhere", timeout=10)
        finally:
            os.environ["HOME"] = home
        (request,) = target.wait_for(1)
    finally:
        target.close()
    assert "authorization" not in {name.lower() for name in request.headers}


def test_forget_never_follows_a_redirect(installed):
    target = Endpoint()
    try:
        knife(installed, "node", "list")
        installed.endpoint.wait_for(1)
        installed.wait_for_senders_to_finish()
        installed.endpoint.on_delete = Behaviour(status=307, headers={"Location": target.url + "/sessions/elsewhere"})
        code, out, _ = installed.chefwrap("telemetry", "forget")
        assert code == 1 and "(HTTP 307)" in out
        assert target.requests == []
        assert len(ledger.entries(installed.env())) == 1  # not erased: kept, to try again
    finally:
        target.close()


def test_each_event_goes_to_the_endpoint_its_command_was_configured_with(installed):
    other = Endpoint()
    try:
        installed.endpoint.default = Behaviour(delay=0.3)
        installed.opt_in(other.url)
        knife(installed, "node", "list")
        knife(installed, "role", "list", env=installed.env(CHEF_TELEMETRY_ENDPOINT=other.url))
        installed.endpoint.wait_for(1)
        (request,) = other.wait_for(1)
        installed.wait_for_senders_to_finish()
    finally:
        other.close()
    assert request.event["payload"]["properties"]["command"] == "knife role list"
    assert [event["payload"]["properties"]["command"] for event in installed.endpoint.events()] == ["knife node list"]


def test_switching_to_local_mode_keeps_what_is_waiting_off_the_network(installed):
    installed.endpoint.then(Behaviour(kind="hang"))
    knife(installed, "node", "list")
    installed.endpoint.wait_for(1)  # the sender is stuck on the first event
    knife(installed, "role", "list")
    knife(installed, "client", "list")
    installed.chefwrap("telemetry", "local")
    installed.endpoint.released.set()
    installed.wait_for_senders_to_finish()
    posted = [event["payload"]["properties"]["command"] for event in installed.endpoint.events()]
    assert "knife role list" not in posted and "knife client list" not in posted
    kept = [entry["event"]["payload"]["properties"]["command"] for entry in ledger.entries(installed.env()) if entry["endpoint"] is None]
    assert {"knife role list", "knife client list"} <= set(kept)


def test_opting_out_while_the_tool_runs_records_nothing(installed):
    running = subprocess.Popen(installed.command([installed.shims / "knife", "sleep", "1"]), env=installed.env())
    wait_for(lambda: list(installed.reports.glob("*.json")), what="the tool to start")
    installed.chefwrap("telemetry", "disable")
    assert running.wait(timeout=30) == 0
    installed.wait_for_senders_to_finish()
    assert installed.endpoint.requests == [] and installed.spooled() == []


def test_an_unreadable_spool_entry_never_stops_delivery(installed):
    installed.spool.mkdir(parents=True)
    (installed.spool / "00000000000000000001-folder.json").mkdir()
    for _ in range(3):
        knife(installed, "node", "list")
    installed.endpoint.wait_for(3)
    installed.wait_for_senders_to_finish()
    assert installed.spooled() == []  # cleared away, with a note
    assert any("not a plain file" in line for line in ledger.notes(installed.env()))


def test_an_unwritable_ledger_never_makes_an_event_be_sent_twice(installed):
    (installed.chef / "chefwrap").mkdir(parents=True, exist_ok=True)
    (installed.chef / "chefwrap" / "ledger.jsonl").mkdir()
    knife(installed, "node", "list")
    installed.endpoint.wait_for(1)
    installed.wait_for_senders_to_finish()
    knife(installed, "role", "list")
    installed.endpoint.wait_for(2)
    installed.wait_for_senders_to_finish()
    assert [event["payload"]["properties"]["command"] for event in installed.endpoint.events()] == ["knife node list", "knife role list"]


def test_an_unusable_session_file_never_costs_the_event(installed):
    (installed.chef / SESSION).mkdir()
    knife(installed, "node", "list")
    (request,) = installed.endpoint.wait_for(1)
    assert len(request.event["session_id"]) == 36


def test_a_trickling_endpoint_cannot_keep_the_sender_alive(installed):
    installed.endpoint.default = Behaviour(kind="trickle")
    started = time.monotonic()
    knife(installed, "node", "list", env=installed.env(CHEFWRAP_SENDER_LIFETIME="2", CHEFWRAP_SENDER_TIMEOUT="1"))
    installed.endpoint.wait_for(1)
    installed.wait_for_senders_to_finish(timeout=20)
    assert time.monotonic() - started < 15
    assert len(installed.spooled()) == 1  # nothing lost


def test_forget_stops_a_busy_sender_and_goes_on(installed):
    installed.endpoint.then(Behaviour(kind="hang"))
    knife(installed, "node", "list")
    installed.endpoint.wait_for(1)
    assert installed.senders()
    code, out, err = installed.chefwrap("telemetry", "forget")
    assert code == 0, out + err
    assert not installed.senders()
    assert installed.spooled() == []  # the event of the forgotten session is not sent later
