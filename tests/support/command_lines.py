"""Command lines built from parts whose outcome is known, with secrets in every value and positional
slot: the sanitizer's property tests (tests/shim/test_sanitizer.py, test_public_names.py) draw them."""

from hypothesis import strategies as st

from chefwrap.shim import sanitizer
from chefwrap.shim.grammars import OPTIONAL, SWITCH, VALUE, VALUES
from chefwrap.shim.grammars import chef as chef_grammar
from chefwrap.shim.grammars import kitchen as kitchen_grammar
from chefwrap.shim.grammars import knife as knife_grammar

GRAMMARS = {"knife": knife_grammar.GRAMMAR, "kitchen": kitchen_grammar.GRAMMAR, "chef": chef_grammar.GRAMMAR}


def every_plugin(grammar):
    """The gems of every plugin a grammar knows: a Chef Workstation with all of them installed."""
    return frozenset(grammar["plugins"].values())


MARKER = "Zq7"
secret_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)) | st.sampled_from(["\n", "=", "-", '"', "'", " ", "\\", "\x00"]),
    max_size=30,
)
marked_secrets = st.one_of(
    st.builds(lambda tail: MARKER + tail, secret_text),
    st.builds(lambda tail: MARKER + "x" * 100_000 + tail, secret_text),  # 100 KB
)


def pieces(word):
    return set(word.lower().replace("-", "_").split("_"))


COMMAND_WORDS = set().union(*(pieces(word) for grammar in GRAMMARS.values() for command in grammar["commands"] for word in command.split()))
COMMAND_WORDS |= {alias for grammar in GRAMMARS.values() for alias in grammar["aliases"]}
OPTION_NAMES = sorted({name for grammar in GRAMMARS.values() for table in grammar["options"].values() for name in table})


def one_letter_off(name):
    return st.builds(lambda at, letter: name[:at] + letter + name[at + 1 :], st.integers(1, max(1, len(name) - 1)), st.sampled_from("abcxyzPZ-_"))


# lower-case word-shaped values (user, host, org names); a name that is a command word could become
# part of the command, as the tool itself would read it, and is public anyway: those are left out.
word_secrets = st.from_regex(r"\A[a-z][a-z0-9]{1,12}(?:[-_][a-z0-9]{1,8}){0,2}\Z").filter(lambda word: not pieces(word) & COMMAND_WORDS)
option_shaped = st.sampled_from(OPTION_NAMES).flatmap(lambda name: st.one_of(st.just(name), one_letter_off(name)))
plain_secrets = st.one_of(marked_secrets, word_secrets)  # what may stand where a value cannot start with "-"
any_secrets = st.one_of(
    plain_secrets,
    option_shaped,
    st.builds(lambda s: "-" + s, st.one_of(marked_secrets, word_secrets)),
    st.builds(lambda s: "--" + s, st.one_of(marked_secrets, word_secrets)),
).filter(lambda value: value != "--")


def table_of(grammar, command):
    """A command's option table, read from the data the way grammars/__init__.py describes it."""
    chain = []
    scope = command
    while scope is not None:
        chain.append(scope)
        scope = grammar["bases"].get(scope)
    table = dict(grammar["options"][""])
    for scope in reversed(chain):
        table.update(grammar["options"].get(scope, {}))
    return table


def abbreviations(grammar, table, name):
    """Prefixes of a long option that OptionParser completes to it and to nothing else."""
    if not grammar["abbreviations"]:
        return []
    first_word = name[2:].split("-")[0]
    longs = [option for option in table if option.startswith("--")]
    return [prefix for prefix in ("--" + first_word[:size] for size in range(3, len(first_word) + 1))
            if prefix != name and [option for option in longs if option.startswith(prefix)] == [name]]


def unknown_long(table, word):
    """`word` as an option name no option of the table completes: no long option begins with its first run."""
    first_run = word.lower().replace("_", "-").split("-")[0]
    return not any(option.startswith("--" + first_run) for option in table)


_plans = {}


