"""The collector, served for real on a loopback port, on a real SQLite file and a real PostgreSQL server."""

import hashlib
import json
import os
from datetime import datetime, timedelta, timezone

import pytest

from chefwrap.delivery import ledger
from chefwrap.shim import event

from support.collector_world import Collector, aggregates_and_recomputation, an_event, raw_events
from support.endpoint import closed_port_url
from support.world import wait_for


def test_the_shims_events_arrive_and_are_reported(installed, collector):
    installed.opt_in(collector.url)
    env = installed.env(CHEF_TELEMETRY_ENDPOINT=collector.url)
    for argv in (["node", "show", "web1", "-F", "json"], ["node", "show", "db1"], ["bootstrap", "10.0.0.5", "-P", "x", "exit", "1"]):
        installed.run([installed.shims / "knife", *argv], env=env)
    installed.run([installed.shims / "kitchen", "converge", "-l", "debug"], env=env)
    installed.wait_for_senders_to_finish()

    report = collector.report()
    assert report["events"] == 4 and report["sessions"] == 1
    assert {"product": "knife", "command": "knife node show", "count": 2, "failures": 0} in report["commands"]
    # options per command, each named by its long spelling (-F is --format, -l is --log-level)
    assert {"product": "knife", "command": "knife node show", "option": "--format", "count": 1} in report["options"]
    assert {"product": "kitchen", "command": "kitchen converge", "option": "--log-level", "count": 1} in report["options"]
    status, page = collector.request("GET", "/report")
    assert status == 200 and b"knife node show" in page and b"<table" in page


def test_failures_are_counted_per_command(collector):
    session = event.new_uuid()
    for code in (0, 1, 2, 0):
        assert collector.post(an_event(exit_code=code, session=session))[0] == 201
    (row,) = collector.report()["commands"]
    assert (row["count"], row["failures"]) == (4, 2)


def test_an_array_of_events_is_accepted(collector):
    status, answer = collector.post([an_event(), an_event(tool="kitchen", argv=("list",))])
    assert (status, answer) == (201, {"accepted": 2, "duplicates": 0})
    assert collector.report()["events"] == 2


def test_a_replay_is_accepted_and_counted_once(collector):
    once = an_event()
    assert collector.post(once) == (201, {"accepted": 1, "duplicates": 0})
    assert collector.post(once) == (200, {"accepted": 0, "duplicates": 1})
    assert collector.post([once, an_event()]) == (201, {"accepted": 1, "duplicates": 1})
    assert collector.report()["events"] == 2


@pytest.mark.parametrize(
    "body, content_type, status, message",
    [
        (b"{not json", "application/json", 400, "not valid JSON"),
        (b"[]", "application/json", 400, "no event"),
        (b'"a string"', "application/json", 400, "event object or an array"),
        (b"[" * 100_000 + b"]" * 100_000, "application/json", 400, ""),
        (json.dumps({"hello": "world"}).encode(), "application/json", 400, "instance_id"),
        (b"x" * (1024 * 1024 + 1), "application/json", 413, "larger than"),
        (b"{}", "text/plain", 415, "application/json"),
        (b'{"payload": {"event": "x", "properties": ' + b"[" * 100_000 + b"]" * 100_000 + b"}}", "application/json", 400, ""),
        (json.dumps([an_event()] * 1001).encode(), "application/json", 400, "at most 1000 events"),
        (json.dumps(an_event()).replace("knife node show", "\\ud800").encode(), "application/json", 400, "not valid JSON"),
    ],
    ids=["bad-json", "empty-array", "not-an-object", "deeply-nested", "missing-fields", "too-large", "wrong-type", "deep-properties", "too-many", "lone-surrogate"],
)
def test_bad_bodies_are_refused_with_a_json_error_and_the_server_keeps_serving(collector, body, content_type, status, message):
    answered, answer = collector.post(body, content_type)
    assert answered == status
    assert message in answer["error"]
    assert collector.post(an_event())[0] == 201


