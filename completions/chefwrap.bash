# chefwrap-completion: bash completion for chefwrap, installed by `chefwrap install`.
_chefwrap() {
    local cur prev
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=($(compgen -W "install uninstall doctor telemetry collector --help --version" -- "$cur"))
        return
    fi
    case "$prev" in
        --shell) COMPREPLY=($(compgen -W "bash zsh fish sh" -- "$cur")); return ;;
        --tools) COMPREPLY=($(compgen -W "knife,kitchen,chef knife kitchen chef" -- "$cur")); return ;;
    esac
    case "${COMP_WORDS[1]}" in
        install) COMPREPLY=($(compgen -W "--shell --tools --dry-run --help" -- "$cur")) ;;
        uninstall) COMPREPLY=($(compgen -W "--dry-run --help" -- "$cur")) ;;
        doctor) COMPREPLY=($(compgen -W "--shell --help" -- "$cur")) ;;
        telemetry)
            if [ "$COMP_CWORD" -eq 2 ]; then
                COMPREPLY=($(compgen -W "status enable disable local show preview forget" -- "$cur"))
                return
            fi
            case "${COMP_WORDS[2]}" in
                status) COMPREPLY=($(compgen -W "--json --help" -- "$cur")) ;;
                show) COMPREPLY=($(compgen -W "--pending --sent -n --help" -- "$cur")) ;;
                preview) COMPREPLY=($(compgen -W "-- knife kitchen chef" -- "$cur")) ;;
            esac ;;
        collector)
            if [ "$COMP_CWORD" -eq 2 ]; then
                COMPREPLY=($(compgen -W "serve report" -- "$cur"))
                return
            fi
            case "${COMP_WORDS[2]}" in
                serve) COMPREPLY=($(compgen -W "--host --port --database --retain-days --help" -- "$cur")) ;;
                report) COMPREPLY=($(compgen -W "--database --days --json --help" -- "$cur")) ;;
            esac ;;
    esac
}
complete -F _chefwrap chefwrap
