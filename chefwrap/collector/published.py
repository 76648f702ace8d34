"""What the public views show: the aggregates of a window, and of the window before it, under the
privacy threshold (chefwrap.collector.threshold says the rule). The page, the API, GET /report and
`collector report` read here and nowhere else; every function below returns plain data (the API's JSON),
which the page draws.

A name's figure over a window is one GROUP BY of its `monthly` rows (the months the window holds whole)
and `daily` rows (the rest): runs, failures, and the most distinct sessions it had on one day. A name
with K sessions on one day is shown; for the others, an ISO week of K in `weekly_names` is enough, and
for the rarest, one more GROUP BY of their `daily_sessions` rows counts their distinct sessions exactly.
"""

from collections import namedtuple
from datetime import timedelta

from sqlalchemy import Date, cast, distinct, func, select, tuple_, type_coerce, union_all

from chefwrap.collector import known_names, threshold
from chefwrap.collector.store import day_rows, month_end, today_utc
from chefwrap.collector.tables import NAME, daily, daily_sessions, days, monthly, weekly_names, weekly_sessions
from chefwrap.collector.validation import KITCHEN_PLUGIN_KINDS

Figure = namedtuple("Figure", "runs failures session_days shown")  # session_days: the daily distinct sessions, summed
Period = namedtuple("Period", "first last complete empty")  # empty: how many of its days had no event at all
NAMES = ("command", "name", "detail")  # a name across tools: "every tool" sums the tools shown
METRICS = ("runs", "failures", "sessions")
MANY_NAMES = 2000  # rare names a view checks one by one; more are read in one pass (see View._names)
EXPORT_COLUMNS = ("day", "part", *NAME, "runs", "failures", "sessions")


