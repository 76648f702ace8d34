"""The page at GET /: how knife, kitchen and chef are used, for the people it is for.

Server-rendered HTML with SVG charts (chefwrap.collector.charts), one response, nothing asked of anyone
else (the Content-Security-Policy forbids it too). The window and the tool are links and the command
whose options are shown is a GET form, so the URL holds the whole choice and a view can be shared.
Every chart has its numbers in a table beside it. One tiny inline script submits the command form when
the choice changes; without it, the button does. Everything is read through
chefwrap.collector.published, under the privacy threshold, like the API.
"""

from html import escape
from urllib.parse import urlencode

from chefwrap.collector import charts, headers
from chefwrap.collector.published import Published, rank, step_for
from chefwrap.collector.threshold import OTHER
from chefwrap.collector.validation import KITCHEN_PLUGIN_KINDS

WINDOWS = (7, 30, 90, 365)
PRODUCTS = ("knife", "kitchen", "chef")
TOP_COMMANDS = 5
BAR_ROWS = 15
UNNAMED = "not named by the client"

STYLE = (
    ":root{--ink:#1b1b1b;--muted:#555;--line:#d8d8d8;--accent:#005a8c}"
    "body{font:16px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:var(--ink);margin:0 auto;max-width:62rem;padding:0 1rem 3rem}"
    "h1{font-size:1.6rem;margin:1.2rem 0 .4rem}"
    "h2{font-size:1.25rem;margin:2rem 0 .5rem;border-top:1px solid var(--line);padding-top:1rem}"
    "h3{font-size:1.05rem;margin:1.2rem 0 .3rem}"
    "nav{display:flex;flex-wrap:wrap;gap:.4rem 1.5rem;margin:.6rem 0}"
    "nav ul{display:flex;flex-wrap:wrap;gap:.3rem;list-style:none;margin:0;padding:0}"
    "nav span{color:var(--muted);margin-right:.3rem}"
    "nav a{display:inline-block;padding:.2rem .7rem;border:1px solid var(--accent);border-radius:1rem;color:var(--accent);text-decoration:none}"
    "nav a[aria-current]{background:var(--accent);color:#fff}"
    ".chart-box{overflow-x:auto}svg.chart{display:block;width:100%;min-width:32rem;max-width:46rem;height:auto}"
    ".table-box{overflow-x:auto}"
    "table{border-collapse:collapse;margin:.4rem 0 1rem;font-size:.92rem}"
    "th,td{padding:.2rem .6rem;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}"
    "td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
    "caption{text-align:left;font-weight:600;padding:.2rem 0}"
    "dl{display:grid;grid-template-columns:repeat(auto-fit,minmax(9rem,1fr));gap:.6rem;margin:.6rem 0}"
    "dl div{border:1px solid var(--line);border-radius:.4rem;padding:.4rem .7rem}"
    "dt{font-size:.85rem;color:var(--muted)}dd{margin:0;font-size:1.35rem;font-weight:600}"
    ".note{color:var(--muted);font-size:.92rem}"
    "details{margin:.2rem 0 1rem}summary{cursor:pointer;color:var(--accent)}"
    "form{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin:.4rem 0}"
    "select,button{font:inherit;padding:.2rem .4rem;max-width:100%}"
    ".grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,24rem),1fr));gap:0 1.5rem}"
    ".grid svg.chart{min-width:0}"
)
SCRIPT = "document.getElementById('command').addEventListener('change',function(){this.form.submit()});"


# Nothing but this page's own style and script; no request to any other place, not even for an icon.
CONTENT_SECURITY_POLICY = headers.policy(styles=[STYLE], scripts=[SCRIPT], images="data:")
ICON = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Crect width='16' height='16' rx='3' fill='%23005a8c'/%3E%3C/svg%3E"


class Choice:
    """What the URL chose: window, tool, command; and how to link to a view that differs in one of them."""

    def __init__(self, days: int, product, command):
        self.days, self.product, self.command = days, product, command

    def link(self, fragment: str = "", **changed) -> str:
        values = {"days": self.days, "product": self.product, "command": self.command, **changed}
        query = urlencode([(name, value) for name, value in values.items() if value])
        return "/?" + query + (f"#{fragment}" if fragment else "")


def page(connection, choice: Choice, min_sessions: int) -> str:
    view = Published(connection, choice.days, min_sessions=min_sessions, product=choice.product)
    step = step_for(choice.days)
    other = OTHER
    body = [
        _header(view, choice, min_sessions),
        _totals(view, other),
        *_commands(view, step, other),
        _options(view, choice, other),
        _versions(view, step),
        *_context(view, other),
        _footer(view, choice),
    ]
    return "".join(
        [
            "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
            "<meta name='viewport' content='width=device-width,initial-scale=1'>",
            f"<title>{escape(_title(choice))}</title><link rel='icon' href=\"{ICON}\">",
            f"<style>{STYLE}</style></head><body>",
            *body,
            f"<script>{SCRIPT}</script></body></html>",
        ]
    )


