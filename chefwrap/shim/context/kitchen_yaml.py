"""Test Kitchen's public plugins and platforms, from the kitchen.yml in use and its local override.

The driver, provisioner, verifier and transport when they are public plugins, and platforms that are
generic OS names or public bento/dokken boxes. ERB is never evaluated; settings, suites and URLs are
never read.
"""

import os

from chefwrap.shim.context import public_names
from chefwrap.shim.context.limits import MAX_NAMES, read_small, storable
from chefwrap.shim.version_rule import public_version

KITCHEN_FILES = ("kitchen.yml", ".kitchen.yml")
KITCHEN_LOCAL_FILES = ("kitchen.local.yml", ".kitchen.local.yml")


def kitchen_configuration(folder, variables) -> list:
    """The kitchen.yml in use and its local override, as kitchen finds them (in the working folder)."""
    base = variables.get("KITCHEN_YAML") or first_existing(folder, KITCHEN_FILES)
    if not base or not os.path.isfile(os.path.join(folder, base)):
        return []
    local = variables.get("KITCHEN_LOCAL_YAML") or first_existing(folder, KITCHEN_LOCAL_FILES)
    paths = [os.path.join(folder, base)]
    if local and os.path.isfile(os.path.join(folder, local)):
        paths.append(os.path.join(folder, local))
    return paths


def first_existing(folder, names):
    for name in names:
        if os.path.isfile(os.path.join(folder, name)):
            return name
    return None


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
    listed = merged.get("platforms") or []
    for platform in listed if isinstance(listed, list) else [listed]:
        shown = public_platform(platform)
        if shown and storable(shown):
            platforms.append(shown)
        else:
            other_platforms += 1
    found["platforms"] = sorted(set(platforms))[:MAX_NAMES]
    found["other_plugins"] = other_plugins
    found["other_platforms"] = other_platforms + max(0, len(set(platforms)) - MAX_NAMES)
    return found


def load_yaml(data: bytes):
    """YAML with every ERB tag blanked out (never evaluated); PyYAML, the one chefwrap was installed with
    (chefwrap.isolated), is imported only here."""
    import yaml

    return yaml.load(blank_erb(data.decode("utf-8")), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def blank_erb(text: str) -> str:
    """The text without its ERB tags, in one pass: a tag left open blanks everything after it."""
    kept, position = [], 0
    while True:
        start = text.find("<%", position)
        if start < 0:
            kept.append(text[position:])
            break
        kept.append(text[position:start])
        end = text.find("%>", start + 2)
        if end < 0:
            break
        position = end + 2
    return "".join(kept)


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
    """ubuntu-22.04, centos-stream-9, windows-2019, debian-12-arm64 ...: a public family, then a version
    that passes the version rule. ASCII only, so that lowering a look-alike letter (the Kelvin sign)
    cannot make a public name of it."""
    if not name.isascii():
        return False
    name = name.lower()
    for suffix in public_names.ARCHITECTURE_SUFFIXES:
        if suffix and name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    family, _, version = name.rpartition("-")
    return family in public_names.PUBLIC_OS_FAMILIES and public_version(version)


def public_box(box: str) -> bool:
    """bento/ubuntu-22.04, dokken/centos-stream-9; not with a tag or digest, which may be anything."""
    if not box.isascii():
        return False
    box = box.lower()
    for prefix in public_names.PUBLIC_BOX_PREFIXES:
        if box.startswith(prefix):
            return generic_os(box[len(prefix) :])
    return False
