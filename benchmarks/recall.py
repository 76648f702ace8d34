"""Recall of the sanitizer over command lines from the tools' documentation, and the share of public
context names kept over the test fixtures.

    .venv/bin/python benchmarks/recall.py [--package-root DIR]

Recall: of the options in the corpus (tests/documented_command_lines.py), the share reported by name
rather than as <other-option>; also the share of lines whose command is recognised beyond the tool's
name. Measured twice: on a Workstation with every plugin the grammars know installed beside knife, and
with none (a knife alone, where a plugin's words are arguments).

Context: the fixtures of tests/test_context.py and tests/test_public_names.py, and the names of the
public bento boxes, each with the names in it that are public (labelled here, by hand): how many of
those are named, and how many names that are not public are. A result that cannot be stored (the
cache refuses it, as it refused a non-ASCII name) counts as nothing named, as it is in a real run.

--package-root measures another chefwrap (an older release, unpacked with
`git archive COMMIT chefwrap | tar -x -C DIR`).
"""

import argparse
import json
import os
import shlex
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# bento's public boxes (chef/bento, os_pkrvars/*/NAME-ARCH.pkrvars.hcl), as kitchen.yml names them.
BENTO = [
    "almalinux-8", "almalinux-9", "almalinux-10", "alpine-3.21", "amazonlinux-2", "amazonlinux-2023", "centos-7", "centos-stream-8",
    "centos-stream-9", "centos-stream-10", "debian-10", "debian-11", "debian-12", "debian-13", "fedora-40", "fedora-41", "fedora-42",
    "freebsd-13", "freebsd-14", "freebsd-15", "macos-14", "macos-15", "macos-26", "opensuse-leap-15", "opensuse-leap-16",
    "oraclelinux-8", "oraclelinux-9", "oraclelinux-10", "rhel-8", "rhel-9", "rhel-10", "rockylinux-8", "rockylinux-9", "rockylinux-10",
    "sles-15", "ubuntu-20.04", "ubuntu-22.04", "ubuntu-24.04", "windows-2019", "windows-2022", "windows-11",
]


def measure(sanitizer, corpus, plugins):
    kept = total = commands = 0
    per_tool = {}
    for _, line in corpus:
        tool, *argv = shlex.split(line)
        result = sanitizer.sanitize(tool, argv, plugins(tool)) if plugins else sanitizer.sanitize(tool, argv)
        named = sum(name != sanitizer.UNKNOWN_OPTION for name in result.options)
        kept += named
        total += len(result.options)
        commands += result.command != tool
        counts = per_tool.setdefault(tool, [0, 0])
        counts[0] += named
        counts[1] += len(result.options)
    return kept, total, commands, per_tool


def supermarket_entry(name, version, host="supermarket.chef.io", **changes):
    url = f"https://{host}/api/v1/cookbooks/{name}/versions/{version}/download"
    entry = {"version": version, "identifier": "1a2b", "dotted_decimal_identifier": "1.2.3", "cache_key": f"{name}-{version}-{host}",
             "origin": url, "source_options": {"artifactserver": url, "version": version}}
    for key, value in changes.items():
        entry[key] = {**entry[key], **value} if key == "source_options" else value
    return entry


def fixtures():
    """(what, kind, {file name: bytes}, the public names in it), kind being cookbooks, kitchen or versions."""
    from support import context_files as fixture

    kitchen = "driver: {name: vagrant}\nplatforms:\n" + "".join(f"  - name: {name}\n" for name in BENTO)
    boxes = "platforms:\n" + "".join(f"  - name: b{index}\n    driver: {{box: bento/{name}}}\n" for index, name in enumerate(BENTO))
    specifications = ["knife-18.4.2", "knife-17.10.0", "chef-18.4.2-universal-mingw-ucrt", "test-kitchen-3.6.0", "chef-cli-5.6.14", "acme-internal-1.0.0"]
    manifest = json.dumps({"name": "chef-workstation", "build_version": "24.2.1058"}).encode()
    digits = """
driver: vagrant
platforms:
  - name: ubuntu-22.04
  - name: ubuntu-10.20.30.40
  - name: rhel-8.5551234567.2024
  - name: windows-0000123456.0000789012.0000345678.0000901234
  - name: debian-20240101
  - name: lab
    driver: {box: bento/ubuntu-10.1.2.3}
  - name: windows-2019
  - name: centos-7.9.2009
  - name: ubuntu-٢٢.٠٤
""".encode()
    two_sources = {
        "nginx": supermarket_entry("nginx", "12.2.7", source_options={"git": "https://git.acme.internal/ops/nginx.git"}),
        "apt": supermarket_entry("apt", "7.5.22", host="SUPERMARKET.CHEF.IO"),
        "java": supermarket_entry("java", "10.20.30.40"),
    }
    old_berkshelf = {"sources": {
        "ntp": {"locked_version": "1.1.8", "site": "https://supermarket.chef.io/api/v1", "ref": "0123abcd"},
        "apt": {"locked_version": "2.3.4", "site": "HTTPS://Supermarket.Chef.IO/api/v1"},
    }}
    return [
        ("test_context: Policyfile.lock.json", "cookbooks", {"Policyfile.lock.json": json.dumps(fixture.POLICYFILE_LOCK).encode()}, {"apt@7.5.22", "nginx@12.2.7"}),
        ("test_context: Berksfile.lock, Berkshelf 3 (cannot prove a source)", "cookbooks", {"Berksfile.lock": fixture.BERKSFILE_LOCK.encode()}, {"apt@7.5.22"}),
        ("test_context: Berksfile.lock, Berkshelf 2 JSON", "cookbooks", {"Berksfile.lock": json.dumps(fixture.OLD_BERKSFILE_LOCK).encode()}, {"ntp@1.1.8"}),
        ("test_public_names: two sources, a public host in capitals, an address as version", "cookbooks",
         {"Policyfile.lock.json": json.dumps({"cookbook_locks": two_sources}).encode()}, {"apt@7.5.22"}),
        ("test_public_names: Berkshelf 2, a ref beside the site, a site in capitals", "cookbooks", {"Berksfile.lock": json.dumps(old_berkshelf).encode()}, {"apt@2.3.4"}),
        ("test_context: kitchen.yml", "kitchen", {"kitchen.yml": fixture.KITCHEN_YML.encode()},
         {"vagrant", "chef_infra", "inspec", "ssh", "ubuntu-22.04", "bento/centos-stream-9"}),
        ("test_public_names: digits and an odd name in platforms", "kitchen", {"kitchen.yml": digits},
         {"vagrant", "ubuntu-22.04", "windows-2019", "centos-7.9.2009"}),
        (f"bento: {len(BENTO)} platform names", "kitchen", {"kitchen.yml": kitchen.encode()}, set(BENTO) | {"vagrant"}),
        (f"bento: {len(BENTO)} boxes", "kitchen", {"kitchen.yml": boxes.encode()}, {f"bento/{name}" for name in BENTO}),
        ("test_context (before issue 21): a Workstation's specifications, chef as a Windows platform gem", "versions",
         {"version-manifest.json": manifest, **{f"specifications/{name}.gemspec": b"" for name in specifications}},
         {"workstation=24.2.1058", "knife=18.4.2", "chef=18.4.2", "kitchen=3.6.0", "chef-cli=5.6.14"}),
        ("test_public_names: specifications named to mislead", "versions",
         {f"specifications/{name}.gemspec": b"" for name in ("chef-2024-acme-1.0.0", "knife-99-0.1.0", "knife-10.20.30.40", "knife-١٨.٤", "chef-18.4.2", "knife-18.4.2")},
         {"chef=18.4.2", "knife=18.4.2"}),
    ]


