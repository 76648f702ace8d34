"""The collector as a test meets it: `chefwrap collector serve` in its own process on a loopback port,
events as the shim builds them, and the database read directly."""

import http.client
import json
import subprocess
import sys
import time

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


HOSTILE_OPTIONS = [f"-{option:x}" for option in range(110)]  # -0 ... -6d: a few are real (-c, -d, -e, -k...)


def hostile_batch(number: int, cookbooks: bool = False) -> bytes:
    """Issue 22's amplifier, as a poster without the shims would send it: 1,000 bare events of new
    sessions over the last 20 days, each with its own made-up command and 110 made-up option names, or
    (`cookbooks`) naming 20 made-up cookbooks each."""
    yesterday = time.time() - 86400.0
    batch = []
    for index in range(1000):
        sent = an_event(session=event.new_uuid(), when=yesterday - (index % 20) * 86400.0)
        properties = sent["payload"]["properties"]
        for name in ("duration_ms", "os", "arch", "ci", "timestamp"):
            del properties[name]
        del sent["event_id"], sent["license_id"], sent["install_context"]
        if cookbooks:
            properties["options"] = []
            properties["cookbooks"] = {"public": [{"name": f"{number}{index}.{book}", "version": "1"} for book in range(20)]}
        else:
            properties["command"] = f"knife z{number}x{index}"
            properties["options"] = HOSTILE_OPTIONS
        batch.append(sent)
    return json.dumps(batch, separators=(",", ":")).encode()


def published_report(store, days, now=None, min_sessions=1) -> dict:
    """The report of a Store, as GET /report gives it (by default with the threshold off)."""
    from datetime import datetime, timezone

    from chefwrap.collector import published

    today = (now or datetime.now(timezone.utc)).date()
    with store.reading(today) as connection:
        return published.report(connection, days, today=today, min_sessions=min_sessions)


def aggregates_and_recomputation(database):
    """(what the aggregate tables hold once every complete day is built, what a recomputation in plain
    Python from the raw events' JSON gives): a model independent of the SQL that builds them."""
    from chefwrap.collector.store import Store

    store = Store(database)
    try:
        store.build()
        with store.engine.connect() as connection:
            return stored_aggregates(connection), recomputed(connection)
    finally:
        store.close()


def stored_aggregates(connection) -> dict:
    from sqlalchemy import select

    from chefwrap.collector.tables import daily, daily_sessions, monthly, weekly_names, weekly_sessions

    name = ("day", "product", "kind", "command", "name", "detail")
    kept = {}
    for row in connection.execute(select(daily_sessions)).mappings():
        kept.setdefault(tuple(row[column] for column in name), set()).add(row["session_id"])
    return {
        "daily": {tuple(row[column] for column in name): (row["runs"], row["failures"], row["sessions"]) for row in connection.execute(select(daily)).mappings()},
        "daily_sessions": kept,
        "monthly": {tuple(row[column] for column in ("month", *name[1:])): (row["runs"], row["failures"], row["sessions"], row["busiest"])
                    for row in connection.execute(select(monthly)).mappings()},
        "weekly_names": {tuple(row[column] for column in ("week", *name[1:])): row["sessions"] for row in connection.execute(select(weekly_names)).mappings()},
        "weekly_sessions": {(row.week, row.product): row.sessions for row in connection.execute(select(weekly_sessions))},
    }


