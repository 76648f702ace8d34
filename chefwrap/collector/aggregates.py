"""Aggregates as a pure function of raw events, and how a change to the raw events changes them.

`session_contribution` is what one session's events add to the aggregate tables: erasure subtracts a
session's, a rebuild (migration back-fill, benchmarks, tests) sums every session's. Ingest adds the
difference a session's new events make (`ingest_delta`). A session's contribution is a sum over its
days, and a day's part depends only on that day's events and on whether it is the session's first day:
so ingest reads no more than the session's events on the days it touches (and, when a late event comes
before the session's first day, that day's), however long the session.
"""

from collections import defaultdict
from datetime import date

from chefwrap.collector.tables import AGGREGATE_KEYS, VALUES
from chefwrap.collector.validation import KITCHEN_PLUGIN_KINDS, StoredEvent

ORDER = tuple(AGGREGATE_KEYS)  # tables are always written in this order, rows sorted: no deadlock


def facts(stored: StoredEvent) -> list:
    """(aggregate, key, count, failures) for each thing one event counts towards."""
    product = stored.product
    properties = stored.payload.properties
    failed = 1 if properties is not None and properties.exit_code not in (None, 0) else 0
    found = [
        ("sessions", (), 1, failed),
        ("totals", (product, stored.payload.event, _text(properties, "os"), _text(properties, "arch"), _ci(properties)), 1, failed),
    ]
    if properties is None:
        return found
    command = properties.command
    found.append(("commands", (product, command), 1, failed))
    found.append(("versions", (product, stored.product_version or ""), 1, failed))
    found += [("options", (product, command, option), 1, failed) for option in properties.options]
    cookbooks, kitchen, versions = properties.cookbooks, properties.kitchen, properties.versions
    if cookbooks is not None:
        found += [("context", (product, "cookbook", book.name, book.version), 1, failed) for book in cookbooks.public]
        found += _unnamed(product, "cookbook", cookbooks.other, failed)
    if kitchen is not None:
        for kind in KITCHEN_PLUGIN_KINDS:
            name = getattr(kitchen, kind)
            if name is not None:
                found.append(("context", (product, f"kitchen-{kind}", name, ""), 1, failed))
        found += [("context", (product, "platform", platform, ""), 1, failed) for platform in kitchen.platforms]
        found += _unnamed(product, "kitchen-plugin", kitchen.other_plugins, failed)
        found += _unnamed(product, "platform", kitchen.other_platforms, failed)
    for tool, version in (versions or {}).items():
        found.append(("context", (product, "tool-version", tool, version), 1, failed))
    return found


def _unnamed(product, kind, count, failed):
    return [("unnamed", (product, kind), count, count * failed)] if count else []


def _text(properties, field) -> str:
    return (getattr(properties, field) or "") if properties is not None else ""


def _ci(properties) -> str:
    value = None if properties is None else properties.ci
    return "" if value is None else ("true" if value else "false")


def day_contribution(stored_events, first_day: bool, day: date, into: dict, sign: int = 1) -> None:
    """Add (or, sign -1, take away) what one session's events of one day count, into {(aggregate, day, key): [values]}."""
    seen = {}
    for stored in stored_events:
        for aggregate, key, count, failures in facts(stored):
            row = seen.get((aggregate, key))
            if row is None:
                row = seen[(aggregate, key)] = [0, 0]
            row[0] += count
            row[1] += failures
    for (aggregate, key), (count, failures) in seen.items():
        values = into.get((aggregate, day, key))
        if values is None:
            values = into[(aggregate, day, key)] = [0, 0, 0, 0]
        values[0] += sign * count
        values[1] += sign * failures
        values[2] += sign
        values[3] += sign * first_day


def session_contribution(by_day: dict, into: dict, sign: int = 1) -> None:
    """A session's whole contribution: by_day is {day: [StoredEvent]}."""
    if not by_day:
        return
    first = min(by_day)
    for day, stored_events in by_day.items():
        day_contribution(stored_events, day == first, day, into, sign)


def ingest_delta(prior: dict, first_before, new: dict, into: dict) -> None:
    """What a session's new events change, without recomputing what its earlier events counted:
    prior is {day: [StoredEvent]} for the days of `new` (and for its first day `first_before` when a new
    event comes before it; None for a new session); new is {day: [StoredEvent]}.

    Equal, by construction and by the property tests, to session_contribution(prior + new) minus
    session_contribution(prior) on those days.
    """
    first_after = min(new) if first_before is None else min(first_before, min(new))
    for day, new_events in new.items():
        seen = _names(prior.get(day, ()))
        first_day = 1 if day == first_after else 0
        for stored in new_events:
            for aggregate, key, count, failures in facts(stored):
                values = into.get((aggregate, day, key))
                if values is None:
                    values = into[(aggregate, day, key)] = [0, 0, 0, 0]
                values[0] += count
                values[1] += failures
                if (aggregate, key) not in seen:
                    seen.add((aggregate, key))
                    values[2] += 1
                    values[3] += first_day
    if first_before is not None and first_before != first_after:  # that day is no longer the session's first
        for aggregate, key in _names(prior.get(first_before, ())):
            values = into.get((aggregate, first_before, key))
            if values is None:
                values = into[(aggregate, first_before, key)] = [0, 0, 0, 0]
            values[3] -= 1


def _names(stored_events) -> set:
    return {(aggregate, key) for stored in stored_events for aggregate, key, _, _ in facts(stored)}


def rows(delta: dict) -> dict:
    """{aggregate: [row dicts]} for the daily and monthly tables, without rows that change nothing, sorted."""
    daily, monthly = defaultdict(dict), defaultdict(dict)
    for (aggregate, day, key), values in delta.items():
        if not any(values):
            continue
        daily[aggregate][(day, key)] = values
        month = monthly[aggregate].setdefault((day.replace(day=1), key), [0, 0, 0, 0])
        for index, value in enumerate(values):
            month[index] += value
    result = {}
    for period, found in (("daily", daily), ("monthly", monthly)):
        for aggregate in ORDER:
            entries = [(day, key, values) for (day, key), values in found.get(aggregate, {}).items() if any(values)]
            if entries:
                entries.sort(key=lambda entry: (entry[0], entry[1]))
                names = [name for name, _ in AGGREGATE_KEYS[aggregate]]
                result[(period, aggregate)] = [{"day": day, **dict(zip(names, key)), **dict(zip(VALUES, values))} for day, key, values in entries]
    return result
