"""Context from lock files and kitchen.yml: public names and versions only, private things only counted."""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from chefwrap.shim import context

from support.collector_world import published_report
from support.context_files import BERKSFILE_LOCK, KITCHEN_YML, OLD_BERKSFILE_LOCK, POLICYFILE_LOCK, PRIVATE
from support.hostile_files import slow_kitchen_yml
from support.world import World

REPO = Path(__file__).resolve().parent.parent.parent
@pytest.fixture
def repository(tmp_path):
    folder = tmp_path / "acme-repo"
    (folder / "cookbooks" / "acme_web").mkdir(parents=True)
    return folder


@pytest.fixture(autouse=True)
def patient_budget(monkeypatch):
    """In this process, next to a busy test suite, a quick parse can still miss 200 ms of CPU: the tests
    that are not about the budget get a second. The shims' own runs keep the real budget."""
    monkeypatch.setattr(context, "BUDGET_SECONDS", 1.0)


def gathered(world, tool, folder, env=None):
    variables = dict(env or world.env(), PWD=str(folder))
    return context.as_properties(context.gather(tool, str(world.tools / tool).encode(), variables))


def test_a_policyfile_lock_names_only_cookbooks_from_the_public_supermarket(world, repository):
    (repository / "Policyfile.lock.json").write_text(json.dumps(POLICYFILE_LOCK, indent=2))
    found = gathered(world, "knife", repository / "cookbooks" / "acme_web")
    assert found["cookbooks"] == {
        "source": "policyfile",
        "public": [{"name": "apt", "version": "7.5.22"}, {"name": "nginx", "version": "12.2.7"}],
        "other": 6,
    }


def test_a_berksfile_lock_cannot_prove_provenance_so_it_only_counts(world, repository):
    (repository / "Berksfile.lock").write_text(BERKSFILE_LOCK)
    assert gathered(world, "knife", repository)["cookbooks"] == {"source": "berkshelf", "public": [], "other": 3}


def test_an_old_json_berksfile_lock_names_cookbooks_from_the_public_site(world, repository):
    (repository / "Berksfile.lock").write_text(json.dumps(OLD_BERKSFILE_LOCK))
    assert gathered(world, "knife", repository)["cookbooks"] == {
        "source": "berkshelf",
        "public": [{"name": "ntp", "version": "1.1.8"}],
        "other": 2,
    }


def test_kitchen_yml_gives_public_plugins_and_platforms_without_evaluating_erb(world, repository):
    (repository / "kitchen.yml").write_text(KITCHEN_YML)
    assert gathered(world, "kitchen", repository)["kitchen"] == {
        "driver": "vagrant",
        "provisioner": "chef_infra",
        "verifier": "inspec",
        "transport": "ssh",
        "platforms": ["bento/centos-stream-9", "ubuntu-22.04"],
        "other_plugins": 0,
        "other_platforms": 2,
    }
    assert "kitchen" not in gathered(world, "knife", repository)  # only for kitchen commands


def test_private_kitchen_plugins_are_counted_and_the_local_override_applies(world, repository):
    (repository / ".kitchen.yml").write_text("driver:\n  name: acme_cloud\nprovisioner: acme_provisioner\nplatforms:\n  - name: acme-7\n")
    (repository / ".kitchen.local.yml").write_text("driver:\n  name: dokken\n")
    assert gathered(world, "kitchen", repository)["kitchen"] == {
        "driver": "dokken",
        "platforms": [],
        "other_plugins": 1,
        "other_platforms": 1,
    }


def test_kitchen_yaml_names_another_file(world, repository):
    (repository / "ci.yml").write_text("driver:\n  name: ec2\nplatforms: []\n")
    found = gathered(world, "kitchen", repository, env=world.env(KITCHEN_YAML="ci.yml"))
    assert found["kitchen"]["driver"] == "ec2"


