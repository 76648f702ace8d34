"""CHEF_TELEMETRY_DEBUG: the event on stderr instead of the network, and what went wrong where chefwrap
otherwise stays silent so the tool is never disturbed. os and sys only."""

import os
import sys

from chefwrap.state import ci

VARIABLE = "CHEF_TELEMETRY_DEBUG"


def enabled(variables) -> bool:
    """`variables`: str to str, or bytes to bytes as the shim has it."""
    return ci.is_set(variables.get(VARIABLE, variables.get(VARIABLE.encode())))


def say_what_went_wrong(variables, where: str) -> None:
    """Under CHEF_TELEMETRY_DEBUG, the exception being handled, with its traceback, on stderr."""
    if not enabled(variables):
        return
    try:
        import traceback

        text = "".join(traceback.format_exception(*sys.exc_info()))
        os.write(2, f"chefwrap: {where} failed (the tool is not affected):\n{text}".encode(errors="replace"))
    except Exception:  # noqa: BLE001 - reporting must never disturb the tool either
        pass
