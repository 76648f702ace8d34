"""Real bash, zsh, fish and sh, started the ways users start them, find the shims first after install."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support.world import shell_path, skel

CHEFWRAP_COMMAND_FOLDER = Path(sys.executable).parent


def run_shell(world, argv, env=None):
    result = subprocess.run(argv, env=env or world.env(), capture_output=True, timeout=60, cwd=world.home, stdin=subprocess.DEVNULL)
    return result


def outside_path(world, **extra):
    """The environment of a fresh login: the shims are not on PATH until a start-up file puts them there."""
    env = world.env(**extra)
    env["PATH"] = f"{world.tools}:/usr/bin:/bin"
    return env


@pytest.fixture
def debian_home(world):
    """A HOME as Debian makes it for a new user."""
    for name in (".bashrc", ".profile"):
        (world.home / name).write_bytes(skel(name))
    return world


def lines(result):
    return result.stdout.decode().splitlines()


@pytest.mark.parametrize(
    "how",
    [
        pytest.param(["-i", "-c"], id="interactive"),
        pytest.param(["-l", "-c"], id="login"),
        pytest.param(["-l", "-i", "-c"], id="interactive-login"),
    ],
)
def test_bash_finds_the_shims_first(debian_home, how):
    debian_home.install("--shell", "bash")
    result = run_shell(debian_home, [shell_path("bash"), *how, "command -v knife; knife echo through bash"], outside_path(debian_home))
    assert lines(result)[-2:] == [str(debian_home.shims / "knife"), "through bash"]
    assert debian_home.take_report()["ppid"] != 0


def test_bash_started_by_ssh_for_one_command_finds_the_shims(debian_home):
    """sshd runs `bash -c CMD`, which reads ~/.bashrc; Debian's returns early there unless the block comes first."""
    debian_home.install("--shell", "bash")
    env = outside_path(debian_home, SSH_CLIENT="192.0.2.1 50000 22", SHLVL="0")
    result = run_shell(debian_home, [shell_path("bash"), "-c", "command -v knife"], env)
    assert lines(result) == [str(debian_home.shims / "knife")]


def test_bash_never_gets_a_new_bash_profile(debian_home):
    debian_home.install("--shell", "bash")
    assert not (debian_home.home / ".bash_profile").exists()
    assert b"# >>> chefwrap >>>" in (debian_home.home / ".profile").read_bytes()


def test_bash_login_edits_the_login_file_bash_reads(world):
    (world.home / ".bash_profile").write_text('PATH="$HOME/bin:$PATH"\n')
    (world.home / ".profile").write_text("# not read by bash while ~/.bash_profile exists\n")
    world.install("--shell", "bash")
    assert b"chefwrap" in (world.home / ".bash_profile").read_bytes()
    assert b"chefwrap" not in (world.home / ".profile").read_bytes()
    result = run_shell(world, [shell_path("bash"), "-l", "-c", "command -v knife"], outside_path(world))
    assert lines(result) == [str(world.shims / "knife")]


@pytest.mark.parametrize(
    "how",
    [
        pytest.param(["-c"], id="non-interactive"),
        pytest.param(["-i", "-c"], id="interactive"),
        pytest.param(["-l", "-c"], id="login"),
    ],
)
def test_zsh_finds_the_shims_first_and_honours_zdotdir(world, how):
    zdotdir = world.root / "zdotdir"
    zdotdir.mkdir()
    (zdotdir / ".zshrc").write_text('PATH="/usr/local/bin:$PATH"\n')
    env = world.env(ZDOTDIR=zdotdir)
    world.install("--shell", "zsh", env=env)
    assert not (world.home / ".zshenv").exists() and not (world.home / ".zshrc").exists()

    env["PATH"] = f"{world.tools}:/usr/bin:/bin"
    result = run_shell(world, [shell_path("zsh"), *how, "whence -p knife; knife echo through zsh"], env)
    assert lines(result)[-2:] == [str(world.shims / "knife"), "through zsh"]


@pytest.mark.parametrize("how", [pytest.param(["-c"], id="non-interactive"), pytest.param(["-l", "-c"], id="login")])
def test_fish_finds_the_shims_first(world, how):
    world.install("--shell", "fish")
    result = run_shell(world, [shell_path("fish"), *how, "command -s knife; knife echo through fish"], outside_path(world))
    assert lines(result)[-2:] == [str(world.shims / "knife"), "through fish"]


