"""The detached sender: posts spooled events, freshest first, one per request, then exits.

Started by a shim with the sender lock already held (`--lock-fd N`), or by hand (it then takes the
lock itself, or leaves if another sender has it). It never learns an event from its argv or its
environment: it reads the spool.

- Each destination (the endpoint an event was recorded for) on its own: at most one request in flight
  to it, in a thread of its own, over its own kept-alive connection (3 s connect, 5 s read time-outs),
  with its own failures, back-off and give-up. The spool is looked at again every POLL seconds while
  anything is under way, so a destination that is gone (refusing, hanging, answering garbage) never
  holds up another's events.
- Only to a destination the user's own settings agreed to (chefwrap.state.consent.decision_for, asked
  again before each post): after `chefwrap telemetry disable` nothing more leaves, after `local` events
  stay in the ledger, and a record naming any other destination is dropped with a note.
- 2xx: the event is sent; it goes to the ledger with where it went, the session to the record of sent
  sessions (chefwrap.delivery.sent_sessions), and the event leaves the spool.
- Connection errors, 408, 429 and 5xx: retried with exponential back-off and jitter, a few times in a
  row; then the sender gives up on that destination for the rest of its life, leaves its events in the
  spool and writes when it may be tried again (chefwrap.delivery.pauses: at most a minute away), so a
  firewalled machine sends a trickle, never a storm. Retry-After is honoured up to a day. A destination
  that has failed for longer than the retention (30 days, counted so that no clock change moves it by
  more than a day) has its events dropped, with a note: nothing is kept forever. When to try next is a
  pure function of the clock and the destination's failures (chefwrap.delivery.schedule).
- 401 and 403: the endpoint refused the token (chefwrap.state.settings.token_for): the events wait, and
  `chefwrap telemetry status` says so. The token goes in `Authorization: Bearer ...` to the endpoint it
  was configured for, and nowhere else: not to another host, not to a file or a log.
- Redirects (chefwrap.delivery.redirects): a permanent one to the same host (http to https) is followed
  and remembered; any other keeps the events, and status says why.
- Any other 4xx, or a destination that is not an http(s) URL: the event is dropped and noted in the
  local log (~/.chef/chefwrap/sender.log).
- At least once: an event leaves the spool only once its endpoint has taken it, so a sender killed
  mid-post leaves it to the next sender, which sends it again with the same event_id (the collector
  keeps one). That is the only duplicate: one per interrupted post.
- A hard lifetime cap (an alarm ends it even inside a request); it exits as soon as nothing is left that
  it may send.
- The lock file holds its pid, so `chefwrap telemetry forget` can stop it (psutil checks it is ours).
"""

import argparse
import http.client
import json
import os
import queue
import random
import signal
import sys
import threading
import time
from email.utils import parsedate_to_datetime

import requests

from chefwrap import paths
from chefwrap.delivery import ledger, pauses, redirects, schedule, sent_sessions, spool, starter
from chefwrap.delivery.pauses import tuning
from chefwrap.state import consent, erase_key, settings

CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 5.0
LIFETIME = 300.0
POLL = 0.1  # how often the spool is looked at while a request is in flight or a retry is due
MOST_AT_ONCE = 8  # destinations posted to at the same time
RETRYABLE = {408, 429}
REFUSED_TOKEN = {401, 403}
MOST_MOVES = 3  # permanent redirects followed for one destination in one sender's life