class View:
    """One window (`days` complete days; today too when K is 1) and one tool, or every tool."""

    def __init__(self, connection, days_: int, today=None, min_sessions: int = threshold.DEFAULT_MIN_SESSIONS, product: str = None):
        self.connection, self.days, self.product, self.min_sessions = connection, days_, product, min_sessions
        self.today = today or today_utc()
        self.live = min_sessions <= 1  # the operator's exact view: today's raw events too
        self.last = self.today if self.live else self.today - timedelta(days=1)
        self.first = self.last - timedelta(days=days_ - 1)
        self.window, self.before = (self.first, self.last), (self.first - timedelta(days=days_), self.first - timedelta(days=1))
        held = select(days.c.day).where(days.c.day.between(self.before[0], self.last), days.c.events > 0)
        self.event_days = set(connection.execute(held).scalars())
        self._products, self._figures = {}, {}

    def envelope(self) -> dict:
        """What every answer says about its view."""
        return {"days": self.days, "product": self.product, "since": self.first.isoformat(), "until": self.last.isoformat(), "min_sessions": self.min_sessions}

    # The rule, in SQL

    def products(self, window=None) -> dict:
        """{tool: Figure} of the tools shown for a window (the view's one, or the one tool)."""
        window = window or self.window
        if window not in self._products:
            found = self.figures("product", window, per_product=True, gate=False)
            self._products[window] = {key[0]: figure for key, figure in found.items() if figure.shown and self.product in (None, key[0])}
        return self._products[window]

    def figures(self, kind: str, window=None, per_product=False, gate=True, **where) -> dict:
        """{name: Figure} of a kind over a window; a name is (command, name, detail), with the product
        first when `per_product`. Only the tools shown for the window are read (`gate`). Read once a view."""
        window = window or self.window
        asked = (kind, window, per_product, gate, tuple(sorted((column, tuple(value) if isinstance(value, list) else value) for column, value in where.items())))
        if asked not in self._figures:
            self._figures[asked] = self._read(kind, window, per_product, gate, where)
        return self._figures[asked]

    def _read(self, kind, window, per_product, gate, where) -> dict:
        if gate and not per_product and self.product is None:
            return self._across_tools(kind, window, where)
        if gate:
            asked = where.get("product")
            asked = [asked] if isinstance(asked, str) else asked
            where["product"] = [product for product in self.products(window) if asked is None or product in asked]
        columns = (("product",) if per_product else ()) + NAMES
        rows = self._sums(kind, window, where)
        keys = [rows.c[column] for column in columns]
        statement = select(*keys, func.sum(rows.c.runs), func.sum(rows.c.failures), func.sum(rows.c.sessions), func.max(rows.c.busiest)).group_by(*keys)
        found = {tuple(row[: len(keys)]): [int(value) for value in row[len(keys) :]] for row in self.connection.execute(statement)}
        few = {key for key, values in found.items() if values[3] < self.min_sessions}
        few -= self._enough(kind, window, where, columns, few)
        return {key: Figure(runs, failures, sessions, key not in few) for key, (runs, failures, sessions, _) in found.items()}

    def _across_tools(self, kind, window, where) -> dict:
        """Every tool's figures of a kind: a name is shown when each tool that used it shows it, with the
        tools' sum; else "every tool" less the other tools would give one tool's hidden figure."""
        merged = {}
        for key, figure in self.figures(kind, window, per_product=True, **where).items():
            runs, failures, session_days, shown = merged.get(key[1:], (0, 0, 0, True))
            merged[key[1:]] = (runs + figure.runs, failures + figure.failures, session_days + figure.session_days, shown and figure.shown)
        return {key: Figure(*values) for key, values in merged.items()}

    def _enough(self, kind, window, where, columns, few) -> set:
        """The names among `few` (no day of K sessions) that K distinct sessions used over the window: an
        ISO week inside it with K is enough; for the others, their kept sessions are counted."""
        first = window[0] + timedelta(days=(7 - window[0].weekday()) % 7)  # the Mondays of the weeks inside the window
        last = window[1] - timedelta(days=(window[1].weekday() + 1) % 7 + 6)
        enough = self._names(weekly_names, "week", (first, last), kind, where, columns, few, func.max(weekly_names.c.sessions)) if first <= last else set()
        return enough | self._names(daily_sessions, "day", window, kind, where, columns, few - enough, func.count(distinct(daily_sessions.c.session_id)))

    def _names(self, table, period, span, kind, where, columns, names, count) -> set:
        """Those of `names` whose `count` over the rows of `table` in the span is K or more, a few hundred at
        a time; past MANY_NAMES (a poster's made-up names), in one pass over the span's rows instead."""
        found, names = set(), sorted(names)
        keys = [table.c[column] for column in columns]
        if len(names) > MANY_NAMES:
            conditions = [*narrowed(table, kind, where), table.c[period].between(*span)]
            passing = self.connection.execute(select(*keys).where(*conditions).group_by(*keys).having(count >= self.min_sessions))
            return {tuple(row) for row in passing} & set(names)
        for start in range(0, len(names), 500):
            conditions = [*narrowed(table, kind, where), table.c[period].between(*span), tuple_(*keys).in_(names[start : start + 500])]
            found.update(tuple(row) for row in self.connection.execute(select(*keys).where(*conditions).group_by(*keys).having(count >= self.min_sessions)))
        return found

    def _rows(self, table, kind, window, where):
        """The rows of `table` of one kind in a window, narrowed by `where` ({column: value or [values]});
        in the operator's view, today's too, straight from the raw events."""
        sources = [(table, table.c.day.between(*window))]
        if self.live and window[1] >= self.today and table is daily:
            sources.append((day_rows(self.today, kind=kind).subquery(), None))
        parts = []
        for source, period in sources:
            parts.append(select(*source.c).where(*narrowed(source, kind, where), *([period] if period is not None else [])))
        return union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()

    def _sums(self, kind, window, where):
        """The window's rows of a kind as (name..., runs, failures, sessions, busiest): a row a month for
        the months it holds whole (chefwrap.collector.tables.monthly), a row a day for the rest."""
        first, last = window
        whole = [month for month in _months(first, last) if month >= first and month_end(month) <= last and not (self.live and month_end(month) >= self.today)]
        days_ = [(first, whole[0] - timedelta(days=1)), (month_end(whole[-1]) + timedelta(days=1), last)] if whole else [window]
        parts = []
        for span in days_:
            if span[0] <= span[1]:
                rows = self._rows(daily, kind, span, where)
                parts.append(select(*(rows.c[column] for column in NAME), rows.c.runs, rows.c.failures, rows.c.sessions, rows.c.sessions.label("busiest")))
        if whole:
            conditions = [*narrowed(monthly, kind, where), monthly.c.month.between(whole[0], whole[-1])]
            parts.append(select(*(monthly.c[column] for column in NAME), monthly.c.runs, monthly.c.failures, monthly.c.sessions, monthly.c.busiest).where(*conditions))
        return union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()

    # Periods: the days of the window, or its ISO weeks

    def periods(self, step: int) -> list:
        """The window's days (step 1), or its ISO weeks from its first Monday (step 7: the days before it
        are left out, and a week that goes past the window's last day is incomplete)."""
        if step == 1:
            dates = [self.first + timedelta(days=offset) for offset in range(self.days)]
            return [Period(day, day, not (self.live and day == self.today), int(day not in self.event_days)) for day in dates]
        found, start = [], self.first + timedelta(days=(7 - self.first.weekday()) % 7)
        while start <= self.last:
            last = min(start + timedelta(days=6), self.last)
            inside = [start + timedelta(days=offset) for offset in range((last - start).days + 1)]
            found.append(Period(start, last, last == start + timedelta(days=6) and not (self.live and last >= self.today), sum(day not in self.event_days for day in inside)))
            start += timedelta(days=7)
        return found

    def series(self, kind: str, step: int, per_product=False, **where) -> dict:
        """{name: [Figure or None, a period]} of a kind's names over the window's periods (days, or ISO
        weeks, summed by the database)."""
        periods = self.periods(step)
        where.setdefault("product", list(self.products()))
        rows = self._rows(daily, kind, self.window, where)
        names = [rows.c[column] for column in (("product",) if per_product else ()) + NAMES]
        start = rows.c.day if step == 1 else monday(rows.c.day, self.connection.dialect.name)
        sums = select(start, *names, func.sum(rows.c.runs), func.sum(rows.c.failures), func.sum(rows.c.sessions), func.max(rows.c.sessions)).group_by(start, *names)
        found = {}
        for day, *row in self.connection.execute(sums):
            index = _period_of(periods, day)
            if index is not None:
                found.setdefault(tuple(row[: len(names)]), [None] * len(periods))[index] = [int(value) for value in row[len(names) :]]  # PostgreSQL's sums are numeric
        weeks = {}
        if step > 1 and self.min_sessions > 1:
            table = weekly_names
            columns = [table.c[column] for column in (("product",) if per_product else ()) + NAMES]
            for week, count, *key in self.connection.execute(select(table.c.week, table.c.sessions, *columns).where(*narrowed(table, kind, where), table.c.week.between(*self.window))):
                weeks[(tuple(key), week)] = max(weeks.get((tuple(key), week), 0), count)
        return {
            key: [Figure(v[0], v[1], v[2], v[3] >= self.min_sessions or weeks.get((key, period.first), 0) >= self.min_sessions) if v else None for v, period in zip(values, periods)]
            for key, values in found.items()
        }

    def day_sessions(self, step: int) -> list:
        """Active sessions a period: each tool's distinct sessions, or every tool's together, shown when
        they are K or more and every tool used in the period was shown for it (else the difference
        would give a quiet tool's); weeks from `weekly_sessions`."""
        periods, counts, table = self.periods(step), {}, weekly_sessions
        if step == 1:
            parts = [self._rows(daily, kind, self.window, {}) for kind in ("product", "sessions")]
            rows = [row for part in parts for row in self.connection.execute(select(part.c.day, part.c.product, part.c.sessions))]
        else:
            rows = self.connection.execute(select(table.c.week, table.c.product, table.c.sessions).where(table.c.week.between(*self.window)))
        for day, product, count in rows:
            counts.setdefault(_period_of(periods, day), {})[product] = int(count)
        shown = []
        for index in range(len(periods)):
            tools = counts.get(index, {})
            every = all(count >= self.min_sessions for product, count in tools.items() if product)
            count = tools.get(self.product) if self.product else tools.get("") if every else None
            shown.append(count if count is not None and count >= self.min_sessions else None)
        return shown


