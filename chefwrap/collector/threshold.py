"""The privacy threshold every public view obeys: the page, the API, GET /report and `collector report`.

K is `--min-sessions` (default 5). The unit is a cell: one name on one UTC day, whose daily aggregate
row says exactly how many distinct sessions used it that day. The rule:

1. Only complete UTC days are shown: a window of N days ends yesterday, so a view cannot be refreshed
   to watch today's events arrive one by one.
2. A product's day counts only when at least K sessions used that product that day (the lower bound:
   the largest `sessions` of the product's `totals` rows of the day). Nothing of a product's quieter
   day is in any figure, total or "other".
3. A name (command, option, cookbook, plugin, platform, version, OS...) is shown with a number only
   through its cells that had at least K sessions; every named figure is a sum of such cells. A name
   without one in the window is not shown: it is in "other", with everything else of the counted days.
4. Every view is the sum of its products' counted days: all tools together is knife + kitchen + chef.
   All products' distinct sessions of a day, which no product's rows add up to, are shown only when
   every product used that day counted.
5. A command's options are shown only for a command the view names.

So the difference between any two views (two windows, two products, two days apart) is, for every name,
a sum of whole cells of at least K sessions: never one session's activity with that name. "other" and
the totals carry no name but the product, and only from days with at least K of its sessions.

K = 1 turns the threshold off: every cell counts, and today too (an operator's exact view).
"""

from datetime import date, timedelta

from chefwrap import DEFAULT_MIN_SESSIONS  # noqa: F401 - the default, where the CLI reads it too

OTHER = "other (below the threshold)"  # how every view names what the threshold left unnamed


def window(days: int, today: date, min_sessions: int) -> tuple:
    """(first day, last day) of a view of `days` days."""
    last = today if min_sessions <= 1 else today - timedelta(days=1)
    return last - timedelta(days=days - 1), last


def counted_days(totals_rows, min_sessions: int) -> dict:
    """{product: {day: counted?}} from rows of (day, product, sessions) of the `totals` aggregate."""
    largest = {}
    for day, product, sessions in totals_rows:
        key = (product, day)
        largest[key] = max(largest.get(key, 0), sessions)
    found = {}
    for (product, day), sessions in largest.items():
        found.setdefault(product, {})[day] = sessions >= min_sessions
    return found


def shown(sessions: int, min_sessions: int) -> bool:
    """Whether a cell (one name, one day) may be shown."""
    return sessions >= min_sessions