def named(kind, found) -> set:
    if kind == "cookbooks":
        return set(found.get("public", []))
    if kind == "kitchen":
        return {found[key] for key in ("driver", "provisioner", "verifier", "transport") if key in found} | set(found.get("platforms", []))
    return {f"{product}={version}" for product, version in found.items()}


def read(modules, kind, files):
    """What the reader names, as a real run keeps it (through the cache's encoding)."""
    with tempfile.TemporaryDirectory() as folder:
        for name, data in files.items():
            path = os.path.join(folder, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as stream:
                stream.write(data)
        paths = {
            "cookbooks": [os.path.join(folder, next(iter(files)))],
            "kitchen": [os.path.join(folder, "kitchen.yml")],
            "versions": [os.path.join(folder, "bin", "knife")],
        }[kind]
        reader = {"cookbooks": modules["cookbook_locks"].read_cookbooks, "kitchen": modules["kitchen_yaml"].read_kitchen,
                  "versions": modules["tool_versions"].read_versions}[kind]
        try:
            found = reader(paths)
        except Exception:  # noqa: BLE001 - as the cache does: a reader that fails names nothing
            found = {}
    return named(kind, found) if modules["identity_cache"].encode(found) is not None else set()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package-root", default=str(REPO), help="folder holding the chefwrap package to measure")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO / "tests"))
    sys.path.insert(0, args.package_root)
    from chefwrap.shim import sanitizer
    from chefwrap.shim.context import cookbook_locks, identity_cache, kitchen_yaml, tool_versions

    from support.documented_command_lines import DOCUMENTED

    knows_plugins = hasattr(sanitizer, "known_plugins")
    scenarios = [("every plugin installed (a Workstation)", sanitizer.known_plugins if knows_plugins else None)]
    if knows_plugins:
        scenarios.append(("no plugin installed", lambda tool: frozenset()))
    for title, plugins in scenarios:
        kept, total, commands, per_tool = measure(sanitizer, DOCUMENTED, plugins)
        print(f"{title}: {len(DOCUMENTED)} documented command lines, {total} options: {kept} kept by name, recall {100 * kept / total:.1f} %")
        print(f"  commands recognised: {commands} of {len(DOCUMENTED)} lines ({100 * commands / len(DOCUMENTED):.1f} %)")
        for tool, (named_, count) in sorted(per_tool.items()):
            print(f"  {tool:<8} {named_}/{count} options kept ({100 * named_ / count:.1f} %)")

    modules = {"cookbook_locks": cookbook_locks, "kitchen_yaml": kitchen_yaml, "tool_versions": tool_versions, "identity_cache": identity_cache}
    public_total = public_kept = not_public = 0
    print("context: public names kept / public names in the fixture; names that are not public")
    for what, kind, files, public in fixtures():
        found = read(modules, kind, files)
        public_total += len(public)
        public_kept += len(found & public)
        not_public += len(found - public)
        leaked = f"; not public: {', '.join(sorted(found - public))}" if found - public else ""
        print(f"  {what}: {len(found & public)}/{len(public)}{leaked}")
    print(f"context share of public names kept: {public_kept}/{public_total} ({100 * public_kept / public_total:.1f} %); names that are not public: {not_public}")


if __name__ == "__main__":
    main()
