"""The privacy threshold of every public view, proved on crafted data: a name is shown only from days when at
least K sessions used it, a tool only from days when K sessions used it, complete days only; and the
difference of two views (windows, tools, a day later) never gives one session's activity with a name.

The figures are checked against a model of the rule computed straight from the events sent (with their
session ids, which the aggregates do not have), on real SQLite files and a real PostgreSQL server."""

import csv
import io
import json
from collections import defaultdict
from datetime import date, datetime, time, timedelta, timezone

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from chefwrap.collector.published import EXPORT_COLUMNS
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


def crafted(number, day, tool="knife", argv=("node", "list"), exit_code=0, os_name="linux", context=None):
    sent = an_event(tool=tool, argv=argv, exit_code=exit_code, session=session(number), when=at(day), context=context)
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


def viewed(store, days, today, min_sessions=5, product=None, by_day=None):
    """(Published view, its connection): close the connection after use. `by_day`: read every figure from
    the daily rows (True) or mostly from the monthly ones (False), rather than as the view would choose."""
    from chefwrap.collector.published import Published

    store.fold_pending()
    connection = store.engine.connect()
    view = Published(connection, days, today, min_sessions, product)
    if by_day is not None:
        view.by_day = by_day
    return view, connection


def figures(store, days, today, min_sessions=5, product=None, by_day=None) -> dict:
    """What the public views show, in the model's shape."""
    view, connection = viewed(store, days, today, min_sessions, product, by_day)
    try:
        totals, context = view.totals(), view.context()
        return {
            "commands": {named.key: (named.count, named.failures) for named in view.commands().names},
            "commands other": view.commands().other,
            "options": {named.key: named.count for named in view.options().names},
            "cookbooks": {named.key: named.count for named in context["cookbook"].names},
            "platforms": {named.key[0]: named.count for named in context["platform"].names},
            "events": totals.events,
            "sessions": totals.sessions,
        }
    finally:
        connection.close()


# The rule, computed from the events themselves


def model(sent, days, today, min_sessions, product=None) -> dict:
    """The figures the rule gives, from the raw events and their session ids."""
    last = today if min_sessions <= 1 else today - timedelta(days=1)
    first = last - timedelta(days=days - 1)
    dated = [(one, datetime.fromisoformat(one["timestamp"].replace("Z", "+00:00")).date()) for one in sent]
    first_days = {}
    for one, day in dated:
        first_days[one["session_id"]] = min(day, first_days.get(one["session_id"], day))
    inside = [(one, day) for one, day in dated if first <= day <= last and (product is None or one["product"] == product)]
    rows = defaultdict(set)  # the `totals` rows: (product, day, event, os, arch, ci) -> sessions
    for one, day in inside:
        properties = one["payload"].get("properties") or {}
        key = (one["product"], day, one["payload"]["event"], properties.get("os") or "", properties.get("arch") or "", str(properties.get("ci")).lower())
        rows[key].add(one["session_id"])
    counted = {(key[0], key[1]) for key, sessions in rows.items() if len(sessions) >= min_sessions}
    kept = [(one, day) for one, day in inside if (one["product"], day) in counted]

    def cells(names_of):
        sessions, counts, failures = defaultdict(set), defaultdict(int), defaultdict(int)
        for one, day in kept:
            properties = one["payload"]["properties"]
            for name in names_of(one["product"], properties):
                sessions[(name, day)].add(one["session_id"])
                counts[(name, day)] += 1
                failures[(name, day)] += 1 if properties.get("exit_code") else 0
        shown, hidden = defaultdict(lambda: [0, 0]), [0, 0]
        for cell, count in counts.items():
            target = shown[cell[0]] if len(sessions[cell]) >= min_sessions else hidden
            target[0] += count
            target[1] += failures[cell]
        return {name: tuple(values) for name, values in shown.items()}, tuple(hidden)

    commands, commands_other = cells(lambda product_, properties: [(product_, properties["command"])])
    options, _ = cells(lambda product_, properties: [(product_, properties["command"], option) for option in properties["options"]])
    cookbooks, _ = cells(lambda _, properties: [(book["name"], book["version"]) for book in (properties.get("cookbooks") or {}).get("public", [])])
    platforms, _ = cells(lambda _, properties: list((properties.get("kitchen") or {}).get("platforms", [])))
    if product is None:
        day_sessions = defaultdict(set)
        for one, day in dated:
            day_sessions[day].add(one["session_id"])
        used = defaultdict(set)  # the products used a day; all together only on days when each counted
        for one, day in inside:
            used[day].add(one["product"])
        whole = {day for day, products in used.items() if all((product_, day) in counted for product_ in products)}
        begun = sum(1 for day, sessions in day_sessions.items() if day in whole and len(sessions) >= min_sessions for s in sessions if first_days[s] == day)
    else:
        begun = sum(1 for key, sessions in rows.items() if (key[0], key[1]) in counted for s in sessions if first_days[s] == key[1])
    return {
        "commands": commands,
        "commands other": commands_other,
        "options": {name: count for name, (count, _) in options.items()},
        "cookbooks": {name: count for name, (count, _) in cookbooks.items()},
        "platforms": {name: count for name, (count, _) in platforms.items()},
        "events": len(kept),
        "sessions": begun,
    }


