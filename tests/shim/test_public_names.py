"""Names leave only when provably public (issue 21): one version rule everywhere a version leaves, lock
entries only when every location they state is the public Supermarket's, plugin commands only when the
plugin is installed, exact gem specification names, and one bad name costing one name.

Tables for the cases an attacker tried, black-box runs through the real shims, and property tests that
plant canaries (digits-only ones shaped like addresses, phone numbers and dates among them) in every
field of every context file kind and every version source, against a model of what must come out.
"""

import json
import os
import re
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from chefwrap.shim import event, sanitizer, version_rule
from chefwrap.shim.context import as_properties, cookbook_locks, identity_cache, kitchen_yaml, public_names, tool_versions
from chefwrap.shim.grammars import knife as knife_grammar

from support.command_lines import MARKER as SANITIZER_MARKER
from support.command_lines import command_lines

KNIFE_PLUGINS = sanitizer.known_plugins("knife")


# The version rule


@pytest.mark.fast
@pytest.mark.parametrize("text", ["9", "22.04", "2019", "24.2.1058", "18.4.2", "0.1.0", "0001"])
def test_real_releases_pass_the_version_rule(text):
    assert version_rule.public_version(text)


@pytest.mark.parametrize(
    "text",
    [
        "10.20.30.40", "5551234567", "20240101", "10.1.2.3", "8.5551234567.2024", "0000123456.0000789012", "12345",
        "1" * 31, "٢٢.٠٤", "１８.４", "2²", "18.4.2-internal", "18.4.2.pre", "1..2", "1.2.", ".1", "", " 1", "1 ", "+1", "-1",
        None, 22.04, 18, ["18"],
    ],
)
@pytest.mark.fast
def test_anything_else_fails_it(text):
    assert not version_rule.public_version(text)


# Platforms and boxes


def kitchen_of(tmp_path, text):
    path = tmp_path / "kitchen.yml"
    path.write_text(text)
    return kitchen_yaml.read_kitchen([str(path)])


@pytest.mark.fast
def test_digits_in_a_platform_name_are_counted_not_named(tmp_path):
    found = kitchen_of(tmp_path, """
driver: vagrant
platforms:
  - name: ubuntu-22.04
  - name: ubuntu-10.20.30.40
  - name: rhel-8.5551234567.2024
  - name: windows-0000123456.0000789012.0000345678.0000901234
  - name: debian-20240101
  - name: lab
    driver: {box: bento/ubuntu-10.1.2.3}
  - name: lab2
    driver: {image: dokken/centos-5551234567}
  - name: windows-2019
  - name: centos-7.9.2009
""")
    assert found == {"driver": "vagrant", "platforms": ["centos-7.9.2009", "ubuntu-22.04", "windows-2019"], "other_plugins": 0, "other_platforms": 6}


@pytest.mark.fast
def test_one_odd_platform_name_costs_that_name_only(tmp_path):
    found = kitchen_of(tmp_path, "driver: dokken\nplatforms:\n  - name: ubuntu-٢٢.٠٤\n  - name: ro\u212aylinux-9\n  - name: debian-12\n")
    assert found == {"driver": "dokken", "platforms": ["debian-12"], "other_plugins": 0, "other_platforms": 2}
    assert identity_cache.encode(found) is not None  # it can be stored, so it is not lost either


@pytest.mark.fast
@pytest.mark.parametrize("platforms", ["5551234567", "ubuntu-22.04", "{ubuntu-22.04: {}}", "[[ubuntu-22.04]]"])
def test_platforms_that_are_no_list_of_mappings_are_counted_and_cost_nothing_else(tmp_path, platforms):
    found = kitchen_of(tmp_path, f"driver: dokken\nverifier: inspec\nplatforms: {platforms}\n")
    assert found == {"driver": "dokken", "verifier": "inspec", "platforms": [], "other_plugins": 0, "other_platforms": 1}


# Lock entries


def policyfile_of(tmp_path, locks):
    path = tmp_path / "Policyfile.lock.json"
    path.write_text(json.dumps({"cookbook_locks": locks}))
    return cookbook_locks.read_cookbooks([str(path)])


def supermarket_entry(name="nginx", version="12.2.7", host="supermarket.chef.io"):
    url = f"https://{host}/api/v1/cookbooks/{name}/versions/{version}/download"
    return {"version": version, "identifier": "1a2b", "dotted_decimal_identifier": "1.2.3", "cache_key": f"{name}-{version}-{host}",
            "origin": url, "source_options": {"artifactserver": url, "version": version}}


