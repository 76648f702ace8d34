"""chefwrap doctor names each problem with its fix, exits non-zero while there is one, and says "all
good" only for what it checked: the shim files, the real tools, this shell, and each kind of the user's
shell, run as its start-up files run it."""

import shutil
import subprocess

import psutil
import pytest

from chefwrap.setup import shim_files

from support.world import PYTHON, SUPPORT, TOOLS, skel

INIT = b'eval "$(chef shell-init bash)"\n'


def doctor(world, *args, env=None):
    return world.chefwrap("doctor", *(args or ("--shell", "bash")), env=env)


@pytest.fixture
def debian(world):
    """A Workstation user's Debian home, opted in, with chefwrap installed for bash."""
    world.add_workstation()
    for name in (".bashrc", ".profile"):
        (world.home / name).write_bytes(skel(name))
    world.install("--shell", "bash", env=world.login_env())
    world.opt_in()
    return world


def lines_of(path):
    return path.read_bytes().split(b"\n")


def insert_after_block(path, line: bytes) -> int:
    """Put `line` right after the chefwrap block; its line number."""
    lines = lines_of(path)
    end = lines.index(b"# <<< chefwrap <<<")
    lines.insert(end + 1, line)
    path.write_bytes(b"\n".join(lines))
    return end + 2


def test_a_healthy_install_passes_and_says_what_it_checked(debian):
    (debian.home / ".bashrc").write_bytes((debian.home / ".bashrc").read_bytes() + INIT)
    code, out, err = doctor(debian)
    assert code == 0, out
    assert out == (
        "All good: knife, kitchen and chef run through current chefwrap shims in this shell, in an interactive bash (a terminal window), "
        "a login bash (a console, `ssh host`), bash over ssh for one command (`ssh host knife`) and a login script (`bash -l -c ...`).\n"
    )


def test_nothing_installed(world):
    code, out, err = doctor(world)
    assert code == 1
    assert "no chefwrap shims in ~/.chefwrap/shims" in out and "run `chefwrap install`" in out
    assert "the chefwrap block is missing from ~/.bashrc, ~/.profile" in out


def test_a_removed_shim(debian):
    (debian.shims / "kitchen").unlink()
    code, out, err = doctor(debian)
    assert code == 1
    assert "problem: the kitchen shim is missing from ~/.chefwrap/shims" in out
    assert "All good" not in out
    assert out.count("problem:") == 1  # said once, not again for every kind of shell


def test_only_the_tools_install_was_asked_for_are_checked_and_claimed(debian):
    debian.install("--shell", "bash", "--tools", "knife", env=debian.login_env())
    code, out, err = doctor(debian)
    assert code == 0, out
    assert out.startswith("All good: knife runs through current chefwrap shims in this shell")
    (debian.shims / "knife").unlink()
    code, out, err = doctor(debian)
    assert code == 1 and "the knife shim is missing" in out


def test_a_stale_shim(debian):
    shim = debian.shims / "kitchen"
    shim.write_bytes(shim.read_bytes().replace(b"chefwrap-shim ", b"chefwrap-shim 0.0.1 ", 1))
    code, out, err = doctor(debian)
    assert code == 1
    assert "the kitchen shim was written by another chefwrap or Python" in out
    assert "refresh" in out
    assert shim_files.needing_refresh(debian.shims) == ["kitchen"]
    code, out, _ = debian.chefwrap("telemetry", "status", env=debian.login_env())
    assert "Shims:        kitchen: written by another chefwrap or Python (or its Python is gone); run `chefwrap install` to refresh them" in out
    debian.install("--shell", "bash", env=debian.login_env())
    assert "Shims:" not in debian.chefwrap("telemetry", "status", env=debian.login_env())[1]
    assert doctor(debian)[0] == 0
    assert shim_files.needing_refresh(debian.shims) == []


def test_shims_whose_python_is_gone(debian):
    venv = debian.root / "venv"
    subprocess.run([PYTHON, "-m", "venv", "--without-pip", str(venv)], check=True)
    for tool in TOOLS:
        (debian.shims / tool).write_bytes(shim_files.render(tool, debian.shims, python=str(venv / "bin" / "python")))
    shutil.rmtree(venv)
    code, out, err = doctor(debian)
    assert code == 1
    assert f"the knife, kitchen and chef shims run a Python that is gone ({venv / 'bin' / 'python'}): knife, kitchen and chef run unrecorded" in out
    debian.install("--shell", "bash", env=debian.login_env())
    assert doctor(debian)[0] == 0


def test_shims_of_chefwrap_0_1_whose_python_is_gone_are_said_to_fail(debian):
    template = (SUPPORT / "shim-0.1.0.template").read_text()
    for tool in TOOLS:
        text = template.format(interpreter_line="#!/nonexistent/python3 -IS", version="0.1.0", package_parent="'/nowhere'", tool=repr(tool))
        (debian.shims / tool).write_text(text)
    code, out, err = doctor(debian)
    assert code == 1
    assert "run a Python that is gone (/nonexistent/python3): knife, kitchen and chef fail (`required file not found`)" in out


def test_shims_not_first_in_this_shell(debian):
    env = debian.env()
    env["PATH"] = f"{debian.tools}:{debian.shims}:/usr/bin:/bin"
    code, out, err = doctor(debian, env=env)
    assert code == 1
    assert "in this shell, knife, kitchen and chef do not run the chefwrap shims yet" in out
    assert "open a new shell" in out


