"""Runs a command as on macOS, in a private mount namespace made by unshare: `/proc` empty (the real one
mounted at REAL_PROC, for the fake tools' reports), and `/bin/sh` being bash, which runs in POSIX mode
when started as sh, as macOS's is. Then execs the command with the environment, signal dispositions and
pid it was given: `unshare --mount -- python -I as_on_macos.py REAL_PROC COMMAND ARGS...`.
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
    real_proc, command = sys.argv[1], sys.argv[2:]
    environment = caller_environment()
    for mount in (["--bind", "/proc", real_proc], ["-t", "tmpfs", "none", "/proc"], ["--bind", "/bin/bash", "/bin/sh"]):
        subprocess.run(["mount", *mount], check=True)
    program = shutil.which(command[0], path=os.fsdecode(environment.get(b"PATH", b"/usr/bin:/bin"))) or command[0]
    for ignored_by_python in (signal.SIGPIPE, signal.SIGXFSZ):
        signal.signal(ignored_by_python, signal.SIG_DFL)
    os.execve(program, command, environment)
