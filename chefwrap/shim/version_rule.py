"""The one rule for a version that may leave the machine by name, wherever it comes from: a platform's
(ubuntu-22.04), a cookbook's, a tool's (gem specifications, the Workstation's manifest) and the
`product_version` a binstub pins.

A real release is ASCII digits in at most three dot-separated parts, none longer than four digits (the
longest real releases use is a year, 2009, or a build number, 24.2.1058). Anything else may be an
address (10.20.30.40), a phone number (5551234567) or a date (20240101): it is counted, never named.
The limits are read at each call, so a test can loosen them and watch the property tests fail.
Imported on the shim's hot path: builtins only.
"""

MOST_PARTS = 3
MOST_DIGITS = 4
DIGITS = frozenset("0123456789")


def public_version(text) -> bool:
    """Whether `text` has the shape of a real release and may be named."""
    if not isinstance(text, str):
        return False
    parts = text.split(".")
    return len(parts) <= MOST_PARTS and all(0 < len(part) <= MOST_DIGITS and set(part) <= DIGITS for part in parts)