@pytest.mark.parametrize(
    "change",
    [
        {"source_options": {"git": "https://git.acme.internal/ops/nginx.git"}},
        {"source_options": {"path": "../nginx"}},
        {"source_options": {"chef_server": "https://chef.acme.internal/organizations/acme"}},
        {"source_options": {"artifactory": "https://artifactory.acme.internal/api/chef/x"}},
        {"source_options": {"acme_mirror": "anything"}},  # a key no one knows
        {"source": "cookbooks/nginx"},
        {"scm_info": {"remote": "git@git.acme.internal:ops/nginx.git"}},
        {"acme_note": "anything"},
        {"origin": "https://supermarket.acme.internal/api/v1/cookbooks/nginx/versions/12.2.7/download"},
        {"cache_key": "nginx-12.2.7-supermarket.acme.internal"},
        {"source_options": {"version": "12.2.8"}},
        {"version": "10.20.30.40"},
    ],
    ids=["git", "path", "chef-server", "artifactory", "unknown-option", "source", "scm-info", "unknown-key", "private-origin",
         "private-cache-key", "other-version", "address-version"],
)
@pytest.mark.fast
def test_a_lock_entry_that_states_any_other_location_is_a_count(tmp_path, change):
    entry = supermarket_entry()
    for key, value in change.items():
        if key == "source_options":
            entry[key] = {**entry[key], **value}
        else:
            entry[key] = value
    assert policyfile_of(tmp_path, {"nginx": entry, "apt": supermarket_entry("apt", "7.5.22")}) == {
        "source": "policyfile", "public": ["apt@7.5.22"], "other": 1}


@pytest.mark.fast
def test_the_public_host_is_compared_without_regard_to_case(tmp_path):
    shouted = supermarket_entry(host="SuperMarket.Chef.IO")
    shouted["source_options"]["artifactserver"] = "HTTPS://SUPERMARKET.CHEF.IO:443/api/v1/cookbooks/nginx/versions/12.2.7/download"
    found = policyfile_of(tmp_path, {"nginx": shouted})
    assert found == {"source": "policyfile", "public": ["nginx@12.2.7"], "other": 0}
    # the path is not a host: a cookbook name in other letters is another cookbook
    other = supermarket_entry()
    other["source_options"]["artifactserver"] = other["source_options"]["artifactserver"].replace("/nginx/", "/NGINX/")
    assert policyfile_of(tmp_path, {"nginx": other})["public"] == []
    # a look-alike letter (the Kelvin sign) that lowers into the public host is not the public host
    kelvin = supermarket_entry(host="supermar\u212aet.chef.io")
    assert policyfile_of(tmp_path, {"nginx": kelvin})["public"] == []


@pytest.mark.fast
@pytest.mark.parametrize("extra", ["ref", "branch", "rel", "url", "path", "git", "github", "chef_api", "acme"])
def test_an_old_berkshelf_entry_with_anything_beside_its_public_site_is_a_count(tmp_path, extra):
    path = tmp_path / "Berksfile.lock"
    sources = {
        "ntp": {"locked_version": "1.1.8", "site": "https://supermarket.chef.io/api/v1", extra: "0123abcd"},
        "apt": {"locked_version": "2.3.4", "site": "HTTPS://Supermarket.Chef.IO/api/v1"},
    }
    path.write_text(json.dumps({"sources": sources}))
    assert cookbook_locks.read_cookbooks([str(path)]) == {"source": "berkshelf", "public": ["apt@2.3.4"], "other": 1}


# Versions


def specifications_beside(root: Path, names):
    folder = root / "embedded" / "lib" / "ruby" / "gems" / "3.1.0" / "specifications"
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_text("# gemspec\n")
    (root / "bin").mkdir(exist_ok=True)
    real = root / "bin" / "knife"
    real.write_text("#!/bin/sh\n")
    return str(real)


@pytest.mark.fast
def test_version_readers_take_only_exact_specification_names(tmp_path):
    real = specifications_beside(tmp_path, [
        "chef-2024-acme-1.0.0.gemspec", "knife-99-0.1.0.gemspec", "knife-10.20.30.40.gemspec", "test-kitchen-5551234567.gemspec",
        "chef-cli-20240101.gemspec", "knife-١٨.٤.gemspec", "chef-19.0.0-x64-mingw-ucrt.gemspec", "knife-18.4.2.gemspec.orig",
        "chef-18.4.2.gemspec", "knife-18.4.2.gemspec",
    ])
    assert tool_versions.read_versions([real]) == {"chef": "18.4.2", "knife": "18.4.2"}


@pytest.mark.fast
def test_a_damaged_manifest_costs_its_own_version_only(tmp_path):
    real = specifications_beside(tmp_path, ["knife-18.4.2.gemspec"])
    for manifest in (b"\xff\xfe not json", b"[1, 2]", json.dumps({"name": "chef-workstation", "build_version": "24.2.1058.5551234567"}).encode()):
        (tmp_path / "version-manifest.json").write_bytes(manifest)
        assert tool_versions.read_versions([real]) == {"knife": "18.4.2"}


