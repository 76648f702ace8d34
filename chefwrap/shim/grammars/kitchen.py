"""kitchen's command grammar, extracted from the sources below by tools/extract_grammars.py: do not edit.

Regenerate with: python3 tools/extract_grammars.py --sources DIR [--release chef/chef=NEW_TAG]

Sources (repository, release tag):
- test-kitchen/test-kitchen v4.1.0: the tool itself
- rails/thor v1.5.0: Thor's built-in help command and its mappings
- test-kitchen/kitchen-dokken v2.23.3: adds no command and no option (a driver is configured in kitchen.yml)
- test-kitchen/kitchen-vagrant v2.2.1: adds no command and no option (a driver is configured in kitchen.yml)
- test-kitchen/kitchen-ec2 v3.22.3: adds no command and no option (a driver is configured in kitchen.yml)
- test-kitchen/kitchen-azurerm v1.13.6: adds no command and no option (a driver is configured in kitchen.yml)
"""

GRAMMAR = {
    "tool": 'kitchen',
    "matching": 'thor',
    "abbreviations": False,
    "passthrough": (),
    "aliases": {'status': 'list'},
    "plugins": {},
    "commands": (
        'console',
        'converge',
        'create',
        'destroy',
        'diagnose',
        'doctor',
        'exec',
        'help',
        'init',
        'list',
        'login',
        'logs',
        'package',
        'setup',
        'sink',
        'test',
        'tree',
        'verify',
        'version',
    ),
    "bases": {'converge': 'create', 'create': 'login', 'destroy': 'create', 'diagnose': 'login', 'doctor': 'login', 'exec': 'login', 'list': 'login', 'logs': 'login', 'package': 'login', 'setup': 'create', 'test': 'login', 'verify': 'converge'},
    "options": {
        '': {'--help': 'switch', '--tree': 'switch', '--version': 'switch', '-?': 'switch', '-D': 'switch', '-h': 'switch', '-t': 'switch', '-v': 'switch'},
        'converge': {'--debug': 'switch', '--no-debug': 'switch', '--skip-debug': 'switch', '-D': 'switch'},
        'create': {'--concurrency': 'optional', '--fail-fast': 'switch', '--no-fail-fast': 'switch', '--no-parallel': 'switch', '--parallel': 'switch', '--skip-fail-fast': 'switch', '--skip-parallel': 'switch', '--test-base-path': 'value', '-c': 'optional', '-f': 'switch', '-p': 'switch', '-t': 'value'},
        'destroy': {},
        'diagnose': {'--all': 'switch', '--instances': 'switch', '--loader': 'switch', '--no-all': 'switch', '--no-instances': 'switch', '--no-loader': 'switch', '--no-plugins': 'switch', '--plugins': 'switch', '--skip-all': 'switch', '--skip-instances': 'switch', '--skip-loader': 'switch', '--skip-plugins': 'switch', '--test-base-path': 'value', '-t': 'value'},
        'doctor': {'--all': 'value', '-a': 'value'},
        'exec': {'--command': 'value', '-c': 'value'},
        'init': {'--create-gemfile': 'switch', '--driver': 'values', '--no-create-gemfile': 'switch', '--provisioner': 'value', '--skip-create-gemfile': 'switch', '-D': 'values', '-P': 'value'},
        'list': {'--bare': 'switch', '--debug': 'switch', '--json': 'switch', '--live': 'switch', '--no-bare': 'switch', '--no-debug': 'switch', '--no-json': 'switch', '--no-live': 'switch', '--no-probe': 'switch', '--probe': 'switch', '--skip-bare': 'switch', '--skip-debug': 'switch', '--skip-json': 'switch', '--skip-live': 'switch', '--skip-probe': 'switch', '-b': 'switch', '-d': 'switch', '-j': 'switch'},
        'login': {'--color': 'switch', '--log-level': 'value', '--log-overwrite': 'switch', '--no-color': 'switch', '--no-log-overwrite': 'switch', '--skip-color': 'switch', '--skip-log-overwrite': 'switch', '-l': 'value'},
        'logs': {'--all-sessions': 'switch', '--follow': 'switch', '--format': 'value', '--level': 'value', '--no-all-sessions': 'switch', '--no-follow': 'switch', '--session-id': 'value', '--skip-all-sessions': 'switch', '--skip-follow': 'switch', '-f': 'switch'},
        'package': {},
        'setup': {},
        'test': {'--auto-init': 'switch', '--concurrency': 'optional', '--debug': 'switch', '--destroy': 'value', '--no-auto-init': 'switch', '--no-debug': 'switch', '--no-parallel': 'switch', '--parallel': 'switch', '--skip-auto-init': 'switch', '--skip-debug': 'switch', '--skip-parallel': 'switch', '--test-base-path': 'value', '-D': 'switch', '-c': 'optional', '-d': 'value', '-p': 'switch', '-t': 'value'},
        'verify': {},
    },
}