TEMPLATES = [
    ("knife", ("node", "show", "x", "-F", "json"), None),
    ("knife", ("ssh", "q", "-x", "u", "-x", "v"), None),
    ("kitchen", ("converge", "-l", "debug"), KITCHEN_CONTEXT),
    ("chef", ("generate", "cookbook", "x"), None),
]
# (session, exit code, OS, a day after the session's first or not, a command other than the session's own);
# each session mostly runs one command, and most start yesterday or the day before: so some days have K
# sessions of a tool and others not, and a counted day has commands of fewer than K sessions
EVENTS = st.lists(
    st.tuples(
        st.integers(0, 9),
        st.sampled_from([0, 1]),
        st.sampled_from(["linux"] * 5 + ["macos"]),
        st.sampled_from([0] * 5 + [1]),
        st.one_of(st.none(), st.none(), st.integers(0, len(TEMPLATES) - 1)),
    ),
    min_size=1,
    max_size=40,
)
SESSIONS = st.lists(st.tuples(st.integers(0, len(TEMPLATES) - 1), st.sampled_from([1, 1, 1, 2, 2, 16, 40])), min_size=10, max_size=10)
QUIET = dict(sessions=[(0, 1)] * 10, today=date(2026, 3, 17), days=7, min_sessions=2, product=None)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    specs=EVENTS,
    sessions=SESSIONS,
    today=st.sampled_from([date(2026, 3, 2), date(2026, 3, 17), date(2026, 1, 1)]),
    days=st.sampled_from([1, 2, 7, 16, 45]),
    min_sessions=st.sampled_from([1, 2, 2, 3]),
    product=st.sampled_from([None, None, "knife", "kitchen"]),
)
# cases the generator once missed: a tool whose every day counts beside one whose no day does; a command of
# fewer than K sessions on a counted day
@example(specs=[(0, 0, "linux", 0, None), (1, 0, "linux", 0, None), (2, 0, "linux", 0, 2)], **QUIET)
@example(specs=[(0, 0, "linux", 0, None), (1, 0, "linux", 0, None), (2, 0, "linux", 0, 1)], **QUIET)
def test_every_figure_is_what_the_rule_gives_from_the_raw_events(tmp_path_factory, specs, sessions, today, days, min_sessions, product):
    sent = []
    for number, exit_code, os_name, later, own in specs:
        template, start = sessions[number]
        tool, argv, context = TEMPLATES[template if own is None else own]
        sent.append(crafted(number, today - timedelta(days=start - later), tool, argv, exit_code, os_name, context))
    store = stored(str(tmp_path_factory.mktemp("db") / "c.sqlite3"), sent, today)
    try:
        expected = model(sent, days, today, min_sessions, product)
        for by_day in (False, True):  # both ways of reading give the rule's figures
            assert figures(store, days, today, min_sessions, product, by_day) == expected, by_day
    finally:
        store.close()


