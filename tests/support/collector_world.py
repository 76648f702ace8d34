"""The collector as a test meets it: `chefwrap collector serve` in its own process on a loopback port,
events as the shim builds them, and the database read directly."""

import http.client
import json
import subprocess
import sys

from chefwrap.shim import event, sanitizer


class Collector:
    def __init__(self, database, *extra, tls=None, **popen):
        """`tls`: an ssl.SSLContext that trusts the certificate the collector serves (--ssl-certfile)."""
        self.database, self.tls = database, tls
        self.process = subprocess.Popen(
            [sys.executable, "-m", "chefwrap", "collector", "serve", "--port", "0", "--database", database, *extra],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            **popen,
        )
        lines = []
        while not lines or (lines[-1] and "listening on" not in lines[-1]):
            lines.append(self.process.stderr.readline())
        self.banner, self.upgraded = lines[-1], "".join(lines[:-1])
        if f"listening on {'https' if tls else 'http'}://127.0.0.1:" not in self.banner:
            self.process.kill()  # never left running by a test that failed here
            raise AssertionError("".join(lines) + self.process.communicate(timeout=30)[1])
        self.url = self.banner.split("listening on ")[1].split()[0]
        self.port = int(self.url.rsplit(":", 1)[1])

    def connection(self, timeout=60):
        if self.tls is not None:
            return http.client.HTTPSConnection("127.0.0.1", self.port, timeout=timeout, context=self.tls)
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def exchange(self, method, path, body=None, headers=None):
        """(status, {header name in lower case: value}, body) of one request on a connection of its own."""
        connection = self.connection()
        connection.request(method, path, body, headers or {})
        response = connection.getresponse()
        data = response.read()
        connection.close()
        return response.status, {name.lower(): value for name, value in response.getheaders()}, data

    def request(self, method, path, body=None, headers=None):
        status, _, data = self.exchange(method, path, body, headers)
        return status, data

    def post(self, body, content_type="application/json", headers=None):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        status, answer = self.request("POST", "/events", data, {"Content-Type": content_type, **(headers or {})})
        return status, json.loads(answer) if answer else None

    def report(self, days=30):
        status, data = self.request("GET", f"/report?days={days}&format=json")
        assert status == 200, data
        return json.loads(data)

    def stop(self):
        self.process.terminate()
        out, err = self.process.communicate(timeout=30)
        return out + err


def an_event(tool="knife", argv=("node", "show", "web1", "-F", "json"), exit_code=0, session=None, when=None, context=None, version=None):
    """An event exactly as the shim builds it on a Workstation with every plugin installed; `when`: a Unix time."""
    built = event.build(sanitizer.sanitize(tool, list(argv), sanitizer.known_plugins(tool)), exit_code, 1500.0, session or event.new_uuid(), {}, product_version=version, now=when, context=context)
    return json.loads(event.to_json(built))


def published_report(store, days, now=None, min_sessions=1) -> dict:
    """The report of a Store, as GET /report gives it (by default with the threshold off)."""
    from datetime import datetime, timezone

    from chefwrap.collector import published

    with store.reading() as connection:
        return published.report(connection, days, today=(now or datetime.now(timezone.utc)).date(), min_sessions=min_sessions)


def aggregates_and_recomputation(database):
    """(what the aggregate tables hold, read as every reader reads them, what a recomputation from the raw events gives)."""
    from chefwrap.collector.store import Store, recomputed, stored_aggregates

    store = Store(database)
    try:
        with store.reading() as connection:
            return stored_aggregates(connection), recomputed(connection)
    finally:
        store.close()


def raw_events(database) -> list:
    """The events table's (event_id, session_id) rows."""
    from sqlalchemy import select

    from chefwrap.collector.tables import events

    return read(database, select(events.c.event_id, events.c.session_id)).all()


def pending_events(database) -> int:
    """How many stored events are not yet counted in the aggregates."""
    from sqlalchemy import func, select

    from chefwrap.collector.tables import pending_events as pending

    return read(database, select(func.count()).select_from(pending)).scalar()


def read(database, statement):
    """The buffered result of one statement on the database as it is (no fold first)."""
    from chefwrap.collector.store import Store

    store = Store(database)
    try:
        with store.engine.connect() as connection:
            return connection.execute(statement).freeze()()
    finally:
        store.close()
