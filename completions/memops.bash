#!/bin/bash

__memops_cursor_index_in_current_word() {
    local remaining="${COMP_LINE}"

    local word
    for word in "${COMP_WORDS[@]::COMP_CWORD}"; do
        remaining="${remaining##*([[:space:]])"${word}"*([[:space:]])}"
    done

    local -ir index="$((COMP_POINT - ${#COMP_LINE} + ${#remaining}))"
    if [[ "${index}" -le 0 ]]; then
        printf 0
    else
        printf %s "${index}"
    fi
}

# positional arguments:
#
# - 1: the current (sub)command's count of positional arguments
#
# required variables:
#
# - repeating_flags: the repeating flags that the current (sub)command can accept
# - non_repeating_flags: the non-repeating flags that the current (sub)command can accept
# - repeating_options: the repeating options that the current (sub)command can accept
# - non_repeating_options: the non-repeating options that the current (sub)command can accept
# - positional_number: value ignored
# - unparsed_words: unparsed words from the current command line
#
# modified variables:
#
# - non_repeating_flags: remove flags for this (sub)command that are already on the command line
# - non_repeating_options: remove options for this (sub)command that are already on the command line
# - positional_number: set to the current positional number
# - unparsed_words: remove all flags, options, and option values for this (sub)command
__memops_offer_flags_options() {
    local -ir positional_count="${1}"
    positional_number=0

    local was_flag_option_terminator_seen=false
    local is_parsing_option_value=false

    local -ar unparsed_word_indices=("${!unparsed_words[@]}")
    local -i word_index
    for word_index in "${unparsed_word_indices[@]}"; do
        if "${is_parsing_option_value}"; then
            # This word is an option value:
            # Reset marker for next word iff not currently the last word
            [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]] && is_parsing_option_value=false
            unset "unparsed_words[${word_index}]"
            # Do not process this word as a flag or an option
            continue
        fi

        local word="${unparsed_words["${word_index}"]}"
        if ! "${was_flag_option_terminator_seen}"; then
            case "${word}" in
            --)
                unset "unparsed_words[${word_index}]"
                # by itself -- is a flag/option terminator, but if it is the last word, it is the start of a completion
                if [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]]; then
                    was_flag_option_terminator_seen=true
                fi
                continue
                ;;
            -*)
                # ${word} is a flag or an option
                # If ${word} is an option, mark that the next word to be parsed is an option value
                local option
                for option in "${repeating_options[@]}" "${non_repeating_options[@]}"; do
                    [[ "${word}" = "${option}" ]] && is_parsing_option_value=true && break
                done

                # Remove ${word} from ${non_repeating_flags} or ${non_repeating_options} so it isn't offered again
                local not_found=true
                local -i index
                for index in "${!non_repeating_flags[@]}"; do
                    if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                        unset "non_repeating_flags[${index}]"
                        non_repeating_flags=("${non_repeating_flags[@]}")
                        not_found=false
                        break
                    fi
                done
                if "${not_found}"; then
                    for index in "${!non_repeating_flags[@]}"; do
                        if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                            unset "non_repeating_flags[${index}]"
                            non_repeating_flags=("${non_repeating_flags[@]}")
                            break
                        fi
                    done
                fi
                unset "unparsed_words[${word_index}]"
                continue
                ;;
            esac
        fi

        # ${word} is neither a flag, nor an option, nor an option value
        if [[ "${positional_number}" -lt "${positional_count}" || "${positional_count}" -lt 0 ]]; then
            # ${word} is a positional
            ((positional_number++))
            unset "unparsed_words[${word_index}]"
        else
            if [[ -z "${word}" ]]; then
                # Could be completing a flag, option, or subcommand
                positional_number=-1
            else
                # ${word} is a subcommand or invalid, so stop processing this (sub)command
                positional_number=-2
            fi
            break
        fi
    done

    unparsed_words=("${unparsed_words[@]}")

    if\
        ! "${was_flag_option_terminator_seen}"\
        && ! "${is_parsing_option_value}"\
        && [[ ("${cur}" = -* && "${positional_number}" -ge 0) || "${positional_number}" -eq -1 ]]
    then
        COMPREPLY+=($(compgen -W "${repeating_flags[*]} ${non_repeating_flags[*]} ${repeating_options[*]} ${non_repeating_options[*]}" -- "${cur}"))
    fi
}

