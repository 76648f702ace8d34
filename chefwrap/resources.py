"""Files chefwrap ships beside its code: the shim template and the generated completions.

A wheel carries them inside the package; a source checkout keeps them at the top of the repository.
"""

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def resource(relative: str) -> Path:
    for base in (PACKAGE, PACKAGE.parent):
        candidate = base / relative
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"chefwrap is missing {relative}: reinstall it")


def read_text(relative: str) -> str:
    return resource(relative).read_text(encoding="utf-8")
