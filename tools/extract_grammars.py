#!/usr/bin/env python3
"""Writes chefwrap/shim/grammars/{knife,kitchen,chef}.py (and each tool's option names, TOOL_options.py)
from the tools' Ruby sources at named releases.

    python3 tools/extract_grammars.py --sources DIR [--release chef/chef=v18.12.0 ...] [--output DIR]

DIR holds a git clone (bare or not) of every repository in SOURCES, as DIR/owner+name/repo,
DIR/owner/name or DIR/name (`git clone --bare https://github.com/chef/chef DIR/chef/chef`). Each
repository is read at its release tag with `git show`, never checked out, never loaded: Ruby's own
parser (Ripper, through tools/ruby_declarations.rb) reads the declarations, and this script applies
the rules the tools apply when they run:

- mixlib-cli (knife, its plugins, chef-cli): a class's options are its superclass's plus its own
  `option`/`deprecated_option`, those added by an included module's `self.included` hook and those of
  a class method it calls (`common_options`); knife merges the global options of
  Chef::Application::Knife under each subcommand's; OptionParser then defines them sorted by key, so
  where two keys claim one spelling the later key wins. A placeholder on any spelling makes the
  option take a value (`-P [PASSWORD]`, `--x=[Y]`: may take one); `--[no-]x` gives `--x` and `--no-x`.
- knife's subcommands: every subclass of Chef::Knife with a `banner "knife ..."`; its name is the
  class name in snake case, its words as the banner spells them.
- Thor (kitchen): `desc` + `method_option`s + the next public method make a command; `class_option`
  applies to all; `map` makes aliases; `register` adds a Thor::Group's class options as a command.
  Booleans also take `--no-x` and `--skip-x`; :array and :hash take every following value; a
  `lazy_default` makes the value optional.

Everything a declaration does not spell out literally (an interpolated spelling) is taken to take a
value, so that a doubt can only drop more.
"""

import argparse
import fnmatch
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass

HERE = os.path.dirname(os.path.abspath(__file__))
REPOSITORY_ROOT = os.path.dirname(HERE)
RUBY_READER = os.path.join(HERE, "ruby_declarations.rb")
REGENERATE = "python3 tools/extract_grammars.py --sources DIR [--release chef/chef=NEW_TAG]"

SWITCH, VALUE, OPTIONAL, VALUES = "switch", "value", "optional", "values"
CONSUMPTION = {SWITCH: 0, OPTIONAL: 1, VALUE: 2, VALUES: 3}


@dataclass
class Source:
    tool: str
    repository: str  # owner/name on GitHub
    tag: str
    paths: list  # fnmatch patterns of the files to read
    plugin: str = ""  # the public plugin's gem name, when it is one
    note: str = ""