__memops_add_completions() {
    local completion
    while IFS='' read -r completion; do
        COMPREPLY+=("${completion}")
    done < <(IFS=$'\n' compgen "${@}" -- "${cur}")
}

__memops_custom_complete() {
    if [[ -n "${cur}" || -z ${COMP_WORDS[${COMP_CWORD}]} || "${COMP_LINE:${COMP_POINT}:1}" != ' ' ]]; then
        local -ar words=("${COMP_WORDS[@]}")
    else
        local -ar words=("${COMP_WORDS[@]::${COMP_CWORD}}" '' "${COMP_WORDS[@]:${COMP_CWORD}}")
    fi

    "${COMP_WORDS[0]}" "${@}" "${words[@]}"
}

_memops() {
    local state
    state="$(shopt -p;shopt -po)"
    trap "${state//$'\n'/;}" RETURN
    shopt -s extglob
    set +o history +o posix

    local -xr SAP_SHELL=bash
    local -x SAP_SHELL_VERSION
    SAP_SHELL_VERSION="$(IFS='.';printf %s "${BASH_VERSINFO[*]}")"
    local -r SAP_SHELL_VERSION

    local -r cur="${2}"
    local -r prev="${3}"

    local -i positional_number
    local -a unparsed_words=("${COMP_WORDS[@]:1:${COMP_CWORD}}")

    local -a repeating_flags=()
    local -a non_repeating_flags=(--version -h --help)
    local -a repeating_options=()
    local -a non_repeating_options=()
    __memops_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    backup|verify|restore|inspect|estimate|schema|audit|prune|config|sample-data|acl|help)
        # Offer subcommand argument completions
        "_memops_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'backup verify restore inspect estimate schema audit prune config sample-data acl help' -- "${cur}"))
        ;;
    esac
}

_memops_backup() {
    repeating_flags=()
    non_repeating_flags=(--version --help)
    repeating_options=()
    non_repeating_options=()
    __memops_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    run|list)
        # Offer subcommand argument completions
        "_memops_backup_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'run list' -- "${cur}"))
        ;;
    esac
}

_memops_backup_run() {
    repeating_flags=()
    non_repeating_flags=(--no-auth-warning --node-only --tls --insecure --dry-run --consistent --prefer-replica --no-prefer-replica --verbose -v --version --help)
    repeating_options=(--sentinel)
    non_repeating_options=(-u --url -h --host -p --port -s --socket -n --db --user -a --pass --pass-file --connect-timeout --timeout --master-name --sentinel-user --sentinel-pass-file --sni --cacert --cacertdir --cert --key --tls-ciphers --tls-ciphersuites --dest --source --rdb-path --prefix --level --threads --save-timeout --lock-wait --keep-last --keep-daily --keep-weekly --keep-monthly --parallel --verify --metrics-file)
    __memops_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '-u'|'--url')
        return
        ;;
    '-h'|'--host')
        return
        ;;
    '-p'|'--port')
        return
        ;;
    '-s'|'--socket')
        return
        ;;
    '-n'|'--db')
        return
        ;;
    '--user')
        return
        ;;
    '-a'|'--pass')
        return
        ;;
    '--pass-file')
        return
        ;;
    '--connect-timeout')
        return
        ;;
    '--timeout')
        return
        ;;
    '--sentinel')
        return
        ;;
    '--master-name')
        return
        ;;
    '--sentinel-user')
        return
        ;;
    '--sentinel-pass-file')
        return
        ;;
    '--sni')
        return
        ;;
    '--cacert')
        return
        ;;
    '--cacertdir')
        return
        ;;
    '--cert')
        return
        ;;
    '--key')
        return
        ;;
    '--tls-ciphers')
        return
        ;;
    '--tls-ciphersuites')
        return
        ;;
    '--dest')
        return
        ;;
    '--source')
        __memops_add_completions -W 'bgsave'$'\n''replication'
        return
        ;;
    '--rdb-path')
        return
        ;;
    '--prefix')
        return
        ;;
    '--level')
        return
        ;;
    '--threads')
        return
        ;;
    '--save-timeout')
        return
        ;;
    '--lock-wait')
        return
        ;;
    '--keep-last')
        return
        ;;
    '--keep-daily')
        return
        ;;
    '--keep-weekly')
        return
        ;;
    '--keep-monthly')
        return
        ;;
    '--parallel')
        return
        ;;
    '--verify')
        __memops_add_completions -W 'none'$'\n''shallow'$'\n''deep'
        return
        ;;
    '--metrics-file')
        return
        ;;
    esac
}

