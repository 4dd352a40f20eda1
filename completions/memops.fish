function __memops_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __memops_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __memops_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __memops_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __memops_parse_tokens -S
    set -l unparsed_tokens (__memops_tokens -pc)
    switch $unparsed_tokens[1]
    case 'memops'
        __memops_parse_subcommand 0 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'backup'
            __memops_parse_subcommand 0 'version' 'help'
            switch $unparsed_tokens[1]
            case 'run'
                __memops_parse_subcommand 0 'u/url=' 'h/host=' 'p/port=' 's/socket=' 'n/db=' 'user=' 'a/pass=' 'pass-file=' 'no-auth-warning' 'connect-timeout=' 'timeout=' 'dest=' 'source=' 'rdb-path=' 'prefix=' 'level=' 'threads=' 'save-timeout=' 'lock-wait=' 'keep-last=' 'keep-daily=' 'keep-weekly=' 'keep-monthly=' 'dry-run' 'verify=' 'metrics-file=' 'v/verbose' 'version' 'help'
            case 'list'
                __memops_parse_subcommand 0 'dest=' 'prefix=' 'json' 'version' 'help'
            end
        case 'verify'
            __memops_parse_subcommand -r 1 'dest=' 'latest' 'all' 'deep' 'q/quiet' 'version' 'h/help'
        case 'restore'
            __memops_parse_subcommand 1 'journal=' 'u/url=' 'h/host=' 'p/port=' 's/socket=' 'n/db=' 'user=' 'a/pass=' 'pass-file=' 'no-auth-warning' 'connect-timeout=' 'timeout=' 'pattern=+' 'key=+' 'target-db=' 'on-conflict=' 'keep-expired' 'functions=' 'dry-run' 'verify=' 'no-verify' 'batch=' 'data-dir=' 'config=' 'server-version=' 'force' 'q/quiet' 'v/verbose' 'version' 'help'
        case 'inspect'
            __memops_parse_subcommand 1 'keys' 'pattern=' 'db=' 'top=' 'values' 'json' 'version' 'h/help'
        case 'estimate'
            __memops_parse_subcommand 0 'scenario=' 'sessions=' 'embeddings=' 'queue=' 'cache=' 'nodes=' 'session-size=' 'embedding-size=' 'queue-entry-size=' 'cache-size=' 'node-size=' 'maxmemory=' 'cow-margin=' 'fragmentation-margin=' 'buffers-margin=' 'sessions-per-day=' 'embeddings-per-day=' 'queue-per-day=' 'cache-per-day=' 'horizon=' 'plot=' 'from-backup=' 'samples=' 'json' 'schema=' 'u/url=' 'h/host=' 'p/port=' 's/socket=' 'n/db=' 'user=' 'a/pass=' 'pass-file=' 'no-auth-warning' 'connect-timeout=' 'timeout=' 'version' 'help'
        case 'schema'
            __memops_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'show'
                __memops_parse_subcommand 0 'json' 'schema=' 'version' 'h/help'
            end
        case 'audit'
            __memops_parse_subcommand 0 'u/url=' 'h/host=' 'p/port=' 's/socket=' 'n/db=' 'user=' 'a/pass=' 'pass-file=' 'no-auth-warning' 'connect-timeout=' 'timeout=' 'schema=' 'count=' 'rate=' 'match=' 'top=' 'from-backup=' 'format=' 'fail-on=' 'version' 'help'
        case 'prune'
            __memops_parse_subcommand 0 'u/url=' 'h/host=' 'p/port=' 's/socket=' 'n/db=' 'user=' 'a/pass=' 'pass-file=' 'no-auth-warning' 'connect-timeout=' 'timeout=' 'schema=' 'orphans' 'expired-policy' 'fix-ttl' 'older-than=' 'namespace=' 'pattern=' 'trim-streams' 'yes' 'journal=' 'no-journal' 'undo=' 'replace' 'count=' 'rate=' 'v/verbose' 'version' 'help'
        case 'config'
            __memops_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'lint'
                __memops_parse_subcommand -r 1 'u/url=' 'h/host=' 'p/port=' 's/socket=' 'n/db=' 'user=' 'a/pass=' 'pass-file=' 'no-auth-warning' 'connect-timeout=' 'timeout=' 'schema=' 'format=' 'severity=' 'fail-on=' 'enable=+' 'disable=+' 'target-version=' 'no-host-checks' 'drift=' 'version' 'h/help'
            case 'rules'
                __memops_parse_subcommand 0 'version' 'h/help'
            case 'explain'
                __memops_parse_subcommand 1 'version' 'h/help'
            end
        case 'sample-data'
            __memops_parse_subcommand 0 'scenario=' 'scale=' 'sessions=' 'embeddings=' 'queue=' 'cache=' 'nodes=' 'events=' 'days=' 'seed=' 'now=' 'trim-queue' 'queue-maxlen=' 'inject=+' 'faults-file=' 'resp' 'heartbeats-only' 'flush' 'merge' 'batch=' 'q/quiet' 'v/verbose' 'schema=' 'u/url=' 'h/host=' 'p/port=' 's/socket=' 'n/db=' 'user=' 'a/pass=' 'pass-file=' 'no-auth-warning' 'connect-timeout=' 'timeout=' 'version' 'help'
        case 'help'
            __memops_parse_subcommand -r 1 'version'
        end
    end
