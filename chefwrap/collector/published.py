"""What the public views show: the aggregate rows of a window under the privacy threshold
(chefwrap.collector.threshold says the rule). The page, the API, GET /report and `collector report` all
read here, and nowhere else.

A name's figure is what the window holds (read mostly from monthly rows, see Window) less the days
after the window, the product-days not counted, and the cells of fewer than K sessions. Those cells
are few, and finding them is a filtered scan of the window's daily rows with little left to group; so a
figure costs about the same for a year as for a week, and a query returns a row a name, never a row a
cell, whatever the number of events.
"""

from collections import namedtuple
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import and_, case, false, func, or_, select, tuple_, union_all

from chefwrap.collector import threshold
from chefwrap.collector.tables import AGGREGATE_KEYS, VALUES
from chefwrap.collector.tables import aggregates as aggregate_tables
from chefwrap.collector.validation import KITCHEN_PLUGIN_KINDS

QUIET_DAYS_FOR_MONTHLY_ROWS = 31
DAILY = {name: table for (period, name), table in aggregate_tables.items() if period == "daily"}
METRICS = ("runs", "failures", "sessions")
CONTEXT_KINDS = ("cookbook", *(f"kitchen-{kind}" for kind in KITCHEN_PLUGIN_KINDS), "platform", "tool-version")
UNNAMED_KINDS = ("cookbook", "kitchen-plugin", "platform")
# A name and its figure: `key` the name's columns, `count` and `failures` summed over the cells shown.
Named = namedtuple("Named", "key count failures")
# Names ranked by count, most first, and what the threshold left unnamed: (count, failures).
Ranked = namedtuple("Ranked", "names other")
Totals = namedtuple("Totals", "events failures sessions ci os arch")
EXPORT_COLUMNS = ("day", "aggregate", "part", *dict.fromkeys(key for keys in AGGREGATE_KEYS.values() for key, _ in keys), *VALUES)


def today_utc() -> date:
    return datetime.now(timezone.utc).date()


