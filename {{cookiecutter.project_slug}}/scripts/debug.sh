#!/bin/sh
# `make debug` and `make debug-test`: run a Python module in a one-off container
# of SERVICE under debugpy, which waits until your editor attaches
# (.vscode/launch.json) on DEBUG_PORT (5678), published on 127.0.0.1 only, in
# a container removed afterwards, also after an early Ctrl-C (scripts/run.sh).
# Frozen standard-library modules are off, so the debugger sees all of them.
#
# --publish NAME:PORT also publishes the container's PORT on the host port
# the setting NAME gives (default PORT), as compose does for the service.
#
#   sh scripts/debug.sh SERVICE [--publish NAME:PORT] -- -m MODULE [ARGS]
set -eu
cd "$(dirname "$0")/.."
port=$(sh scripts/dev-env.sh get DEBUG_PORT 5678)
service=$1
shift
settings="DEBUG_PORT:5678"
options="--publish 127.0.0.1:$port:$port"
if [ "${1-}" = --publish ]; then
    settings="$settings $2"
    options="$options --publish 127.0.0.1:$(sh scripts/dev-env.sh get "${2%:*}" "${2#*:}"):${2#*:}"
    shift 2
fi
[ $# -gt 0 ] && shift # the --
echo "waiting for a debugger on 127.0.0.1:$port" >&2
# shellcheck disable=SC2086 # the settings and options are words
exec sh scripts/run.sh "$service-debug" $settings -- $options "$service" \
    python -X frozen_modules=off -m debugpy --listen "0.0.0.0:$port" --wait-for-client "$@"
