# chefwrap-completion: bash completion for chefwrap, generated from its parser by `chefwrap install`.
__chefwrap_subcommands() {
    case "$1" in
        '') echo 'install uninstall doctor telemetry collector' ;;
        'telemetry') echo 'status enable disable local show forget preview' ;;
        'collector') echo 'serve report migrate erase' ;;
    esac
}
__chefwrap_options() {
    case "$1" in
        '') echo '-h --help --version' ;;
        'install') echo '-h --help --shell --tools --dry-run' ;;
        'uninstall') echo '-h --help --dry-run' ;;
        'doctor') echo '-h --help --shell --fix' ;;
        'telemetry') echo '-h --help' ;;
        'telemetry status') echo '-h --help --json' ;;
        'telemetry enable') echo '-h --help' ;;
        'telemetry disable') echo '-h --help' ;;
        'telemetry local') echo '-h --help' ;;
        'telemetry show') echo '-h --help --pending --sent -n' ;;
        'telemetry forget') echo '-h --help' ;;
        'telemetry preview') echo '-h --help' ;;
        'collector') echo '-h --help' ;;
        'collector serve') echo '-h --help --host --port --database --retain-days --min-sessions --ingest-tokens --ssl-certfile --ssl-keyfile --max-connections --header-timeout --body-timeout' ;;
        'collector report') echo '-h --help --database --days --json --min-sessions' ;;
        'collector migrate') echo '-h --help --database' ;;
        'collector erase') echo '-h --help --session --database' ;;
    esac
}
__chefwrap_valued() {
    case "$1" in
        'install') echo '--shell --tools' ;;
        'doctor') echo '--shell' ;;
        'telemetry show') echo '-n' ;;
        'collector serve') echo '--host --port --database --retain-days --min-sessions --ingest-tokens --ssl-certfile --ssl-keyfile --max-connections --header-timeout --body-timeout' ;;
        'collector report') echo '--database --days --min-sessions' ;;
        'collector migrate') echo '--database' ;;
        'collector erase') echo '--session --database' ;;
    esac
}
__chefwrap_choices() {
    case "$1" in
        'install|--shell') echo 'bash zsh fish sh' ;;
        'install|--tools') echo 'knife,kitchen,chef knife kitchen chef' ;;
        'doctor|--shell') echo 'bash zsh fish sh' ;;
        'telemetry show|-n') echo '@none' ;;
        'collector serve|--host') echo '@none' ;;
        'collector serve|--port') echo '@none' ;;
        'collector serve|--database') echo '@files' ;;
        'collector serve|--retain-days') echo '@none' ;;
        'collector serve|--min-sessions') echo '@none' ;;
        'collector serve|--ingest-tokens') echo '@files' ;;
        'collector serve|--ssl-certfile') echo '@files' ;;
        'collector serve|--ssl-keyfile') echo '@files' ;;
        'collector serve|--max-connections') echo '@none' ;;
        'collector serve|--header-timeout') echo '@none' ;;
        'collector serve|--body-timeout') echo '@none' ;;
        'collector report|--database') echo '@files' ;;
        'collector report|--days') echo '@none' ;;
        'collector report|--min-sessions') echo '@none' ;;
        'collector migrate|--database') echo '@files' ;;
        'collector erase|--session') echo '@none' ;;
        'collector erase|--database') echo '@files' ;;
    esac
}
__chefwrap_path() {
    local at="" skip="" word
    for word in "$@"; do
        if [ -n "$skip" ]; then skip=""; continue; fi
        case "$word" in
            --) break ;;
            --*=*) continue ;;
            -*) case " $(__chefwrap_valued "$at") " in *" $word "*) skip=1 ;; esac; continue ;;
        esac
        case " $(__chefwrap_subcommands "$at") " in
            *" $word "*) at="${at:+$at }$word" ;;
            *) [ -n "$(__chefwrap_subcommands "$at")" ] && break ;;
        esac
    done
    echo "$at"
}
# The candidates for the word being completed: __chefwrap_candidates WORD... CURRENT (bash and tests call it).
__chefwrap_candidates() {
    local IFS=$' 	
' count=$(($# - 1)) words=("$@") at prev choices
    local cur=${words[$count]}
    at=$(__chefwrap_path "${words[@]:1:$((count - 1))}")
    prev=${words[$((count - 1))]}
    choices=$(__chefwrap_choices "$at|$prev")
    if [ "$count" -gt 1 ] && [ -n "$choices" ]; then
        case "$choices" in
            @files) compgen -f -- "$cur" ;;
            @none) ;;
            *) compgen -W "$choices" -- "$cur" ;;
        esac
        return
    fi
    case "$cur" in
        -*) compgen -W "$(__chefwrap_options "$at")" -- "$cur" ;;
        *) compgen -W "$(__chefwrap_subcommands "$at")" -- "$cur" ;;
    esac
}
_chefwrap() {
    local IFS=$'\n'
    COMPREPLY=($(__chefwrap_candidates "${COMP_WORDS[@]:0:$COMP_CWORD}" "${COMP_WORDS[COMP_CWORD]}"))
}
complete -F _chefwrap chefwrap
