"""The detached sender: posts spooled events, freshest first, one per request, then exits.

Started by a shim with the sender lock already held (`--lock-fd N`), or by hand (it then takes the
lock itself, or leaves if another sender has it). It never learns an event from its argv or its
environment: it reads the spool.

- One requests.Session (one kept-alive connection), connect and read time-outs.
- 2xx: the event is sent; it goes to the ledger with where it went, and leaves the spool.
- Connection errors, 408, 429 and 5xx: retried with exponential back-off and jitter (Retry-After is
  honoured), at most MAX_ATTEMPTS times in a row; then the sender gives up for the rest of its life,
  leaves the events in the spool and writes when the next sender may try (at most a minute away),
  so a firewalled machine sends a trickle, never a storm.
- Any other 4xx: the endpoint will never take that event; it is dropped and noted in the local log.
- Before each post it asks again whether this user still shares (chefwrap.consent.recorded_decision):
  after `chefwrap telemetry disable` nothing more leaves, after `local` events stay in the ledger.
- A hard lifetime cap (an alarm ends it even inside a request); it exits as soon as the spool is empty.
- The lock file holds its pid, so `chefwrap telemetry forget` can stop it (psutil checks it is ours).
"""

import argparse
import http.client
import json
import os
import random
import signal
import sys
import time
from email.utils import parsedate_to_datetime

import requests

from chefwrap import files, paths
from chefwrap.delivery import ledger, spool, starter
from chefwrap.shim import consent

CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 5.0
MAX_ATTEMPTS = 5
FIRST_DELAY = 1.0
LONGEST_DELAY = 30.0
LONGEST_PAUSE = 60.0  # between a sender giving up and the next one trying: delivery resumes within a minute
LIFETIME = 300.0
RETRYABLE = {408, 429}


class GiveUp(Exception):
    """Stop sending for the rest of this sender's life; `until` is when the next one may try."""

    def __init__(self, until):
        self.until = until


def main(argv=None) -> int:
    options = argparse.ArgumentParser(prog="python -m chefwrap.delivery.sender")
    options.add_argument("--lock-fd", type=int, help="an inherited descriptor of the sender lock, already locked")
    args = options.parse_args(argv)
    env = dict(os.environ)
    os.chdir("/")  # never keep the caller's folder busy
    lock = args.lock_fd if args.lock_fd is not None else starter.take_sender_lock(env)
    if lock is None:
        return 0
    sender = Sender(env)
    # The hard cap: requests' time-outs are per read, so a trickling endpoint could keep us forever.
    # Past the lifetime and one last request's time-outs, SIGALRM ends the process; the spool keeps all.
    signal.alarm(int(tuning(env, "LIFETIME", LIFETIME) + 2 * sum(sender.timeout)) + 1)
    try:
        while True:
            note_pid(lock)
            sender.send_all()
            # A shim that spooled an event while we held the lock did not start a sender: look again
            # once the lock is free, and carry on if there is more and nobody else took over.
            os.close(lock)
            if not sender.pending() or time.monotonic() > sender.deadline:
                return 0
            lock = starter.take_sender_lock(env)
            if lock is None:
                return 0
    except GiveUp as pause:
        write_pause(env, pause.until, sender.longest_pause)
        return 0
    finally:
        sender.close()


def note_pid(lock) -> None:
    try:
        os.ftruncate(lock, 0)
        os.pwrite(lock, f"{os.getpid()}\n".encode(), 0)
    except OSError:
        pass



def tuning(env, name, default) -> float:
    """A timing from CHEFWRAP_SENDER_<name> (tests shorten them), else the default."""
    try:
        value = float(env.get(f"CHEFWRAP_SENDER_{name}", default))
    except ValueError:
        return default
    return value if value > 0 else default


