"""The privacy threshold of every public view, proved on crafted data: a name is shown for a period (a
window, the window before it, a week, a day) only when at least K distinct sessions used it in that period,
and then with its whole figure; a tool only when K sessions used it; complete days only.

The figures are checked against a model of the rule computed straight from the events sent (with their
session ids, which the views never read), on real SQLite files and a real PostgreSQL server."""

import csv
import io
import json
from collections import defaultdict
from datetime import date, datetime, time, timedelta, timezone

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from chefwrap.collector import published
from chefwrap.collector.known_names import option_name
from chefwrap.shim import event

from support.collector_world import Collector, an_event

KITCHEN_CONTEXT = {
    "cookbooks": {"source": "policyfile", "public": [{"name": "nginx", "version": "12.2.7"}], "other": 2},
    "kitchen": {"driver": "vagrant", "provisioner": "chef_infra", "platforms": ["ubuntu-22.04"], "other_plugins": 1, "other_platforms": 0},
    "versions": {"kitchen": "3.6.0"},
}


def session(number: int) -> str:
    return f"00000000-0000-4000-8000-{number:012d}"


def at(day: date, hour: int = 12) -> float:
    return datetime.combine(day, time(hour), tzinfo=timezone.utc).timestamp()


def crafted(number, day, tool="knife", argv=("node", "list"), exit_code=0, os_name="linux", context=None, hour=12):
    sent = an_event(tool=tool, argv=argv, exit_code=exit_code, session=session(number), when=at(day, hour), context=context)
    sent["payload"]["properties"]["os"] = os_name
    return sent


def stored(database, sent, today):
    """A store holding `sent`, as if it arrived at noon on `today`."""
    from chefwrap.collector import schema_upgrade
    from chefwrap.collector.store import Store
    from chefwrap.collector.validation import events_in

    store = Store(database)
    schema_upgrade.upgrade(store)
    for start in range(0, len(sent), 500):
        store.add(events_in(json.dumps(sent[start : start + 500]).encode()), now=datetime.combine(today, time(12), tzinfo=timezone.utc))
    return store


class Viewed:
    """A published View of a store as of `today`, on a connection of its own (every complete day built first)."""

    def __init__(self, store, days, today, min_sessions=5, product=None):
        self.context = store.reading(today)
        connection = self.context.__enter__()
        self.view = published.View(connection, days, today, min_sessions, product)

    def __enter__(self):
        return self.view

    def __exit__(self, *problem):
        self.context.__exit__(*problem)


def figures(store, days, today, min_sessions=5, product=None) -> dict:
    """What the public views show, in the model's shape."""
    with Viewed(store, days, today, min_sessions, product) as view:
        commands = published.commands(view)
        return {
            "commands": {row["command"]: (row["count"], row["failures"]) for row in commands["commands"]},
            "previous": {row["command"]: row["previous"] and (row["previous"]["count"], row["previous"]["failures"]) for row in commands["commands"]},
            "commands other": (commands["other"]["count"], commands["other"]["failures"]),
            "options": {
                (row["command"], option["option"]): option["count"] for row in commands["commands"] for option in published.options(view, row["command"])["options"]
            },
            "cookbooks": {book["name"]: book["count"] for book in published.cookbooks(view)["cookbooks"]},
            "platforms": {row["name"]: row["count"] for row in published.platforms(view)["platforms"]},
            "events": published.totals(view)["events"],
        }


# The rule, computed from the events themselves