def narrowed(table, kind: str, where: dict) -> list:
    """SQL conditions: the kind, and {column: value or [values]}."""
    return [table.c.kind == kind, *(table.c[column].in_(value) if isinstance(value, list) else table.c[column] == value for column, value in where.items())]


def monday(day, dialect: str):
    """SQL for the Monday of a day's ISO week."""
    if dialect == "postgresql":
        return cast(func.date_trunc("week", day), Date)
    return type_coerce(func.date(day, "weekday 0", "-6 days"), Date)  # SQLite: the Sunday on or after, less six days


def _months(first, last) -> list:
    """The first days of the months from `first`'s to `last`'s."""
    found, month = [], first.replace(day=1)
    while month <= last:
        found.append(month)
        month = month_end(month) + timedelta(days=1)
    return found


def _period_of(periods: list, day):
    """The index of the period holding a day, or None."""
    if not periods or not periods[0].first <= day <= periods[-1].last:
        return None
    span = (periods[1].first - periods[0].first).days if len(periods) > 1 else (periods[0].last - periods[0].first).days + 1
    index = (day - periods[0].first).days // span
    return index if periods[index].first <= day <= periods[index].last else None


def step_for(days_: int) -> int:
    """Days a chart point stands for: one up to 90 days, an ISO week beyond (a year of days is too heavy a page)."""
    return 1 if days_ <= 90 else 7