SOURCES = [
    Source("knife", "chef/chef", "v18.11.21", ["knife/lib/chef/application/knife.rb", "knife/lib/chef/knife.rb", "knife/lib/chef/knife/*.rb",
                                                "knife/lib/chef/knife/core/*.rb", "knife/lib/chef/chef_fs/knife.rb"]),
    Source("knife", "chef/license-acceptance", "2.2.1", ["components/ruby/lib/license_acceptance/cli_flags/mixlib_cli.rb"],
           note="--chef-license, which knife bootstrap includes"),
    Source("knife", "chef/knife-ec2", "v2.2.0", ["lib/chef/knife/*.rb", "lib/chef/knife/*/*.rb"], plugin="knife-ec2"),
    Source("knife", "chef/knife-azure", "v4.0.1", ["lib/chef/knife/*.rb", "lib/chef/knife/*/*.rb"], plugin="knife-azure"),
    Source("knife", "chef/knife-cloud", "v4.0.20", ["lib/chef/knife/cloud/*.rb", "lib/chef/knife/cloud/*/*.rb"], plugin="knife-cloud",
           note="the base of knife-google's commands"),
    Source("knife", "chef/knife-google", "v5.0.16", ["lib/chef/knife/*.rb", "lib/chef/knife/*/*.rb"], plugin="knife-google"),
    Source("knife", "chef/knife-vsphere", "v5.2.1", ["lib/chef/knife/*.rb", "lib/chef/knife/*/*.rb"], plugin="knife-vsphere"),
    Source("knife", "chef/knife-windows", "v5.0.14", ["lib/chef/knife/*.rb", "lib/chef/knife/*/*.rb"], plugin="knife-windows"),
    Source("knife", "chef/chef-vault", "v4.2.12", ["lib/chef/knife/*.rb", "lib/chef/knife/*/*.rb"], plugin="chef-vault"),
    Source("knife", "chef/knife-tidy", "v2.3.2", ["lib/chef/knife/*.rb"], plugin="knife-tidy"),
    Source("knife", "chef/knife-vcenter", "v5.0.8", ["lib/chef/knife/*.rb", "lib/chef/knife/*/*.rb"], plugin="knife-vcenter"),
    Source("knife", "chef/knife-vrealize", "v7.0.1", ["lib/chef/knife/*.rb", "lib/chef/knife/*/*.rb"], plugin="knife-vrealize"),
    Source("knife", "chef/knife-openstack", "v5.0.8", ["lib/chef/knife/*.rb", "lib/chef/knife/*/*.rb"], plugin="knife-openstack"),
    Source("kitchen", "test-kitchen/test-kitchen", "v4.1.0", ["lib/kitchen/cli.rb", "lib/kitchen/generator/init.rb"]),
    Source("kitchen", "rails/thor", "v1.5.0", ["lib/thor.rb", "lib/thor/base.rb"], note="Thor's built-in help command and its mappings"),
    Source("kitchen", "test-kitchen/kitchen-dokken", "v2.23.3", ["lib/*.rb", "lib/**/*.rb"], plugin="kitchen-dokken"),
    Source("kitchen", "test-kitchen/kitchen-vagrant", "v2.2.1", ["lib/*.rb", "lib/**/*.rb"], plugin="kitchen-vagrant"),
    Source("kitchen", "test-kitchen/kitchen-ec2", "v3.22.3", ["lib/*.rb", "lib/**/*.rb"], plugin="kitchen-ec2"),
    Source("kitchen", "test-kitchen/kitchen-azurerm", "v1.13.6", ["lib/*.rb", "lib/**/*.rb"], plugin="kitchen-azurerm"),
    Source("chef", "chef/chef-cli", "v6.1.36", ["lib/chef-cli/cli.rb", "lib/chef-cli/builtin_commands.rb", "lib/chef-cli/command/*.rb",
                                                "lib/chef-cli/command/generator_commands/*.rb"]),
    Source("chef", "chef/license-acceptance", "2.2.1", ["components/ruby/lib/license_acceptance/cli_flags/mixlib_cli.rb"],
           note="--chef-license, which every chef-cli command includes"),
]

# What each tool's sanitizer needs beyond the declarations: how its command is found, and the commands
# whose arguments belong to another program (chef-cli's Exec and GemForwarder hand them on unparsed).
TOOLS = {
    "knife": {"matching": "knife", "abbreviations": True, "global": "Chef::Application::Knife", "passthrough": []},
    "kitchen": {"matching": "thor", "abbreviations": False, "cli": "Kitchen::CLI", "passthrough": []},
    "chef": {"matching": "leading", "abbreviations": True, "global": "ChefCLI::CLI", "passthrough": ["exec", "gem"]},
}


class ExtractionError(Exception):
    pass


# Reading the sources


def git_dir(sources, repository):
    owner, name = repository.split("/")
    for candidate in (os.path.join(sources, f"{owner}+{name}", "repo"), os.path.join(sources, owner, name), os.path.join(sources, name)):
        if os.path.isdir(candidate):
            return candidate
    raise ExtractionError(f"{repository}: no clone under {sources}; run: git clone --bare https://github.com/{repository} {sources}/{repository}")


def read_files(sources, source):
    directory = git_dir(sources, source.repository)
    listing = git(directory, "ls-tree", "-r", "--name-only", source.tag)
    paths = [path for path in listing.splitlines() if any(fnmatch.fnmatch(path, pattern) for pattern in source.paths)]
    if not paths:
        raise ExtractionError(f"{source.repository} {source.tag}: none of {source.paths} is in that release")
    return [{"path": f"{source.repository}:{path}", "text": git(directory, "show", f"{source.tag}:{path}")} for path in paths]


def git(directory, *arguments):
    result = subprocess.run(["git", "--git-dir", os.path.join(directory, ".git") if os.path.isdir(os.path.join(directory, ".git")) else directory,
                             *arguments], capture_output=True, text=True)
    if result.returncode != 0:
        raise ExtractionError(f"git {' '.join(arguments)} in {directory}: {result.stderr.strip()}")
    return result.stdout


