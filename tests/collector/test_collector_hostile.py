"""A collector a team can put on its network, attacked as its hostile clients would (issue 22): who may post
(ingest tokens), who may erase (the erase key's proof), what a hostile body may name and cost, what the
outputs let a browser or a spreadsheet do, and what half-open connections and a database outage do to the
collector and its log. Served for real (`chefwrap collector serve`) on loopback, on real SQLite files and
a real PostgreSQL server."""

import csv
import hashlib
import http.client
import io
import json
import os
import resource
import signal
import socket
import ssl
import statistics
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from chefwrap.collector import known_names
from chefwrap.collector.known_names import MAX_CONTEXT_NAMES, MAX_OPTIONS, OTHER_PRODUCT
from chefwrap.shim import event

from support.collector_world import HOSTILE_OPTIONS, Collector, aggregates_and_recomputation, an_event, hostile_batch, raw_events, read
from support.world import wait_for

DAY = 86400.0
TOKEN = "platform-team-7f3c9a1e5b2d4c6a"
DOCS = Path(__file__).resolve().parent.parent.parent / "docs" / "collector.md"


def with_erase_key(sent: dict, key: str) -> dict:
    """The event as chefwrap's client sends it: with the SHA-256 of its session's erase key."""
    return {**sent, "erase_key_sha256": hashlib.sha256(key.encode()).hexdigest()}


def a_key() -> str:
    return os.urandom(32).hex()


def token_file(folder: Path, *lines: str) -> Path:
    path = folder / "ingest-tokens"
    path.write_text("".join(line + "\n" for line in lines))
    return path


def bearer(token: str = TOKEN) -> dict:
    return {"Authorization": f"Bearer {token}"}


def docs_text() -> str:
    return " ".join(DOCS.read_text().split())


# The fast tier: the rules in-process