end

function __memops_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __memops_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __memops_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __memops_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__memops_tokens -p)
    if test -z "$(__memops_tokens -t)"
        set -l index (count (__memops_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'memops' -f
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops" version' -l 'version' -d 'Show the version.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'memops' -n '__memops_should_offer_completions_for_positional "memops" -eq 1' -fa 'backup' -d 'Back up a Redis server: BGSAVE, stream the RDB through zstd, publish atomically with a manifest.'
complete -c 'memops' -n '__memops_should_offer_completions_for_positional "memops" -eq 1' -fa 'verify' -d 'Verify backups: zstd frames and checksum, SHA-256 against the manifest, RDB header and CRC64.'
complete -c 'memops' -n '__memops_should_offer_completions_for_positional "memops" -eq 1' -fa 'restore' -d 'Restore a backup: live into a running server (RESTORE), or offline into a data directory.'
complete -c 'memops' -n '__memops_should_offer_completions_for_positional "memops" -eq 1' -fa 'inspect' -d 'Show what a backup or RDB file holds: version, aux fields, functions, keys by type and encoding, biggest keys.'
complete -c 'memops' -n '__memops_should_offer_completions_for_positional "memops" -eq 1' -fa 'estimate' -d 'Capacity planning: what the memory data costs, and when maxmemory runs out.'
complete -c 'memops' -n '__memops_should_offer_completions_for_positional "memops" -eq 1' -fa 'schema' -d 'Show the key schema that audit and prune enforce.'
complete -c 'memops' -n '__memops_should_offer_completions_for_positional "memops" -eq 1' -fa 'audit' -d 'Check every key against the schema: names, types, TTLs, fields, references, streams, heartbeats.'
complete -c 'memops' -n '__memops_should_offer_completions_for_positional "memops" -eq 1' -fa 'prune' -d 'Remove orphans and policy breakers, fix TTLs, trim streams; dry run unless --yes.'
complete -c 'memops' -n '__memops_should_offer_completions_for_positional "memops" -eq 1' -fa 'config' -d 'Check redis.conf files and a running server\'s configuration.'
complete -c 'memops' -n '__memops_should_offer_completions_for_positional "memops" -eq 1' -fa 'sample-data' -d 'Generate seed-shaped sample data: load it into a server, or write RESP for redis-cli --pipe.'
complete -c 'memops' -n '__memops_should_offer_completions_for_positional "memops" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops backup" version' -l 'version' -d 'Show the version.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops backup" help' -l 'help' -d 'Show help information.'
complete -c 'memops' -n '__memops_should_offer_completions_for_positional "memops backup" -eq 1' -fa 'run' -d 'Make a backup now (the default: `memops backup --dest DIR` runs this).'
complete -c 'memops' -n '__memops_should_offer_completions_for_positional "memops backup" -eq 1' -fa 'list' -d 'List backups: time, sizes, ratio, keys, server version, verified or not.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops backup run" u url' -s 'u' -l 'url' -d 'Server URL: redis://[user[:password]@]host[:port][/db] or unix:///path/to/redis.sock[?db=N].' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops backup run" h host' -s 'h' -l 'host' -d 'Server hostname (default 127.0.0.1).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops backup run" p port' -s 'p' -l 'port' -d 'Server port (default 6379).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops backup run" s socket' -s 's' -l 'socket' -d 'Server unix socket (overrides host and port).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops backup run" db n' -s 'n' -l 'db' -d 'Database number (default 0).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops backup run" user' -l 'user' -d 'ACL user name (needs a password too).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops backup run" a pass' -s 'a' -l 'pass' -d 'Password. Unsafe: others can read argv; prefer REDISCLI_AUTH or --pass-file.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops backup run" pass-file' -l 'pass-file' -d 'Read the password from this file\'s first line; refused when group- or world-readable.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops backup run" no-auth-warning' -l 'no-auth-warning' -d 'Do not warn about a password given on the command line.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops backup run" connect-timeout' -l 'connect-timeout' -d 'Seconds to wait for the connection.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops backup run" timeout' -l 'timeout' -d 'Seconds to wait for any one reply.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops backup run" dest' -l 'dest' -d 'Backup folder (for example a NAS mount).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops backup run" source' -l 'source' -d 'Where the RDB comes from: bgsave (the server\'s own file) or replication (SYNC, for another host).' -rfka 'bgsave replication'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops backup run" rdb-path' -l 'rdb-path' -d 'The server\'s RDB file, when CONFIG GET is renamed away.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops backup run" prefix' -l 'prefix' -d 'Name prefix of backup files.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops backup run" level' -l 'level' -d 'zstd compression level (1-19).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops backup run" threads' -l 'threads' -d 'zstd worker threads (default: all cores; 0 compresses on the main thread).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops backup run" save-timeout' -l 'save-timeout' -d 'Seconds to wait for the background save.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops backup run" lock-wait' -l 'lock-wait' -d 'Seconds to wait for another run\'s lock (default: fail at once).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops backup run" keep-last' -l 'keep-last' -d 'Retention: keep the newest N backups.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops backup run" keep-daily' -l 'keep-daily' -d 'Retention: keep the newest backup of each of the last N days.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops backup run" keep-weekly' -l 'keep-weekly' -d 'Retention: keep the newest backup of each of the last N ISO weeks.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops backup run" keep-monthly' -l 'keep-monthly' -d 'Retention: keep the newest backup of each of the last N months.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops backup run" dry-run' -l 'dry-run' -d 'Make the backup, but only show what retention would remove.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops backup run" verify' -l 'verify' -d 'Verify the written file before publishing it: shallow (zstd, SHA-256, RDB trailer), deep (plus a full parse; exact key counts in the manifest) or none.' -rfka 'none shallow deep'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops backup run" metrics-file' -l 'metrics-file' -d 'Write Prometheus textfile metrics here (atomically).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops backup run" v verbose' -l 'verbose' -s 'v' -d 'Print what was done on success.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops backup run" version' -l 'version' -d 'Show the version.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops backup run" help' -l 'help' -d 'Show help information.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops backup list" dest' -l 'dest' -d 'Backup folder.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops backup list" prefix' -l 'prefix' -d 'Only backups with this name prefix.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops backup list" json' -l 'json' -d 'JSON output (an array of objects; stable schema, see the README).'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops backup list" version' -l 'version' -d 'Show the version.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops backup list" help' -l 'help' -d 'Show help information.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops verify" dest' -l 'dest' -d 'Backup folder, with --latest or --all.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops verify" latest' -l 'latest' -d 'Verify the newest backup in --dest.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops verify" all' -l 'all' -d 'Verify every backup in --dest.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops verify" deep' -l 'deep' -d 'Also parse every key (structure, not only checksums).'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops verify" q quiet' -l 'quiet' -s 'q' -d 'Quiet: print nothing on success.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops verify" version' -l 'version' -d 'Show the version.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops verify" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops restore" journal' -l 'journal' -d 'Undo a prune: put back what `memops prune` removed, from its journal (instead of a backup).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops restore" u url' -s 'u' -l 'url' -d 'Server URL: redis://[user[:password]@]host[:port][/db] or unix:///path/to/redis.sock[?db=N].' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops restore" h host' -s 'h' -l 'host' -d 'Server hostname (default 127.0.0.1).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops restore" p port' -s 'p' -l 'port' -d 'Server port (default 6379).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops restore" s socket' -s 's' -l 'socket' -d 'Server unix socket (overrides host and port).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops restore" db n' -s 'n' -l 'db' -d 'Database number (default 0).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops restore" user' -l 'user' -d 'ACL user name (needs a password too).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops restore" a pass' -s 'a' -l 'pass' -d 'Password. Unsafe: others can read argv; prefer REDISCLI_AUTH or --pass-file.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops restore" pass-file' -l 'pass-file' -d 'Read the password from this file\'s first line; refused when group- or world-readable.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops restore" no-auth-warning' -l 'no-auth-warning' -d 'Do not warn about a password given on the command line.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops restore" connect-timeout' -l 'connect-timeout' -d 'Seconds to wait for the connection.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops restore" timeout' -l 'timeout' -d 'Seconds to wait for any one reply.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops restore"' -l 'pattern' -d 'Only keys matching this glob (repeatable; KEYS syntax).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops restore"' -l 'key' -d 'Only this key (repeatable).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops restore" target-db' -l 'target-db' -d 'Write every key into this database (default: its own).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops restore" on-conflict' -l 'on-conflict' -d 'When a key exists: skip (counted), replace, or fail before writing anything.' -rfka 'skip replace fail'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops restore" keep-expired' -l 'keep-expired' -d 'Restore keys whose TTL has passed (without a TTL) instead of skipping them.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops restore" functions' -l 'functions' -d 'Function libraries: skip, append (FUNCTION RESTORE APPEND), or replace.' -rfka 'skip append replace'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops restore" dry-run' -l 'dry-run' -d 'Show what would be written (keys, bytes, conflicts, steps) without writing.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops restore" verify' -l 'verify' -d 'Live: how the backup is checked before the first key is written: auto (digest for a backup whose manifest records a checked CRC64, else deep), digest (size and SHA-256 against the manifest: the file is intact, its keys are parsed as they are restored), deep (a full pass first: every key\'s structure and the CRC64), none.' -rfka 'auto digest deep none'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops restore" no-verify' -l 'no-verify' -d 'Live: same as --verify none; damage is then found only after earlier keys (perhaps the damaged one: the CRC64 is checked at the end) were written.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops restore" batch' -l 'batch' -d 'Keys per pipelined batch.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops restore" data-dir' -l 'data-dir' -d 'Offline: restore into this Redis data directory.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops restore" config' -l 'config' -d 'Offline: the server\'s redis.conf (dbfilename, appendonly, appenddirname).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops restore" server-version' -l 'server-version' -d 'Offline: the version of the server that will load DIR (default: from -u, else redis-server --version).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops restore" force' -l 'force' -d 'Offline: restore even though a server seems to run on the directory.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops restore" q quiet' -l 'quiet' -s 'q' -d 'Quiet: no summary on success.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops restore" v verbose' -l 'verbose' -s 'v' -d 'With --dry-run: list every selected key (db, name, type, bytes, action, whether it exists).'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops restore" version' -l 'version' -d 'Show the version.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops restore" help' -l 'help' -d 'Show help information.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops inspect" keys' -l 'keys' -d 'List keys (type, encoding, elements, serialized bytes, TTL) instead of the summary.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops inspect" pattern' -l 'pattern' -d 'With --keys: only keys matching this glob (redis syntax).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops inspect" db' -l 'db' -d 'With --keys: only this database.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops inspect" top' -l 'top' -d 'How many of the biggest keys to show.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops inspect" values' -l 'values' -d 'With --keys: include each key\'s value (elements) in the JSON output.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops inspect" json' -l 'json' -d 'JSON output (stable schema: see the discussion).'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops inspect" version' -l 'version' -d 'Show the version.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops inspect" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops estimate" scenario' -l 'scenario' -d 'A row of the schema\'s table: week, month or year.' -rfka 'week month year'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops estimate" sessions' -l 'sessions' -d 'Sessions.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops estimate" embeddings' -l 'embeddings' -d 'Embeddings.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops estimate" queue' -l 'queue' -d 'learning:queue entries.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops estimate" cache' -l 'cache' -d 'Tool-cache entries.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops estimate" nodes' -l 'nodes' -d 'Cluster nodes.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops estimate" session-size' -l 'session-size' -d 'Calibrated bytes per session (units: 1720, 2kb, 2k).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops estimate" embedding-size' -l 'embedding-size' -d 'Calibrated bytes per embedding.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops estimate" queue-entry-size' -l 'queue-entry-size' -d 'Calibrated bytes per queue entry.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops estimate" cache-size' -l 'cache-size' -d 'Calibrated bytes per cache entry.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops estimate" node-size' -l 'node-size' -d 'Calibrated bytes per node.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops estimate" maxmemory' -l 'maxmemory' -d 'The budget, in Redis units (k=1000, kb=1024, m, mb, g, gb); the default is the schema\'s 8 GB as redis.conf writes it, 8gb = 8 GiB. A live server\'s own maxmemory wins unless it is 0.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops estimate" cow-margin' -l 'cow-margin' -d 'Fraction of maxmemory kept for fork copy-on-write during BGSAVE/AOF rewrite.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops estimate" fragmentation-margin' -l 'fragmentation-margin' -d 'Fraction of maxmemory kept for fragmentation.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops estimate" buffers-margin' -l 'buffers-margin' -d 'Bytes kept for replication/client buffers and the backlog.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops estimate" sessions-per-day' -l 'sessions-per-day' -d 'Sessions created per day.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops estimate" embeddings-per-day' -l 'embeddings-per-day' -d 'Embeddings created per day.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops estimate" queue-per-day' -l 'queue-per-day' -d 'Queue entries added per day.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops estimate" cache-per-day' -l 'cache-per-day' -d 'Cache entries written per day.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops estimate" horizon' -l 'horizon' -d 'Days the projection looks ahead.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops estimate" plot' -l 'plot' -d 'Write the growth projection as an SVG chart.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops estimate" from-backup' -l 'from-backup' -d 'Estimate from a backup (.rdb or .rdb.zst) instead of a server.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops estimate" samples' -l 'samples' -d 'Keys sampled per namespace with MEMORY USAGE (live).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops estimate" json' -l 'json' -d 'Print JSON (fields documented above) instead of tables.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops estimate" schema' -l 'schema' -d 'A JSON schema file replacing the built-in seed schema.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops estimate" u url' -s 'u' -l 'url' -d 'Server URL: redis://[user[:password]@]host[:port][/db] or unix:///path/to/redis.sock[?db=N].' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops estimate" h host' -s 'h' -l 'host' -d 'Server hostname (default 127.0.0.1).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops estimate" p port' -s 'p' -l 'port' -d 'Server port (default 6379).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops estimate" s socket' -s 's' -l 'socket' -d 'Server unix socket (overrides host and port).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops estimate" db n' -s 'n' -l 'db' -d 'Database number (default 0).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops estimate" user' -l 'user' -d 'ACL user name (needs a password too).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops estimate" a pass' -s 'a' -l 'pass' -d 'Password. Unsafe: others can read argv; prefer REDISCLI_AUTH or --pass-file.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops estimate" pass-file' -l 'pass-file' -d 'Read the password from this file\'s first line; refused when group- or world-readable.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops estimate" no-auth-warning' -l 'no-auth-warning' -d 'Do not warn about a password given on the command line.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops estimate" connect-timeout' -l 'connect-timeout' -d 'Seconds to wait for the connection.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops estimate" timeout' -l 'timeout' -d 'Seconds to wait for any one reply.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops estimate" version' -l 'version' -d 'Show the version.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops estimate" help' -l 'help' -d 'Show help information.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops schema" version' -l 'version' -d 'Show the version.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops schema" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'memops' -n '__memops_should_offer_completions_for_positional "memops schema" -eq 1' -fa 'show' -d 'Print the schema: key patterns, types, TTL policies, fields, stream policies, references.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops schema show" json' -l 'json' -d 'Print JSON (the --schema file format).'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops schema show" schema' -l 'schema' -d 'A JSON schema file replacing the built-in seed schema.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops schema show" version' -l 'version' -d 'Show the version.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops schema show" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops audit" u url' -s 'u' -l 'url' -d 'Server URL: redis://[user[:password]@]host[:port][/db] or unix:///path/to/redis.sock[?db=N].' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops audit" h host' -s 'h' -l 'host' -d 'Server hostname (default 127.0.0.1).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops audit" p port' -s 'p' -l 'port' -d 'Server port (default 6379).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops audit" s socket' -s 's' -l 'socket' -d 'Server unix socket (overrides host and port).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops audit" db n' -s 'n' -l 'db' -d 'Database number (default 0).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops audit" user' -l 'user' -d 'ACL user name (needs a password too).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops audit" a pass' -s 'a' -l 'pass' -d 'Password. Unsafe: others can read argv; prefer REDISCLI_AUTH or --pass-file.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops audit" pass-file' -l 'pass-file' -d 'Read the password from this file\'s first line; refused when group- or world-readable.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops audit" no-auth-warning' -l 'no-auth-warning' -d 'Do not warn about a password given on the command line.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops audit" connect-timeout' -l 'connect-timeout' -d 'Seconds to wait for the connection.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops audit" timeout' -l 'timeout' -d 'Seconds to wait for any one reply.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops audit" schema' -l 'schema' -d 'A JSON schema file replacing the built-in seed schema.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops audit" count' -l 'count' -d 'SCAN COUNT and pipeline batch size (small keeps each SCAN short for the server\'s other clients).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops audit" rate' -l 'rate' -d 'At most this many commands per second.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops audit" match' -l 'match' -d 'Audit only keys matching this SCAN glob.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops audit" top' -l 'top' -d 'Biggest keys shown per pattern.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops audit" from-backup' -l 'from-backup' -d 'Audit this backup (.rdb or .rdb.zst) instead of a server.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops audit" format' -l 'format' -d 'Output: text (summary on stdout, findings on stderr), json or sarif (stdout).' -rfka 'text json sarif'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops audit" fail-on' -l 'fail-on' -d 'Exit 1 when a finding is at or above this severity.' -rfka 'error warning info style'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops audit" version' -l 'version' -d 'Show the version.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops audit" help' -l 'help' -d 'Show help information.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops prune" u url' -s 'u' -l 'url' -d 'Server URL: redis://[user[:password]@]host[:port][/db] or unix:///path/to/redis.sock[?db=N].' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops prune" h host' -s 'h' -l 'host' -d 'Server hostname (default 127.0.0.1).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops prune" p port' -s 'p' -l 'port' -d 'Server port (default 6379).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops prune" s socket' -s 's' -l 'socket' -d 'Server unix socket (overrides host and port).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops prune" db n' -s 'n' -l 'db' -d 'Database number (default 0).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops prune" user' -l 'user' -d 'ACL user name (needs a password too).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops prune" a pass' -s 'a' -l 'pass' -d 'Password. Unsafe: others can read argv; prefer REDISCLI_AUTH or --pass-file.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops prune" pass-file' -l 'pass-file' -d 'Read the password from this file\'s first line; refused when group- or world-readable.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops prune" no-auth-warning' -l 'no-auth-warning' -d 'Do not warn about a password given on the command line.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops prune" connect-timeout' -l 'connect-timeout' -d 'Seconds to wait for the connection.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops prune" timeout' -l 'timeout' -d 'Seconds to wait for any one reply.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops prune" schema' -l 'schema' -d 'A JSON schema file replacing the built-in seed schema.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops prune" orphans' -l 'orphans' -d 'Remove index members whose key does not exist.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops prune" expired-policy' -l 'expired-policy' -d 'Remove keys breaking their TTL policy (or fix them with --fix-ttl).'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops prune" fix-ttl' -l 'fix-ttl' -d 'With --expired-policy: apply the policy\'s TTL instead of removing.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops prune" older-than' -l 'older-than' -d 'Entities older than this by index score: 90s, 30m, 12h, 30d.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops prune" namespace' -l 'namespace' -d 'With --older-than: the entity namespace (e.g. embedding).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops prune" pattern' -l 'pattern' -d 'Remove every key matching this SCAN glob.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops prune" trim-streams' -l 'trim-streams' -d 'XTRIM streams to their policy.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops prune" yes' -l 'yes' -d 'Act. Without it, only print what would change.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops prune" journal' -l 'journal' -d 'Journal file for the undo (created, never overwritten).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops prune" no-journal' -l 'no-journal' -d 'Act without a journal (no undo).'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops prune" undo' -l 'undo' -d 'Undo a prune from its journal, then exit.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops prune" replace' -l 'replace' -d 'With --undo: overwrite keys written since the prune.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops prune" count' -l 'count' -d 'SCAN COUNT and pipeline batch size.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops prune" rate' -l 'rate' -d 'At most this many commands per second.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops prune" v verbose' -l 'verbose' -s 'v' -d 'List every planned change (default: the first 20).'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops prune" version' -l 'version' -d 'Show the version.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops prune" help' -l 'help' -d 'Show help information.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops config" version' -l 'version' -d 'Show the version.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops config" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'memops' -n '__memops_should_offer_completions_for_positional "memops config" -eq 1' -fa 'lint' -d 'Lint redis.conf files, or a running server\'s configuration (-u).'
complete -c 'memops' -n '__memops_should_offer_completions_for_positional "memops config" -eq 1' -fa 'rules' -d 'List the config lint rules (id, default severity, title).'
complete -c 'memops' -n '__memops_should_offer_completions_for_positional "memops config" -eq 1' -fa 'explain' -d 'Explain one config lint rule: what it checks, why it matters, how to fix it.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops config lint" u url' -s 'u' -l 'url' -d 'Server URL: redis://[user[:password]@]host[:port][/db] or unix:///path/to/redis.sock[?db=N].' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops config lint" h host' -s 'h' -l 'host' -d 'Server hostname (default 127.0.0.1).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops config lint" p port' -s 'p' -l 'port' -d 'Server port (default 6379).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops config lint" s socket' -s 's' -l 'socket' -d 'Server unix socket (overrides host and port).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops config lint" db n' -s 'n' -l 'db' -d 'Database number (default 0).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops config lint" user' -l 'user' -d 'ACL user name (needs a password too).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops config lint" a pass' -s 'a' -l 'pass' -d 'Password. Unsafe: others can read argv; prefer REDISCLI_AUTH or --pass-file.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops config lint" pass-file' -l 'pass-file' -d 'Read the password from this file\'s first line; refused when group- or world-readable.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops config lint" no-auth-warning' -l 'no-auth-warning' -d 'Do not warn about a password given on the command line.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops config lint" connect-timeout' -l 'connect-timeout' -d 'Seconds to wait for the connection.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops config lint" timeout' -l 'timeout' -d 'Seconds to wait for any one reply.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops config lint" schema' -l 'schema' -d 'A JSON schema file replacing the built-in seed schema.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops config lint" format' -l 'format' -d 'Output: text (compiler-style, to stderr), json or sarif (to stdout).' -rfka 'text json sarif'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops config lint" severity' -l 'severity' -d 'Show findings at or above this severity: error, warning, info, style.' -rfka 'error warning info style'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops config lint" fail-on' -l 'fail-on' -d 'Exit 1 when a shown finding is at or above this severity.' -rfka 'error warning info style'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops config lint"' -l 'enable' -d 'Turn on a rule that is off by default (repeatable, comma-separated).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops config lint"' -l 'disable' -d 'Turn a rule off (repeatable, comma-separated).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops config lint" target-version' -l 'target-version' -d 'Redis version to check against: 6.2, 7.0, 7.2, 7.4, 8.0, or valkey-8.0 (default: the server\'s with -u, else 7.0).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops config lint" no-host-checks' -l 'no-host-checks' -d 'Do not look at this machine (paths, vm.overcommit_memory, transparent huge pages, RAM).'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops config lint" drift' -l 'drift' -d 'With a server: also report where its running configuration differs from this file.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops config lint" version' -l 'version' -d 'Show the version.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops config lint" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops config rules" version' -l 'version' -d 'Show the version.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops config rules" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops config explain" version' -l 'version' -d 'Show the version.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops config explain" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops sample-data" scenario' -l 'scenario' -d 'A scenario from the schema\'s table: week, month or year (default week when no count is given).' -rfka 'week month year'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops sample-data" scale' -l 'scale' -d 'Multiply every count but nodes by this fraction, e.g. 0.01.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops sample-data" sessions' -l 'sessions' -d 'Sessions.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops sample-data" embeddings' -l 'embeddings' -d 'Embeddings.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops sample-data" queue' -l 'queue' -d 'learning:queue entries.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops sample-data" cache' -l 'cache' -d 'Tool-cache entries.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops sample-data" nodes' -l 'nodes' -d 'Cluster nodes (each with a heartbeat and an active model).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops sample-data" events' -l 'events' -d 'events:log entries.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops sample-data" days' -l 'days' -d 'Days the timestamps spread over (default: the scenario\'s period, or 7).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops sample-data" seed' -l 'seed' -d 'Seed for every random choice.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops sample-data" now' -l 'now' -d 'The end of the period as unix seconds (default: the current time); fix it for identical output.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops sample-data" trim-queue' -l 'trim-queue' -d 'Keep only the newest 100,000 learning:queue entries, as the schema\'s XTRIM MAXLEN ~ 100000 would.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops sample-data" queue-maxlen' -l 'queue-maxlen' -d 'Keep only the newest N learning:queue entries.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops sample-data"' -l 'inject' -d 'Inject N faults of KIND (repeatable).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops sample-data" faults-file' -l 'faults-file' -d 'Write the injected faults to this file, one per line.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops sample-data" resp' -l 'resp' -d 'Write RESP to stdout (for redis-cli --pipe) instead of loading into a server.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops sample-data" heartbeats-only' -l 'heartbeats-only' -d 'Write only the nodes\' heartbeats (they expire 30 s after a load, as with no node beating); the same options as the load.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops sample-data" flush' -l 'flush' -d 'Empty the target database (FLUSHDB) before loading.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops sample-data" merge' -l 'merge' -d 'Load into a database that already holds keys, adding to them.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops sample-data" batch' -l 'batch' -d 'Commands per pipelined batch when loading.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops sample-data" q quiet' -s 'q' -l 'quiet' -d 'Print nothing on success.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops sample-data" v verbose' -s 'v' -l 'verbose' -d 'Also print the keys per schema pattern and the injected faults.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops sample-data" schema' -l 'schema' -d 'A JSON schema file replacing the built-in seed schema.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops sample-data" u url' -s 'u' -l 'url' -d 'Server URL: redis://[user[:password]@]host[:port][/db] or unix:///path/to/redis.sock[?db=N].' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops sample-data" h host' -s 'h' -l 'host' -d 'Server hostname (default 127.0.0.1).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops sample-data" p port' -s 'p' -l 'port' -d 'Server port (default 6379).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops sample-data" s socket' -s 's' -l 'socket' -d 'Server unix socket (overrides host and port).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops sample-data" db n' -s 'n' -l 'db' -d 'Database number (default 0).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops sample-data" user' -l 'user' -d 'ACL user name (needs a password too).' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops sample-data" a pass' -s 'a' -l 'pass' -d 'Password. Unsafe: others can read argv; prefer REDISCLI_AUTH or --pass-file.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops sample-data" pass-file' -l 'pass-file' -d 'Read the password from this file\'s first line; refused when group- or world-readable.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops sample-data" no-auth-warning' -l 'no-auth-warning' -d 'Do not warn about a password given on the command line.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops sample-data" connect-timeout' -l 'connect-timeout' -d 'Seconds to wait for the connection.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops sample-data" timeout' -l 'timeout' -d 'Seconds to wait for any one reply.' -rfka ''
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops sample-data" version' -l 'version' -d 'Show the version.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops sample-data" help' -l 'help' -d 'Show help information.'
complete -c 'memops' -n '__memops_should_offer_completions_for_flags_or_options "memops help" version' -l 'version' -d 'Show the version.'
