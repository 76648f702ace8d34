"""Erasure that is complete: `chefwrap telemetry forget` erases every session this machine ever sent and
not yet erased, at every endpoint it went to, however long ago, with proof that the session is its own
(an erase key whose hash every event of the session carried), and says what it could not reach."""

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from chefwrap.delivery import ledger
from chefwrap.state import erase_key

from support.collector_world import Collector, an_event, raw_events
from support.endpoint import Behaviour, Endpoint, closed_port_url

HEX = set("0123456789abcdef")
SESSION = "TELEMETRY_SESSION_ID"
REPO = Path(__file__).resolve().parent.parent.parent


def knife(world, *args, env=None):
    result = world.run([world.shims / "knife", *args], env=env)
    assert result.returncode == 0, result.stderr
    return result


def record_runs(world, env, count):
    """`knife node list` run `count` times, recorded by the recorder's own code (chefwrap.shim.recording)
    in one process: the same events, spool, sender and ledger as through the shim, in seconds."""
    program = (
        f"import os, sys; sys.path.insert(0, {str(REPO)!r}); from chefwrap.shim import launcher, recording;"
        "environ = {os.fsencode(name): os.fsencode(value) for name, value in os.environ.items()};"
        "names = recording.names_of(launcher.Run('knife', [b'node', b'list'], 0, 1.0, environ, b''));"
        f"[recording.record(names, environ) for _ in range({count})]"
    )
    subprocess.run([sys.executable, "-IS", "-c", program], env=env, cwd=world.home, check=True, timeout=300)


def end_session(world):
    """Ten idle minutes later: the next command starts a new session."""
    old = time.time() - 601
    os.utime(world.chef / SESSION, (old, old))


def test_forget_after_1600_commands_erases_the_session_that_rolled_out_of_the_ledger(installed, tmp_path):
    collector = Collector(str(tmp_path / "collector.sqlite3"))
    try:
        installed.opt_in(collector.url)
        env = installed.env(CHEF_TELEMETRY_ENDPOINT=collector.url)
        (installed.tools / "knife").write_text("#!/bin/sh\nexit 0\n")  # a quick knife: 1,605 runs
        for _ in range(5):
            knife(installed, "node", "list", env=env)
        installed.wait_for_senders_to_finish()
        first = (installed.chef / SESSION).read_text().strip()
        end_session(installed)
        knife(installed, "node", "list", env=env)  # the second session's first run, through the shim
        for _ in range(4):  # the other 1,599 as the recorder records them, fewer at once than the spool holds
            record_runs(installed, env, 400 if _ < 3 else 399)
            installed.wait_for_senders_to_finish(timeout=120)
        second = (installed.chef / SESSION).read_text().strip()
        assert len(raw_events(collector.database)) == 1605
        in_ledger = {entry["event"]["session_id"] for entry in ledger.entries(env)}
        assert first not in in_ledger and second in in_ledger  # the ledger rolled over: the first session left it

        someone_else = an_event()
        collector.post(someone_else)  # somebody else's session stays
        code, out, err = installed.chefwrap("telemetry", "forget", env=env)
        assert code == 0, out + err
        assert f"Erased 2 session(s) at {collector.url}: " in out and first in out and second in out
        assert [session for _, session in raw_events(collector.database)] == [someone_else["session_id"]]
    finally:
        collector.stop()
    assert not (installed.chef / "chefwrap" / "sent-sessions").exists()