# Crafted: one session's activity, and the views an attacker would compare

T = date(2026, 5, 20)  # "today" of the crafted views; yesterday is the last complete day


def a_month_of_use():
    """Six sessions a day run `knife node list` for 20 days; five sessions ran `knife vault show` on
    one day ten days ago; yesterday, one session alone ran it three times (failing, with an option),
    and one session alone used chef."""
    sent = []
    for back in range(1, 21):
        day = T - timedelta(days=back)
        sent += [crafted(100 * back + number, day) for number in range(6)]
    sent += [crafted(900 + number, T - timedelta(days=10), argv=("vault", "show", "bag", "item")) for number in range(5)]
    lone = 999
    sent += [crafted(lone, T - timedelta(days=1), argv=("vault", "show", "bag", "item", "-F", "json"), exit_code=1) for _ in range(3)]
    sent += [crafted(998, T - timedelta(days=1), tool="chef", argv=("generate", "cookbook", "x"))]
    return sent


VAULT = ("knife", "knife vault show")


def test_one_sessions_activity_is_in_no_difference_of_two_views(database):
    sent = a_month_of_use()
    store = stored(database, sent, T)
    try:
        before = figures(store, 30, T - timedelta(days=1))  # seen the day before: yesterday not yet complete
        after = figures(store, 30, T)
        assert before["commands"][VAULT] == after["commands"][VAULT] == (5, 0)  # the lone session's 3 failing runs: nowhere
        assert ("knife", "knife vault show", "-F") not in after["options"]
        assert figures(store, 1, T)["commands"].get(VAULT) is None  # yesterday alone: not shown
        assert figures(store, 10, T)["commands"][VAULT] == figures(store, 11, T)["commands"][VAULT] == (5, 0)
        assert figures(store, 9, T)["commands"].get(VAULT) is None  # the window without the five sessions' day
        # the lone session's runs are "other", without a name; its knife day counts (six other sessions)
        assert after["commands other"][0] - before["commands other"][0] == 3
        assert figures(store, 30, T, by_day=False) == figures(store, 30, T, by_day=True) == model(sent, 30, T, 5)

        view, connection = viewed(store, 30, T)
        try:
            labels, values = view.series("runs", "knife vault show")
            assert values[labels.index((T - timedelta(days=10)).isoformat())] == 5
            assert values[labels.index((T - timedelta(days=1)).isoformat())] is None
            exported = list(view.export_rows())
        finally:
            connection.close()
        yesterday = [dict(zip(EXPORT_COLUMNS, row)) for row in exported if row[0] == (T - timedelta(days=1)).isoformat()]
        assert not [row for row in yesterday if row["command"] == "knife vault show" or row["option"] == "-F"]
        other = [(row["product"], row["count"], row["sessions"]) for row in yesterday if row["aggregate"] == "commands" and row["part"] == "other"]
        assert other == [("knife", 3, "")]
    finally:
        store.close()


def test_a_tool_used_by_fewer_than_k_sessions_that_day_is_in_no_view_and_no_difference(database):
    store = stored(database, a_month_of_use(), T)
    try:
        every, knife, chef = figures(store, 1, T), figures(store, 1, T, product="knife"), figures(store, 1, T, product="chef")
        assert chef["events"] == 0 and chef["commands"] == {} and chef["commands other"] == (0, 0)
        assert every["events"] == knife["events"] + figures(store, 1, T, product="kitchen")["events"] + chef["events"] == 6 + 3
        assert ("chef", "chef generate cookbook") not in figures(store, 30, T)["commands"]
    finally:
        store.close()


