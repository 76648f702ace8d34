"""What a shim's sh front end execs: `python -IS .../chefwrap/shim/entry.py TOOL ARGS...`.

# chefwrap-shim: a process running this file is a shim (chefwrap.shim.launcher.called_by_another_shim
# looks for that marker in the file its command line names).

Run as a script, without site-packages: it puts chefwrap's own folder on sys.path itself. Builtin modules
only, as everything the shim imports before the tool starts.
"""

import posix
import sys

# Python adds LC_CTYPE=C.UTF-8 to its environment on a C or POSIX locale (PEP 538), and -I leaves no way
# to turn that off. The front end notes the caller's LC_CTYPE here: "-" when unset, else "=" and its value.
LC_CTYPE_NOTE = b"__CHEFWRAP_LC_CTYPE"


def caller_environment() -> dict:
    """The environment exactly as the caller passed it, bytes to bytes (the note goes no further)."""
    environ = {name: value for name, value in posix.environ.items() if name}  # a nameless entry cannot be passed on
    note = environ.pop(LC_CTYPE_NOTE, None)
    if note == b"-":
        environ.pop(b"LC_CTYPE", None)
    elif note is not None and note[:1] == b"=":
        environ[b"LC_CTYPE"] = note[1:]
    return environ


def package_parent() -> str:
    here = __file__
    for _ in range(3):  # .../chefwrap/shim/entry.py -> ...
        here = here[: here.rindex("/")] if "/" in here else "."
    return here or "/"


def run_the_real_tool_unrecorded(tool: str, environment: dict) -> None:
    """chefwrap is damaged: still run the real tool as the caller would have, and say nothing."""
    import _signal

    for ignored_by_python in (_signal.SIGPIPE, _signal.SIGXFSZ):
        _signal.signal(ignored_by_python, _signal.SIG_DFL)
    name = tool.encode()
    argv = [name] + [arg.encode(sys.getfilesystemencoding(), sys.getfilesystemencodeerrors()) for arg in sys.argv[2:]]
    for folder in environment.get(b"PATH", b"/usr/bin:/bin").split(b":"):
        candidate = (folder or b".") + b"/" + name
        try:
            descriptor = posix.open(candidate, posix.O_RDONLY | posix.O_NONBLOCK)
            try:
                if b"# chefwrap-shim" in posix.read(descriptor, 8192):
                    continue
            finally:
                posix.close(descriptor)
            posix.execve(candidate, argv, environment)
        except OSError:
            continue
    posix._exit(127)


if __name__ == "__main__":
    sys.path.append(package_parent())
    environment = caller_environment()
    try:
        from chefwrap.shim.launcher import run
    except ImportError:
        run_the_real_tool_unrecorded(sys.argv[1], environment)
    else:
        run(sys.argv[1], sys.argv[2:], environment)
