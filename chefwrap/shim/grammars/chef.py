"""Command grammar of `chef`: chef-cli (Ruby, mixlib-cli/OptionParser) behind Chef Workstation's Go front end.

Sources (public repositories, read for this table):
- chef/chef-cli `lib/chef-cli/builtin_commands.rb` (the commands), `lib/chef-cli/cli.rb` (top-level
  -v/-h), `lib/chef-cli/command/base.rb` (options every command has: -h, -v, -D/--debug,
  -c/--config, and --chef-license from license-acceptance's `cli_flags/mixlib_cli.rb`),
  `lib/chef-cli/command/*.rb` (per-command options), `lib/chef-cli/command/generate.rb` (the
  generators), `lib/chef-cli/command/generator_commands.rb` (SharedGeneratorOptions) and
  `lib/chef-cli/command/generator_commands/*.rb` (per-generator options);
- chef/chef-workstation `components/main-chef-wrapper/cmd/*.go` (the Go `chef` front end, cobra:
  root.go, report.go, capture.go, infra_flags.go, supermarket.go, ai.go, version.go, license.go);
- chef/chef-analyze `cmd/report.go`, `cmd/capture.go`, `cmd/infra_flags.go` (what report and capture
  run);
- chef/go-chef-cli `cmd/supermarket*.go` (the supermarket commands);
- the telemetry RFC reserves `chef telemetry status|enable|disable`.

mixlib-cli semantics recorded here: a placeholder in `short:` or `long:` takes a value (OptionParser
gives `-p` a value when only `--profile PROFILE` names one); no placeholder, or `boolean: true`, is a
switch; `--[no-]name` gives both `--name` and `--no-name`. cobra string/int flags always take the
next token; bool flags are switches. Scopes match by leading words, so a scope also applies to longer
commands that start with its words (cobra's persistent flags behave so; `push` also covers
`push-archive`, harmlessly).
"""

from chefwrap.shim.grammars import SWITCH, VALUE

