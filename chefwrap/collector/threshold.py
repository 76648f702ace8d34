"""The privacy threshold every public view obeys: the page, the API, GET /report and `collector report`.

K is `--min-sessions` (default 5, at most 20). The rule, the same for every period a figure stands for
(a window, the window before it, a week, a day):

1. A name (a tool, a command, an option, a cookbook, a version, an OS...) is shown for a period only
   when at least K distinct sessions used it in that period, and then with its whole figure for the
   period. Whatever the rule leaves out is in "other", without a name.
2. A tool not shown for a period shows nothing at all for it (no name, no total, no "other"); "every
   tool" is the sum of the tools shown.
3. Complete UTC days only: a window ends yesterday, so a view cannot be refreshed to watch today's
   events arrive one by one.
4. A command's options are shown only for a command the view shows.

How it is exact without reading a window's raw events: chefwrap.collector.published. K = 1 turns the
threshold off: every name shows, today too (an operator's exact view).
"""

from chefwrap import DEFAULT_MIN_SESSIONS, MAX_MIN_SESSIONS  # noqa: F401 - where the CLI reads them too

KEYS_BELOW = MAX_MIN_SESSIONS  # `daily_sessions` keeps the sessions of rows of fewer sessions than this
OTHER = "other (below the threshold)"  # how every view names what the threshold left out