def model(sent, days, today, min_sessions, product=None, before=False) -> dict:
    """The figures the rule gives for a window (or the window before it), from the raw events and their session ids."""
    last = today if min_sessions <= 1 else today - timedelta(days=1)
    first = last - timedelta(days=days - 1)
    if before:
        first, last = first - timedelta(days=days), first - timedelta(days=1)
    inside = [one for one in sent if first <= _day(one) <= last and (product is None or one["product"] == product)]
    tools = defaultdict(set)
    for one in inside:
        tools[one["product"]].add(one["session_id"])
    kept = [one for one in inside if len(tools[one["product"]]) >= min_sessions]

    def names(of):
        runs, failures, sessions = defaultdict(int), defaultdict(int), defaultdict(set)
        for one in kept:
            properties = one["payload"]["properties"]
            for name in set(of(properties)):
                runs[name] += 1
                failures[name] += 1 if properties.get("exit_code") else 0
                sessions[name].add(one["session_id"])
        shown = {name: (runs[name], failures[name]) for name in runs if len(sessions[name]) >= min_sessions}
        return shown, (sum(runs[name] for name in runs if name not in shown), sum(failures[name] for name in runs if name not in shown))

    commands, other = names(lambda properties: [properties["command"]])
    options, _ = names(lambda properties: [(properties["command"], option_name(properties["command"], option)) for option in properties["options"]])
    cookbooks, _ = names(lambda properties: [book["name"] for book in (properties.get("cookbooks") or {}).get("public", [])])
    platforms, _ = names(lambda properties: list((properties.get("kitchen") or {}).get("platforms", [])))
    return {
        "commands": commands,
        "commands other": other,
        "options": {key: count for key, (count, _) in options.items() if key[0] in commands},
        "cookbooks": {name: count for name, (count, _) in cookbooks.items()},
        "platforms": {name: count for name, (count, _) in platforms.items()},
        "events": len(kept),
    }


def _day(sent) -> date:
    return datetime.fromisoformat(sent["timestamp"].replace("Z", "+00:00")).date()


def expected(sent, days, today, min_sessions, product=None) -> dict:
    now, before = model(sent, days, today, min_sessions, product), model(sent, days, today, min_sessions, product, before=True)
    return {**now, "previous": {command: before["commands"].get(command) for command in now["commands"]}}


TEMPLATES = [
    ("knife", ("node", "show", "x", "-F", "json"), None),
    ("knife", ("node", "show", "x", "--format", "json"), None),
    ("knife", ("ssh", "q", "-x", "u", "-x", "v"), None),
    ("kitchen", ("converge", "-l", "debug"), KITCHEN_CONTEXT),
    ("chef", ("generate", "cookbook", "x"), None),
]
# (session, exit code, OS, days after the session's first, a command other than the session's own): each
# session mostly runs one command on a few days, so names reach K over some windows and not others
EVENTS = st.lists(
    st.tuples(
        st.integers(0, 11),
        st.sampled_from([0, 1]),
        st.sampled_from(["linux"] * 5 + ["macos"]),
        st.sampled_from([0, 0, 0, 1, 3, 9]),
        st.one_of(st.none(), st.none(), st.integers(0, len(TEMPLATES) - 1)),
    ),
    min_size=1,
    max_size=50,
)
SESSIONS = st.lists(st.tuples(st.integers(0, len(TEMPLATES) - 1), st.integers(1, 40)), min_size=12, max_size=12)
LONG_TAIL = dict(sessions=[(1, back) for back in range(1, 13)], today=date(2026, 3, 17), days=30, min_sessions=5, product=None)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    specs=EVENTS,
    sessions=SESSIONS,
    today=st.sampled_from([date(2026, 3, 2), date(2026, 3, 17), date(2026, 1, 1)]),
    days=st.sampled_from([1, 2, 7, 16, 30]),
    min_sessions=st.sampled_from([1, 2, 3, 5]),
    product=st.sampled_from([None, None, "knife", "kitchen"]),
)
# the long tail: a session a day, each on a different day, with the same command (and its two spellings)
@example(specs=[(number, 0, "linux", 0, None) for number in range(8)], **LONG_TAIL)
@example(specs=[(number, 0, "linux", 0, number % 2) for number in range(12)], **LONG_TAIL)
def test_every_figure_of_a_window_and_the_one_before_is_what_the_rule_gives_from_the_raw_events(tmp_path_factory, specs, sessions, today, days, min_sessions, product):
    sent = []
    for number, exit_code, os_name, later, own in specs:
        template, start = sessions[number]
        tool, argv, context = TEMPLATES[template if own is None else own]
        sent.append(crafted(number, today - timedelta(days=max(start - later, 0)), tool, argv, exit_code, os_name, context, hour=number))
    store = stored(str(tmp_path_factory.mktemp("db") / "c.sqlite3"), sent, today)
    try:
        assert figures(store, days, today, min_sessions, product) == expected(sent, days, today, min_sessions, product)
    finally:
        store.close()


