"""From a command line to what may be reported of it: the command's words and the option names.

A pure function of argv, the tool's grammar (chefwrap/shim/grammars/, extracted from the tools'
sources) and the set of gems installed beside the real tool (chefwrap.shim.context.tool_versions
.installed_gems): it never sees the environment, the working directory or the output. Only names the
grammar defines come out. The command is found first, the way the tool finds it (knife's subcommand
loader, chef-cli's leading words, Thor's first word), among the commands the tool has: its own, and a
plugin's only when that plugin's gem is installed (else its words are arguments, as knife reads them).
So every option is read with the table the tool itself uses for that command. Then every positional that is not a command word, every option value (glued,
after `=`, or in the next token), everything after `--` and everything after a pass-through command
(`chef exec`) is dropped and only counted. An option the grammar does not define becomes
`<other-option>`, and the token after it is dropped too: it may be that option's value.

Imported on the shim's hot path: builtins only.
"""

from chefwrap.shim.grammars import OPTIONAL, SWITCH, VALUE, VALUES

UNKNOWN_OPTION = "<other-option>"
# Of several long options an abbreviation could mean, the one that would take the most tokens is
# assumed, so an ambiguous abbreviation can only ever drop more.
CONSUMPTION = {SWITCH: 0, OPTIONAL: 1, VALUE: 2, VALUES: 3}


class Sanitized:
    __slots__ = ("tool", "command", "options", "dropped")

    def __init__(self, tool, command, options, dropped):
        self.tool = tool
        self.command = command  # "knife node show": the tool and the known command words
        self.options = options  # option names the grammar defines, or UNKNOWN_OPTION, in the order given
        self.dropped = dropped  # {"arguments": n, "values": n, "options": n}

    def __repr__(self):
        return f"Sanitized({self.command!r}, {self.options!r}, {self.dropped!r})"


def sanitize(tool, argv, plugins=frozenset(), grammar=None):
    """What may be reported of `tool argv...`; argv items may be bytes (as the shim has them) or str.
    `plugins`: the gems installed beside the real tool (only those the grammar names as plugins count);
    none by default, so a plugin's words are then arguments. `grammar`: a Grammar to use instead of the
    tool's own (tests)."""
    grammar = compiled(tool) if grammar is None else grammar
    tokens = [_text(token) for token in argv]
    end = tokens.index("--") if "--" in tokens else len(tokens)
    command, used = grammar.find_command(tokens, end, plugins)
    stop = end
    if used and " ".join(command) in grammar.passthrough:
        stop = max(used) + 1  # the rest belongs to another program: unread
    parse = _Parse(grammar, grammar.options_for(command), tokens, stop)
    index = 0
    while index < stop:
        token = tokens[index]
        index += 1
        if token.startswith("-") and token != "-":
            index = parse.option(token, index)
        elif index - 1 not in used:
            parse.dropped["arguments"] += 1
    parse.dropped["arguments"] += len(tokens) - stop - (stop == end < len(tokens))
    return Sanitized(grammar.tool, " ".join((grammar.tool,) + command), parse.options, parse.dropped)


def known_plugins(tool) -> frozenset:
    """Every plugin gem the tool's grammar knows: the set to pass when all of them are installed."""
    return frozenset(compiled(tool).plugins.values())


def _text(token):
    if isinstance(token, bytes):
        return token.decode("utf-8", "surrogateescape")
    return token


class _Parse:
    """Reads the options of one command line with one option table."""

    def __init__(self, grammar, table, tokens, stop):
        self.grammar = grammar
        self.table = table
        self.tokens = tokens
        self.stop = stop
        self.options = []
        self.dropped = {"arguments": 0, "values": 0, "options": 0}

    def option(self, token, index):
        """Record the option in `token`, drop its value; returns the index of the next unread token."""
        if token.startswith("--"):
            return self._long(token, index)
        return self._short_cluster(token, index)

    def _long(self, token, index):
        name, has_value, _ = token.partition("=")
        name, kind = self.grammar.resolve_long(name, self.table)
        if name is None:
            self._unknown()
            if has_value:
                self.dropped["values"] += 1
                return self._more_values(index) if kind == VALUES else index
            return self._following_value(kind or VALUE, index)
        self.options.append(name)
        if has_value:
            self.dropped["values"] += 1
            return self._more_values(index) if kind == VALUES else index
        return self._following_value(kind, index)

    def _short_cluster(self, token, index):
        for position in range(1, len(token)):
            name = "-" + token[position]
            glued = token[position + 1 :]
            kind = self.table.get(name)
            if kind is None:
                self._unknown()
                if glued:  # the rest may be this option's glued value
                    self.dropped["values"] += 1
                    return index
                return self._following_value(VALUE, index)
            self.options.append(name)
            if kind == SWITCH:
                continue
            if glued:
                self.dropped["values"] += 1
                return self._more_values(index) if kind == VALUES else index
            return self._following_value(kind, index)
        return index

    def _following_value(self, kind, index):
        """Drop the value an option takes from the tokens after it."""
        if kind == SWITCH or index >= self.stop:
            return index
        if kind == VALUE or not self.tokens[index].startswith("-"):
            self.dropped["values"] += 1
            index += 1
        return self._more_values(index) if kind == VALUES else index

    def _more_values(self, index):
        while index < self.stop and not self.tokens[index].startswith("-"):
            self.dropped["values"] += 1
            index += 1
        return index

    def _unknown(self):
        self.options.append(UNKNOWN_OPTION)
        self.dropped["options"] += 1


