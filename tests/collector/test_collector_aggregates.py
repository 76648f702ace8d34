"""The collector's aggregates: once built, always equal to a recomputation in plain Python from the raw
events (after ingest, replays, late events, erasure), reports over any window, upgrades of databases made
by the first collector, and two collectors sharing one PostgreSQL database. Real SQLite files and a real
PostgreSQL server."""

import glob
import hashlib
import http.client
import json
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chefwrap.shim import event

from support.collector_world import (
    Collector,
    aggregates_and_recomputation,
    an_event,
    published_report,
    raw_events,
    read,
    recomputed,
    stored_aggregates,
)
from support.legacy_collector import first_collector_counts, store_like_the_first_collector
from support.world import wait_for

DAY = 86400.0
CONTEXT = {
    "cookbooks": {"source": "policyfile", "public": [{"name": "nginx", "version": "12.2.7"}, {"name": "apt", "version": "7.5.0"}], "other": 3},
    "kitchen": {"driver": "vagrant", "provisioner": "chef_infra", "platforms": ["ubuntu-22.04", "almalinux-9"], "other_plugins": 1, "other_platforms": 2},
    "versions": {"kitchen": "3.6.0", "chef-cli": "5.6.14"},
}


def gem_event(session, when=None, command="knife node list"):
    """An event as Chef's own chef-telemetry gem sends it: no event_id, only `command` in the properties."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(when))
    return {
        "instance_id": "00000000-0000-0000-0000-000000000000",
        "license_id": "00000000-0000-0000-0000-000000000000",
        "message_version": 1.0,
        "payload_version": 1.0,
        "session_id": session,
        "origin": "command-line",
        "type": "track",
        "product": "knife",
        "product_version": "0.0.0",
        "install_context": "omnibus",
        "timestamp": stamp,
        "payload": {"event": "user-command", "properties": {"command": command, "timestamp": stamp}},
    }


def unknown_event(session, when=None, name="run"):
    """An event of a type the collector does not know, with properties it must not keep."""
    sent = gem_event(session, when)
    sent["payload"] = {"event": name, "properties": {"installation_id": "secret-9f3c", "event_data": {"host": "db01.corp.example"}}}
    return sent


def varied_events(now):
    """Sessions over several days and months, with failures, options (a short and a long spelling of one),
    context, the gem's and unknown events; the first session's sent with the hash of its erase key, "erase key"."""
    first, second, gem, other = (event.new_uuid() for _ in range(4))
    key = os.urandom(32).hex()
    key_hash = {"erase_key_sha256": hashlib.sha256(key.encode()).hexdigest()}
    return {
        "first": first,
        "second": second,
        "erase key": key,
        "batches": [
            [
                {**one, **key_hash}
                for one in (
                    an_event(session=first, when=now - DAY, context=CONTEXT, tool="kitchen", argv=("converge", "-l", "debug", "-c", "4"), version="3.6.0"),
                    an_event(session=first, when=now - 60, exit_code=1),
                    an_event(session=first, when=now - DAY, argv=("bootstrap", "10.0.0.5", "-x", "admin", "-N", "web1", "--node-name", "web2")),
                    an_event(session=first, when=now - 40 * DAY, exit_code=2),
                    unknown_event(first, now),
                )
            ],
            [an_event(session=second, when=now), an_event(session=second, when=now - 2 * DAY, context={"versions": {"knife": "18.4.2"}})],
            [gem_event(gem, now), gem_event(gem, now - DAY), unknown_event(other, now - 3 * DAY, name="install")],
            [an_event(session=second, when=now - 35 * DAY, tool="chef", argv=("generate", "cookbook", "x"))],  # before its first day
        ],
    }


def assert_aggregates_are_exact(database):
    stored, recomputed = aggregates_and_recomputation(database)
    assert stored == recomputed
    return stored


def test_every_aggregate_equals_a_recomputation_after_ingest_replays_and_erasure(collector):
    now = time.time()
    sent = varied_events(now)
    for batch in sent["batches"]:
        assert collector.post(batch)[0] == 201
    replayed = [one for one in sent["batches"][0] if "event_id" in one]
    assert collector.post(replayed) == (200, {"accepted": 0, "duplicates": len(replayed)})
    before = assert_aggregates_are_exact(collector.database)
    kinds = {key[2] for key in before["daily"]}
    assert {"sessions", "command", "option", "cookbook", "platform", "version", "os-arch", "ci", "event"} <= kinds and before["weekly_sessions"]
    yesterday = datetime.now(timezone.utc).date() - timedelta(days=1)
    merged = {key[5]: value for key, value in before["daily"].items() if key[0] == yesterday and key[2] == "option" and key[4] == "--node-name"}
    assert merged == {"": (1, 0, 1), "-N": (1, 0, 1), "--node-name": (1, 0, 1)}  # one run, two spellings of one option

    assert collector.request("DELETE", f"/sessions/{sent['first']}", headers={"Erase-Key": sent["erase key"]})[0] == 204
    after = assert_aggregates_are_exact(collector.database)
    assert after != before
    assert sent["first"] not in {session for _, session in raw_events(collector.database)}
    assert not any(key[4] == "--node-name" for key in after["daily"])  # only the erased session used it


def test_the_gems_events_are_counted_and_unknown_types_by_their_name_alone(collector):
    session, yesterday = event.new_uuid(), time.time() - DAY
    assert collector.post([gem_event(session, yesterday), gem_event(session, yesterday)]) == (201, {"accepted": 2, "duplicates": 0})  # no event_id: never a replay
    assert collector.post(unknown_event(session, yesterday)) == (201, {"accepted": 1, "duplicates": 0})
    report = collector.report()
    assert report["events"] == 3 and report["sessions"] == 1
    assert report["commands"] == [{"product": "knife", "command": "knife node list", "count": 2, "failures": 0}]
    stored = assert_aggregates_are_exact(collector.database)
    day = datetime.now(timezone.utc).date() - timedelta(days=1)
    assert stored["daily"][(day, "knife", "event", "", "run", "")] == (1, 0, 1)
    if "://" not in collector.database:  # SQLite: the file and its write-ahead log
        written = b"".join(open(path, "rb").read() for path in glob.glob(collector.database + "*"))
        assert b"knife node list" in written and b"secret-9f3c" not in written and b"db01.corp.example" not in written


def test_the_schema_is_served_and_is_the_rule(collector):
    status, body = collector.request("GET", "/schema")
    schema = json.loads(body)
    assert status == 200
    declared = schema["$defs"]["Event"]
    assert {"session_id", "timestamp", "payload", "product"} <= set(declared["required"])
    assert "event_id" not in declared["required"]
    assert schema["$defs"]["Properties"]["required"] == ["command"]
    assert schema["$defs"]["Properties"]["properties"]["exit_code"]["anyOf"][0]["maximum"] == 2**31 - 1
    bad = an_event()
    bad["payload"]["properties"]["exit_code"] = 2**31
    assert collector.post(bad) == (400, {"error": "payload.properties.exit_code: expected `int` <= 2147483647"})


# Crashes and restarts


def test_a_collector_killed_while_ingesting_loses_no_acknowledged_event_and_counts_none_twice(database):
    server = Collector(database)
    sessions = [event.new_uuid() for _ in range(5)]
    acknowledged, stop = [], threading.Event()

    def post_until_killed(first):
        number = first
        while not stop.is_set():
            batch = [an_event(session=sessions[(number + n) % 5], exit_code=n % 2) for n in range(1 + number % 7)]
            try:
                status, _ = server.post(batch)
            except (OSError, http.client.HTTPException):  # killed while this request was in flight
                return
            if status == 201:
                acknowledged.extend(sent["event_id"] for sent in batch)
            number += 3

    posters = [threading.Thread(target=post_until_killed, args=(first,)) for first in range(3)]
    try:
        for poster in posters:
            poster.start()
        wait_for(lambda: len(acknowledged) >= 400, timeout=60, what="400 events acknowledged")
        server.process.kill()  # SIGKILL: no clean stop, no last fold, whatever transaction was open is lost
        server.process.communicate(timeout=30)
    finally:
        stop.set()
        for poster in posters:
            poster.join(timeout=60)
    stored = {event_id for event_id, _ in raw_events(database)}
    assert set(acknowledged) <= stored

    restarted = Collector(database, "--min-sessions", "1")
    try:
        assert restarted.report()["events"] == len(stored)
    finally:
        restarted.stop()
    assert_aggregates_are_exact(database)


def test_every_public_view_counts_the_days_not_built_yet(database, world):
    """Events of a complete day stored and not yet built (a collector killed before its builder ran, or
    late events) are in every figure at once: `collector report`, /report, the API, the export and the page."""
    from chefwrap.collector import schema_upgrade
    from chefwrap.collector.store import Store
    from chefwrap.collector.validation import events_in

    yesterday = time.time() - DAY
    store = Store(database)
    try:
        schema_upgrade.upgrade(store)
        store.add(events_in(json.dumps([an_event(argv=("node", "list"), when=yesterday) for _ in range(3)]).encode()))
    finally:
        store.close()
    assert [row.built for row in read_days(database)] == [None]

    code, out, err = world.chefwrap("collector", "report", "--database", database, "--json", "--min-sessions", "1")
    assert code == 0, err
    assert json.loads(out)["events"] == 3
    assert [(row.events, row.built) for row in read_days(database)] == [(3, 3)]

    store = Store(database)  # a late event of a day built already: the day is stale again
    try:
        store.add(events_in(json.dumps([an_event(argv=("node", "list"), when=yesterday) for _ in range(2)]).encode()))
    finally:
        store.close()
    assert [(row.events, row.built) for row in read_days(database)] == [(5, 3)]
    server = Collector(database, "--min-sessions", "1")
    try:
        runs = json.loads(server.request("GET", "/api/v1/commands?days=7")[1])["commands"]
        assert [(one["command"], one["count"]) for one in runs] == [("knife node list", 5)]
        assert server.report(days=7)["events"] == 5
        status, csv = server.request("GET", "/api/v1/export.csv?days=7")
        assert status == 200 and ",knife node list,," in csv.decode()
    finally:
        server.stop()
    assert_aggregates_are_exact(database)


def read_days(database):
    from sqlalchemy import select

    from chefwrap.collector.tables import days

    return read(database, select(days)).all()


def test_the_collector_rides_out_a_postgresql_restart():
    from support.postgres import Server

    server = Server()
    try:
        collector = Collector(server.new_database("restarted"), "--min-sessions", "1")
        try:
            with ThreadPoolExecutor(8) as clients:  # at once: every writer thread takes some, and keeps its connection
                assert {status for status, _ in clients.map(collector.post, [an_event() for _ in range(16)])} == {201}
            server.stop_server()
            server.start()
            for _ in range(8):  # the writers' kept connections died with the server: each takes a fresh one
                assert collector.post(an_event())[0] == 201
            server.stop_server()
            status, answer = collector.post(an_event())
            assert status == 503 and "send them again later" in answer["error"]
            for path in ("/", "/report?format=json", "/api/v1/commands", "/api/v1/export.csv"):  # never a 200 cut short
                assert collector.request("GET", path)[0] == 503, path
            server.start()
            assert collector.post(an_event())[0] == 201
            assert collector.report()["events"] == 25
        finally:
            collector.stop()
    finally:
        server.stop()


# Reports over windows that start mid-month, cross months and years


def store_at(database, **options):
    from chefwrap.collector import schema_upgrade
    from chefwrap.collector.store import Store

    store = Store(database, **options)
    schema_upgrade.upgrade(store)
    return store


def test_reports_over_any_window_count_exactly_the_days_inside(database):
    from chefwrap.collector.validation import events_in

    now = datetime(2026, 3, 15, 12, 0, tzinfo=timezone.utc)
    store = store_at(database)
    sent = []
    for back in range(0, 500, 3):  # an event every third day, a new session every 7th
        when = now.timestamp() - back * DAY
        sent.append(an_event(when=when, session=f"00000000-0000-4000-8000-{back // 7:012d}", exit_code=back % 2))
    store.add(events_in(json.dumps(sent).encode()), now=now)
    for days in (1, 2, 3, 4, 14, 15, 16, 17, 31, 44, 45, 46, 74, 75, 76, 77, 365, 366, 400, 499, 500, 501):
        first_day = now.date() - timedelta(days=days - 1)
        inside = [back for back in range(0, 500, 3) if (now.date() - timedelta(days=back)) >= first_day]
        report = published_report(store, days, now=now)
        assert report["events"] == len(inside), days
        assert report["commands"] == [{"product": "knife", "command": "knife node show", "count": len(inside), "failures": sum(b % 2 for b in inside)}], days
        assert report["sessions"] == len(inside), days  # session-days: one session on each day with an event
    store.close()


# Property: whatever arrives in whatever order and batches, the aggregates are exact; so after erasure

EVENTS = st.lists(
    st.tuples(
        st.integers(0, 3),  # session
        st.integers(0, 70),  # days back
        st.sampled_from([("knife", ("node", "show", "x", "-F", "json")), ("knife", ("ssh", "q", "-x", "u", "-x", "v")), ("kitchen", ("converge", "-l", "debug"))]),
        st.sampled_from([0, 1, None]),
        st.sampled_from(["shim", "context", "gem", "unknown"]),
    ),
    min_size=1,
    max_size=25,
)


def build(spec, now, sessions):
    """The event a spec says; chefwrap's own with the hash of its session's erase key (`key_of`)."""
    session_number, back, (tool, argv), exit_code, shape = spec
    session, when = sessions[session_number], now - back * DAY - session_number * 3600
    if shape == "gem":
        return gem_event(session, when)
    if shape == "unknown":
        return unknown_event(session, when)
    sent = an_event(tool=tool, argv=argv, exit_code=exit_code, session=session, when=when, context=CONTEXT if shape == "context" else None)
    return {**sent, "erase_key_sha256": hashlib.sha256(key_of(session).encode()).hexdigest()}


def key_of(session: str) -> str:
    return hashlib.sha256(session.encode()).hexdigest()  # any 64 lowercase hexadecimal characters will do


def check_any_arrival(database, specs, cuts, replays, erased):
    """Batches cut anywhere, replays mixed in, each followed by a build (so a day built already gets late
    events and is built again). Then one session's client erases its events (the gem's and unknown ones
    of that session stay), and the operator another session. After each step, the aggregates equal a
    recomputation from the raw events."""
    from chefwrap.collector import access
    from chefwrap.collector.validation import events_in

    now = time.time()
    sessions = [event.new_uuid() for _ in range(4)]
    sent = [build(spec, now, sessions) for spec in specs]
    sent += [sent[index % len(sent)] for index in replays]  # replays, mixed in
    store = store_at(database)
    try:
        start = 0
        for cut in sorted({cut for cut in cuts if cut < len(sent)}) + [len(sent)]:
            if cut > start:
                store.add(events_in(json.dumps(sent[start:cut]).encode()))
                start = cut
                assert_aggregates_are_exact(database)
        store.erase_session(sessions[erased], proof=access.proves(access.erase_key_hash(key_of(sessions[erased]))))  # its client's part
        with store.engine.connect() as connection:  # the erasure built its days itself
            assert stored_aggregates(connection) == recomputed(connection)
        store.erase_session(sessions[(erased + 1) % 4])  # the operator's: all of it
        assert_aggregates_are_exact(database)
    finally:
        store.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=EVENTS, cuts=st.lists(st.integers(1, 30), max_size=5), replays=st.lists(st.integers(0, 30), max_size=4), erased=st.integers(0, 3))
def test_aggregates_are_exact_whatever_the_order_batches_and_replays_on_sqlite(tmp_path_factory, specs, cuts, replays, erased):
    check_any_arrival(str(tmp_path_factory.mktemp("db") / "c.sqlite3"), specs, cuts, replays, erased)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=EVENTS, cuts=st.lists(st.integers(1, 30), max_size=5), replays=st.lists(st.integers(0, 30), max_size=4), erased=st.integers(0, 3))
def test_aggregates_are_exact_whatever_the_order_batches_and_replays_on_postgresql(postgres_server, specs, cuts, replays, erased):
    check_any_arrival(postgres_server.new_database(f"p_{event.new_uuid()[:8]}"), specs, cuts, replays, erased)


# Retention


def test_purge_keeps_the_aggregates_and_another_collectors_purge_waits_its_turn(database):
    from sqlalchemy import text

    from chefwrap.collector.store import PURGE_LOCK, Store
    from chefwrap.collector.validation import events_in

    now = datetime.now(timezone.utc)
    store = store_at(database)
    store.add(events_in(json.dumps([an_event(when=now.timestamp() - 10 * DAY), an_event()]).encode()))
    before = aggregates_and_recomputation(database)[0]
    keeping = Store(database, retain_days=5)
    if keeping.dialect == "postgresql":
        with store.engine.connect() as other:  # another collector is purging
            other.execute(text("SELECT pg_advisory_lock(:a, :b)"), dict(zip("ab", PURGE_LOCK)))
            assert keeping.purge() is None and len(raw_events(database)) == 2
            other.execute(text("SELECT pg_advisory_unlock(:a, :b)"), dict(zip("ab", PURGE_LOCK)))
    assert keeping.purge() == 1
    assert len(raw_events(database)) == 1
    after = aggregates_and_recomputation(database)[0]
    assert (after["daily"], after["weekly_sessions"]) == (before["daily"], before["weekly_sessions"])
    old = (now - timedelta(days=10)).date()
    assert [key for key in after["daily_sessions"] if key[0] == old] == [] != [key for key in before["daily_sessions"] if key[0] == old]  # no session id kept
    assert published_report(keeping, 30)["events"] == 2
    for held in (store, keeping):
        held.close()


# Upgrading a database the first collector made


def test_a_day_is_built_before_its_events_are_purged(database):
    """Events of a day about to leave the retention window that were never built (late ones, or a collector
    stopped before its builder ran) are counted before they go: the purge builds first."""
    from chefwrap.collector.store import Store
    from chefwrap.collector.validation import events_in

    now = datetime.now(timezone.utc)
    old = now - timedelta(days=10)
    store = store_at(database)
    one = event.new_uuid()
    store.add(events_in(json.dumps([an_event(session=one, when=old.timestamp() - 60 * minute) for minute in range(3)]).encode()), now=old)
    assert [row.built for row in read_days(database)] == [None]
    keeping = Store(database, retain_days=5)
    try:
        assert keeping.purge(now=now) == 3
    finally:
        keeping.close()
        store.close()
    assert raw_events(database) == []
    stored = aggregates_and_recomputation(database)[0]
    assert stored["daily"][(old.date(), "knife", "command", "knife node show", "", "")] == (3, 0, 1)


def test_a_database_of_the_first_collector_upgrades_in_place_with_nothing_lost(database, world):
    now = datetime.now(timezone.utc)
    sent = []
    for number in range(60):
        session = f"00000000-0000-4000-8000-{number % 9:012d}"
        when = now.timestamp() - (1 + number % 20) * DAY
        sent.append(an_event(session=session, when=when, exit_code=number % 3, context=CONTEXT if number % 4 == 0 else None))
    sent.append(gem_event("00000000-0000-4000-8000-000000000099", now.timestamp() - 2 * DAY))
    store_like_the_first_collector(database, sent)
    counted = first_collector_counts(database, now - timedelta(days=30))

    code, out, err = world.chefwrap("collector", "report", "--database", database)
    assert code == 1 and "chefwrap collector migrate --database" in err and err.count("\n") == 1
    code, out, err = world.chefwrap("collector", "migrate", "--database", database)
    assert (code, out.strip()) == (0, "Upgraded the database's schema from revision 0001 to 0005."), err
    assert len(raw_events(database)) == len(sent)
    assert_aggregates_are_exact(database)
    code, out, err = world.chefwrap("collector", "report", "--database", database, "--json", "--min-sessions", "1")
    report = json.loads(out)
    session_days = {(one["session_id"], datetime.strptime(one["timestamp"], "%Y-%m-%dT%H:%M:%SZ").date()) for one in sent}
    assert (report["events"], report["sessions"]) == (counted["events"], len(session_days))
    assert {(row["product"], row["command"]): row["count"] for row in report["commands"]} == counted["commands"]
    assert {row["option"]: row["count"] for row in report["options"]} == {"--format": counted["named"][("option", "-F", None)]}  # -F, named by its long spelling
    assert {("cookbook", row["name"], row["version"]): row["count"] for row in report["cookbooks"]} == {k: v for k, v in counted["named"].items() if k[0] == "cookbook"}
    code, out, _ = world.chefwrap("collector", "migrate", "--database", database)
    assert "nothing to do" in out


def test_serve_upgrades_at_start_and_refuses_a_database_newer_than_itself(database):
    from sqlalchemy import text

    from chefwrap.collector.store import Store

    store_like_the_first_collector(database, [an_event()])
    server = Collector(database, "--min-sessions", "1")
    try:
        assert "from revision 0001 to 0005" in server.upgraded
        assert server.report()["events"] == 1
    finally:
        server.stop()
    store = Store(database)
    with store.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    store.close()
    with pytest.raises(AssertionError) as refused:
        Collector(database)
    assert "newer than this collector's" in str(refused.value) and "pip install --upgrade" in str(refused.value)


# Two collectors on one PostgreSQL database


def test_two_collectors_on_one_postgresql_count_each_event_once(postgres_server):
    database = postgres_server.new_database(f"two_{event.new_uuid()[:8]}")
    first, second = Collector(database, "--min-sessions", "1"), Collector(database, "--min-sessions", "1")
    now = time.time()
    sessions = [event.new_uuid() for _ in range(6)]
    sent = [
        an_event(session=sessions[n % 6], when=now - (n % 3) * DAY, exit_code=n % 2, context=CONTEXT if n % 5 == 0 else None) for n in range(1440)
    ]
    # batches of 20, left pending and folded, and of 600, counted as they are stored, on the same sessions
    batches = [sent[start : start + 20] for start in range(0, 240, 20)] + [sent[240:840], sent[840:]]
    batches.insert(6, batches.pop())
    answers, problems = [], []

    def post_all(collector, order):
        try:
            for batch in order:
                answers.append(collector.post(batch))
            for one in batches[0]:
                answers.append(collector.post(one))
        except Exception as problem:  # noqa: BLE001 - reported by the test below
            problems.append(problem)

    threads = [threading.Thread(target=post_all, args=(first, batches)), threading.Thread(target=post_all, args=(second, batches[::-1]))]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not problems and all(status in (200, 201) for status, _ in answers)
        assert sum(answer["accepted"] for _, answer in answers) == 1440
        assert len(raw_events(database)) == 1440
        assert_aggregates_are_exact(database)
        assert first.report()["events"] == second.report()["events"] == 1440
    finally:
        first.stop()
        second.stop()
