#!/bin/sh
# `make debug` and `make debug-test`: run a Python module in a one-off container
# of SERVICE under debugpy, which waits until your editor attaches
# (.vscode/launch.json) on DEBUG_PORT (5678), published on 127.0.0.1 only; a
# port that is taken is named in one line (scripts/ports.sh).
# Frozen standard-library modules are off, so the debugger sees all of them.
#
# --app-port PORT also publishes the app's PORT on APP_PORT (default PORT).
#
#   sh scripts/debug.sh SERVICE [--app-port PORT] -- -m MODULE [ARGS]
set -eu
cd "$(dirname "$0")/.."

# A setting as compose reads it: the environment's, else .env's, else DEFAULT.
setting() { # NAME DEFAULT
    value=$(printenv "$1" || sed -n "s/^$1=//p" .env 2>/dev/null | tail -n 1)
    echo "${value:-$2}"
}
port=$(setting DEBUG_PORT 5678)
service=$1
shift
options=""
if [ "${1-}" = --app-port ]; then
    options="--publish 127.0.0.1:$(setting APP_PORT "$2"):$2"
    shift 2
fi
[ $# -gt 0 ] && shift # the --
echo "waiting for a debugger on 127.0.0.1:$port" >&2
# shellcheck disable=SC2086 # the options are words
exec sh scripts/ports.sh docker compose run --rm --publish "127.0.0.1:$port:$port" $options "$service" \
    python -X frozen_modules=off -m debugpy --listen "0.0.0.0:$port" --wait-for-client "$@"