def ranked(found: dict) -> tuple:
    """([(name, Figure)] shown, most runs first; (runs, failures) of the rest)."""
    shown = sorted(((key, figure) for key, figure in found.items() if figure.shown), key=lambda item: (-item[1].runs, item[0]))
    hidden = [figure for figure in found.values() if not figure.shown]
    return shown, (sum(figure.runs for figure in hidden), sum(figure.failures for figure in hidden))


# The answers


def commands(view) -> dict:
    now, before = view.figures("command"), view.figures("command", view.before)
    shown, other = ranked(now)
    return {
        "commands": [
            {"product": key[0].split()[0], "command": key[0], "count": figure.runs, "failures": figure.failures,
             "previous": {"count": before[key].runs, "failures": before[key].failures} if key in before and before[key].shown else None}
            for key, figure in shown
        ],
        "other": {"count": other[0], "failures": other[1]},
    }


def changes(view, limit: int = 5) -> dict:
    """The commands whose runs rose and fell most against the previous window, and whose failure rate rose most."""
    both = [row for row in commands(view)["commands"] if row["previous"]]
    by_runs = sorted(both, key=lambda row: (row["count"] - row["previous"]["count"], row["command"]))
    rate = [row for row in both if row["count"] >= 20 and row["previous"]["count"] >= 20]
    by_rate = sorted(rate, key=lambda row: -(row["failures"] / row["count"] - row["previous"]["failures"] / row["previous"]["count"]))
    return {
        "risers": [row for row in reversed(by_runs) if row["count"] > row["previous"]["count"]][:limit],
        "fallers": [row for row in by_runs if row["count"] < row["previous"]["count"]][:limit],
        "failing_more": [row for row in by_rate if row["failures"] * row["previous"]["count"] > row["previous"]["failures"] * row["count"]][:limit],
    }


