"""Which file is the real tool: the first of its name on PATH that is not a chefwrap shim.

The shim's hot path uses it before every run; install, doctor and preview use it too. os only.
"""

import os

SHIM_MARKER = b"# chefwrap-shim"
HEAD_BYTES = 8192  # the marker sits in a shim's first lines, behind an interpreter path of any length

DEFAULT_PATH = b"/usr/bin:/bin"  # what execvp searches when PATH is unset


def find_real_tool(tool_name, path_variable, skip_shims=True):
    """The first `tool_name` on PATH that is not a chefwrap shim: what would run without chefwrap.

    Shims are recognised by their marker, not by their folder, so a second copy of the shims folder,
    a symlink to it or to one shim can never make a shim call itself. With skip_shims=False: the first
    `tool_name` of all, what a shell runs.
    """
    for entry in (path_variable if path_variable is not None else DEFAULT_PATH).split(b":"):
        candidate = os.path.join(entry or b".", tool_name)
        if is_executable_file(candidate) and not (skip_shims and is_shim(candidate)):
            return candidate
    return None


def is_executable_file(path):
    try:
        if not os.stat(path).st_mode & 0o170000 == 0o100000:  # S_ISREG without importing stat
            return False
    except OSError:
        return False
    return os.access(path, os.X_OK)


def is_shim(path):
    try:
        with open(path, "rb") as f:
            return SHIM_MARKER in f.read(HEAD_BYTES)
    except OSError:
        return False
