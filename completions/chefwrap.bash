# chefwrap-completion: bash completion for chefwrap, installed by `chefwrap install`.
_chefwrap() {
    local cur prev words cword
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
    local commands="install uninstall doctor"
    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=($(compgen -W "$commands --help --version" -- "$cur"))
        return
    fi
    case "${COMP_WORDS[1]}" in
        install)
            case "$prev" in
                --shell) COMPREPLY=($(compgen -W "bash zsh fish sh" -- "$cur")); return ;;
                --tools) COMPREPLY=($(compgen -W "knife,kitchen,chef knife kitchen chef" -- "$cur")); return ;;
            esac
            COMPREPLY=($(compgen -W "--shell --tools --dry-run --help" -- "$cur")) ;;
        uninstall) COMPREPLY=($(compgen -W "--dry-run --help" -- "$cur")) ;;
        doctor)
            [ "$prev" = --shell ] && { COMPREPLY=($(compgen -W "bash zsh fish sh" -- "$cur")); return; }
            COMPREPLY=($(compgen -W "--shell --help" -- "$cur")) ;;
    esac
}
complete -F _chefwrap chefwrap
