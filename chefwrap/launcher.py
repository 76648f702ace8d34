"""Compatibility: the shims chefwrap 0.1.0 wrote run `from chefwrap.launcher import main`. They keep
recording, with the tool's signals and environment intact, until `chefwrap install` refreshes them."""

from chefwrap.shim.launcher import main  # noqa: F401
