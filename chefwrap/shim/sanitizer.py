"""From a command line to what may be reported of it: the command's words and the option names.

A pure function of argv and the tool's grammar (chefwrap/grammars/): it never sees the environment,
the working directory or the output. Values never come out of it: every positional that does not
extend a known command, every option value (glued, after `=`, or in the next token), everything after
`--` and everything after a pass-through command (`chef exec`) is dropped and only counted. Option
names come out only when the grammar knows them, or when an unknown one has the shape of a plain
option name; any other unknown option becomes a placeholder.

Imported on the shim's hot path: builtins only.
"""

from chefwrap.shim.grammars import OPTIONAL, SWITCH, VALUE, VALUES

UNKNOWN_OPTION = "<other-option>"
LONGEST_UNKNOWN_OPTION = 32
# Of several long options an abbreviation could mean, the one that would take the most tokens is
# assumed, so an ambiguous abbreviation can only ever drop more.
CONSUMPTION = {SWITCH: 0, OPTIONAL: 1, VALUE: 2, VALUES: 3}


class Sanitized:
    __slots__ = ("tool", "command", "options", "dropped")

    def __init__(self, tool, command, options, dropped):
        self.tool = tool
        self.command = command  # "knife node show": the tool and the known command words
        self.options = options  # option names, in the order given
        self.dropped = dropped  # {"arguments": n, "values": n, "options": n}

    def __repr__(self):
        return f"Sanitized({self.command!r}, {self.options!r}, {self.dropped!r})"


def sanitize(tool, argv):
    """What may be reported of `tool argv...`; argv items may be bytes (as the shim has them) or str."""
    grammar = compiled(tool)
    parse = _Parse(grammar)
    tokens = [_text(token) for token in argv]
    index = 0
    while index < len(tokens):
        token = tokens[index]
        index += 1
        if token == "--":
            parse.dropped["arguments"] += len(tokens) - index
            break
        if token.startswith("-") and token != "-":
            index = parse.option(token, tokens, index)
        elif not parse.word(token):
            parse.dropped["arguments"] += 1
        if parse.passing_through:
            parse.dropped["arguments"] += len(tokens) - index
            break
    return parse.result()


def _text(token):
    if isinstance(token, bytes):
        return token.decode("utf-8", "surrogateescape")
    return token


class _Parse:
    def __init__(self, grammar):
        self.grammar = grammar
        self.words = []  # normalized words taken as command words so far
        self.command = ()  # the words of the longest complete command matched so far
        self.plugin = ()
        self.extending = True
        self.passing_through = False
        self.options = []
        self.dropped = {"arguments": 0, "values": 0, "options": 0}
        self._table = None

    # Command words

    def word(self, token):
        """Take `token` as the next command word if it extends a known command; False otherwise."""
        if not self.extending:
            return False
        found = self.grammar.extend(self.words, token)
        if found is None:
            self.extending = False
            if not self.words and token in self.grammar.plugins:
                self.plugin = (token,)  # a public plugin's name stands for the command: `knife ec2 ...`
                return True
            return False
        self.words.append(found)
        self._table = None
        complete = self.grammar.complete(self.words)
        if complete is not None:
            self.command = complete
            self.passing_through = " ".join(complete) in self.grammar.passthrough
        if self.grammar.single_word:
            self.extending = False
        return True

    def result(self):
        self.dropped["arguments"] += len(self.words) - len(self.command)  # words that led nowhere
        command = " ".join((self.grammar.tool,) + tuple(self.command or self.plugin))
        return Sanitized(self.grammar.tool, command, self.options, self.dropped)

    # Options

    def table(self):
        if self._table is None:
            self._table = self.grammar.options_for(self.words)
        return self._table

    def option(self, token, tokens, index):
        """Record the option in `token`, drop its value; returns the index of the next unread token."""
        if token.startswith("--"):
            return self._long(token, tokens, index)
        return self._short_cluster(token, tokens, index)

    def _long(self, token, tokens, index):
        name, has_value, _ = token.partition("=")
        name, kind = self.grammar.resolve_long(name, self.table())
        if kind is None:
            self._unknown(name)
            self.dropped["values"] += bool(has_value)
            return index
        self.options.append(name)
        if has_value:
            self.dropped["values"] += 1
            return self._more_values(kind, tokens, index) if kind == VALUES else index
        return self._following_value(kind, tokens, index)

    def _short_cluster(self, token, tokens, index):
        table = self.table()
        for position in range(1, len(token)):
            name = "-" + token[position]
            glued = token[position + 1 :]
            kind = table.get(name)
            if kind is None:
                self._unknown(name)
                self.dropped["values"] += bool(glued)  # the rest may be this option's glued value
                return index
            self.options.append(name)
            if kind == SWITCH:
                continue
            if glued:
                self.dropped["values"] += 1
                return self._more_values(kind, tokens, index) if kind == VALUES else index
            return self._following_value(kind, tokens, index)
        return index

    def _following_value(self, kind, tokens, index):
        """Drop the value an option takes from the tokens after it."""
        if kind == SWITCH or index >= len(tokens):
            return index
        if kind == VALUE or not tokens[index].startswith("-"):
            self.dropped["values"] += 1
            index += 1
        return self._more_values(kind, tokens, index) if kind == VALUES else index

    def _more_values(self, kind, tokens, index):
        while index < len(tokens) and not tokens[index].startswith("-"):
            self.dropped["values"] += 1
            index += 1
        return index

    def _unknown(self, name):
        if _plain_option_name(name):
            self.options.append(name)
        else:
            self.options.append(UNKNOWN_OPTION)
            self.dropped["options"] += 1


