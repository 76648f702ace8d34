"""Command grammar of Test Kitchen (`kitchen`), a Thor application.

Sources (public repositories, read for this table):
- test-kitchen/test-kitchen `lib/kitchen/cli.rb` (the Thor class: `desc`, `method_option`, `map`,
  `register`), `lib/kitchen/generator/init.rb` (the `init` options), `lib/kitchen/command/logs.rb`,
  `lib/kitchen/command/license.rb`;
- chef/chef-test-kitchen-enterprise `lib/kitchen/cli.rb` (Chef's distribution of kitchen, which adds
  the `license` command) and its `lib/kitchen/command/license.rb`;
- rails/thor `lib/thor.rb` (HELP_MAPPINGS `-h -? --help -D` are mapped to the built-in `help` command).

Thor semantics recorded here: `type: :boolean` is a switch and Thor also accepts `--no-NAME` for it
(both spellings listed); `:string` (Thor's default when no type is given) and `:numeric` take a value;
`:array` takes every following value; `--concurrency` is numeric with a `lazy_default`, so its value
may be omitted. kitchen declares no `class_option`: the log options are `method_option`s repeated on
nearly every command (all but version, sink, console, init, license and help), so they are global here.
"""

from chefwrap.shim.grammars import OPTIONAL, SWITCH, VALUE, VALUES

GRAMMAR = {
    "tool": "kitchen",
    "matching": "thor",
    "abbreviations": False,
    "commands": [
        "list",
        "diagnose",
        "create",
        "converge",
        "setup",
        "verify",
        "destroy",
        "test",
        "login",
        "logs",
        "package",
        "doctor",
        "exec",
        "version",
        "sink",  # hidden easter egg
        "console",
        "license",  # chef-test-kitchen-enterprise only
        "init",
        "help",  # Thor's built-in
    ],
    "aliases": {
        "status": "list",  # map status: :list
    },
    "options": {
        "": {
            # Thor's HELP_MAPPINGS, mapped to `help` in command position
            "-h": SWITCH,
            "-?": SWITCH,
            "--help": SWITCH,
            "-D": SWITCH,
            # map %w{-v --version} => :version
            "-v": SWITCH,
            "--version": SWITCH,
            # log_options
            "-l": VALUE,
            "--log-level": VALUE,
            "--log-overwrite": SWITCH,
            "--no-log-overwrite": SWITCH,
            "--color": SWITCH,  # boolean with a lazy_default: still a switch
            "--no-color": SWITCH,
            # read from ARGV by chef-licensing (enterprise builds); a license key is a secret
            "--chef-license-key": VALUE,
        },
        "list": {
            "-b": SWITCH,
            "--bare": SWITCH,
            "--no-bare": SWITCH,
            "-j": SWITCH,
            "--json": SWITCH,
            "--no-json": SWITCH,
            "--live": SWITCH,
            "--no-live": SWITCH,
            "--probe": SWITCH,
            "--no-probe": SWITCH,
            "-d": SWITCH,  # deprecated --debug
            "--debug": SWITCH,
            "--no-debug": SWITCH,
        },
        "diagnose": {
            "--loader": SWITCH,
            "--no-loader": SWITCH,
            "--plugins": SWITCH,
            "--no-plugins": SWITCH,
            "--instances": SWITCH,
            "--no-instances": SWITCH,
            "--all": SWITCH,
            "--no-all": SWITCH,
            "-t": VALUE,
            "--test-base-path": VALUE,
        },
        "create": {
            "-c": OPTIONAL,
            "--concurrency": OPTIONAL,
            "-p": SWITCH,
            "--parallel": SWITCH,
            "--no-parallel": SWITCH,
            "-f": SWITCH,
            "--fail-fast": SWITCH,
            "--no-fail-fast": SWITCH,
            "-t": VALUE,
            "--test-base-path": VALUE,
        },
        "converge": {
            "-c": OPTIONAL,
            "--concurrency": OPTIONAL,
            "-p": SWITCH,
            "--parallel": SWITCH,
            "--no-parallel": SWITCH,
            "-D": SWITCH,
            "--debug": SWITCH,
            "--no-debug": SWITCH,
            "-f": SWITCH,
            "--fail-fast": SWITCH,
            "--no-fail-fast": SWITCH,
            "-t": VALUE,
            "--test-base-path": VALUE,
        },
        "setup": {
            "-c": OPTIONAL,
            "--concurrency": OPTIONAL,
            "-p": SWITCH,
            "--parallel": SWITCH,
            "--no-parallel": SWITCH,
            "-f": SWITCH,
            "--fail-fast": SWITCH,
            "--no-fail-fast": SWITCH,
            "-t": VALUE,
            "--test-base-path": VALUE,
        },
        "verify": {
            "-c": OPTIONAL,
            "--concurrency": OPTIONAL,
            "-p": SWITCH,
            "--parallel": SWITCH,
            "--no-parallel": SWITCH,
            "-D": SWITCH,
            "--debug": SWITCH,
            "--no-debug": SWITCH,
            "-f": SWITCH,
            "--fail-fast": SWITCH,
            "--no-fail-fast": SWITCH,
            "-t": VALUE,
            "--test-base-path": VALUE,
        },
        "destroy": {
            "-c": OPTIONAL,
            "--concurrency": OPTIONAL,
            "-p": SWITCH,
            "--parallel": SWITCH,
            "--no-parallel": SWITCH,
            "-f": SWITCH,
            "--fail-fast": SWITCH,
            "--no-fail-fast": SWITCH,
            "-t": VALUE,
            "--test-base-path": VALUE,
        },
        "test": {
            "-c": OPTIONAL,
            "--concurrency": OPTIONAL,
            "-p": SWITCH,
            "--parallel": SWITCH,
            "--no-parallel": SWITCH,
            "-d": VALUE,  # destroy strategy: passing, always, never
            "--destroy": VALUE,
            "--auto-init": SWITCH,
            "--no-auto-init": SWITCH,
            "-D": SWITCH,
            "--debug": SWITCH,
            "--no-debug": SWITCH,
            "-t": VALUE,
            "--test-base-path": VALUE,
        },
        "login": {},
        "logs": {
            "--level": VALUE,
            "--session-id": VALUE,
            "--all-sessions": SWITCH,
            "--no-all-sessions": SWITCH,
            "--format": VALUE,
            "-f": SWITCH,
            "--follow": SWITCH,
            "--no-follow": SWITCH,
        },
        "package": {},
        "doctor": {
            # declared without a type, so Thor makes it a string option
            "-a": VALUE,
            "--all": VALUE,
        },
        "exec": {
            "-c": VALUE,  # the remote command
            "--command": VALUE,
        },
        "license": {
            # parsed by the command itself: `kitchen license [add|list] [--chef-license-key KEY]`
            "--chef-license-key": VALUE,
        },
        "init": {
            "-D": VALUES,  # driver gems, an array
            "--driver": VALUES,
            "-P": VALUE,
            "--provisioner": VALUE,
            "--create-gemfile": SWITCH,
            "--no-create-gemfile": SWITCH,
        },
    },
}
