"""Chef Workstation users' own set-ups, in real bash, zsh and fish on a real pseudo-terminal: Debian's
skeleton start-up files, the `chef shell-init` line Chef's documentation tells everyone to add (before or
after `chefwrap install`), and a user putting Workstation's folder first at the prompt. The shims stay
first wherever a command can be typed, and the start-up files keep doing what they did."""

import itertools
import re
import subprocess

import pytest

from support.terminal import Terminal
from support.world import shell_path, skel

INIT_LINES = {
    "bash": b'eval "$(chef shell-init bash)"\n',
    "zsh": b'eval "$(chef shell-init zsh)"\n',
    "fish": b"chef shell-init fish | source\n",
}
ZSHRC = b"autoload -Uz compinit\ncompinit -u\nsetopt histignorealldups\n"
MARKERS = itertools.count(1000)


class Prompt:
    """A shell the user types into, on a real pseudo-terminal."""

    def __init__(self, world, shell, env, argv=None):
        self.shell = shell
        self.terminal = Terminal(argv or [shell_path(shell)], env, cwd=world.home, rows=50, columns=200)
        self.run("true")  # the start-up files have run and the first prompt is up

    def run(self, command: str, timeout: float = 30.0) -> list:
        """Type `command` at the prompt; the lines it printed."""
        number = next(MARKERS)
        arithmetic = "(math {} + 1)" if self.shell == "fish" else "$(({} + 1))"
        start, end = arithmetic.format(number), arithmetic.format(number + 1000)
        self.terminal.send(f"echo BEGIN-{start}; {command}; echo END-{end}\r".encode())
        self.terminal.expect(f"BEGIN-{number + 1}".encode(), timeout)
        output = self.terminal.expect(f"END-{number + 1001}".encode(), timeout)
        text = re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]|\x1b\][^\x07]*\x07|\r", "", output.decode(errors="replace"))
        return [line for line in text.split("\n") if line.strip()]

    def first_on_path(self, tool: str) -> str:
        command = {"bash": f"type -P {tool}", "zsh": f"whence -p {tool}", "fish": f"command -s {tool}"}[self.shell]
        return self.run(command)[-1]

    def close(self):
        self.terminal.close()


@pytest.fixture
def workstation(world):
    world.add_workstation()
    world.opt_in()
    return world