_memops_backup_list() {
    repeating_flags=()
    non_repeating_flags=(--json --version --help)
    repeating_options=()
    non_repeating_options=(--dest --prefix)
    __memops_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--dest')
        return
        ;;
    '--prefix')
        return
        ;;
    esac
}

_memops_verify() {
    repeating_flags=()
    non_repeating_flags=(--latest --all --deep --quiet -q --version -h --help)
    repeating_options=()
    non_repeating_options=(--dest)
    __memops_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--dest')
        return
        ;;
    esac
}

_memops_restore() {
    repeating_flags=()
    non_repeating_flags=(--no-auth-warning --node-only --tls --insecure --keep-expired --dry-run --no-verify --force --quiet -q --verbose -v --version --help)
    repeating_options=(--sentinel --pattern --only-key --data-dir)
    non_repeating_options=(--journal -u --url -h --host -p --port -s --socket -n --db --user -a --pass --pass-file --connect-timeout --timeout --master-name --sentinel-user --sentinel-pass-file --sni --cacert --cacertdir --cert --key --tls-ciphers --tls-ciphersuites --target-db --on-conflict --functions --verify --batch --config --server-version)
    __memops_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--journal')
        return
        ;;
    '-u'|'--url')
        return
        ;;
    '-h'|'--host')
        return
        ;;
    '-p'|'--port')
        return
        ;;
    '-s'|'--socket')
        return
        ;;
    '-n'|'--db')
        return
        ;;
    '--user')
        return
        ;;
    '-a'|'--pass')
        return
        ;;
    '--pass-file')
        return
        ;;
    '--connect-timeout')
        return
        ;;
    '--timeout')
        return
        ;;
    '--sentinel')
        return
        ;;
    '--master-name')
        return
        ;;
    '--sentinel-user')
        return
        ;;
    '--sentinel-pass-file')
        return
        ;;
    '--sni')
        return
        ;;
    '--cacert')
        return
        ;;
    '--cacertdir')
        return
        ;;
    '--cert')
        return
        ;;
    '--key')
        return
        ;;
    '--tls-ciphers')
        return
        ;;
    '--tls-ciphersuites')
        return
        ;;
    '--pattern')
        return
        ;;
    '--only-key')
        return
        ;;
    '--target-db')
        return
        ;;
    '--on-conflict')
        __memops_add_completions -W 'skip'$'\n''replace'$'\n''fail'
        return
        ;;
    '--functions')
        __memops_add_completions -W 'skip'$'\n''append'$'\n''replace'
        return
        ;;
    '--verify')
        __memops_add_completions -W 'auto'$'\n''digest'$'\n''deep'$'\n''none'
        return
        ;;
    '--batch')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--config')
        return
        ;;
    '--server-version')
        return
        ;;
    esac
}

_memops_inspect() {
    repeating_flags=()
    non_repeating_flags=(--keys --values --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--pattern --db --top)
    __memops_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--pattern')
        return
        ;;
    '--db')
        return
        ;;
    '--top')
        return
        ;;
    esac
}

