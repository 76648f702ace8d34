"""The working folder and the walk up from it, as Chef's tools do it (the gem's opt-out, chef's config).

Used on the shim's hot path: os only.
"""

import os


def working_folder(variables):
    """$PWD, as the chef-telemetry gem takes it, else the process's working directory; None if neither."""
    folder = variables.get("PWD")
    if folder and os.path.isabs(folder):
        return folder
    try:
        return os.getcwd()
    except OSError:
        return None


def nearest(folder, names):
    """The nearest of `names` (relative paths) in `folder` or a parent up to /; the first name wins
    within a folder. None when there is none."""
    while True:
        for name in names:
            candidate = os.path.join(folder, name)
            if os.path.exists(candidate):  # as Ruby's File.exist?, which the gem uses
                return candidate
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent
