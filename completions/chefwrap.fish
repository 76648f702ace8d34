# chefwrap-completion: fish completion for chefwrap, installed by `chefwrap install`.
set -l commands install uninstall doctor telemetry collector
set -l telemetry_actions status enable disable local show preview forget
complete -c chefwrap -f
complete -c chefwrap -n "not __fish_seen_subcommand_from $commands" -a install -d 'put shims for the Chef tools first on PATH'
complete -c chefwrap -n "not __fish_seen_subcommand_from $commands" -a uninstall -d 'remove the shims, the PATH blocks and the completions'
complete -c chefwrap -n "not __fish_seen_subcommand_from $commands" -a doctor -d 'check that every tool call goes through a current shim'
complete -c chefwrap -n "not __fish_seen_subcommand_from $commands" -a telemetry -d 'see what is collected, and change whether it is'
complete -c chefwrap -n "not __fish_seen_subcommand_from $commands" -a collector -d 'run a collector, or report on what it collected'
complete -c chefwrap -n "__fish_seen_subcommand_from install doctor" -l shell -x -a 'bash zsh fish sh' -d 'the shell to set up'
complete -c chefwrap -n "__fish_seen_subcommand_from install" -l tools -x -a 'knife,kitchen,chef knife kitchen chef' -d 'comma-separated tools'
complete -c chefwrap -n "__fish_seen_subcommand_from install uninstall" -l dry-run -d 'show what would change, change nothing'
complete -c chefwrap -n "__fish_seen_subcommand_from telemetry; and not __fish_seen_subcommand_from $telemetry_actions" -a status -d 'whether data is shared and why'
complete -c chefwrap -n "__fish_seen_subcommand_from telemetry; and not __fish_seen_subcommand_from $telemetry_actions" -a enable -d 'share anonymous usage data'
complete -c chefwrap -n "__fish_seen_subcommand_from telemetry; and not __fish_seen_subcommand_from $telemetry_actions" -a disable -d 'share nothing'
complete -c chefwrap -n "__fish_seen_subcommand_from telemetry; and not __fish_seen_subcommand_from $telemetry_actions" -a local -d 'record locally, never send'
complete -c chefwrap -n "__fish_seen_subcommand_from telemetry; and not __fish_seen_subcommand_from $telemetry_actions" -a show -d 'the exact JSON pending or sent'
complete -c chefwrap -n "__fish_seen_subcommand_from telemetry; and not __fish_seen_subcommand_from $telemetry_actions" -a preview -d 'the event a command line would produce'
complete -c chefwrap -n "__fish_seen_subcommand_from telemetry; and not __fish_seen_subcommand_from $telemetry_actions" -a forget -d 'erase your sessions at the endpoint'
complete -c chefwrap -n "__fish_seen_subcommand_from status" -l json -d 'as JSON'
complete -c chefwrap -n "__fish_seen_subcommand_from show" -l pending -d 'only what is waiting'
complete -c chefwrap -n "__fish_seen_subcommand_from show" -l sent -d 'only what was sent'
complete -c chefwrap -n "__fish_seen_subcommand_from collector; and not __fish_seen_subcommand_from serve report" -a 'serve report'
