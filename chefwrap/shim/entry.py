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
except ImportError:  # chefwrap is damaged: still run the real tool, and say nothing
    for folder in os.environ.get("PATH", "/usr/bin:/bin").split(":"):
        candidate = os.path.join(folder or ".", sys.argv[1])
        try:
            with open(candidate, "rb") as head:
                if b"# chefwrap-shim" in head.read(8192):
                    continue
            os.execv(candidate, sys.argv[1:])
        except OSError:
            continue
    sys.exit(127)
else:
    run(sys.argv[1], sys.argv[2:])
