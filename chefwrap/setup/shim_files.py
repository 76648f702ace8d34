"""The shims: one small Python file per tool, rendered from shims/shim.template."""

import os
import re
import sys
from pathlib import Path

import chefwrap
from chefwrap.resources import read_text
from chefwrap.shim.real_tool import is_shim

# Linux reads at most this much of a `#!` line on older kernels, and nothing after a space is the path.
LONGEST_SHEBANG = 127


def interpreter_line(python: str) -> str:
    """`#!python -IS`, or, where the path cannot stand in a `#!` line, a line that sh and Python both
    read: sh execs the interpreter with the same flags, Python sees a string literal."""
    shebang = f"#!{python} -IS"
    if len(shebang.encode()) <= LONGEST_SHEBANG and not re.search(r"\s", python):
        return shebang
    if "'" in python:
        raise ValueError(f"chefwrap cannot write a shim for a Python whose path holds a quote: {python}")
    # sh runs `exec '<python>' -IS "$0" "$@"`; Python reads the same line as a string literal (no escapes).
    return f"#!/bin/sh\n''''exec '{python}' -IS \"$0\" \"$@\" # '''"


def render(tool: str, python: str = None, package_parent: str = None) -> bytes:
    """The shim for `tool`, running this chefwrap with this Python unless told otherwise."""
    python = python or sys.executable
    package_parent = package_parent or chefwrap.package_parent()
    text = read_text("shims/shim.template").format(
        interpreter_line=interpreter_line(python),
        version=chefwrap.__version__,
        package_parent=repr(package_parent),
        tool=repr(tool),
    )
    return text.encode()


def installed(shims_folder: Path) -> dict:
    """{tool: path} of the chefwrap shims in the folder; other files there are not ours."""
    try:
        entries = sorted(os.listdir(shims_folder))
    except OSError:
        return {}
    return {name: shims_folder / name for name in entries if is_shim(shims_folder / name)}


def is_current(path: Path, tool: str) -> bool:
    """The shim matches what this chefwrap, on this Python, would write now."""
    try:
        return path.read_bytes() == render(tool)
    except OSError:
        return False