def declarations(files):
    """The Ruby reader's view of `files` ([{"path", "text"}])."""
    result = subprocess.run(["ruby", RUBY_READER], input=json.dumps(files), capture_output=True, text=True)
    if result.returncode != 0:
        raise ExtractionError(f"ruby {RUBY_READER}: {result.stderr.strip()}")
    return json.loads(result.stdout)


# Ruby's constants


class Program:
    """Every class and module the sources define, found by name the way Ruby's lexical lookup does."""

    def __init__(self, files):
        self.scopes = {}
        self.origin = {}  # scope name -> the first file that defines it
        for file in files:
            for scope in file["scopes"]:
                known = self.scopes.setdefault(scope["name"], {"kind": scope["kind"], "name": scope["name"], "superclass": None,
                                                               "events": [], "class_methods": {}, "constants": {}})
                self.origin.setdefault(scope["name"], file["path"])
                known["superclass"] = known["superclass"] or scope["superclass"]
                known["events"].extend(scope["events"])
                for name, events in scope["class_methods"].items():
                    known["class_methods"].setdefault(name, []).extend(events)
                for event in scope["events"]:
                    if "constant" in event:
                        known["constants"][event["constant"]] = event["value"]

    def resolve(self, reference, within):
        """The full name of the constant `reference` as seen from inside scope `within`."""
        if isinstance(reference, dict):
            reference = reference.get("const") or reference.get("sym")
        if not isinstance(reference, str):
            return None
        reference = reference.lstrip(":")
        nesting = within.split("::") if within and within != "(main)" else []
        for length in range(len(nesting), -1, -1):
            candidate = "::".join(nesting[:length] + [reference])
            if candidate in self.scopes:
                return candidate
        for ancestor in self.ancestors(within)[1:]:
            candidate = f"{ancestor}::{reference}"
            if candidate in self.scopes:
                return candidate
        return None

    def ancestors(self, name):
        chain = []
        while name and name in self.scopes and name not in chain:
            chain.append(name)
            superclass = self.scopes[name]["superclass"]
            name = self.resolve(superclass, self._outer(name)) if superclass else None
        return chain

    def constant(self, reference, within):
        """The literal value of a constant (`HELP_MAPPINGS = %w(-h -? --help -D)`)."""
        name = reference.get("const") if isinstance(reference, dict) else None
        if not name:
            return reference
        nesting = within.split("::")
        for length in range(len(nesting), 0, -1):
            scope = self.scopes.get("::".join(nesting[:length]))
            if scope and name in scope["constants"]:
                return scope["constants"][name]
        return reference

    @staticmethod
    def _outer(name):
        return name.rpartition("::")[0] or "(main)"


# mixlib-cli


@dataclass
class MixlibOption:
    key: str
    short: object = None
    long: object = None
    defined_in: str = ""
    replaces: object = None  # deprecated_option: the key of the option that replaces it ("" when none)


class Mixlib:
    def __init__(self, program):
        self.program = program
        self._options = {}

    def options(self, name):
        """{key: MixlibOption} a class ends up with (mixlib-cli's class-level `options`)."""
        if name in self._options:
            return self._options[name]
        self._options[name] = {}  # a cycle ends here
        scope = self.program.scopes[name]
        options = {}
        superclass = scope["superclass"]
        if superclass:
            parent = self.program.resolve(superclass, Program._outer(name))
            if parent:
                options.update(self.options(parent))
        self._apply(scope["events"], name, options, name)
        self._options[name] = options
        return options

    def _apply(self, events, within, options, target, receivers=(None,)):
        for event in events:
            call = event.get("call")
            if call is None or event.get("receiver") not in receivers:
                if call == "merge!" and event.get("receiver") == "options":
                    for argument in event["args"]:
                        module = self.program.resolve(argument.get("options_of"), within) if isinstance(argument, dict) else None
                        if module:
                            options.update(self.options(module))
                continue
            if call in ("option", "deprecated_option") and event["args"]:
                key = event["args"][0].get("sym") if isinstance(event["args"][0], dict) else None
                if key:
                    replacement = event["kwargs"].get("replacement")
                    replaces = (replacement.get("sym") if isinstance(replacement, dict) else None) or "" if call == "deprecated_option" else None
                    options[key] = MixlibOption(key, event["kwargs"].get("short"), event["kwargs"].get("long"), within, replaces)
            elif call in ("include", "extend"):
                for argument in event["args"]:
                    module = self.program.resolve(argument, within)
                    if module:
                        hook = self.program.scopes[module]["class_methods"].get("included", [])
                        self._apply(hook, module, options, target, receivers=(None, *self._lowercase_receivers(hook)))
            elif not event["args"] and not event["kwargs"]:
                for ancestor in self.program.ancestors(target):
                    macro = self.program.scopes[ancestor]["class_methods"].get(call)
                    if macro is not None:
                        self._apply(macro, ancestor, options, target)
                        break

    @staticmethod
    def _lowercase_receivers(events):
        """`klass.option ...` inside `def self.included(klass)`: the receiver is the including class."""
        return {event["receiver"] for event in events if event.get("receiver") and event["receiver"][:1].islower()}