@pytest.mark.parametrize(
    "pinned, expected",
    [("18.4.2", "18.4.2"), ("10.20.30.40", None), ("5551234567", None), ("20240101", None), ("1" * 31, None), ("١٨.٤", None), ("18.4.2 ", None)],
)
@pytest.mark.fast
def test_the_binstub_version_follows_the_rule(pinned, expected):
    assert event.version_from_binstub("knife", f'#!/opt/chef-workstation/embedded/bin/ruby\ngem "knife", "= {pinned}"\n'.encode()) == expected


# Plugins


@pytest.mark.parametrize(
    "line, plugins, command, options",
    [
        ("bootstrap azurerm -U admin", (), "knife bootstrap", ["-U"]),
        ("bootstrap azurerm -U admin", ("knife-azure",), "knife bootstrap azurerm", ["-U"]),
        ("bootstrap -N azurerm 10.0.0.9", (), "knife bootstrap", ["-N"]),
        ("bootstrap windows -o winrm", (), "knife bootstrap", ["-o"]),
        ("bootstrap windows -o winrm", ("knife-azure",), "knife bootstrap", ["-o"]),
        ("bootstrap windows -o winrm", ("knife-windows",), "knife bootstrap windows winrm", ["-o"]),
        ("vault show bag item", (), "knife", []),
        ("vault show bag item", ("chef-vault",), "knife vault show", []),
        ("ec2 server create --flavor m5.large", (), "knife", [sanitizer.UNKNOWN_OPTION]),
        # the tool's own commands whatever is installed
        ("node show web1 -a name", (), "knife node show", ["-a"]),
        ("node show web1 -a name", tuple(KNIFE_PLUGINS), "knife node show", ["-a"]),
    ],
)
@pytest.mark.fast
def test_plugin_words_are_a_command_only_when_the_plugin_is_installed(line, plugins, command, options):
    result = sanitizer.sanitize("knife", line.split(), frozenset(plugins))
    assert (result.command, result.options) == (command, options)


@pytest.mark.fast
def test_installed_gems_are_the_specifications_beside_the_real_tool(tmp_path):
    real = specifications_beside(tmp_path, ["knife-azure-4.0.1.gemspec", "knife-ec2-2.2.0-x86_64-linux.gemspec", "knife-windows-Zq7.gemspec"])
    assert tool_versions.installed_gems(real.encode()) == {"knife-azure"}
    assert tool_versions.installed_gems(b"/nonexistent/bin/knife") == frozenset()


def test_through_the_shim_and_in_preview_a_plugin_counts_only_once_installed(installed):
    omnibus = installed.add_workstation()
    specifications = omnibus / "embedded" / "lib" / "ruby" / "gems" / "3.1.0" / "specifications"
    specifications.mkdir(parents=True)
    (specifications / "knife-18.4.2.gemspec").write_text("")
    argv = ["bootstrap", "azurerm", "-U", "admin"]

    def recorded():
        installed.endpoint.requests.clear()
        result = installed.run([installed.shims / "knife", *argv])
        assert result.returncode == 0
        (request,) = installed.endpoint.wait_for(1)
        previewed = json.loads(installed.chefwrap("telemetry", "preview", "--", "knife", *argv)[1])
        return request.event["payload"]["properties"]["command"], previewed["payload"]["properties"]["command"]

    assert recorded() == ("knife bootstrap", "knife bootstrap")
    (specifications / "knife-azure-4.0.1.gemspec").write_text("")
    assert recorded() == ("knife bootstrap azurerm", "knife bootstrap azurerm")
    assert [report["argv"] for report in installed.take_reports()] == [[arg.encode().hex() for arg in argv]] * 2  # knife ran as typed


def test_through_the_shim_digits_and_odd_names_are_counted_and_the_rest_leaves(installed, tmp_path):
    """The issue's cases, end to end: what `kitchen list` sent, and what it sends now."""
    omnibus = installed.add_workstation()
    specifications = omnibus / "embedded" / "lib" / "ruby" / "gems" / "3.1.0" / "specifications"
    specifications.mkdir(parents=True)
    for name in ("test-kitchen-3.6.0", "knife-99-0.1.0", "chef-2024-acme-1.0.0", "test-kitchen-١٠.٢", "chef-cli-5.6.14"):
        (specifications / f"{name}.gemspec").write_text("")
    kitchen = omnibus / "bin" / "kitchen"
    kitchen.write_text(kitchen.read_text().replace("#!/bin/sh\n", '#!/bin/sh\n# gem "test-kitchen", "= 10.20.30.40"\n'))
    repository = tmp_path / "repository"
    repository.mkdir()
    (repository / "kitchen.yml").write_text(
        "driver: {name: vagrant}\nplatforms:\n  - name: ubuntu-10.20.30.40\n  - name: ubuntu-٢٢.٠٤\n  - name: lab\n    driver: {box: bento/ubuntu-10.1.2.3}\n  - name: ubuntu-22.04\n")
    (repository / "Policyfile.lock.json").write_text(json.dumps({"cookbook_locks": {
        "nginx": {**supermarket_entry(), "source_options": {**supermarket_entry()["source_options"], "git": "https://git.acme.internal/nginx.git"}},
        "apt": supermarket_entry("apt", "7.5.22", "SUPERMARKET.CHEF.IO"),
    }}))
    result = installed.run([installed.shims / "kitchen", "list"], env=installed.env(PWD=repository), cwd=repository)
    assert result.returncode == 0
    (request,) = installed.endpoint.wait_for(1)
    sent = request.event
    properties = sent["payload"]["properties"]
    assert "product_version" not in sent
    assert properties["versions"] == {"kitchen": "3.6.0", "chef-cli": "5.6.14"}
    assert properties["kitchen"] == {"driver": "vagrant", "platforms": ["ubuntu-22.04"], "other_plugins": 0, "other_platforms": 3}
    assert properties["cookbooks"] == {"source": "policyfile", "public": [{"name": "apt", "version": "7.5.22"}], "other": 1}
    # Random identifiers (session, event, erase key's hash) may hold any digits: the rest must not.
    named = {key: value for key, value in sent.items() if key not in ("session_id", "event_id", "erase_key_sha256")}
    named["payload"]["properties"].pop("duration_ms")
    for canary in ("10.20.30.40", "10.1.2.3", "2024", "99", "acme"):
        assert canary not in json.dumps(named)


# Properties: canaries in every field, against a model of what must come out.
#
# Each generated file is built from parts whose outcome is known: public entries, which must be named,
# exactly, and planted ones, a canary in one field, which must be counted (or, in a field that is never
# read, change nothing). The test compares the whole result with the model's, so one character too many
# shows; and no canary may be anywhere in the context the event carries.

MARKER = "Zq7"
ADDRESS_LIKE = [
    "10.20.30.40", "5551234567", "20240101", "10.1.2.3", "192.168.0.1", "8.5551234567.2024", "12345", "1.2.3.4.5",
    "0000123456.0000789012.0000345678.0000901234", "٢٢.٠٤", "１８.４", "2²",
]
RELEASE = re.compile(r"[0-9]{1,4}(?:\.[0-9]{1,4}){0,2}")  # the version rule, stated again apart from chefwrap's


def real_release(text) -> bool:
    return isinstance(text, str) and RELEASE.fullmatch(text) is not None


releases = st.lists(st.from_regex(r"\A[0-9]{1,4}\Z"), min_size=1, max_size=3).map(".".join)
digit_canaries = st.one_of(
    st.sampled_from(ADDRESS_LIKE),
    st.lists(st.from_regex(r"\A[0-9]{1,12}\Z"), min_size=1, max_size=6).map(".".join).filter(lambda text: not real_release(text)),
)
# Marked canaries: printable, without "/" (file names), ERB tags (kitchen.yml blanks them) or quotes (binstubs).
marked = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters='/"<%>\\'), max_size=12).map(lambda tail: MARKER + tail)
canaries = st.one_of(digit_canaries, marked)
# A name planted where a cookbook's name goes: not one the public Supermarket could hold (else the lock's
# word that it came from there is the proof, as for any other name).
name_canaries = st.one_of(digit_canaries, marked.filter(lambda name: re.fullmatch(r"[A-Za-z0-9_-]+", name) is None))


def cased(text):
    """`text` with any of its letters in capitals."""
    return st.lists(st.booleans(), min_size=len(text), max_size=len(text)).map(
        lambda flips: "".join(character.upper() if flip else character for character, flip in zip(text, flips)))


def carried(kind, found) -> str:
    """The context as the event carries it, after a trip through the cache (it must always be storable)."""
    encoded = identity_cache.encode(found)
    assert encoded is not None, found
    assert identity_cache.decode(encoded) == found
    return event.to_json(as_properties({kind: found}))


def assert_no_canary(serialized, planted):
    assert MARKER not in serialized
    for canary in planted:
        assert canary not in serialized, canary


PROPERTY_CHECKS = [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large]
PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=PROPERTY_CHECKS)
COOKBOOK_NAMES = ["apt", "nginx", "java", "docker", "yum", "ntp", "build-essential", "line", "sudo", "7-zip"]
LOCATION_KEYS = ["git", "github", "path", "chef_server", "chef_server_artifact", "artifactory", "revision", "branch", "rel"]