def _title(choice) -> str:
    return f"How {choice.product or 'knife, kitchen and chef'} {'is' if choice.product else 'are'} used: the last {choice.days} days"


def _header(view, choice, min_sessions) -> str:
    windows = "".join(_nav_link(f"{days} days", choice.link(days=days), days == choice.days) for days in WINDOWS)
    tools = _nav_link("all tools", choice.link(product=None, command=None), choice.product is None)
    tools += "".join(_nav_link(product, choice.link(product=product, command=None), product == choice.product) for product in PRODUCTS)
    if min_sessions > 1:
        rule = (
            f"Complete UTC days only. A name is counted only on the days when at least {min_sessions} sessions used it, and a tool only "
            f"on the days when at least {min_sessions} sessions used it; the rest of those days is shown as “other”."
        )
    else:
        rule = "Every event is counted, today's too: this collector shows its data without a privacy threshold."
    return (
        f"<header><h1>{escape(_title(choice))}</h1>"
        f"<nav aria-label='view'><div><span id='window-label'>Window</span><ul aria-labelledby='window-label'>{windows}</ul></div>"
        f"<div><span id='tool-label'>Tool</span><ul aria-labelledby='tool-label'>{tools}</ul></div></nav>"
        f"<p class='note'>{view.first.isoformat()} to {view.last.isoformat()} (UTC). {escape(rule)}</p></header>"
    )


def _nav_link(text: str, href: str, current: bool) -> str:
    return f"<li><a href='{escape(href)}'{' aria-current=page' if current else ''}>{escape(text)}</a></li>"


def _totals(view, other) -> str:
    totals = view.totals()
    ci = {named.key[0]: named.count for named in totals.ci.names}
    parts = [
        "<section id='totals' aria-labelledby='totals-title'><h2 id='totals-title'>Totals</h2><dl>",
        _figure("Events", f"{totals.events:,}"),
        _figure("Failures", f"{totals.failures:,} ({_percent(totals.failures, totals.events)})"),
        _figure("Sessions begun", f"{totals.sessions:,}"),
        _figure("Run in CI", _percent(ci.get("true", 0), totals.events)),
        "</dl><div class='grid'>",
    ]
    names = {"ci": {"true": "CI", "false": "not CI", "": "unknown"}}
    for field, title in (("os", "Operating systems"), ("arch", "Architectures"), ("ci", "Continuous integration")):
        ranked = getattr(totals, field)
        rows = [(names.get(field, {}).get(named.key[0], named.key[0] or "unknown"), named.count) for named in ranked.names]
        rows += [(other, ranked.other[0])] if ranked.other[0] else []
        parts.append(_table(title, ("name", "events", "share"), [(label, f"{count:,}", _percent(count, totals.events)) for label, count in rows], f"{field}-table"))
    parts.append("</div></section>")
    return "".join(parts)


def _figure(term: str, value: str) -> str:
    return f"<div><dt>{escape(term)}</dt><dd>{escape(value)}</dd></div>"


def _percent(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:.1f}%" if whole else "–"


def _commands(view, step, other) -> list:
    ranked = view.commands()
    top = [named.key[1] for named in ranked.names[:TOP_COMMANDS]]
    by_day = view.daily("commands", ("command",), [(command,) for command in top])
    labels, runs, rates = [], [], []
    for command in top:
        cells = by_day.get((command,), {})
        labels, counts = view.stepped({day: cell[0] for day, cell in cells.items()}, step)
        _, failures = view.stepped({day: cell[1] for day, cell in cells.items()}, step)
        runs.append((command, counts))
        rates.append((command, [None if not count else failed / count for count, failed in zip(counts, failures)]))
    unit = "day" if step == 1 else "week"
    x_label = "day (UTC)" if step == 1 else "week from (UTC)"
    rows = [(named.key[1], named.count, named.failures) for named in ranked.names[:BAR_ROWS]]
    bars = [(command, count) for command, count, _ in rows] + ([(other, ranked.other[0])] if ranked.other[0] else [])
    table_rows = [(command, f"{count:,}", f"{failures:,}", _percent(failures, count)) for command, count, failures in rows]
    table_rows += [(other, f"{ranked.other[0]:,}", f"{ranked.other[1]:,}", _percent(ranked.other[1], ranked.other[0]))] if ranked.other[0] else []
    more = len(ranked.names) - BAR_ROWS
    return [
        _section(
            "runs",
            "Daily runs of the top commands" if step == 1 else "Weekly runs of the top commands",
            _line(view, "runs-chart", f"Runs a {unit} of the {len(top)} most used commands", labels, runs, f"runs a {unit}", x_label, step, False)
            if top
            else _nothing(),
        ),
        _section(
            "failures",
            "Failure rate of the top commands",
            _line(view, "failure-chart", f"Share of runs that exited non-zero, a {unit}", labels, rates, "failure rate", x_label, step, True)
            if top
            else _nothing(),
        ),
        _section(
            "commands",
            "Most used commands",
            (_chart(charts.bar_chart("commands-chart", "Most used commands", bars, "runs in the window", other)) if rows else _nothing())
            + _table("Most used commands", ("command", "runs", "failures", "failure rate"), table_rows, "commands-table", hidden=True)
            + (f"<p class='note'>{more} more commands in <a href='/api/v1/commands?{_query(view)}'>the API</a>.</p>" if more > 0 else ""),
        ),
    ]


