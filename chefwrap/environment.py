"""What a chefwrap command may see of the world: injected, so tests drive the real entry point.

One name for each kind of environment, everywhere in chefwrap: `env` is an Environment (the commands,
set-up); `variables` a dict of text, as its .variables (state, delivery, what the shim records);
`environ` the caller's environment as bytes to bytes, as the shim has it (chefwrap.shim.launcher).
"""

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, TextIO


@dataclass
class Environment:
    variables: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    platform: str = sys.platform  # "linux", "darwin", "win32": what the shims and start-up files can be

    def get(self, name, default=None):
        return self.variables.get(name, default)

    @property
    def path(self):
        """PATH as bytes, the way the shim searches it; None when unset."""
        value = self.variables.get("PATH")
        return None if value is None else os.fsencode(value)

    @property
    def home(self) -> Path:
        return Path(self.variables.get("HOME") or os.path.expanduser("~"))

    def say(self, message=""):
        print(message, file=self.stdout)

    def error(self, message):
        print(f"chefwrap: {message}", file=self.stderr)
