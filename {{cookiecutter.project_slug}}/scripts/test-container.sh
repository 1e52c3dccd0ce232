#!/bin/sh
# The test container that `make test` keeps running, so that a test run is a
# `docker exec` into it: no container to create, start and remove each time.
#
#   sh scripts/test-container.sh id      its id, if it is current (else nothing)
#   sh scripts/test-container.sh start   (re)start it
#
# Current means: it runs this checkout's current test image (a rebuild moves
# the tag to a new image), and its kept-for label is a checksum of this
# directory's path and inode (a checkout cloned again at the same path is a new
# directory), compose.yaml, .env and the HOST_UID/HOST_GID of the environment
# (which win over .env's) as they are now. make passes COMPOSE_PROJECT_NAME (on
# the command line for `id`: make before 4.4 exports nothing to $(shell));
# `make clean` removes it.
set -eu
cd "$(dirname "$0")/.."
name=$COMPOSE_PROJECT_NAME-test-kept
kept_for=$({ echo "$(pwd -P) ${HOST_UID-}:${HOST_GID-}"; ls -di .; cat compose.yaml .env; } | cksum | cut -d ' ' -f 1)

case ${1-} in
id)
    docker ps --quiet --filter "name=^$name\$" --filter "ancestor=$COMPOSE_PROJECT_NAME-test" \
        --filter "label=kept-for=$kept_for" 2>/dev/null
    ;;
start)
    docker rm --force "$name" >/dev/null 2>&1 || true
    docker compose run --detach --name "$name" --label "kept-for=$kept_for" test \
        sh -c 'trap exit TERM; sleep infinity & wait' >/dev/null
    ;;
*)
    echo "usage: sh scripts/test-container.sh id|start" >&2
    exit 2
    ;;
esac