GRAMMAR = {
    "tool": "chef",
    "matching": "words",
    "abbreviations": True,
    "commands": [
        # chef-cli builtin_commands.rb
        "exec",
        "env",
        "gem",
        "generate",
        "generate attribute",
        "generate cookbook",
        "generate file",
        "generate generator",
        "generate helpers",
        "generate input",
        "generate policyfile",
        "generate profile",
        "generate recipe",
        "generate repo",
        "generate resource",
        "generate template",
        "generate waiver",
        "shell-init",
        "install",
        "update",
        "push",
        "push-archive",
        "show-policy",
        "diff",
        "export",
        "clean-policy-revisions",
        "clean-policy-cookbooks",
        "delete-policy-group",
        "delete-policy",
        "undelete",
        "describe-cookbook",
        "license",
        "license add",
        "license list",
        # Go front end (chef-workstation main-chef-wrapper)
        "report",
        "report cookbooks",
        "report nodes",
        "report session",  # hidden
        "capture",
        "supermarket",
        "supermarket download",
        "supermarket install",
        "supermarket list",
        "supermarket search",
        "supermarket share",
        "supermarket unshare",
        "supermarket enable",  # `chef supermarket enable true|false`, a positional word
        "ai",
        "version",  # hidden
        "help",  # cobra's built-in
        # reserved by the telemetry RFC
        "telemetry",
        "telemetry status",
        "telemetry enable",
        "telemetry disable",
    ],
    # Everything after these belongs to another program: `chef exec CMD...`, `chef gem ...`, and
    # `chef ai ...` (cobra DisableFlagParsing, forwarded unread to the Workstation ai tool).
    "passthrough": ["exec", "gem", "ai"],
    "options": {
        "": {
            "-h": SWITCH,
            "--help": SWITCH,
            "-v": SWITCH,
            "--version": SWITCH,
            "-D": SWITCH,
            "--debug": SWITCH,
            "-c": VALUE,
            "--config": VALUE,
            "--chef-license": VALUE,  # accept, accept-no-persist, accept-silent
            "--chef-license-key": VALUE,  # read from ARGV by chef-licensing; a secret
        },
        # Shared by every generator (SharedGeneratorOptions)
        "generate": {
            "-I": VALUE,
            "--license": VALUE,
            "-C": VALUE,
            "--copyright": VALUE,
            "-m": VALUE,
            "--email": VALUE,
            "-g": VALUE,
            "--generator-cookbook": VALUE,
            "-a": VALUE,  # KEY=VALUE, repeatable
            "--generator-arg": VALUE,
        },
        "generate attribute": {},
        "generate cookbook": {
            "-b": SWITCH,
            "--berks": SWITCH,
            "--kitchen": VALUE,  # dokken|vagrant
            "-P": SWITCH,
            "--policy": SWITCH,
            "-s": SWITCH,
            "--specs": SWITCH,
            "-w": SWITCH,
            "--workflow": SWITCH,
            "-V": SWITCH,
            "--verbose": SWITCH,
            "-y": SWITCH,
            "--yaml": SWITCH,
            "--pipeline": VALUE,
        },
        "generate file": {
            "-s": VALUE,
            "--source": VALUE,
        },
        "generate generator": {},
        "generate helpers": {},
        "generate input": {},
        "generate policyfile": {},
        "generate profile": {},
        "generate recipe": {
            "-y": SWITCH,
            "--yaml": SWITCH,
        },
        "generate repo": {
            "-p": SWITCH,
            "--policy-only": SWITCH,
            "-r": SWITCH,
            "--roles": SWITCH,
            "-P": SWITCH,
            "--policy": SWITCH,
            "-V": SWITCH,
            "--verbose": SWITCH,
        },
        "generate resource": {},
        "generate template": {
            "-s": VALUE,
            "--source": VALUE,
        },
        "generate waiver": {},
        "env": {},
        "shell-init": {
            "--omnibus-dir": VALUE,
        },
        "install": {},
        "update": {
            "-a": SWITCH,
            "--attributes": SWITCH,
            "--exclude-deps": SWITCH,
        },
        "push": {
            "--credentials": VALUE,
            "-p": VALUE,
            "--profile": VALUE,
        },
        "push-archive": {},
        "show-policy": {
            "-o": SWITCH,
            "--orphans": SWITCH,
            "--pager": SWITCH,
            "--no-pager": SWITCH,
        },
        "diff": {
            "-g": VALUE,
            "--git": VALUE,
            "--head": SWITCH,
            "--pager": SWITCH,
            "--no-pager": SWITCH,
        },
        "export": {
            "-a": SWITCH,
            "--archive": SWITCH,
            "-f": SWITCH,
            "--force": SWITCH,
            "--policy-group": VALUE,
        },
        "clean-policy-revisions": {},
        "clean-policy-cookbooks": {},
        "delete-policy-group": {},
        "delete-policy": {},
        "undelete": {
            "-l": SWITCH,
            "--last": SWITCH,
            "-i": VALUE,
            "--id": VALUE,
        },
        "describe-cookbook": {},
        "license": {
            "--chef-license-key": VALUE,
        },
        # report: chef-server flags (infra_flags.go) and report flags, all persistent
        "report": {
            "-C": VALUE,  # credentials file (chef-workstation)
            "--credentials": VALUE,  # -c in chef-analyze's own copy: VALUE either way
            "-n": VALUE,
            "--client-name": VALUE,
            "-k": VALUE,
            "--client-key": VALUE,
            "-s": VALUE,
            "--chef-server-url": VALUE,
            "-p": VALUE,
            "--profile": VALUE,
            "-o": SWITCH,
            "--ssl-no-verify": SWITCH,
            "-f": VALUE,  # txt|csv
            "--format": VALUE,
            "-F": VALUE,  # node search filter
            "--node-filter": VALUE,
            "-a": SWITCH,
            "--anonymize": SWITCH,
        },
        "report cookbooks": {
            "-w": VALUE,
            "--workers": VALUE,
            "-u": SWITCH,
            "--only-unused": SWITCH,
            "-V": SWITCH,
            "--verify-upgrade": SWITCH,
        },
        "capture": {
            "-C": VALUE,
            "--credentials": VALUE,
            "-n": VALUE,
            "--client-name": VALUE,
            "-k": VALUE,
            "--client-key": VALUE,
            "-s": VALUE,
            "--chef-server-url": VALUE,
            "-p": VALUE,
            "--profile": VALUE,
            "-o": SWITCH,
            "--ssl-no-verify": SWITCH,
            "-D": SWITCH,  # --with-data-bags here, not --debug
            "--with-data-bags": SWITCH,
        },
        # supermarket (go-chef-cli): persistent flags, then each subcommand's own
        "supermarket": {
            "-m": VALUE,
            "--supermarket-site": VALUE,
            "-c": VALUE,
            "--config": VALUE,
            "--enable": VALUE,
        },
        "supermarket download": {
            "-f": VALUE,
            "--file": VALUE,
            "--force": SWITCH,
        },
        "supermarket install": {
            "-o": VALUE,
            "--cookbook-path": VALUE,
            "-B": VALUE,
            "--branch": VALUE,
            "-D": SWITCH,
            "--skip-dependencies": SWITCH,
            "-b": SWITCH,
            "--use-current-branch": SWITCH,
        },
        "supermarket list": {
            "-f": VALUE,
            "--format": VALUE,
            "-w": VALUE,
            "--with-uri": VALUE,
            "--sort-by": VALUE,
            "-o": VALUE,
            "--owned-by": VALUE,
        },
        "supermarket search": {
            "-q": VALUE,
            "--query": VALUE,
            "-f": VALUE,
            "--format": VALUE,
        },
        # share forwards its arguments unparsed to `knife supermarket share`: knife's options
        "supermarket share": {
            "-o": VALUE,
            "--cookbook-path": VALUE,
            "-n": SWITCH,
            "--dry-run": SWITCH,
            "-u": VALUE,
            "--user": VALUE,
            "-k": VALUE,
            "--key": VALUE,
            "-s": VALUE,
            "--server-url": VALUE,
            "-E": VALUE,
            "--environment": VALUE,
            "-F": VALUE,
            "--format": VALUE,
            "--config-option": VALUE,
            "--profile": VALUE,
            "-V": SWITCH,
            "-y": SWITCH,
            "--yes": SWITCH,
            "-z": SWITCH,
            "--local-mode": SWITCH,
        },
        "supermarket unshare": {},
    },
}
