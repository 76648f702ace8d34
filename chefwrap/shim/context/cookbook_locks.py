"""Community cookbooks and their versions, from the nearest Policyfile.lock.json or Berksfile.lock.

A lock entry is named only when every location it states is the public Supermarket's: the host compared
without regard to case, any other location key, known or unknown, makes it a count (chef-cli fetches
from the first of git, github, path, artifactserver, chef_server... that an entry names, so a public
artifact server beside a `git` key proves nothing). A Berksfile.lock cannot prove where a cookbook came
from (the sources live in the Berksfile), so only Berkshelf 2's JSON locks, which name a site per
cookbook, can name one; everything else is a count.
"""

from chefwrap.shim.context import public_names
from chefwrap.shim.context.limits import MAX_NAMES, read_small, storable
from chefwrap.shim.version_rule import public_version

LOCK_FILES = ("Policyfile.lock.json", "Berksfile.lock")
# What a Policyfile lock entry of a Supermarket cookbook holds (chef-cli's CookbookLock#lock_data):
# facts of the cookbook itself, and the locations, each checked. Any other key makes it a count.
POLICYFILE_FACTS = frozenset(("version", "identifier", "dotted_decimal_identifier"))
POLICYFILE_LOCATIONS = frozenset(("origin", "cache_key", "source_options"))
ARTIFACT_SERVER_OPTIONS = frozenset(("artifactserver", "version"))
# What Berkshelf 2 writes for a cookbook from a site (CookbookSource#to_hash): its version and the site.
BERKSHELF_SITE_KEYS = frozenset(("locked_version", "site"))
DEFAULT_PORTS = {"https": ":443", "http": ":80"}
LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
COOKBOOK_NAME_CHARACTERS = LETTERS | frozenset("0123456789_-")


def read_cookbooks(paths) -> dict:
    (path,) = paths
    data = read_small(path)
    if path.endswith(".json"):
        return policyfile_cookbooks(data)
    return berkshelf_cookbooks(data)


def policyfile_cookbooks(data: bytes) -> dict:
    import json

    locks = json.loads(data).get("cookbook_locks")
    if not isinstance(locks, dict):
        return {}
    public = [f"{name}@{entry['version']}" for name, entry in locks.items() if from_public_supermarket(name, entry)]
    return named_and_counted("policyfile", public, len(locks))


def from_public_supermarket(name, entry) -> bool:
    """Every location the lock entry states is the public Supermarket's download URL for this very
    cookbook and version, and it states nothing else."""
    if not (isinstance(entry, dict) and cookbook_name(name) and public_version(entry.get("version"))):
        return False
    version = entry["version"]
    options = entry.get("source_options")
    if not set(entry) <= POLICYFILE_FACTS | POLICYFILE_LOCATIONS or not isinstance(options, dict):
        return False
    if not set(options) <= ARTIFACT_SERVER_OPTIONS or options.get("version", version) != version:
        return False
    downloads = [f"https://{host}/api/v1/cookbooks/{name}/versions/{version}/download" for host in public_names.PUBLIC_SUPERMARKET_HOSTS]
    origin, cache_key = entry.get("origin"), entry.get("cache_key")
    return (
        any(same_location(options.get("artifactserver"), download) for download in downloads)
        and (origin is None or any(same_location(origin, download) for download in downloads))
        and (cache_key is None or public_cache_key(cache_key, f"{name}-{version}-"))
    )


def public_cache_key(cache_key, prefix) -> bool:
    """chef-cli's cache key of a Supermarket cookbook: `<name>-<version>-<the artifact server's host>`."""
    return (isinstance(cache_key, str) and cache_key.isascii() and cache_key.startswith(prefix)
            and cache_key[len(prefix) :].lower() in public_names.PUBLIC_SUPERMARKET_HOSTS)


def cookbook_name(name) -> bool:
    """The public Supermarket's rule for a cookbook's name (/\\A[\\w_-]+\\z/: ASCII letters, digits, `_`,
    `-`; no dot, so never an address), with a letter in it: digits alone may be a phone number or a date."""
    return isinstance(name, str) and 0 < len(name) <= 64 and set(name) <= COOKBOOK_NAME_CHARACTERS and not LETTERS.isdisjoint(name)


def same_location(url, public) -> bool:
    """`url` is the public URL `public`: scheme and host compared without regard to case (ASCII only, so
    no look-alike letter lowers into a public host), a default port allowed, the path exactly."""
    if not (isinstance(url, str) and url.isascii()):
        return False
    return split_url(url) == split_url(public)


def split_url(url):
    scheme, separator, rest = url.partition("://")
    authority, slash, path = rest.partition("/")
    scheme, authority = scheme.lower(), authority.lower()
    default_port = DEFAULT_PORTS.get(scheme)
    if default_port and authority.endswith(default_port):
        authority = authority[: -len(default_port)]
    return scheme, separator, authority, (slash + path).rstrip("/")


def berkshelf_cookbooks(data: bytes) -> dict:
    text = data.decode("utf-8")
    if text.lstrip().startswith("{"):
        return old_berkshelf_cookbooks(text)
    graph, section = 0, None
    for line in text.splitlines():
        if line in ("DEPENDENCIES", "GRAPH"):
            section = line
        elif section == "GRAPH" and line.startswith("  ") and not line.startswith("    ") and line.strip():
            graph += 1
    return named_and_counted("berkshelf", [], graph)


def old_berkshelf_cookbooks(text: str) -> dict:
    """Berkshelf 2 wrote JSON, with a `site` for each cookbook that came from one other than its default."""
    import json

    lock = json.loads(text)
    sources = lock.get("sources") or lock.get("dependencies") or {}
    if not isinstance(sources, dict):
        return {}
    public = [f"{name}@{entry['locked_version']}" for name, entry in sources.items() if from_public_site(name, entry)]
    return named_and_counted("berkshelf", public, len(sources))


def from_public_site(name, entry) -> bool:
    """The entry states a public site and its version, and nothing else (no path, git, ref, branch, rel...)."""
    return (
        isinstance(entry, dict)
        and set(entry) == BERKSHELF_SITE_KEYS
        and cookbook_name(name)
        and public_version(entry["locked_version"])
        and any(same_location(entry["site"], site) for site in public_names.PUBLIC_BERKSHELF_SITES)
    )


def named_and_counted(source, public, total) -> dict:
    """The public names (each one that could not be kept or sent is counted instead), and the count of the rest."""
    public = sorted({name for name in public if storable(name)})[:MAX_NAMES]
    return {"source": source, "public": public, "other": total - len(public)}
