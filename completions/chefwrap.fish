# chefwrap-completion: fish completion for chefwrap, generated from its parser by `chefwrap install`.
# The subcommand path the words typed so far reach (options and their values skipped).
function __chefwrap_path
    set -l path ''
    set -l skip 0
    for word in (commandline -opc)[2..-1]
        if test $skip = 1
            set skip 0
            continue
        end
        switch $word
            case '--'
                break
            case '--*=*'
                continue
            case '-*'
                contains -- $word (__chefwrap_valued $path); and set skip 1
                continue
        end
        set -l subcommands (__chefwrap_subcommands $path)
        if contains -- $word $subcommands
            set path (string trim -- "$path $word")
        else if test (count $subcommands) -gt 0
            break
        end
    end
    echo $path
end
function __chefwrap_at
    test (__chefwrap_path) = "$argv[1]"
end
function __chefwrap_subcommands
    switch "$argv[1]"
        case ''
            printf '%s\n' 'install' 'uninstall' 'doctor' 'telemetry' 'collector'
        case 'telemetry'
            printf '%s\n' 'status' 'enable' 'disable' 'local' 'show' 'forget' 'preview'
        case 'collector'
            printf '%s\n' 'serve' 'report' 'migrate' 'erase'
    end
end
function __chefwrap_valued
    switch "$argv[1]"
        case 'install'
            printf '%s\n' '--shell' '--tools'
        case 'doctor'
            printf '%s\n' '--shell'
        case 'telemetry show'
            printf '%s\n' '-n'
        case 'collector serve'
            printf '%s\n' '--host' '--port' '--database' '--retain-days' '--min-sessions' '--ingest-tokens' '--ssl-certfile' '--ssl-keyfile' '--max-connections' '--header-timeout' '--body-timeout'
        case 'collector report'
            printf '%s\n' '--database' '--days' '--min-sessions'
        case 'collector migrate'
            printf '%s\n' '--database'
        case 'collector erase'
            printf '%s\n' '--session' '--database'
    end
