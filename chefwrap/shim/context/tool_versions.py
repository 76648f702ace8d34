"""The versions of the Chef tools, and the gems installed beside the real tool, from files next to it (a
Workstation version manifest, the gems' specifications), never by running anything.

A specification's file name is RubyGems' full name: `<gem>-<version>.gemspec` (a platform gem adds
`-<platform>`). A version holds no `-` (RubyGems writes a pre-release's as `.pre`), so the gem is
everything before the last `-` and the version everything after; a version that fails the version rule
(chefwrap.shim.version_rule) makes the file name nothing: `chef-2024-acme-1.0.0.gemspec` is the gem
`chef-2024-acme`, never chef 2024.
"""

import os

from chefwrap.shim.context.limits import read_small
from chefwrap.shim.version_rule import public_version

# The gems whose specifications give each tool's version; the Workstation's own version comes from its manifest.
VERSIONED_GEMS = {"chef": "chef", "knife": "knife", "test-kitchen": "kitchen", "chef-cli": "chef-cli"}
MANIFEST_PRODUCTS = {"chef-workstation": "workstation", "chefdk": "chefdk"}


def read_versions(paths) -> dict:
    (real,) = paths
    root = tool_root(real)
    versions = manifest_version(os.path.join(root, "version-manifest.json"))
    for gem, version in sorted(specifications(root)):  # sorted: of two spellings of one version (0.0.0, 0.0.00), always the same
        product = VERSIONED_GEMS.get(gem)
        if product and newer(version, versions.get(product)):
            versions[product] = version
    return versions


def manifest_version(path) -> dict:
    """{"workstation": "24.2.1058"} from a Workstation's (or ChefDK's) version manifest; a damaged one
    costs its own version only."""
    if not os.path.isfile(path):
        return {}
    import json

    try:
        content = json.loads(read_small(path))
    except ValueError:  # not JSON, not UTF-8, too large, not a plain file
        return {}
    product = MANIFEST_PRODUCTS.get(content.get("name")) if isinstance(content, dict) and isinstance(content.get("name"), str) else None
    if product and public_version(content.get("build_version")):
        return {product: content["build_version"]}
    return {}


def installed_gems(real) -> frozenset:
    """The gems whose specifications lie beside the real tool `real` (bytes or str): the plugins knife
    can load. Nothing when they cannot be listed, so that a plugin's words are then read as arguments."""
    try:
        return frozenset(gem for gem, _ in specifications(tool_root(os.path.realpath(os.fsdecode(real)))))
    except (OSError, ValueError):
        return frozenset()


def tool_root(real) -> str:
    """The installation the real tool belongs to: an Omnibus install's root, or the gem home of a rubygems binstub."""
    return os.path.dirname(os.path.dirname(real))


def specifications(root):
    """(gem, version) of every specification named exactly `<gem>-<version>.gemspec` beside the tool."""
    for folder in specification_folders(root):
        for name in os.listdir(folder):
            found = gem_and_version(name)
            if found:
                yield found


def specification_folders(root) -> list:
    """Where the gems next to the real tool keep their specifications: an Omnibus install's embedded
    Ruby, or the gem home a rubygems binstub lives in."""
    folders = [os.path.join(root, "specifications")]
    gems = os.path.join(root, "embedded", "lib", "ruby", "gems")
    if os.path.isdir(gems):
        folders += [os.path.join(gems, abi, "specifications") for abi in sorted(os.listdir(gems))]
    return [folder for folder in folders if os.path.isdir(folder)]


def gem_and_version(file_name):
    """("knife", "18.4.2") from knife-18.4.2.gemspec; None unless the name is exactly `<gem>-<version>.gemspec`
    with a version that passes the version rule."""
    if not file_name.endswith(".gemspec"):
        return None
    gem, _, version = file_name[: -len(".gemspec")].rpartition("-")
    if gem and public_version(version):
        return gem, version
    return None


def newer(version, than) -> bool:
    return than is None or tuple(int(part) for part in version.split(".")) > tuple(int(part) for part in than.split("."))
