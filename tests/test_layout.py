"""The package's shape: one name per module, no import cycle, and no import that runs back up the layers,
counting imports inside functions too."""

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.fast  # in-process: the fast tier (docs/development.md)

PACKAGE = Path(__file__).resolve().parent.parent / "chefwrap"


def modules() -> dict:
    """{dotted name: path} of every module in the package."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports_of(path: Path, known: dict) -> set:
    """The chefwrap modules a module names in its imports, wherever in it they stand, and in tables of
    modules it imports by name (main's COMMAND_MODULES, for importlib.import_module)."""
    targets = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Dict):
            targets.update(value.value for value in node.values if isinstance(value, ast.Constant) and value.value in known)
        elif isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names if alias.name in known)
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "chefwrap":
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                targets.add(submodule if submodule in known else node.module)
    return {target for target in targets if target in known}


# Kept at the name an earlier release's files import (chefwrap 0.1.0's shims), and nothing else.
COMPATIBILITY_MODULES = {"chefwrap.launcher"}


def test_no_module_name_is_used_twice():
    names = {}
    for dotted in set(modules()) - COMPATIBILITY_MODULES:
        short = dotted.rsplit(".", 1)[-1]
        names.setdefault(short, []).append(dotted)
    assert {short: where for short, where in names.items() if len(where) > 1} == {}


def test_there_is_no_import_cycle():
    known = modules()
    graph = {name: imports_of(path, known) - {name} for name, path in known.items()}
    cycles = []

    def visit(name, trail):
        if name in trail:
            cycles.append(trail[trail.index(name) :] + [name])
            return
        if name in done:
            return
        for target in sorted(graph[name]):
            visit(target, trail + [name])
        done.add(name)

    done = set()
    for name in sorted(graph):
        visit(name, [])
    assert cycles == []


# Bottom first. A module may import modules of its own layer and of the layers below it, never above.
LAYERS = (
    ("chefwrap", "chefwrap.paths", "chefwrap.files", "chefwrap.isolated", "chefwrap.resources", "chefwrap.environment"),
    ("chefwrap.state",),  # what the shim and the sender share: consent, settings, session, CI, folders
    ("chefwrap.delivery",),  # the spool, the sender, erasure
    ("chefwrap.shim",),  # the hot path and what it records; it hands events to delivery
    ("chefwrap.setup",),  # shells, shim files, start-up blocks
    ("chefwrap.collector",),  # the server; it reads the grammars the shim sanitizes with
    ("chefwrap.commands",),  # one module a command
    ("chefwrap.parser", "chefwrap.main", "chefwrap.__main__", "chefwrap.launcher"),  # the CLI; 0.1's shims' entry
)


def layer_of(module: str) -> int:
    for depth in (2, 1):
        prefix = ".".join(module.split(".")[:depth])
        for index, members in enumerate(LAYERS):
            if prefix in members:
                return index
    raise AssertionError(f"{module} belongs to no layer: add its package to LAYERS")


def test_no_import_runs_back_up_the_layers():
    known = modules()
    upward = []
    for name, path in sorted(known.items()):
        for target in sorted(imports_of(path, known)):
            if layer_of(target) > layer_of(name):
                upward.append(f"{name} -> {target}")
    assert upward == []



FILE_NAMES = {"chefwrap.bash", "chefwrap.fish"}  # completion files, named like modules


def test_every_module_a_docstring_or_comment_names_exists():
    """`chefwrap.x.y` in the package's text names a module, or something a module defines."""
    import importlib
    import re

    stale = []
    for name, path in sorted(modules().items()):
        for reference in sorted(set(re.findall(r"(?<![\w/])chefwrap(?:\.[A-Za-z_][A-Za-z0-9_]*)+", path.read_text()))):
            if reference not in FILE_NAMES and not resolves(reference, importlib):
                stale.append(f"{name}: {reference}")
    assert stale == []


def resolves(reference: str, importlib) -> bool:
    parts = reference.split(".")
    for end in range(len(parts), 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:end]))
        except ImportError:
            continue
        for attribute in parts[end:]:
            if not hasattr(found, attribute):
                return False
            found = getattr(found, attribute)
        return True
    return False


# A path in the repository, not one under a home (~/.chef/chefwrap/...) nor in a string of code.
REPOSITORY_PATH = r"""(?<![\w./~$"'-])(?:chefwrap|tests|benchmarks|tools|docs|shims|completions)/[\w./-]*\w"""


def test_every_file_of_the_repository_the_docs_name_exists():
    """`chefwrap/shim/launcher.py`, `tests/test_recorder.py` ... in README.md, docs/ and the package's text."""
    import re

    repository = PACKAGE.parent
    texts = [repository / "README.md", *sorted((repository / "docs").glob("*.md")), *modules().values()]
    missing = []
    for text in texts:
        for reference in sorted(set(re.findall(REPOSITORY_PATH, text.read_text()))):
            if not (repository / reference).exists():
                missing.append(f"{text.relative_to(repository)}: {reference}")
    assert missing == []