_memops_estimate() {
    repeating_flags=()
    non_repeating_flags=(--json --no-auth-warning --node-only --tls --insecure --version --help)
    repeating_options=(--sentinel)
    non_repeating_options=(--scenario --sessions --embeddings --queue --cache --nodes --session-size --embedding-size --queue-entry-size --cache-size --node-size --maxmemory --cow-margin --fragmentation-margin --buffers-margin --sessions-per-day --embeddings-per-day --queue-per-day --cache-per-day --horizon --plot --from-backup --samples --schema -u --url -h --host -p --port -s --socket -n --db --user -a --pass --pass-file --connect-timeout --timeout --master-name --sentinel-user --sentinel-pass-file --sni --cacert --cacertdir --cert --key --tls-ciphers --tls-ciphersuites)
    __memops_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--scenario')
        __memops_add_completions -W 'week'$'\n''month'$'\n''year'
        return
        ;;
    '--sessions')
        return
        ;;
    '--embeddings')
        return
        ;;
    '--queue')
        return
        ;;
    '--cache')
        return
        ;;
    '--nodes')
        return
        ;;
    '--session-size')
        return
        ;;
    '--embedding-size')
        return
        ;;
    '--queue-entry-size')
        return
        ;;
    '--cache-size')
        return
        ;;
    '--node-size')
        return
        ;;
    '--maxmemory')
        return
        ;;
    '--cow-margin')
        return
        ;;
    '--fragmentation-margin')
        return
        ;;
    '--buffers-margin')
        return
        ;;
    '--sessions-per-day')
        return
        ;;
    '--embeddings-per-day')
        return
        ;;
    '--queue-per-day')
        return
        ;;
    '--cache-per-day')
        return
        ;;
    '--horizon')
        return
        ;;
    '--plot')
        return
        ;;
    '--from-backup')
        return
        ;;
    '--samples')
        return
        ;;
    '--schema')
        return
        ;;
    '-u'|'--url')
        return
        ;;
    '-h'|'--host')
        return
        ;;
    '-p'|'--port')
        return
        ;;
    '-s'|'--socket')
        return
        ;;
    '-n'|'--db')
        return
        ;;
    '--user')
        return
        ;;
    '-a'|'--pass')
        return
        ;;
    '--pass-file')
        return
        ;;
    '--connect-timeout')
        return
        ;;
    '--timeout')
        return
        ;;
    '--sentinel')
        return
        ;;
    '--master-name')
        return
        ;;
    '--sentinel-user')
        return
        ;;
    '--sentinel-pass-file')
        return
        ;;
    '--sni')
        return
        ;;
    '--cacert')
        return
        ;;
    '--cacertdir')
        return
        ;;
    '--cert')
        return
        ;;
    '--key')
        return
        ;;
    '--tls-ciphers')
        return
        ;;
    '--tls-ciphersuites')
        return
        ;;
    esac
}

_memops_schema() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __memops_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    show)
        # Offer subcommand argument completions
        "_memops_schema_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'show' -- "${cur}"))
        ;;
    esac
}

_memops_schema_show() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--schema)
    __memops_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--schema')
        return
        ;;
    esac
}

_memops_audit() {
    repeating_flags=()
    non_repeating_flags=(--no-auth-warning --node-only --tls --insecure --version --help)
    repeating_options=(--sentinel)
    non_repeating_options=(-u --url -h --host -p --port -s --socket -n --db --user -a --pass --pass-file --connect-timeout --timeout --master-name --sentinel-user --sentinel-pass-file --sni --cacert --cacertdir --cert --key --tls-ciphers --tls-ciphersuites --schema --count --rate --match --top --from-backup --format --fail-on)
    __memops_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '-u'|'--url')
        return
        ;;
    '-h'|'--host')
        return
        ;;
    '-p'|'--port')
        return
        ;;
    '-s'|'--socket')
        return
        ;;
    '-n'|'--db')
        return
        ;;
    '--user')
        return
        ;;
    '-a'|'--pass')
        return
        ;;
    '--pass-file')
        return
        ;;
    '--connect-timeout')
        return
        ;;
    '--timeout')
        return
        ;;
    '--sentinel')
        return
        ;;
    '--master-name')
        return
        ;;
    '--sentinel-user')
        return
        ;;
    '--sentinel-pass-file')
        return
        ;;
    '--sni')
        return
        ;;
    '--cacert')
        return
        ;;
    '--cacertdir')
        return
        ;;
    '--cert')
        return
        ;;
    '--key')
        return
        ;;
    '--tls-ciphers')
        return
        ;;
    '--tls-ciphersuites')
        return
        ;;
    '--schema')
        return
        ;;
    '--count')
        return
        ;;
    '--rate')
        return
        ;;
    '--match')
        return
        ;;
    '--top')
        return
        ;;
    '--from-backup')
        return
        ;;
    '--format')
        __memops_add_completions -W 'text'$'\n''json'$'\n''sarif'
        return
        ;;
    '--fail-on')
        __memops_add_completions -W 'error'$'\n''warning'$'\n''info'$'\n''style'
        return
        ;;
    esac
}