def test_sh_login_finds_the_shims_first(debian_home):
    debian_home.install("--shell", "sh")
    result = run_shell(debian_home, [shell_path("dash"), "-l", "-c", "command -v knife; knife echo through sh"], outside_path(debian_home))
    assert lines(result)[-2:] == [str(debian_home.shims / "knife"), "through sh"]


def test_the_block_does_not_add_the_shims_twice(debian_home):
    debian_home.install("--shell", "bash")
    result = run_shell(debian_home, [shell_path("bash"), "-l", "-i", "-c", 'echo "$PATH"'], outside_path(debian_home))
    path = lines(result)[-1].split(":")
    assert path[0] == str(debian_home.shims)
    assert path.count(str(debian_home.shims)) == 1


def test_a_shell_with_the_shims_runs_the_tool_with_its_status(debian_home):
    debian_home.install("--shell", "bash")
    script = "knife exit 7; echo status=$?; knife die INT; echo status=$?"
    result = run_shell(debian_home, [shell_path("bash"), "-l", "-c", script], outside_path(debian_home))
    assert lines(result)[-2:] == ["status=7", "status=130"]


def test_bash_loads_chefwraps_completions(debian_home):
    debian_home.install("--shell", "bash")
    script = (
        "source /usr/share/bash-completion/bash_completion; _completion_loader chefwrap; "
        "COMP_WORDS=(chefwrap un); COMP_CWORD=1; _chefwrap; echo ${COMPREPLY[@]}; "
        "COMP_WORDS=(chefwrap install --shell ''); COMP_CWORD=3; _chefwrap; echo ${COMPREPLY[@]}"
    )
    result = run_shell(debian_home, [shell_path("bash"), "-c", script], outside_path(debian_home))
    assert lines(result)[-2:] == ["uninstall", "bash zsh fish sh"]


def test_zsh_loads_chefwraps_completions(world):
    world.install("--shell", "zsh")
    script = "autoload -Uz compinit && compinit -u -d $HOME/.zcompdump; echo $_comps[chefwrap]"
    result = run_shell(world, [shell_path("zsh"), "-i", "-c", script], outside_path(world))
    assert lines(result)[-1] == "_chefwrap"


def test_fish_loads_chefwraps_completions(world):
    world.install("--shell", "fish")
    env = outside_path(world)
    env["PATH"] += f":{CHEFWRAP_COMMAND_FOLDER}"  # fish loads completions only for a command it can find
    result = run_shell(world, [shell_path("fish"), "-c", "complete -C 'chefwrap '"], env)
    commands = {line.split("\t")[0] for line in lines(result)}
    assert {"install", "uninstall", "doctor"} <= commands


HOOK_RUNS = {
    "bash": ". {file}; PATH=/opt/chef-workstation/bin:$PATH; __chefwrap_shims_first; __chefwrap_shims_first; echo \"$PATH\"",
    "zsh": ". {file}; PATH=/opt/chef-workstation/bin:$PATH; __chefwrap_shims_first; __chefwrap_shims_first; echo \"$PATH\"",
    "fish": "source {file}; set -gx PATH /opt/chef-workstation/bin $PATH; emit fish_prompt; emit fish_prompt; string join : $PATH",
}


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_the_prompt_hook_starts_no_process(world, shell):
    """Traced by strace: after the shell itself, no fork, clone (but a thread's) or exec."""
    world.install("--shell", shell)
    block_file = {"bash": world.home / ".bashrc", "zsh": world.home / ".zshenv", "fish": world.home / ".config/fish/conf.d/chefwrap.fish"}[shell]
    log = world.root / "strace.log"
    flags = ["--no-config"] if shell == "fish" else ["-f"] if shell == "zsh" else ["--norc", "--noprofile"]
    script = HOOK_RUNS[shell].format(file=block_file)
    strace = shutil.which("strace")
    assert strace, "strace is needed (tests/run installs it)"
    result = subprocess.run(
        [strace, "-f", "-qq", "-o", str(log), "-e", "trace=fork,vfork,clone,clone3,execve", shell_path(shell), *flags, "-c", script],
        env=outside_path(world),
        capture_output=True,
        timeout=60,
    )
    assert result.stdout.decode().split(":")[:2] == [str(world.shims), "/opt/chef-workstation/bin"], result.stderr
    calls = [line for line in log.read_text().splitlines() if "CLONE_THREAD" not in line and "resumed" not in line]
    assert [line.split(None, 1)[1].split("(")[0] for line in calls] == ["execve"], calls