class Sender:
    def __init__(self, env):
        self.env = env
        self.deadline = time.monotonic() + tuning(env, "LIFETIME", LIFETIME)
        self.first_delay = tuning(env, "FIRST_DELAY", FIRST_DELAY)
        self.timeout = (tuning(env, "TIMEOUT", CONNECT_TIMEOUT), tuning(env, "TIMEOUT", READ_TIMEOUT))
        self.longest_pause = tuning(env, "LONGEST_PAUSE", LONGEST_PAUSE)
        self.failures = 0
        self.skipped = set()  # records that cannot be read or removed: never looked at twice
        self._session = None

    @property
    def session(self):
        if self._session is None:
            self._session = http_session()
            self._session.headers["Content-Type"] = "application/json"
        return self._session

    def close(self):
        if self._session is not None:
            self._session.close()

    def pending(self) -> list:
        return [name for name in spool.names(self.env) if name not in self.skipped]

    def send_all(self):
        spool.trim(self.env, max_bytes=spool.MAX_TOTAL_BYTES)
        remove_stale_temporary_files(self.env)
        while time.monotonic() < self.deadline:
            pending = self.pending()
            if not pending:
                return
            for name in pending:
                if time.monotonic() >= self.deadline:
                    return
                self.deliver(name)

    def deliver(self, name):
        try:
            record = spool.read(self.env, name)
        except (OSError, ValueError) as problem:
            self.discard(name, f"skipped a damaged or unreadable spool record ({type(problem).__name__})")
            return
        if record is None:
            return
        destination, data = record
        event = parse(data)
        if event is None:
            self.discard(name, f"skipped a damaged spool record ({len(data)} bytes)")
            return
        if destination == spool.KEEP_LOCALLY:
            self.keep_locally(name, event)
            return
        decision = consent.recorded_decision(self.env)
        if decision is None or decision.outcome == consent.OFF:
            self.discard(name, "dropped an event: data sharing was turned off before it was sent")
            return
        if decision.outcome == consent.LOCAL:
            self.keep_locally(name, event)
            return
        url = destination.rstrip("/") + "/events"
        status = self.post_with_retries(url, data)
        if 200 <= status < 300:
            remember(self.env, event, url, status)
            clear_pause(self.env)
        else:
            note(self.env, f"dropped event {event.get('event_id')}: the endpoint answered HTTP {status}")
        self.discard(name)

    def keep_locally(self, name, event):
        remember(self.env, event, None, None)
        self.discard(name)

    def discard(self, name, why=None):
        if why:
            note(self.env, why)
        try:
            spool.remove(self.env, name)
        except OSError:
            self.skipped.add(name)

    def post_with_retries(self, url, data) -> int:
        """The final HTTP status for this event, or GiveUp."""
        while True:
            retry_after = None
            try:
                response = self.session.post(url, data=data, timeout=self.timeout, allow_redirects=False)
                status = response.status_code
                response.close()
                if status < 500 and status not in RETRYABLE:
                    self.failures = 0
                    return status
                retry_after = retry_after_seconds(response.headers.get("Retry-After"))
            except (requests.RequestException, http.client.HTTPException, OSError):
                pass  # no connection, a time-out, a garbage answer: worth another try
            self.failures += 1
            self.wait_before_retry(retry_after)

    def wait_before_retry(self, retry_after):
        delay = backoff_delay(self.failures, self.first_delay)
        if retry_after is not None:
            delay = max(delay, retry_after)
        if self.failures >= MAX_ATTEMPTS or time.monotonic() + delay > self.deadline:
            raise GiveUp(time.time() + delay)
        time.sleep(delay)


def http_session():
    """A requests session that takes proxies and CA bundles from the environment but never credentials:
    requests would otherwise send ~/.netrc's login to the endpoint."""
    session = requests.Session()
    session.auth = lambda request: request
    return session


def remember(env, event, url, status) -> None:
    """The ledger entry; a ledger that cannot be written must not make an event be sent twice."""
    try:
        ledger.record(env, event, endpoint=url, status=status)
    except OSError:
        pass


def note(env, message) -> None:
    try:
        ledger.note(env, message)
    except OSError:
        pass


def backoff_delay(failures: int, first_delay: float = FIRST_DELAY) -> float:
    """Exponential back-off with jitter: between half and all of 1, 2, 4 ... seconds."""
    ceiling = min(LONGEST_DELAY, first_delay * 2 ** (failures - 1))
    return random.uniform(ceiling / 2, ceiling)


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


def write_pause(env, until, longest_pause=LONGEST_PAUSE) -> None:
    until = min(until, time.time() + longest_pause)
    try:
        files.write_atomically(paths.backoff_file(env), f"{until:.3f}\n".encode(), mode=0o600, durable=False)
    except OSError:
        pass


def clear_pause(env) -> None:
    files.remove(paths.backoff_file(env))


def parse(data: bytes):
    try:
        event = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return None
    return event if isinstance(event, dict) else None


def remove_stale_temporary_files(env, older_than=60.0) -> None:
    """Temporary files of shims killed mid-write."""
    folder = paths.spool_folder(env)
    try:
        entries = os.listdir(folder)
    except OSError:
        return
    for name in entries:
        path = os.path.join(folder, name)
        try:
            if name.startswith(".") and time.time() - os.stat(path).st_mtime > older_than:
                os.unlink(path)
        except OSError:
            pass


if __name__ == "__main__":
    sys.exit(main())
