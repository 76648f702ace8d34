"""The page at GET /, in a real headless Chromium (Debian's): it loads clean and asks nothing of anyone but
the collector, each chart draws the numbers the API gives, the window, tool and command choices change
it (with and without JavaScript), and it reads on a narrow screen. One browser and one collector for the
module; a screenshot of each test is kept in tests/artifacts/ (or $CHEFWRAP_TEST_ARTIFACTS)."""

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
    """Forty days of a team: knife every day (some failures), kitchen with its context, chef every other day,
    and a command two sessions a day use, which the threshold must never show."""
    sent, number = [], 0

    def one(back, tool, argv, **kwargs):
        nonlocal number
        number += 1
        when = datetime.combine(today - timedelta(days=back), time(9, number % 60), tzinfo=timezone.utc).timestamp()
        return an_event(tool=tool, argv=argv, session=f"00000000-0000-4000-8000-{number:012d}", when=when, **kwargs)

    for back in range(2, 42):
        sent += [one(back, "knife", ("node", "list", "-F", "json"), exit_code=1 if index < back % 3 else 0) for index in range(7)]
        sent += [one(back, "knife", ("ssh", "role:web", "uptime", "-x", "deploy")) for _ in range(5 + back % 4)]
        sent += [one(back, "kitchen", ("converge", "-l", "debug"), context=kitchen_context(back), exit_code=int(back % 5 == 0)) for _ in range(6)]
        sent += [one(back, "chef", ("generate", "cookbook", "x")) for _ in range(5 if back % 2 else 0)]
        sent += [one(back, "knife", ("vault", "show", "bag", "item")) for _ in range(2)]
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
    opened = Browser(1280, 900)
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
    assert browser.problems() == []
    assert browser.requested_urls() and all(url.startswith(served.url + "/") for url in browser.requested_urls()), browser.requested_urls()


def assert_charts_match_the_api(browser, served, days, product=None):
    """Every chart on the page against the API's answer for the same view."""
    view = {"days": days, "product": product}
    charts = drawn(browser)
    commands = api(served, "commands", **view)
    top = [row["command"] for row in commands["commands"]][:5]
    step = "week" if days > 90 else "day"
    runs, rates = [], []
    for command in top:
        counts = api(served, "series", metric="runs", command=command, step=step, **view)
        failures = api(served, "series", metric="failures", command=command, step=step, **view)
        runs += [(command, label, value) for label, value in zip(counts["dates"], counts["values"]) if value is not None]
        rates += [(command, label, failed / value) for label, value, failed in zip(counts["dates"], counts["values"], failures["values"]) if value]
    assert charts["runs-chart"] == runs
    assert [point[:2] for point in charts["failure-chart"]] == [point[:2] for point in rates]
    assert all(abs(drawn_ - given) < 1e-9 for (*_, drawn_), (*_, given) in zip(charts["failure-chart"], rates))
    bars = [(row["command"], row["count"]) for row in commands["commands"][:15]] + ([("other (below the threshold)", commands["other"]["count"])] if commands["other"]["count"] else [])
    assert [point[1:] for point in charts["commands-chart"]] == bars

    chosen = browser.evaluate("document.getElementById('command').value")
    options = api(served, "options", command=chosen, **view)
    expected = [(row["option"], row["count"]) for row in options["options"]] + ([("other (below the threshold)", options["other"]["count"])] if options["other"]["count"] else [])
    assert [point[1:] for point in charts.get("options-chart", [])] == expected

    versions = api(served, "versions", step=step, **view)
    for tool, found in versions["tools"].items():
        totals = [sum(row["series"][index] or 0 for row in found) for index in range(len(versions["dates"]))]
        shares = [(row["version"], label, value / totals[index]) for row in found for index, (label, value) in enumerate(zip(versions["dates"], row["series"])) if value is not None]
        points = charts[f"versions-{tool}-chart"]
        assert [point[:2] for point in points] == [share[:2] for share in shares]
        assert all(abs(point[2] - share[2]) < 1e-9 for point, share in zip(points, shares))

    cookbooks = api(served, "cookbooks", **view)
    expected = [(f"{row['name']} {row['version']}", row["count"]) for row in cookbooks["cookbooks"][:15]]
    expected += [("not named by the client", cookbooks["unnamed"])] if cookbooks["unnamed"] else []
    expected += [("other (below the threshold)", cookbooks["other"] + cookbooks["unnamed_other"])] if cookbooks["other"] + cookbooks["unnamed_other"] else []
    assert [point[1:] for point in charts.get("cookbooks-chart", [])] == expected
    kitchen = api(served, "kitchen", **view)
    for kind, rows in kitchen["plugins"].items():
        expected = [(row["name"], row["count"]) for row in rows] + ([("other (below the threshold)", kitchen["other"][kind])] if kitchen["other"][kind] else [])
        assert [point[1:] for point in charts.get(f"kitchen-{kind}-chart", [])] == expected, kind
    platforms = api(served, "platforms", **view)
    expected = [(row["name"], row["count"]) for row in platforms["platforms"][:15]]
    expected += [("not named by the client", platforms["unnamed"])] if platforms["unnamed"] else []
    expected += [("other (below the threshold)", platforms["other"] + platforms["unnamed_other"])] if platforms["other"] + platforms["unnamed_other"] else []
    assert [point[1:] for point in charts.get("platforms-chart", [])] == expected
    totals = api(served, "totals", **view)
    assert browser.evaluate("document.querySelector('#totals dd').textContent") == f"{totals['events']:,}"
    return charts


