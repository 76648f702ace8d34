"""Ingest off the event loop: writer threads that commit many requests' events in one transaction.

A request hands its validated events to the queue and awaits a future. Each writer thread takes
everything waiting (up to MAX_EVENTS events), stores it on its own connection (one statement on
PostgreSQL: chefwrap.collector.store.Ingester) and answers every request of the group. Under load the
groups grow, so the cost of a commit is shared; alone, a request is written at once. Measured against
an async driver (one transaction a request, no thread) in benchmarks/collector_throughput.py.
"""

import asyncio
import queue
import threading

from chefwrap.collector.store import Ingester

MAX_EVENTS = 5000


class BatchingWriter:
    def __init__(self, store, threads: int):
        self.store = store
        self.waiting = queue.SimpleQueue()
        self.threads = [threading.Thread(target=self._run, name=f"collector-writer-{n}", daemon=True) for n in range(threads)]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        for _ in self.threads:
            self.waiting.put(None)
        for thread in self.threads:
            thread.join(timeout=30)

    async def add(self, received: list) -> list:
        """Whether each event was accepted (False: a replay), once it is committed."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self.waiting.put((received, future, loop))
        return await future

    def _run(self) -> None:
        ingester = Ingester(self.store)  # this thread's connection, kept from group to group
        try:
            while (group := self._group()) is not None:
                self._write(group, ingester)
        finally:
            ingester.close()

    def _group(self):
        """Everything waiting, up to MAX_EVENTS events; None when told to stop."""
        first = self.waiting.get()
        if first is None:
            return None
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
        return group

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
        start = 0
        for received, future, loop in group:
            loop.call_soon_threadsafe(_settle, future, accepted[start : start + len(received)], None)
            start += len(received)


def _settle(future, result, problem) -> None:
    if future.done():  # the client went away
        return
    if problem is not None:
        future.set_exception(problem)
    else:
        future.set_result(result)
