"""install and uninstall: the right files, one block, and a home byte-identical after the round trip."""

import os
import shutil
import subprocess
import sys

import pytest

import chefwrap
from chefwrap.setup import shim_files
from chefwrap.setup.startup_files import BEGIN, END

from support.world import NOBODY, PYTHON, as_user, skel, virtual_environment_with_chefwraps_libraries

SHELLS = ("bash", "zsh", "fish", "sh")


def snapshot(root):
    """Every file, link and folder under `root`: contents, link targets and permissions."""
    tree = {}
    for folder, subfolders, names in os.walk(root):
        for name in subfolders + names:
            path = os.path.join(folder, name)
            status = os.lstat(path)
            if os.path.islink(path):
                tree[path] = ("link", os.readlink(path))
            elif os.path.isdir(path):
                tree[path] = ("folder", status.st_mode)
            else:
                tree[path] = ("file", status.st_mode, open(path, "rb").read())
    return tree


def blocks_in(path):
    return path.read_bytes().count(BEGIN)


@pytest.fixture
def debian_home(world):
    for name in (".bashrc", ".profile"):
        (world.home / name).write_bytes(skel(name))
    return world


def has_run_fish(world):
    """A fish user's home: fish made its own files on its first interactive start (install runs fish to
    check what it finds, and must not be blamed for them)."""
    subprocess.run(["fish", "-i", "-c", "emit fish_prompt"], env=world.env(), cwd=world.home, capture_output=True, stdin=subprocess.DEVNULL, timeout=60)


@pytest.mark.parametrize("shell", SHELLS)
def test_uninstall_restores_the_home_byte_for_byte(debian_home, shell):
    (debian_home.home / ".zshrc").write_bytes(b"setopt no_beep\nexport EDITOR=vi")  # no final newline
    if shell == "fish":
        has_run_fish(debian_home)
    before = snapshot(debian_home.root)

    debian_home.install("--shell", shell)
    assert snapshot(debian_home.root) != before
    code, out, err = debian_home.chefwrap("uninstall")

    assert code == 0, err
    assert snapshot(debian_home.root) == before


def test_a_home_where_fish_never_ran_is_left_as_it_was(debian_home):
    """install and doctor start fish to see what it runs; a first fish writes its variables, folders and
    history into the home. None of that may outlive uninstall."""
    before = snapshot(debian_home.root)
    debian_home.install("--shell", "fish")
    debian_home.chefwrap("doctor", "--shell", "fish")
    code, out, err = debian_home.chefwrap("uninstall")
    assert code == 0, err
    assert snapshot(debian_home.root) == before


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"export A=1\n", id="plain"),
        pytest.param(b"export A=1", id="no-final-newline"),
        pytest.param(b"", id="empty"),
        pytest.param(b"\n\n", id="blank-lines"),
        pytest.param(b"export A=1\r\nexport B=2\r\n", id="crlf"),
        pytest.param(b"echo '\xff\xfe'\n# caf\xe9\n", id="not-utf-8"),
        pytest.param(b"case $- in\n    *i*) ;;\n      *) return;;\nesac\nalias k=knife", id="non-interactive-guard"),
        pytest.param(b"[ -z \"$PS1\" ] && return\nalias k=knife\n", id="ps1-guard"),
    ],
)
def test_round_trip_of_every_kind_of_bashrc(world, content):
    bashrc = world.home / ".bashrc"
    bashrc.write_bytes(content)
    world.install("--shell", "bash")
    assert blocks_in(bashrc) == 1
    world.chefwrap("uninstall")
    assert bashrc.read_bytes() == content


def test_the_block_goes_above_the_non_interactive_return(debian_home):
    debian_home.install("--shell", "bash")
    content = (debian_home.home / ".bashrc").read_bytes()
    before, after = content.split(END)
    assert b"*) return;;" in after and b"return" not in before