def is_dynamic(value):
    return isinstance(value, dict)


def optparse_spellings(option):
    """{spelling: kind} OptionParser makes of one mixlib-cli option (make_switch's rules)."""
    spellings = []
    kind = SWITCH
    doubtful = False
    for text, is_long in ((option.short, False), (option.long, True)):
        if text is None:
            continue
        if is_dynamic(text) or not isinstance(text, str):
            doubtful = True
            continue
        if is_long:
            match = re.match(r"^--\[no-\]([^\[\]=\s]*)(.+)?", text)
            if match:
                name = match.group(1).lower().replace("_", "-")
                spellings += ["--" + name, "--no-" + name]
                kind = _guess(kind, match.group(2))
                continue
            match = re.match(r"^--([^\[\]=\s]*)(.+)?", text)
            if match:
                spellings.append("--" + match.group(1).lower().replace("_", "-"))
                kind = _guess(kind, match.group(2))
                continue
            doubtful = True
        else:
            match = re.match(r"^-(.)(.+)?", text)
            if match and match.group(1) not in "[-":
                spellings.append("-" + match.group(1))
                kind = _guess(kind, match.group(2))
                continue
            doubtful = True
    if doubtful:
        kind = VALUE
    return {spelling: (SWITCH if spelling.startswith("--no-") and kind == SWITCH else kind) for spelling in spellings}


def _guess(kind, argument):
    """OptionParser::Switch.guess: the argument after a spelling says whether a value is needed."""
    if not argument:
        return kind
    if re.match(r"\A=?\[", argument) or re.match(r"\A\s+\[", argument):
        new = OPTIONAL
    else:
        new = VALUE
    return max(kind, new, key=CONSUMPTION.get)


def option_table(options):
    """{spelling: kind} of a set of mixlib-cli options: defined in key order, a later key wins a spelling."""
    table = {}
    for key in sorted(options):
        table.update(optparse_spellings(options[key]))
    return table


def option_names(options):
    """({spelling: the name of the option it spells}, {deprecated option's name: its replacement's, or ""})
    of a set of mixlib-cli options: the spellings one key owns (after later keys took theirs) are one
    option, named by its first long spelling."""
    owner = {}
    for key in sorted(options):
        owner.update(dict.fromkeys(optparse_spellings(options[key]), key))
    spellings = {}
    for spelling, key in owner.items():
        spellings.setdefault(key, []).append(spelling)
    name = {key: first_name(owned) for key, owned in spellings.items()}
    deprecated = {name[key]: name.get(options[key].replaces, "") for key in spellings if options[key].replaces is not None}
    return {spelling: name[key] for spelling, key in owner.items()}, deprecated


def first_name(spellings):
    """An option's name: its first long spelling that is not a negation, else its first spelling."""
    positive = [spelling for spelling in spellings if spelling.startswith("--") and not spelling.startswith(("--no-", "--skip-"))]
    return (positive or spellings)[0]


def own_names(names, global_names):
    """The names a command's spellings have that a reader would not guess: a spelling names itself,
    unless it is a global option's, which names the global option."""
    return {spelling: name for spelling, name in names.items() if global_names.get(spelling, spelling) != name}


# knife


def snake_case(name):
    """Chef::Mixin::ConvertToClassName#convert_to_snake_case."""
    return re.sub(r"[A-Z]", lambda match: "_" + match.group(0), name).lower().lstrip("_")