def test_a_command_eight_sessions_used_on_eight_different_days_is_shown_at_k_5(database):
    """The long tail: no day has K sessions, the window has 8; the figure is whole, its spellings merged."""
    today = date(2026, 5, 20)
    sent = [crafted(number, today - timedelta(days=1 + 3 * number), argv=("cookbook", "show", "x", "-F" if number % 2 else "--format", "json")) for number in range(8)]
    sent += [crafted(20 + number, today - timedelta(days=1 + number), argv=("role", "show", "x")) for number in range(4)]  # four: hidden
    sent += [crafted(40 + number, today - timedelta(days=1), argv=("node", "list")) for number in range(5)]
    store = stored(database, sent, today)
    try:
        shown = figures(store, 30, today)
        assert shown["commands"] == {"knife cookbook show": (8, 0), "knife node list": (5, 0)}
        assert shown["commands other"] == (4, 0)  # knife role show: four sessions over the window
        assert shown["options"] == {("knife cookbook show", "--format"): 8}
        with Viewed(store, 30, today) as view:
            (option,) = published.options(view, "knife cookbook show")["options"]
            assert (option["spellings"], option["other_spellings"]) == ([], 8)  # four sessions each spelling: no spelling shows
            series = published.series(view, "runs", "knife cookbook show")
            assert set(series["values"]) == {None}  # no single day had five sessions: no point a day
        assert figures(store, 7, today)["commands"] == {"knife node list": (5, 0)}  # three of them in the last week
    finally:
        store.close()


def test_weekly_points_count_the_distinct_sessions_of_each_week(database):
    """A week's point of a name is shown when K distinct sessions used it that week, though no day had K."""
    today = date(2026, 5, 21)  # a Thursday: the last complete day is Wednesday the 20th
    monday = date(2026, 5, 4)
    sent = [crafted(number, monday + timedelta(days=number % 7), argv=("cookbook", "list")) for number in range(6)]  # six days of one week
    sent += [crafted(10 + number, monday + timedelta(days=7 + number % 2)) for number in range(3)]  # three sessions the next week
    sent += [crafted(10 + number, monday + timedelta(days=14)) for number in range(3)]  # the same three, the week after
    store = stored(database, sent, today)
    try:
        with Viewed(store, 120, today) as view:
            weeks = published.series(view, "runs", "knife cookbook list", step=7)
            assert weeks["values"][weeks["dates"].index(monday.isoformat())] == 6
            nodes = published.series(view, "runs", "knife node list", step=7)
            assert [value for value in nodes["values"] if value] == []  # three sessions a week, though six runs over two weeks
            assert weeks["complete"][-1] is False and weeks["complete"][-2] is True  # the week of the 18th is not over
    finally:
        store.close()


def test_sessions_ci_share_versions_and_systems_are_what_the_raw_events_give(database):
    """Active sessions a day and an ISO week (a session on two days counts once in the week), the share of
    runs in CI, each version's share of its own tool's runs (not of every tool that saw it), OS by
    architecture: against the events sent."""
    today = date(2026, 5, 21)  # a Thursday
    monday = date(2026, 5, 11)
    sent = []
    for offset in range(7):
        day = monday + timedelta(days=offset)
        for number in range(10):  # sessions 0 to 9 every day of the week: ten a day, ten in the week
            one = crafted(number, day, context={"versions": {"knife": "18.4.2" if number < 6 else "18.5.0", "kitchen": "3.7.0"}})
            one["payload"]["properties"].update(ci=number == 0, arch="arm64" if number % 2 else "x86_64")
            sent.append(one)
    store = stored(database, sent, today)
    try:
        with Viewed(store, 10, today, product="knife") as view:
            days = published.series(view, "sessions", step=1)
            assert [value for value in days["values"] if value] == [10] * 7
            weeks = published.series(view, "sessions", step=7)
            assert weeks["values"] == [10, None] and weeks["complete"] == [True, False]  # the 18th to the 20th: no session that week
            assert set(published.ci_share(view, 1)["share"]) == {None}  # one session a day in CI: fewer than K
            (version,) = published.versions(view, 1)["tools"]["knife"]  # 18.5.0: four sessions
            assert (version["version"], version["count"]) == ("18.4.2", 42)
            assert [value for value in version["series"] if value is not None] == [0.6] * 7  # of knife's own runs, not kitchen's 3.7.0
            systems = published.systems(view)
            assert {(row["os"], row["arch"]): row["count"] for row in systems["systems"]} == {("linux", "arm64"): 35, ("linux", "x86_64"): 35}
        with Viewed(store, 11, today, min_sessions=1, product="knife") as view:  # to today
            share = published.ci_share(view, 1)["share"]
            assert [value for value in share if value is not None] == [0.1] * 7
    finally:
        store.close()