@pytest.mark.parametrize(
    "field, value",
    [
        ("session_id", "not-a-uuid"),
        ("event_id", 42),
        ("timestamp", "yesterday"),
        ("message_version", "1.0"),
        ("payload", []),
        ("properties.exit_code", "0"),
        ("properties.options", "-F"),
        ("properties.command", None),
        ("properties.ci", "yes"),
        ("properties.exit_code", 2**70),
        ("properties.duration_ms", -1),
        ("properties.command", "knife\x00node"),
        ("properties.command", ""),
        ("properties.options", ["-F"] * 201),
        ("properties.kitchen", {"driver": 7}),
        ("properties.cookbooks", {"public": "nginx"}),
        ("properties.versions", {"k" * 100: "1.0"}),
        ("properties.cookbooks", {"public": [{"name": "nginx", "version": "1" * 100}]}),
    ],
)
def test_wrong_types_are_refused_naming_the_field(collector, field, value):
    bad = an_event()
    if field.startswith("properties."):
        bad["payload"]["properties"][field.split(".")[1]] = value
    else:
        bad[field] = value
    status, answer = collector.post(json.dumps([an_event(), bad]).encode())
    assert status == 400
    assert field.split(".")[-1] in answer["error"] and answer["error"].startswith("[1].")
    assert collector.report()["events"] == 0  # nothing of a refused batch is kept


def test_erasing_a_session_deletes_all_its_events(collector):
    mine, theirs, key = event.new_uuid(), event.new_uuid(), os.urandom(32).hex()
    key_hash = hashlib.sha256(key.encode()).hexdigest()
    collector.post([{**an_event(session=mine), "erase_key_sha256": key_hash}, {**an_event(session=mine), "erase_key_sha256": key_hash}, an_event(session=theirs)])
    status, _ = collector.request("DELETE", f"/sessions/{mine}", headers={"Erase-Key": key})
    assert status == 204
    report = collector.report()
    assert (report["events"], report["sessions"]) == (1, 1)
    assert collector.request("DELETE", f"/sessions/{mine}", headers={"Erase-Key": key})[0] == 204
    assert collector.request("DELETE", "/sessions/not-a-uuid", headers={"Erase-Key": key})[0] == 400


def test_no_client_address_or_header_is_stored_or_printed(tmp_path):
    database = tmp_path / "collector.sqlite3"
    server = Collector(str(database))
    try:
        headers = {"X-Forwarded-For": "198.51.100.7", "User-Agent": "agent-9f3c", "Cookie": "c00kie"}
        assert server.post(an_event(), headers=headers)[0] == 201
    finally:
        output = server.stop()
    stored = b"".join(path.read_bytes() for path in tmp_path.iterdir())
    for trace in (b"127.0.0.1", b"198.51.100.7", b"agent-9f3c", b"c00kie"):
        assert trace not in stored
    assert "198.51.100.7" not in output and "127.0.0.1:" not in output.replace(server.url, "")


def test_fields_the_rfc_does_not_define_are_never_stored(tmp_path):
    database = tmp_path / "collector.sqlite3"
    server = Collector(str(database))
    try:
        sneaky = an_event()
        sneaky["hostname"] = "db01.corp.example"
        sneaky["payload"]["properties"]["user"] = "alice-9f3c"
        sneaky["payload"]["properties"]["kitchen"] = {"driver": "vagrant", "platforms": [], "box_url": "https://boxes.corp.example/x"}
        assert server.post(sneaky)[0] == 201
    finally:
        server.stop()
    stored = b"".join(path.read_bytes() for path in tmp_path.iterdir())
    for trace in (b"db01.corp.example", b"alice-9f3c", b"boxes.corp.example"):
        assert trace not in stored
    assert b"knife node show" in stored


def test_purging_old_events_keeps_their_aggregates(database):
    from chefwrap.collector import schema_upgrade
    from chefwrap.collector.store import Store
    from chefwrap.collector.validation import events_in

    old = datetime.now(timezone.utc) - timedelta(days=400)
    store = Store(database)  # no retention: keeps anything
    schema_upgrade.upgrade(store)
    store.add(events_in(json.dumps([an_event(when=old.timestamp()), an_event()]).encode()))
    store.close()
    server = Collector(database, "--retain-days", "365", "--min-sessions", "1")
    try:
        wait_for(lambda: len(raw_events(database)) == 1, what="the old event to be purged")
        assert server.report(days=1000)["events"] == 2  # the aggregates hold no session id: they stay
        assert server.post(an_event(when=old.timestamp())) == (201, {"accepted": 1, "duplicates": 0})  # acknowledged, not kept
        assert len(raw_events(database)) == 1 and server.report(days=1000)["events"] == 2
    finally:
        server.stop()
    stored, recomputed = aggregates_and_recomputation(database)
    assert stored["daily"] != recomputed["daily"]  # the purged day is counted, not recomputable