def main(argv=None) -> int:
    options = argparse.ArgumentParser(prog="python -m chefwrap.delivery.sender")
    options.add_argument("--lock-fd", type=int, help="an inherited descriptor of the sender lock, already locked")
    args = options.parse_args(argv)
    variables = dict(os.environ)
    if any(variables.get(name) and not os.path.isabs(variables[name]) for name in ("HOME", "CHEF_HOME")):
        return 0  # the shim makes them absolute; resolved against / they would name someone else's folder
    os.chdir("/")  # never keep the caller's folder busy
    lock = args.lock_fd if args.lock_fd is not None else starter.take_sender_lock(variables)
    if lock is None:
        return 0
    sender = Sender(variables)
    # The hard cap: requests' time-outs are per read, so a trickling endpoint could keep us forever.
    # Past the lifetime and one last request's time-outs, SIGALRM ends the process; the spool keeps all.
    signal.alarm(int(sender.lifetime + 2 * sum(sender.timeout)) + 1)
    try:
        while True:
            note_pid(lock)
            sender.send_all()
            # A shim that spooled an event while we held the lock did not start a sender: look again
            # once the lock is free, and carry on if there is more and nobody else took over.
            os.close(lock)
            if time.monotonic() > sender.deadline or not sender.has_work():
                return 0
            lock = starter.take_sender_lock(variables)
            if lock is None:
                return 0
    finally:
        sender.close()


def note_pid(lock) -> None:
    try:
        os.ftruncate(lock, 0)
        os.pwrite(lock, f"{os.getpid()}\n".encode(), 0)
    except OSError:
        pass


class Destination:
    """One endpoint as this sender knows it: failures in a row, when it may be tried next, whether it gave up."""

    def __init__(self, url, pause, moved_to=None):
        self.url = url  # the endpoint the events were recorded for
        self.target = moved_to or url  # where they are posted: there, or where it moved for good
        self.failing = schedule.Failing()  # its failures in this sender's life
        self.next_attempt = 0.0  # time.monotonic(): the back-off between two attempts
        self.paused_until = pause.until if pause else 0.0  # time.time(): an earlier sender gave up on it
        self.pause = pause  # as an earlier sender left it: how long it had been failing, and why
        self.moves = 0
        self.gave_up = False
        self.posting = None  # the spool record in flight
        self.session = None

    def open(self, wall_now) -> bool:
        """Worth waiting for in this sender's life."""
        return not self.gave_up and wall_now >= self.paused_until

    def ready(self, now, wall_now) -> bool:
        return self.posting is None and self.open(wall_now) and now >= self.next_attempt


