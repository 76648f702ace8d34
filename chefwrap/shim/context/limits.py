"""What context reading may take, and what counts as plain enough to be written or sent. os only."""

from chefwrap import files

MAX_FILE_BYTES = 1024 * 1024
MAX_NAMES = 100
# A cached value must be plain text of these characters: no space, comma, colon or equals sign.
SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/@+")


class OutOfTime(Exception):
    """The context's time budget ran out."""


def read_small(path) -> bytes:
    """A plain file of at most MAX_FILE_BYTES; ValueError for anything else (never waits on a FIFO)."""
    data = files.read_state(path, MAX_FILE_BYTES + 1)
    if data is None:
        raise ValueError("missing, unreadable or not a plain file")
    if len(data) > MAX_FILE_BYTES:
        raise ValueError("too large to read")
    return data


def storable(text) -> bool:
    """Whether a name can be kept in the cache and sent as it is (identity_cache.encode's rule for one
    text): a name that cannot is counted as other by the reader that found it, and costs nothing else."""
    return isinstance(text, str) and 0 < len(text) <= 256 and set(text) <= SAFE
