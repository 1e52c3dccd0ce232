#!/bin/sh
# `make prod` (web) and `make debug`: `docker compose run --rm` in the
# foreground, under a name of its own, and that container removed (stopped if
# need be) afterwards, whatever happened. Compose can die of a Ctrl-C (before
# it has attached, or on a busy machine) without stopping the container, which
# would keep running and hold its ports. A port that is taken is named in one
# line (scripts/ports.sh).
#
#   sh scripts/run.sh NAME [SETTING:PORT...] -- [RUN OPTIONS] SERVICE [COMMAND...]
#
# NAME: the container is <compose project>-NAME.
set -u
cd "$(dirname "$0")/.." || exit
name="$(sh scripts/dev-env.sh)-$1"
shift
settings=""
while [ $# -gt 0 ] && [ "$1" != -- ]; do
    settings="$settings $1"
    shift
done
[ $# -gt 0 ] && shift # the --
trap : INT
status=0
# shellcheck disable=SC2086 # the settings are words
sh scripts/ports.sh $settings -- docker compose run --rm --name "$name" "$@" || status=$?
docker rm --force "$name" >/dev/null 2>&1
exit "$status"