@st.composite
def policyfile_entries(draw, name):
    """(name, entry, named?, canaries planted)."""
    version = draw(releases)
    host = draw(st.sampled_from(public_names.PUBLIC_SUPERMARKET_HOSTS))
    plant = draw(st.sampled_from(["version", "name", "location", "key", "origin", "cache_key", "artifactserver", "options_version"] + ["none"] * 4))
    canary = draw(name_canaries if plant == "name" else digit_canaries if plant == "version" else canaries)
    if plant == "version":
        version = canary
    elif plant == "name":
        name = canary

    def download():
        return f"{draw(cased('https'))}://{draw(cased(host))}{draw(st.sampled_from(['', ':443']))}/api/v1/cookbooks/{name}/versions/{version}/download"

    entry, planted = {"version": version}, [canary] if plant != "none" else []
    for fact in ("identifier", "dotted_decimal_identifier"):  # never sent: a canary there changes nothing
        if draw(st.booleans()):
            entry[fact] = draw(canaries)
            planted.append(entry[fact])
    if draw(st.booleans()):
        entry["cache_key"] = f"{name}-{version}-{draw(cased(host))}"
    if draw(st.booleans()):
        entry["origin"] = download()
    entry["source_options"] = {"artifactserver": download()}
    if draw(st.booleans()):
        entry["source_options"]["version"] = version
    if plant == "location":
        entry["source_options"][draw(st.sampled_from(LOCATION_KEYS) | canaries)] = canary
    elif plant == "key":
        entry[draw(st.sampled_from(["source", "scm_info", "url"]) | canaries)] = canary
    elif plant == "origin":
        entry["origin"] = f"https://{canary}/api/v1/cookbooks/{name}/versions/{version}/download"
    elif plant == "cache_key":
        entry["cache_key"] = f"{name}-{version}-{canary}"
    elif plant == "artifactserver":
        entry["source_options"]["artifactserver"] = draw(st.sampled_from([
            f"https://{canary}/api/v1/cookbooks/{name}/versions/{version}/download",
            f"https://{host}/api/v1/cookbooks/{name}/versions/{version}/{canary}",
            f"https://{host}.{canary}/api/v1/cookbooks/{name}/versions/{version}/download",
            f"https://{canary}@{host}/api/v1/cookbooks/{name}/versions/{version}/download",
        ]))
    elif plant == "options_version":
        entry["source_options"]["version"] = canary
    return name, entry, plant == "none", planted


@st.composite
def policyfile_locks(draw):
    """(the lock's JSON, the expected context, canaries planted)."""
    names = draw(st.lists(st.sampled_from(COOKBOOK_NAMES), unique=True, max_size=6))
    entries = [draw(policyfile_entries(name)) for name in names]
    locks = {name: entry for name, entry, _, _ in entries}
    top = draw(canaries)  # the policy's own fields are never read
    document = {"revision_id": top, "name": top, "run_list": [f"recipe[{top}]"], "cookbook_locks": locks, "default_attributes": {top: top}}
    public = sorted(f"{name}@{entry['version']}" for name, entry, named, _ in entries if named)
    expected = {"source": "policyfile", "public": public, "other": len(locks) - len(public)}
    return json.dumps(document), expected, [top] + [canary for _, _, _, planted in entries for canary in planted]


@st.composite
def berkshelf_locks(draw):
    """(Berkshelf 2's JSON lock or Berkshelf 3's text lock, which is only counted; the expected context; canaries planted)."""
    names = draw(st.lists(st.sampled_from(COOKBOOK_NAMES), unique=True, max_size=6))
    planted, sources, public = [], {}, []
    if draw(st.booleans()):
        for name in names:
            scheme, _, rest = draw(st.sampled_from(public_names.PUBLIC_BERKSHELF_SITES)).partition("://")
            host, _, path = rest.partition("/")
            entry = {"locked_version": draw(releases), "site": f"{draw(cased(scheme))}://{draw(cased(host))}/{path}"}
            plant = draw(st.sampled_from(["version", "site", "key", "name"] + ["none"] * 3))
            canary = draw(name_canaries if plant == "name" else digit_canaries if plant == "version" else canaries)
            if plant == "version":
                entry["locked_version"] = canary
            elif plant == "site":
                entry["site"] = draw(st.sampled_from([f"https://{canary}/api/v1", f"https://supermarket.chef.io.{canary}/api/v1", f"https://supermarket.chef.io/{canary}"]))
            elif plant == "key":
                entry[draw(st.sampled_from(["path", "git", "github", "chef_api", "ref", "branch", "rel", "url"]) | canaries)] = canary
            elif plant == "name":
                name = canary
            sources[name] = entry
            if plant == "none":
                public.append(f"{name}@{entry['locked_version']}")
            else:
                planted.append(canary)
        sha = draw(canaries)
        text = json.dumps({"sha": sha, "sources": sources})
        return text, {"source": "berkshelf", "public": sorted(public), "other": len(sources) - len(public)}, planted + [sha]
    lines, graph = ["DEPENDENCIES"], []
    for name in names:
        canary = draw(canaries)
        planted.append(canary)
        lines += [f"  {name}", f"    path: {canary}", f"    git: https://{canary}/x.git"]
        graph += [f"  {name} ({draw(releases | digit_canaries)})", f"    {canary} (>= 0.0.0)"]
    return "\n".join(lines + ["", "GRAPH"] + graph) + "\n", {"source": "berkshelf", "public": [], "other": len(names)}, planted


def check_lock(file_name, case):
    text, expected, planted = case
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, file_name)
        with open(path, "w") as stream:
            stream.write(text)
        found = cookbook_locks.read_cookbooks([path])
    assert found == expected
    assert_no_canary(carried("cookbooks", found), planted)