def plan(grammars, tool, command):
    """What a line for `command` may hold, with its strategies built once (they are costly to build)."""
    key = (id(grammars), tool, command)
    if key not in _plans:
        grammar = grammars[tool]
        table = table_of(grammar, command)
        by_kind = {kind: sorted(name for name, found in table.items() if found == kind) for kind in (SWITCH, VALUE, OPTIONAL, VALUES)}
        letters = [name for name in by_kind[SWITCH] if len(name) == 2]
        spelled_values = [(name, spelled) for name in by_kind[VALUE] for spelled in [name] + abbreviations(grammar, table, name)]
        _plans[key] = {
            "table": table,
            "by_kind": by_kind,
            "switches": st.sampled_from(by_kind[SWITCH]) if by_kind[SWITCH] else None,
            "values": st.sampled_from(spelled_values) if spelled_values else None,
            "optionals": st.sampled_from(by_kind[OPTIONAL] + by_kind[VALUES]) if by_kind[OPTIONAL] + by_kind[VALUES] else None,
            "clusters": st.lists(st.sampled_from(letters), min_size=1, max_size=4) if letters else None,
            "unknown_words": st.one_of(marked_secrets, word_secrets).filter(lambda word: "=" not in word and unknown_long(table, word)),
            "unknown_letters": st.sampled_from([letter for letter in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" if "-" + letter not in table]),
        }
    return _plans[key]


SLOTS = st.sampled_from(["positional", "value", "optional", "switch", "cluster", "unknown"])
FOCUSED_SLOTS = st.sampled_from(["positional", "value", "optional", "switch", "cluster", "unknown"] + ["focus"] * 3)
non_empty_secrets = any_secrets.filter(bool)


@st.composite
def command_lines(draw, grammars=GRAMMARS, commands=None, focus=()):
    """(tool, argv, the command that must be reported, the option names that must be reported)."""
    tool = draw(st.sampled_from(sorted(grammars))) if commands is None else commands[0]
    grammar = grammars[tool]
    command = draw(st.sampled_from(sorted(grammar["commands"]) if commands is None else commands[1]))
    parts = plan(grammars, tool, command)
    table = parts["table"]
    focused = sorted(name for name in focus if name in table)
    argv, expected = [], []
    if grammar["matching"] == "knife" and parts["switches"] is not None and draw(st.booleans()):
        switch = draw(parts["switches"])  # knife reads options before the command words too
        argv.append(switch)
        expected.append(switch)
    argv += command.split()
    for _ in range(draw(st.integers(0, 6))):
        slot = draw(FOCUSED_SLOTS if focused else SLOTS)
        if slot == "focus":
            name = draw(st.sampled_from(focused))
            argv += [name, draw(any_secrets)] if table[name] != SWITCH else [name]
            expected.append(name)
        elif slot == "positional":
            argv.append(draw(plain_secrets))
        elif slot == "value" and parts["values"] is not None:
            name, spelled = draw(parts["values"])
            form = draw(st.sampled_from(["next", "attached"]))
            if form == "next":
                argv += [spelled, draw(any_secrets)]
            elif spelled.startswith("--"):
                argv.append(spelled + "=" + draw(any_secrets))
            else:
                argv.append(spelled + draw(non_empty_secrets))
            expected.append(name)
        elif slot == "optional" and parts["optionals"] is not None:
            name = draw(parts["optionals"])
            argv += [name] + ([draw(plain_secrets)] if draw(st.booleans()) else [])
            expected.append(name)
        elif slot == "switch" and parts["switches"] is not None:
            name = draw(parts["switches"])
            argv.append(name)
            expected.append(name)
        elif slot == "cluster" and parts["clusters"] is not None:
            cluster = draw(parts["clusters"])
            argv.append("-" + "".join(name[1] for name in cluster))
            expected += cluster
        elif slot == "unknown":
            if draw(st.booleans()):
                word = draw(parts["unknown_words"])
                argv += ["--" + word, draw(any_secrets)] if draw(st.booleans()) else ["--" + word + "=" + draw(any_secrets)]
            else:
                letter = draw(parts["unknown_letters"])
                argv += ["-" + letter, draw(any_secrets)] if draw(st.booleans()) else ["-" + letter + draw(non_empty_secrets)]
            expected.append(sanitizer.UNKNOWN_OPTION)
    if draw(st.booleans()):
        argv += ["--"] + draw(st.lists(any_secrets, max_size=3))
    if command in grammar["passthrough"]:
        expected = []  # leading matching: nothing stands before the command, nothing after it is read
    return tool, argv, f"{tool} {command}", expected
