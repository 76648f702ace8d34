"""The page at GET / (and /report, and a command's page), in a real headless Chromium (Debian's): it loads
clean at 1,400 and at 390 pixels and asks nothing of anyone but the collector, each chart draws the numbers
the API gives, the window, tool and command choices change it (with and without JavaScript), and on a
narrow screen the newest data is in view. One browser and one collector for the module; a screenshot of
each test is kept in tests/artifacts/ (or $CHEFWRAP_TEST_ARTIFACTS)."""

import gzip
import json
import os
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from urllib.parse import urlencode

import pytest

from support.browser import Browser
from support.collector_world import Collector, an_event

pytestmark = pytest.mark.xdist_group("browser")  # one worker, one Chromium, one collector for the module (tests/run: --dist loadgroup)
ARTIFACTS = Path(os.environ.get("CHEFWRAP_TEST_ARTIFACTS") or Path(__file__).resolve().parent.parent / "artifacts")
OTHER = "other (below the threshold)"
POINTS = """(() => {
  const found = {};
  for (const svg of document.querySelectorAll('svg.chart'))
    found[svg.id] = [...svg.querySelectorAll('[data-value]')].map(e => [e.getAttribute('data-series'), e.getAttribute('data-label'), Number(e.getAttribute('data-value'))]);
  return found;
})()"""


def kitchen_context(back):
    return {
        "cookbooks": {"source": "policyfile", "public": [{"name": "nginx", "version": "12.2.7"}, {"name": "apt", "version": "7.5.0" if back % 2 else "7.4.0"}], "other": 1},
        "kitchen": {"driver": "dokken" if back % 3 else "vagrant", "provisioner": "chef_infra", "verifier": "inspec", "platforms": ["ubuntu-22.04", "almalinux-9"], "other_plugins": 1, "other_platforms": 0},
        "versions": {"kitchen": "3.7.0" if back < 20 else "3.6.0", "chef-cli": "5.6.14"},
    }


def a_team(today):
    """Forty days of a team, nothing yesterday (a day the collector was down): knife every day (some
    failures, and `-x` and `--ssh-user` for one option), kitchen with its context, chef every other day,
    `knife vault show` two sessions a day (shown over a window, never on a day), and `knife vault rotate`,
    which two sessions ran once: never shown."""
    sent, number = [], 0

    def one(back, tool, argv, **kwargs):
        nonlocal number
        number += 1
        when = datetime.combine(today - timedelta(days=back), time(9, number % 60), tzinfo=timezone.utc).timestamp()
        return an_event(tool=tool, argv=argv, session=f"00000000-0000-4000-8000-{number:012d}", when=when, **kwargs)

    for back in range(2, 42):
        sent += [one(back, "knife", ("node", "list", "-F", "json"), exit_code=1 if index < back % 3 else 0) for index in range(7)]
        sent += [one(back, "knife", ("ssh", "role:web", "uptime", "-x" if index % 3 else "--ssh-user", "deploy")) for index in range(5 + back % 4)]
        sent += [one(back, "kitchen", ("converge", "-l", "debug"), context=kitchen_context(back), exit_code=int(back % 5 == 0)) for _ in range(6)]
        sent += [one(back, "chef", ("generate", "cookbook", "x")) for _ in range(5 if back % 2 else 0)]
        sent += [one(back, "knife", ("vault", "show", "bag", "item")) for _ in range(2)]
    sent += [one(5, "knife", ("vault", "rotate", "all", "keys")) for _ in range(2)]
    return sent


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    server = Collector(str(tmp_path_factory.mktemp("dashboard") / "collector.sqlite3"))  # the default threshold, 5
    try:
        sent = a_team(datetime.now(timezone.utc).date())
        for start in range(0, len(sent), 1000):
            assert server.post(sent[start : start + 1000])[0] == 201
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser():
    opened = Browser(1400, 900)
    try:
        yield opened
    finally:
        opened.close()


def api(served, endpoint, **params) -> dict:
    status, body = served.request("GET", f"/api/v1/{endpoint}?{urlencode({k: v for k, v in params.items() if v is not None})}")
    assert status == 200, body
    return json.loads(body)


def keep(browser, name) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return browser.screenshot(ARTIFACTS / f"dashboard-{name}.png")