def check_policyfile(case):
    check_lock("Policyfile.lock.json", case)


def check_berkshelf(case):
    check_lock("Berksfile.lock", case)


OS_NAMES = st.tuples(st.sampled_from(public_names.PUBLIC_OS_FAMILIES), releases, st.sampled_from(public_names.ARCHITECTURE_SUFFIXES)).map(
    lambda parts: f"{parts[0]}-{parts[1]}{parts[2]}")


@st.composite
def platforms(draw):
    """(a platform entry, the name it must be reported by or None, canaries planted)."""
    canary = draw(canaries)
    extra = {"box_url": f"https://{canary}/x.box", "customize": {canary: canary}}  # settings: never read
    kind = draw(st.sampled_from(["os", "box", "os-digits", "box-digits", "tagged", "odd", "private", "not-a-mapping"]))
    family = draw(st.sampled_from(public_names.PUBLIC_OS_FAMILIES))
    prefix = draw(st.sampled_from(public_names.PUBLIC_BOX_PREFIXES))
    if kind == "os":
        name = draw(OS_NAMES)
        return {"name": draw(cased(name)), "driver": extra}, name, [canary]
    if kind == "box":
        box = prefix + draw(OS_NAMES)
        settings_key, box_key = draw(st.sampled_from(["driver", "driver_config"])), draw(st.sampled_from(["box", "image"]))
        return {"name": f"{MARKER}lab", settings_key: {box_key: draw(cased(box)), **extra}}, box, [canary]
    digits = draw(digit_canaries)
    suffix = draw(st.sampled_from(public_names.ARCHITECTURE_SUFFIXES))
    return {
        "os-digits": ({"name": f"{draw(cased(family))}-{digits}{suffix}"}, None, [digits]),
        "box-digits": ({"name": digits, "driver": {draw(st.sampled_from(["box", "image"])): f"{prefix}{family}-{digits}{suffix}"}}, None, [digits]),
        "tagged": ({"name": canary, "driver": {"image": f"dokken/{draw(OS_NAMES)}:{canary}"}}, None, [canary]),
        "odd": ({"name": f"{family}-{draw(st.sampled_from(['٢٢.٠٤', '１８.０４', '2²']))}"}, None, []),
        "private": ({"name": canary, "driver": {"box": f"acme/{canary}"}}, None, [canary]),
        "not-a-mapping": (canary, None, [canary]),
    }[kind]


@st.composite
def kitchen_files(draw):
    """(kitchen.yml, kitchen.local.yml or None, the expected context, canaries planted)."""
    planted = []
    sections = ("driver", "provisioner", "verifier", "transport")

    def document():
        suite = {"name": draw(canaries), "attributes": {"token": draw(canaries)}, "run_list": [f"recipe[{draw(canaries)}]"]}
        planted.extend([suite["name"], suite["attributes"]["token"], suite["run_list"][0][7:-1]])
        content = {"suites": [suite]}
        for kind in draw(st.lists(st.sampled_from(sections), unique=True)):
            public = draw(st.sampled_from(public_names.PUBLIC_KITCHEN_PLUGINS[kind]))
            canary = draw(canaries)
            planted.append(canary)
            content[kind] = draw(st.sampled_from([public, {"name": public, "settings": canary}, canary, {"name": canary}, {"settings": canary}]))
        if draw(st.booleans()):
            entries = draw(st.lists(platforms(), max_size=6))
            content["platforms"] = [entry for entry, _, _ in entries]
            planted.extend(canary for _, _, canaries_ in entries for canary in canaries_)
        return content

    base = document()
    local = document() if draw(st.booleans()) else None
    merged = {key: value for document_ in (base, local or {}) for key, value in document_.items() if key in sections + ("platforms",)}
    expected, other_plugins = {}, 0
    for kind in sections:
        value = merged.get(kind)
        name = value if isinstance(value, str) else value.get("name") if isinstance(value, dict) else None
        if name in public_names.PUBLIC_KITCHEN_PLUGINS[kind]:
            expected[kind] = name
        elif name is not None:
            other_plugins += 1
    named = [model_platform_name(entry) for entry in merged.get("platforms", [])]
    expected.update(platforms=sorted({name for name in named if name}), other_plugins=other_plugins, other_platforms=named.count(None))
    return base, local, expected, planted


def model_platform_name(entry):
    """The name a platform entry must be reported by, from kitchen.yml's parts; None when it must be counted."""
    if not isinstance(entry, dict):
        return None
    if model_os(entry.get("name")):
        return entry["name"].lower()
    settings_ = entry.get("driver") or entry.get("driver_config") or {}
    for key in ("box", "image"):
        box = settings_.get(key)
        if isinstance(box, str) and box.isascii():
            for prefix in public_names.PUBLIC_BOX_PREFIXES:
                if box.lower().startswith(prefix) and model_os(box[len(prefix) :]):
                    return box.lower()
    return None