@pytest.mark.parametrize(
    "name, content",
    [
        ("Policyfile.lock.json", b'{"cookbook_locks": {"nginx": '),
        ("Policyfile.lock.json", b"\xff\xfe not json"),
        ("Berksfile.lock", b"\xff\xfe\x00"),
        ("kitchen.yml", b"driver: [unclosed\n  - : :\n"),
        ("kitchen.yml", b"\xff\xfe\x00\x01"),
        ("kitchen.yml", b"- just\n- a list\n"),
        ("Policyfile.lock.json", b'{"cookbook_locks": {"x": {"version": "1", "source_options": {}}}' + b" " * (5 * 1024 * 1024) + b"}"),
        ("kitchen.yml", b"driver:\n  name: vagrant\n" + b"# padding\n" * (500 * 1024)),
    ],
    ids=["truncated-json", "not-json", "binary-berksfile", "broken-yaml", "binary-yaml", "yaml-list", "5mb-lock", "5mb-kitchen"],
)
def test_a_broken_or_huge_file_costs_nothing_and_prints_nothing(installed, repository, name, content):
    (repository / name).write_bytes(content)
    env = installed.env(PWD=repository)
    result = installed.run([installed.shims / "kitchen", "echo", "fine"], env=env, cwd=repository)
    assert (result.returncode, result.stdout, result.stderr) == (0, b"fine\n", b"")
    (request,) = installed.endpoint.wait_for(1)
    properties = request.event["payload"]["properties"]
    assert properties["command"] == "kitchen"
    assert "cookbooks" not in properties or properties["cookbooks"]["public"] == []
    assert "kitchen" not in properties or properties["kitchen"].get("driver") in (None, "vagrant")


def test_versions_are_read_from_a_workstation_install_without_running_anything(tmp_path, endpoint_world):
    world = endpoint_world
    root = tmp_path / "opt" / "chef-workstation"
    specifications = root / "embedded" / "lib" / "ruby" / "gems" / "3.1.0" / "specifications"
    specifications.mkdir(parents=True)
    # A platform gem's specification (`-universal-mingw-ucrt`) is not `<gem>-<version>.gemspec`: not read.
    for gem in ("knife-18.4.2", "knife-17.10.0", "chef-18.4.2", "chef-19.0.0-universal-mingw-ucrt", "test-kitchen-3.6.0", "chef-cli-5.6.14", "acme-internal-1.0.0"):
        (specifications / f"{gem}.gemspec").write_text("# gemspec\n")
    (root / "version-manifest.json").write_text(json.dumps({"name": "chef-workstation", "build_version": "24.2.1058", "software": {"acme": {}}}))
    (root / "bin").mkdir()
    World.add_fake_tool(root / "bin", "knife")
    (world.tools / "knife").unlink()
    env = world.env(path_first=[])
    env["PATH"] = f"{world.shims}:{root / 'bin'}:/usr/bin:/bin"

    result = world.run([world.shims / "knife", "node", "list"], env=env)
    assert result.returncode == 0
    (request,) = world.endpoint.wait_for(1)
    assert request.event["payload"]["properties"]["versions"] == {"workstation": "24.2.1058", "knife": "18.4.2", "chef": "18.4.2", "kitchen": "3.6.0", "chef-cli": "5.6.14"}


def test_results_are_cached_by_file_identity(world, repository):
    lock = repository / "Policyfile.lock.json"
    lock.write_text(json.dumps(POLICYFILE_LOCK))
    first = gathered(world, "knife", repository)
    status = lock.stat()
    # Same size, same inode, same modification time: the cache answers without reading the file.
    lock.write_text(json.dumps(POLICYFILE_LOCK).replace("nginx", "xnign"))
    os.utime(lock, ns=(status.st_atime_ns, status.st_mtime_ns))
    assert gathered(world, "knife", repository) == first
    os.utime(lock, ns=(status.st_atime_ns, status.st_mtime_ns + 1_000_000_000))
    assert {"name": "xnign", "version": "12.2.7"} in gathered(world, "knife", repository)["cookbooks"]["public"]