def banner_of(scope):
    for event in reversed(scope["events"]):
        if event.get("call") == "banner" and event["args"] and isinstance(event["args"][0], str):
            return event["args"][0]
    return None


def knife_command_words(class_name, banner):
    """The words of the subcommand: its snake-case name, spelled as the banner spells it."""
    key = snake_case(class_name.rsplit("::", 1)[-1])
    words = []
    for word in banner.split()[1:]:
        if not re.match(r"^[a-z0-9][a-z0-9_-]*$", word):
            break
        words.append(word)
        if "_".join(words).replace("-", "_") == key:
            return words
    return key.split("_")


def knife_grammar(program, report):
    mixlib = Mixlib(program)
    global_name = TOOLS["knife"]["global"]
    global_options = mixlib.options(global_name)
    global_table = option_table(global_options)
    global_names, _ = option_names(global_options)
    commands, scopes, origins, names, deprecated = [], {}, {}, {"": own_names(global_names, {})}, {}
    for name, scope in sorted(program.scopes.items()):
        if scope["kind"] != "class" or "Chef::Knife" not in program.ancestors(name)[1:]:
            continue
        banner = banner_of(scope)
        if not banner or not banner.startswith("knife "):
            report.append(f"knife: {name} is not a command (no `banner \"knife ...\"`)")
            continue
        words = " ".join(knife_command_words(name, banner))
        if words in origins:
            report.append(f"knife: {words} defined again by {name}; the first definition is kept")
            continue
        merged = dict(global_options)
        merged.update(mixlib.options(name))
        table = option_table(merged)
        own = {spelling: kind for spelling, kind in table.items() if global_table.get(spelling) != kind}
        commands.append(words)
        origins[words] = program.origin[name].split(":")[0]
        if own:
            scopes[words] = own
        _add_names(words, merged, global_names, names, deprecated)
    return {"commands": commands, "global": global_table, "scopes": scopes, "origins": origins, "names": names, "deprecated": deprecated}


def _add_names(command, options, global_names, names, deprecated):
    """The command's option names where they differ from the global ones, and its deprecated options."""
    found, old = option_names(options)
    if own_names(found, global_names):
        names[command] = own_names(found, global_names)
    if old:
        deprecated[command] = old


# chef-cli


def chef_grammar(program, report):
    mixlib = Mixlib(program)
    global_table = option_table(mixlib.options(TOOLS["chef"]["global"]))
    global_names, _ = option_names(mixlib.options(TOOLS["chef"]["global"]))
    commands, scopes, origins, names, deprecated = [], {}, {}, {"": own_names(global_names, {})}, {}

    def add(words, class_name):
        merged = option_table(mixlib.options(class_name))
        own = {spelling: kind for spelling, kind in merged.items() if global_table.get(spelling) != kind}
        commands.append(words)
        origins[words] = program.origin[class_name].split(":")[0]
        if own:
            scopes[words] = own
        _add_names(words, mixlib.options(class_name), global_names, names, deprecated)

    for event in program.scopes["(main)"]["events"]:
        if event.get("call") == "builtin" and len(event["args"]) >= 2:
            word, constant = event["args"][0], event["args"][1]
            class_name = program.resolve(constant, "ChefCLI::Command")
            if not isinstance(word, str) or not class_name:
                report.append(f"chef: builtin {word!r} names no class the sources define")
                continue
            add(word, class_name)
    generate = program.resolve("Generate", "ChefCLI::Command")
    for event in program.scopes[generate]["events"]:
        if event.get("call") == "generator" and len(event["args"]) >= 2:
            word = event["args"][0].get("sym") if isinstance(event["args"][0], dict) else None
            class_name = program.resolve(event["args"][1], "ChefCLI::Command::GeneratorCommands")
            if word and class_name:
                add(f"generate {word}", class_name)
            else:
                report.append(f"chef: generator {event['args'][:2]!r} names no class the sources define")
    return {"commands": commands, "global": global_table, "scopes": scopes, "origins": origins, "names": names, "deprecated": deprecated}


# Thor