class Grammar:
    """A GRAMMAR table made ready for lookups."""

    def __init__(self, table):
        self.tool = table["tool"]
        self.matching = table["matching"]
        self.abbreviations = table.get("abbreviations", False)
        self.passthrough = set(table.get("passthrough", ()))
        self.aliases = table.get("aliases", {})
        self.plugins = table.get("plugins", {})
        self.bases = table.get("bases", {})
        self.scopes = table["options"]
        self.commands = {}  # lookup key -> the command's words as reported
        self.depth = 1
        for command in table["commands"]:
            words = tuple(command.split())
            self.commands[_key(words) if self.matching == "knife" else command] = words
            self.depth = max(self.depth, len(words))

    def find_command(self, tokens, end, plugins=frozenset()):
        """(the command's words, the indexes of the tokens that spell them), the way the tool finds it,
        among the commands it has with the gems `plugins` installed."""
        if self.matching == "knife":
            return self._knife_command(tokens, end, plugins)
        if self.matching == "thor":
            return self._thor_command(tokens[0], plugins) if end and not tokens[0].startswith("-") else ((), ())
        return self._leading_command(tokens, end, plugins)

    def _known(self, key, plugins):
        """The command's words for a lookup key, if the tool has that command with `plugins` installed."""
        words = self.commands.get(key)
        if words is None:
            return None
        gem = self.plugins.get(" ".join(words))
        return words if gem is None or gem in plugins else None

    def _knife_command(self, tokens, end, plugins):
        """knife's subcommand loader: the longest known command the word-shaped arguments spell, in order,
        wherever they stand; `-` and `_` are the same and words may be joined by `_`."""
        words = []
        for index in range(end):
            if _word_shaped(tokens[index]):
                words.append(index)
                if len(words) == self.depth:
                    break
        for count in range(len(words), 0, -1):
            found = self._known(_key(tokens[index] for index in words[:count]), plugins)
            if found is not None:
                return found, words[:count]
        return (), ()

    def _leading_command(self, tokens, end, plugins):
        """chef-cli: the command is the first words, before any option."""
        leading = 0
        while leading < min(end, self.depth) and not tokens[leading].startswith("-"):
            leading += 1
        for count in range(leading, 0, -1):
            found = self._known(" ".join(tokens[:count]), plugins)
            if found is not None:
                return found, tuple(range(count))
        return (), ()

    def _thor_command(self, token, plugins):
        """Thor: the first word is a command, an alias (`map`), or an unambiguous prefix of one of them."""
        if token in self.aliases:
            target = self.aliases[token]
            found = self._known(target, plugins) if target in self.commands else (target,)
            return (found, (0,)) if found is not None else ((), ())
        if self._known(token, plugins) is not None:
            return self.commands[token], (0,)
        known = [key for key in self.commands if self._known(key, plugins) is not None]
        matches = [key for key in known + list(self.aliases) if key.startswith(token)]
        if len(matches) == 1:
            return self._thor_command(matches[0], plugins)
        return (), ()

    def options_for(self, command):
        """The option table of a command: the global options, then its base's, then its own."""
        chain = []
        scope = " ".join(command)
        while scope and scope not in chain:
            chain.append(scope)
            scope = self.bases.get(scope)
        table = dict(self.scopes[""])
        for scope in reversed(chain):
            table.update(self.scopes.get(scope, {}))
        return table

    def resolve_long(self, name, table):
        """(name to report, kind) of a long option; (None, kind to assume) when it is not one of the table's.

        Both Ruby's OptionParser and Thor read `_` as `-` in long option names. OptionParser also
        completes an abbreviation word by word, in any case (`--con-PASS` is --connection-password);
        where several options match it takes the shortest if it begins every other, and refuses the
        rest. A refused abbreviation is reported as unknown, assumed to take the most tokens any of
        its candidates would.
        """
        name = "--" + name[2:].replace("_", "-")
        if name in table:
            return name, table[name]
        if not self.abbreviations or len(name) < 3:
            return None, None
        typed = name[2:].lower()
        # every typed character stands for at least one of the option's: a longer name completes nothing
        candidates = sorted((option for option in table if len(option) >= len(name) and option.startswith("--") and _completes(typed, option[2:])), key=len)
        if not candidates:
            return None, None
        if all(other.startswith(candidates[0]) for other in candidates[1:]):
            return candidates[0], table[candidates[0]]
        return None, max((table[option] for option in candidates), key=CONSUMPTION.get)


def _completes(typed, option):
    """OptionParser's completion pattern: each run of word characters typed begins a run in the option
    at the same place, every other character typed is there as typed; the option may go on after."""
    at = 0
    index = 0
    while index < len(typed):
        if _word_character(typed[index]):
            start = index
            while index < len(typed) and _word_character(typed[index]):
                index += 1
            run = typed[start:index]
            if not option.startswith(run, at):
                return False
            at += len(run)
            while at < len(option) and _word_character(option[at]):
                at += 1
        else:
            if at >= len(option) or option[at] != typed[index]:
                return False
            at += 1
            index += 1
    return True


def _word_character(character):
    return character.isascii() and (character.isalnum() or character == "_")


def _word_shaped(token):
    """knife's positional_arguments: /^(([[:alnum:]])[[:alnum:]\\_\\-]+)$/."""
    return len(token) > 1 and token[0].isalnum() and all(character.isalnum() or character in "_-" for character in token)


def _key(words):
    return "_".join(words).replace("-", "_")


_compiled = {}


def compiled(tool):
    if tool not in _compiled:
        module = __import__(f"chefwrap.shim.grammars.{tool}", fromlist=["GRAMMAR"])
        _compiled[tool] = Grammar(module.GRAMMAR)
    return _compiled[tool]