def _plain_option_name(name):
    """An unknown option is kept only if it cannot be carrying data: `-x`, or `--words-like-this`."""
    if len(name) == 2:
        return name[0] == "-" and name[1].isascii() and name[1].isalpha()
    if not name.startswith("--") or len(name) > LONGEST_UNKNOWN_OPTION:
        return False
    parts = name[2:].split("-")
    return len(parts) <= 4 and all(len(part) >= 2 and part.isascii() and part.isalpha() and part.islower() for part in parts)


class _Grammar:
    """A GRAMMAR table made ready for lookups."""

    def __init__(self, table):
        self.tool = table["tool"]
        self.single_word = table["matching"] == "thor"
        self.abbreviations = table.get("abbreviations", False)
        self.passthrough = set(table.get("passthrough", ()))
        self.plugins = set(table.get("plugins", ()))
        self.aliases = table.get("aliases", {})
        self.commands = {}  # normalized key -> the command's words as reported
        self.prefixes = set()  # normalized keys of every command and every leading part of one
        for command in table["commands"]:
            words = tuple(command.split())
            key = _key(words)
            self.commands[key] = words
            parts = key.split("_")
            for length in range(1, len(parts) + 1):
                self.prefixes.add("_".join(parts[:length]))
        self.scopes = [(_key(scope.split()) if scope else "", options) for scope, options in table["options"].items()]
        self.scopes.sort(key=lambda scope: len(scope[0]))  # global first, longer scopes override shorter

    def extend(self, words, token):
        """The normalized word `token` adds to the command, or None if no known command goes on so."""
        if self.single_word:
            return None if words else self._thor_command(token)
        word = token.replace("-", "_")
        return word if _key(words + [word]) in self.prefixes else None

    def _thor_command(self, token):
        if token in self.aliases:
            return self.aliases[token]
        if token in self.commands:
            return token
        matches = [key for key in self.commands if key.startswith(token)]
        return matches[0] if len(matches) == 1 and token else None

    def complete(self, words):
        return self.commands.get(_key(words))

    def options_for(self, words):
        key = _key(words)
        table = {}
        for scope, options in self.scopes:
            if scope == "" or key == scope or key.startswith(scope + "_"):
                table.update(options)
        return table

    def resolve_long(self, name, table):
        """(name to report, kind) of a long option; kind None when it is unknown.

        Both Ruby's OptionParser and Thor read `_` as `-` in long option names. OptionParser also
        takes any unambiguous abbreviation, word by word and in any case (`--con-PASS` is
        --connection-password); where several options could be meant, it fails, and the one that
        would take the most tokens is assumed here, so that a doubt can only ever drop more.
        """
        name = "--" + name[2:].replace("_", "-")
        if name in table:
            return name, table[name]
        if not self.abbreviations or len(name) < 3:
            return name, None
        typed = name[2:].lower().split("-")
        candidates = [option for option in table if option.startswith("--") and _abbreviates(typed, option)]
        if len(candidates) == 1:
            return candidates[0], table[candidates[0]]
        if candidates:
            return name, max((table[option] for option in candidates), key=CONSUMPTION.get)
        return name, None


def _abbreviates(typed_words, option) -> bool:
    """OptionParser's completion: each typed word begins the option's word in the same place."""
    option_words = option[2:].lower().split("-")
    if len(typed_words) > len(option_words):
        return False
    return all(word == whole if not word else whole.startswith(word) for word, whole in zip(typed_words, option_words))


def _key(words):
    return "_".join(words).replace("-", "_")


_compiled = {}


def compiled(tool):
    if tool not in _compiled:
        module = __import__(f"chefwrap.shim.grammars.{tool}", fromlist=["GRAMMAR"])
        _compiled[tool] = _Grammar(module.GRAMMAR)
    return _compiled[tool]