def test_installing_twice_leaves_one_block_and_the_same_files(debian_home):
    debian_home.install("--shell", "bash")
    once = snapshot(debian_home.root)
    debian_home.install("--shell", "bash")
    assert snapshot(debian_home.root) == once
    assert blocks_in(debian_home.home / ".bashrc") == 1
    assert blocks_in(debian_home.home / ".profile") == 1


def test_a_moved_block_is_refreshed_where_it_stands(world):
    bashrc = world.home / ".bashrc"
    world.install("--shell", "bash")
    block = bashrc.read_bytes()
    bashrc.write_bytes(b"# mine\n" + block + b"# also mine\n")
    world.install("--shell", "bash")
    assert bashrc.read_bytes() == b"# mine\n" + block + b"# also mine\n"


def test_a_symlinked_startup_file_is_edited_through_the_link_and_stays_a_link(world):
    dotfiles = world.root / "dotfiles"
    dotfiles.mkdir()
    (dotfiles / "bashrc").write_bytes(b"alias k=knife\n")
    (world.home / ".bashrc").symlink_to(dotfiles / "bashrc")

    world.install("--shell", "bash")
    assert (world.home / ".bashrc").is_symlink()
    assert BEGIN in (dotfiles / "bashrc").read_bytes()

    world.chefwrap("uninstall")
    assert os.readlink(world.home / ".bashrc") == str(dotfiles / "bashrc")
    assert (dotfiles / "bashrc").read_bytes() == b"alias k=knife\n"


def test_a_file_install_created_is_gone_after_uninstall(world):
    world.install("--shell", "zsh")
    assert (world.home / ".zshenv").exists() and (world.home / ".zshrc").exists()
    world.chefwrap("uninstall")
    assert sorted(os.listdir(world.home)) == [".local", "bin"]


def test_a_file_install_created_but_the_user_added_to_stays(world):
    world.install("--shell", "zsh")
    with open(world.home / ".zshrc", "ab") as f:
        f.write(b"alias k=knife\n")
    world.chefwrap("uninstall")
    assert (world.home / ".zshrc").read_bytes() == b"alias k=knife\n"
    assert not (world.home / ".zshenv").exists()


def test_folders_install_made_go_but_the_users_own_stay(world):
    share = world.home / ".local" / "share"
    before = sorted(os.listdir(share))
    world.install("--shell", "bash")
    assert (share / "bash-completion" / "completions" / "chefwrap").exists()
    world.chefwrap("uninstall")
    assert os.listdir(world.home / ".local") == ["share"]
    assert sorted(os.listdir(share)) == before


def test_uninstall_leaves_the_data_sharing_decision_alone(debian_home):
    chef = debian_home.home / ".chef"
    chef.mkdir()
    (chef / "telemetry_opt_out").write_bytes(b"")
    debian_home.install("--shell", "bash")
    debian_home.chefwrap("uninstall")
    assert (chef / "telemetry_opt_out").exists()


