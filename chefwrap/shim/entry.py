"""What a shim's sh front end execs: `python -IS .../chefwrap/shim/entry.py TOOL ARGS...`.

# chefwrap-shim: a process running this file is a shim (chefwrap.shim.launcher.called_by_another_shim
# looks for that marker in the file its command line names).

Run as a script, without site-packages: it puts chefwrap's own folder on sys.path itself.
"""

import os
import sys

sys.path.append(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
try:
    from chefwrap.shim.launcher import run
except ImportError:  # chefwrap is damaged: still run the real tool as the caller would have, and say nothing
    import _signal

    def caller_environment():
        """As the caller passed it: Python may have added LC_CTYPE to os.environ (PEP 538)."""
        try:
            with open("/proc/self/environ", "rb") as stream:
                entries = [entry.partition(b"=") for entry in stream.read().split(b"\0")]
            return {name: value for name, sep, value in entries if sep and name}
        except OSError:
            return dict(os.environb)

    environment = caller_environment()
    for ignored_by_python in (_signal.SIGPIPE, _signal.SIGXFSZ):
        _signal.signal(ignored_by_python, _signal.SIG_DFL)
    tool = os.fsencode(sys.argv[1])
    for folder in environment.get(b"PATH", b"/usr/bin:/bin").split(b":"):
        candidate = os.path.join(folder or b".", tool)
        try:
            with open(candidate, "rb") as head:
                if b"# chefwrap-shim" in head.read(8192):
                    continue
            os.execve(candidate, [tool] + [os.fsencode(arg) for arg in sys.argv[2:]], environment)
        except OSError:
            continue
    sys.exit(127)
else:
    run(sys.argv[1], sys.argv[2:])
