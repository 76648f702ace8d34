"""Erasure on request (`chefwrap telemetry forget`): every endpoint is asked to erase the sessions this
machine sent it (the ledger knows them; nobody else does), then they are forgotten here: ledger entries,
events still waiting to be sent, and the live session id. A session an endpoint could not erase stays
in the ledger, so forget can try again.

The whole protocol holds the sender lock, so no sender posts from the spool or writes the ledger
meanwhile; a running sender is stopped (its events stay in the spool).
"""

import json
import os
import time
from dataclasses import dataclass, field

from chefwrap import files, paths
from chefwrap.delivery import ledger, spool, starter
from chefwrap.shim import session

ERASED_STATUSES = (200, 202, 204, 404)  # 404: the endpoint never had it


class SenderBusy(Exception):
    """A sender holds the lock and would not stop."""


@dataclass
class Outcome:
    erased: dict = field(default_factory=dict)  # {endpoint: [session ids erased there]}
    failed: list = field(default_factory=list)  # [(endpoint, session id, what went wrong)]
    never_left: set = field(default_factory=set)  # session ids only ever kept here


def forget(env, lock_timeout=10.0) -> Outcome:
    outcome = Outcome()
    if not os.path.isdir(paths.own_dir(env)):
        return outcome
    had_lock_file = os.path.exists(paths.sender_lock(env))
    descriptor = _hold_sender_lock(env, lock_timeout)
    try:
        sent = sessions_by_endpoint(ledger.entries(env))
        kept_here = sent.pop(None, set())
        pending = {session_of(spool.read_or_none(env, name)) for name in spool.names(env)} - {None}
        outcome.never_left = (kept_here | pending) - {s for ids in sent.values() for s in ids}
        for endpoint, session_ids in sorted(sent.items()):
            for session_id in sorted(session_ids):
                problem = erase_at(endpoint, session_id)
                if problem:
                    outcome.failed.append((endpoint, session_id, problem))
                else:
                    outcome.erased.setdefault(endpoint, []).append(session_id)
        kept = {session_id for _, session_id, _ in outcome.failed}
        erased = {s for ids in outcome.erased.values() for s in ids}
        forget_locally(env, (outcome.never_left | erased) - kept)
    finally:
        if not had_lock_file:
            files.remove(paths.sender_lock(env))
        os.close(descriptor)
    _remove_if_empty(paths.own_dir(env))
    return outcome


def _remove_if_empty(folder) -> None:
    """After `chefwrap uninstall`, forget may leave chefwrap's state folder empty: it goes too."""
    try:
        os.rmdir(folder)
    except OSError:
        pass


def sessions_by_endpoint(entries) -> dict:
    """{endpoint (None: kept locally): {session ids}} from the ledger."""
    found = {}
    for entry in entries:
        session_id = entry["event"].get("session_id")
        if isinstance(session_id, str):
            endpoint = entry.get("endpoint")
            base = endpoint[: -len("/events")] if isinstance(endpoint, str) and endpoint.endswith("/events") else endpoint
            found.setdefault(base, set()).add(session_id)
    return found


def session_of(record):
    try:
        return json.loads(record[1]).get("session_id")
    except (TypeError, ValueError, AttributeError, IndexError):
        return None


def erase_at(endpoint, session_id):
    """None when the endpoint erased the session (or never had it); otherwise what went wrong."""
    import requests

    from chefwrap.delivery.sender import http_session

    try:
        with http_session() as http:
            response = http.delete(f"{endpoint}/sessions/{session_id}", timeout=(3, 10), allow_redirects=False)
    except requests.RequestException as problem:
        return f"no answer ({type(problem).__name__})"
    if response.status_code in ERASED_STATUSES:
        return None
    return f"HTTP {response.status_code}"


def forget_locally(env, erased) -> None:
    """Drop the erased sessions from the ledger (removing it when nothing is left), the spool and the
    session file."""
    entries = ledger.entries(env)
    kept = [entry for entry in entries if entry["event"].get("session_id") not in erased]
    if not kept:
        files.remove(paths.ledger_file(env))
    elif len(kept) != len(entries):
        ledger.replace(env, kept)
    for name in spool.names(env):
        if session_of(spool.read_or_none(env, name)) in erased:
            spool.remove(env, name)
    if session.peek(env) in erased:
        session.end(env)


def _hold_sender_lock(env, timeout):
    """The sender lock's descriptor, stopping a running sender to get it."""
    deadline = time.monotonic() + timeout
    descriptor = starter.take_sender_lock(env)
    while descriptor is None:
        # Not to be had: a lock file that cannot be opened says so here (OSError), a busy one does not.
        os.close(os.open(paths.sender_lock(env), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600))
        running = starter.running_sender(env)
        if running is not None:
            running.terminate()
        if time.monotonic() > deadline:
            raise SenderBusy("a sender is busy and would not stop; try `chefwrap telemetry forget` again in a minute")
        time.sleep(0.1)
        descriptor = starter.take_sender_lock(env)
    return descriptor