def test_a_file_whose_reading_killed_the_process_is_skipped_by_the_next_run(world, repository):
    """A parser that crashes (PyYAML before 6.0.4 on 40,000 brackets), or a read cut short by the recorder's
    deadline: the file's identity was written down before the read, so the next run does not read it."""
    kitchen = repository / "kitchen.yml"
    kitchen.write_text("driver:\n  name: vagrant\n")
    program = (
        f"import os, sys; sys.path.insert(0, {str(REPO)!r}); from chefwrap.shim.context.identity_cache import Cache;"
        "cache = Cache(dict(os.environ));"
        f"found = cache.lookup('kitchen', [{str(kitchen)!r}], lambda paths: os._exit(int(sys.argv[1])));"
        "cache.save(); print(found)"
    )
    env = dict(world.env(), PWD=str(repository))
    crashed = subprocess.run([sys.executable, "-c", program, "139"], env=env, capture_output=True, timeout=60)
    assert (crashed.returncode, crashed.stdout) == (139, b"")  # killed in the middle of the read
    again = subprocess.run([sys.executable, "-c", program, "0"], env=env, capture_output=True, timeout=60)
    assert (again.returncode, again.stdout) == (0, b"{}\n")  # skipped: the read (which would exit 0 at once) never ran


@pytest.mark.fast
def test_the_budget_holds_when_its_first_alarms_are_swallowed(monkeypatch):
    """A garbage collection that runs finalizers when the budget runs out swallows the OutOfTime raised in
    them ("Exception ignored in ..."); seen in the full parallel run, where a long-lived worker holds many
    such objects. Five swallowed alarms, then a read of 2 s of CPU: the budget still ends it."""
    from chefwrap.shim.context.limits import OutOfTime

    def burn(seconds):
        until = time.process_time() + seconds
        while time.process_time() < until:
            pass

    def read_everything(tool, real, variables, keep, found, caches):
        for _ in range(5):
            try:
                burn(0.3)
            except OutOfTime:
                pass  # swallowed, as in a __del__ or a weakref callback
        burn(2.0)
        found["kitchen"] = {"driver": "vagrant"}

    monkeypatch.setattr(context, "read_everything", read_everything)
    monkeypatch.setattr(context, "BUDGET_SECONDS", 0.05)
    started = time.process_time()
    assert context.gather("kitchen", b"/nonexistent/kitchen", {"HOME": "/nonexistent"}, keep=False) == {}
    assert time.process_time() - started < 1.0


def test_a_kitchen_yml_that_ran_out_of_budget_is_not_read_again(world, repository, monkeypatch):
    gathered(world, "kitchen", repository)  # the versions are cached: the budget goes to kitchen.yml
    kitchen = repository / "kitchen.yml"
    slow = slow_kitchen_yml()
    kitchen.write_bytes(slow)
    monkeypatch.setattr(context, "BUDGET_SECONDS", 0.2)
    assert "kitchen" not in gathered(world, "kitchen", repository)  # out of time
    monkeypatch.setattr(context, "BUDGET_SECONDS", 1.0)
    # Same file, same size, same modification time, now quick to read: remembered, so not read again.
    status = kitchen.stat()
    quick = b"driver:\n  name: vagrant\n"
    with open(kitchen, "r+b") as stream:
        stream.write(quick + b"#" * (len(slow) - len(quick) - 1) + b"\n")
    os.utime(kitchen, ns=(status.st_atime_ns, status.st_mtime_ns))
    assert "kitchen" not in gathered(world, "kitchen", repository)
    os.utime(kitchen, ns=(status.st_atime_ns, status.st_mtime_ns + 1_000_000_000))  # changed: read again
    assert gathered(world, "kitchen", repository)["kitchen"]["driver"] == "vagrant"


