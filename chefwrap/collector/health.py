"""Whether the collector can use its database: one log line when it goes away, one when it is back.

During an outage every request fails the same way (503), and so do the writer's folds and the hourly
purge: a traceback for each would bury the log (an outage of 15 s wrote thousands). So the first
failure says what went wrong, in one line, and the first success after it says the database is back.
"""

import logging
import threading

log = logging.getLogger("chefwrap.collector")


class DatabaseHealth:
    def __init__(self):
        self.down = False
        self._lock = threading.Lock()  # the event loop and the writer threads both report

    def failed(self, problem: Exception, doing: str) -> None:
        with self._lock:
            was_down, self.down = self.down, True
        if not was_down:
            log.error("the database cannot be used (%s failed: %s); answering 503 until it is back", doing, first_line(problem))

    def worked(self) -> None:
        if not self.down:  # the usual case: no lock taken
            return
        with self._lock:
            was_down, self.down = self.down, False
        if was_down:
            log.warning("the database is back")


def first_line(problem: Exception) -> str:
    return (str(problem).strip().splitlines() or [type(problem).__name__])[0]
