"""State that belongs to the user alone: chefwrap's folders 0700 and files 0600 whatever the umask, nothing
opened through a symlink or when someone else owns it, a state folder others may write never used, and a
lock or spool folder damaged or left by root never stranding events. A second local user (setpriv) attacks
a victim's home; the victim runs the real shims."""

import os
import shutil
import stat
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from chefwrap.delivery import ledger

from support.endpoint import Behaviour, Endpoint, closed_port_url
from support.world import NOBODY, PYTHON, World, as_user, spool_events, wait_for

ATTACKER = 65533  # another local user, with no capability at all


@pytest.fixture
def victim():
    """A world whose home belongs to an unprivileged user (nobody), chefwrap installed, nothing decided yet."""
    root = tempfile.mkdtemp(prefix="chefwrap-victim-")
    os.chmod(root, 0o755)
    world = World(Path(root), Endpoint())
    try:
        world.install("--shell", "bash")
        subprocess.run(["chown", "-R", f"{NOBODY}:{NOBODY}", root], check=True)
        yield world
        world.retire()
    finally:
        shutil.rmtree(root)


def as_victim(world, argv, umask="022", env=None):
    """Run `argv` as the victim, under `umask`."""
    command = [*as_user(NOBODY), "/bin/sh", "-c", f'umask {umask}; exec "$@"', "sh", *map(str, argv)]
    return subprocess.run(command, env=env or world.env(), capture_output=True, timeout=120, cwd=world.home)


def as_attacker(argv):
    command = ["setpriv", f"--reuid={ATTACKER}", f"--regid={ATTACKER}", "--clear-groups", "--", *map(str, argv)]
    return subprocess.run(command, capture_output=True, timeout=60)


def chefwrap_as_victim(world, *args, umask="022"):
    return as_victim(world, [PYTHON, "-m", "chefwrap", *args], umask=umask)


def knife_as_victim(world, *args, umask="022"):
    result = as_victim(world, [world.shims / "knife", "echo", *args], umask=umask)
    assert (result.returncode, result.stdout, result.stderr) == (0, (" ".join(args) + "\n").encode(), b""), result
    return result


def victims_file(world) -> Path:
    target = world.home / "notes.txt"
    target.write_bytes(b"the victim's own notes\n")
    os.chown(target, NOBODY, NOBODY)
    return target


def test_under_umask_000_state_is_the_users_alone_and_another_user_can_plant_nothing(victim):
    world = victim
    assert chefwrap_as_victim(world, "telemetry", "enable", umask="000").returncode == 0
    knife_as_victim(world, "node", "list", umask="000")
    world.endpoint.wait_for(1)
    world.wait_for_senders_to_finish()

    made = [world.chef, *world.chef.rglob("*")]
    assert {path.name for path in made} >= {".chef", "chefwrap", "TELEMETRY_SESSION_ID", "config.toml", "shared-with", "ledger.jsonl", "sent-sessions", "erase-secret", "spool"}
    loose = {str(path): oct(stat.S_IMODE(path.lstat().st_mode)) for path in made if stat.S_IMODE(path.lstat().st_mode) not in (0o700, 0o600)}
    assert loose == {}

    target = victims_file(world)
    planted = as_attacker(["ln", "-sf", target, world.chef / "TELEMETRY_SESSION_ID"])
    assert planted.returncode != 0 and b"Permission denied" in planted.stderr
    listed = as_attacker(["ls", world.chef / "chefwrap" / "spool"])  # pending event ids to forge
    assert listed.returncode != 0 and b"Permission denied" in listed.stderr
    dropped = as_attacker(["sh", "-c", f"echo {world.endpoint.url} > {world.chef / 'chefwrap' / 'spool' / 'x.json'}"])
    assert dropped.returncode != 0
    knife_as_victim(world, "role", "list", umask="000")
    world.endpoint.wait_for(2)
    assert target.read_bytes() == b"the victim's own notes\n"


