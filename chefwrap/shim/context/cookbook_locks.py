"""Community cookbooks and their versions, from the nearest Policyfile.lock.json or Berksfile.lock.

A Policyfile lock entry is public when its artifact server is the public Supermarket's download URL
for that very cookbook and version. A Berksfile.lock cannot prove where a cookbook came from (the
sources live in the Berksfile), so only Berkshelf's old JSON locks, which name a site per cookbook,
can name one; everything else is a count.
"""

from chefwrap.shim.context import public_names
from chefwrap.shim.context.limits import MAX_NAMES, plain_name, plain_version, read_small

LOCK_FILES = ("Policyfile.lock.json", "Berksfile.lock")


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
    public = []
    for name, entry in locks.items():
        if isinstance(entry, dict) and from_public_supermarket(name, entry):
            public.append(f"{name}@{entry['version']}")
    return named_and_counted("policyfile", public, len(locks))


def from_public_supermarket(name, entry) -> bool:
    """The lock entry's artifact server is the public Supermarket's download URL for this very cookbook."""
    version = entry.get("version")
    options = entry.get("source_options")
    if not (plain_name(name) and plain_version(version) and isinstance(options, dict)):
        return False
    url = options.get("artifactserver")
    if not isinstance(url, str):
        return False
    for host in public_names.PUBLIC_SUPERMARKET_HOSTS:
        for authority in (host, host + ":443"):
            if url == f"https://{authority}/api/v1/cookbooks/{name}/versions/{version}/download":
                return True
    return False


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
    """Berkshelf 1 and 2 wrote JSON, with a `site` for each cookbook that came from one."""
    import json

    lock = json.loads(text)
    sources = lock.get("sources") or lock.get("dependencies") or {}
    if not isinstance(sources, dict):
        return {}
    public = []
    for name, entry in sources.items():
        if not isinstance(entry, dict) or not plain_name(name):
            continue
        site = entry.get("site")
        version = entry.get("locked_version")
        located_elsewhere = any(key in entry for key in ("path", "git", "github", "chef_api"))
        if isinstance(site, str) and site.rstrip("/") in public_names.PUBLIC_BERKSHELF_SITES and plain_version(version) and not located_elsewhere:
            public.append(f"{name}@{version}")
    return named_and_counted("berkshelf", public, len(sources))


def named_and_counted(source, public, total) -> dict:
    public = sorted(set(public))[:MAX_NAMES]
    return {"source": source, "public": public, "other": total - len(public)}