_memops_prune() {
    repeating_flags=()
    non_repeating_flags=(--no-auth-warning --node-only --tls --insecure --orphans --expired-policy --fix-ttl --trim-streams --yes --no-journal --replace --verbose -v --version --help)
    repeating_options=(--sentinel)
    non_repeating_options=(-u --url -h --host -p --port -s --socket -n --db --user -a --pass --pass-file --connect-timeout --timeout --master-name --sentinel-user --sentinel-pass-file --sni --cacert --cacertdir --cert --key --tls-ciphers --tls-ciphersuites --schema --older-than --namespace --pattern --journal --undo --count --rate)
    __memops_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '-u'|'--url')
        return
        ;;
    '-h'|'--host')
        return
        ;;
    '-p'|'--port')
        return
        ;;
    '-s'|'--socket')
        return
        ;;
    '-n'|'--db')
        return
        ;;
    '--user')
        return
        ;;
    '-a'|'--pass')
        return
        ;;
    '--pass-file')
        return
        ;;
    '--connect-timeout')
        return
        ;;
    '--timeout')
        return
        ;;
    '--sentinel')
        return
        ;;
    '--master-name')
        return
        ;;
    '--sentinel-user')
        return
        ;;
    '--sentinel-pass-file')
        return
        ;;
    '--sni')
        return
        ;;
    '--cacert')
        return
        ;;
    '--cacertdir')
        return
        ;;
    '--cert')
        return
        ;;
    '--key')
        return
        ;;
    '--tls-ciphers')
        return
        ;;
    '--tls-ciphersuites')
        return
        ;;
    '--schema')
        return
        ;;
    '--older-than')
        return
        ;;
    '--namespace')
        return
        ;;
    '--pattern')
        return
        ;;
    '--journal')
        return
        ;;
    '--undo')
        return
        ;;
    '--count')
        return
        ;;
    '--rate')
        return
        ;;
    esac
}

_memops_config() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __memops_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    lint|rules|explain)
        # Offer subcommand argument completions
        "_memops_config_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'lint rules explain' -- "${cur}"))
        ;;
    esac
}

_memops_config_lint() {
    repeating_flags=()
    non_repeating_flags=(--no-auth-warning --node-only --tls --insecure --no-host-checks --version -h --help)
    repeating_options=(--sentinel --enable --disable)
    non_repeating_options=(-u --url -h --host -p --port -s --socket -n --db --user -a --pass --pass-file --connect-timeout --timeout --master-name --sentinel-user --sentinel-pass-file --sni --cacert --cacertdir --cert --key --tls-ciphers --tls-ciphersuites --schema --format --severity --fail-on --target-version --drift)
    __memops_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '-u'|'--url')
        return
        ;;
    '-h'|'--host')
        return
        ;;
    '-p'|'--port')
        return
        ;;
    '-s'|'--socket')
        return
        ;;
    '-n'|'--db')
        return
        ;;
    '--user')
        return
        ;;
    '-a'|'--pass')
        return
        ;;
    '--pass-file')
        return
        ;;
    '--connect-timeout')
        return
        ;;
    '--timeout')
        return
        ;;
    '--sentinel')
        return
        ;;
    '--master-name')
        return
        ;;
    '--sentinel-user')
        return
        ;;
    '--sentinel-pass-file')
        return
        ;;
    '--sni')
        return
        ;;
    '--cacert')
        return
        ;;
    '--cacertdir')
        return
        ;;
    '--cert')
        return
        ;;
    '--key')
        return
        ;;
    '--tls-ciphers')
        return
        ;;
    '--tls-ciphersuites')
        return
        ;;
    '--schema')
        return
        ;;
    '--format')
        __memops_add_completions -W 'text'$'\n''json'$'\n''sarif'
        return
        ;;
    '--severity')
        __memops_add_completions -W 'error'$'\n''warning'$'\n''info'$'\n''style'
        return
        ;;
    '--fail-on')
        __memops_add_completions -W 'error'$'\n''warning'$'\n''info'$'\n''style'
        return
        ;;
    '--enable')
        return
        ;;
    '--disable')
        return
        ;;
    '--target-version')
        return
        ;;
    '--drift')
        return
        ;;
    esac
}