def thor_option_spellings(name, settings, program, within):
    """{spelling: kind} of one Thor option (Thor::Option: dasherized name, aliases, type)."""
    kind_of = settings.get("type")
    kind_of = kind_of.get("sym") if isinstance(kind_of, dict) else kind_of
    kind_of = kind_of or "string"
    dashed = name.replace("_", "-")
    main = ("--" if len(dashed) > 1 else "-") + dashed
    aliases = settings.get("aliases") or []
    aliases = program.constant(aliases, within)
    aliases = aliases if isinstance(aliases, list) else [aliases]
    spellings = [main] + [alias if alias.startswith("-") else "-" + alias for alias in aliases if isinstance(alias, str)]
    if kind_of == "boolean":
        table = {spelling: SWITCH for spelling in spellings}
        table.update({f"--no-{dashed}": SWITCH, f"--skip-{dashed}": SWITCH})
        return table
    if kind_of in ("array", "hash"):
        kind = VALUES
    elif "lazy_default" in settings:
        kind = OPTIONAL
    else:
        kind = VALUE
    if any(not isinstance(alias, str) for alias in aliases):
        kind = max(kind, VALUE, key=CONSUMPTION.get)
    return {spelling: kind for spelling in spellings}


def thor_option_name(name):
    dashed = name.replace("_", "-")
    return ("--" if len(dashed) > 1 else "-") + dashed


class Thor:
    def __init__(self, program):
        self.program = program
        self.names = {}  # command -> {spelling: the option's name (its main spelling)}

    def commands(self, class_name):
        """{command: {spelling: kind}}, {alias: command}, {spelling: kind} of the mapped switches; and in
        `names`, {command: {spelling: option name}}, "" for the mapped switches (named by their command's
        first long spelling)."""
        commands, aliases, mapped = {}, {}, {}
        class_options, class_names = {}, {}
        for ancestor in reversed(self.program.ancestors(class_name)):
            self._read(ancestor, commands, aliases, mapped, class_options, class_names)
        for command, table in commands.items():
            for spelling, kind in class_options.items():
                if spelling not in table:
                    table[spelling] = kind
                    self.names.setdefault(command, {})[spelling] = class_names[spelling]
        return commands, aliases, mapped

    def _option(self, name, settings, within, table, names):
        found = thor_option_spellings(str(name), settings, self.program, within)
        table.update(found)
        names.update(dict.fromkeys(found, thor_option_name(str(name))))

    def _read(self, name, commands, aliases, mapped, class_options, class_names):
        scope = self.program.scopes[name]
        pending = None
        public = True
        for event in self._expand(scope["events"], name):
            call = event.get("call")
            if "def" in event:
                if public and pending is not None and event["def"] != "initialize":
                    commands[str(event["def"])], self.names[str(event["def"])] = pending
                pending = None
            elif call == "desc":
                pending = ({}, {}) if pending is None else pending
            elif call == "method_option" and event["args"]:
                pending = ({}, {}) if pending is None else pending
                option_name = event["args"][0].get("sym") if isinstance(event["args"][0], dict) else event["args"][0]
                self._option(option_name, event["kwargs"], name, *pending)
            elif call == "class_option" and event["args"]:
                option_name = event["args"][0].get("sym") if isinstance(event["args"][0], dict) else event["args"][0]
                self._option(option_name, event["kwargs"], name, class_options, class_names)
            elif call == "map":
                pairs = event.get("pairs") or [[key, value] for key, value in event["kwargs"].items()]
                for keys, target in pairs:
                    keys = self.program.constant(keys, name)
                    target = target.get("sym") if isinstance(target, dict) else target
                    switches = [key for key in (keys if isinstance(keys, list) else [keys]) if isinstance(key, str) and key.startswith("-")]
                    for key in keys if isinstance(keys, list) else [keys]:
                        if not isinstance(key, str):
                            continue
                        if key.startswith("-"):
                            mapped[key] = SWITCH
                            self.names.setdefault("", {})[key] = first_name(switches)
                        else:
                            aliases[key] = target
            elif call == "register" and len(event["args"]) >= 2:
                group = self.program.resolve(event["args"][0], name)
                if group and isinstance(event["args"][1], str):
                    options, names = {}, {}
                    for group_event in self.program.scopes[group]["events"]:
                        if group_event.get("call") == "class_option" and group_event["args"]:
                            self._option(group_event["args"][0].get("sym"), group_event["kwargs"], group, options, names)
                    commands[event["args"][1]], self.names[event["args"][1]] = options, names
            elif call in ("private", "protected") and not event["args"]:
                public = False
            elif call == "public" and not event["args"]:
                public = True

    def _expand(self, events, within):
        """Events with class-method macros (`log_options`) replaced by what they declare."""
        for event in events:
            call = event.get("call")
            if call and not event.get("args") and not event.get("kwargs") and event.get("receiver") is None:
                for ancestor in self.program.ancestors(within):
                    macro = self.program.scopes[ancestor]["class_methods"].get(call)
                    if macro is not None:
                        yield from self._expand(macro, ancestor)
                        break
                else:
                    yield event
            else:
                yield event