def test_a_tool_used_by_fewer_than_k_sessions_in_the_window_is_in_no_view(database):
    """Six sessions used knife; one session used chef, every day: nothing of chef shows, not even in the totals
    of every tool (else every tool less knife and kitchen would give chef's one session)."""
    today = date(2026, 5, 20)
    sent = [crafted(number, today - timedelta(days=1 + number % 3)) for number in range(6)]
    sent += [crafted(99, today - timedelta(days=back), tool="chef", argv=("generate", "cookbook", "x")) for back in range(1, 11)]
    store = stored(database, sent, today)
    try:
        every, knife, chef = figures(store, 30, today), figures(store, 30, today, product="knife"), figures(store, 30, today, product="chef")
        assert chef["events"] == 0 and chef["commands"] == {} and chef["commands other"] == (0, 0)
        assert every["events"] == knife["events"] == 6 and "chef generate cookbook" not in every["commands"]
        with Viewed(store, 30, today) as view:
            sessions = published.series(view, "sessions")
            yesterday = (today - timedelta(days=1)).isoformat()
            assert sessions["values"][sessions["dates"].index(yesterday)] is None  # chef's session used a tool that day too
            assert published.totals(view)["tools"] == ["knife"]
    finally:
        store.close()


def test_every_tool_less_the_other_tools_never_gives_a_tool_hidden_figure(database):
    """Yesterday knife by 6 sessions, kitchen by 5 and chef by 6, all on macOS and in CI but four of chef's:
    chef's two sessions on macOS and in CI are hidden in chef's view, so every tool's macOS, CI and versions may not give them by subtraction;
    nor may the export's sessions of every tool, on a day a tool had fewer than K sessions."""
    today = date(2026, 5, 20)
    yesterday = today - timedelta(days=1)
    sent = [crafted(number, yesterday, os_name="macos", context={"versions": {"knife": "18.4.2"}}) for number in range(6)]
    sent += [crafted(10 + number, yesterday, tool="kitchen", argv=("converge",), os_name="macos", context={"versions": {"kitchen": "3.7.0"}}) for number in range(5)]
    sent += [crafted(20 + number, yesterday, tool="chef", argv=("install",), os_name="macos" if number < 2 else "linux") for number in range(6)]
    sent += [crafted(30 + number, yesterday - timedelta(days=1), tool="kitchen", argv=("list",)) for number in range(2)]  # kitchen, the day before: 2
    sent += [crafted(40 + number, yesterday - timedelta(days=1)) for number in range(6)]
    for one in sent:  # in CI: every session but chef's four on Linux
        one["payload"]["properties"]["ci"] = not (one["product"] == "chef" and one["payload"]["properties"]["os"] == "linux")
    store = stored(database, sent, today)
    try:
        with Viewed(store, 3, today, product="chef") as view:
            assert "macos" not in {row["name"] for row in published.systems(view)["os"]["named"]}
        with Viewed(store, 3, today) as view:
            assert "macos" not in {row["name"] for row in published.systems(view)["os"]["named"]}  # 13 less knife's 6 and kitchen's 5
            assert "true" not in {row["name"] for row in published.totals(view)["ci"]["named"]}
            versions = published.versions(view, 1)["tools"]
            assert {tool: [row["version"] for row in rows] for tool, rows in versions.items()} == {"knife": ["", "18.4.2"], "kitchen": ["3.7.0"], "chef": [""]}  # "": not known
            exported = list(published.export_rows(view))
        every_tool_sessions = [row for row in exported if row[3] == "sessions" and row[1] == "named"]
        assert [row[0] for row in every_tool_sessions] == [yesterday.isoformat()]  # not the day kitchen had 2 sessions
    finally:
        store.close()