def drawn(browser) -> dict:
    return {chart: [tuple(point) for point in points] for chart, points in browser.evaluate(POINTS).items()}


def assert_clean(browser, served):
    """No console error or warning, no failed load, and no request to anything but the collector."""
    assert browser.problems() == []
    assert browser.requested_urls() and all(url.startswith(served.url + "/") for url in browser.requested_urls()), browser.requested_urls()


def points(answer, values="values", series=None) -> list:
    return [(series, label, value) for label, value in zip(answer["dates"], answer[values]) if value is not None]


def close(drawn_points, given) -> bool:
    return [point[:2] for point in drawn_points] == [point[:2] for point in given] and all(abs(a[2] - b[2]) < 1e-9 for a, b in zip(drawn_points, given))


def assert_overview_matches_the_api(browser, served, days, product=None):
    """Every chart of the overview against the API's answer for the same view."""
    view = {"days": days, "product": product}
    charts = drawn(browser)
    commands = api(served, "commands", **view)
    top = [row["command"] for row in commands["commands"]][:5]
    step = "week" if days > 90 else "day"
    runs, rates = [], []
    for command in top:
        counts = api(served, "series", metric="runs", command=command, step=step, **view)
        failures = api(served, "series", metric="failures", command=command, step=step, **view)
        runs += points(counts, series=command)
        rates += [(command, label, failed / value) for label, value, failed in zip(counts["dates"], counts["values"], failures["values"]) if value]
    assert charts["runs-chart"] == runs
    assert close(charts["failure-chart"], rates)
    bars = [(row["command"], row["count"]) for row in commands["commands"][:15]] + ([(OTHER, commands["other"]["count"])] if commands["other"]["count"] else [])
    assert [point[1:] for point in charts["commands-chart"]] == bars
    ranking = browser.evaluate("[...document.querySelectorAll('#ranking tbody tr')].map(r => [...r.cells].map(c => c.textContent.trim()))")
    assert [row[:2] for row in ranking] == [[row["command"], f"{row['count']:,}"] for row in commands["commands"]] + ([[OTHER, f"{commands['other']['count']:,}"]] if commands["other"]["count"] else [])

    assert charts["sessions-day-chart"] == points(api(served, "series", metric="sessions", step="day", **view), series="sessions")
    assert close(charts["ci-chart"], points(api(served, "ci", step=step, **view), "share", series="in CI"))
    versions = api(served, "versions", step=step, **view)
    for tool, rows in versions["tools"].items():
        shares = [(row["version"] or "not known", label, value) for row in rows for label, value in zip(versions["dates"], row["series"]) if value is not None]
        assert close(charts[f"versions-{tool}-chart"], shares), tool
    cookbooks = api(served, "cookbooks", **view)
    expected = [(row["name"], row["count"]) for row in cookbooks["cookbooks"][:15]] + ([("not named by the client", cookbooks["unnamed"])] if cookbooks["unnamed"] else [])
    assert [point[1:] for point in charts.get("cookbooks-chart", [])] == expected
    kitchen = api(served, "kitchen", **view)
    for kind, rows in kitchen["plugins"].items():
        expected = [(row["name"], row["count"]) for row in rows] + ([(OTHER, kitchen["other"][kind])] if kitchen["other"][kind] else [])
        assert [point[1:] for point in charts.get(f"kitchen-{kind}-chart", [])] == expected, kind
    totals = api(served, "totals", **view)
    assert browser.evaluate("document.querySelector('#totals dd').firstChild.textContent") == f"{totals['events']:,}"
    return charts


def test_the_page_loads_clean_at_1400_pixels_asks_nothing_of_anyone_else_and_draws_what_the_api_gives(browser, served):
    browser.open(served.url + "/")
    keep(browser, "30-days")
    assert_clean(browser, served)
    charts = assert_overview_matches_the_api(browser, served, 30)
    assert {"runs-chart", "failure-chart", "commands-chart", "sessions-day-chart", "sessions-week-chart", "ci-chart", "versions-kitchen-chart", "cookbooks-chart",
            "kitchen-driver-chart", "platforms-chart"} <= set(charts)
    assert {series for series, _, _ in charts["versions-kitchen-chart"]} == {"3.6.0", "3.7.0"}
    html = browser.evaluate("document.body.innerHTML")
    assert "knife vault rotate" not in html  # two sessions in the window: never shown
    assert "knife vault show" in html and not [point for point in charts["runs-chart"] if point[0] == "knife vault show"]  # two a day: the window, no day
    yesterday = (datetime.now(timezone.utc).date() - timedelta(days=1)).isoformat()
    assert browser.evaluate(f"!!document.querySelector('#runs-chart rect.empty[data-label=\"{yesterday}\"]')")  # a day with no event at all, marked
    status, headers, _ = request_with_headers(served, "/")
    assert status == 200 and "default-src 'none'" in headers["content-security-policy"]


