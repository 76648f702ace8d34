"""Where Chef's tools keep per-user state: `.chef` under $CHEF_HOME, else under the home folder.

The decision files and the session file are shared with the chef-telemetry gem; chefwrap's own
files live in `.chef/chefwrap`. Used on the shim's hot path: os only.
"""

import os

OPT_IN = "telemetry_opt_in"
OPT_OUT = "telemetry_opt_out"
SESSION_FILE = "TELEMETRY_SESSION_ID"


def chef_dir(env) -> str:
    return os.path.join(env.get("CHEF_HOME") or env.get("HOME") or os.path.expanduser("~"), ".chef")


def own_dir(env) -> str:
    """chefwrap's spool, ledger, locks and settings."""
    return os.path.join(chef_dir(env), "chefwrap")
