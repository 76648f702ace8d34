"""Which file is the real tool: the first of its name on PATH that is not a chefwrap shim.

The shim's hot path uses it before every run; install, doctor and preview use it too. posix only: os
alone costs the shim a millisecond to import.
"""

import posix

SHIM_MARKER = b"# chefwrap-shim"
HEAD_BYTES = 8192  # the marker sits in a shim's first lines, behind an interpreter path of any length

DEFAULT_PATH = b"/usr/bin:/bin"  # what execvp searches when PATH is unset
REGULAR_FILE, FILE_TYPE = 0o100000, 0o170000  # stat's S_IFREG and S_IFMT


def find_real_tool(tool_name, path_variable, skip_shims=True):
    """The first `tool_name` on PATH that is not a chefwrap shim: what would run without chefwrap.

    Shims are recognised by their marker, not by their folder, so a second copy of the shims folder,
    a symlink to it or to one shim can never make a shim call itself. With skip_shims=False: the first
    `tool_name` of all, what a shell runs.
    """
    for entry in (path_variable if path_variable is not None else DEFAULT_PATH).split(b":"):
        candidate = (entry or b".") + b"/" + tool_name
        if is_executable_file(candidate) and not (skip_shims and is_shim(candidate)):
            return candidate
    return None


def is_executable_file(path):
    try:
        if posix.stat(path).st_mode & FILE_TYPE != REGULAR_FILE:
            return False
    except (OSError, ValueError):
        return False
    return posix.access(path, posix.X_OK)


def is_shim(path):
    try:
        descriptor = posix.open(path, posix.O_RDONLY | posix.O_CLOEXEC | posix.O_NONBLOCK)
    except (OSError, ValueError):
        return False
    try:
        return SHIM_MARKER in posix.read(descriptor, HEAD_BYTES)
    except OSError:
        return False
    finally:
        posix.close(descriptor)