def test_the_rules_in_process(tmp_path):
    import asyncio

    from chefwrap.collector import access, api
    from chefwrap.collector.headers import DEFAULT_POLICY, SecurityHeaders
    from chefwrap.collector.validation import Invalid, events_in

    sent = an_event(argv=("node", "show", "web1", "-F", "json"))
    sent["product"] = "knife"
    sent["payload"]["properties"]["options"] = ["-F", "--bogus"] + ["--format"] * 100
    (kept,) = events_in(json.dumps(sent).encode())
    assert kept.stored.payload.properties.options == ["-F", "<other-option>"] + ["--format"] * (MAX_OPTIONS - 2)
    sent["payload"]["properties"]["command"] = "knife node show-me-everything"
    assert events_in(json.dumps(sent).encode())[0].stored.payload.properties.command == "knife"
    with pytest.raises(Invalid, match=r"^timestamp is after tomorrow"):
        events_in(json.dumps(an_event(when=time.time() + 2 * DAY)).encode())

    assert [api.spreadsheet_safe(cell) for cell in ("=1", "+1", "-F", "@x", "\tx", "\rx", "knife", 7, "")] == ["'=1", "'+1", "'-F", "'@x", "'\tx", "'\rx", "knife", 7, ""]
    for days in ("²", "①", "７", "9" * 5000, "0" * 6 + "1", "", "0", "36501"):
        with pytest.raises(api.BadQuery, match="^days must be"):
            api.whole_days(days)
    assert api.whole_days("365") == 365

    tokens = access.IngestTokens(str(token_file(tmp_path, TOKEN)))
    assert tokens.allow(f"Bearer {TOKEN}".encode()) and tokens.allow(f"BEARER  {TOKEN} ".encode())
    assert not tokens.allow(f"Bearer {TOKEN}x".encode()) and not tokens.allow(TOKEN.encode()) and not tokens.allow(b"")
    token_file(tmp_path, "")
    with pytest.raises(access.TokenFileError):
        tokens.reload()
    assert tokens.allow(f"Bearer {TOKEN}".encode())  # kept
    with pytest.raises(ValueError):
        access.erase_key_hash("A" * 64)
    key = a_key()
    proof = access.proves(access.erase_key_hash(key))
    assert proof(hashlib.sha256(key.encode()).hexdigest()) and not proof(None) and not proof("0" * 64)

    async def page(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/html; charset=utf-8")]})

    async def own_policy(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/html"), (b"content-security-policy", b"x")]})

    def answered(app):
        sent = []

        async def send(message):
            sent.append(message)

        asyncio.run(SecurityHeaders(app)({"type": "http"}, None, send))
        return sent[0]["headers"]

    assert (b"x-content-type-options", b"nosniff") in answered(page) and (b"content-security-policy", DEFAULT_POLICY) in answered(page)
    assert [value for name, value in answered(own_policy) if name == b"content-security-policy"] == [b"x"]


# Ingest tokens


def test_with_ingest_tokens_only_a_holder_may_post_and_the_token_is_kept_nowhere(tmp_path):
    database = tmp_path / "collector.sqlite3"
    tokens = token_file(tmp_path, "# the platform team, issued 2026-12", TOKEN, "", "second-token-0123456789")
    server = Collector(str(database), "--ingest-tokens", str(tokens), "--min-sessions", "1")
    try:
        assert "ingest with 2 token(s)" in server.banner
        for headers in ({}, bearer("platform-team-7f3c9a1e5b2d4c6b"), bearer(TOKEN[:-1]), {"Authorization": f"Basic {TOKEN}"}, {"Authorization": TOKEN}):
            status, answered, body = server.exchange("POST", "/events", json.dumps(an_event()).encode(), {"Content-Type": "application/json", **headers})
            assert status == 401, headers
            assert answered["www-authenticate"].startswith("Bearer") and "ingest token" in json.loads(body)["error"]
        assert server.post(an_event(), headers=bearer())[0] == 201
        assert server.post(an_event(), headers={"Authorization": "bearer second-token-0123456789"})[0] == 201
        assert server.report()["events"] == 2  # the views need no token; nothing refused was stored
    finally:
        output = server.stop()
    stored = b"".join(path.read_bytes() for path in tmp_path.iterdir() if path != tokens)
    assert TOKEN.encode() not in stored and TOKEN not in output


def test_without_ingest_tokens_ingest_is_open_and_says_so(collector):
    assert "ingest open to anyone who can reach it" in collector.banner
    assert collector.post(an_event())[0] == 201
    collector.process.send_signal(signal.SIGHUP)  # a reload (systemctl reload) must not stop it
    wait_for(lambda: collector.post(an_event())[0] == 201, what="the collector to go on serving")
    assert collector.process.poll() is None
    assert "Without `--ingest-tokens`, anyone who can reach the collector can post" in docs_text()


def test_the_tokens_are_read_again_on_sighup_and_a_bad_file_keeps_them(tmp_path):
    tokens = token_file(tmp_path, TOKEN)
    server = Collector(str(tmp_path / "collector.sqlite3"), "--ingest-tokens", str(tokens), "--min-sessions", "1")
    newer = "rotated-token-5e8d2b7c1a9f"
    try:
        assert server.post(an_event(), headers=bearer())[0] == 201
        token_file(tmp_path, newer)
        server.process.send_signal(signal.SIGHUP)
        wait_for(lambda: server.post(an_event(), headers=bearer(newer))[0] == 201, what="the new token to be read")
        assert server.post(an_event(), headers=bearer())[0] == 401  # the old one is gone
        token_file(tmp_path, "short")
        server.process.send_signal(signal.SIGHUP)
        time.sleep(1)
        assert server.post(an_event(), headers=bearer(newer))[0] == 201
    finally:
        output = server.stop()
    assert "read 1 ingest token(s)" in output
    assert "kept the 1 ingest token(s) in use" in output and "line 1" in output and "short" not in output


@pytest.mark.parametrize(
    "lines, message",
    [
        (None, "cannot read the ingest tokens"),
        (["", "# nobody yet"], "holds no token"),
        ([TOKEN, "too-short"], "line 2: a token is 16 to 512 visible ASCII characters"),
        ([TOKEN, "with a space inside it"], "line 2"),
    ],
    ids=["missing", "empty", "short", "space"],
)
def test_a_token_file_that_cannot_be_used_stops_serve_with_one_line(world, tmp_path, lines, message):
    path = tmp_path / "missing" if lines is None else token_file(tmp_path, *lines)
    code, out, err = world.chefwrap("collector", "serve", "--database", str(tmp_path / "c.sqlite3"), "--ingest-tokens", str(path))
    assert (code, out) == (1, "") and message in err and err.count("\n") == 1 and "too-short" not in err


# The unmask attack: the threshold hides one session's rare command; fake sessions would reveal it


def victims_day(server, headers):
    """Yesterday: five sessions list nodes (so knife's day counts), and one session rotates vault keys
    three times, failing each time."""
    yesterday = time.time() - DAY
    for _ in range(5):
        assert server.post(an_event(argv=("node", "list"), session=event.new_uuid(), when=yesterday), headers=headers)[0] == 201
    victim = event.new_uuid()
    for _ in range(3):
        assert server.post(an_event(argv=("vault", "rotate", "all", "keys"), exit_code=1, session=victim, when=yesterday), headers=headers)[0] == 201


def rotations(server):
    status, body = server.request("GET", "/api/v1/commands?days=1")
    assert status == 200
    return [(row["count"], row["failures"]) for row in json.loads(body)["commands"] if row["command"] == "knife vault rotate all keys"]


def fake_sessions(server, headers):
    yesterday = time.time() - DAY
    return [server.post(an_event(argv=("vault", "rotate", "all", "keys"), session=event.new_uuid(), when=yesterday), headers=headers)[0] for _ in range(4)]


def test_the_unmask_attack_is_refused_without_a_token(tmp_path):
    server = Collector(str(tmp_path / "collector.sqlite3"), "--ingest-tokens", str(token_file(tmp_path, TOKEN)))  # K = 5
    try:
        victims_day(server, bearer())
        assert rotations(server) == []
        assert fake_sessions(server, {}) == [401] * 4
        assert rotations(server) == []
    finally:
        server.stop()


def test_with_a_token_fake_sessions_still_unmask_and_the_docs_say_so(tmp_path):
    server = Collector(str(tmp_path / "collector.sqlite3"), "--ingest-tokens", str(token_file(tmp_path, TOKEN)))
    try:
        victims_day(server, bearer())
        assert fake_sessions(server, bearer()) == [201] * 4
        assert rotations(server) == [(7, 3)]  # the victim ran it three times and failed all three
    finally:
        server.stop()
    assert "anyone holding a token can still post fake sessions until a rare name shows" in docs_text()


# Erasure needs proof


def test_erasure_needs_the_sessions_erase_key(collector):
    key, theirs = a_key(), a_key()
    mine = event.new_uuid()
    planted = with_erase_key(an_event(session=mine, argv=("node", "list")), theirs)  # someone posting into my session
    assert collector.post([with_erase_key(an_event(session=mine), key), with_erase_key(an_event(session=mine), key), planted])[0] == 201
    other = event.new_uuid()
    collector.post(with_erase_key(an_event(session=other), a_key()))

    for headers, status in [({}, 403), ({"Erase-Key": a_key()}, 403), ({"Erase-Key": hashlib.sha256(key.encode()).hexdigest()}, 403)]:
        answered, body = collector.request("DELETE", f"/sessions/{mine}", headers=headers)
        assert answered == status and "nothing was erased" in json.loads(body)["error"]
    assert collector.report()["events"] == 4
    assert collector.request("DELETE", f"/sessions/{mine}", headers={"Erase-Key": key.upper()})[0] == 400

    assert collector.request("DELETE", f"/sessions/{mine.upper()}", headers={"Erase-Key": key}) == (204, b"")
    assert sorted(session for _, session in raw_events(collector.database)) == sorted([mine, other])  # the planted event is not mine to erase
    stored, recomputed = aggregates_and_recomputation(collector.database)
    assert stored == recomputed
    assert collector.report()["commands"] == [
        {"product": "knife", "command": "knife node list", "count": 1, "failures": 0},
        {"product": "knife", "command": "knife node show", "count": 1, "failures": 0},
    ]
    assert collector.request("DELETE", f"/sessions/{mine}", headers={"Erase-Key": key})[0] == 403  # what is left was not sent with it
    assert collector.request("DELETE", f"/sessions/{event.new_uuid()}", headers={"Erase-Key": key}) == (204, b"")  # nothing held at all


def test_a_session_sent_without_a_hash_is_erased_by_the_operator_alone(world, collector):
    gem_session = event.new_uuid()
    collector.post([an_event(session=gem_session), an_event(session=gem_session, exit_code=1), an_event()])
    assert collector.request("DELETE", f"/sessions/{gem_session}", headers={"Erase-Key": a_key()})[0] == 403
    code, out, err = world.chefwrap("collector", "erase", "--session", gem_session, "--database", collector.database)
    assert (code, err) == (0, "") and f"Erased the 2 event(s) of session {gem_session}" in out
    assert collector.report()["events"] == 1
    stored, recomputed = aggregates_and_recomputation(collector.database)
    assert stored == recomputed
    code, out, _ = world.chefwrap("collector", "erase", "--session", gem_session, "--database", collector.database)
    assert code == 0 and "holds no event of session" in out


def test_the_operators_erase_checks_its_arguments(world, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit:
        world.chefwrap("collector", "erase", "--session", "not-a-uuid")
    assert exit.value.code == 2 and "a session id is a UUID" in capsys.readouterr().err
    code, out, err = world.chefwrap("collector", "erase", "--session", event.new_uuid(), "--database", str(tmp_path / "none.sqlite3"))
    assert code == 1 and "no collector database at" in err and not (tmp_path / "none.sqlite3").exists()


def test_the_erase_key_hash_is_checked_and_never_in_the_events_json(collector):
    bad = an_event()
    bad["erase_key_sha256"] = "F" * 64
    status, answer = collector.post([an_event(), bad])
    assert status == 400 and answer["error"].startswith("[1].erase_key_sha256 must be 64 lowercase hexadecimal characters")
    key = a_key()
    assert collector.post(with_erase_key(an_event(), key))[0] == 201
    from sqlalchemy import select

    from chefwrap.collector.tables import events

    ((stored, kept),) = read(collector.database, select(events.c.event, events.c.erase_key_sha256)).all()
    assert kept == hashlib.sha256(key.encode()).hexdigest() and "erase_key" not in stored


# Only names the collector can know


def test_only_names_the_grammar_defines_are_kept(collector):
    sent = an_event(argv=("node", "show", "web1", "-F", "json"))
    sent["payload"]["properties"]["options"] = ["-F", "--not-an-option", "=HYPERLINK(\"http://x\")", "--format", "-F" * 60]
    unknown_command = an_event()
    unknown_command["payload"]["properties"]["command"] = "knife secret-project deploy"
    elsewhere = an_event()
    elsewhere["product"] = "acme-internal-tool"
    elsewhere["payload"]["properties"]["command"] = "acme-internal-tool launch"
    long_options = an_event(argv=("node", "show", "web1"))
    long_options["payload"]["properties"]["options"] = ["-F"] * 70
    gem = an_event()
    gem["product"] = "chef-workstation-cli"
    gem["payload"]["properties"] = {"command": "chef-workstation-cli generate cookbook acme-payroll"}
    assert collector.post([sent, unknown_command, elsewhere, long_options, gem])[0] == 201

    report = collector.report()
    assert sorted((row["product"], row["command"], row["count"]) for row in report["commands"]) == [
        ("<other-product>", "<other-product>", 1),
        ("chef-workstation-cli", "chef-workstation-cli", 1),
        ("knife", "knife", 1),
        ("knife", "knife node show", 2),
    ]
    options = {(row["command"], row["option"]): row["count"] for row in report["options"]}
    # runs that used each option, by command: -F and --format are one option; -F is a global option of
    # knife's, so the event whose command is unknown keeps it; the 70 -F's (64 of them kept) are one run
    assert options == {("knife node show", "--format"): 2, ("knife node show", "<other-option>"): 1, ("knife", "--format"): 1, (OTHER_PRODUCT, "<other-option>"): 1}
    status, body = collector.request("GET", "/api/v1/options?command=knife+node+show")
    spellings = {row["option"]: {one["spelling"]: one["count"] for one in row["spellings"]} for row in json.loads(body)["options"]}
    assert spellings["--format"] == {"-F": 2, "--format": 1}


def test_names_of_context_are_bounded_an_event_and_counted_beyond(collector):
    context = {
        "cookbooks": {"source": "policyfile", "public": [{"name": f"book{number:03d}", "version": "1.0.0"} for number in range(60)], "other": 2},
        "kitchen": {"driver": "x" * 101, "provisioner": "chef_infra", "platforms": [f"ubuntu-{number}.04" for number in range(10)], "other_platforms": 1},
        "versions": {"kitchen": "3.6.0"},
    }
    sent = an_event(tool="kitchen", argv=("converge",), context=context)
    sent["payload"]["properties"]["arch"] = "a" * 101
    assert collector.post(sent)[0] == 201
    from sqlalchemy import select

    from chefwrap.collector.tables import events
    from chefwrap.collector.validation import decode

    ((stored,),) = read(collector.database, select(events.c.event)).all()
    kept = decode(stored).payload.properties
    names = len(kept.cookbooks.public) + sum(getattr(kept.kitchen, kind) is not None for kind in ("driver", "provisioner", "verifier", "transport"))
    names += len(kept.kitchen.platforms) + len(kept.versions)
    assert names == MAX_CONTEXT_NAMES
    assert (len(kept.cookbooks.public), kept.cookbooks.other) == (60, 2)  # all named
    assert (kept.kitchen.driver, kept.kitchen.provisioner, kept.kitchen.other_plugins) == (None, "chef_infra", 1)  # 101 characters: counted
    assert (kept.kitchen.platforms, kept.kitchen.other_platforms) == (["ubuntu-0.04", "ubuntu-1.04", "ubuntu-2.04"], 1 + 7)
    assert kept.versions == {} and kept.arch is None


def aggregate_rows(database) -> dict:
    """How many rows each aggregate table holds, once every complete day is built."""
    from sqlalchemy import func, select

    from chefwrap.collector.store import Store
    from chefwrap.collector.tables import AGGREGATES, event_items

    store = Store(database)
    store.build()
    store.close()
    return {table.name: read(database, select(func.count()).select_from(table)).scalar() for table in (*AGGREGATES, event_items)}


def page_time(server) -> float:
    """The median of the collector's own time for GET / (its Server-Timing), in milliseconds."""
    took = []
    for _ in range(9):
        _, headers, _ = server.exchange("GET", "/")
        took.append(float(headers["server-timing"].split("dur=")[1]))
    return statistics.median(took)


def test_hostile_batches_cost_a_bounded_number_of_rows_and_the_page_stays_fast(tmp_path):
    from test_dashboard import a_team

    database = str(tmp_path / "collector.sqlite3")
    server = Collector(database)  # K = 5, the default
    try:
        team = a_team(datetime.now(timezone.utc).date())
        for start in range(0, len(team), 1000):
            assert server.post(team[start : start + 1000])[0] == 201
        before, rows_before = page_time(server), aggregate_rows(database)
        for number in range(12):
            body = hostile_batch(number)
            assert len(body) < 1024 * 1024 and server.post(body)[0] == 201
        after, rows_after = page_time(server), aggregate_rows(database)
    finally:
        server.stop()
    added = {table: rows_after[table] - rows_before[table] for table in rows_after}
    # 20 days, one command (the tool alone), its real options and <other-option>, merged and spelled: a row a day and name
    options = 2 * (len(set(HOSTILE_OPTIONS) & known_names.option_table("knife")) + 1)
    assert added["daily"] <= 20 * (options + 9)  # and sessions, product, event, command, OS, architecture, both, CI, version
    assert added["daily_sessions"] <= 12_000 * (options + 9) and added["weekly_sessions"] <= 2 * 4
    assert after <= 2 * before + 25, (before, after)  # 25 ms for the noise of a shared machine


def test_every_free_name_at_its_limit_still_costs_a_bounded_number_of_rows(collector):
    """The bound stated in docs/collector.md: an event adds at most 268 rows a day to `daily` (and as many
    to `daily_sessions`) and 260 to `event_items`, however it fills its names."""
    batch = []
    for index in range(10):
        context = {
            "cookbooks": {"public": [{"name": f"b{index}-{number}", "version": "1"} for number in range(70)], "other": 1},
            "kitchen": {"driver": f"d{index}", "platforms": [f"p{index}-{number}" for number in range(10)], "other_plugins": 1, "other_platforms": 1},
            "versions": {f"t{index}-{number}": "1" for number in range(20)},
        }
        sent = an_event(tool="kitchen", argv=("converge",), context=context, session=event.new_uuid(), when=time.time() - DAY)
        properties = sent["payload"]["properties"]
        properties.update(os=f"os{index}", arch=f"arch{index}", options=[f"--o{index}-{number}" for number in range(200)])
        sent["product_version"] = f"v{index}"
        batch.append(sent)
    assert collector.post(batch)[0] == 201
    rows = aggregate_rows(collector.database)
    per_day = 8 + 2 * MAX_OPTIONS + 2 * MAX_CONTEXT_NAMES + 3 + 1
    assert rows["daily"] <= 10 * per_day and rows["daily_sessions"] <= 10 * per_day and rows["event_items"] <= 10 * (per_day - 8)
    assert rows["daily"] > 10 * (MAX_CONTEXT_NAMES + 8)  # each event's own names are there
    assert f"at most {per_day} rows" in docs_text()


# Safe outputs


FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-2+3", "@SUM(1+1)", "\t=1+1", "\r=1+1"]


def test_formula_cells_are_neutralised_in_the_export(collector):
    sent = an_event(tool="kitchen", argv=("converge", "-l", "debug"), context={
        "cookbooks": {"public": [{"name": formula, "version": "=1+1"} for formula in FORMULAS]},
        "kitchen": {"driver": "@cmd", "platforms": ["+ubuntu"]},
    })
    sent["payload"]["properties"].update(os="=os", arch="-arch")
    assert collector.post(sent)[0] == 201
    status, body = collector.request("GET", "/api/v1/export.csv?days=1")
    assert status == 200
    cells = [cell for row in csv.reader(io.StringIO(body.decode(), newline="")) for cell in row]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")], body.decode()
    for formula in FORMULAS + ["=1+1", "@cmd", "+ubuntu", "=os", "-arch", "-l"]:
        assert "'" + formula in cells, formula


ROUTES = [
    ("GET", "/", None, {}),
    ("GET", "/?days=x", None, {}),
    ("GET", "/report", None, {}),
    ("GET", "/report?format=json", None, {}),
    ("GET", "/report?format=xml", None, {}),
    *(("GET", f"/api/v1/{endpoint}", None, {}) for endpoint in ("commands", "options", "cookbooks", "kitchen", "platforms", "versions", "series", "totals", "export.csv", "nothing")),
    ("GET", "/schema", None, {}),
    ("GET", "/nowhere", None, {}),
    ("PUT", "/events", None, {}),
    ("POST", "/events", "event", {"Content-Type": "application/json"}),
    ("POST", "/events", b"{", {"Content-Type": "application/json"}),
    ("POST", "/events", b"{}", {"Content-Type": "text/plain"}),
    ("POST", "/events", b"x" * (1024 * 1024 + 1), {"Content-Type": "application/json"}),
    ("DELETE", "/sessions/00000000-0000-4000-8000-000000000001", None, {"Erase-Key": "0" * 64}),
    ("DELETE", "/sessions/00000000-0000-4000-8000-000000000001", None, {}),
    ("DELETE", "/sessions/x", None, {}),
]


def test_every_response_says_nosniff_and_every_page_forbids_framing(collector):
    statuses = set()
    for method, path, body, headers in ROUTES:
        data = json.dumps(an_event()).encode() if body == "event" else body
        status, answered, _ = collector.exchange(method, path, data, headers)
        statuses.add(status)
        assert answered.get("x-content-type-options") == "nosniff", (method, path, status)
        if answered.get("content-type", "").startswith("text/html"):
            policy = answered["content-security-policy"]
            assert "frame-ancestors 'none'" in policy and "default-src 'none'" in policy, (method, path)
    assert {200, 201, 204, 400, 403, 404, 405, 413, 415} <= statuses


ODD_DAYS = ["%C2%B2", "%E2%91%A0", "9" * 5000, "0" * 5000 + "7", "%EF%BC%97", "", "1e3", "%2B7", "%207", "-7"]


@pytest.mark.parametrize(
    "days", ODD_DAYS, ids=["superscript-two", "circled-one", "5000-digits", "5001-digits-leading-zeros", "fullwidth-seven", "empty", "exponent", "plus", "space", "minus"]
)
def test_odd_days_are_a_400_naming_the_parameter_everywhere(days, odd_days_collector):
    for path in ("/", "/report", "/report?format=json", *(f"/api/v1/{endpoint}" for endpoint in ("commands", "series", "totals", "export.csv"))):
        separator = "&" if "?" in path else "?"
        status, body = odd_days_collector.request("GET", f"{path}{separator}days={days}")
        assert status == 400 and b"days must be a whole number" in body, (path, status, body[:200])


@pytest.fixture(scope="module")
def odd_days_collector(tmp_path_factory):
    server = Collector(str(tmp_path_factory.mktemp("odd") / "collector.sqlite3"))
    yield server
    server.stop()


def test_a_time_past_tomorrow_is_refused_naming_the_field(collector):
    far = an_event()
    far["timestamp"] = "9999-12-31T23:59:59Z"
    status, answer = collector.post([an_event(), far])
    assert (status, answer["error"]) == (400, "[1].timestamp is after tomorrow (UTC) by the collector's clock")
    ahead = an_event(when=time.time() + 2 * DAY)
    assert collector.post(ahead)[0] == 400
    assert collector.post(an_event(when=time.time() + DAY - 600))[0] == 201  # a clock a little ahead is kept
    assert len(raw_events(collector.database)) == 1


# Bounded under attack


def half_open(port: int, count: int) -> list:
    """`count` connections that each send half a request head and stop."""
    opened = []
    for _ in range(count):
        connection = socket.create_connection(("127.0.0.1", port), timeout=30)
        opened.append(connection)
        try:
            connection.sendall(b"POST /events HTTP/1.1\r\nHost: collector\r\nContent-Type: appl")
        except OSError:
            pass  # closed already, to make room
    return opened


def timed_post(server) -> tuple:
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.request("POST", "/events", json.dumps(an_event()).encode(), {"Content-Type": "application/json"})
        status = connection.getresponse().status
    finally:
        connection.close()
    return status, time.monotonic() - started


def a_lower_open_file_limit():
    resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))  # the usual default of a login shell or a systemd service


def test_2000_half_open_connections_do_not_starve_a_real_post(tmp_path):
    server = Collector(str(tmp_path / "collector.sqlite3"), "--min-sessions", "1", preexec_fn=a_lower_open_file_limit)
    attackers = []
    try:
        attackers = half_open(server.port, 2000)
        time.sleep(2)  # the collector has taken them all in
        status, took = timed_post(server)
        assert status == 201 and took < 1.0, took
        assert server.report()["events"] == 1
        assert "at most 896 connections" in server.banner  # the open-file limit less what the collector keeps for itself
    finally:
        for connection in attackers:
            connection.close()
        output = server.stop()
    assert "Traceback" not in output


def test_a_head_or_a_body_that_does_not_arrive_in_time_loses_its_connection(tmp_path):
    server = Collector(str(tmp_path / "collector.sqlite3"), "--header-timeout", "1", "--body-timeout", "1")
    try:
        (slow_head,) = half_open(server.port, 1)
        slow_body = socket.create_connection(("127.0.0.1", server.port), timeout=30)
        slow_body.sendall(b"POST /events HTTP/1.1\r\nHost: c\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"instance")
        silent = socket.create_connection(("127.0.0.1", server.port), timeout=30)
        started = time.monotonic()
        assert slow_head.recv(1000).startswith(b"HTTP/1.1 408 ")
        assert slow_body.recv(1000) == b"" and silent.recv(1000) == b""  # closed
        assert time.monotonic() - started < 10
        huge = socket.create_connection(("127.0.0.1", server.port), timeout=30)
        huge.sendall(b"GET / HTTP/1.1\r\nHost: c\r\n" + b"X-Padding: " + b"p" * 66_000 + b"\r\n")
        assert huge.recv(1000).startswith(b"HTTP/1.1 431 ")
        assert server.post(an_event())[0] == 201  # and it goes on serving
    finally:
        output = server.stop()
    assert "Traceback" not in output


def test_beyond_the_cap_the_oldest_idle_connections_make_room(tmp_path):
    server = Collector(str(tmp_path / "collector.sqlite3"), "--max-connections", "20")
    attackers = []
    try:
        attackers = half_open(server.port, 60)
        time.sleep(1)
        assert attackers[0].recv(100) == b""  # the oldest went first
        status, took = timed_post(server)
        assert status == 201 and took < 1.0
    finally:
        for connection in attackers:
            connection.close()
        output = server.stop()
    assert "at most 20 connections" in server.banner and "Traceback" not in output


def test_a_database_outage_is_one_line_when_it_goes_and_one_when_it_is_back():
    from support.postgres import Server

    database = Server()
    try:
        server = Collector(database.new_database("outage"), "--min-sessions", "1")
        try:
            assert server.post(an_event())[0] == 201
            database.stop_server()
            for _ in range(30):
                assert server.post(an_event())[0] == 503
            for path in ("/", "/api/v1/commands", "/report?format=json", "/api/v1/export.csv"):
                assert server.request("GET", path)[0] == 503
            assert server.request("DELETE", f"/sessions/{event.new_uuid()}", headers={"Erase-Key": a_key()})[0] == 503
            time.sleep(2)  # the writer's folds fail too
            database.start()
            wait_for(lambda: server.post(an_event())[0] == 201, timeout=30, what="the database to be back")
            assert server.report()["events"] == 2
        finally:
            output = server.stop()
    finally:
        database.stop()
    lines = [line for line in output.splitlines() if line.strip() and "listening on" not in line]
    assert len([line for line in lines if "the database cannot be used" in line]) == 1, output
    assert len([line for line in lines if "the database is back" in line]) == 1, output
    assert "Traceback" not in output and len(lines) == 2, output


# Deployment


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")],
        check=True, capture_output=True,
    )
    return folder / "cert.pem", folder / "key.pem"


def test_serve_speaks_https_with_a_certificate(tmp_path, certificate):
    cert, key = certificate
    trusting = ssl.create_default_context(cafile=str(cert))
    server = Collector(str(tmp_path / "c.sqlite3"), "--ssl-certfile", str(cert), "--ssl-keyfile", str(key), "--min-sessions", "1", tls=trusting)
    try:
        assert server.url.startswith("https://127.0.0.1:")
        assert server.post(an_event())[0] == 201
        assert server.report()["events"] == 1
        plain = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        with pytest.raises((http.client.HTTPException, OSError)):
            plain.request("GET", "/api/v1/totals")
            plain.getresponse().read()
        plain.close()
    finally:
        server.stop()


def test_a_certificate_that_cannot_be_used_is_one_line(world, tmp_path, certificate):
    cert, _ = certificate
    code, _, err = world.chefwrap("collector", "serve", "--database", str(tmp_path / "c.sqlite3"), "--ssl-certfile", str(tmp_path / "none.pem"))
    assert code == 1 and "cannot use the certificate" in err and err.count("\n") == 1
    code, _, err = world.chefwrap("collector", "serve", "--database", str(tmp_path / "c.sqlite3"), "--ssl-keyfile", str(cert))
    assert code == 2 and "--ssl-keyfile needs --ssl-certfile" in err


def test_the_deployment_is_documented():
    text = docs_text()
    for needed in ("--host 0.0.0.0", "--ssl-certfile", "proxy_pass", "[Service]", "LimitNOFILE", "pg_dump", "sqlite3", ".backup", "SIGHUP"):
        assert needed in text, needed