def test_erb_blanking_takes_linear_time():
    """300,000 unclosed `<%` took a regular expression hours; a single pass takes milliseconds."""
    data = b"driver:\n  name: vagrant\n# " + b"<% " * 300_000
    probe = (
        f"import sys; sys.path.insert(0, {str(REPO)!r}); from chefwrap.shim.context.kitchen_yaml import load_yaml;"
        "print(load_yaml(sys.stdin.buffer.read()))"
    )
    result = subprocess.run([sys.executable, "-c", probe], input=data, capture_output=True, timeout=30)
    assert result.stdout.strip() == b"{'driver': {'name': 'vagrant'}}", result.stderr


def test_no_private_name_or_path_is_written_anywhere(installed, repository):
    (repository / "Policyfile.lock.json").write_text(json.dumps(POLICYFILE_LOCK))
    (repository / "kitchen.yml").write_text(KITCHEN_YML)
    (repository / "Berksfile.lock").write_text(BERKSFILE_LOCK)
    installed.chefwrap("telemetry", "local")
    env = installed.env(PWD=repository)
    for tool, argv in (("kitchen", ["converge", "acme-secret-suite-ubuntu"]), ("knife", ["cookbook", "upload", "acme_web"]), ("chef", ["install"])):
        installed.run([installed.shims / tool, *argv], env=env, cwd=repository)
    installed.wait_for_senders_to_finish()
    shown = installed.chefwrap("telemetry", "show", "--sent")[1]
    assert '"nginx"' in shown and "bento/centos-stream-9" in shown and '"vagrant"' in shown
    written = b"".join(path.read_bytes() for path in installed.chef.rglob("*") if path.is_file())
    assert (installed.chef / "chefwrap" / "context-cache").exists()
    for secret in PRIVATE + [str(repository), str(installed.root)]:
        assert secret.encode() not in written, secret
        assert secret not in shown


def test_the_collector_reports_cookbooks_plugins_and_platforms(tmp_path):
    from chefwrap.collector import schema_upgrade
    from chefwrap.collector.store import Store
    from chefwrap.collector.validation import events_in
    from chefwrap.shim import event, sanitizer

    store = Store(str(tmp_path / "c.sqlite3"))
    schema_upgrade.upgrade(store)
    found = {
        "cookbooks": {"source": "policyfile", "public": [{"name": "nginx", "version": "12.2.7"}], "other": 2},
        "kitchen": {"driver": "vagrant", "provisioner": "chef_infra", "platforms": ["ubuntu-22.04"], "other_plugins": 0, "other_platforms": 1},
        "versions": {"kitchen": "3.6.0"},
    }
    built = event.build(sanitizer.sanitize("kitchen", ["converge"]), 0, 10.0, event.new_uuid(), {}, context=found)
    store.add(events_in(event.to_json(built).encode()))
    report = published_report(store, 1)
    assert report["cookbooks"] == [{"name": "nginx", "version": "12.2.7", "count": 1}]
    assert {"kind": "driver", "name": "vagrant", "count": 1} in report["kitchen_plugins"]
    assert report["platforms"] == [{"name": "ubuntu-22.04", "count": 1}]
    from chefwrap.collector import published
    from chefwrap.collector.report_format import as_text

    with store.reading() as connection:
        view = published.View(connection, 1, min_sessions=1)
        assert [(row["version"], row["count"]) for row in published.versions(view, 1)["tools"]["kitchen"]] == [("3.6.0", 1)]
    assert "Community cookbooks" in as_text(report) and "nginx" in as_text(report)
    store.close()


def test_preview_shows_the_context_of_the_current_folder(installed, repository):
    (repository / "Policyfile.lock.json").write_text(json.dumps(POLICYFILE_LOCK))
    code, out, _ = installed.chefwrap("telemetry", "preview", "--", "chef", "install", env=installed.env(PWD=repository))
    assert code == 0
    assert json.loads(out)["payload"]["properties"]["cookbooks"]["public"][1] == {"name": "nginx", "version": "12.2.7"}
    assert "acme" not in out


@pytest.fixture
def endpoint_world(installed):
    shutil.rmtree(installed.home / ".chef" / "chefwrap", ignore_errors=True)
    installed.opt_in()  # the yes for the endpoint lived there
    return installed