def test_a_state_folder_others_may_write_is_not_used_until_it_is_fixed(victim):
    world = victim
    elsewhere = Endpoint()  # where the attacker would like the victim's sender to post
    try:
        assert chefwrap_as_victim(world, "telemetry", "enable").returncode == 0
        # As an earlier chefwrap left them under umask 000: every folder writable by everyone.
        spool = world.chef / "chefwrap" / "spool"
        spool.mkdir()
        os.chown(spool, NOBODY, NOBODY)
        for folder in (world.chef, world.chef / "chefwrap", spool):
            folder.chmod(0o777)
        target = victims_file(world)
        assert as_attacker(["ln", "-sf", target, world.chef / "TELEMETRY_SESSION_ID"]).returncode == 0
        forged = f'{elsewhere.url}\n{{"session_id": "2d5a4d61-d79a-4ff9-aa71-a403c2d5a001", "event_id": "forged"}}'
        record = spool / "00000000000000000001-2d5a4d61-d79a-4ff9-aa71-a403c2d5a002.json"
        assert as_attacker(["sh", "-c", f"printf '%s' '{forged}' > {record}"]).returncode == 0

        knife_as_victim(world, "node", "list")  # the tool runs as ever; nothing is recorded
        time.sleep(1)
        assert world.endpoint.requests == [] and elsewhere.requests == []
        assert target.read_bytes() == b"the victim's own notes\n"
        status = chefwrap_as_victim(world, "telemetry", "status").stdout.decode()
        assert status.splitlines()[0] == (
            f"Data sharing: off ({world.chef} may be written by others (mode 0777): nothing is recorded until it is fixed "
            f"(chmod go-w {world.chef}, or run `chefwrap doctor --fix`))"
        )
        doctor = chefwrap_as_victim(world, "doctor", "--shell", "bash").stdout.decode()
        assert f"problem: {world.chef} may be written by others (mode 0777): nothing is recorded until it is fixed\n" in doctor
        assert f"    fix: chmod go-w {world.chef}, or run `chefwrap doctor --fix`\n" in doctor

        fixed = chefwrap_as_victim(world, "doctor", "--fix", "--shell", "bash").stdout.decode()
        assert f"fixed: took others' write permission from {world.chef}\n" in fixed
        assert f"fixed: made {world.chef / 'chefwrap'} 0700\n" in fixed and f"fixed: made {spool} 0700\n" in fixed
        assert "may be written by others" not in fixed
        knife_as_victim(world, "role", "list")
        (request,) = world.endpoint.wait_for(1)
        world.wait_for_senders_to_finish()
        assert request.event["payload"]["properties"]["command"] == "knife"
        assert elsewhere.requests == []  # the forged record (someone else's file) was dropped, never posted
        assert any("not yours (it belongs to uid 65533)" in line for line in ledger.notes(world.env()))
        assert target.read_bytes() == b"the victim's own notes\n"
        assert not (world.chef / "TELEMETRY_SESSION_ID").is_symlink()
    finally:
        elsewhere.close()


# Every state file, a symlink planted in its place: never read or written through.

STATE_FILES = {
    "session": "TELEMETRY_SESSION_ID",
    "session-lock": "chefwrap/session.lock",
    "sender-lock": "chefwrap/sender.lock",
    "ledger": "chefwrap/ledger.jsonl",
    "sender-log": "chefwrap/sender.log",
    "context-cache": "chefwrap/context-cache",
    "backoff": "chefwrap/backoff",
    "settings": "chefwrap/config.toml",
    "sent-sessions": "chefwrap/sent-sessions",
    "erase-secret": "chefwrap/erase-secret",
    "moved": "chefwrap/moved",
    "spool-record": "chefwrap/spool/00000000000000000001-2d5a4d61-d79a-4ff9-aa71-a403c2d5a002.json",
}
FAST = {"CHEFWRAP_SENDER_FIRST_DELAY": "0.05", "CHEFWRAP_SENDER_LONGEST_PAUSE": "1"}


@pytest.mark.parametrize("state_file", STATE_FILES)
@pytest.mark.parametrize("target_kind", ["existing", "missing"])
def test_a_symlink_planted_as_any_state_file_is_never_followed(installed, state_file, target_kind):
    """Each run writes every state file at least once: a note (a damaged record), a pause (an endpoint
    that refuses), a redirect remembered, the ledger and the record of sent sessions, a context read,
    the session and the erase secret; then status and forget."""
    target = installed.root / "victim.txt"
    if target_kind == "existing":
        target.write_bytes(b"precious\n")
    path = installed.chef / STATE_FILES[state_file]
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    path.symlink_to(target)
    repository = installed.root / "repository"
    repository.mkdir()
    (repository / "Policyfile.lock.json").write_text('{"cookbook_locks": {}}')
    (installed.chef / "chefwrap" / "spool").mkdir(exist_ok=True)
    (installed.chef / "chefwrap" / "spool" / "00000000000000000002-damaged.json").write_bytes(b"not a record")
    dead = closed_port_url()
    installed.opt_in(dead)
    spool_events(installed, dead, 1)
    env = installed.env(PWD=repository, **FAST)
    moved = Endpoint()
    try:
        installed.endpoint.default = Behaviour(status=301, headers={"Location": moved.url + "/events"})
        for command in ("node", "role"):
            installed.run([installed.shims / "knife", command, "list"], env=env, cwd=repository)
            installed.wait_for_senders_to_finish()
        moved.wait_for(2)
        assert installed.chefwrap("telemetry", "status", env=env)[0] == 0
        code, out, err = installed.chefwrap("telemetry", "forget", env=env)
        assert code == 0, out + err
    finally:
        moved.close()
    if target_kind == "existing":
        assert target.read_bytes() == b"precious\n"
    else:
        assert not target.exists()
    assert [request.method for request in moved.requests] == ["POST", "POST", "DELETE"]
    assert len(installed.endpoint.requests) == 1  # the redirect, remembered


