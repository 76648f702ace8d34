"""Writes chefwrap's completions for bash, zsh and fish into completions/, from its one argparse tree.

    python3 tools/generate_completions.py

Run it after changing chefwrap/parser.py; tests/test_cli.py fails until the files match the parser.
"""

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from chefwrap.parser import parser  # noqa: E402
from chefwrap.setup import completions  # noqa: E402

if __name__ == "__main__":
    for shell, name in completions.FILE_NAMES.items():
        (REPO / "completions" / name).write_text(completions.render(shell, parser()), encoding="utf-8")
