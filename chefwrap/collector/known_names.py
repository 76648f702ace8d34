"""Only names the collector can know: what ingest keeps of a command event's names.

A client the collector cannot trust (anyone, without ingest tokens; a token holder with a bug or a
grudge) chooses every string it sends. So before anything is stored, the names are narrowed to what the
collector itself can vouch for, and each event names a bounded number of things:

- a command is kept when the tool's grammar defines it (chefwrap/shim/grammars/: the same data the
  shims sanitize with); otherwise the event counts as a run of the tool alone ("knife");
- an option is kept when the command's option table defines it; otherwise it is `<other-option>`, as
  the shim itself reports an option it does not know; at most MAX_OPTIONS an event, the rest dropped;
- a product outside Chef's known set is counted as one product, OTHER_PRODUCT; a known product the
  collector has no grammar for (the products Chef's own gem sends) keeps no command and no option name;
- names of context (community cookbooks, Test Kitchen plugins, platforms, tool versions) are kept up to
  MAX_CONTEXT_NAMES an event, and only when at most MAX_NAME characters long; the others are counted,
  without a name, where the event has a count for them (`other`, `other_plugins`, `other_platforms`);
- an operating system, architecture or product version longer than MAX_NAME characters is dropped.

So one event adds at most 1 + 1 + 1 + MAX_OPTIONS + MAX_CONTEXT_NAMES + 3 + 1 rows to each period's
aggregates (totals, commands, versions, options, context, unnamed, sessions), and a request of
MAX_BATCH events a bounded number, whatever its strings.
"""

import functools
import importlib

from chefwrap import TOOLS
from chefwrap.shim.sanitizer import UNKNOWN_OPTION, compiled

MAX_OPTIONS = 64
MAX_CONTEXT_NAMES = 64
MAX_NAME = 100
OTHER_PRODUCT = "<other-product>"
# Chef's own chef-telemetry gem: the products its callers name (chef-cli, chef-run, Test Kitchen).
GEM_PRODUCTS = ("chef-workstation", "chef-workstation-cli", "test-kitchen")
KNOWN_PRODUCTS = (*TOOLS, *GEM_PRODUCTS)


def product(name: str) -> str:
    return name if name in KNOWN_PRODUCTS else OTHER_PRODUCT


def command(product_: str, said: str) -> str:
    """The command as the tool's grammar spells it, or the product alone."""
    return said if said in known_commands(product_) else product_


def options(command_: str, said) -> list:
    """At most MAX_OPTIONS option names, each one the command's table defines or UNKNOWN_OPTION."""
    table = option_table(command_)
    return [option if option in table else UNKNOWN_OPTION for option in said[:MAX_OPTIONS]]


@functools.lru_cache(maxsize=None)
def known_commands(product_: str) -> frozenset:
    if product_ not in TOOLS:
        return frozenset()
    grammar = compiled(product_)
    return frozenset(" ".join((product_, *words)) for words in grammar.commands.values()) | {product_}


@functools.lru_cache(maxsize=4096)
def option_table(command_: str) -> frozenset:
    """The options a known command (as `command` returns it) takes; none for a product without a grammar."""
    tool, _, words = command_.partition(" ")
    if tool not in TOOLS:
        return frozenset()
    return frozenset(compiled(tool).options_for(tuple(words.split()))) | {UNKNOWN_OPTION}


def option_name(command_: str, spelling: str) -> str:
    """The option a spelling of a command's is one of, named by its first long spelling (`-N` is
    `--node-name`; tools/extract_grammars.py writes the names); a spelling it does not know names itself."""
    tool, _, words = command_.partition(" ")
    if tool not in TOOLS:
        return spelling
    names = _option_names(tool).OPTIONS
    return names.get(words, {}).get(spelling) or names[""].get(spelling, spelling)


def options_defined(command_: str) -> dict:
    """{option name: ([its spellings], replacement or None when not deprecated, whether it is the tool's global one)}
    of every option a known command takes, as its grammar defines them."""
    tool, _, words = command_.partition(" ")
    if tool not in TOOLS:
        return {}
    grammar, names = compiled(tool), _option_names(tool)
    deprecated = {**names.DEPRECATED.get("", {}), **names.DEPRECATED.get(words, {})}
    found = {}
    for spelling in sorted(grammar.options_for(tuple(words.split()))):
        name = option_name(command_, spelling)
        is_global = spelling in grammar.scopes[""] and name == names.OPTIONS[""].get(spelling, spelling)
        found.setdefault(name, ([], deprecated.get(name), is_global))[0].append(spelling)
    return found


@functools.lru_cache(maxsize=None)
def _option_names(tool: str):
    return importlib.import_module(f"chefwrap.shim.grammars.{tool}_options")


def short(name):
    """The name when it is at most MAX_NAME characters; else None."""
    return name if name is None or len(name) <= MAX_NAME else None


class ContextBudget:
    """Names of context an event may still keep (MAX_CONTEXT_NAMES in all)."""

    def __init__(self):
        self.left = MAX_CONTEXT_NAMES

    def keeps(self, name: str) -> bool:
        if self.left <= 0 or len(name) > MAX_NAME:
            return False
        self.left -= 1
        return True
