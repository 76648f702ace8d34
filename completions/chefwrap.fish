# chefwrap-completion: fish completion for chefwrap, installed by `chefwrap install`.
set -l commands install uninstall doctor
complete -c chefwrap -f
complete -c chefwrap -n "not __fish_seen_subcommand_from $commands" -a install -d 'put shims for the Chef tools first on PATH'
complete -c chefwrap -n "not __fish_seen_subcommand_from $commands" -a uninstall -d 'remove the shims, the PATH blocks and the completions'
complete -c chefwrap -n "not __fish_seen_subcommand_from $commands" -a doctor -d 'check that every tool call goes through a current shim'
complete -c chefwrap -n "__fish_seen_subcommand_from install doctor" -l shell -x -a 'bash zsh fish sh' -d 'the shell to set up'
complete -c chefwrap -n "__fish_seen_subcommand_from install" -l tools -x -a 'knife,kitchen,chef knife kitchen chef' -d 'comma-separated tools'
complete -c chefwrap -n "__fish_seen_subcommand_from install uninstall" -l dry-run -d 'show what would change, change nothing'
