"""chefwrap: anonymous usage telemetry for knife, kitchen and chef, through shims on PATH.

This module is imported by every shim call, so it holds nothing but the version and where it lives, and
imports nothing.
"""

__version__ = "0.1.0"
TOOLS = ("knife", "kitchen", "chef")  # the tools chefwrap wraps
DEFAULT_MIN_SESSIONS = 5  # the collector's privacy threshold, K (chefwrap.collector.threshold), and the CLI's default
MAX_MIN_SESSIONS = 20  # the largest K: the aggregates keep the sessions of rows of fewer sessions than this


def package_parent() -> str:
    """The folder chefwrap is imported from: what shims and chefwrap's own processes put on sys.path."""
    import os

    return os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
