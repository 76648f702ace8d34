"""The page at GET / (and /report): how knife, kitchen and chef are used, for the people who decide which
commands and options to improve or deprecate; and a command's own page (`?command=knife+bootstrap`).

Server-rendered from the Jinja2 templates beside this file (autoescaped), with SVG charts drawn on the
server (chefwrap.collector.charts): one response, nothing asked of anyone else (the Content-Security-
Policy forbids it). The window, the tool and the command are in the URL, so a view can be shared. Every
chart has its numbers in a table and a link to the same data as JSON and CSV (chefwrap.collector.api),
all read through chefwrap.collector.published, under the privacy threshold.
"""

from collections import namedtuple
from pathlib import Path
from urllib.parse import urlencode

from markupsafe import Markup
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from chefwrap.collector import charts, headers, published
from chefwrap.collector.threshold import OTHER

TEMPLATES = Path(__file__).resolve().parent / "templates"
templates = Jinja2Templates(directory=TEMPLATES)  # autoescape on for .html
STYLE = (TEMPLATES / "page.css").read_text()
SCRIPT = (TEMPLATES / "page.js").read_text().strip()
# Nothing but this page's own style and script; no request to any other place, not even for an icon.
CONTENT_SECURITY_POLICY = headers.policy(styles=[STYLE], scripts=[SCRIPT], images="data:")
WINDOWS = (7, 30, 90, 365)
PRODUCTS = ("knife", "kitchen", "chef")
TOP_COMMANDS = 5
BAR_ROWS = 15
UNNAMED = "not named by the client"
# A chart, its numbers (columns, rows of text) and where its data is (an /api/v1 endpoint and its query).
Chart = namedtuple("Chart", "id title svg note columns rows data")


class Links:
    """Links to views that differ from this one in one choice, and to this view's data."""

    def __init__(self, query):
        self.query = query

    def page(self, fragment: str = "", **changed) -> str:
        values = {"days": self.query.days, "product": self.query.product, "command": self.query.command, **changed}
        return "/?" + urlencode([(name, value) for name, value in values.items() if value]) + (f"#{fragment}" if fragment else "")

    def data(self, endpoint: str, csv: bool = False, **more) -> str:
        values = {"days": self.query.days, "product": self.query.product, **more}
        return f"/api/v1/{endpoint}{'.csv' if csv else ''}?" + urlencode([(name, value) for name, value in values.items() if value])


def render(connection, query, min_sessions: int) -> str:
    view = published.View(connection, query.days, min_sessions=min_sessions, product=query.product)
    links = Links(query)
    found = published.commands(view)
    context = {"view": view, "query": query, "links": links, "windows": WINDOWS, "products": PRODUCTS, "style": Markup(STYLE), "script": Markup(SCRIPT),
               "commands": found, "other": OTHER, "percent": percent, "change": change, "unit": "day" if query.step == 1 else "week"}
    if query.command:
        return templates.get_template("command.html").render(context | command_page(view, query, links, found))
    return templates.get_template("page.html").render(context | overview(view, query, links, found))


def refusal(status: int, message: str) -> HTMLResponse:
    return HTMLResponse(templates.get_template("refusal.html").render(status=status, message=message), status_code=status)


def overview(view, query, links, found) -> dict:
    step, periods = query.step, view.periods(query.step)
    top = [row["command"] for row in found["commands"][:TOP_COMMANDS]]
    by_command = view.series("command", step, command=top) if top else {}
    runs = [(command, _values(by_command.get((command, "", "")), lambda figure: figure.runs)) for command in top]
    rates = [(command, _values(by_command.get((command, "", "")), lambda figure: figure.failures / figure.runs)) for command in top]
    bars = [(row["command"], row["count"]) for row in found["commands"][:BAR_ROWS]] + ([(OTHER, found["other"]["count"])] if found["other"]["count"] else [])
    totals = published.totals(view)
    charts_ = {
        "runs": line(view, "runs-chart", f"Runs a {_unit(step)} of the {len(top)} most used commands", periods, runs, f"runs a {_unit(step)}",
                     links.data("series", metric="runs", step=_unit(step))),
        "failures": line(view, "failure-chart", f"Share of runs that exited non-zero, a {_unit(step)}", periods, rates, "failure rate",
                         links.data("series", metric="failures", step=_unit(step)), percent=True),
        "commands": bar("commands-chart", "Most used commands", bars, "runs in the window", ("command", "runs"), links.data("commands")),
        "sessions": [
            line(view, f"sessions-{name}-chart", f"Active sessions a {name}", view.periods(size), [("sessions", published.series(view, "sessions", None, size)["values"])],
                 f"sessions a {name}", links.data("series", metric="sessions", step=name))
            for name, size in (("day", 1), ("week", 7)) if view.periods(size)
        ],
        "ci": line(view, "ci-chart", f"Share of runs in CI, a {_unit(step)}", periods, [("in CI", published.ci_share(view, step)["share"])], "share of runs",
                   links.data("ci", step=_unit(step)), percent=True),
        "versions": versions(view, step, periods, links),
        **context_charts(view, links),
    }
    stored = published.stored(view) if view.live else None  # raw counts: the operator's view alone
    return {"totals": totals, "stored": stored, "changes": published.changes(view), "charts": charts_, "systems": published.systems(view), "top": top}