def kitchen_grammar(program, report):
    thor = Thor(program)
    commands, aliases, mapped = thor.commands(TOOLS["kitchen"]["cli"])
    scopes = {command: table for command, table in commands.items() if table}
    origins = {command: "test-kitchen/test-kitchen" if command != "help" else "rails/thor" for command in commands}
    global_names = thor.names.get("", {})
    names = {"": own_names(global_names, {}), **{command: own_names(found, global_names) for command, found in thor.names.items() if command and own_names(found, global_names)}}
    return {"commands": list(commands), "global": mapped, "scopes": scopes, "origins": origins, "aliases": aliases, "names": names, "deprecated": {}}


def plugin_contribution(program, plugin_files):
    """What a kitchen plugin's sources add to the command line: Thor or mixlib-cli declarations."""
    found = []
    for file in plugin_files:
        for scope in file["scopes"]:
            for event in scope["events"]:
                if event.get("call") in ("desc", "method_option", "class_option", "register", "option", "map", "subcommand"):
                    found.append(f"{scope['name']}: {event['call']}")
    return found


# Writing the modules


BUILDERS = {"knife": knife_grammar, "kitchen": kitchen_grammar, "chef": chef_grammar}


def grammar_from_files(tool, files, report=None):
    """The grammar of `tool` that sources `files` ([{"path": "repository:path", "text"}]) declare."""
    return BUILDERS[tool](Program(declarations(files)), [] if report is None else report)


def build(sources_dir, releases, sources=SOURCES):
    report = []
    per_tool = {}
    for source in sources:
        source = Source(source.tool, source.repository, releases.get(source.repository, source.tag), source.paths, source.plugin, source.note)
        files = declarations(read_files(sources_dir, source))
        per_tool.setdefault(source.tool, []).append((source, files))
    grammars = {}
    for tool, parts in per_tool.items():
        program = Program([file for _, files in parts for file in files])
        grammar = BUILDERS[tool](program, report)
        contributions = {}
        for source, files in parts:
            if source.plugin:
                if tool == "kitchen":
                    contributions[source.repository] = plugin_contribution(program, files)
                else:
                    contributions[source.repository] = sorted(command for command, origin in grammar["origins"].items() if origin == source.repository)
        grammar["sources"] = [(source.repository, source.tag, source.plugin, source.note) for source, _ in parts]
        grammar["contributions"] = contributions
        grammar["plugins"] = plugin_gems(grammar["origins"], [source for source, _ in parts])
        grammars[tool] = grammar
    return grammars, report


def plugin_gems(origins, sources):
    """{command: the gem that must be installed for the tool to know it}, for every command a plugin's
    repository defines; the tool's own commands are not listed."""
    gems = {source.repository: source.plugin for source in sources if source.plugin}
    return {command: gems[origin] for command, origin in origins.items() if origin in gems}


def share_tables(scopes):
    """{command: base}: the largest other table each command's table contains, so it is written once."""
    bases = {}
    for command, table in scopes.items():
        best = None
        for other, candidate in scopes.items():
            if other == command or (len(candidate), other) >= (len(table), command) or len(candidate) < 4:
                continue
            if all(table.get(spelling) == kind for spelling, kind in candidate.items()):
                if best is None or len(candidate) > len(scopes[best]):
                    best = other
        if best is not None:
            bases[command] = best
    return bases


def own_entries(command, scopes, bases):
    inherited = {}
    base = bases.get(command)
    while base is not None:
        for spelling, kind in scopes[base].items():
            inherited.setdefault(spelling, kind)
        base = bases.get(base)
    return {spelling: kind for spelling, kind in scopes[command].items() if inherited.get(spelling) != kind}