def test_the_sessions_of_every_tool_together_are_shown_only_on_days_when_every_tool_used_counted(database):
    """Yesterday six sessions used knife and one chef alone: every tool's sessions that day (7) less
    knife's (6) would give chef's lone session."""
    store = stored(database, a_month_of_use(), T)
    yesterday, before = (T - timedelta(days=1)).isoformat(), (T - timedelta(days=2)).isoformat()
    try:
        view, connection = viewed(store, 7, T)
        try:
            labels, values = view.series("sessions")
            assert values[labels.index(yesterday)] is None and values[labels.index(before)] == 6
            assert view.series("runs")[1][labels.index(yesterday)] == 6 + 3  # knife's counted day stays
            exported = [dict(zip(EXPORT_COLUMNS, row)) for row in view.export_rows()]
            assert [row["day"] for row in exported if row["part"] == "sessions"] == [(T - timedelta(days=back)).isoformat() for back in range(7, 1, -1)]
            assert view.totals().sessions == 6 * 6  # the six days before yesterday
        finally:
            connection.close()
    finally:
        store.close()


def test_the_options_of_a_command_the_view_does_not_name_are_the_same_whether_it_was_run_or_not(database):
    """Yesterday one session alone ran `knife vault show -F json`: asked for that command's options,
    yesterday's view answers as for a command nobody ran, not with its runs in "other"."""
    store = stored(database, a_month_of_use(), T)
    try:
        view, connection = viewed(store, 1, T)
        try:
            assert view.options("knife vault show") == view.options("knife never ran") == ([], (0, 0))
        finally:
            connection.close()
        view, connection = viewed(store, 30, T)
        try:
            # named (five sessions ran it ten days ago, with no option): the lone session's option is its "other"
            assert view.options("knife vault show") == ([], (3, 3))
        finally:
            connection.close()
    finally:
        store.close()


def test_a_tools_charts_hold_that_tools_events_only(database):
    """Every event carries the versions of every tool found; on kitchen's view, kitchen's versions chart
    counts kitchen's runs, as its ranking does, not knife's runs that saw kitchen installed."""
    yesterday = T - timedelta(days=1)
    sent = [crafted(number, yesterday, tool="kitchen", argv=("converge",), context=KITCHEN_CONTEXT) for number in range(5)]
    sent += [crafted(10 + number, yesterday, context={"versions": {"kitchen": "3.6.0"}}) for number in range(6)]
    store = stored(database, sent, T)
    try:
        view, connection = viewed(store, 7, T, product="kitchen")
        try:
            ranked = {named.key: named.count for named in view.context()["tool-version"].names}
            labels, tools = view.versions()
            assert ranked == {("kitchen", "3.6.0"): 5}
            assert tools["kitchen"] == [("3.6.0", 5, [5 if label == yesterday.isoformat() else None for label in labels])]
        finally:
            connection.close()
    finally:
        store.close()


def test_names_below_k_sessions_a_day_are_summed_into_other_and_k_shows_them(database):
    sent = []
    yesterday = T - timedelta(days=1)
    sent += [crafted(number, yesterday, argv=("node", "list")) for number in range(5)]  # K sessions
    sent += [crafted(10 + number, yesterday, argv=("role", "list")) for number in range(4)]  # K - 1 sessions
    sent += [crafted(20 + back, T - timedelta(days=back), argv=("cookbook", "list")) for back in range(1, 9)]  # 8 sessions, one a day
    store = stored(database, sent, T)
    try:
        shown = figures(store, 30, T)
        assert shown["commands"] == {("knife", "knife node list"): (5, 0)}
        assert shown["commands other"] == (4 + 1, 0)  # the days the knife product itself counts: yesterday only
        assert figures(store, 30, T, min_sessions=1)["commands"][("knife", "knife cookbook list")] == (8, 0)
    finally:
        store.close()