def command_page(view, query, links, found) -> dict:
    command, step, periods = query.command, query.step, view.periods(query.step)
    row = next((row for row in found["commands"] if row["command"] == command), None)
    by_period = view.series("command", step, command=command).get((command, "", ""), [None] * len(periods)) if row else [None] * len(periods)
    answer = published.options(view, command)
    bars = [(option["option"], option["count"]) for option in answer["options"][:BAR_ROWS]]
    return {
        "command": command,
        "row": row,
        "options": answer,
        "charts": {
            "runs": line(view, "command-runs-chart", f"Runs of {command} a {_unit(step)}", periods, [(command, _values(by_period, lambda figure: figure.runs))],
                         f"runs a {_unit(step)}", links.data("series", metric="runs", command=command, step=_unit(step))),
            "failures": line(view, "command-failure-chart", f"Share of the runs of {command} that exited non-zero, a {_unit(step)}", periods,
                             [(command, _values(by_period, lambda figure: figure.failures / figure.runs))], "failure rate",
                             links.data("series", metric="failures", command=command, step=_unit(step)), percent=True),
            "options": bar("options-chart", f"Options used with {command}", bars, "runs that used the option", ("option", "runs"), links.data("options", command=command)),
        },
    }


def versions(view, step, periods, links) -> list:
    answer = published.versions(view, step)
    return [
        line(view, f"versions-{tool}-chart", f"{tool}: each version's share of {tool}'s runs", periods,
             [(row["version"] or "not known", row["series"]) for row in rows], "share of the tool's runs", links.data("versions", step=_unit(step)), percent=True)
        for tool, rows in answer["tools"].items()
    ]


def context_charts(view, links) -> dict:
    books, plugins, places = published.cookbooks(view), published.kitchen(view), published.platforms(view)
    cookbook_rows = [(book["name"], book["count"]) for book in books["cookbooks"][:BAR_ROWS]] + ([(UNNAMED, books["unnamed"])] if books["unnamed"] else [])
    return {
        "cookbooks": bar("cookbooks-chart", "Community cookbooks (every version)", cookbook_rows, "runs that used it", ("cookbook", "runs"), links.data("cookbooks")),
        "cookbook_versions": books,
        "kitchen": [
            bar(f"kitchen-{kind}-chart", f"Test Kitchen {kind}s", [(row["name"], row["count"]) for row in rows[:BAR_ROWS]] + ([(OTHER, plugins["other"][kind])] if plugins["other"][kind] else []),
                "runs", (kind, "runs"), links.data("kitchen"))
            for kind, rows in plugins["plugins"].items()
        ],
        "kitchen_unnamed": plugins,
        "platforms": bar("platforms-chart", "Test Kitchen platforms", [(row["name"], row["count"]) for row in places["platforms"][:BAR_ROWS]] + ([(UNNAMED, places["unnamed"])] if places["unnamed"] else []),
                         "runs that tested on it", ("platform", "runs"), links.data("platforms")),
        "places": places,
    }


def line(view, chart_id, title, periods, series, y_label, data, percent=False) -> Chart:
    """A line chart of periods, and its table: a row a period, with a dash where no point is drawn, and
    what is incomplete about the period."""
    labels = [period.first.isoformat() for period in periods]
    daily = data.endswith("step=day") or "step=" not in data
    x_label = "day (UTC)" if daily else "ISO week from (UTC)"
    svg = charts.line_chart(chart_id, title, labels, series, y_label, percent=percent, x_label=x_label,
                            incomplete=[not period.complete for period in periods], empty=[period.empty for period in periods])
    rows = [(label, *(_shown(values[index], percent) for _, values in series), _note(period)) for index, (label, period) in enumerate(zip(labels, periods))]
    note = None if view.min_sessions <= 1 else f"No point where fewer than {view.min_sessions} sessions used it that {'day' if daily else 'week'}."
    return Chart(chart_id, title, Markup(svg), note, ("day" if daily else "week from", *(name for name, _ in series), "note"), rows, data)


def bar(chart_id, title, rows, value_label, columns, data) -> Chart:
    svg = charts.bar_chart(chart_id, title, rows, value_label, (UNNAMED, OTHER)) if rows else None
    return Chart(chart_id, title, Markup(svg) if svg else None, None, columns, [(label, f"{count:,}") for label, count in rows], data)


def _values(figures, of) -> list:
    return [of(figure) if figure is not None and figure.shown else None for figure in (figures or [])]


def _note(period) -> str:
    notes = [] if period.complete else ["not over yet"]
    notes += [f"{period.empty} day(s) without any event" if period.first != period.last else "no event at all"] if period.empty else []
    return "; ".join(notes)


def _shown(value, as_percent: bool) -> str:
    if value is None:
        return "–"
    return f"{100.0 * value:.1f}%" if as_percent else f"{value:,}"


def _unit(step: int) -> str:
    return "day" if step == 1 else "week"


def percent(part, whole) -> str:
    return f"{100.0 * part / whole:.1f}%" if whole else "–"


def change(now, before) -> str:
    """How a figure moved since the previous window, in words a table cell can hold."""
    if before is None:
        return "new (fewer than K sessions before)"
    if not before:
        return "–"
    return f"{(now - before) / before:+.0%}"
