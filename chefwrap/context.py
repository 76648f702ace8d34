"""The context the RFC asks for: community cookbooks and their versions, Test Kitchen plugins and
platforms, and the versions of the Chef tools. Public names only: a name is reported only when its
public origin is proven (chefwrap.public_names); everything else is counted, never named.

- cookbooks: from the nearest Policyfile.lock.json or Berksfile.lock, walking up from the working
  directory as the opt-out walk does. A Policyfile lock entry is public when its artifact server is the
  public Supermarket's download URL for that cookbook and version. A Berksfile.lock cannot prove where a
  cookbook came from (the sources live in the Berksfile), so only Berkshelf's old JSON locks, which name a
  site per cookbook, can name one; everything else is a count.
- kitchen: for kitchen commands, from the kitchen.yml in use and its local override: the driver,
  provisioner, verifier and transport when they are public plugins, and platforms that are generic OS
  names or public bento/dokken boxes. ERB is never evaluated; settings, suites and URLs are never read.
- versions: from files next to the real tool (a Workstation version manifest, the gems' specifications),
  never by running anything.

It runs in the shim after the tool has exited, under a time budget, reads no file over 1 MiB, and keeps
its results in a cache keyed by the files' identity (device, inode, size, modification time): no name
or path is ever written down. A broken or unreadable file costs nothing and prints nothing.
"""

import os
import time

from chefwrap import files, public_names
from chefwrap.chef_dir import own_dir
from chefwrap.folders import nearest, working_folder

BUDGET_SECONDS = 0.2
MAX_FILE_BYTES = 1024 * 1024
MAX_NAMES = 100
CACHE_ENTRIES = 64
LOCK_FILES = ("Policyfile.lock.json", "Berksfile.lock")
KITCHEN_FILES = ("kitchen.yml", ".kitchen.yml")
KITCHEN_LOCAL_FILES = ("kitchen.local.yml", ".kitchen.local.yml")
# The gems whose specifications give each tool's version; the Workstation's own version comes from its manifest.
VERSIONED_GEMS = {"chef": "chef", "knife": "knife", "test-kitchen": "kitchen", "chef-cli": "chef-cli"}
# A cached value must be plain text of these characters: no space, comma, colon or equals sign.
SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/@+")


class OutOfTime(Exception):
    pass


def gather(tool, real, env, keep=True) -> dict:
    """Extra event properties for a run of `tool` (real: the real tool's path), within the time budget.
    keep=False leaves no trace on disk, not even in the cache (debug mode, preview)."""
    import _signal as signal

    def out_of_time(signum, frame):
        raise OutOfTime()

    found = {}
    previous = signal.signal(signal.SIGALRM, out_of_time)
    signal.setitimer(signal.ITIMER_REAL, BUDGET_SECONDS)
    try:
        cache = Cache(env)
        folder = working_folder(env)
        found["versions"] = cache.lookup("versions", [os.path.realpath(os.fsdecode(real))], read_versions)
        if folder:
            lock = nearest(folder, LOCK_FILES)
            if lock:
                found["cookbooks"] = cache.lookup("cookbooks", [lock], read_cookbooks)
            if tool == "kitchen":
                kitchen_files = kitchen_configuration(folder, env)
                if kitchen_files:
                    found["kitchen"] = cache.lookup("kitchen", kitchen_files, read_kitchen)
        if keep:
            cache.save()
    except Exception:  # OutOfTime, and anything a damaged file or cache may throw
        pass
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    return {name: value for name, value in found.items() if value}


def as_properties(found: dict) -> dict:
    """The gathered context as the event carries it."""
    properties = {}
    cookbooks = found.get("cookbooks")
    if cookbooks:
        named = [entry.split("@", 1) for entry in cookbooks.get("public", [])]
        properties["cookbooks"] = {
            "source": cookbooks.get("source"),
            "public": [{"name": name, "version": version} for name, version in named],
            "other": cookbooks.get("other", 0),
        }
    if found.get("kitchen"):
        properties["kitchen"] = dict(found["kitchen"])
    if found.get("versions"):
        properties["versions"] = dict(found["versions"])
    return properties


# Where to look

