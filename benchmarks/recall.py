"""Recall of the sanitizer over command lines from the tools' documentation.

    .venv/bin/python benchmarks/recall.py [--package-root DIR]

Recall: of the options in the corpus (tests/documented_command_lines.py), the share reported by name
rather than as <other-option>. Also: the share of lines whose command is recognised beyond the tool's
name. --package-root measures another chefwrap (an older release, unpacked with
`git archive COMMIT chefwrap | tar -x -C DIR`).
"""

import argparse
import shlex
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def measure(sanitizer, corpus):
    kept = total = commands = 0
    per_tool = {}
    for _, line in corpus:
        tool, *argv = shlex.split(line)
        result = sanitizer.sanitize(tool, argv)
        named = sum(name != sanitizer.UNKNOWN_OPTION for name in result.options)
        kept += named
        total += len(result.options)
        commands += result.command != tool
        counts = per_tool.setdefault(tool, [0, 0])
        counts[0] += named
        counts[1] += len(result.options)
    return kept, total, commands, per_tool


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package-root", default=str(REPO), help="folder holding the chefwrap package to measure")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO / "tests"))
    sys.path.insert(0, args.package_root)
    from chefwrap.shim import sanitizer

    from documented_command_lines import DOCUMENTED

    kept, total, commands, per_tool = measure(sanitizer, DOCUMENTED)
    print(f"{len(DOCUMENTED)} documented command lines, {total} options: {kept} kept by name, recall {100 * kept / total:.1f} %")
    print(f"commands recognised: {commands} of {len(DOCUMENTED)} lines ({100 * commands / len(DOCUMENTED):.1f} %)")
    for tool, (named, count) in sorted(per_tool.items()):
        print(f"  {tool:<8} {named}/{count} options kept ({100 * named / count:.1f} %)")


if __name__ == "__main__":
    main()