def test_an_unwritable_startup_file_gets_exact_lines_to_add_by_hand(debian_home):
    """Root writes through chmod 444: the run drops the capabilities that let it, as setpriv does for a user."""
    bashrc = debian_home.home / ".bashrc"
    bashrc.chmod(0o444)
    before = bashrc.read_bytes()
    setpriv = shutil.which("setpriv")
    assert setpriv, "setpriv (util-linux) is needed"
    drop = [setpriv, "--bounding-set=-dac_override,-dac_read_search,-fowner"]
    assert subprocess.run(drop + ["sh", "-c", f"echo x >> '{bashrc}'"], capture_output=True).returncode != 0

    result = subprocess.run(
        drop + [PYTHON, "-m", "chefwrap", "install", "--shell", "bash"],
        env=debian_home.env(),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert bashrc.read_bytes() == before
    assert f"cannot write {bashrc}: Permission denied" in result.stderr
    from chefwrap.environment import Environment
    from chefwrap.paths import Locations
    from chefwrap.setup.startup_files import render_block

    block = render_block("bash", Locations.of(Environment(debian_home.env())))
    assert b"\n".join(block).decode() in result.stderr
    assert (debian_home.shims / "knife").exists()  # everything else was done


def test_a_folder_where_a_startup_file_should_be_is_a_clear_error(world):
    (world.home / ".bashrc").mkdir()
    code, out, err = world.chefwrap("install", "--shell", "bash")
    assert code == 1
    assert err.count("\n") == 1 and ".bashrc" in err and "Is a directory" in err
    assert not world.shims.exists()


def test_a_damaged_block_stops_install_before_anything_is_written(world):
    (world.home / ".bashrc").write_bytes(b"x\n" + BEGIN + b"\nPATH=/somewhere\n")
    code, out, err = world.chefwrap("install", "--shell", "bash")
    assert code == 1
    assert "has no end marker" in err and ".bashrc" in err
    assert not world.shims.exists()


def test_dry_run_shows_a_diff_and_changes_nothing(debian_home):
    before = snapshot(debian_home.root)
    code, out, err = debian_home.chefwrap("install", "--shell", "bash", "--dry-run")
    assert code == 0
    assert snapshot(debian_home.root) == before
    assert f"+++ {debian_home.home / '.bashrc'}" in out
    assert "+" + BEGIN.decode() in out
    assert f"+++ {debian_home.shims / 'knife'}" in out

    debian_home.install("--shell", "bash")
    installed = snapshot(debian_home.root)
    code, out, err = debian_home.chefwrap("uninstall", "--dry-run")
    assert code == 0
    assert snapshot(debian_home.root) == installed
    assert "-" + BEGIN.decode() in out


def test_tools_choose_the_shims(world):
    """The chefwrap command is always there beside them."""
    world.install("--shell", "bash", "--tools", "knife")
    assert sorted(os.listdir(world.shims)) == ["chefwrap", "knife"]
    world.install("--shell", "bash")
    assert sorted(os.listdir(world.shims)) == ["chef", "chefwrap", "kitchen", "knife"]
    world.install("--shell", "bash", "--tools", "kitchen,knife")
    assert sorted(os.listdir(world.shims)) == ["chefwrap", "kitchen", "knife"]


def test_an_unknown_tool_is_refused(world):
    with pytest.raises(SystemExit) as exit:
        world.chefwrap("install", "--shell", "bash", "--tools", "knife,berks")
    assert exit.value.code == 2


def test_install_refreshes_shims_written_by_another_version(installed):
    shim = installed.shims / "knife"
    stale = shim.read_bytes().replace(b"/", b"/old/", 1)
    shim.write_bytes(stale)
    installed.install("--shell", "bash")
    assert shim.read_bytes() != stale
    assert installed.run([shim, "exit", "9"]).returncode == 9


def test_chefwrap_home_moves_everything(world):
    elsewhere = world.root / "elsewhere"
    env = world.env(CHEFWRAP_HOME=elsewhere)
    env["PATH"] = f"{elsewhere}/shims:{world.tools}:/usr/bin:/bin"
    world.install("--shell", "bash", env=env)
    assert (elsewhere / "shims" / "knife").exists()
    assert str(elsewhere / "shims").encode() in (world.home / ".bashrc").read_bytes()
    assert world.run([elsewhere / "shims" / "knife", "exit", "3"], env=env).returncode == 3


def test_the_shim_runs_a_python_whose_path_is_long_and_strange(world):
    from chefwrap.setup import shim_files

    environment = world.root / ("x" * 60) / ("y $dollar `tick` \\ 'quote' 60")
    environment.parent.mkdir(parents=True)
    python = virtual_environment_with_chefwraps_libraries(environment)
    shim = world.shims / "knife"
    shim.parent.mkdir(parents=True)
    shim.write_bytes(shim_files.render("knife", world.shims, python=str(python)))
    shim.chmod(0o755)
    world.opt_in()
    result = world.run([shim, "exit", "8"], env=world.env(PYTHONWARNINGS="error"))
    assert (result.returncode, result.stderr) == (8, b"")
    report = world.take_report()
    assert report["argv"] == [b"exit".hex(), b"8".hex()]
    (request,) = world.endpoint.wait_for(1)  # recorded: that Python ran it
    assert request.event["payload"]["properties"]["command"] == "knife"


def test_shell_detection_finds_the_shell_that_runs_install_and_the_login_shell(world):
    script = f"'{PYTHON}' -m chefwrap install; exit $?"
    result = subprocess.run(["zsh", "-c", script], env=world.env(SHELL="/bin/bash"), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "Set up bash (your login shell) and zsh (it runs chefwrap).\n" in result.stdout
    assert (world.home / ".zshenv").exists() and (world.home / ".bashrc").exists()
    assert not (world.home / ".config" / "fish").exists()


def test_the_module_entry_point_runs(world):
    result = subprocess.run([sys.executable, "-m", "chefwrap", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.startswith("chefwrap ")


def run_without_a_shell_above(world, env):
    """Run `chefwrap install` in a process whose parents hold no shell: orphaned, it is adopted by init."""
    init = open("/proc/1/comm").read().strip()
    if init in ("bash", "zsh", "fish", "sh", "dash"):
        pytest.skip(f"init is {init}: every process has a shell above it")
    result_file = world.root / "orphan-result"
    program = (
        "import os, subprocess, sys\n"
        "if os.fork(): os._exit(0)\n"
        "result = subprocess.run([sys.executable, '-m', 'chefwrap', 'install'], capture_output=True, text=True)\n"
        f"open({str(result_file)!r} + '.tmp', 'w').write(str(result.returncode) + '\\n' + result.stderr)\n"
        f"os.rename({str(result_file)!r} + '.tmp', {str(result_file)!r})\n"
    )
    subprocess.run([PYTHON, "-c", program], env=env, check=True, timeout=30)
    from support.world import wait_for

    wait_for(result_file.exists, timeout=30, what="the orphaned install")
    code, _, stderr = result_file.read_text().partition("\n")
    return int(code), stderr


def test_shell_detection_falls_back_to_the_shell_variable(world):
    code, stderr = run_without_a_shell_above(world, world.env(SHELL="/usr/bin/fish"))
    assert code == 0, stderr
    assert (world.home / ".config" / "fish" / "conf.d" / "chefwrap.fish").exists()


def test_shell_detection_says_what_it_could_not_tell(world):
    env = world.env(SHELL="/bin/tcsh")
    code, stderr = run_without_a_shell_above(world, env)
    assert code == 2
    assert "cannot tell which shell to set up" in stderr and "tcsh" in stderr and "--shell" in stderr
    assert stderr.count("\n") == 1
    assert not world.shims.exists()


def test_a_shim_whose_chefwrap_was_removed_still_runs_the_real_tool(world):
    """chefwrap deleted (pip uninstall) without `chefwrap uninstall`: knife must keep working."""
    from chefwrap.setup import shim_files

    world.shims.mkdir(parents=True)
    shim = world.shims / "knife"
    shim.write_bytes(shim_files.render("knife", world.shims, package_parent=str(world.root / "gone")))
    shim.chmod(0o755)
    result = world.run([shim, "exit", "6"])
    assert (result.returncode, result.stdout, result.stderr) == (6, b"", b"")
    assert world.take_report()["argv"] == [b"exit".hex(), b"6".hex()]


def test_uninstall_through_a_dangling_symlink_restores_the_dangling_link(world):
    dotfiles = world.root / "dotfiles"
    dotfiles.mkdir()
    (world.home / ".bashrc").symlink_to(dotfiles / "bashrc")  # the target does not exist yet
    before = snapshot(world.root)
    world.install("--shell", "bash")
    assert BEGIN in (dotfiles / "bashrc").read_bytes()
    world.chefwrap("uninstall")
    assert snapshot(world.root) == before


def test_uninstall_removes_the_telemetry_state_and_stops_the_sender(installed):
    from support.endpoint import Behaviour

    (installed.chef / "telemetry_opt_in").write_bytes(b"")  # a yes to Chef, as the gem reads it
    installed.endpoint.then(Behaviour(kind="hang"))
    installed.run([installed.shims / "knife", "node", "list"])
    installed.endpoint.wait_for(1)
    assert installed.senders()
    code, out, err = installed.chefwrap("uninstall")
    assert code == 0, err
    assert not installed.senders()
    assert not (installed.chef / "chefwrap").exists()
    assert (installed.chef / "telemetry_opt_in").exists()  # the gem's decision file stays


def test_uninstall_keeps_the_record_of_sent_sessions_until_they_are_erased(installed):
    """Session ids and the erase secret, never the events: the ledger goes."""
    installed.run([installed.shims / "knife", "node", "list"])
    installed.endpoint.wait_for(1)
    installed.wait_for_senders_to_finish()
    code, out, err = installed.chefwrap("uninstall")
    assert code == 0, err
    assert sorted(os.listdir(installed.chef / "chefwrap")) == ["erase-secret", "sent-sessions"]
    assert "chefwrap telemetry forget" in out


# Every shell the user has, and the chefwrap command in each


def chefwrap_from_bash(world, *args):
    """`chefwrap ARGS` run from bash, the user's login shell: what shellingham finds above it is known."""
    script = f"'{PYTHON}' -m chefwrap {' '.join(args)}; exit $?"
    return subprocess.run(["bash", "-c", script], env=world.env(SHELL="/bin/bash"), capture_output=True, text=True, timeout=120)


def test_install_sets_up_every_shell_the_user_has_and_says_which(debian_home):
    (debian_home.home / ".zshrc").write_bytes(b"setopt histignorealldups\n")
    result = chefwrap_from_bash(debian_home, "install")
    assert result.returncode == 0, result.stderr
    assert "Set up bash (your login shell; it runs chefwrap; ~/.bashrc) and zsh (~/.zshrc).\n" in result.stdout
    assert "To set up another shell too: chefwrap install --shell fish\n" in result.stdout
    for name in (".bashrc", ".profile", ".zshenv", ".zprofile", ".zshrc"):
        assert blocks_in(debian_home.home / name) == 1, name
    assert not (debian_home.home / ".config" / "fish").exists()
    assert "go through the shims in an interactive bash (a terminal window)" in result.stdout
    assert "go through the shims in an interactive zsh (a terminal window)" in result.stdout

    doctor = chefwrap_from_bash(debian_home, "doctor")
    assert doctor.returncode == 0, doctor.stdout
    assert "a login script (`bash -l -c ...`), an interactive zsh (a terminal window)" in doctor.stdout  # both checked


def test_doctor_checks_every_shell_and_says_only_that_a_blockless_one_lacks_its_block(debian_home):
    (debian_home.home / ".zshrc").write_bytes(b"setopt histignorealldups\n")
    debian_home.install("--shell", "bash")
    doctor = chefwrap_from_bash(debian_home, "doctor")
    assert doctor.returncode == 1
    assert doctor.stdout == (
        "problem: the chefwrap block is missing from ~/.zshenv, ~/.zprofile, ~/.zshrc\n"
        "    fix: run `chefwrap install --shell zsh`\n"
        "1 problem found.\n"
    )


def test_the_chefwrap_command_beside_the_shims_runs_this_chefwrap_and_is_no_tools_shim(world):
    world.install("--shell", "bash")
    command = world.shims / "chefwrap"
    assert sorted(shim_files.installed(world.shims)) == ["chef", "kitchen", "knife"]
    # Run from a folder holding a hostile chefwrap package and library: neither is imported.
    folder = world.root / "hostile"
    (folder / "chefwrap").mkdir(parents=True)
    (folder / "chefwrap" / "__init__.py").write_text("print('HOSTILE')\n")
    (folder / "shellingham.py").write_text("print('HOSTILE')\n")
    result = subprocess.run([command, "--version"], env=world.env(PYTHONPATH=folder), cwd=folder, capture_output=True, text=True)
    assert (result.returncode, result.stdout, result.stderr) == (0, f"chefwrap {chefwrap.__version__}\n", "")
    code, out, err = world.chefwrap("doctor", "--shell", "bash")
    assert code == 0, out
    command.write_bytes(shim_files.render_command(python="/nonexistent/python3"))
    code, out, err = world.chefwrap("doctor", "--shell", "bash")
    assert "problem: the chefwrap command beside the shims (~/.chefwrap/shims/chefwrap) was written by another chefwrap or Python" in out
    gone = subprocess.run([command, "--version"], env=world.env(), capture_output=True, text=True)
    assert gone.returncode == 127 and "the chefwrap this command ran is gone (/nonexistent/python3)" in gone.stderr
    world.chefwrap("uninstall")
    assert not command.exists()


# What install verified, and what it could not do


def test_install_reports_what_a_new_shell_really_runs(debian_home):
    out = debian_home.install("--shell", "bash")
    assert (
        "Checked: knife, kitchen and chef go through the shims in an interactive bash (a terminal window), a login bash (a console, "
        "`ssh host`), bash over ssh for one command (`ssh host knife`) and a login script (`bash -l -c ...`).\n"
    ) in out


def test_install_says_which_shell_does_not_run_the_shims_and_why(debian_home):
    debian_home.install("--shell", "bash")
    profile = debian_home.home / ".profile"
    profile.write_bytes(profile.read_bytes() + f'PATH="{debian_home.tools}:$PATH"\n'.encode())
    number = profile.read_bytes().count(b"\n")
    code, out, err = debian_home.chefwrap("install", "--shell", "bash")
    assert code == 1
    assert "Checked: knife, kitchen and chef go through the shims in an interactive bash (a terminal window), a login bash" in out
    assert "not working: `knife`, `kitchen`, `chef` in a login script (`bash -l -c ...`) run the ones in ~/bin" in err
    assert f"~/.profile line {number}" in err


@pytest.mark.parametrize("home", ["", "relative/home"])
def test_an_empty_or_relative_home_is_refused_and_nothing_is_written(world, home):
    cwd = world.root / "somewhere"
    cwd.mkdir()
    for command in (["install", "--shell", "bash"], ["uninstall"], ["doctor"], ["telemetry", "disable"], ["telemetry", "enable"]):
        result = subprocess.run([PYTHON, "-m", "chefwrap", *command], env=world.env(HOME=home), cwd=cwd, capture_output=True, text=True)
        assert result.returncode == 2, (command, result.stderr)
        assert result.stderr.count("\n") == 1 and "HOME is" in result.stderr and "absolute" in result.stderr
        assert result.stdout == ""
    assert os.listdir(cwd) == [] and not os.path.exists("/.bashrc.chefwrap-test")


def drop_root_powers():
    setpriv = shutil.which("setpriv")
    assert setpriv, "setpriv (util-linux) is needed"
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search,-fowner"]


def test_an_unwritable_home_gets_one_line_per_file_and_an_honest_summary(debian_home):
    debian_home.home.chmod(0o555)
    (debian_home.home / ".bashrc").chmod(0o444)
    (debian_home.home / ".profile").chmod(0o444)
    try:
        result = subprocess.run(drop_root_powers() + [PYTHON, "-m", "chefwrap", "install", "--shell", "bash"], env=debian_home.env(), capture_output=True, text=True)
    finally:
        debian_home.home.chmod(0o755)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "Shims for" not in result.stdout and "Checked" not in result.stdout
    assert f"cannot write {debian_home.shims / 'knife'}: Permission denied" in result.stderr
    assert f"cannot write {debian_home.home / '.bashrc'}: Permission denied" in result.stderr
    assert "not done: ~/.chefwrap/shims/knife, ~/.chefwrap/shims/kitchen, ~/.chefwrap/shims/chef, ~/.chefwrap/shims/chefwrap, ~/.bashrc, ~/.profile" in result.stderr
    assert not debian_home.shims.exists()


@pytest.mark.parametrize("action", ["enable", "disable", "local", "forget"])
def test_telemetry_changes_on_an_unwritable_chef_folder_say_so_in_one_line(world, action):
    chef = world.home / ".chef"
    chef.mkdir()
    (chef / "chefwrap").mkdir()
    (chef / "chefwrap" / "ledger.jsonl").write_text('{"event": {"session_id": "s"}, "endpoint": "http://127.0.0.1:9", "status": 201}\n')
    chef.chmod(0o555)
    (chef / "chefwrap").chmod(0o555)
    try:
        result = subprocess.run(drop_root_powers() + [PYTHON, "-m", "chefwrap", "telemetry", action], env=world.env(), capture_output=True, text=True)
    finally:
        chef.chmod(0o755)
        (chef / "chefwrap").chmod(0o755)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, result.stdout + result.stderr
    assert "cannot" in result.stderr and str(chef) in result.stderr


def test_uninstall_with_an_unwritable_startup_file_says_what_is_left(debian_home):
    debian_home.install("--shell", "bash")
    bashrc = debian_home.home / ".bashrc"
    bashrc.chmod(0o444)
    result = subprocess.run(drop_root_powers() + [PYTHON, "-m", "chefwrap", "uninstall"], env=debian_home.env(), capture_output=True, text=True)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "uninstalled" not in result.stdout
    assert f"cannot write {bashrc}: Permission denied" in result.stderr
    assert "Delete the lines from '# >>> chefwrap >>>' to '# <<< chefwrap <<<' in ~/.bashrc by hand." in result.stderr
    assert "not done: ~/.bashrc; chefwrap is only partly uninstalled" in result.stderr
    assert not (debian_home.shims / "knife").exists() and BEGIN not in (debian_home.home / ".profile").read_bytes()


def test_uninstall_carries_on_past_a_damaged_record_and_says_what_is_left(world):
    world.install("--shell", "fish")
    world.chefwrap("telemetry", "local")
    record = world.home / ".chefwrap" / "made-folders"
    record.unlink()
    (record / "inside").mkdir(parents=True)  # a directory where the record should be
    code, out, err = world.chefwrap("uninstall")
    assert code == 1 and "Traceback" not in err
    assert "not done: ~/.chefwrap/made-folders; chefwrap is only partly uninstalled" in err
    assert not (world.chef / "chefwrap").exists()  # the telemetry state went all the same
    assert not (world.shims / "knife").exists()


def test_commands_run_as_root_in_a_users_home_leave_nothing_of_roots(home_of_nobody):
    """`sudo chefwrap install` (or `sudo chef telemetry enable`) with the user's HOME: everything it makes
    there is the user's, so the user can still change it and uninstall."""
    world = home_of_nobody
    code, out, err = world.chefwrap("uninstall")
    assert code == 0, out + err
    subprocess.run(["chown", "-R", f"{NOBODY}:{NOBODY}", str(world.root)], check=True)
    world.install("--shell", "bash")  # as root
    result = world.run([world.shims / "chef", "telemetry", "enable"])  # as root, through the shim
    assert result.returncode == 0, result.stderr
    owned_by_others = [str(path) for path in world.home.rglob("*") if path.lstat().st_uid != NOBODY]
    assert owned_by_others == []
    result = world.run([*as_user(NOBODY), PYTHON, "-m", "chefwrap", "uninstall"])
    assert result.returncode == 0, result.stderr


def test_on_windows_install_says_in_one_line_that_wsl_is_supported_and_changes_nothing(world):
    import io

    from chefwrap.environment import Environment
    from chefwrap.main import main

    before = sorted(world.home.rglob("*"))
    stdout, stderr = io.StringIO(), io.StringIO()
    code = main(["install", "--shell", "bash"], Environment(world.env(), stdout, stderr, platform="win32"))
    assert code == 2
    assert stdout.getvalue() == ""
    assert stderr.getvalue().count("\n") == 1 and "Windows is not supported yet" in stderr.getvalue() and "WSL" in stderr.getvalue()
    assert sorted(world.home.rglob("*")) == before