def test_a_missing_real_tool(debian):
    (debian.tools / "chef").unlink()
    code, out, err = doctor(debian)
    assert code == 1
    assert "no real chef on PATH after the shims" in out


@pytest.mark.parametrize("name", [".bashrc", ".profile"])
def test_a_missing_block(debian, name):
    (debian.home / name).write_bytes(skel(name))
    code, out, err = doctor(debian)
    assert code == 1
    assert f"the chefwrap block is missing from ~/{name}" in out


def test_a_shell_without_its_block_gets_only_that_said(debian):
    """`doctor --shell zsh` where install set up bash alone: no zsh block, so no advice about lines after it."""
    code, out, err = doctor(debian, "--shell", "zsh")
    assert code == 1
    assert out == "problem: the chefwrap block is missing from ~/.zshenv, ~/.zprofile, ~/.zshrc\n    fix: run `chefwrap install --shell zsh`\n1 problem found.\n"


# The start-up line that puts another folder first, named


def test_a_login_file_line_after_the_block_is_named(debian):
    omnibus = debian.root / "opt" / "chef-workstation" / "bin"
    number = insert_after_block(debian.home / ".profile", f'PATH="{omnibus}:$PATH"'.encode())
    code, out, err = doctor(debian)
    assert code == 1
    assert (
        f"problem: `knife`, `kitchen`, `chef` in a login script (`bash -l -c ...`) run the ones in {omnibus}, not the chefwrap shims: "
        f'~/.profile line {number} (`PATH="{omnibus}:$PATH"`) puts {omnibus} ahead of them'
    ) in out
    assert "fix: move that line above the chefwrap block in ~/.profile" in out
    assert "interactive bash" not in out  # the prompt hook puts the shims back there


def test_chef_shell_init_above_the_non_interactive_return_is_named_for_ssh(debian):
    number = insert_after_block(debian.home / ".bashrc", INIT.rstrip(b"\n"))
    code, out, err = doctor(debian)
    assert code == 1
    omnibus = debian.root / "opt" / "chef-workstation" / "bin"
    assert (
        f"`knife`, `kitchen`, `chef` in bash over ssh for one command (`ssh host knife`) run the ones in {omnibus}, not the chefwrap shims: "
        f'~/.bashrc line {number} (`eval "$(chef shell-init bash)"`) puts {omnibus} ahead of them'
    ) in out
    assert "keeping the block above the line that returns when the shell is not interactive" in out


def test_a_prompt_command_that_drops_the_hook_is_found(debian):
    bashrc = debian.home / ".bashrc"
    number = bashrc.read_bytes().count(b"\n") + 1
    bashrc.write_bytes(bashrc.read_bytes() + b"PROMPT_COMMAND='history -a'\n" + INIT)
    code, out, err = doctor(debian)
    assert code == 1
    assert "in an interactive bash (a terminal window) run the ones in" in out
    assert "chefwrap's prompt hook, which would put them back, is not in PROMPT_COMMAND" in out
    assert f"fix: ~/.bashrc line {number} (`PROMPT_COMMAND='history -a'`) replaces PROMPT_COMMAND: make it keep what is there" in out


def test_an_alias_is_found(debian):
    bashrc = debian.home / ".bashrc"
    bashrc.write_bytes(bashrc.read_bytes() + b"alias knife='knife -VV'\n")
    code, out, err = doctor(debian)
    assert code == 1
    assert "`knife` is a shell alias in an interactive bash (a terminal window), so that shell never runs the shim" in out


def test_a_zshenv_line_after_the_block_is_named(world):
    world.install("--shell", "zsh")
    number = insert_after_block(world.home / ".zshenv", f'path=("{world.tools}" $path)'.encode())
    code, out, err = world.chefwrap("doctor", "--shell", "zsh")
    assert code == 1
    assert f"in a zsh script or `ssh host knife` run the ones in ~/bin, not the chefwrap shims: ~/.zshenv line {number}" in out


def test_fish_scripts_keep_the_shims_first_and_a_fish_function_is_found(world):
    world.install("--shell", "fish")
    config = world.home / ".config" / "fish" / "config.fish"
    config.write_text(f"set -gx PATH {world.tools} $PATH\n")
    code, out, err = world.chefwrap("doctor", "--shell", "fish")
    assert code == 0, out
    config.write_text("function kitchen\n    command kitchen $argv\nend\n")
    code, out, err = world.chefwrap("doctor", "--shell", "fish")
    assert code == 1
    assert "`kitchen` is a shell function in an interactive fish (a terminal window)" in out


def test_a_shell_that_never_finishes_starting_is_reported(debian, monkeypatch):
    from chefwrap.setup import shell_probe

    monkeypatch.setattr(shell_probe, "TIME_LIMIT", 2.0)
    bashrc = debian.home / ".bashrc"
    bashrc.write_bytes(bashrc.read_bytes() + b"sleep 60\n")
    code, out, err = doctor(debian)
    assert code == 1
    assert "could not check an interactive bash (a terminal window): it did not finish within 2 s" in out


def test_what_a_start_up_file_leaves_running_is_ended_with_its_shell(debian):
    bashrc = debian.home / ".bashrc"
    bashrc.write_bytes(bashrc.read_bytes() + b"(sleep 3217 >/dev/null 2>&1 &)\n")
    code, out, err = doctor(debian)
    assert code == 0, out
    assert not [process for process in psutil.process_iter(["cmdline"]) if process.info["cmdline"] == ["sleep", "3217"]]
