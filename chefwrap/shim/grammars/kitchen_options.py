"""kitchen's options by name, extracted from the sources its grammar names by tools/extract_grammars.py: do not edit.

Regenerate with: python3 tools/extract_grammars.py --sources DIR [--release chef/chef=NEW_TAG]

Read by the collector, never by the shims. An option is named by its first long spelling that is not
a negation, and each of its spellings names it: OPTIONS[""] maps a global option's other spellings to
its name; OPTIONS[command], the command's spellings whose name is neither the global one nor the
spelling itself. DEPRECATED[command] maps each of its deprecated options' names to the name of the
option that replaces it ("" when none).
"""

OPTIONS = {
    '': {'-?': '--help', '-D': '--help', '-h': '--help', '-t': '--tree', '-v': '--version'},
    'converge': {'--no-color': '--color', '--no-debug': '--debug', '--no-fail-fast': '--fail-fast', '--no-log-overwrite': '--log-overwrite', '--no-parallel': '--parallel', '--skip-color': '--color', '--skip-debug': '--debug', '--skip-fail-fast': '--fail-fast', '--skip-log-overwrite': '--log-overwrite', '--skip-parallel': '--parallel', '-D': '--debug', '-c': '--concurrency', '-f': '--fail-fast', '-l': '--log-level', '-p': '--parallel', '-t': '--test-base-path'},
    'create': {'--no-color': '--color', '--no-fail-fast': '--fail-fast', '--no-log-overwrite': '--log-overwrite', '--no-parallel': '--parallel', '--skip-color': '--color', '--skip-fail-fast': '--fail-fast', '--skip-log-overwrite': '--log-overwrite', '--skip-parallel': '--parallel', '-c': '--concurrency', '-f': '--fail-fast', '-l': '--log-level', '-p': '--parallel', '-t': '--test-base-path'},
    'destroy': {'--no-color': '--color', '--no-fail-fast': '--fail-fast', '--no-log-overwrite': '--log-overwrite', '--no-parallel': '--parallel', '--skip-color': '--color', '--skip-fail-fast': '--fail-fast', '--skip-log-overwrite': '--log-overwrite', '--skip-parallel': '--parallel', '-c': '--concurrency', '-f': '--fail-fast', '-l': '--log-level', '-p': '--parallel', '-t': '--test-base-path'},
    'diagnose': {'--no-all': '--all', '--no-color': '--color', '--no-instances': '--instances', '--no-loader': '--loader', '--no-log-overwrite': '--log-overwrite', '--no-plugins': '--plugins', '--skip-all': '--all', '--skip-color': '--color', '--skip-instances': '--instances', '--skip-loader': '--loader', '--skip-log-overwrite': '--log-overwrite', '--skip-plugins': '--plugins', '-l': '--log-level', '-t': '--test-base-path'},
    'doctor': {'--no-color': '--color', '--no-log-overwrite': '--log-overwrite', '--skip-color': '--color', '--skip-log-overwrite': '--log-overwrite', '-a': '--all', '-l': '--log-level'},
    'exec': {'--no-color': '--color', '--no-log-overwrite': '--log-overwrite', '--skip-color': '--color', '--skip-log-overwrite': '--log-overwrite', '-c': '--command', '-l': '--log-level'},
    'init': {'--no-create-gemfile': '--create-gemfile', '--skip-create-gemfile': '--create-gemfile', '-D': '--driver', '-P': '--provisioner'},
    'list': {'--no-bare': '--bare', '--no-color': '--color', '--no-debug': '--debug', '--no-json': '--json', '--no-live': '--live', '--no-log-overwrite': '--log-overwrite', '--no-probe': '--probe', '--skip-bare': '--bare', '--skip-color': '--color', '--skip-debug': '--debug', '--skip-json': '--json', '--skip-live': '--live', '--skip-log-overwrite': '--log-overwrite', '--skip-probe': '--probe', '-b': '--bare', '-d': '--debug', '-j': '--json', '-l': '--log-level'},
    'login': {'--no-color': '--color', '--no-log-overwrite': '--log-overwrite', '--skip-color': '--color', '--skip-log-overwrite': '--log-overwrite', '-l': '--log-level'},
    'logs': {'--no-all-sessions': '--all-sessions', '--no-color': '--color', '--no-follow': '--follow', '--no-log-overwrite': '--log-overwrite', '--skip-all-sessions': '--all-sessions', '--skip-color': '--color', '--skip-follow': '--follow', '--skip-log-overwrite': '--log-overwrite', '-f': '--follow', '-l': '--log-level'},
    'package': {'--no-color': '--color', '--no-log-overwrite': '--log-overwrite', '--skip-color': '--color', '--skip-log-overwrite': '--log-overwrite', '-l': '--log-level'},
    'setup': {'--no-color': '--color', '--no-fail-fast': '--fail-fast', '--no-log-overwrite': '--log-overwrite', '--no-parallel': '--parallel', '--skip-color': '--color', '--skip-fail-fast': '--fail-fast', '--skip-log-overwrite': '--log-overwrite', '--skip-parallel': '--parallel', '-c': '--concurrency', '-f': '--fail-fast', '-l': '--log-level', '-p': '--parallel', '-t': '--test-base-path'},
    'test': {'--no-auto-init': '--auto-init', '--no-color': '--color', '--no-debug': '--debug', '--no-log-overwrite': '--log-overwrite', '--no-parallel': '--parallel', '--skip-auto-init': '--auto-init', '--skip-color': '--color', '--skip-debug': '--debug', '--skip-log-overwrite': '--log-overwrite', '--skip-parallel': '--parallel', '-D': '--debug', '-c': '--concurrency', '-d': '--destroy', '-l': '--log-level', '-p': '--parallel', '-t': '--test-base-path'},
    'verify': {'--no-color': '--color', '--no-debug': '--debug', '--no-fail-fast': '--fail-fast', '--no-log-overwrite': '--log-overwrite', '--no-parallel': '--parallel', '--skip-color': '--color', '--skip-debug': '--debug', '--skip-fail-fast': '--fail-fast', '--skip-log-overwrite': '--log-overwrite', '--skip-parallel': '--parallel', '-D': '--debug', '-c': '--concurrency', '-f': '--fail-fast', '-l': '--log-level', '-p': '--parallel', '-t': '--test-base-path'},
}
DEPRECATED = {
}
