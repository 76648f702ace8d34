"""The public API, /api/v1/...: each answer is one view (`days`, `product`) under the privacy threshold
(chefwrap.collector.threshold), read through chefwrap.collector.published like the page, as JSON or,
with `.csv` after the endpoint's name, as a table for a spreadsheet.

Every answer starts with its view: days, product (null: every tool), since and until (the first and
last UTC day counted) and min_sessions (K). `other` is what the threshold left out.
"""

import csv
import io
import re

from chefwrap.collector import published
from chefwrap.collector.published import EXPORT_COLUMNS, METRICS, View

MAX_DAYS = 36500
DEFAULT_DAYS = 30
STEPS = {"day": 1, "week": 7}
PLAIN_TEXT = re.compile(r"[^\x00-\x1f\x7f]{1,256}")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class BadQuery(ValueError):
    """A query parameter out of its range: the message says which and what it takes."""


class Query:
    """The parameters every view shares, checked: days, product, command, metric, step (by default a
    day up to 90 days, a week beyond), format of /report."""

    def __init__(self, params):
        self.days = whole_days(params.get("days"))
        self.product = plain(params, "product")
        self.command = plain(params, "command")
        self.metric = params.get("metric", "runs")
        if self.metric not in METRICS:
            raise BadQuery(f"metric is one of {', '.join(METRICS)}")
        step = params.get("step") or ("day" if published.step_for(self.days) == 1 else "week")
        if step not in STEPS:
            raise BadQuery("step is day or week")
        self.step = STEPS[step]
        self.format = params.get("format", "html")
        if self.format not in ("html", "json"):
            raise BadQuery("format is html or json")


def whole_days(text) -> int:
    """`days`: ASCII digits only (str.isdigit takes "²" and "①", which int() refuses), and few of them."""
    if text is None:
        return DEFAULT_DAYS
    if not (text.isascii() and text.isdigit() and len(text) <= len(str(MAX_DAYS))) or not 0 < int(text) <= MAX_DAYS:
        raise BadQuery(f"days must be a whole number of days, 1 to {MAX_DAYS}")
    return int(text)


def plain(params, name: str):
    """An optional name: None when absent or empty; a line of text of at most 256 characters."""
    value = params.get(name) or None
    if value is not None and not PLAIN_TEXT.fullmatch(value):
        raise BadQuery(f"{name} must be a name of at most 256 characters on one line")
    return value


ENDPOINTS = {
    "commands": lambda view, query: published.commands(view),
    "changes": lambda view, query: published.changes(view),
    "options": lambda view, query: published.options(view, query.command),
    "cookbooks": lambda view, query: published.cookbooks(view),
    "kitchen": lambda view, query: published.kitchen(view),
    "platforms": lambda view, query: published.platforms(view),
    "systems": lambda view, query: published.systems(view),
    "versions": lambda view, query: published.versions(view, query.step),
    "series": lambda view, query: published.series(view, query.metric, query.command, query.step),
    "ci": lambda view, query: published.ci_share(view, query.step),
    "totals": lambda view, query: published.totals(view),
}


def answer(connection, endpoint: str, query: Query, min_sessions: int) -> dict:
    """The JSON of /api/v1/<endpoint>; KeyError for an endpoint there is not."""
    make = ENDPOINTS[endpoint]
    view = View(connection, query.days, min_sessions=min_sessions, product=query.product)
    return {**view.envelope(), **make(view, query)}


def table(answer_: dict) -> list:
    """An answer as rows ({column: cell}) for a spreadsheet: a row a period for a series, else a row for
    each item of each list it holds (`list` says which), a list in an item as one cell."""
    if "dates" in answer_:
        columns = {"date": answer_["dates"], "complete": answer_["complete"], "days without events": answer_["empty"]}
        columns.update({name: answer_[name] for name in ("values", "share") if name in answer_})
        columns.update({f"{tool} {row['version']}": row["series"] for tool, rows in answer_.get("tools", {}).items() for row in rows})
        return [dict(zip(columns, cells)) for cells in zip(*columns.values())]
    lists = [(name, value) for name, value in answer_.items() if isinstance(value, list)]
    lists += [(f"{name}.{inner}", value) for name, held in answer_.items() if isinstance(held, dict) for inner, value in held.items() if isinstance(value, list)]
    return [{"list": name, **{key: _cell(cell) for key, cell in item.items()}} for name, value in lists for item in value if isinstance(item, dict)]


def _cell(value):
    if isinstance(value, list):
        return "; ".join(" ".join(str(part) for part in (one.values() if isinstance(one, dict) else [one])) for one in value)
    return ", ".join(f"{key} {part}" for key, part in value.items()) if isinstance(value, dict) else value


def as_csv(rows: list) -> str:
    columns = list(dict.fromkeys(column for row in rows for column in row))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180; and a cell holding a carriage return is quoted
    writer.writerow(columns)
    writer.writerows([spreadsheet_safe(row.get(column, "")) for column in columns] for row in rows)
    return buffer.getvalue()


def spreadsheet_safe(cell):
    """A CSV cell no spreadsheet runs as a formula (OWASP, CSV Injection): text beginning with =, +, -,
    @, tab or carriage return gets a leading apostrophe. Numbers stay numbers."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def export_lines(store, query: Query, min_sessions: int):
    """The CSV of the view's daily aggregates, a thousand rows at a time (one connection throughout)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    with store.reading() as connection:
        view = View(connection, query.days, min_sessions=min_sessions, product=query.product)
        for number, row in enumerate(published.export_rows(view), 1):
            writer.writerow([spreadsheet_safe(cell) for cell in row])
            if number % 1000 == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue()