def test_report_is_the_same_page_with_its_viewport_and_no_request_that_fails(browser, served):
    browser.open(served.url + "/report?days=30")
    assert_clean(browser, served)
    assert browser.evaluate("document.querySelector('meta[name=viewport]').content") == "width=device-width,initial-scale=1"
    assert browser.evaluate("getComputedStyle(document.body).maxWidth") == "1024px"  # its inline style, allowed by hash
    assert browser.requested_urls() == [served.url + "/report?days=30"]  # no favicon.ico: the icon is in the page
    status, headers, body = request_with_headers(served, "/report")
    assert status == 200 and "frame-ancestors 'none'" in headers["content-security-policy"] and headers["x-content-type-options"] == "nosniff"
    assert body == request_with_headers(served, "/")[2]


def request_with_headers(served, path, headers=None):
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=60)
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, {name.lower(): value for name, value in response.getheaders()}, body


def test_window_tool_and_command_choices_change_the_view_and_the_url_keeps_them(browser, served):
    browser.open(served.url + "/")
    browser.click("nav a[href*='days=7']")
    assert browser.evaluate("location.search") == "?days=7"
    assert len({label for _, label, _ in drawn(browser)["runs-chart"]}) <= 7
    assert_overview_matches_the_api(browser, served, 7)

    browser.click("nav a[href*='product=kitchen']")
    assert browser.evaluate("location.search") == "?days=7&product=kitchen"
    charts = assert_overview_matches_the_api(browser, served, 7, "kitchen")
    assert {label for _, label, _ in charts["commands-chart"]} == {"kitchen converge"}
    assert_clean(browser, served)

    browser.open(served.url + "/?days=90&product=knife")
    browser.click("#ranking a[href*='knife+ssh']")
    assert browser.evaluate("location.search") == "?days=90&product=knife&command=knife+ssh"
    assert_command_page_matches_the_api(browser, served, "knife ssh", 90, "knife")
    browser.follow("const s = document.getElementById('command'); s.value = 'knife node list'; s.dispatchEvent(new Event('change'))")
    assert browser.evaluate("location.search") == "?days=90&product=knife&command=knife+node+list"
    assert_command_page_matches_the_api(browser, served, "knife node list", 90, "knife")
    keep(browser, "knife-node-list-90-days")
    assert_clean(browser, served)

    browser.scripts(False)  # without JavaScript, the button does what the script did
    try:
        browser.open(served.url + "/?days=30&command=knife+node+list")
        chosen = browser.node("#command option:not([selected])")
        name = browser.call("DOM.describeNode", session=True, nodeId=chosen, depth=1)["node"]["children"][0]["nodeValue"]
        browser.call("DOM.removeAttribute", session=True, nodeId=browser.node("#command option[selected]"), name="selected")
        browser.call("DOM.setAttributeValue", session=True, nodeId=chosen, name="selected", value="")
        browser.click("form button")
    finally:
        browser.scripts(True)
    assert browser.evaluate("new URLSearchParams(location.search).get('command')") == name
    assert_command_page_matches_the_api(browser, served, name, 30)


def assert_command_page_matches_the_api(browser, served, command, days, product=None):
    view = {"days": days, "product": product}
    charts = drawn(browser)
    step = "week" if days > 90 else "day"
    counts = api(served, "series", metric="runs", command=command, step=step, **view)
    assert charts["command-runs-chart"] == points(counts, series=command)
    options = api(served, "options", command=command, **view)
    assert [point[1:] for point in charts["options-chart"]] == [(row["option"], row["count"]) for row in options["options"]]
    listed = browser.evaluate("[...document.querySelectorAll('#unused tbody th')].map(e => e.textContent.trim())")
    marks = {None: "", "": " (deprecated)"}
    assert listed == [row["option"] + marks.get(row["deprecated"], f" (deprecated: use {row['deprecated']})") for row in options["unused"]]