def kitchen_configuration(folder, env) -> list:
    """The kitchen.yml in use and its local override, as kitchen finds them (in the working folder)."""
    base = env.get("KITCHEN_YAML") or first_existing(folder, KITCHEN_FILES)
    if not base or not os.path.isfile(os.path.join(folder, base)):
        return []
    local = env.get("KITCHEN_LOCAL_YAML") or first_existing(folder, KITCHEN_LOCAL_FILES)
    paths = [os.path.join(folder, base)]
    if local and os.path.isfile(os.path.join(folder, local)):
        paths.append(os.path.join(folder, local))
    return paths


def first_existing(folder, names):
    for name in names:
        if os.path.isfile(os.path.join(folder, name)):
            return name
    return None


def read_small(path) -> bytes:
    if os.path.getsize(path) > MAX_FILE_BYTES:
        raise ValueError("too large to read")
    with open(path, "rb") as stream:
        return stream.read(MAX_FILE_BYTES + 1)


# Cookbooks

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


# Test Kitchen

def read_kitchen(paths) -> dict:
    documents = [load_yaml(read_small(path)) for path in paths]
    if not isinstance(documents[0], dict):
        return {}
    merged = {}
    for document in documents:
        if isinstance(document, dict):
            for key in ("driver", "provisioner", "verifier", "transport", "platforms"):
                if key in document:
                    merged[key] = document[key]
    found, other_plugins = {}, 0
    for kind, public in public_names.PUBLIC_KITCHEN_PLUGINS.items():
        name = plugin_name(merged.get(kind))
        if name is None:
            continue
        if name in public:
            found[kind] = name
        else:
            other_plugins += 1
    platforms, other_platforms = [], 0
    for platform in merged.get("platforms") or []:
        shown = public_platform(platform)
        if shown:
            platforms.append(shown)
        else:
            other_platforms += 1
    found["platforms"] = sorted(set(platforms))[:MAX_NAMES]
    found["other_plugins"] = other_plugins
    found["other_platforms"] = other_platforms + max(0, len(set(platforms)) - MAX_NAMES)
    return found


def load_yaml(data: bytes):
    """YAML with every ERB tag blanked out (never evaluated); PyYAML is imported only here."""
    import re

    try:
        import yaml
    except ImportError:  # the shim runs without site-packages; PyYAML lives there
        import site
        import sys

        sys.path.extend(site.getsitepackages())
        import yaml
    text = re.sub(r"<%.*?%>", "", data.decode("utf-8"), flags=re.DOTALL)
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def plugin_name(section):
    if isinstance(section, str):
        return section
    if isinstance(section, dict) and isinstance(section.get("name"), str):
        return section["name"]
    return None


def public_platform(platform):
    """A platform's public name: a generic OS name, or a public box or image; None otherwise."""
    if not isinstance(platform, dict):
        return None
    name = platform.get("name")
    if isinstance(name, str) and generic_os(name):
        return name.lower()
    driver = platform.get("driver") or platform.get("driver_config") or {}
    if isinstance(driver, dict):
        for key in ("box", "image"):
            box = driver.get(key)
            if isinstance(box, str) and public_box(box):
                return box.lower()
    return None


def generic_os(name: str) -> bool:
    """ubuntu-22.04, centos-stream-9, windows-2019, debian-12-arm64 ..."""
    name = name.lower()
    for suffix in public_names.ARCHITECTURE_SUFFIXES:
        if suffix and name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    family, _, version = name.rpartition("-")
    return family in public_names.PUBLIC_OS_FAMILIES and plain_version(version)


def public_box(box: str) -> bool:
    """bento/ubuntu-22.04, dokken/centos-stream-9; not with a tag or digest, which may be anything."""
    box = box.lower()
    for prefix in public_names.PUBLIC_BOX_PREFIXES:
        if box.startswith(prefix):
            return generic_os(box[len(prefix) :])
    return False


# Versions

def read_versions(paths) -> dict:
    (real,) = paths
    root = os.path.dirname(os.path.dirname(real))
    versions = {}
    manifest = os.path.join(root, "version-manifest.json")
    if os.path.isfile(manifest):
        import json

        content = json.loads(read_small(manifest))
        if content.get("name") in ("chef-workstation", "chefdk") and plain_version(content.get("build_version")):
            versions["workstation" if content["name"] == "chef-workstation" else "chefdk"] = content["build_version"]
    for folder in specification_folders(root):
        for name in os.listdir(folder):
            gem_and_version = gem_version(name)
            if gem_and_version:
                product, version = gem_and_version
                if newer(version, versions.get(product)):
                    versions[product] = version
    return versions