def test_every_event_carries_its_sessions_erase_key_hash_and_forget_presents_the_key(installed):
    knife(installed, "node", "list")
    knife(installed, "role", "list")
    end_session(installed)
    knife(installed, "client", "list")
    installed.endpoint.wait_for(3)
    installed.wait_for_senders_to_finish()
    events = sorted(installed.endpoint.events(), key=lambda each: each["timestamp"])
    hashes = {each["session_id"]: each["erase_key_sha256"] for each in events}
    assert len(hashes) == 2 and len(set(hashes.values())) == 2  # one per session
    assert all(len(value) == 64 and set(value) <= HEX for value in hashes.values())
    secret = installed.chef / "chefwrap" / "erase-secret"
    assert oct(secret.stat().st_mode & 0o777) == "0o600"

    code, out, err = installed.chefwrap("telemetry", "forget")
    assert code == 0, out + err
    deletes = [request for request in installed.endpoint.requests if request.method == "DELETE"]
    assert sorted(request.path for request in deletes) == sorted(f"/sessions/{session}" for session in hashes)
    for request in deletes:
        key = request.headers["Erase-Key"]
        assert len(key) == 64 and set(key) <= HEX
        assert hashlib.sha256(key.encode("ascii")).hexdigest() == hashes[request.path.rsplit("/", 1)[1]]
    for record in (installed.chef / "chefwrap").rglob("*"):  # the key itself is never written down
        if record.is_file():
            assert not any(request.headers["Erase-Key"].encode() in record.read_bytes() for request in deletes)


@pytest.mark.fast
def test_the_erase_key_is_hmac_sha256_of_the_session_under_the_secret():
    import hmac

    secret = os.urandom(32)
    session = "2d5a4d61-d79a-4ff9-aa71-a403c2d5a001"
    expected = hmac.new(secret, session.encode(), "sha256").hexdigest()
    assert erase_key.key(secret, session) == expected
    assert erase_key.key_hash(expected) == hashlib.sha256(expected.encode()).hexdigest()
    assert erase_key.hmac_sha256(b"k" * 100, b"m") == hmac.new(b"k" * 100, b"m", "sha256").hexdigest()


def test_forget_names_the_endpoint_it_could_not_reach_asks_it_once_and_keeps_its_sessions(installed):
    gone = Endpoint()
    try:
        installed.opt_in(gone.url)
        for _ in range(3):  # three sessions sent to the endpoint that will be gone
            knife(installed, "node", "list", env=installed.env(CHEF_TELEMETRY_ENDPOINT=gone.url))
            installed.wait_for_senders_to_finish()
            end_session(installed)
        knife(installed, "node", "list")
        installed.endpoint.wait_for(1)
        installed.wait_for_senders_to_finish()
        gone.on_delete = Behaviour(kind="reset")  # the connection is dropped: no answer
        code, out, _ = installed.chefwrap("telemetry", "forget")
    finally:
        gone.close()
    assert code == 1
    assert f"Erased 1 session(s) at {installed.endpoint.url}" in out
    assert f"Could not erase session(s) at {gone.url} (could not reach it: ConnectionError)" in out
    assert f"Could not reach: {gone.url}." in out
    assert len([request for request in gone.requests if request.method == "DELETE"]) == 1  # asked once
    record = (installed.chef / "chefwrap" / "sent-sessions").read_text().splitlines()
    assert len(record) == 3 and all(line.startswith(gone.url + " ") for line in record)


def test_an_endpoint_holding_the_session_under_another_key_erases_nothing_and_the_session_stays(installed):
    knife(installed, "node", "list")
    installed.endpoint.wait_for(1)
    installed.wait_for_senders_to_finish()
    installed.endpoint.on_delete = Behaviour(status=403)
    code, out, _ = installed.chefwrap("telemetry", "forget")
    assert code == 1
    assert "(HTTP 403: it holds the session's events under another erase key, or none; erased nothing)" in out
    assert len(ledger.entries(installed.env())) == 1
    installed.endpoint.on_delete = Behaviour(status=204)
    code, out, _ = installed.chefwrap("telemetry", "forget")  # asked again, and erased
    assert code == 0 and f"Erased 1 session(s) at {installed.endpoint.url}" in out


def test_forget_without_a_reachable_endpoint_at_all(installed):
    url = closed_port_url()
    installed.opt_in(url)
    installed.chef.joinpath("chefwrap", "sent-sessions").write_text(f"{url} 2d5a4d61-d79a-4ff9-aa71-a403c2d5a001\n")
    code, out, _ = installed.chefwrap("telemetry", "forget")
    assert code == 1 and f"Could not reach: {url}." in out