def model_os(name) -> bool:
    if not (isinstance(name, str) and name.isascii()):
        return False
    families = "|".join(re.escape(family) for family in public_names.PUBLIC_OS_FAMILIES)
    suffixes = "|".join(re.escape(suffix) for suffix in public_names.ARCHITECTURE_SUFFIXES if suffix)
    return re.fullmatch(rf"(?:{families})-{RELEASE.pattern}(?:{suffixes})?", name.lower()) is not None


def check_kitchen(case):
    base, local, expected, planted = case
    with tempfile.TemporaryDirectory() as folder:
        paths = [os.path.join(folder, "kitchen.yml")] + ([os.path.join(folder, "kitchen.local.yml")] if local is not None else [])
        for path, content in zip(paths, [base, local]):
            with open(path, "w") as stream:
                yaml.safe_dump(content, stream, allow_unicode=True)
        found = kitchen_yaml.read_kitchen(paths)
    assert found == expected
    assert_no_canary(carried("kitchen", found), planted)


GEMS = {"chef": "chef", "knife": "knife", "test-kitchen": "kitchen", "chef-cli": "chef-cli"}
SPECIFICATION = re.compile(rf"(chef|knife|test-kitchen|chef-cli)-({RELEASE.pattern})\.gemspec")  # the model's exact name


@st.composite
def installations(draw):
    """(specification file names, a version manifest or None, the folder layout, canaries planted)."""
    names, planted = [], []
    for _ in range(draw(st.integers(0, 8))):
        gem = draw(st.sampled_from(sorted(GEMS) + ["knife-ec2", "acme-internal"]))
        version, digits, canary = draw(releases), draw(digit_canaries), draw(canaries)
        shape = draw(st.sampled_from(["exact", "exact", "digits", "prefix", "platform", "suffix", "joined"]))
        name = {
            "exact": f"{gem}-{version}.gemspec",
            "digits": f"{gem}-{digits}.gemspec",
            "prefix": f"{gem}-{canary}-{version}.gemspec",  # chef-2024-acme-1.0.0: the gem chef-2024-acme, not chef 2024
            "platform": f"{gem}-{version}-{canary}.gemspec",
            "suffix": f"{gem}-{version}.gemspec.{canary}",
            "joined": f"{gem}{canary}-{version}.gemspec",
        }[shape]
        if len(name.encode()) < 250:
            names.append(name)
            planted += {"exact": [], "digits": [digits]}.get(shape, [canary])
    manifest = None
    if draw(st.booleans()):
        build, canary = draw(releases | digit_canaries), draw(canaries)
        planted += [canary] + ([] if real_release(build) else [build])
        manifest = json.dumps({"name": draw(st.sampled_from(["chef-workstation", "chefdk"]) | canaries), "build_version": build,
                               "software": {canary: {"version": canary}}}).encode()
    return sorted(set(names)), manifest, draw(st.booleans()), planted


def model_versions(names, manifest):
    versions = {}
    content = json.loads(manifest) if manifest else {}
    product = {"chef-workstation": "workstation", "chefdk": "chefdk"}.get(content.get("name"))
    if product and real_release(content["build_version"]):
        versions[product] = content["build_version"]
    for name in sorted(names, key=lambda name: name[: -len(".gemspec")].rpartition("-")[::2]):  # as the reader sorts (gem, version)
        match = SPECIFICATION.fullmatch(name)
        if match:
            product, version = GEMS[match.group(1)], match.group(2)
            if product not in versions or [int(part) for part in version.split(".")] > [int(part) for part in versions[product].split(".")]:
                versions[product] = version
    return versions


def check_versions(case):
    names, manifest, omnibus, planted = case
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        specifications = root / "embedded" / "lib" / "ruby" / "gems" / "3.1.0" / "specifications" if omnibus else root / "specifications"
        specifications.mkdir(parents=True)
        for name in names:
            (specifications / name).write_text("")
        if manifest is not None:
            (root / "version-manifest.json").write_bytes(manifest)
        (root / "bin").mkdir()
        found = tool_versions.read_versions([str(root / "bin" / "knife")])
    assert found == model_versions(names, manifest)
    # a canary that is also a real release (a gem's own version) may leave as that version, nowhere else
    assert_no_canary(carried("versions", found), [canary for canary in planted if canary not in found.values()])


@st.composite
def binstubs(draw):
    """(tool, the binstub's head, the version it must give or None, canaries planted)."""
    tool = draw(st.sampled_from(sorted(event.PINNED_GEMS)))
    comment = draw(canaries)
    lines, expected, planted = ["#!/opt/chef-workstation/embedded/bin/ruby", f"# {comment}"], None, [comment]
    for gem in event.PINNED_GEMS[tool]:
        if draw(st.booleans()):
            version = draw(releases | canaries)
            lines.append(f'gem "{gem}", "= {version}"')
            if not real_release(version):
                planted.append(version)
            elif expected is None:
                expected = version
    return tool, "\n".join(lines + ['load Gem.bin_path("x", "y")']).encode(), expected, planted