def options(view, command: str, read: dict = None) -> dict:
    """A command's options, each one's spellings merged (the grammar's names), and the options its grammar
    defines that fewer than K sessions used (at K = 1, that no one used). Nothing for a command the view does
    not show: else "other" would tell that someone ran it. `read`: the option figures of several
    commands, read together (the report's), else this command's are read."""
    shown = view.figures("command")
    if command is None or not shown.get((command, "", ""), Figure(0, 0, 0, False)).shown:
        return {"command": command, "runs": 0, "options": [], "other": 0, "unused": []}
    runs = shown[(command, "", "")].runs
    found = view.figures("option", command=command) if read is None else {key: figure for key, figure in read.items() if key[0] == command}
    merged, _ = ranked({key: figure for key, figure in found.items() if not key[2]})
    defined = known_names.options_defined(command)
    listed = []
    for (_, option, _), figure in merged:
        spellings, other = ranked({key: value for key, value in found.items() if key[1] == option and key[2]})
        listed.append({"option": option, "count": figure.runs, "spellings": [{"spelling": key[2], "count": value.runs} for key, value in spellings],
                       "other_spellings": other[0], "deprecated": (defined.get(option) or (None, None))[1]})
    used = {row["option"] for row in listed}
    unused = [{"option": option, "spellings": spellings, "deprecated": replacement, "global": is_global}
              for option, (spellings, replacement, is_global) in sorted(defined.items(), key=lambda item: (item[1][2], item[0])) if option not in used]
    return {"command": command, "runs": runs, "options": listed, "other": sum(figure.runs for key, figure in found.items() if not key[2] and not figure.shown), "unused": unused}


def named(view, kind: str) -> tuple:
    """([{"name", "count"}], not named by the client, other) of a kind of context, over the view."""
    shown, other = ranked(view.figures(kind))
    rows = [{"name": key[1], "count": figure.runs} for key, figure in shown if key[1]]
    return rows, sum(figure.runs for key, figure in shown if not key[1]), other[0]


def cookbooks(view) -> dict:
    """Community cookbooks summed per name, with their versions under them."""
    found = view.figures("cookbook")
    shown, _ = ranked(found)
    versions = {}
    for (_, name, version), figure in shown:
        versions.setdefault(name, []).extend([{"version": version, "count": figure.runs}] if version else [])
    books = [{"name": key[1], "count": figure.runs, "versions": versions[key[1]], "other_versions": figure.runs - sum(one["count"] for one in versions[key[1]])}
             for key, figure in shown if key[1] and not key[2]]
    hidden = sum(figure.runs for key, figure in found.items() if key[1] and not key[2] and not figure.shown)
    return {"cookbooks": books, "unnamed": sum(figure.runs for key, figure in shown if not key[1]), "other": hidden}


def kitchen(view) -> dict:
    plugins = {kind: named(view, f"kitchen-{kind}") for kind in KITCHEN_PLUGIN_KINDS}
    _, unnamed, hidden = named(view, "kitchen-plugin")
    return {"plugins": {kind: rows for kind, (rows, _, _) in plugins.items()}, "other": {kind: other for kind, (_, _, other) in plugins.items()}, "unnamed": unnamed, "unnamed_other": hidden}


def platforms(view) -> dict:
    rows, unnamed, other = named(view, "platform")
    return {"platforms": rows, "unnamed": unnamed, "other": other}


def breakdown(view, kind: str) -> dict:
    shown, other = ranked(view.figures(kind))
    return {"named": [{"name": key[1], "count": figure.runs} for key, figure in shown], "other": other[0]}


def systems(view) -> dict:
    """Runs by operating system and architecture, and by each alone."""
    pairs, other = ranked(view.figures("os-arch"))
    return {"systems": [{"os": key[1], "arch": key[2], "count": figure.runs} for key, figure in pairs], "other": other[0], "os": breakdown(view, "os"), "arch": breakdown(view, "arch")}


def totals(view) -> dict:
    """Runs and failures of the tools shown, this window and the one before; session-days; runs in CI."""
    now, before = view.products(), view.products(view.before)
    session_days = [count for count in view.day_sessions(1) if count is not None]
    return {
        "events": sum(figure.runs for figure in now.values()),
        "failures": sum(figure.failures for figure in now.values()),
        "previous": {"events": sum(figure.runs for figure in before.values()), "failures": sum(figure.failures for figure in before.values())} if before else None,
        "tools": sorted(now),
        "sessions": sum(session_days),
        "days_with_sessions": len(session_days),
        "ci": breakdown(view, "ci"),
    }


def stored(view) -> dict:
    """How many events the collector holds, by where they stand against the view: today's (a day not over,
    in no public figure until tomorrow), the window's, older ones and how many of the window's the figures
    leave out (tools fewer than K sessions used). Raw counts, under no threshold: for the operator only
    (`collector report`, and the page at K = 1)."""
    held = dict(view.connection.execute(select(days.c.day, days.c.events).where(days.c.events > 0)).all())
    window = sum(count for day, count in held.items() if view.first <= day <= view.last)
    return {
        "events": sum(held.values()),
        "today": 0 if view.live else sum(count for day, count in held.items() if day >= view.today),
        "window": window,
        "older": sum(count for day, count in held.items() if day < view.first),
        "left_out": window - sum(figure.runs for figure in view.products().values()),
    }


def series(view, metric: str, command: str = None, step: int = 1) -> dict:
    """Runs, failures or sessions of the view (or one command) a period; None where nothing may be shown."""
    periods = view.periods(step)
    if metric == "sessions" and command is None:
        values = view.day_sessions(step)
    else:
        kind, where = ("command", {"command": command}) if command else ("product", {})
        found = view.series(kind, step, per_product=not command, **where)
        index = METRICS.index(metric)
        values = [None] * len(periods)
        for figures in found.values():
            for number, figure in enumerate(figures):
                if figure is not None and figure.shown:
                    values[number] = (values[number] or 0) + figure[index]
    return {"metric": metric, "command": command, "step": step, **_dates(periods), "values": values}


def _dates(periods: list) -> dict:
    return {"dates": [period.first.isoformat() for period in periods], "complete": [period.complete for period in periods], "empty": [period.empty for period in periods]}


def ci_share(view, step: int) -> dict:
    """The share of each period's runs that ran in CI, over the tools shown for it; None where a tool's
    runs in CI were not (fewer than K sessions)."""
    periods = view.periods(step)
    runs, in_ci = view.series("product", step, per_product=True), view.series("ci", step, per_product=True, name="true")
    share = []
    for index in range(len(periods)):
        tools = [key[0] for key, figures in runs.items() if figures[index] and figures[index].shown]
        ci = [in_ci.get((tool, "", "true", ""), [None] * len(periods))[index] for tool in tools]
        whole = sum(runs[(tool, "", "", "")][index].runs for tool in tools)
        share.append(sum(figure.runs for figure in ci if figure) / whole if whole and all(figure is None or figure.shown for figure in ci) else None)
    return {"step": step, **_dates(periods), "share": share}


def versions(view, step: int, per_tool: int = 6) -> dict:
    """Each tool's most used versions as shares of that tool's own runs (a run counts the version of the
    tool that ran it; "" when not known), a period."""
    periods = view.periods(step)
    found = view.series("version", step, per_product=True)
    tools = {}
    for tool in sorted(view.products()):
        mine = {key: figures for key, figures in found.items() if key[0] == tool}
        whole = [sum(figures[index].runs for figures in mine.values() if figures[index]) for index in range(len(periods))]
        shown, _ = ranked(view.figures("version", per_product=True, product=tool))
        tools[tool] = [
            {"version": key[2], "count": figure.runs,
             "series": [each.runs / whole[index] if each and each.shown else None for index, each in enumerate(mine.get(key, [None] * len(periods)))]}
            for key, figure in shown[:per_tool]
        ]
    return {"step": step, **_dates(periods), "tools": {tool: rows for tool, rows in tools.items() if rows}}


