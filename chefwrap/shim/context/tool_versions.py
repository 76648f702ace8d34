"""The versions of the Chef tools, from files next to the real tool (a Workstation version manifest,
the gems' specifications), never by running anything."""

import os

from chefwrap.shim.context.limits import plain_version, read_small

# The gems whose specifications give each tool's version; the Workstation's own version comes from its manifest.
VERSIONED_GEMS = {"chef": "chef", "knife": "knife", "test-kitchen": "kitchen", "chef-cli": "chef-cli"}


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