def check_binstub(case):
    tool, head, expected, planted = case
    version = event.version_from_binstub(tool, head)
    assert version == expected
    assert_no_canary(event.to_json({"product_version": version}), planted)


KNIFE_GRAMMAR_TABLE = knife_grammar.GRAMMAR
_without = {}


def knife_without_missing_plugins(installed):
    """knife as it is with only the plugins `installed`: the other plugins' commands do not exist at all."""
    if installed not in _without:
        table = dict(KNIFE_GRAMMAR_TABLE, plugins={})
        table["commands"] = [command for command in KNIFE_GRAMMAR_TABLE["commands"] if KNIFE_GRAMMAR_TABLE["plugins"].get(command) in (None, *installed)]
        _without[installed] = sanitizer.Grammar(table)
    return _without[installed]


@st.composite
def plugin_lines(draw):
    """(a knife command line for a plugin's command, built as test_sanitizer builds them; the gems installed)."""
    line = draw(command_lines(commands=("knife", sorted(KNIFE_GRAMMAR_TABLE["plugins"]))))
    return line, frozenset(draw(st.sets(st.sampled_from(sorted(KNIFE_PLUGINS)))))


def check_plugin_line(case):
    """With its gem installed a plugin's command is read as written; without it, exactly as knife without
    that plugin reads the line: its words are arguments, its options those of whatever command is left."""
    (tool, argv, command, options), installed = case
    result = sanitizer.sanitize(tool, argv, installed)
    if KNIFE_GRAMMAR_TABLE["plugins"][command[len("knife ") :]] in installed:
        assert (result.command, result.options) == (command, options), argv
    else:
        alone = sanitizer.sanitize(tool, argv, grammar=knife_without_missing_plugins(installed))
        assert (result.command, result.options, result.dropped) == (alone.command, alone.options, alone.dropped), argv
        assert result.command != command
    assert SANITIZER_MARKER not in event.to_json(event.build(result, 0, 1.0, event.new_uuid(), {}))


PROPERTIES = {
    "policyfile": (policyfile_locks(), check_policyfile),
    "berkshelf": (berkshelf_locks(), check_berkshelf),
    "kitchen": (kitchen_files(), check_kitchen),
    "specifications": (installations(), check_versions),
    "binstub": (binstubs(), check_binstub),
    "plugins": (plugin_lines(), check_plugin_line),
}


@pytest.mark.parametrize("kind", sorted(PROPERTIES))
def test_exactly_the_public_names_leave_whatever_the_canaries(kind):
    strategy, check = PROPERTIES[kind]
    PROPERTY(given(strategy)(check))()


def fails_against(kind):
    """Runs a property where a rule was broken on purpose: derandomized, no database, up to 1,000 examples,
    stopping at the first failure (nothing to shrink: the failure is all that is asked)."""
    strategy, check = PROPERTIES[kind]
    run = settings(max_examples=1000, deadline=None, database=None, derandomize=True, phases=[Phase.generate],
                   suppress_health_check=PROPERTY_CHECKS)(given(strategy)(check))
    with pytest.raises(AssertionError) as failure:
        run()
    return str(failure.value)


@pytest.mark.parametrize("kind", sorted(set(PROPERTIES) - {"plugins"}))
def test_every_property_fails_against_the_old_version_rule(kind, monkeypatch):
    """The rule before issue 21, four parts of up to ten digits (ubuntu-10.20.30.40 was a platform), fails
    every property: each sees an address-shaped version leave."""
    monkeypatch.setattr(version_rule, "MOST_PARTS", 4)
    monkeypatch.setattr(version_rule, "MOST_DIGITS", 10)
    fails_against(kind)


def test_the_policyfile_property_fails_when_one_location_key_is_let_through(monkeypatch):
    monkeypatch.setattr(cookbook_locks, "ARTIFACT_SERVER_OPTIONS", cookbook_locks.ARTIFACT_SERVER_OPTIONS | {"git"})
    fails_against("policyfile")


def test_the_specifications_property_fails_when_digits_of_another_script_pass(monkeypatch):
    """str.isdigit() takes ١٨.٤ for digits: under the old rule knife-١٨.٤.gemspec made the versions unstorable,
    and every version was lost with it."""
    monkeypatch.setattr(version_rule, "DIGITS", frozenset("0123456789٠١٢٣٤٥٦٧٨٩０１２３４５６７８９"))
    fails_against("specifications")


def test_the_plugin_property_fails_when_every_plugin_counts_as_installed(monkeypatch):
    """The sanitizer before issue 21 knew every plugin's commands whether or not the plugin was there."""
    monkeypatch.setattr(sanitizer.Grammar, "_known", lambda grammar, key, plugins: grammar.commands.get(key))
    fails_against("plugins")