def statements_to_name_cookbooks(database, made_up: int) -> int:
    """How many SQL statements published.cookbooks runs over 30 days when kitchen's six sessions used
    `made_up` cookbook names once each (a poster's, fewer than K sessions each: all of them rare)."""
    from sqlalchemy import event as sql_event

    today = date(2026, 5, 20)
    sent = []
    for number in range(max(6, made_up // 50 + 1)):
        names = [f"made-up-{number}-{index}" for index in range(50)][: max(0, made_up - 50 * number)]
        context = {"cookbooks": {"source": "policyfile", "public": [{"name": name, "version": "1.0.0"} for name in names], "other": 0}}
        sent.append(crafted(number % 6, today - timedelta(days=1 + number % 9), tool="kitchen", argv=("converge",), context=context))
    store = stored(database, sent, today)
    try:
        with Viewed(store, 30, today) as view:
            executed = []
            sql_event.listen(view.connection, "before_cursor_execute", lambda *args: executed.append(1))
            assert published.cookbooks(view)["cookbooks"] == []
            return len(executed)
    finally:
        store.close()


def test_a_poster_of_made_up_names_cannot_make_a_view_probe_each_one(tmp_path):
    """12,000 events of 20 made-up cookbooks each took GET / past ten minutes when each rare name was
    checked in the database a few hundred at a time; past MANY_NAMES they are read in one pass."""
    few = statements_to_name_cookbooks(str(tmp_path / "few.sqlite3"), 10)
    many = statements_to_name_cookbooks(str(tmp_path / "many.sqlite3"), published.MANY_NAMES + 1000)
    assert many <= few  # probing each, 3,000 names took 27 statements to the few's 6


def test_the_options_of_a_command_the_view_does_not_show_are_the_same_whether_it_was_run_or_not(database):
    today = date(2026, 5, 20)
    sent = [crafted(number, today - timedelta(days=1)) for number in range(6)]
    sent += [crafted(50, today - timedelta(days=1), argv=("vault", "show", "bag", "item", "-F", "json"), exit_code=1) for _ in range(3)]
    store = stored(database, sent, today)
    try:
        with Viewed(store, 30, today) as view:
            assert published.options(view, "knife vault show") == {**published.options(view, "knife never ran"), "command": "knife vault show"}
            assert published.options(view, "knife vault show")["other"] == 0
    finally:
        store.close()


def test_today_is_shown_only_when_the_threshold_is_off(tmp_path):
    today = date(2026, 5, 20)
    sent = [crafted(number, today) for number in range(6)]
    store = stored(str(tmp_path / "c.sqlite3"), sent, today)
    try:
        assert figures(store, 7, today)["events"] == 0
        assert figures(store, 7, today, min_sessions=1)["events"] == 6
        assert figures(store, 7, today + timedelta(days=1))["commands"] == {"knife node list": (6, 0)}
    finally:
        store.close()


def test_the_options_the_grammar_defines_that_fewer_than_k_sessions_used_are_listed_deprecated_marked(database):
    today = date(2026, 5, 20)
    sent = [crafted(number, today - timedelta(days=1), argv=("bootstrap", "h", "-N", "web", "--ssh-user", "x")) for number in range(5)]
    sent += [crafted(9, today - timedelta(days=1), argv=("bootstrap", "h", "--sudo"))]  # one session: not shown, and listed
    store = stored(database, sent, today)
    try:
        with Viewed(store, 30, today) as view:
            answer = published.options(view, "knife bootstrap")
    finally:
        store.close()
    assert [(row["option"], row["count"], row["deprecated"]) for row in answer["options"]] == [("--node-name", 5, None), ("--ssh-user", 5, "--connection-user")]
    unused = {row["option"]: row for row in answer["unused"]}
    assert "--node-name" not in unused and "--sudo" in unused  # fewer than K sessions, or none: the same list
    assert unused["--winrm-user"]["deprecated"] == "--connection-user" and "-x" in unused["--winrm-user"]["spellings"]
    assert unused["--config"]["global"] and not unused["--sudo"]["global"]
    assert len(answer["unused"]) + len(answer["options"]) == 91  # knife bootstrap's 127 spellings are 91 options


# Every public view, served: page, API, export, /report, `collector report`


def test_every_public_view_hides_what_the_threshold_hides(database, world):
    day = datetime.now(timezone.utc).date() - timedelta(days=2)  # inside the default window, however long the test takes
    sent = [crafted(number, day, tool="kitchen", argv=("converge",), context=KITCHEN_CONTEXT) for number in range(5)]
    sent += [crafted(10 + number, day - timedelta(days=number), argv=("vault", "show", "b", "i", "-F", "json")) for number in range(4)]
    hidden_book = {"cookbooks": {"source": "policyfile", "public": [{"name": "memcached", "version": "9.9.1"}], "other": 0}}
    sent += [crafted(20 + number, day, tool="kitchen", argv=("list",), context=hidden_book) for number in range(4)]
    sent += [crafted(30 + number, day - timedelta(days=number)) for number in range(2)]  # knife: six sessions over the window
    server = Collector(database)  # the default threshold: 5
    try:
        assert server.post(sent)[0] == 201
        bodies = {}
        for path in ("/", "/?product=knife", "/?product=kitchen&days=7", "/report", "/report?format=json", "/api/v1/export.csv"):
            status, body = server.request("GET", path)
            assert status == 200, path
            bodies[path] = body.decode()
        for endpoint in ("commands", "changes", "cookbooks", "kitchen", "platforms", "systems", "versions", "totals", "series", "ci"):
            for suffix in ("", ".csv"):
                status, body = server.request("GET", f"/api/v1/{endpoint}{suffix}")
                assert status == 200, endpoint
                bodies[endpoint + suffix] = body.decode()
        status, body = server.request("GET", "/api/v1/series?command=knife+vault+show")
        assert json.loads(body)["values"] == [None] * 30
        # the page of a command asked for by name: the same as for one no one ran, but for the name asked
        hidden, never = (server.request("GET", f"/?command=knife+{name}")[1].decode() for name in ("vault+show", "never+ran"))
        assert hidden.replace("vault show", "never ran").replace("vault+show", "never+ran") == never
    finally:
        server.stop()
    code, out, err = world.chefwrap("collector", "report", "--database", database, "--json")
    bodies["collector report --json"] = out
    code, out, err = world.chefwrap("collector", "report", "--database", database)
    bodies["collector report"] = out
    for where, body in bodies.items():
        for secret in ("knife vault show", "memcached", "9.9.1"):
            assert secret not in body, (where, secret)
    assert "kitchen converge" in bodies["/"] and "nginx" in bodies["/"] and "vagrant" in bodies["/"] and "ubuntu-22.04" in bodies["/"]
    report = json.loads(bodies["/report?format=json"])
    assert {row["command"]: row["count"] for row in report["commands"]} == {"kitchen converge": 5}
    assert report["other"]["commands"] == 4 + 4 + 2  # kitchen list, knife vault show and knife node list: fewer than 5 sessions each
    assert json.loads(bodies["totals"])["events"] == 15
    rows = list(csv.DictReader(io.StringIO(bodies["/api/v1/export.csv"])))
    assert {row["command"] for row in rows if row["part"] == "named" and row["kind"] == "command"} == {"kitchen converge"}
    assert all(row["sessions"] == "" and row["command"] == "" for row in rows if row["part"] == "other")


def test_min_sessions_is_checked_like_every_option(world, capsys):
    for value, message in (("0", "a whole number of 1 or more (got '0')"), ("21", "at most 20")):
        with pytest.raises(SystemExit) as exit:
            world.chefwrap("collector", "serve", "--min-sessions", value)
        assert exit.value.code == 2 and f"--min-sessions: {message}" in capsys.readouterr().err


def test_a_query_out_of_range_is_a_one_line_json_error(tmp_path):
    server = Collector(str(tmp_path / "c.sqlite3"))
    try:
        for path, message in [
            ("/api/v1/commands?days=0", "days must be a whole number of days"),
            ("/api/v1/commands?days=x", "days must be a whole number of days"),
            ("/api/v1/series?metric=bytes", "metric is one of runs, failures, sessions"),
            ("/api/v1/series?step=month", "step is day or week"),
            ("/api/v1/commands?product=kni%0Afe", "product must be a name"),
            ("/report?days=-1", "days must be a whole number of days"),
        ]:
            status, body = server.request("GET", path)
            assert (status, json.loads(body)["error"][: len(message)]) == (400, message), path
        status, body = server.request("GET", "/api/v1/users")
        assert status == 404 and "commands" in json.loads(body)["error"]
        status, body = server.request("GET", "/?days=forever")
        assert status == 400 and b"days must be" in body and b"<title>Bad request" in body
        assert server.post(an_event(session=event.new_uuid()))[0] == 201  # and it goes on serving
    finally:
        server.stop()