def test_a_commands_page_merges_spellings_and_lists_the_options_fewer_than_k_sessions_used(browser, served):
    browser.open(served.url + "/?command=knife+ssh")
    assert_clean(browser, served)
    rows = browser.evaluate("[...document.querySelectorAll('#option-spellings tbody tr')].map(r => [...r.cells].map(c => c.textContent.trim()))")
    ssh = api(served, "options", command="knife ssh")
    (user,) = ssh["options"]
    assert rows == [["--ssh-user", f"{user['count']:,}", "100.0%", ", ".join(f"{one['spelling']} {one['count']:,}" for one in user["spellings"])]]
    assert {one["spelling"] for one in user["spellings"]} == {"-x", "--ssh-user"}  # one option, two spellings
    unused = browser.evaluate("[...document.querySelectorAll('#unused tbody tr')].map(r => r.cells[0].textContent.trim())")
    assert "--ssh-password" in unused and "--ssh-user" not in unused and "--config" in unused


def test_at_390_pixels_the_page_reads_without_sideways_scrolling_with_the_newest_data_in_view(browser, served):
    browser.resize(390, 844, mobile=True)
    try:
        for path in ("/?days=30", "/?days=365", "/?command=knife+node+list"):
            browser.open(served.url + path)
            keep(browser, "narrow-" + path.strip("/?").replace("=", "-").replace("&", "-").replace("+", "-"))
            assert_clean(browser, served)
            assert browser.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
            newest = browser.evaluate(
                """[...document.querySelectorAll('.chart-box.time')].map(box => {
                    const marks = [...box.querySelectorAll('[data-value]')];
                    if (!marks.length) return null;
                    const last = marks.reduce((a, b) => a.getAttribute('data-label') >= b.getAttribute('data-label') ? a : b).getBoundingClientRect();
                    const seen = box.getBoundingClientRect();
                    return last.left >= seen.left && last.right <= seen.right + 1;
                }).filter(x => x !== null)"""
            )
            assert newest and all(newest), (path, newest)
        structure = browser.evaluate(
            """(() => [...document.querySelectorAll('svg.chart')].map(svg => {
                const [title, desc] = svg.getAttribute('aria-labelledby').split(' ').map(id => document.getElementById(id));
                const figure = svg.closest('figure');
                const table = figure.querySelector('table#' + svg.id.replace(/-chart$/, '-table'));
                const links = [...figure.querySelectorAll('a')].map(a => a.getAttribute('href'));
                return [svg.id, svg.getAttribute('role'), !!title && title.textContent.length > 0, !!desc, table ? table.rows.length - 1 : -1,
                        [...svg.querySelectorAll('.axis-label')].map(e => e.textContent).join('|'), links];
            }))()"""
        )
        for chart, role, titled, described, table_rows, axes, links in structure:
            assert (role, titled, described) == ("img", True, True), chart
            assert axes and table_rows >= 0, chart  # labelled axes, and its numbers in a table
            assert len(links) == 2 and links[0].startswith("/api/v1/") and ".csv?" in links[1], chart  # its data as JSON and CSV
        assert browser.evaluate("[...document.querySelectorAll('select, input:not([type=hidden])')].every(e => e.labels.length > 0)")
        assert browser.evaluate("document.documentElement.lang") == "en"
    finally:
        browser.resize(1400, 900)


def test_a_year_is_drawn_by_iso_week_the_last_one_marked_incomplete_and_the_page_stays_light(browser, served):
    browser.open(served.url + "/?days=365")
    keep(browser, "365-days")
    assert_clean(browser, served)
    charts = assert_overview_matches_the_api(browser, served, 365)
    weeks = {label for _, label, _ in charts["runs-chart"]}
    assert len(weeks) <= 53 and all(datetime.fromisoformat(label).weekday() == 0 for label in weeks)
    series = api(served, "series", metric="runs", days=365, step="week")
    assert series["complete"][-1] is (datetime.now(timezone.utc).date().weekday() == 0)  # complete only when yesterday was a Sunday
    status, headers, body = request_with_headers(served, "/?days=365", {"Accept-Encoding": "gzip"})
    assert headers["content-encoding"] == "gzip" and len(body) < 150 * 1024
    assert b"<svg" in gzip.decompress(body)
