#!/bin/sh
# `make debug` and `make debug-test`: run a Python module in a one-off container
# of SERVICE under debugpy, which waits until your editor attaches
# (.vscode/launch.json) on DEBUG_PORT (5678), published on 127.0.0.1 only.
# Frozen standard-library modules are off, so the debugger sees all of them.
#
#   sh scripts/debug.sh SERVICE [docker compose run options] -- -m MODULE [ARGS]
set -eu
port=${DEBUG_PORT:-5678}
service=$1
shift
options=""
while [ $# -gt 0 ] && [ "$1" != -- ]; do
    options="$options $1"
    shift
done
[ $# -gt 0 ] && shift # the --
echo "waiting for a debugger on 127.0.0.1:$port" >&2
# shellcheck disable=SC2086 # the options are words
exec docker compose run --rm --publish "127.0.0.1:$port:$port" $options "$service" \
    python -X frozen_modules=off -m debugpy --listen "0.0.0.0:$port" --wait-for-client "$@"