def start_up_files(world, shell, init_before_install: bool):
    """Debian's skeleton, or a usual zshrc or config.fish, and the `chef shell-init` line, added before
    or after `chefwrap install` runs."""
    home = world.home
    files = {
        "bash": [(home / ".bashrc", skel(".bashrc")), (home / ".profile", skel(".profile"))],
        "zsh": [(home / ".zshrc", ZSHRC)],
        "fish": [(home / ".config" / "fish" / "config.fish", b"set -g fish_greeting\n")],
    }[shell]
    for path, content in files:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    init_file = files[0][0]
    if init_before_install:
        init_file.write_bytes(init_file.read_bytes() + INIT_LINES[shell])
    code, out, err = world.chefwrap("install", "--shell", shell, env=world.login_env())
    assert code == 0, out + err
    if not init_before_install:
        init_file.write_bytes(init_file.read_bytes() + INIT_LINES[shell])
    return init_file


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
@pytest.mark.parametrize("init_before_install", [True, False], ids=["init-then-install", "install-then-init"])
def test_the_shims_win_at_the_prompt_after_chef_shell_init(workstation, shell, init_before_install):
    start_up_files(workstation, shell, init_before_install)
    prompt = Prompt(workstation, shell, workstation.login_env(TERM="xterm"))
    try:
        for tool in ("knife", "kitchen", "chef"):
            assert prompt.first_on_path(tool) == str(workstation.shims / tool)
        omnibus = workstation.root / "opt" / "chef-workstation"
        gems = prompt.run("echo $GEM_ROOT")[-1]
        assert gems == str(omnibus / "embedded" / "lib" / "ruby" / "gems" / "3.1.0")  # chef shell-init still ran
        path = prompt.run("echo $PATH" if shell != "fish" else "string join : $PATH")[-1].split(":")
        assert path[:4] == [str(workstation.shims), str(omnibus / "bin"), str(workstation.home / ".chefdk/gem/ruby/3.1.0/bin"), str(omnibus / "embedded" / "bin")]
        assert path.count(str(workstation.shims)) == 1

        assert prompt.run("knife echo through the shim") == ["through the shim"]
        (request,) = workstation.endpoint.wait_for(1)
        assert request.event["payload"]["properties"]["command"] == "knife"  # `chef shell-init` at start-up is not recorded
    finally:
        prompt.close()


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_a_folder_the_user_puts_first_at_the_prompt_goes_behind_the_shims(workstation, shell):
    start_up_files(workstation, shell, init_before_install=False)
    omnibus_bin = workstation.root / "opt" / "chef-workstation" / "bin"
    prompt = Prompt(workstation, shell, workstation.login_env(TERM="xterm"))
    try:
        typed = f"set -gx PATH {omnibus_bin} $PATH" if shell == "fish" else f"export PATH={omnibus_bin}:$PATH"
        prompt.run(typed)
        assert prompt.first_on_path("knife") == str(workstation.shims / "knife")
        if shell == "bash":
            assert prompt.run("type knife") == [f"knife is {workstation.shims / 'knife'}"]
        path = prompt.run("echo $PATH" if shell != "fish" else "string join : $PATH")[-1].split(":")
        assert path[:2] == [str(workstation.shims), str(omnibus_bin)]
    finally:
        prompt.close()


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_after_uninstall_an_open_shell_runs_the_tools_again_at_the_next_prompt(workstation, shell):
    """bash and zsh remember where they found knife: the shim's path, gone after uninstall. The prompt
    hook takes the folder off PATH (which makes them forget) and retires."""
    start_up_files(workstation, shell, init_before_install=False)
    prompt = Prompt(workstation, shell, workstation.login_env(TERM="xterm"))
    try:
        assert prompt.run("knife echo through-the-shim") == ["through-the-shim"]
        code, out, err = workstation.chefwrap("uninstall", env=workstation.login_env())
        assert code == 0, out + err
        prompt.run("true")  # the next prompt
        status = "$status" if shell == "fish" else "$?"
        assert prompt.run(f"knife echo after-uninstall; echo status={status}") == ["after-uninstall", "status=0"]
        assert str(workstation.shims) not in prompt.run("echo $PATH" if shell != "fish" else "string join : $PATH")[-1]
    finally:
        prompt.close()


def test_the_users_own_prompt_command_and_hooks_keep_running(workstation):
    bashrc = workstation.home / ".bashrc"
    bashrc.write_bytes(skel(".bashrc") + b'PROMPT_COMMAND="${PROMPT_COMMAND:+$PROMPT_COMMAND; }echo mine-\\$((20+1))"\n' + INIT_LINES["bash"])
    workstation.install("--shell", "bash", env=workstation.login_env())
    workstation.install("--shell", "bash", env=workstation.login_env())  # twice: still one hook
    prompt = Prompt(workstation, "bash", workstation.login_env(TERM="xterm"))
    try:
        assert prompt.first_on_path("knife") == str(workstation.shims / "knife")
        hooks = prompt.run('printf "<%s>\\n" "${PROMPT_COMMAND[@]}"')
        assert "".join(hooks).count("__chefwrap_shims_first") == 1
        assert b"mine-21" in prompt.terminal.output  # the user's own hook runs before each prompt
    finally:
        prompt.close()


def test_a_bash_5_1_prompt_command_array_gets_one_more_element(workstation):
    bashrc = workstation.home / ".bashrc"
    bashrc.write_bytes(skel(".bashrc"))
    workstation.install("--shell", "bash", env=workstation.login_env())
    content = bashrc.read_bytes()
    bashrc.write_bytes(b"PROMPT_COMMAND=('echo first-$((1+1))' 'echo second-$((2+1))')\n" + content + INIT_LINES["bash"])
    prompt = Prompt(workstation, "bash", workstation.login_env(TERM="xterm"))
    try:
        assert prompt.first_on_path("knife") == str(workstation.shims / "knife")
        elements = prompt.run('printf "<%s>\\n" "${PROMPT_COMMAND[@]}"')
        assert elements == ["<echo first-$((1+1))>", "<echo second-$((2+1))>", "<__chefwrap_shims_first>"]
        assert b"first-2" in prompt.terminal.output and b"second-3" in prompt.terminal.output
    finally:
        prompt.close()