class Sender:
    def __init__(self, variables):
        self.variables = variables
        self.lifetime = tuning(variables, "LIFETIME", LIFETIME)
        self.deadline = time.monotonic() + self.lifetime
        self.timeout = (tuning(variables, "TIMEOUT", CONNECT_TIMEOUT), tuning(variables, "TIMEOUT", READ_TIMEOUT))
        self.limits = schedule.Limits(
            first_delay=tuning(variables, "FIRST_DELAY", schedule.FIRST_DELAY),
            longest_pause=pauses.longest_pause(variables),
            retention=pauses.retention(variables),
            deadline=self.deadline,
        )
        self.paused, damaged = pauses.load(variables)
        if damaged:
            self.save_pauses()  # without what could not be trusted
        self.moved = redirects.load(variables)
        self.sessions = None  # (endpoint, session id) pairs in the record of sent sessions, read when needed
        self.destinations = {}
        self.where = {}  # spool record -> its destination, for records read and still to be sent
        self.done = set()  # records sent, dropped or kept locally (or that would not go): never looked at twice
        self.results = queue.Queue()

    def close(self):
        for destination in self.destinations.values():
            if destination.session is not None:
                destination.session.close()

    def destination(self, url) -> Destination:
        if url not in self.destinations:
            self.destinations[url] = Destination(url, self.paused.get(url), self.moved.get(url))
        return self.destinations[url]

    def send_all(self):
        """Until nothing is left that may be sent in this sender's life, or the lifetime is over."""
        self.trim_to_size()
        remove_stale_temporary_files(self.variables)
        while time.monotonic() < self.deadline:
            waiting = self.look()
            self.start_posts(waiting)
            if not self.busy(waiting):
                return
            try:
                self.finish(*self.results.get(timeout=POLL))
            except queue.Empty:
                continue

    def look(self) -> dict:
        """{destination: its records still to be sent, freshest first}; new records are read and sorted out."""
        waiting = {}
        for name in spool.names(self.variables):
            if name in self.done:
                continue
            url = self.where.get(name) or self.sort_out(name)
            if url is not None:
                waiting.setdefault(url, []).append(name)
        return waiting

    def sort_out(self, name):
        """A record seen for the first time: its destination, or None when it was dealt with here (damaged,
        kept locally, for a destination that is not a URL) or has gone."""
        try:
            record = spool.read(self.variables, name)
        except spool.Damaged as problem:
            self.discard(name, f"skipped a damaged spool record: {problem}")
            return None
        except OSError as problem:
            self.discard(name, f"skipped an unreadable spool record ({type(problem).__name__})")
            return None
        if record is None:
            return None
        destination, data = record
        event = parse(data)
        if event is None:
            self.discard(name, f"skipped a damaged spool record: not a JSON object ({len(data)} bytes)")
        elif destination == spool.KEEP_LOCALLY:
            self.keep_locally(name, event)
        elif settings.endpoint_problem(destination):
            why = settings.endpoint_problem(destination)
            self.discard(name, f"dropped event {label(event)}: its destination is not a valid http(s) URL ({why})")
        else:
            destination = settings.normalize(destination)
            self.where[name] = destination
            return destination
        return None

    def start_posts(self, waiting):
        now, wall_now = time.monotonic(), time.time()
        in_flight = sum(1 for destination in self.destinations.values() if destination.posting)
        for url, names in waiting.items():
            destination = self.destination(url)
            if in_flight >= MOST_AT_ONCE:
                return
            if not destination.ready(now, wall_now):
                continue
            for name in names:
                data = self.still_to_send(name, url)
                if data is not None:
                    self.start_post(destination, name, data)
                    in_flight += 1
                    break

    def still_to_send(self, name, url):
        """The record's event, if this user shares with `url`; otherwise it goes where the decision says."""
        record = spool.read_or_none(self.variables, name)
        if record is None:
            self.done.add(name)
            return None
        decision = consent.decision_for(self.variables, url)
        if decision.outcome == consent.LOCAL:
            self.keep_locally(name, parse(record[1]) or {})
            return None
        if decision.outcome != consent.SHARE:
            why = "data sharing was turned off before it was sent" if decision.rule == "you opted out" else decision.rule
            self.discard(name, f"dropped an event for {url}: {why}")
            return None
        return with_erase_key(self.variables, record[1])

    def start_post(self, destination, name, data):
        if destination.session is None:
            destination.session = http_session()
            destination.session.headers["Content-Type"] = "application/json"
        destination.posting = name
        token = settings.token_for(self.variables, destination.url)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        threading.Thread(target=self.post, args=(destination, destination.target, name, data, headers), daemon=True).start()

    def post(self, destination, target, name, data, headers):
        """In the destination's thread: one request; the outcome goes back to the main thread, always."""
        status = retry_after = location = None
        url = target.rstrip("/") + "/events"
        try:
            response = destination.session.post(url, data=data, headers=headers, timeout=self.timeout, allow_redirects=False)
            status = response.status_code
            retry_after = retry_after_seconds(response.headers.get("Retry-After"))
            location = redirects.target_of(url, response.headers.get("Location"))
            response.close()
        except (requests.RequestException, http.client.HTTPException, OSError, ValueError):
            pass  # no connection, a time-out, a garbage answer: worth another try
        finally:
            self.results.put((destination, target, name, data, status, retry_after, location))

    def finish(self, destination, target, name, data, status, retry_after, location):
        destination.posting = None
        if status is not None and 200 <= status < 300:
            event = parse(data)
            remember(self.variables, event, target.rstrip("/") + "/events", status)
            self.remember_session(target, event)
            self.discard(name)
            self.recovered(destination)
        elif status in redirects.REDIRECTS:
            self.redirected(destination, target, status, location)
        elif status in REFUSED_TOKEN:
            note(self.variables, f"{destination.url} refused the token (HTTP {status}): its events wait")
            self.hold(destination, pauses.token_reason(status))
        elif status is not None and status < 500 and status not in RETRYABLE:
            self.discard(name, f"dropped event {label(parse(data))}: the endpoint answered HTTP {status}")
            self.recovered(destination)
        else:
            self.failed(destination, retry_after, status)

    def redirected(self, destination, target, status, location):
        """Follow a permanent redirect to the same host (and remember it); keep the events for any other."""
        moved = redirects.moved_to(target, status, location)
        if moved is None or destination.moves >= MOST_MOVES:
            note(self.variables, f"{destination.url} answered HTTP {status}, a redirect to {redirects.host_of(location)} that events do not follow: they wait")
            self.hold(destination, pauses.redirect_reason(status, redirects.host_of(location)))
            return
        destination.moves += 1
        destination.target = moved
        destination.next_attempt = 0.0
        self.moved[destination.url] = moved
        note(self.variables, f"{destination.url} moved for good to {moved} (HTTP {status}): events go there from now on")
        try:
            redirects.save(self.variables, self.moved)
        except OSError:
            pass

    def remember_session(self, target, event):
        """The first event of a session an endpoint takes puts the session in the record of sent sessions."""
        session_id = event.get("session_id") if isinstance(event, dict) else None
        if not isinstance(session_id, str):
            return
        if self.sessions is None:
            self.sessions = set(sent_sessions.load(self.variables))
        pair = (target.rstrip("/"), session_id)
        if pair not in self.sessions:
            try:
                sent_sessions.remember(self.variables, *pair)
                self.sessions.add(pair)
            except OSError:
                pass

    def recovered(self, destination):
        destination.failing = schedule.Failing()
        destination.pause = None
        if self.paused.pop(destination.url, None) is not None:
            self.save_pauses()

    def failed(self, destination, retry_after, status):
        """No answer, or one worth another try: when the destination is tried next (chefwrap.delivery.schedule)."""
        if status is None:
            reason = pauses.UNREACHABLE
        else:
            reason = pauses.asked_reason(status) if retry_after is not None else pauses.status_reason(status)
        self.follow(destination, reason, retry_after=retry_after if status is not None else None)

    def hold(self, destination, reason):
        """An answer no retry in this sender's life would change (a refused token, a redirect events do not
        follow): the events wait for the next sender, and status says why."""
        self.follow(destination, reason, retryable=False)

    def follow(self, destination, reason, retry_after=None, retryable=True):
        planned = schedule.after_failure(
            destination.failing, destination.pause, reason, time.monotonic(), time.time(), self.limits, random.uniform, retry_after, retryable
        )
        destination.failing = planned.failing
        if planned.action == schedule.DROP_ALL:
            self.drop_everything_for(destination)
        elif planned.action == schedule.GIVE_UP:
            destination.gave_up = True
            now = time.time()
            self.paused[destination.url] = pauses.Pause(now + planned.pause, now, planned.failing.failed_for, planned.reason)
            self.save_pauses()
        else:
            destination.next_attempt = planned.at

    def drop_everything_for(self, destination):
        """A destination that has failed for longer than the retention: its events go, with a note."""
        names = [name for name, url in self.where.items() if url == destination.url]
        for name in names:
            self.discard(name)
        note(self.variables, f"dropped {len(names)} event(s) for a destination that has failed for more than {self.limits.retention / 86400:g} days")
        destination.gave_up = True
        if self.paused.pop(destination.url, None) is not None:
            self.save_pauses()

    def busy(self, waiting) -> bool:
        """A request in flight, or records for a destination this sender may still try."""
        if any(destination.posting for destination in self.destinations.values()):
            return True
        wall_now = time.time()
        return any(self.destination(url).open(wall_now) for url in waiting)

    def has_work(self) -> bool:
        """After the lock was let go: records this sender has not seen, or may still send (nothing is read)."""
        wall_now = time.time()
        for name in spool.names(self.variables):
            if name in self.done:
                continue
            url = self.where.get(name)
            if url is None or self.destination(url).open(wall_now):
                return True
        return False

    def keep_locally(self, name, event):
        remember(self.variables, event, None, None)
        self.discard(name)

    def discard(self, name, why=None):
        if why:
            note(self.variables, why)
        self.done.add(name)
        self.where.pop(name, None)
        try:
            spool.remove(self.variables, name)
        except OSError:
            pass

    def save_pauses(self):
        try:
            pauses.save(self.variables, self.paused)
        except OSError:
            pass

    def trim_to_size(self):
        """Past MAX_TOTAL_BYTES the oldest events go. A record too large or that cannot be parsed is not
        counted: it is dropped on its own, with a note, and takes nothing else with it."""
        folder = paths.spool_folder(self.variables)
        sizes = []
        for name in spool.names(self.variables):
            try:
                sizes.append((name, os.stat(os.path.join(folder, name)).st_size))
            except OSError:
                continue
        if sum(size for _, size in sizes) <= spool.MAX_TOTAL_BYTES:
            return
        total = 0
        for index, (name, size) in enumerate(sizes):
            if self.sort_out(name) is None:
                continue  # damaged (dropped with a note), kept locally, or gone
            total += size
            if total > spool.MAX_TOTAL_BYTES:
                oldest = [name for name, _ in sizes[index:] if name not in self.done]
                for each in oldest:
                    self.discard(each)
                note(self.variables, f"dropped the {len(oldest)} oldest event(s): the spool holds {spool.MAX_TOTAL_BYTES // 1024 // 1024} MiB at most")
                return


