"""Erasure on request (`chefwrap telemetry forget`): every endpoint is asked to erase every session this
machine ever sent it and that is not erased yet, however long ago (chefwrap.delivery.sent_sessions knows
them, and the ledger those an earlier chefwrap sent; nobody else does), then they are forgotten here:
the record, ledger entries, events still waiting to be sent, and the live session id. A session an
endpoint could not erase stays recorded, so forget can try again.

Each request proves the session is this machine's: `DELETE <endpoint>/sessions/<id>` with the header
`Erase-Key: <the session's key>` (chefwrap.state.erase_key), whose SHA-256 every event of the session
carried. The collector answers 204 when it erased the session's events that carry that hash (or holds
nothing of the session), 403 when it holds events of the session but none with that hash (nothing
erased); 404 comes only from collectors older than erase keys (nothing of the session there). An
endpoint that cannot be reached is asked once, not once a session.

The whole protocol holds the sender lock, so no sender posts from the spool or writes the ledger or the
record meanwhile; a running sender is stopped (its events stay in the spool).
"""

import json
import os
import time
from dataclasses import dataclass, field

from chefwrap import files, paths
from chefwrap.delivery import ledger, sent_sessions, spool, starter
from chefwrap.state import erase_key, session, settings

ERASED_STATUSES = (200, 202, 204, 404)  # 404: the endpoint has nothing of it
WRONG_KEY = 403


class SenderBusy(Exception):
    """A sender holds the lock and would not stop."""


@dataclass
class Outcome:
    erased: dict = field(default_factory=dict)  # {endpoint: [session ids erased there]}
    failed: list = field(default_factory=list)  # [(endpoint, session id, what went wrong)]
    unreachable: dict = field(default_factory=dict)  # {endpoint: why it could not be reached}
    never_left: set = field(default_factory=set)  # session ids only ever kept here


class Unreachable(Exception):
    """No answer from the endpoint: its other sessions are not asked for."""


def forget(variables, lock_timeout=10.0) -> Outcome:
    outcome = Outcome()
    if not os.path.isdir(paths.own_dir(variables)):
        return outcome
    had_lock_file = os.path.lexists(paths.sender_lock(variables))
    descriptor = _hold_sender_lock(variables, lock_timeout)
    try:
        sent = sent_pairs(variables)
        kept_here = sessions_by_endpoint(ledger.entries(variables)).pop(None, set())
        pending = {session_of(spool.read_or_none(variables, name)) for name in spool.names(variables)} - {None}
        outcome.never_left = (kept_here | pending) - {session_id for _, session_id in sent}
        secret = erase_key.secret(variables, make=False)
        for endpoint, session_ids in group(sent).items():
            erase_all_at(endpoint, session_ids, secret, outcome)
        failed = {(endpoint, session_id) for endpoint, session_id, _ in outcome.failed}
        erased = {session_id for ids in outcome.erased.values() for session_id in ids}
        sent_sessions.replace(variables, [pair for pair in sent if pair in failed])  # the ledger's too: it rolls over
        forget_locally(variables, (outcome.never_left | erased) - {session_id for _, session_id in failed})
    finally:
        if not had_lock_file:
            files.remove(paths.sender_lock(variables))
        os.close(descriptor)
    _remove_if_only_the_secret_is_left(variables)
    return outcome


def sent_pairs(variables) -> list:
    """[(endpoint, session id)] sent and not erased: the record, and what the ledger still names (sessions
    an earlier chefwrap sent before there was a record)."""
    pairs = dict.fromkeys(sent_sessions.load(variables))
    for endpoint, session_ids in sessions_by_endpoint(ledger.entries(variables)).items():
        if endpoint is not None and not settings.endpoint_problem(endpoint):
            pairs.update(dict.fromkeys((settings.normalize(endpoint), session_id) for session_id in sorted(session_ids)))
    return list(pairs)


def group(pairs) -> dict:
    found = {}
    for endpoint, session_id in pairs:
        found.setdefault(endpoint, []).append(session_id)
    return dict(sorted(found.items()))


def erase_all_at(endpoint, session_ids, secret, outcome) -> None:
    for index, session_id in enumerate(session_ids):
        key = erase_key.key(secret, session_id) if secret is not None else None
        try:
            problem = erase_at(endpoint, session_id, key)
        except Unreachable as unreachable:
            outcome.unreachable[endpoint] = str(unreachable)
            outcome.failed += [(endpoint, each, str(unreachable)) for each in session_ids[index:]]
            return
        if problem:
            outcome.failed.append((endpoint, session_id, problem))
        else:
            outcome.erased.setdefault(endpoint, []).append(session_id)


def _remove_if_only_the_secret_is_left(variables) -> None:
    """After `chefwrap uninstall`, once forget erased everything, the secret and the folder go too."""
    folder = paths.own_dir(variables)
    try:
        if set(os.listdir(folder)) <= {os.path.basename(paths.erase_secret(variables))}:
            files.remove(paths.erase_secret(variables))
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


def erase_at(endpoint, session_id, key):
    """None when the endpoint erased the session (or holds nothing of it); otherwise what went wrong.
    Raises Unreachable when there was no answer at all."""
    import requests

    from chefwrap.delivery.sender import http_session

    headers = {"Erase-Key": key} if key else {}
    try:
        with http_session() as http:
            response = http.delete(f"{endpoint}/sessions/{session_id}", headers=headers, timeout=(3, 10), allow_redirects=False)
    except requests.RequestException as problem:
        raise Unreachable(f"could not reach it: {type(problem).__name__}") from None
    if response.status_code in ERASED_STATUSES:
        return None
    if response.status_code == WRONG_KEY:
        if key is None:
            return "HTTP 403: it asks for the session's erase key, and this machine no longer has the secret it is made from"
        return "HTTP 403: it holds the session's events under another erase key, or none; erased nothing"
    return f"HTTP {response.status_code}"


def forget_locally(variables, erased) -> None:
    """Drop the erased sessions from the ledger (removing it when nothing is left), the spool and the
    session file."""
    entries = ledger.entries(variables)
    kept = [entry for entry in entries if entry["event"].get("session_id") not in erased]
    if not kept:
        files.remove(paths.ledger_file(variables))
    elif len(kept) != len(entries):
        ledger.replace(variables, kept)
    for name in spool.names(variables):
        if session_of(spool.read_or_none(variables, name)) in erased:
            spool.remove(variables, name)
    if session.peek(variables) in erased:
        session.end(variables)


def _hold_sender_lock(variables, timeout):
    """The sender lock's descriptor, stopping a running sender to get it."""
    deadline = time.monotonic() + timeout
    descriptor = starter.take_sender_lock(variables)
    while descriptor is None:
        # Not to be had: a lock file that cannot be made says so here (OSError), a busy one does not.
        os.close(os.open(paths.sender_lock(variables), os.O_RDWR | os.O_CREAT | files.PRIVATE_FLAGS, 0o600))
        running = starter.running_sender(variables)
        if running is not None:
            running.terminate()
        if time.monotonic() > deadline:
            raise SenderBusy("a sender is busy and would not stop; try `chefwrap telemetry forget` again in a minute")
        time.sleep(0.1)
        descriptor = starter.take_sender_lock(variables)
    return descriptor
