"""Context results cached by the identity of the files they came from (device, inode, size, modification
time), so a name or a path is never written down: `kind signature key:type=value ...`, a line each.

Before a file is read, its identity is written down as being read (`kind signature !`), and replaced
by the result once there is one. A reading that never ends (out of the time budget, killed at the
recorder's deadline, a parser that crashes) leaves the mark: until the file changes, the next runs skip
it at once instead of paying again."""

import os

from chefwrap import files, paths
from chefwrap.shim import debug
from chefwrap.shim.context.limits import SAFE, OutOfTime

CACHE_ENTRIES = 64
OUT_OF_TIME = "!"


class Cache:
    """Results by the identity of the files they came from: `kind signature key:type=value ...` a line."""

    def __init__(self, variables, keep=True):
        self.variables = variables
        self.keep = keep  # False: nothing is written (debug mode, preview)
        self.path = paths.context_cache(variables)
        self.lines = []
        self.changed = False
        try:
            self.lines = (files.read_state(self.path, 256 * 1024) or b"").decode("ascii").splitlines()[-CACHE_ENTRIES:]
        except UnicodeDecodeError:
            pass

    def lookup(self, kind, paths, read):
        key = f"{kind} {signature(paths)}"
        for line in reversed(self.lines):
            if line.startswith(key + " ") or line == key:
                cached = line[len(key) + 1 :]
                return {} if cached == OUT_OF_TIME else decode(cached)
        mark = f"{key} {OUT_OF_TIME}"
        if self.keep:
            self.lines.append(mark)
            self.changed = True
            try:
                self.save()  # on disk before the read: a read that never returns stays marked
            except OSError:
                pass  # an unwritable cache costs the mark, not the context
        try:
            value = read(paths)
        except OutOfTime:
            raise
        except Exception:  # noqa: BLE001 - any damaged file (bad JSON, YAML, encoding, types) counts as empty
            debug.say_what_went_wrong(self.variables, f"reading the {kind} context")
            value = {}
        if self.keep:
            self.lines.remove(mark)
        encoded = encode(value)
        if encoded is not None:
            self.lines.append(f"{key} {encoded}".rstrip())
            self.changed = True
        return value if encoded is not None else {}

    def save(self):
        if self.keep and self.changed:
            data = "".join(line + "\n" for line in self.lines[-CACHE_ENTRIES:]).encode("ascii")
            files.clear_damaged(self.path)
            files.write_atomically(self.path, data, mode=0o600, durable=False)
            self.changed = False


def signature(paths) -> str:
    """Which files, in which state, without naming them."""
    parts = []
    for path in paths:
        try:
            status = os.stat(path)
            parts.append(f"{status.st_dev}.{status.st_ino}.{status.st_size}.{status.st_mtime_ns}")
        except OSError:
            parts.append("-")
    return "+".join(parts)


def encode(value: dict):
    """`key:s=text key:i=3 key:l=a,b`; None if anything is not plain enough to be written down."""
    tokens = []
    for key, item in value.items():
        if isinstance(item, bool) or not set(key) <= SAFE:
            return None
        if isinstance(item, int):
            tokens.append(f"{key}:i={item}")
        elif isinstance(item, str) and item and set(item) <= SAFE:
            tokens.append(f"{key}:s={item}")
        elif isinstance(item, list) and all(isinstance(x, str) and x and set(x) <= SAFE for x in item):
            tokens.append(f"{key}:l={','.join(item)}")
        else:
            return None
    return " ".join(tokens)


def decode(text: str) -> dict:
    value = {}
    for token in text.split():
        head, _, item = token.partition("=")
        key, _, kind = head.partition(":")
        if not (set(key) <= SAFE and set(item) <= SAFE | {","}):
            return {}
        if kind == "i" and item.lstrip("-").isdigit():
            value[key] = int(item)
        elif kind == "s":
            value[key] = item
        elif kind == "l":
            value[key] = [x for x in item.split(",") if x]
        else:
            return {}
    return value
