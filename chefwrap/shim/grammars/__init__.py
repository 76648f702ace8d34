"""The command grammars of knife, kitchen and chef, as data: one module a tool, each holding GRAMMAR.

GRAMMAR is a dict literal (imported on the shim's hot path, so no parsing at run time):

    "tool":       the tool's name.
    "matching":   how leading positional words find the command:
                  "words": the longest known command whose words the leading positional words spell,
                           where "-" and "_" are the same and words may be joined by "_"
                           (knife's subcommand loader: `node run list add` == `node run_list add`);
                  "thor":  one command word, or an unambiguous prefix of one (`kitchen conv` is converge).
    "commands":   every known command, its words separated by single spaces, spelled as reported.
    "aliases":    (optional) word as typed -> command it means (kitchen: "status" -> "list").
    "passthrough": (optional) commands after which everything belongs to another program and is dropped
                  unread (`chef exec`, `chef gem`).
    "abbreviations": True where a long option may be given by any unambiguous prefix (Ruby's
                  OptionParser, used by knife and chef-cli); False for Thor (kitchen).
    "options":    scope -> {option name: kind}. Scope "" is global; any other scope is a command (or the
                  first words of commands) and applies to every command starting with those words,
                  overriding the global kinds (knife ssh's -e is a switch, the global -e takes a value).
                  Short and long spellings are listed separately; negatable switches list both forms
                  ("--color" and "--no-color").
    "plugins":    (optional) first words of well-known public third-party subcommand trees that may be
                  reported as the command's one word (`knife ec2`), never their arguments.

Kinds: "switch" (no value), "value" (takes exactly one value: glued `-Pxx`, `--name=xx`, or the next
token even when it starts with "-"), "optional" (may take a value: glued, `=`, or the next token when
it does not start with "-"), "values" (takes every following token up to the next option, Thor arrays).
"""

SWITCH = "switch"
VALUE = "value"
OPTIONAL = "optional"
VALUES = "values"
