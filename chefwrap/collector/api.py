"""The public JSON API, /api/v1/...: each answer is one view (`days`, `product`) under the privacy
threshold (chefwrap.collector.threshold), read through chefwrap.collector.published like the page.

Every answer starts with its view: days, product (null: every tool), since and until (the first and
last UTC day counted) and min_sessions (K). `other` is what the threshold left unnamed; `unnamed` what
the clients counted without naming it (a private cookbook, a plugin of one's own).
"""

import csv
import io
import re

from chefwrap.collector.published import EXPORT_COLUMNS, METRICS, Published
from chefwrap.collector.validation import KITCHEN_PLUGIN_KINDS

MAX_DAYS = 36500
DEFAULT_DAYS = 30
STEPS = {"day": 1, "week": 7}
PLAIN_TEXT = re.compile(r"[^\x00-\x1f\x7f]{1,256}")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class BadQuery(ValueError):
    """A query parameter out of its range: the message says which and what it takes."""


class Query:
    """The parameters every endpoint shares, checked: days, product, command, metric, step."""

    def __init__(self, params):
        self.days = whole_days(params.get("days"))
        self.product = plain(params, "product")
        self.command = plain(params, "command")
        self.metric = params.get("metric", "runs")
        if self.metric not in METRICS:
            raise BadQuery(f"metric is one of {', '.join(METRICS)}")
        step = params.get("step", "day")
        if step not in STEPS:
            raise BadQuery("step is day or week")
        self.step = STEPS[step]


def whole_days(text) -> int:
    """`days`: ASCII digits only (str.isdigit takes "²" and "①", which int() refuses), and few of them."""
    if text is None:
        return DEFAULT_DAYS
    if not (text.isascii() and text.isdigit() and len(text) <= len(str(MAX_DAYS))) or not 0 < int(text) <= MAX_DAYS:
        raise BadQuery(f"days must be a whole number of days, 1 to {MAX_DAYS}")
    return int(text)


def report_kind(params) -> str:
    """`format` of GET /report: html (the default) or json."""
    value = params.get("format", "html")
    if value not in ("html", "json"):
        raise BadQuery("format is html or json")
    return value


def plain(params, name: str):
    """An optional name: None when absent or empty; a line of text of at most 256 characters."""
    value = params.get(name) or None
    if value is not None and not PLAIN_TEXT.fullmatch(value):
        raise BadQuery(f"{name} must be a name of at most 256 characters on one line")
    return value


def answer(connection, endpoint: str, query: Query, min_sessions: int) -> dict:
    """The JSON of /api/v1/<endpoint>; KeyError for an endpoint there is not."""
    make = ENDPOINTS[endpoint]
    view = Published(connection, query.days, min_sessions=min_sessions, product=query.product)
    return {**view.envelope(), **make(view, query)}


def commands(view, query) -> dict:
    ranked = view.commands()
    return {
        "commands": [{"product": product, "command": command, "count": named.count, "failures": named.failures} for named in ranked.names for product, command in [named.key]],
        "other": {"count": ranked.other[0], "failures": ranked.other[1]},
    }


def options(view, query) -> dict:
    ranked = view.options(query.command)
    return {
        "command": query.command,
        "options": [{"product": product, "command": command, "option": option, "count": named.count} for named in ranked.names for product, command, option in [named.key]],
        "other": {"count": ranked.other[0]},
    }


def _named(ranked, with_version: bool) -> list:
    if with_version:
        return [{"name": name, "version": version, "count": named.count} for named in ranked.names for name, version in [named.key]]
    return [{"name": named.key[0], "count": named.count} for named in ranked.names]


def cookbooks(view, query) -> dict:
    ranked, (unnamed, unnamed_other) = view.context()["cookbook"], view.unnamed()["cookbook"]
    return {"cookbooks": _named(ranked, True), "other": ranked.other[0], "unnamed": unnamed, "unnamed_other": unnamed_other}


def kitchen(view, query) -> dict:
    context, (unnamed, unnamed_other) = view.context(), view.unnamed()["kitchen-plugin"]
    return {
        "plugins": {kind: _named(context[f"kitchen-{kind}"], False) for kind in KITCHEN_PLUGIN_KINDS},
        "other": {kind: context[f"kitchen-{kind}"].other[0] for kind in KITCHEN_PLUGIN_KINDS},
        "unnamed": unnamed,
        "unnamed_other": unnamed_other,
    }


def platforms(view, query) -> dict:
    ranked, (unnamed, unnamed_other) = view.context()["platform"], view.unnamed()["platform"]
    return {"platforms": _named(ranked, False), "other": ranked.other[0], "unnamed": unnamed, "unnamed_other": unnamed_other}


def versions(view, query) -> dict:
    labels, tools = view.versions(query.step)
    return {
        "step": query.step,
        "dates": labels,
        "tools": {tool: [{"version": version, "count": count, "series": values} for version, count, values in found] for tool, found in tools.items()},
        "other": view.context()["tool-version"].other[0],
    }


def series(view, query) -> dict:
    labels, values = view.series(query.metric, query.command, query.step)
    return {"metric": query.metric, "command": query.command, "step": query.step, "dates": labels, "values": values}


def totals(view, query) -> dict:
    found = view.totals()

    def breakdown(ranked):
        return {"named": [{"name": named.key[0], "count": named.count} for named in ranked.names], "other": ranked.other[0]}

    return {"events": found.events, "failures": found.failures, "sessions": found.sessions, "ci": breakdown(found.ci), "os": breakdown(found.os), "arch": breakdown(found.arch)}


ENDPOINTS = {
    "commands": commands,
    "options": options,
    "cookbooks": cookbooks,
    "kitchen": kitchen,
    "platforms": platforms,
    "versions": versions,
    "series": series,
    "totals": totals,
}


def spreadsheet_safe(cell):
    """A CSV cell no spreadsheet runs as a formula (OWASP, CSV Injection): text beginning with =, +, -,
    @, tab or carriage return gets a leading apostrophe. Numbers stay numbers."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def export_lines(store, query: Query, min_sessions: int):
    """The CSV of the view's daily aggregates, a thousand rows at a time (one connection throughout)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180; and a cell holding a carriage return is quoted
    writer.writerow(EXPORT_COLUMNS)
    with store.reading() as connection:
        view = Published(connection, query.days, min_sessions=min_sessions, product=query.product)
        for number, row in enumerate(view.export_rows(), 1):
            writer.writerow([spreadsheet_safe(cell) for cell in row])
            if number % 1000 == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue()
