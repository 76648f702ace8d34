"""The telemetry layer as the launcher sees it: one call after each finished run.

It runs on the shim's hot path, after the tool has exited and before the shim exits with the tool's
status, so it must stay cheap and must never print.
"""


def record(run):
    """Take a finished run (chefwrap.launcher.Run). The sanitizer, the spool and the sender plug in here."""