class Published:
    """One view: `days` complete days (today too when the threshold is off), one product or all."""

    def __init__(self, connection, days: int, today: date = None, min_sessions: int = threshold.DEFAULT_MIN_SESSIONS, product: str = None):
        self.connection = connection
        self.days, self.product, self.min_sessions = days, product, min_sessions
        self.first, self.last = threshold.window(days, today or today_utc(), min_sessions)
        self.dates = [self.first + timedelta(days=offset) for offset in range(days)]
        totals = DAILY["totals"]
        where = [totals.c.day >= self.first, totals.c.day <= self.last, *([totals.c.product == product] if product else [])]
        self._totals = connection.execute(select(totals).where(*where)).all()
        self.counted = threshold.counted_days([(row.day, row.product, row.sessions) for row in self._totals], min_sessions)
        self._context = self._commands = None
        product_days = sum(len(by_day) for by_day in self.counted.values())
        quiet = sum(1 for by_day in self.counted.values() for counted in by_day.values() if not counted)
        self.nothing_counted = quiet == product_days
        # A busy collector (few quiet product-days) reads the window mostly from monthly rows; a quiet one
        # has few daily rows, and reads them: it would otherwise subtract long lists of quiet days.
        self.by_day = quiet > max(QUIET_DAYS_FOR_MONTHLY_ROWS, product_days // 10)

    def envelope(self) -> dict:
        """What every answer says about its view."""
        return {"days": self.days, "product": self.product, "since": self.first.isoformat(), "until": self.last.isoformat(), "min_sessions": self.min_sessions}

    # The rule, in SQL

    def _counted(self, table):
        """The window's rows on counted product-days (each product's counted days, or all but its quiet
        ones, whichever is the shorter list)."""
        in_window = and_(table.c.day >= self.first, table.c.day <= self.last)
        clauses, whole = [], []
        for product, by_day in sorted(self.counted.items()):
            quiet = sorted(day for day, counted in by_day.items() if not counted)
            kept = sorted(day for day, counted in by_day.items() if counted)
            if not quiet:
                whole.append(product)
            elif len(quiet) <= len(kept):
                clauses.append(and_(table.c.product == product, table.c.day.notin_(quiet)))
            elif kept:
                clauses.append(and_(table.c.product == product, table.c.day.in_(kept)))
        if len(whole) == len(self.counted):  # every product-day counts: the window is the rule
            return in_window
        if whole:
            clauses.append(table.c.product.in_(whole))
        return and_(in_window, or_(*clauses)) if clauses else false()

    def _quiet(self, table):
        """The window's rows on product-days not counted; None when every product-day counts."""
        clauses = []
        for product, by_day in sorted(self.counted.items()):
            quiet = sorted(day for day, counted in by_day.items() if not counted)
            if quiet:
                clauses.append(and_(table.c.product == product, table.c.day.in_(quiet)))
        return or_(*clauses) if clauses else None

    def _shown(self, table):
        return table.c.sessions >= self.min_sessions

    # Names over the window

    def sums(self, aggregate: str, keys: tuple, where: dict = None) -> dict:
        """{name: [count shown, failures shown, count hidden, failures hidden]} over the counted product-days."""
        where = {**(where or {}), **({"product": self.product} if self.product else {})}
        if self.nothing_counted:
            return {}
        if self.by_day:
            return self._sums_by_day(aggregate, keys, where)
        table = DAILY[aggregate]
        columns = [table.c[key] for key in keys]
        conditions = [table.c[name] == value for name, value in where.items()]

        def taken_away(*condition):
            return select(*columns, (-table.c["count"]).label("count"), (-table.c.failures).label("failures")).where(*condition, *conditions)

        inside = Window(self.first).rows(aggregate, keys, where)
        parts = [select(*(inside.c[key] for key in keys), inside.c["count"], inside.c.failures), taken_away(table.c.day > self.last)]
        quiet = self._quiet(table)
        if quiet is not None:
            parts.append(taken_away(table.c.day >= self.first, table.c.day <= self.last, quiet))
        every = union_all(*parts).subquery()
        grouped = [every.c[key] for key in keys]
        found = {}
        for row in self.connection.execute(select(*grouped, func.sum(every.c["count"]), func.sum(every.c.failures)).group_by(*grouped)):
            found[tuple(row[: len(keys)])] = [int(row[-2] or 0), int(row[-1] or 0), 0, 0]
        hidden = select(*columns, func.sum(table.c["count"]), func.sum(table.c.failures)).where(self._counted(table), ~self._shown(table), *conditions)
        for row in self.connection.execute(hidden.group_by(*columns)):
            values = found.setdefault(tuple(row[: len(keys)]), [0, 0, 0, 0])
            values[0] -= int(row[-2])
            values[1] -= int(row[-1])
            values[2] += int(row[-2])
            values[3] += int(row[-1])
        return found

    def _sums_by_day(self, aggregate: str, keys: tuple, where: dict) -> dict:
        """sums(), straight from the daily rows of the counted product-days."""
        table = DAILY[aggregate]
        columns = [table.c[key] for key in keys]
        shown = self._shown(table)
        statement = select(
            *columns,
            *(func.sum(case((shown, table.c[value]), else_=0)) for value in ("count", "failures")),
            *(func.sum(case((shown, 0), else_=table.c[value])) for value in ("count", "failures")),
        ).where(self._counted(table), *(table.c[name] == value for name, value in where.items()))
        return {tuple(row[: len(keys)]): [int(value) for value in row[len(keys) :]] for row in self.connection.execute(statement.group_by(*columns))}

    def commands(self) -> Ranked:
        if self._commands is None:
            self._commands = rank(self.sums("commands", ("product", "command")))
        return self._commands

    def options(self, command: str = None) -> Ranked:
        """The options of every command, or of one the view names: asked of a command it does not name,
        the answer is the same empty one whether or not anybody ran it (else "other" would tell)."""
        if command is None:
            return rank(self.sums("options", ("product", "command", "option")))
        if command not in {named.key[1] for named in self.commands().names}:  # key: (product, command)
            return Ranked([], (0, 0))
        return rank(self.sums("options", ("product", "command", "option"), {"command": command}))

    def context(self) -> dict:
        """{kind: Ranked of (name, version)}: cookbooks, each kind of kitchen plugin, platforms, tool versions."""
        if self._context is None:
            self._context = self._read_context()
        return self._context

    def _read_context(self) -> dict:
        by_kind = {}
        for (kind, name, version), values in self.sums("context", ("kind", "name", "version")).items():
            by_kind.setdefault(kind, {})[(name, version)] = values
        return {kind: rank(by_kind.get(kind, {})) for kind in CONTEXT_KINDS}

    def unnamed(self) -> dict:
        """{kind: (count shown, count hidden)} of names the clients counted without naming them."""
        found = self.sums("unnamed", ("kind",))
        return {kind: (found.get((kind,), [0])[0], found.get((kind,), [0, 0, 0])[2]) for kind in UNNAMED_KINDS}

    # Totals

    def _counted_totals(self) -> list:
        return [row for row in self._totals if self.counted[row.product][row.day]]

    def totals(self) -> Totals:
        """Events and failures of the counted product-days, sessions begun in the window, and CI, OS and
        architecture each as a Ranked of the `totals` cells that may be shown."""
        counted = self._counted_totals()
        events, failures = sum(row.count for row in counted), sum(row.failures for row in counted)
        breakdowns = {}
        for field in ("ci", "os", "arch"):
            sums = {}
            for row in counted:
                values = sums.setdefault((getattr(row, field),), [0, 0, 0, 0])
                part = 0 if threshold.shown(row.sessions, self.min_sessions) else 2
                values[part] += row.count
                values[part + 1] += row.failures
            breakdowns[field] = rank(sums)
        return Totals(events, failures, self._sessions_begun(counted), breakdowns["ci"], breakdowns["os"], breakdowns["arch"])

    def _sessions_begun(self, counted: list) -> int:
        """Sessions that began in the window, on days with K sessions in all when every product used
        that day counted; for one product, the sum
        of its counted `totals` rows' first_day_sessions (a session counted once a row it used)."""
        if self.product:
            return sum(row.first_day_sessions for row in counted)
        return sum(first for _, sessions, first in self._sessions_days() if threshold.shown(sessions, self.min_sessions))

    def _sessions_days(self) -> list:
        """(day, sessions, first_day_sessions) of every product together, on the days when every product
        used counted (else the day's sessions less the counted products' would tell a quiet one's)."""
        table = DAILY["sessions"]
        statement = select(table.c.day, table.c.sessions, table.c.first_day_sessions).where(table.c.day >= self.first, table.c.day <= self.last)
        whole = self._whole_days()
        return [row for row in self.connection.execute(statement) if row.day in whole]

    def _whole_days(self) -> set:
        """The days on which at least one product was used and every product used counted."""
        used = {}
        for by_day in self.counted.values():
            for day, counted in by_day.items():
                used[day] = used.get(day, True) and counted
        return {day for day, every in used.items() if every}

    # Day by day

    def daily(self, aggregate: str, keys: tuple, names: list, where: dict = None) -> dict:
        """{name: {day: [count, failures, sessions]}} of the cells that may be shown, for `names` (key
        tuples), summed over products."""
        if not names:
            return {}
        table = DAILY[aggregate]
        columns = [table.c[key] for key in keys]
        chosen = columns[0].in_([name[0] for name in names]) if len(keys) == 1 else tuple_(*columns).in_([tuple(name) for name in names])
        where = {**(where or {}), **({"product": self.product} if self.product else {})}
        conditions = [table.c[name] == value for name, value in where.items()]
        statement = (
            select(table.c.day, *columns, func.sum(table.c["count"]), func.sum(table.c.failures), func.sum(table.c.sessions))
            .where(self._counted(table), self._shown(table), chosen, *conditions)
            .group_by(table.c.day, *columns)
        )
        found = {}
        for row in self.connection.execute(statement):
            found.setdefault(tuple(row[1 : 1 + len(keys)]), {})[row[0]] = [int(value) for value in row[1 + len(keys) :]]
        return found

    def view_daily(self) -> dict:
        """{day: [events, failures, sessions]} of the whole view on its counted days; sessions None on a
        day when, all products together, fewer than K sessions were seen."""
        found = {}
        for row in self._counted_totals():
            values = found.setdefault(row.day, [0, 0, 0])
            values[0] += row.count
            values[1] += row.failures
            values[2] += row.sessions
        if not self.product:  # all products: the day's own number of distinct sessions
            sessions = {day: count for day, count, _ in self._sessions_days() if threshold.shown(count, self.min_sessions)}
            for day, values in found.items():
                values[2] = sessions.get(day)
        return found

    def series(self, metric: str, command: str = None, step: int = 1) -> tuple:
        """(labels, values): runs, failures or sessions of the view (or of one command) a day, or summed
        over steps of `step` days; None where nothing may be shown."""
        if command is None:
            by_day = self.view_daily()
        else:
            by_day = self.daily("commands", ("command",), [(command,)]).get((command,), {})
        index = METRICS.index(metric)
        return self.stepped({day: values[index] for day, values in by_day.items() if values[index] is not None}, step)

    def stepped(self, by_day: dict, step: int) -> tuple:
        """(labels, values) of {day: number} over the window, summed over steps of `step` days counted
        back from its last (the days before the first whole step are left out: a step of fewer days
        would look like a fall); None where no day of the step has a number."""
        labels, values = [], []
        for start in range(len(self.dates) % step, len(self.dates), step):
            days = self.dates[start : start + step]
            known = [by_day[day] for day in days if day in by_day]
            labels.append(days[0].isoformat())
            values.append(sum(known) if known else None)
        return labels, values

    def versions(self, step: int = 1, per_tool: int = 6) -> tuple:
        """(labels, {tool: [(version, count, [count a step or None])]}): each tool's most used versions."""
        ranked = self.context()["tool-version"]
        chosen = {}
        for named in ranked.names:
            tool, version = named.key
            if len(chosen.setdefault(tool, [])) < per_tool:
                chosen[tool].append((version, named.count))
        names = [(tool, version) for tool, versions in chosen.items() for version, _ in versions]
        by_day = self.daily("context", ("name", "version"), names, {"kind": "tool-version"})
        labels, found = self.stepped({}, step)[0], {}
        for tool, versions in sorted(chosen.items()):
            for version, count in versions:
                _, values = self.stepped({day: cell[0] for day, cell in by_day.get((tool, version), {}).items()}, step)
                found.setdefault(tool, []).append((version, count, values))
        return labels, found

    # The daily aggregates, for analysts

    def export_rows(self):
        """Rows of EXPORT_COLUMNS, day by day: each aggregate's cells that may be shown ("named"), its
        hidden rest of each counted product-day ("other", no name, no sessions), and, all products
        together, the sessions of each day with K of them ("sessions"; no counts: those are the
        products' own)."""
        key_columns = EXPORT_COLUMNS[3 : -len(VALUES)]
        for aggregate, keys in AGGREGATE_KEYS.items():
            table = DAILY[aggregate]
            names = [name for name, _ in keys]
            if not names:
                if self.product:
                    continue
                for day, sessions, first in self._sessions_days():
                    if threshold.shown(sessions, self.min_sessions):
                        yield (day.isoformat(), aggregate, "sessions", *([""] * len(key_columns)), "", "", sessions, first)
                continue
            where = [table.c.product == self.product] if self.product else []
            shown = select(table).where(self._counted(table), self._shown(table), *where).order_by(table.c.day, *(table.c[name] for name in names))
            for row in self.connection.execute(shown.execution_options(yield_per=5000)).mappings():
                yield (row["day"].isoformat(), aggregate, "named", *(row.get(column, "") for column in key_columns), *(row[value] for value in VALUES))
            other = (
                select(table.c.day, table.c.product, func.sum(table.c["count"]), func.sum(table.c.failures))
                .where(self._counted(table), ~self._shown(table), *where)
                .group_by(table.c.day, table.c.product)
                .order_by(table.c.day, table.c.product)
            )
            for day, product, count, failures in self.connection.execute(other):
                keys_ = ["" for _ in key_columns]
                keys_[key_columns.index("product")] = product
                yield (day.isoformat(), aggregate, "other", *keys_, int(count), int(failures), "", "")


class Window:
    """The aggregate rows of the days from `start` on (nothing is ever counted past tomorrow: a clock a day
    ahead is clamped there): the monthly rows of every month after start's, and for start's own month
    whichever reads fewer rows, its daily rows from `start`, or its monthly row less its daily rows
    before `start`. So a window reads at most 15 days of daily rows, however long."""

    def __init__(self, start: date):
        first_whole = start if start.day == 1 else _next_month(start)
        month = start.replace(day=1)
        self.parts = [("monthly", first_whole, None, 1)]  # (period, from, before, sign)
        if start != first_whole:
            if (first_whole - start).days <= (start - month).days:
                self.parts.append(("daily", start, first_whole, 1))
            else:
                self.parts += [("monthly", month, first_whole, 1), ("daily", month, start, -1)]

    def rows(self, aggregate: str, columns: tuple, where: dict):
        """One selectable over the window's rows of an aggregate, the subtracted ones negated."""
        parts = []
        for period, low, high, sign in self.parts:
            table = aggregate_tables[(period, aggregate)]
            conditions = [table.c.day >= low, *([table.c.day < high] if high else []), *(table.c[name] == value for name, value in where.items())]
            values = [table.c[value] if sign > 0 else (-table.c[value]).label(value) for value in VALUES]
            parts.append(select(*(table.c[name] for name in columns), *values).where(and_(*conditions)))
        return union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def rank(sums: dict) -> Ranked:
    """Ranked from {name: [count shown, failures shown, count hidden, failures hidden]}."""
    names = sorted((Named(key, values[0], values[1]) for key, values in sums.items() if values[0] > 0), key=lambda named: (-named.count, named.key))
    return Ranked(names, (sum(values[2] for values in sums.values()), sum(values[3] for values in sums.values())))


def step_for(days: int) -> int:
    """Days a chart point stands for: one up to 90 days, a week beyond (a year of days is too heavy a page)."""
    return 1 if days <= 90 else 7


def report(connection, days: int, today: date = None, min_sessions: int = threshold.DEFAULT_MIN_SESSIONS, limit: int = 50) -> dict:
    """GET /report's JSON (and `collector report`'s): the most used commands with failures, options,
    community cookbooks, kitchen plugins, platforms and tool versions, events and sessions; with what the
    threshold left unnamed in each as `other`."""
    view = Published(connection, days, today, min_sessions)
    totals, commands, context, every_option = view.totals(), view.commands(), view.context(), view.options()
    options = {}
    for named in every_option.names:  # the report ranks an option across the commands it came with
        product, _, option = named.key
        options[(product, option)] = options.get((product, option), 0) + named.count
    ranked_options = sorted(options.items(), key=lambda item: (-item[1], item[0]))
    plugins = [(kind, named) for kind in KITCHEN_PLUGIN_KINDS for named in context[f"kitchen-{kind}"].names[:limit]]
    return {
        "days": days,
        "since": view.first.strftime("%Y-%m-%dT00:00:00Z"),
        "until": view.last.strftime("%Y-%m-%dT23:59:59Z"),
        "min_sessions": min_sessions,
        "events": totals.events,
        "sessions": totals.sessions,
        "commands": [{"product": p, "command": c, "count": named.count, "failures": named.failures} for named in commands.names[:limit] for p, c in [named.key]],
        "options": [{"product": product, "option": option, "count": count} for (product, option), count in ranked_options[:limit]],
        "cookbooks": [{"name": name, "version": version, "count": named.count} for named in context["cookbook"].names[:limit] for name, version in [named.key]],
        "kitchen_plugins": [{"kind": kind, "name": named.key[0], "count": named.count} for kind, named in plugins],
        "platforms": [{"name": named.key[0], "count": named.count} for named in context["platform"].names[:limit]],
        "tool_versions": [{"name": name, "version": version, "count": named.count} for named in context["tool-version"].names[:limit] for name, version in [named.key]],
        "other": {
            "commands": commands.other[0],
            "options": every_option.other[0],
            "cookbooks": context["cookbook"].other[0],
            "kitchen_plugins": sum(context[f"kitchen-{kind}"].other[0] for kind in KITCHEN_PLUGIN_KINDS),
            "platforms": context["platform"].other[0],
            "tool_versions": context["tool-version"].other[0],
        },
    }