end
complete -c chefwrap -f
complete -c chefwrap -n '__chefwrap_at \'\'' -a 'install' -d 'put shims for the Chef tools first on PATH'
complete -c chefwrap -n '__chefwrap_at \'\'' -a 'uninstall' -d 'remove the shims, the PATH blocks and the completions'
complete -c chefwrap -n '__chefwrap_at \'\'' -a 'doctor' -d 'check that every tool call goes through a current shim'
complete -c chefwrap -n '__chefwrap_at \'\'' -a 'telemetry' -d 'see what is collected, and change whether it is'
complete -c chefwrap -n '__chefwrap_at \'\'' -a 'collector' -d 'run a collector, or report on what it collected'
complete -c chefwrap -n '__chefwrap_at \'\'' -s 'h' -l 'help' -d 'show this help message and exit'
complete -c chefwrap -n '__chefwrap_at \'\'' -l 'version' -d 'show program\'s version number and exit'
complete -c chefwrap -n '__chefwrap_at \'install\'' -s 'h' -l 'help' -d 'show this help message and exit'
complete -c chefwrap -n '__chefwrap_at \'install\'' -l 'shell' -x -a 'bash zsh fish sh' -d 'set up this shell only (default: every one you have)'
complete -c chefwrap -n '__chefwrap_at \'install\'' -l 'tools' -x -a 'knife,kitchen,chef knife kitchen chef' -d 'comma-separated (default: knife,kitchen,chef)'
complete -c chefwrap -n '__chefwrap_at \'install\'' -l 'dry-run' -d 'show what would change, change nothing'
complete -c chefwrap -n '__chefwrap_at \'uninstall\'' -s 'h' -l 'help' -d 'show this help message and exit'
complete -c chefwrap -n '__chefwrap_at \'uninstall\'' -l 'dry-run' -d 'show what would change, change nothing'
complete -c chefwrap -n '__chefwrap_at \'doctor\'' -s 'h' -l 'help' -d 'show this help message and exit'
complete -c chefwrap -n '__chefwrap_at \'doctor\'' -l 'shell' -x -a 'bash zsh fish sh' -d 'check this shell only (default: every one you have)'
complete -c chefwrap -n '__chefwrap_at \'doctor\'' -l 'fix' -d 'first repair the telemetry state: its folders\' permissions, damaged folders, the sender lock'
complete -c chefwrap -n '__chefwrap_at \'telemetry\'' -a 'status' -d 'whether data is shared, what decided it, and how to change it'
complete -c chefwrap -n '__chefwrap_at \'telemetry\'' -a 'enable' -d 'share anonymous usage data'
complete -c chefwrap -n '__chefwrap_at \'telemetry\'' -a 'disable' -d 'share nothing, and delete what is waiting to be sent'
complete -c chefwrap -n '__chefwrap_at \'telemetry\'' -a 'local' -d 'record events in the local ledger but never send them'
complete -c chefwrap -n '__chefwrap_at \'telemetry\'' -a 'show' -d 'the exact JSON waiting to be sent, or sent and where it went'
complete -c chefwrap -n '__chefwrap_at \'telemetry\'' -a 'forget' -d 'ask the endpoint to erase your sessions, then forget them here'
complete -c chefwrap -n '__chefwrap_at \'telemetry\'' -a 'preview' -d 'print the event a command line would produce, running nothing'
complete -c chefwrap -n '__chefwrap_at \'telemetry\'' -s 'h' -l 'help' -d 'show this help message and exit'
complete -c chefwrap -n '__chefwrap_at \'telemetry status\'' -s 'h' -l 'help' -d 'show this help message and exit'
complete -c chefwrap -n '__chefwrap_at \'telemetry status\'' -l 'json' -d 'as JSON'
complete -c chefwrap -n '__chefwrap_at \'telemetry enable\'' -s 'h' -l 'help' -d 'show this help message and exit'
complete -c chefwrap -n '__chefwrap_at \'telemetry disable\'' -s 'h' -l 'help' -d 'show this help message and exit'
complete -c chefwrap -n '__chefwrap_at \'telemetry local\'' -s 'h' -l 'help' -d 'show this help message and exit'
complete -c chefwrap -n '__chefwrap_at \'telemetry show\'' -s 'h' -l 'help' -d 'show this help message and exit'
complete -c chefwrap -n '__chefwrap_at \'telemetry show\'' -l 'pending' -d 'only what is waiting to be sent'
complete -c chefwrap -n '__chefwrap_at \'telemetry show\'' -l 'sent' -d 'only what was sent (or kept locally)'
complete -c chefwrap -n '__chefwrap_at \'telemetry show\'' -s 'n' -x -d 'at most N events of each (default 10)'
complete -c chefwrap -n '__chefwrap_at \'telemetry forget\'' -s 'h' -l 'help' -d 'show this help message and exit'
complete -c chefwrap -n '__chefwrap_at \'telemetry preview\'' -s 'h' -l 'help' -d 'show this help message and exit'
complete -c chefwrap -n '__chefwrap_at \'collector\'' -a 'serve' -d 'receive, store and report events over HTTP'
complete -c chefwrap -n '__chefwrap_at \'collector\'' -a 'report' -d 'the report, in the terminal'
complete -c chefwrap -n '__chefwrap_at \'collector\'' -a 'migrate' -d 'bring the database\'s schema up to this collector\'s'
complete -c chefwrap -n '__chefwrap_at \'collector\'' -a 'erase' -d 'erase every event of a session, and its part of the aggregates'
complete -c chefwrap -n '__chefwrap_at \'collector\'' -s 'h' -l 'help' -d 'show this help message and exit'
complete -c chefwrap -n '__chefwrap_at \'collector serve\'' -s 'h' -l 'help' -d 'show this help message and exit'
complete -c chefwrap -n '__chefwrap_at \'collector serve\'' -l 'host' -x -d 'address to listen on (default 127.0.0.1)'
complete -c chefwrap -n '__chefwrap_at \'collector serve\'' -l 'port' -x -d 'port (default 8080; 0 picks a free one)'
complete -c chefwrap -n '__chefwrap_at \'collector serve\'' -l 'database' -r -F -d 'an SQLite file or a database URL (postgresql://...; default chefwrap-collector.sqlite3)'
complete -c chefwrap -n '__chefwrap_at \'collector serve\'' -l 'retain-days' -x -d 'delete events older than this (default 365)'
complete -c chefwrap -n '__chefwrap_at \'collector serve\'' -l 'min-sessions' -x -d 'show a name only for a period at least K sessions used it in, complete days only (default 5, at most 20; 1: everything, today too)'
complete -c chefwrap -n '__chefwrap_at \'collector serve\'' -l 'ingest-tokens' -r -F -d 'accept POST /events only with `Authorization: Bearer <token>`, a token from FILE (one a line; read again on SIGHUP)'
complete -c chefwrap -n '__chefwrap_at \'collector serve\'' -l 'ssl-certfile' -r -F -d 'serve HTTPS with this certificate (PEM; with its chain)'
complete -c chefwrap -n '__chefwrap_at \'collector serve\'' -l 'ssl-keyfile' -r -F -d 'the certificate\'s private key (PEM), if not in --ssl-certfile'
complete -c chefwrap -n '__chefwrap_at \'collector serve\'' -l 'max-connections' -x -d 'connections open at once (default 1000, at most the open-file limit less 128); beyond, the oldest without a whole request is closed'
complete -c chefwrap -n '__chefwrap_at \'collector serve\'' -l 'header-timeout' -x -d 'time for a request\'s head to arrive (default 10)'
complete -c chefwrap -n '__chefwrap_at \'collector serve\'' -l 'body-timeout' -x -d 'time for a request\'s body to arrive after its head (default 30)'
complete -c chefwrap -n '__chefwrap_at \'collector report\'' -s 'h' -l 'help' -d 'show this help message and exit'
complete -c chefwrap -n '__chefwrap_at \'collector report\'' -l 'database' -r -F -d 'the collector\'s SQLite file or database URL (default chefwrap-collector.sqlite3)'
complete -c chefwrap -n '__chefwrap_at \'collector report\'' -l 'days' -x -d 'the last N days (default 30)'
complete -c chefwrap -n '__chefwrap_at \'collector report\'' -l 'json' -d 'as JSON'
complete -c chefwrap -n '__chefwrap_at \'collector report\'' -l 'min-sessions' -x -d 'show a name only for a period at least K sessions used it in, complete days only (default 5, at most 20; 1: everything, today too)'
complete -c chefwrap -n '__chefwrap_at \'collector migrate\'' -s 'h' -l 'help' -d 'show this help message and exit'
complete -c chefwrap -n '__chefwrap_at \'collector migrate\'' -l 'database' -r -F -d 'the collector\'s SQLite file or database URL (default chefwrap-collector.sqlite3)'
complete -c chefwrap -n '__chefwrap_at \'collector erase\'' -s 'h' -l 'help' -d 'show this help message and exit'
complete -c chefwrap -n '__chefwrap_at \'collector erase\'' -l 'session' -x -d 'the session\'s id (a UUID)'
complete -c chefwrap -n '__chefwrap_at \'collector erase\'' -l 'database' -r -F -d 'the collector\'s SQLite file or database URL (default chefwrap-collector.sqlite3)'