def test_the_page_loads_clean_asks_nothing_of_anyone_else_and_draws_what_the_api_gives(browser, served):
    browser.open(served.url + "/")
    keep(browser, "30-days")
    assert_clean(browser, served)
    charts = assert_charts_match_the_api(browser, served, 30)
    assert {"runs-chart", "failure-chart", "commands-chart", "options-chart", "versions-kitchen-chart", "cookbooks-chart", "kitchen-driver-chart", "platforms-chart"} <= set(charts)
    assert len({label for _, label, _ in charts["runs-chart"]}) == 29  # complete days only: the last one is yesterday, without events
    versions = {series for series, _, _ in charts["versions-kitchen-chart"]}
    assert versions == {"3.6.0", "3.7.0"}
    assert "knife vault show" not in browser.evaluate("document.body.innerHTML")  # two sessions a day: never shown

    status, headers, _ = request_with_headers(served, "/")
    assert status == 200 and "default-src 'none'" in headers["content-security-policy"]


def test_the_report_page_keeps_its_style_under_its_content_security_policy(browser, served):
    browser.open(served.url + "/report")
    assert not [problem for problem in browser.problems() if "Content Security Policy" in str(problem)], browser.problems()
    assert browser.evaluate("getComputedStyle(document.body).marginTop") == "32px"  # its inline style, allowed by hash
    status, headers, _ = request_with_headers(served, "/report")
    assert status == 200 and "frame-ancestors 'none'" in headers["content-security-policy"] and headers["x-content-type-options"] == "nosniff"


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
    assert_charts_match_the_api(browser, served, 7)

    browser.click("nav a[href*='product=kitchen']")
    assert browser.evaluate("location.search") == "?days=7&product=kitchen"
    charts = assert_charts_match_the_api(browser, served, 7, "kitchen")
    assert {label for _, label, _ in charts["commands-chart"]} == {"kitchen converge"}
    assert_clean(browser, served)

    browser.open(served.url + "/?days=90&product=knife")
    commands = [row["command"] for row in api(served, "options", days=90, product="knife")["options"]]
    other = "knife ssh" if browser.evaluate("document.getElementById('command').value") != "knife ssh" else "knife node list"
    assert other in commands
    browser.follow(f"const s = document.getElementById('command'); s.value = {json.dumps(other)}; s.dispatchEvent(new Event('change'))")
    assert browser.evaluate("location.search + location.hash") == "?days=90&product=knife&command=" + other.replace(" ", "+") + "#options"
    assert_charts_match_the_api(browser, served, 90, "knife")
    keep(browser, "knife-90-days-options")
    assert_clean(browser, served)

    browser.scripts(False)  # without JavaScript, the button does what the script did
    try:
        browser.open(served.url + "/?days=30")
        assert browser.call("DOM.getAttributes", session=True, nodeId=browser.node("#command option:nth-child(1)"))["attributes"] == ["selected", ""]
        second = browser.node("#command option:nth-child(2)")
        chosen = browser.call("DOM.describeNode", session=True, nodeId=second, depth=1)["node"]["children"][0]["nodeValue"]
        browser.call("DOM.removeAttribute", session=True, nodeId=browser.node("#command option:nth-child(1)"), name="selected")
        browser.call("DOM.setAttributeValue", session=True, nodeId=second, name="selected", value="")
        browser.click("#options button")
    finally:
        browser.scripts(True)
    assert browser.evaluate("new URLSearchParams(location.search).get('command')") == chosen
    assert_charts_match_the_api(browser, served, 30)


def test_a_narrow_screen_reads_without_sideways_scrolling_and_every_chart_has_its_table(browser, served):
    browser.resize(390, 844, mobile=True)
    try:
        browser.open(served.url + "/?days=30")
        keep(browser, "narrow")
        assert_clean(browser, served)
        assert browser.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        structure = browser.evaluate(
            """(() => [...document.querySelectorAll('svg.chart')].map(svg => {
                const [title, desc] = svg.getAttribute('aria-labelledby').split(' ').map(id => document.getElementById(id));
                const section = svg.closest('section');
                const table = section.querySelector('table#' + svg.id.replace(/-chart$/, '-table'));
                return [svg.id, svg.getAttribute('role'), !!title && title.textContent.length > 0, !!desc, table ? table.rows.length - 1 : -1,
                        svg.querySelectorAll('[data-value]').length, [...svg.querySelectorAll('.axis-label')].map(e => e.textContent).join('|')];
            }))()"""
        )
        for chart, role, titled, described, table_rows, points, axes in structure:
            assert (role, titled, described) == ("img", True, True), chart
            assert axes, chart  # labelled axes
            if chart in ("runs-chart", "failure-chart") or chart.startswith("versions-"):
                assert table_rows == 30, chart  # a row a day, with a dash where no point is drawn
            else:
                assert table_rows == points, chart
        assert browser.evaluate("[...document.querySelectorAll('select, input:not([type=hidden])')].every(e => e.labels.length > 0)")
        assert browser.evaluate("document.documentElement.lang") == "en"
    finally:
        browser.resize(1280, 900)


def test_a_year_is_drawn_by_week_and_the_page_stays_light(browser, served):
    browser.open(served.url + "/?days=365")
    keep(browser, "365-days")
    assert_clean(browser, served)
    charts = assert_charts_match_the_api(browser, served, 365)
    assert len({label for _, label, _ in charts["runs-chart"]}) <= 53
    status, headers, body = request_with_headers(served, "/?days=365", {"Accept-Encoding": "gzip"})
    assert headers["content-encoding"] == "gzip" and len(body) < 150 * 1024
    assert b"<svg" in gzip.decompress(body)