def specification_folders(root) -> list:
    """Where the gems next to the real tool keep their specifications: an Omnibus install's embedded
    Ruby, or the gem home a rubygems binstub lives in."""
    folders = [os.path.join(root, "specifications")]
    gems = os.path.join(root, "embedded", "lib", "ruby", "gems")
    if os.path.isdir(gems):
        folders += [os.path.join(gems, abi, "specifications") for abi in sorted(os.listdir(gems))]
    return [folder for folder in folders if os.path.isdir(folder)]


def gem_version(file_name):
    """("knife", "18.4.2") from knife-18.4.2.gemspec; None for gems that are not versioned here."""
    if not file_name.endswith(".gemspec"):
        return None
    stem = file_name[: -len(".gemspec")]
    for gem, product in VERSIONED_GEMS.items():
        if stem.startswith(gem + "-"):
            version = stem[len(gem) + 1 :].split("-")[0]
            if plain_version(version):
                return product, version
    return None


def newer(version, than) -> bool:
    return than is None or tuple(int(part) for part in version.split(".")) > tuple(int(part) for part in than.split("."))


def plain_version(text) -> bool:
    parts = text.split(".") if isinstance(text, str) else []
    return 1 <= len(parts) <= 4 and all(part.isdigit() and len(part) <= 10 for part in parts)


def plain_name(text) -> bool:
    return isinstance(text, str) and 0 < len(text) <= 64 and all(character in SAFE and character not in "/@+" for character in text)


# The cache

class Cache:
    """Results by the identity of the files they came from: `kind signature key:type=value ...` a line."""

    def __init__(self, env):
        self.path = os.path.join(own_dir(env), "context-cache")
        self.lines = []
        self.changed = False
        try:
            with open(self.path, "rb") as stream:
                self.lines = stream.read(256 * 1024).decode("ascii").splitlines()[-CACHE_ENTRIES:]
        except (OSError, UnicodeDecodeError):
            pass

    def lookup(self, kind, paths, read):
        key = f"{kind} {signature(paths)}"
        for line in reversed(self.lines):
            if line.startswith(key + " ") or line == key:
                return decode(line[len(key) + 1 :])
        try:
            value = read(paths)
        except OutOfTime:
            raise
        except Exception:
            value = {}
        encoded = encode(value)
        if encoded is not None:
            self.lines.append(f"{key} {encoded}".rstrip())
            self.changed = True
        return value if encoded is not None else {}

    def save(self):
        if self.changed:
            data = "".join(line + "\n" for line in self.lines[-CACHE_ENTRIES:]).encode("ascii")
            files.write_atomically(self.path, data, mode=0o600, durable=False)


def signature(paths) -> str:
    """Which files, in which state, without naming them."""
    parts = []
    for path in paths:
        try:
            status = os.stat(path)
            parts.append(f"{status.st_dev}.{status.st_ino}.{status.st_size}.{status.st_mtime_ns}")
        except OSError:
            parts.append("-")
    return "+".join(parts)


def encode(value: dict):
    """`key:s=text key:i=3 key:l=a,b`; None if anything is not plain enough to be written down."""
    tokens = []
    for key, item in value.items():
        if isinstance(item, bool) or not set(key) <= SAFE:
            return None
        if isinstance(item, int):
            tokens.append(f"{key}:i={item}")
        elif isinstance(item, str) and item and set(item) <= SAFE:
            tokens.append(f"{key}:s={item}")
        elif isinstance(item, list) and all(isinstance(x, str) and x and set(x) <= SAFE for x in item):
            tokens.append(f"{key}:l={','.join(item)}")
        else:
            return None
    return " ".join(tokens)


def decode(text: str) -> dict:
    value = {}
    for token in text.split():
        head, _, item = token.partition("=")
        key, _, kind = head.partition(":")
        if not (set(key) <= SAFE and set(item) <= SAFE | {","}):
            return {}
        if kind == "i" and item.lstrip("-").isdigit():
            value[key] = int(item)
        elif kind == "s":
            value[key] = item
        elif kind == "l":
            value[key] = [x for x in item.split(",") if x]
        else:
            return {}
    return value