def _line(view, chart_id, title, labels, series, y_label, x_label, step, percent, what="the command") -> str:
    chart = charts.line_chart(chart_id, title, labels, series, y_label, percent=percent, x_label=x_label)
    rows = []
    for index, label in enumerate(labels):
        cells = [_shown(values[index], percent) for _, values in series]
        rows.append((label, *cells))
    heading = "day" if step == 1 else "week from"
    if step == 1:
        note = f"<p class='note'>No point on a day when fewer than {view.min_sessions} sessions used {what}.</p>"
    else:
        note = f"<p class='note'>A week counts the days when at least {view.min_sessions} sessions used {what}; no point when there was none.</p>"
    return _chart(chart) + (note if view.min_sessions > 1 else "") + _table(title, (heading, *(name for name, _ in series)), rows, f"{chart_id[:-6]}-table", hidden=True)


def _shown(value, percent: bool) -> str:
    if value is None:
        return "–"
    return f"{100.0 * value:.1f}%" if percent else f"{value:,}"


def _options(view, choice, other) -> str:
    sums = view.sums("options", ("product", "command", "option"))
    with_options = {}
    for (_, command, _), values in sums.items():
        if values[0] > 0:
            with_options[command] = with_options.get(command, 0) + values[0]
    commands = [named.key[1] for named in view.commands().names if named.key[1] in with_options]
    chosen = choice.command or (commands[0] if commands else None)
    parts = [
        "<section id='options' aria-labelledby='options-title'><h2 id='options-title'>Options used with a command</h2>",
        "<form method='get' action='/#options'>",
        f"<input type='hidden' name='days' value='{choice.days}'>",
        f"<input type='hidden' name='product' value='{escape(choice.product)}'>" if choice.product else "",
        "<label for='command'>Command</label><select id='command' name='command'>",
        *(f"<option{' selected' if command == chosen else ''}>{escape(command)}</option>" for command in commands),
        f"<option selected>{escape(chosen)}</option>" if chosen and chosen not in commands else "",
        "</select><button type='submit'>Show its options</button></form>",
    ]
    if chosen is None:
        parts.append(_nothing())
    else:
        ranked = rank({key: values for key, values in sums.items() if key[1] == chosen})
        rows = [(named.key[2], named.count) for named in ranked.names[:BAR_ROWS]]
        bars = rows + ([(other, ranked.other[0])] if ranked.other[0] else [])
        title = f"Options used with {chosen}"
        parts.append(_chart(charts.bar_chart("options-chart", title, bars, "uses in the window", other)) if bars else _nothing())
        parts.append(_table(title, ("option", "uses"), [(label, f"{count:,}") for label, count in bars], "options-table", hidden=True))
    parts.append("</section>")
    return "".join(parts)


def _versions(view, step) -> str:
    labels, tools = view.versions(step)
    parts = ["<section id='versions' aria-labelledby='versions-title'><h2 id='versions-title'>Adoption of tool versions</h2>"]
    if not tools:
        parts.append(_nothing())
    else:
        parts.append("<p class='note'>Each version's share of the tool's runs among the versions shown, a " + ("day" if step == 1 else "week") + ".</p><div class='grid'>")
    for tool, versions in sorted(tools.items(), key=lambda item: -sum(count for _, count, _ in item[1])):
        totals = [sum(values[index] or 0 for _, _, values in versions) for index in range(len(labels))]
        series = [(version, [None if value is None or not totals[index] else value / totals[index] for index, value in enumerate(values)]) for version, _, values in versions]
        chart_id = f"versions-{_slug(tool)}-chart"
        parts.append(f"<div><h3>{escape(tool)}</h3>")
        parts.append(_line(view, chart_id, f"{tool}: share of each version", labels, series, "share of runs", "day (UTC)" if step == 1 else "week from (UTC)", step, True, "the version"))
        parts.append("</div>")
    parts.append("</div></section>" if tools else "</section>")
    return "".join(parts)