def recomputed(connection, today=None) -> dict:
    """The aggregates of the complete days before `today`, from the raw events, in the shape of stored_aggregates()."""
    from datetime import datetime, timedelta, timezone

    from sqlalchemy import select

    from chefwrap.collector.tables import events

    today = today or datetime.now(timezone.utc).date()
    cells, weeks = {}, {}
    for session, day, stored in connection.execute(select(events.c.session_id, events.c.day, events.c.event)):
        if day >= today:
            continue
        sent = json.loads(stored)
        failed = bool((sent["payload"].get("properties") or {}).get("exit_code"))
        for product, kind, command, name, detail in names_of(sent):
            cell = cells.setdefault((day, product, kind, command, name, detail), [0, 0, set()])
            cell[0], cell[1] = cell[0] + 1, cell[1] + failed
            cell[2].add(session)
        week = day - timedelta(days=day.weekday())
        for product in ("", sent["product"]):
            weeks.setdefault((week, product), set()).add(session)
    kept, named, months = {key: sessions for key, (_, _, sessions) in cells.items() if len(sessions) < 20}, {}, {}
    for (day, *name), sessions in kept.items():
        named.setdefault((day - timedelta(days=day.weekday()), *name), set()).update(sessions)
    for (day, *name), (runs, failures, sessions) in cells.items():
        month = months.setdefault((day.replace(day=1), *name), [0, 0, 0, 0])
        month[0], month[1], month[2], month[3] = month[0] + runs, month[1] + failures, month[2] + len(sessions), max(month[3], len(sessions))
    return {
        "daily": {key: (runs, failures, len(sessions)) for key, (runs, failures, sessions) in cells.items()},
        "monthly": {key: tuple(values) for key, values in months.items()},
        "daily_sessions": kept,
        "weekly_names": {key: len(sessions) for key, sessions in named.items()},
        "weekly_sessions": {key: len(sessions) for key, sessions in weeks.items()},
    }


def names_of(sent: dict) -> set:
    """(product, kind, command, name, detail) of everything one stored event counts towards, as docs/collector.md lists them."""
    from chefwrap.collector.known_names import option_name

    product, payload = sent["product"], sent["payload"]
    properties = payload.get("properties") if payload["event"] == "user-command" else None
    system = properties or {}
    os_, arch = system.get("os") or "", system.get("arch") or ""
    ci = {None: "", True: "true", False: "false"}[system.get("ci")]
    found = {("", "sessions", "", "", ""), (product, "product", "", "", ""), (product, "event", "", payload["event"], "")}
    found |= {(product, "os", "", os_, ""), (product, "arch", "", arch, ""), (product, "os-arch", "", os_, arch), (product, "ci", "", ci, "")}
    if properties is None:
        return found
    command = properties["command"]
    found.add((product, "command", command, "", ""))
    for spelling in properties.get("options", []):
        found |= {(product, "option", command, option_name(command, spelling), detail) for detail in ("", spelling)}
    versions = properties.get("versions") or {}
    own = {"knife": "knife", "kitchen": "kitchen", "chef": "chef-cli"}.get(product, "")
    found.add((product, "version", "", versions.get(own, sent.get("product_version") or ""), ""))
    books = properties.get("cookbooks") or {}
    found |= {(product, "cookbook", "", book["name"], detail) for book in books.get("public", []) for detail in ("", book["version"])}
    kitchen = properties.get("kitchen") or {}
    found |= {(product, f"kitchen-{kind}", "", kitchen[kind], "") for kind in ("driver", "provisioner", "verifier", "transport") if kitchen.get(kind)}
    found |= {(product, "platform", "", platform, "") for platform in kitchen.get("platforms", [])}
    for kind, count in (("cookbook", books.get("other")), ("kitchen-plugin", kitchen.get("other_plugins")), ("platform", kitchen.get("other_platforms"))):
        if count:
            found.add((product, kind, "", "", ""))
    return found


def raw_events(database) -> list:
    """The events table's (event_id, session_id) rows."""
    from sqlalchemy import select

    from chefwrap.collector.tables import events

    return read(database, select(events.c.event_id, events.c.session_id)).all()


def read(database, statement):
    """The buffered result of one statement on the database as it is (nothing built first)."""
    from chefwrap.collector.store import Store

    store = Store(database)
    try:
        with store.engine.connect() as connection:
            return connection.execute(statement).freeze()()
    finally:
        store.close()