class NoCredentialsSession(requests.Session):
    """Takes proxies and CA bundles from the environment but never credentials. requests would otherwise
    send ~/.netrc's login for the endpoint's host, and add it again for the host of a redirect
    (Session.rebuild_auth), whatever session.auth says."""

    def __init__(self):
        super().__init__()
        self.auth = lambda request: request
        self.trust_env = True  # proxies and CA bundles; credentials are refused below

    def rebuild_auth(self, prepared_request, response):
        prepared_request.headers.pop("Authorization", None)


def http_session():
    return NoCredentialsSession()


def with_erase_key(variables, data: bytes) -> bytes:
    """The event as spooled; one spooled by an earlier chefwrap gets its session's erase_key_sha256, so
    that every event sent can be erased by this machine alone."""
    if b'"' + erase_key.FIELD.encode() + b'"' in data:
        return data
    event = parse(data)
    session_id = event.get("session_id") if event else None
    if not isinstance(session_id, str):
        return data
    try:
        event[erase_key.FIELD] = erase_key.hash_for(variables, session_id)
    except OSError:
        return data
    return json.dumps(event, separators=(",", ":")).encode()


def remember(variables, event, url, status) -> None:
    """The ledger entry; a ledger that cannot be written must not make an event be sent twice."""
    try:
        ledger.record(variables, event or {}, endpoint=url, status=status)
    except OSError:
        pass


def note(variables, message) -> None:
    try:
        ledger.note(variables, message)
    except OSError:
        pass


def label(event) -> str:
    """The event's id for a note, when it is one."""
    event_id = event.get("event_id") if isinstance(event, dict) else None
    return event_id if isinstance(event_id, str) and len(event_id) == 36 and event_id.count("-") == 4 else "(no id)"


def retry_after_seconds(value):
    """Retry-After as seconds from now (delta-seconds or an HTTP date), None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def parse(data: bytes):
    try:
        event = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return None
    return event if isinstance(event, dict) else None


def remove_stale_temporary_files(variables, older_than=60.0) -> None:
    """Temporary files of shims killed mid-write; one dated in the future (the clock went back) is not
    trusted to be fresh."""
    folder = paths.spool_folder(variables)
    try:
        entries = os.listdir(folder)
    except OSError:
        return
    for name in entries:
        path = os.path.join(folder, name)
        try:
            if name.startswith(".") and abs(time.time() - os.stat(path).st_mtime) > older_than:
                os.unlink(path)
        except OSError:
            pass


if __name__ == "__main__":
    sys.exit(main())
