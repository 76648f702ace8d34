"""chef's options by name, extracted from the sources its grammar names by tools/extract_grammars.py: do not edit.

Regenerate with: python3 tools/extract_grammars.py --sources DIR [--release chef/chef=NEW_TAG]

Read by the collector, never by the shims. An option is named by its first long spelling that is not
a negation, and each of its spellings names it: OPTIONS[""] maps a global option's other spellings to
its name; OPTIONS[command], the command's spellings whose name is neither the global one nor the
spelling itself. DEPRECATED[command] maps each of its deprecated options' names to the name of the
option that replaces it ("" when none).
"""

OPTIONS = {
    '': {'-h': '--help', '-v': '--version'},
    'clean-policy-cookbooks': {'-D': '--debug', '-c': '--config'},
    'clean-policy-revisions': {'-D': '--debug', '-c': '--config'},
    'delete-policy': {'-D': '--debug', '-c': '--config'},
    'delete-policy-group': {'-D': '--debug', '-c': '--config'},
    'describe-cookbook': {'-D': '--debug', '-c': '--config'},
    'diff': {'--no-pager': '--pager', '-D': '--debug', '-c': '--config', '-g': '--git'},
    'env': {'-D': '--debug', '-c': '--config'},
    'exec': {'-D': '--debug', '-c': '--config'},
    'export': {'-D': '--debug', '-a': '--archive', '-c': '--config', '-f': '--force'},
    'gem': {'-D': '--debug', '-c': '--config'},
    'generate': {'-D': '--debug', '-c': '--config'},
    'generate attribute': {'-C': '--copyright', '-D': '--debug', '-I': '--license', '-a': '--generator-arg', '-c': '--config', '-g': '--generator-cookbook', '-m': '--email'},
    'generate cookbook': {'-C': '--copyright', '-D': '--debug', '-I': '--license', '-P': '--policy', '-V': '--verbose', '-a': '--generator-arg', '-b': '--berks', '-c': '--config', '-g': '--generator-cookbook', '-m': '--email', '-s': '--specs', '-w': '--workflow', '-y': '--yaml'},
    'generate file': {'-C': '--copyright', '-D': '--debug', '-I': '--license', '-a': '--generator-arg', '-c': '--config', '-g': '--generator-cookbook', '-m': '--email', '-s': '--source'},
    'generate generator': {'-C': '--copyright', '-D': '--debug', '-I': '--license', '-a': '--generator-arg', '-c': '--config', '-g': '--generator-cookbook', '-m': '--email'},
    'generate helpers': {'-C': '--copyright', '-D': '--debug', '-I': '--license', '-a': '--generator-arg', '-c': '--config', '-g': '--generator-cookbook', '-m': '--email'},
    'generate input': {'-C': '--copyright', '-D': '--debug', '-I': '--license', '-a': '--generator-arg', '-c': '--config', '-g': '--generator-cookbook', '-m': '--email'},
    'generate policyfile': {'-C': '--copyright', '-D': '--debug', '-I': '--license', '-a': '--generator-arg', '-c': '--config', '-g': '--generator-cookbook', '-m': '--email'},
    'generate profile': {'-C': '--copyright', '-D': '--debug', '-I': '--license', '-a': '--generator-arg', '-c': '--config', '-g': '--generator-cookbook', '-m': '--email'},
    'generate recipe': {'-C': '--copyright', '-D': '--debug', '-I': '--license', '-a': '--generator-arg', '-c': '--config', '-g': '--generator-cookbook', '-m': '--email', '-y': '--yaml'},
    'generate repo': {'-C': '--copyright', '-D': '--debug', '-I': '--license', '-P': '--policy', '-V': '--verbose', '-a': '--generator-arg', '-c': '--config', '-g': '--generator-cookbook', '-m': '--email', '-p': '--policy-only', '-r': '--roles'},
    'generate resource': {'-C': '--copyright', '-D': '--debug', '-I': '--license', '-a': '--generator-arg', '-c': '--config', '-g': '--generator-cookbook', '-m': '--email'},
    'generate template': {'-C': '--copyright', '-D': '--debug', '-I': '--license', '-a': '--generator-arg', '-c': '--config', '-g': '--generator-cookbook', '-m': '--email', '-s': '--source'},
    'generate waiver': {'-C': '--copyright', '-D': '--debug', '-I': '--license', '-a': '--generator-arg', '-c': '--config', '-g': '--generator-cookbook', '-m': '--email'},
    'install': {'-D': '--debug', '-c': '--config'},
    'license': {'-D': '--debug', '-c': '--config'},
    'push': {'-D': '--debug', '-c': '--config', '-p': '--profile'},
    'push-archive': {'-D': '--debug', '-c': '--config'},
    'shell-init': {'-D': '--debug', '-c': '--config'},
    'show-policy': {'--no-pager': '--pager', '-D': '--debug', '-c': '--config', '-o': '--orphans'},
    'undelete': {'-D': '--debug', '-c': '--config', '-i': '--id', '-l': '--last'},
    'update': {'-D': '--debug', '-a': '--attributes', '-c': '--config'},
}
DEPRECATED = {
}