def render(tool, grammar):
    settings = TOOLS[tool]
    lines = [f'"""{tool}\'s command grammar, extracted from the sources below by tools/extract_grammars.py: do not edit.', "",
             f"Regenerate with: {REGENERATE}", "", "Sources (repository, release tag):"]
    for repository, tag, plugin, note in grammar["sources"]:
        what = grammar["contributions"].get(repository)
        if plugin and what is not None and tool == "kitchen":
            detail = "adds " + "; ".join(what) if what else "adds no command and no option (a driver is configured in kitchen.yml)"
        elif plugin and what:
            detail = f"adds {len(what)} commands"
        elif plugin:
            detail = f"adds no command of its own: {note}" if note else "adds no command"
        else:
            detail = note or "the tool itself"
        lines.append(f"- {repository} {tag}: {detail}")
    lines += ['"""', "", "GRAMMAR = {", f'    "tool": {tool!r},', f'    "matching": {settings["matching"]!r},',
              f'    "abbreviations": {settings["abbreviations"]!r},', f'    "passthrough": {tuple(settings["passthrough"])!r},',
              f'    "aliases": {dict(sorted(grammar.get("aliases", {}).items()))!r},']
    plugins = sorted(grammar.get("plugins", {}).items())
    lines += ['    "plugins": {'] + [f"        {command!r}: {gem!r}," for command, gem in plugins] + ["    },"] if plugins else ['    "plugins": {},']
    lines += ['    "commands": (']
    lines += [f"        {command!r}," for command in sorted(grammar["commands"])]
    bases = share_tables(grammar["scopes"])
    lines += ["    ),", f'    "bases": {dict(sorted(bases.items()))!r},', '    "options": {', f"        '': {_table(grammar['global'])},"]
    lines += [f"        {command!r}: {_table(own_entries(command, grammar['scopes'], bases))}," for command in sorted(grammar["scopes"])]
    lines += ["    },", "}", ""]
    return "\n".join(lines)


def _table(table):
    return "{" + ", ".join(f"{spelling!r}: {kind!r}" for spelling, kind in sorted(table.items())) + "}"


def render_names(tool, grammar):
    """The module of a tool's option names (tool_options.py): which spellings are one option, which are deprecated."""
    lines = [f'"""{tool}\'s options by name, extracted from the sources its grammar names by tools/extract_grammars.py: do not edit.',
             "", f"Regenerate with: {REGENERATE}", "",
             "Read by the collector, never by the shims. An option is named by its first long spelling that is not",
             "a negation, and each of its spellings names it: OPTIONS[\"\"] maps a global option's other spellings to",
             "its name; OPTIONS[command], the command's spellings whose name is neither the global one nor the",
             "spelling itself. DEPRECATED[command] maps each of its deprecated options' names to the name of the",
             'option that replaces it ("" when none).', '"""', "", "OPTIONS = {"]
    lines += [f"    {scope!r}: {_table(names)}," for scope, names in sorted(grammar["names"].items())]
    lines += ["}", "DEPRECATED = {"]
    lines += [f"    {scope!r}: {_table(old)}," for scope, old in sorted(grammar["deprecated"].items())]
    lines += ["}", ""]
    return "\n".join(lines)


def write(grammars, output):
    for tool, grammar in grammars.items():
        path = os.path.join(output, f"{tool}.py")
        with open(path, "w") as stream:
            stream.write(render(tool, grammar))
        with open(os.path.join(output, f"{tool}_options.py"), "w") as stream:
            stream.write(render_names(tool, grammar))
        print(f"{path}: {len(grammar['commands'])} commands, {len(grammar['scopes'])} command scopes")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", required=True, help="folder holding a git clone of each source repository")
    parser.add_argument("--release", action="append", default=[], metavar="OWNER/NAME=TAG", help="read that repository at another tag")
    parser.add_argument("--output", default=os.path.join(REPOSITORY_ROOT, "chefwrap", "shim", "grammars"))
    args = parser.parse_args(argv)
    try:
        releases = dict(release.split("=", 1) for release in args.release)
    except ValueError:
        parser.error("--release takes OWNER/NAME=TAG, e.g. chef/chef=v18.12.0")
    unknown = set(releases) - {source.repository for source in SOURCES}
    if unknown:
        parser.error(f"--release: {', '.join(sorted(unknown))} is not one of the sources")
    try:
        grammars, report = build(args.sources, releases)
    except ExtractionError as problem:
        print(f"extract_grammars: {problem}", file=sys.stderr)
        return 1
    write(grammars, args.output)
    for line in report:
        print(line, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
