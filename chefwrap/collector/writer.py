"""Ingest off the event loop: writer threads that commit many requests' events in one transaction, and
fold pending events into the aggregates between groups.

A request hands its validated events to the queue and awaits a future. Each writer thread takes
everything waiting (up to MAX_EVENTS events), stores it on its own connection (one INSERT of the events
and their pending rows, or for a batch the events counted at once: chefwrap.collector.store.Ingester)
and answers every request of the group. Under load the groups grow, so
the cost a commit is shared; alone, a request is written at once. Measured against an async driver
(one transaction a request, no thread) in benchmarks/collector_throughput.py.

Folding runs in the writer threads too, one at a time, when FOLD_AT events are pending or FOLD_EVERY
seconds after the first one was stored (and at start, for what a previous run left): so on SQLite it
never waits on the writer, and the aggregates' rows are updated once a fold instead of once a group.
Requests arriving during a fold wait for it in the queue. Readers never wait for it to be due: they
fold what is pending first (Store.reading).
"""

import asyncio
import logging
import queue
import threading
import time

from chefwrap.collector.health import DatabaseHealth, first_line
from chefwrap.collector.store import FOLD_MAX, Ingester

MAX_EVENTS = 5000
FOLD_AT = 5000
FOLD_EVERY = 1.0
log = logging.getLogger("chefwrap.collector")


class BatchingWriter:
    def __init__(self, store, threads: int, fold_at: int = FOLD_AT, fold_every: float = FOLD_EVERY, health: DatabaseHealth = None):
        self.store, self.health = store, health or DatabaseHealth()
        self.fold_at, self.fold_every = fold_at, fold_every
        self.waiting = queue.SimpleQueue()
        self.threads = [threading.Thread(target=self._run, name=f"collector-writer-{n}", daemon=True) for n in range(threads)]
        self.counting = threading.Lock()  # guards `unfolded` and `since`
        self.folding = threading.Lock()  # one fold at a time in this process
        self.unfolded, self.since = 1, time.monotonic()  # 1: whatever a previous run left pending

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        for _ in self.threads:
            self.waiting.put(None)
        for thread in self.threads:
            thread.join(timeout=30)
        try:
            self.store.fold_pending()  # a clean stop leaves nothing pending: it waits for another collector's fold
        except self.store.errors as problem:
            log.error("folding pending events into the aggregates at stop failed (%s); the next start folds them", first_line(problem))

    async def add(self, received: list) -> list:
        """Whether each event was accepted (False: a replay), once it is committed."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self.waiting.put((received, future, loop))
        return await future

    def _run(self) -> None:
        ingester = Ingester(self.store)  # this thread's connection, kept from group to group
        try:
            self._serve(ingester)
        finally:
            ingester.close()

    def _serve(self, ingester: Ingester) -> None:
        while True:
            try:
                first = self.waiting.get(timeout=self.fold_every)
            except queue.Empty:
                self._fold_if_due()
                continue
            if first is None:
                return
            group, size = [first], len(first[0])
            while size < MAX_EVENTS:
                try:
                    item = self.waiting.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self.waiting.put(None)  # for this thread's next turn
                    break
                group.append(item)
                size += len(item[0])
            self._write(group, ingester)
            self._fold_if_due()

    def _write(self, group: list, ingester: Ingester) -> None:
        try:
            accepted = ingester.add([record for received, _, _ in group for record in received])
        except Exception as problem:  # noqa: BLE001 - answered to the request(s) it belongs to, logged by the app
            if len(group) > 1:  # one request's trouble must not fail the others: write each on its own
                for item in group:
                    self._write([item], ingester)
                return
            _, future, loop = group[0]
            loop.call_soon_threadsafe(_settle, future, None, problem)
            return
        with self.counting:  # a batch counted as it was stored leaves nothing to fold
            if not self.unfolded:
                self.since = time.monotonic()
            self.unfolded += ingester.left_pending
        start = 0
        for received, future, loop in group:
            loop.call_soon_threadsafe(_settle, future, accepted[start : start + len(received)], None)
            start += len(received)

    def _fold_if_due(self) -> None:
        with self.counting:
            due = self.unfolded >= self.fold_at or (self.unfolded and time.monotonic() - self.since >= self.fold_every)
        if due:
            self._fold()

    def _fold(self) -> None:
        """Fold what is pending (another thread folding: nothing to do; another collector folding: its
        fold counts ours too)."""
        if not self.folding.acquire(blocking=False):
            return
        try:
            with self.counting:
                counted, self.since = self.unfolded, time.monotonic()
            folded = self.store.fold(limit=FOLD_MAX, wait=False)
            self.health.worked()
            if folded is not None and folded < FOLD_MAX:  # all folded (None: left for the next turn)
                with self.counting:
                    self.unfolded = max(0, self.unfolded - counted)
        except self.store.errors as problem:  # the events stay pending and are folded at the next turn (or by a reader)
            self.health.failed(problem, "folding pending events into the aggregates")
        except Exception:  # noqa: BLE001 - a defect, not the database: the events stay pending all the same
            log.exception("folding pending events into the aggregates failed")
        finally:
            self.folding.release()


def _settle(future, result, problem) -> None:
    if future.done():  # the client went away
        return
    if problem is not None:
        future.set_exception(problem)
    else:
        future.set_result(result)
