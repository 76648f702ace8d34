"""Runs a command as on macOS, in a private mount namespace made by unshare: `/proc` empty (the real one
mounted at WORLD/real-proc, for the fake tools' reports), `/bin/sh` being bash, which runs in POSIX mode
when started as sh, as macOS's is, and zsh's system-wide login file being WORLD/zprofile, which stands in
for macOS's /etc/zprofile. Then execs the command with the environment, signal dispositions and pid it
was given: `unshare --mount -- python -I as_on_macos.py WORLD COMMAND ARGS...`.
"""

import os
import shutil
import signal
import subprocess
import sys


def caller_environment() -> dict:
    """As it was passed: Python may have added LC_CTYPE to os.environ on a C locale (PEP 538)."""
    with open("/proc/self/environ", "rb") as stream:
        entries = [entry.partition(b"=") for entry in stream.read().split(b"\0")]
    return {name: value for name, separator, value in entries if separator and name}


if __name__ == "__main__":
    world, command = sys.argv[1], sys.argv[2:]
    environment = caller_environment()
    mounts = [["--bind", "/proc", f"{world}/real-proc"], ["-t", "tmpfs", "none", "/proc"], ["--bind", "/bin/bash", "/bin/sh"]]
    if os.path.exists("/etc/zsh/zprofile"):
        mounts.append(["--bind", f"{world}/zprofile", "/etc/zsh/zprofile"])
    for mount in mounts:
        subprocess.run(["mount", *mount], check=True)
    program = shutil.which(command[0], path=os.fsdecode(environment.get(b"PATH", b"/usr/bin:/bin"))) or command[0]
    for ignored_by_python in (signal.SIGPIPE, signal.SIGXFSZ):
        signal.signal(ignored_by_python, signal.SIG_DFL)
    os.execve(program, command, environment)
