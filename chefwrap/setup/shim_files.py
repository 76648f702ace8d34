"""The shims: one small POSIX sh file per tool, rendered from shims/shim.template; and beside them the
`chefwrap` command (shims/chefwrap.template), which is not a shim.

A shim is sh so that it needs no interpreter chefwrap installed: if chefwrap's Python goes away (its
virtual environment deleted, the Python behind it upgraded), the shim still runs the real tool.
"""

import os
import re
import sys
from pathlib import Path

import chefwrap
from chefwrap.resources import read_text
from chefwrap.setup.startup_files import sh_quote
from chefwrap.shim.real_tool import is_shim

ENTRY = os.path.join("chefwrap", "shim", "entry.py")
ISOLATED = os.path.join("chefwrap", "isolated.py")
COMMAND_MARKER = b"# chefwrap-command"


def render(tool: str, shims_folder, python: str = None, package_parent: str = None) -> bytes:
    """The shim for `tool` in `shims_folder`, running this chefwrap with this Python unless told otherwise."""
    python = python or sys.executable
    package_parent = package_parent or chefwrap.package_parent()
    values = {
        "@VERSION@": chefwrap.__version__,
        "@TOOL@": tool,
        "@SHIM@": sh_quote(os.path.join(os.fspath(shims_folder), tool)),
        "@PYTHON@": sh_quote(python),
        "@ENTRY@": sh_quote(os.path.join(package_parent, ENTRY)),
    }
    text = read_text("shims/shim.template")
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
    return text.encode()


def render_command(python: str = None, package_parent: str = None) -> bytes:
    """The `chefwrap` command install puts beside the shims, running this chefwrap with this Python."""
    values = {
        "@VERSION@": chefwrap.__version__,
        "@PYTHON@": sh_quote(python or sys.executable),
        "@ISOLATED@": sh_quote(os.path.join(package_parent or chefwrap.package_parent(), ISOLATED)),
    }
    text = read_text("shims/chefwrap.template")
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
    return text.encode()


def is_command(path: Path) -> bool:
    """A `chefwrap` command that an install wrote (a file of the user's by that name is not ours)."""
    try:
        with open(path, "rb") as stream:
            return COMMAND_MARKER in stream.read(512)
    except OSError:
        return False


def is_current_command(path: Path) -> bool:
    try:
        return path.read_bytes() == render_command()
    except OSError:
        return False


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
        return path.read_bytes() == render(tool, path.parent)
    except OSError:
        return False


SH_WORD = r"'(?:[^']|'\\'')*'"
CURRENT_PYTHON = re.compile(r"^\s*if \[ -x (" + SH_WORD + r") \]", re.MULTILINE)
OLD_PYTHON = re.compile(r"\A#!(\S+) -IS\n")  # the shims of chefwrap 0.1


def python_of(path: Path):
    """The Python a shim written by this or an earlier chefwrap runs; None when it cannot be told."""
    try:
        with open(path, "rb") as stream:
            head = stream.read(8192).decode("utf-8", "surrogateescape")
    except OSError:
        return None
    current = CURRENT_PYTHON.search(head)
    if current:
        return current.group(1)[1:-1].replace("'\\''", "'")
    old = OLD_PYTHON.match(head)
    return old.group(1) if old else None


def is_sh_front_end(path: Path) -> bool:
    """Written by a chefwrap whose shims run without their Python (0.1's need it to start at all)."""
    try:
        with open(path, "rb") as stream:
            return stream.read(10) == b"#!/bin/sh\n" and CURRENT_PYTHON.search(stream.read(8192).decode("utf-8", "replace")) is not None
    except OSError:
        return False


def needing_refresh(shims_folder: Path) -> list:
    """The tools whose shims this chefwrap, on this Python, would write differently (an older chefwrap's,
    or one whose Python is gone), for `chefwrap telemetry status` to say: `chefwrap install` refreshes them."""
    return [tool for tool, path in installed(shims_folder).items() if not is_current(path, tool)]
