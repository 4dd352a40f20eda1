# Shared by scripts/demo, scripts/test and the benchmarks: throwaway redis-servers on loopback.
# shellcheck shell=bash

export PATH="/opt/swift/usr/bin:$PATH"

# free_port: prints a TCP port on 127.0.0.1 that nothing listens on (never 6379).
free_port() {
    local port
    while :; do
        port=$((20000 + RANDOM % 40000))
        [ "$port" = 6379 ] && continue
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return
        fi
    done
}

# median "X Y Z": the median of whitespace-separated numbers, with two decimals (benchmarks
# run each tool a few times, interleaved, and compare medians).
median() {
    python3 -c "import sys, statistics; print(f'{statistics.median(float(x) for x in sys.argv[1:]):.2f}')" $1
}

# start_redis DIR [redis-server options…]: starts a server on a free port with DIR as its
# working directory, waits for PING, and sets REDIS_PORT and REDIS_PID.
start_redis() {
    local dir=$1
    shift
    mkdir -p "$dir"
    REDIS_PORT=$(free_port)
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$dir" --daemonize no \
        --logfile "$dir/server.log" --save "" --appendonly no "$@" &
    REDIS_PID=$!
    for _ in $(seq 1 200); do
        redis-cli -p "$REDIS_PORT" PING >/dev/null 2>&1 && return 0
        sleep 0.05
    done
    echo "could not start redis-server in $dir (see $dir/server.log)" >&2
    return 1
}