def export_rows(view):
    """Every daily row of the view that may be shown on its own (K sessions that day: "named"), and the rest
    of each kind of each tool's day ("other", no name, no sessions), on the days the tool had K sessions."""
    sources = [daily, *([day_rows(view.today).subquery()] if view.live else [])]
    parts = [select(*source.c).where(source.c.day.between(*view.window), source.c.product.in_(list(view.products()) + ([] if view.product else [""]))) for source in sources]
    rows = union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
    statement = select(rows).order_by(rows.c.day, rows.c.kind, *(rows.c[column] for column in NAME))
    counted = {(row.day, row.product) for row in view.connection.execute(select(rows.c.day, rows.c.product).where(rows.c.kind == "product", rows.c.sessions >= view.min_sessions))}
    every_tool_counted = _days_every_tool_counted(view, sources, counted)  # else all tools' sessions less the others' give one's
    other = {}
    for row in view.connection.execute(statement.execution_options(yield_per=5000)).mappings():
        if row["sessions"] >= view.min_sessions and ((row["day"], row["product"]) in counted or (row["kind"] == "sessions" and row["day"] in every_tool_counted)):
            yield (row["day"].isoformat(), "named", *(row[column] for column in NAME), int(row["runs"]), int(row["failures"]), int(row["sessions"]))
        elif (row["day"], row["product"]) in counted and not row["detail"]:
            values = other.setdefault((row["day"], row["product"], row["kind"]), [0, 0])
            values[0], values[1] = values[0] + int(row["runs"]), values[1] + int(row["failures"])
    for (day, product, kind), (runs, failures) in sorted(other.items()):
        yield (day.isoformat(), "other", product, kind, "", "", "", runs, failures, "")


def _days_every_tool_counted(view, sources, counted) -> set:
    """The window's days on which every tool used that day is in the view and had K sessions."""
    used = {}
    for source in sources:
        statement = select(source.c.day, source.c.product).where(source.c.kind == "product", source.c.day.between(*view.window))
        for day, product in view.connection.execute(statement):
            used.setdefault(day, set()).add(product)
    return {day for day, products in used.items() if all((day, product) in counted for product in products)}


def report(connection, days_: int, today=None, min_sessions: int = threshold.DEFAULT_MIN_SESSIONS, limit: int = 50, operator: bool = False) -> dict:
    """GET /report's JSON (and `collector report`'s): the most used commands with failures, the options of
    each, community cookbooks, kitchen plugins, platforms, events and session-days; with what the
    threshold left out of each as `other`. The operator's (`collector report`) says what is `stored` too."""
    view = View(connection, days_, today, min_sessions)
    found, total, books, plugins, places = commands(view), totals(view), cookbooks(view), kitchen(view), platforms(view)
    top = [row["command"] for row in found["commands"][:limit]]
    read = view.figures("option", command=top) if top else {}
    options_of = [(command, options(view, command, read)) for command in top]
    return {
        "days": days_, "since": view.first.strftime("%Y-%m-%dT00:00:00Z"), "until": view.last.strftime("%Y-%m-%dT23:59:59Z"), "min_sessions": min_sessions,
        "events": total["events"], "sessions": total["sessions"],
        "commands": [{key: row[key] for key in ("product", "command", "count", "failures")} for row in found["commands"][:limit]],
        "options": [{"product": command.split()[0], "command": command, "option": row["option"], "count": row["count"]} for command, answer in options_of for row in answer["options"]],
        "cookbooks": [{"name": book["name"], "version": version["version"], "count": version["count"]} for book in books["cookbooks"][:limit] for version in book["versions"]],
        "kitchen_plugins": [{"kind": kind, "name": row["name"], "count": row["count"]} for kind, rows in plugins["plugins"].items() for row in rows[:limit]],
        "platforms": places["platforms"][:limit],
        "other": {"commands": found["other"]["count"], "options": sum(answer["other"] for _, answer in options_of), "cookbooks": books["other"],
                  "kitchen_plugins": sum(plugins["other"].values()), "platforms": places["other"]},
    } | ({"stored": stored(view)} if operator or view.live else {})