_memops_config_rules() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __memops_offer_flags_options 0
}

_memops_config_explain() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __memops_offer_flags_options 1
}

_memops_sample-data() {
    repeating_flags=()
    non_repeating_flags=(--trim-queue --resp --heartbeats-only --flush --merge -q --quiet -v --verbose --no-auth-warning --node-only --tls --insecure --version --help)
    repeating_options=(--inject --sentinel)
    non_repeating_options=(--scenario --scale --sessions --embeddings --queue --cache --nodes --events --days --seed --now --queue-maxlen --faults-file --batch --schema -u --url -h --host -p --port -s --socket -n --db --user -a --pass --pass-file --connect-timeout --timeout --master-name --sentinel-user --sentinel-pass-file --sni --cacert --cacertdir --cert --key --tls-ciphers --tls-ciphersuites)
    __memops_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--scenario')
        __memops_add_completions -W 'week'$'\n''month'$'\n''year'
        return
        ;;
    '--scale')
        return
        ;;
    '--sessions')
        return
        ;;
    '--embeddings')
        return
        ;;
    '--queue')
        return
        ;;
    '--cache')
        return
        ;;
    '--nodes')
        return
        ;;
    '--events')
        return
        ;;
    '--days')
        return
        ;;
    '--seed')
        return
        ;;
    '--now')
        return
        ;;
    '--queue-maxlen')
        return
        ;;
    '--inject')
        return
        ;;
    '--faults-file')
        return
        ;;
    '--batch')
        return
        ;;
    '--schema')
        return
        ;;
    '-u'|'--url')
        return
        ;;
    '-h'|'--host')
        return
        ;;
    '-p'|'--port')
        return
        ;;
    '-s'|'--socket')
        return
        ;;
    '-n'|'--db')
        return
        ;;
    '--user')
        return
        ;;
    '-a'|'--pass')
        return
        ;;
    '--pass-file')
        return
        ;;
    '--connect-timeout')
        return
        ;;
    '--timeout')
        return
        ;;
    '--sentinel')
        return
        ;;
    '--master-name')
        return
        ;;
    '--sentinel-user')
        return
        ;;
    '--sentinel-pass-file')
        return
        ;;
    '--sni')
        return
        ;;
    '--cacert')
        return
        ;;
    '--cacertdir')
        return
        ;;
    '--cert')
        return
        ;;
    '--key')
        return
        ;;
    '--tls-ciphers')
        return
        ;;
    '--tls-ciphersuites')
        return
        ;;
    esac
}

_memops_acl() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--user --schema --topology)
    __memops_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--user')
        return
        ;;
    '--schema')
        return
        ;;
    '--topology')
        __memops_add_completions -W 'standalone'$'\n''cluster'$'\n''sentinel'
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    *)
        __memops_add_completions -W 'backup'$'\n''backup-replication'$'\n''audit'$'\n''estimate'$'\n''prune'$'\n''prune-undo'$'\n''restore'$'\n''config-lint'$'\n''sample-data'
        return
        ;;
    esac
}

_memops_help() {
    repeating_flags=()
    non_repeating_flags=(--version)
    repeating_options=()
    non_repeating_options=()
    __memops_offer_flags_options -1
}

complete -o filenames -F _memops memops