def _slug(text: str) -> str:
    return "".join(character if character.isalnum() else "-" for character in text.lower())


def _context(view, other) -> list:
    context, unnamed = view.context(), view.unnamed()
    cookbooks = context["cookbook"]
    sections = [
        _section(
            "cookbooks",
            "Community cookbooks",
            _ranked_bars(
                "cookbooks-chart", "Community cookbooks and their versions", [(f"{name} {version}", named.count) for named in cookbooks.names for name, version in [named.key]],
                cookbooks.other[0], unnamed["cookbook"], other, ("cookbook and version", "runs"),
            ),
        )
    ]
    plugins = []
    for kind in KITCHEN_PLUGIN_KINDS:
        ranked = context[f"kitchen-{kind}"]
        bars = _ranked_bars(f"kitchen-{kind}-chart", f"Test Kitchen {kind}s", [(named.key[0], named.count) for named in ranked.names], ranked.other[0], (0, 0), other, (kind, "runs"))
        plugins.append(f"<div><h3>{kind.capitalize()}s</h3>{bars}</div>")
    shown_unnamed, hidden_unnamed = unnamed["kitchen-plugin"]
    note = ""
    if shown_unnamed or hidden_unnamed:
        note = f"<p class='note'>Plugins the clients counted without naming them (their own, or private ones): {shown_unnamed:,}"
        note += f"; and {hidden_unnamed:,} more in {escape(other)}.</p>" if hidden_unnamed else ".</p>"
    sections.append(_section("kitchen", "Test Kitchen drivers, provisioners, verifiers and transports", note + "<div class='grid'>" + "".join(plugins) + "</div>"))
    platforms = context["platform"]
    sections.append(
        _section(
            "platforms",
            "Platforms",
            _ranked_bars("platforms-chart", "Test Kitchen platforms", [(named.key[0], named.count) for named in platforms.names], platforms.other[0], unnamed["platform"], other, ("platform", "runs")),
        )
    )
    return sections


def _ranked_bars(chart_id, title, named, hidden, unnamed, other, columns) -> str:
    """Bars of the names shown, then the counted-but-unnamed and what the threshold folded away."""
    shown_unnamed, hidden_unnamed = unnamed
    rows = named[:BAR_ROWS]
    rows += [(UNNAMED, shown_unnamed)] if shown_unnamed else []
    rows += [(other, hidden + hidden_unnamed)] if hidden + hidden_unnamed else []
    if not rows:
        return _nothing()
    chart = charts.bar_chart(chart_id, title, rows, "runs in the window", (UNNAMED, other))
    return _chart(chart) + _table(title, columns, [(label, f"{count:,}") for label, count in rows], f"{chart_id[:-6]}-table", hidden=True)


def _footer(view, choice) -> str:
    query = _query(view)
    links = [("commands", "commands"), ("options", "options"), ("cookbooks", "cookbooks"), ("kitchen", "kitchen"), ("platforms", "platforms"), ("versions", "versions")]
    api = ", ".join(f"<a href='/api/v1/{path}?{query}'>{label}</a>" for path, label in links)
    return (
        "<footer><h2>The data</h2>"
        f"<p>As JSON: {api}; <a href='/api/v1/series?{query}&amp;metric=runs'>runs a day</a>. "
        f"Every daily aggregate of this view as CSV: <a href='/api/v1/export.csv?{query}'>export.csv</a>.</p></footer>"
    )


def _query(view) -> str:
    return escape(urlencode([("days", view.days), *([("product", view.product)] if view.product else [])]))


def _section(name: str, title: str, content: str) -> str:
    return f"<section id='{name}' aria-labelledby='{name}-title'><h2 id='{name}-title'>{escape(title)}</h2>{content}</section>"


def _chart(svg: str) -> str:
    return f"<div class='chart-box'>{svg}</div>"


def _nothing() -> str:
    return "<p class='note'>Nothing to show in this window.</p>"


def _table(caption: str, columns: tuple, rows: list, table_id: str, hidden: bool = False) -> str:
    """A table of text cells: the first cell of a row heads it, cells from the second on are numbers."""
    head = "".join(f"<th scope='col'>{escape(column)}</th>" for column in columns)
    lines = [f"<tr><th scope='row'>{escape(str(row[0]))}</th>" + "".join(f"<td class='n'>{escape(str(cell))}</td>" for cell in row[1:]) + "</tr>" for row in rows]
    table = f"<div class='table-box'><table id='{table_id}'><caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead><tbody>{''.join(lines)}</tbody></table></div>"
    return f"<details><summary>The numbers: {escape(caption)}</summary>{table}</details>" if hidden else table
