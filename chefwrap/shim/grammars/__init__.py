"""The command grammars of knife, kitchen and chef, as data: one module a tool, each holding GRAMMAR.

The modules are written by tools/extract_grammars.py from the tools' Ruby sources at named releases
(each module's docstring names them); do not edit them by hand. GRAMMAR is a dict literal (imported on
the shim's hot path, so no parsing at run time):

    "tool":        the tool's name.
    "matching":    how the command is found, the way the tool finds it:
                   "knife":   the longest known command spelled by the word-shaped arguments
                              (/^[[:alnum:]][[:alnum:]_-]+$/), in order, wherever they stand, where "-"
                              and "_" are the same and words may be joined by "_" (knife's subcommand
                              loader: `node run list add` == `node run_list add`);
                   "leading": the longest known command spelled by the first arguments, before any
                              option (chef-cli: `chef generate cookbook`);
                   "thor":    the first argument: a command, an alias, or an unambiguous prefix of one
                              (`kitchen conv` is converge).
    "abbreviations": True where a long option may be given by an unambiguous abbreviation (Ruby's
                   OptionParser: knife and chef-cli); False for Thor (kitchen).
    "passthrough": commands after which everything belongs to another program and is dropped unread
                   (`chef exec`, `chef gem`).
    "aliases":     word as typed -> command it means (kitchen: "status" -> "list").
    "plugins":     command -> the gem that defines it, for every command a plugin adds (knife-ec2's
                   "ec2 server create"): it is a command only when that gem is installed beside the real
                   tool; otherwise its words are arguments, as the tool itself reads them. The tool's
                   own commands are not listed.
    "commands":    every known command, its words separated by single spaces, spelled as reported.
    "bases":       command -> another command whose option table it contains (written once).
    "options":     "" -> the options every command takes; command -> its own options, those that
                   differ from the global ones and from its base's: {option name: kind}. A command's
                   table is the global table, updated with its bases' (farthest first), then its own.
                   Short and long spellings are listed separately; negatable switches list both forms.

Kinds: "switch" (no value), "value" (takes exactly one value: glued `-Pxx`, `--name=xx`, or the next
token even when it starts with "-"), "optional" (may take a value: glued, `=`, or the next token when
it does not start with "-"), "values" (takes every following token up to the next option, Thor arrays).
"""

SWITCH = "switch"
VALUE = "value"
OPTIONAL = "optional"
VALUES = "values"
