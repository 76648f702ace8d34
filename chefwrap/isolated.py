"""Runs one of chefwrap's own modules in a process of its own, isolated from the caller's folder and
environment: `python -I .../chefwrap/isolated.py MODULE ARGS...`.

`python -m MODULE` would put the working folder first on sys.path, so a `requests.py` in the folder where
someone ran knife would run inside the sender; PYTHONPATH and the other PYTHON* variables would steer it
too. -I ignores both (Python 3.4 and newer), and this file puts chefwrap's own folder on sys.path itself.
The module's name stays a word of its own in the command line, where `ps` and chefwrap look for it.
Imported on the shim's hot path (for `command`): os and sys only.
"""

import os
import sys


def command(python: str, module: str, *args: str) -> list:
    """The argv that runs `module` this way."""
    return [python, "-I", os.path.abspath(__file__), module, *args]


if __name__ == "__main__":
    import runpy

    sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    module = sys.argv[1]
    del sys.argv[0]  # the module sees its own arguments, as under -m
    runpy.run_module(module, run_name="__main__", alter_sys=True)
