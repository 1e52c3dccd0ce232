#!/bin/sh
# Runs a command that publishes ports on 127.0.0.1 (`make up`, `run`, `watch`,
# `debug`, `prod`) and, when one of them is taken on this machine, adds one
# line naming the setting that picks another: APP_PORT for the app's port,
# DEBUG_PORT for the debugger's (in .env, or the environment).
#
#   sh scripts/ports.sh COMMAND [ARGS...]
set -u
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
log=$dir/stderr

# The command's stderr goes to the terminal and to the log, through tee (-i:
# Ctrl-C is the command's to handle, and this script waits for its status).
mkfifo "$dir/fifo"
tee -i "$log" <"$dir/fifo" >&2 &
trap : INT
"$@" 2>"$dir/fifo"
status=$?
wait

taken=$(sed -En 's/.*127\.0\.0\.1:([0-9]+).*(port is already allocated|address already in use).*/\1/p' "$log" | head -n 1)
if [ "$status" != 0 ] && [ -n "$taken" ]; then
    echo "port $taken on 127.0.0.1 is taken: set APP_PORT=<another port> in .env for the app," \
        "DEBUG_PORT=<another port> for the debugger" >&2
fi
exit "$status"