def test_zsh_keeps_the_users_precmd_hooks(workstation):
    (workstation.home / ".zshrc").write_bytes(ZSHRC + b"mine() { echo mine-$((20+1)) }\nprecmd_functions+=(mine)\n" + INIT_LINES["zsh"])
    workstation.install("--shell", "zsh", env=workstation.login_env())
    prompt = Prompt(workstation, "zsh", workstation.login_env(TERM="xterm"))
    try:
        assert prompt.first_on_path("knife") == str(workstation.shims / "knife")
        assert prompt.run("print -l $precmd_functions") == ["mine", "__chefwrap_shims_first"]
    finally:
        prompt.close()


# Shells nobody types into: scripts, `ssh host knife`, CI


def run_shell(world, argv, **extra):
    return subprocess.run(world.command(argv), env=world.login_env(**extra), cwd=world.home, capture_output=True, timeout=60, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("init_before_install", [True, False], ids=["init-then-install", "install-then-init"])
def test_bash_over_ssh_and_login_scripts_find_the_shims(workstation, init_before_install):
    start_up_files(workstation, "bash", init_before_install)
    ssh = run_shell(workstation, [shell_path("bash"), "-c", "command -v knife"], SSH_CLIENT="192.0.2.1 50000 22", SHLVL="0")
    assert ssh.stdout.decode().split() == [str(workstation.shims / "knife")]
    login = run_shell(workstation, [shell_path("bash"), "-l", "-c", "command -v knife; knife exit 3; echo $?"])
    assert login.stdout.decode().split() == [str(workstation.shims / "knife"), "3"]


@pytest.mark.parametrize("init_before_install", [True, False], ids=["init-then-install", "install-then-init"])
def test_zsh_scripts_find_the_shims(workstation, init_before_install):
    start_up_files(workstation, "zsh", init_before_install)
    result = run_shell(workstation, [shell_path("zsh"), "-c", "whence -p knife"])
    assert result.stdout.decode().split() == [str(workstation.shims / "knife")]


@pytest.mark.both_platforms
@pytest.mark.parametrize("init_before_install", [True, False], ids=["init-then-install", "install-then-init"])
def test_zsh_login_shells_find_the_shims_after_the_systems_login_file(workstation, init_before_install):
    """macOS's /etc/zprofile puts the system folders first again in every login zsh (path_helper), after
    ~/.zshenv and before ~/.zprofile: a login script (an IDE reading the login environment, `zsh -l -c`)
    must still run the shims."""
    start_up_files(workstation, "zsh", init_before_install)
    result = run_shell(workstation, [shell_path("zsh"), "-l", "-c", "whence -p knife; knife exit 3; echo $?"])
    assert result.stdout.decode().split() == [str(workstation.shims / "knife"), "3"]


def test_fish_scripts_find_the_shims(workstation):
    start_up_files(workstation, "fish", init_before_install=True)
    result = run_shell(workstation, [shell_path("fish"), "-c", "command -s knife"])
    assert result.stdout.decode().split() == [str(workstation.shims / "knife")]


def test_a_readonly_prompt_command_is_left_alone_and_doctor_says_so(workstation):
    """Audit set-ups make PROMPT_COMMAND readonly (in /etc/bash.bashrc): the block must not print an error
    at every shell start, and doctor must not call that all good."""
    bashrc = workstation.home / ".bashrc"
    bashrc.write_bytes(b"readonly PROMPT_COMMAND='history -a'\n" + skel(".bashrc"))
    code, out, err = workstation.chefwrap("install", "--shell", "bash", env=workstation.login_env())
    assert code == 1 and "has no chefwrap prompt hook in PROMPT_COMMAND" in err  # installed, and says what it could not do
    prompt = Prompt(workstation, "bash", workstation.login_env(TERM="xterm"))
    try:
        assert prompt.first_on_path("knife") == str(workstation.shims / "knife")
    finally:
        prompt.close()
    assert b"readonly variable" not in prompt.terminal.output
    code, out, err = workstation.chefwrap("doctor", "--shell", "bash", env=workstation.login_env(PATH=f"{workstation.shims}:{workstation.tools}:/usr/bin:/bin"))
    assert code == 1 and "has no chefwrap prompt hook in PROMPT_COMMAND" in out