def test_collector_report_in_the_terminal(world, collector):
    collector.post([an_event(), an_event(exit_code=1), an_event(tool="kitchen", argv=("converge", "-c", "4"))])
    code, out, err = world.chefwrap("collector", "report", "--database", collector.database, "--days", "7", "--min-sessions", "1")
    assert code == 0, err
    assert "3 events and 3 session-days over the last 7 days" in out
    assert ["knife", "node", "show", "2", "1", "50%"] in [line.split() for line in out.splitlines()]
    code, out, err = world.chefwrap("collector", "report", "--database", collector.database, "--json", "--min-sessions", "1")
    assert json.loads(out)["events"] == 3


def test_an_empty_report_says_what_is_stored_and_only_to_the_operator(world, tmp_path):
    """Day one: 75 events today, and yesterday knife by 5 sessions and chef by one. The public views
    show yesterday's knife alone; the operator's report says where the other 78 stand."""
    database = str(tmp_path / "collector.sqlite3")
    server = Collector(database)  # the default threshold, K = 5
    try:
        yesterday = datetime.now(timezone.utc).timestamp() - 86400
        chef_session = event.new_uuid()
        knife = [an_event(when=yesterday) for _ in range(5)]
        chef = [an_event(tool="chef", argv=("install",), session=chef_session, when=yesterday) for _ in range(3)]
        today = [an_event(session=f"00000000-0000-4000-8000-{n % 3:012d}") for n in range(75)]
        assert server.post(knife + chef + today)[0] == 201
        public = server.report()
        page = server.request("GET", "/")[1].decode()
    finally:
        server.stop()
    assert public["events"] == 5 and "stored" not in public
    assert 'id="stored"' in page and "collector report" in page and "83" not in page
    code, out, err = world.chefwrap("collector", "report", "--database", database)
    assert code == 0, err
    assert "5 events and 0 session-days over the last 30 days" in out  # every tool's sessions only when every tool used is shown
    assert "Stored: 83 events; 8 in the window, 0 before it, 75 today (UTC, a day not over" in out
    assert "3 of the window's events are of tools fewer than 5 sessions used, left out of every figure." in out
    code, out, err = world.chefwrap("collector", "report", "--database", database, "--json")
    assert json.loads(out)["stored"] == {"events": 83, "today": 75, "window": 8, "older": 0, "left_out": 3}


def test_a_database_that_cannot_be_opened_is_a_one_line_error(world, tmp_path):
    (tmp_path / "folder").mkdir()
    code, out, err = world.chefwrap("collector", "report", "--database", str(tmp_path / "folder"))
    assert code == 1 and err.count("\n") == 1 and "cannot open the database" in err


# chefwrap telemetry forget

def test_forget_erases_every_recorded_session_at_the_endpoint_and_here(installed, collector):
    installed.opt_in(collector.url)
    env = installed.env(CHEF_TELEMETRY_ENDPOINT=collector.url)
    installed.run([installed.shims / "knife", "node", "list"], env=env)
    installed.wait_for_senders_to_finish()
    session = installed.chef / "TELEMETRY_SESSION_ID"
    session_id = session.read_text().strip()
    collector.post(an_event())  # somebody else's session stays
    assert collector.report()["sessions"] == 2

    code, out, err = installed.chefwrap("telemetry", "forget", env=env)
    assert code == 0, out + err
    assert f"Erased 1 session(s) at {collector.url}: {session_id}" in out
    assert collector.report()["sessions"] == 1
    assert ledger.entries(env) == []
    assert not session.exists()


def test_forget_says_what_it_could_not_erase_and_keeps_it(installed):
    installed.run([installed.shims / "knife", "node", "list"])
    installed.endpoint.wait_for(1)
    installed.wait_for_senders_to_finish()
    installed.endpoint.close()  # the endpoint is gone

    code, out, err = installed.chefwrap("telemetry", "forget")
    assert code == 1
    assert "Could not erase session" in out and "run forget again later" in out
    assert len(ledger.entries(installed.env())) == 1


def test_forget_with_nothing_recorded(world):
    code, out, err = world.chefwrap("telemetry", "forget")
    assert (code, out.strip()) == (0, "Nothing to forget: no session was recorded here.")


def test_forget_clears_events_that_never_left(installed):
    env = installed.env(CHEF_TELEMETRY_ENDPOINT=closed_port_url(), CHEFWRAP_SENDER_FIRST_DELAY="0.05")
    installed.opt_in(env["CHEF_TELEMETRY_ENDPOINT"])
    installed.run([installed.shims / "knife", "node", "list"], env=env)
    installed.wait_for_senders_to_finish()
    assert len(installed.spooled()) == 1
    code, out, _ = installed.chefwrap("telemetry", "forget", env=env)
    assert code == 0 and "Forgot 1 session(s) that never left this machine." in out
    assert installed.spooled() == []
