"""Redirects an endpoint answers: which one events follow, and where an endpoint moved for good.

Events follow one kind only: a permanent redirect (301, 308) of `<endpoint>/events` to `<new>/events` on
the same host, keeping or upgrading the scheme (http to https, never back). It is remembered in
~/.chef/chefwrap/moved (`<endpoint> <new endpoint>` a line), so events go straight there from then on,
and the erasure of what was sent there asks there. Any other redirect (a temporary one, another host,
https to http, a new address that is not `.../events`) is never followed: the events wait, and
`chefwrap telemetry status` says why (chefwrap.delivery.pauses), because a yes (and a token) is for the
endpoint the user named, not for wherever it points.
"""

from urllib.parse import urljoin, urlsplit

from chefwrap import files, paths
from chefwrap.state import settings

PERMANENT = (301, 308)
REDIRECTS = (301, 302, 303, 307, 308)
MAX_BYTES = 64 * 1024


def target_of(url: str, location) -> str:
    """The absolute URL a Location header names (relative to the request's URL); '' without one."""
    try:
        return urljoin(url, location) if location else ""
    except ValueError:
        return ""


def host_of(url: str) -> str:
    """A redirect's host, for status and the pause file: letters, digits, dots, dashes and colons only."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        host = ""
    return host if host and set(host) <= settings.HOST_CHARACTERS | set(":[]") else "an-unreadable-address"


def moved_to(base: str, status: int, target: str):
    """The new endpoint events follow `base` to, when the redirect (to the absolute URL `target`) is one
    they follow; None otherwise."""
    if status not in PERMANENT or not target:
        return None
    try:
        old, new = urlsplit(base), urlsplit(target)
        same_host = old.hostname is not None and old.hostname == new.hostname
    except ValueError:
        return None
    upgrade_or_same = new.scheme == old.scheme or (old.scheme, new.scheme) == ("http", "https")
    if not (same_host and upgrade_or_same) or new.query or new.fragment or not new.path.endswith("/events"):
        return None
    endpoint = f"{new.scheme}://{new.netloc}{new.path[: -len('/events')]}"
    return None if settings.endpoint_problem(endpoint) else settings.normalize(endpoint)


def load(variables) -> dict:
    """{endpoint: the endpoint it moved to}, for every line that is two endpoints."""
    found = {}
    for line in (files.read_private(paths.moved(variables), MAX_BYTES) or b"").decode("ascii", "replace").splitlines():
        parts = line.split(" ")
        if len(parts) == 2 and not settings.endpoint_problem(parts[0]) and not settings.endpoint_problem(parts[1]):
            found[parts[0]] = parts[1]
    return found


def save(variables, moved: dict) -> None:
    path = paths.moved(variables)
    files.clear_damaged(path)
    if not moved:
        files.remove(path)
        return
    files.write_private(path, "".join(f"{old} {new}\n" for old, new in moved.items()).encode("ascii"), durable=True)