def test_today_is_shown_only_when_the_threshold_is_off(tmp_path):
    sent = [crafted(number, T) for number in range(6)]
    store = stored(str(tmp_path / "c.sqlite3"), sent, T)
    try:
        assert figures(store, 7, T)["events"] == 0
        assert figures(store, 7, T, min_sessions=1)["events"] == 6
        assert figures(store, 7, T + timedelta(days=1))["commands"] == {("knife", "knife node list"): (6, 0)}
    finally:
        store.close()


# Every public view, served: page, API, export, /report, `collector report`


def test_every_public_view_hides_what_the_threshold_hides(database, world):
    day = datetime.now(timezone.utc).date() - timedelta(days=2)  # inside the default window, however long the test takes
    sent = [crafted(number, day, tool="kitchen", argv=("converge",), context=KITCHEN_CONTEXT) for number in range(5)]
    sent += [crafted(10 + number, day, argv=("vault", "show", "b", "i", "-F", "json")) for number in range(4)]
    hidden_book = {"cookbooks": {"source": "policyfile", "public": [{"name": "memcached", "version": "9.9.1"}], "other": 0}}
    sent += [crafted(20 + number, day, tool="kitchen", argv=("list",), context=hidden_book) for number in range(4)]
    server = Collector(database)  # the default threshold: 5
    try:
        assert server.post(sent)[0] == 201
        bodies = {}
        for path in ("/", "/?product=knife", "/?product=kitchen&days=7", "/report", "/report?format=json", "/api/v1/export.csv", "/api/v1/options"):
            status, body = server.request("GET", path)
            assert status == 200, path
            bodies[path] = body.decode()
        for endpoint in ("commands", "cookbooks", "kitchen", "platforms", "versions", "totals", "series"):
            status, body = server.request("GET", f"/api/v1/{endpoint}")
            assert status == 200, endpoint
            bodies[endpoint] = body.decode()
        status, body = server.request("GET", "/api/v1/series?command=knife+vault+show")
        assert json.loads(body)["values"] == [None] * 30
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
    assert json.loads(bodies["/report?format=json"])["commands"] == [{"product": "kitchen", "command": "kitchen converge", "count": 5, "failures": 0}]
    assert json.loads(bodies["/report?format=json"])["other"]["commands"] == 4  # kitchen list; knife's day does not count (4 sessions)
    assert json.loads(bodies["totals"])["events"] == 9
    rows = list(csv.DictReader(io.StringIO(bodies["/api/v1/export.csv"])))
    assert {(row["aggregate"], row["command"]) for row in rows if row["part"] == "named" and row["aggregate"] == "commands"} == {("commands", "kitchen converge")}
    assert all(row["sessions"] == "" and row["command"] == "" for row in rows if row["part"] == "other")


def test_min_sessions_is_checked_like_every_option(world, capsys):
    with pytest.raises(SystemExit) as exit:
        world.chefwrap("collector", "serve", "--min-sessions", "0")
    assert exit.value.code == 2 and "--min-sessions: a whole number of 1 or more (got '0')" in capsys.readouterr().err


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
        assert status == 400 and b"days must be" in body
        assert server.post(an_event(session=event.new_uuid()))[0] == 201  # and it goes on serving
    finally:
        server.stop()


def test_weekly_points_are_whole_weeks_counted_back_from_the_last_day(tmp_path):
    store = stored(str(tmp_path / "c.sqlite3"), a_month_of_use(), T)
    view, connection = viewed(store, 30, T)
    try:
        days, daily = view.series("runs", "knife node list")
        weeks, weekly = view.series("runs", "knife node list", step=7)
    finally:
        connection.close()
        store.close()
    assert days[-1] == (T - timedelta(days=1)).isoformat() and weeks == days[2::7]  # four whole weeks; the two oldest days left out
    assert weekly == [sum(value for value in daily[start : start + 7] if value is not None) or None for start in range(2, 30, 7)]
    assert weekly[-1] == 7 * 6