def test_a_symlinked_list_of_endpoints_is_no_yes(installed):
    """A yes is only what the user's own file says: one read through a link could name any endpoint."""
    elsewhere = installed.root / "shared-with-elsewhere"
    elsewhere.write_text(installed.endpoint.url + "\n")
    shared_with = installed.chef / "chefwrap" / "shared-with"
    shared_with.unlink()
    shared_with.symlink_to(elsewhere)
    installed.run([installed.shims / "knife", "node", "list"])
    time.sleep(0.5)
    installed.wait_for_senders_to_finish()
    assert installed.endpoint.requests == [] and installed.spooled() == []


# A lock the user cannot open, a spool folder replaced by something else: delivery goes on.

@pytest.mark.parametrize("lock", ["root-owned", "mode-0000"])
def test_a_lock_the_user_cannot_open_never_strands_events(victim, lock):
    world = victim
    assert chefwrap_as_victim(world, "telemetry", "enable").returncode == 0
    path = world.chef / "chefwrap" / "sender.lock"
    path.write_bytes(b"")
    if lock == "root-owned":
        os.chown(path, 0, 0)
        path.chmod(0o600)
        said = f"{path} belongs to another user (uid 0)"
    else:
        os.chown(path, NOBODY, NOBODY)
        path.chmod(0)
        said = f"{path} may not be opened by you (mode 0000)"
    doctor = chefwrap_as_victim(world, "doctor", "--shell", "bash").stdout.decode()
    assert f"problem: {said}, so no sender can start with it\n" in doctor
    status = chefwrap_as_victim(world, "telemetry", "status").stdout.decode()
    assert f"Lock:         {said}: the next command replaces it, or run `chefwrap doctor --fix`\n" in status

    for command in ("node", "role", "client"):
        knife_as_victim(world, command, "list")
    world.endpoint.wait_for(3)
    world.wait_for_senders_to_finish()
    assert world.spooled() == []
    assert path.lstat().st_uid == NOBODY and stat.S_IMODE(path.lstat().st_mode) == 0o600
    assert "Lock:" not in chefwrap_as_victim(world, "telemetry", "status").stdout.decode()


def replace_with(path, kind):
    if path.is_dir():
        shutil.rmtree(path)
    if kind == "file":
        path.write_bytes(b"not a folder")
    else:
        os.mkfifo(path)


@pytest.mark.parametrize("kind", ["file", "fifo"])
def test_a_spool_folder_replaced_by_something_else_is_moved_aside_and_delivery_goes_on(installed, kind):
    spool = installed.chef / "chefwrap" / "spool"
    replace_with(spool, kind)
    said = "a file" if kind == "file" else "a FIFO"
    _, status, _ = installed.chefwrap("telemetry", "status")
    assert f"State:        {spool} is {said}, not a folder: the next recorded command moves it aside, or run `chefwrap doctor --fix`\n" in status
    _, doctor, _ = installed.chefwrap("doctor", "--shell", "bash")
    assert f"problem: {spool} is not a folder but {said}\n" in doctor

    for command in ("node", "role"):
        installed.run([installed.shims / "knife", command, "list"])
    installed.endpoint.wait_for(2)
    installed.wait_for_senders_to_finish()
    assert spool.is_dir() and installed.spooled() == []
    (aside,) = [name for name in os.listdir(installed.chef / "chefwrap") if name.startswith(".spool.damaged.")]
    assert (installed.chef / "chefwrap" / aside).exists()  # moved aside: nothing in it is lost
    assert "State:" not in installed.chefwrap("telemetry", "status")[1]


@pytest.mark.parametrize("kind", ["file", "fifo"])
def test_chefwraps_folder_replaced_by_something_else_is_named_and_repaired(installed, kind):
    own = installed.chef / "chefwrap"
    replace_with(own, kind)
    said = "a file" if kind == "file" else "a FIFO"
    _, status, _ = installed.chefwrap("telemetry", "status")
    assert f"State:        {own} is {said}, not a folder" in status
    _, doctor, _ = installed.chefwrap("doctor", "--shell", "bash")
    assert f"problem: {own} is not a folder but {said}\n" in doctor
    _, fixed, _ = installed.chefwrap("doctor", "--fix", "--shell", "bash")
    assert f"fixed: moved {own} aside to {installed.chef}/.chefwrap.damaged." in fixed
    assert f"{own} is not a folder" not in fixed
    installed.opt_in()  # the yes for the endpoint lived in it
    installed.run([installed.shims / "knife", "node", "list"])
    wait_for(lambda: installed.endpoint.requests, what="the event")
