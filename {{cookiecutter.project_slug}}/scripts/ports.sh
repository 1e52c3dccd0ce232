#!/bin/sh
# Runs a command that publishes ports on 127.0.0.1 (`make up`, `run`, `watch`,
# `debug`, `prod`) and, when one of them is taken on this machine, adds one
# line naming the setting that picks another (in .env, or the environment).
#
#   sh scripts/ports.sh NAME:DEFAULT... -- COMMAND [ARGS...]
#
# NAME:DEFAULT: the settings whose ports the command publishes (DEBUG_PORT:5678).
set -u
settings=""
while [ $# -gt 0 ] && [ "$1" != -- ]; do
    settings="$settings $1"
    shift
done
shift
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# The command's stderr goes to the terminal and to a log, through tee (-i:
# Ctrl-C is the command's to handle, and this script waits for its status).
mkfifo "$dir/fifo"
tee -i "$dir/log" <"$dir/fifo" >&2 &
trap : INT
"$@" 2>"$dir/fifo"
status=$?
wait

taken=$(sed -En 's/.*127\.0\.0\.1:([0-9]+).*(port is already allocated|address already in use).*/\1/p' "$dir/log" | head -n 1)
if [ "$status" != 0 ] && [ -n "$taken" ]; then
    for setting in $settings; do
        if [ "$(sh scripts/dev-env.sh get "${setting%:*}" "${setting#*:}")" = "$taken" ]; then
            echo "port $taken on 127.0.0.1 is taken: set ${setting%:*}=<another port> in .env" >&2
        fi
    done
fi
exit "$status"
