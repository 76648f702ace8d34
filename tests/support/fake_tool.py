"""A stand-in for knife, kitchen and chef: reports what it was given, then does what its first argument says.

Installed by the tests as a small sh script (see conftest.FAKE_TOOL_SCRIPT) that records, before Python
can change them, the environment and signal dispositions the tool was started with, and then execs
`python fake_tool.py /path/to/TOOL ARGS...`. Reports go to $FAKE_TOOL_REPORTS/<pid>.json, so a test can compare a
direct call with one through a shim.
Actions: exit N | echo TEXT | stderr TEXT | cat | die SIGNAL | nested | wait-signals | trap-int CODE | sleep SECONDS,
and `chef shell-init SHELL`, printing what Chef Workstation's prints (chef-cli's command/shell_init.rb
and helpers.rb omnibus_env), for the Workstation whose bin folder holds this fake.
"""

import json
import os
import signal
import sys
import time


def recorded_by_the_script(folder, suffix):
    with open(os.path.join(folder, f"{os.getpid()}.{suffix}"), "rb") as f:
        return f.read()


def signal_field(recorded, name):
    for line in recorded.decode().splitlines():
        if line.startswith(name + ":"):
            return line.split()[1]


def terminal_foreground():
    try:
        return os.tcgetpgrp(0)
    except OSError:
        return None


def report():
    folder = os.environ.get("FAKE_TOOL_REPORTS")
    if not folder:
        return
    signals = recorded_by_the_script(folder, "signals")
    data = {
        "tool": os.path.basename(sys.argv[1]),
        "argv": [os.fsencode(arg).hex() for arg in sys.argv[2:]],
        "pid": os.getpid(),
        "ppid": os.getppid(),
        "pgid": os.getpgid(0),
        "sid": os.getsid(0),
        "foreground_pgid": terminal_foreground(),
        "cwd": os.getcwd(),
        "environment": [entry.hex() for entry in recorded_by_the_script(folder, "environ").split(b"\0") if entry],
        "ttys": [os.isatty(fd) for fd in (0, 1, 2)],
        "fds": sorted(int(fd) for fd in os.listdir(os.path.join(os.environ.get("FAKE_TOOL_PROC", "/proc"), "self", "fd"))),
        "ignored": signal_field(signals, "SigIgn"),
        "blocked": signal_field(signals, "SigBlk"),
        "umask": os.umask(0o22),
    }
    path = os.path.join(folder, f"{os.getpid()}.json")
    with open(path + ".tmp", "w") as f:
        json.dump(data, f)
    os.rename(path + ".tmp", path)


def note_signal(signum, frame):
    with open(os.environ["FAKE_TOOL_SIGNALS"], "a") as f:
        f.write(signal.Signals(signum).name + "\n")
    if signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)


def trap_interrupt(code):
    """Like a tool that cleans up on Ctrl-C and exits with its own status."""

    def clean_up(signum, frame):
        with open(os.environ["FAKE_TOOL_SIGNALS"], "a") as f:
            f.write("SIGINT\n")
        time.sleep(0.2)
        print("cleaned up", flush=True)
        sys.exit(code)

    signal.signal(signal.SIGINT, clean_up)
    wait_for_signals(keep=(signal.SIGINT,))


def wait_for_signals(keep=()):
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGWINCH, signal.SIGCONT, signal.SIGUSR1):
        if signum not in keep:
            signal.signal(signum, note_signal)
    with open(os.environ["FAKE_TOOL_SIGNALS"], "a") as f:
        f.write("ready\n")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(0.05)
    sys.exit(99)


CHEF_COMMANDS = "exec env gem generate shell-init install update push push-archive show-policy diff export clean-policy-revisions "
CHEF_COMMANDS += "clean-policy-cookbooks delete-policy-group delete-policy undelete describe-cookbook verify"
RUBY_ABI = "3.1.0"


def shell_init(omnibus_root, shell):
    """What `chef shell-init SHELL` prints: PATH with the Workstation's bin, the user's gem bin and the
    embedded bin first (then the caller's PATH, duplicates dropped), the gem variables, the completion."""
    user_gems = os.path.join(os.path.expanduser("~"), ".chefdk", "gem", "ruby", RUBY_ABI)
    gem_root = os.path.join(omnibus_root, "embedded", "lib", "ruby", "gems", RUBY_ABI)
    path = [os.path.join(omnibus_root, "bin"), os.path.join(user_gems, "bin"), os.path.join(omnibus_root, "embedded", "bin")]
    path += os.environ.get("PATH", "").split(":")
    variables = {"PATH": ":".join(dict.fromkeys(path)), "GEM_ROOT": gem_root, "GEM_HOME": user_gems, "GEM_PATH": f"{user_gems}:{gem_root}"}
    lines = []
    for name, value in variables.items():
        if shell == "fish":
            value = '" "'.join(value.split(":")) if name == "PATH" else value
            lines.append(f'set -gx {name} "{value}"' + (" 2>/dev/null;" if name == "PATH" else ";"))
        else:
            lines.append(f'export {name}="{value}"')
    if shell == "bash":
        lines += ["_chef_comp() {", f'    local COMMANDS="{CHEF_COMMANDS}"', '    COMPREPLY=($(compgen -W "$COMMANDS" -- ${COMP_WORDS[COMP_CWORD]} ))', "}", "complete -F _chef_comp chef"]
    elif shell == "zsh":
        described = "\n".join(f"    '{command}:{command} command'" for command in CHEF_COMMANDS.split())
        lines += ["function _chef() {", "", "  local -a _1st_arguments", "  _1st_arguments=(", described, "  )", "", "  _arguments \\"]
        lines += ["    '(-v --version)'{-v,--version}'[version information]' \\", "    '*:: :->subcmds' && return 0", ""]
        lines += ["  if (( CURRENT == 1 )); then", '    _describe -t commands "chef subcommand" _1st_arguments', "    return", "  fi", "}", "", "compdef _chef chef", ""]
    elif shell == "fish":
        lines += ["", "# Fish Shell command-line completions for Chef Infra", "", f"set -l chef_commands {CHEF_COMMANDS};", ""]
        lines += [f'complete -c chef -f -n "not __fish_seen_subcommand_from $chef_commands" -a {command} -d "{command}";' for command in CHEF_COMMANDS.split()]
    print("\n".join(lines))


def main():
    report()
    program, args = sys.argv[1], sys.argv[2:]
    tool = os.path.basename(program)
    if tool == "chef" and args[:1] == ["shell-init"]:
        shell_init(os.path.dirname(os.path.dirname(os.path.realpath(program))), args[1])
        return
    action, rest = (args[0], args[1:]) if args else ("", [])
    if action == "exit":
        sys.exit(int(rest[0]))
    if action == "echo":
        print(" ".join(rest), flush=True)
    elif action == "stderr":
        print(" ".join(rest), file=sys.stderr, flush=True)
    elif action == "cat":
        sys.stdout.buffer.write(sys.stdin.buffer.read())
    elif action == "die":
        signum = getattr(signal, "SIG" + rest[0])
        if signum not in (signal.SIGKILL, signal.SIGSTOP):
            signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
    elif action == "nested":
        import subprocess

        sys.exit(subprocess.call([tool] + rest))
    elif action == "wait-signals":
        wait_for_signals()
    elif action == "trap-int":
        trap_interrupt(int(rest[0]))
    elif action == "sleep":
        time.sleep(float(rest[0]))


if __name__ == "__main__":
    main()
