"""Runs one of chefwrap's own modules in a process of its own, isolated from the caller's folder, from
the caller's environment and from the base interpreter's packages:
`python -IS .../chefwrap/isolated.py MODULE ARGS...`.

`python -m MODULE` would put the working folder first on sys.path, so a `requests.py` in the folder where
someone ran knife would run inside the sender; PYTHONPATH and the other PYTHON* variables would steer it
too. -I ignores both (Python 3.4 and newer). -S leaves out site-packages, and the `.pth` files in them:
this file puts on sys.path chefwrap's own folder and, when chefwrap's Python is a virtual environment's
(pipx's, or one made by hand), that environment's site-packages, so the libraries are the ones chefwrap
was installed with, never the base interpreter's (which may hold an older PyYAML, say).
The module's name stays a word of its own in the command line, where `ps` and chefwrap look for it.
Imported on the shim's recorder and by the commands (for `command`): os and sys only.
"""

import os
import sys


def command(python: str, module: str, *args: str) -> list:
    """The argv that runs `module` this way."""
    return [python, "-IS", os.path.abspath(__file__), module, *args]


def own_packages(executable: str) -> list:
    """Where chefwrap and the libraries it was installed with are: chefwrap's own folder, and the
    site-packages of the virtual environment `executable` belongs to, if it is one (found as site.venv
    finds it: a pyvenv.cfg beside the interpreter or one folder up, without resolving links)."""
    import site

    folders = [os.path.dirname(os.path.dirname(os.path.abspath(__file__)))]
    interpreter_folder = os.path.dirname(os.path.abspath(executable))
    environment = os.path.dirname(interpreter_folder)
    if any(os.path.isfile(os.path.join(folder, "pyvenv.cfg")) for folder in (interpreter_folder, environment)):
        for site_packages in site.getsitepackages([environment]):
            for folder in [site_packages, *folders_named_in_pth_files(site_packages)]:
                if folder not in folders:
                    folders.append(folder)
    return folders


def folders_named_in_pth_files(site_packages: str) -> list:
    """The folders the environment's .pth files add, as site adds them (pipx's shared libraries, an
    editable install's source), without running the lines that import code."""
    folders = []
    try:
        names = sorted(name for name in os.listdir(site_packages) if name.endswith(".pth"))
    except OSError:
        return folders
    for name in names:
        try:
            with open(os.path.join(site_packages, name), encoding="utf-8") as stream:
                lines = stream.read(65536).splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        for line in lines:
            line = line.rstrip()
            if line and not line.startswith(("#", "import ", "import\t")):
                folder = os.path.join(site_packages, line)
                if os.path.isdir(folder):
                    folders.append(os.path.normpath(folder))
    return folders


if __name__ == "__main__":
    import runpy

    sys.path[0:1] = own_packages(sys.executable)
    module = sys.argv[1]
    del sys.argv[0]  # the module sees its own arguments, as under -m
    runpy.run_module(module, run_name="__main__", alter_sys=True)
