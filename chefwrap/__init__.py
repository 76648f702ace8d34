"""chefwrap: anonymous usage telemetry for knife, kitchen and chef, through shims on PATH.

This module is imported by every shim call, so it holds nothing but the version.
"""

__version__ = "0.1.0"
