#!/bin/sh
# Says in one line what is wrong with this machine's Docker, or nothing: make
# runs it before any target that runs Docker, and stops with that line. The
# Dockerfile's BuildKit cache mounts need Docker Engine 20.10 or later, and
# `make watch` (develop.watch) needs Docker Compose v2.22 or later.
set -u
needs="this project needs Docker Engine 20.10+ and Compose v2.22+ (Docker Desktop has both; https://docs.docker.com/get-docker/)"

# older VERSION MAJOR.MINOR: is VERSION (20.10.24+dfsg1, v2.33.1, ...) older?
older() {
    awk -v have="$1" -v need="$2" 'BEGIN {
        sub(/^[^0-9]+/, "", have); split(have, h, /[^0-9]+/); split(need, n, ".")
        for (i = 1; i <= 2; i++) if (h[i] + 0 != n[i] + 0) exit h[i] + 0 > n[i] + 0
        exit 1
    }'
}
# The Engine's version, from the Server part of `docker version`.
engine() {
    docker version 2>/dev/null | awk '/^Server/ { s = 1 } s && $1 == "Version:" { print $2; exit }'
}

if ! command -v docker >/dev/null; then
    echo "no docker command; $needs"
elif engine=$(engine) && [ -z "$engine" ]; then
    echo "the Docker Engine does not answer (is it running?); $needs"
elif older "$engine" 20.10; then
    echo "Docker Engine $engine is too old; $needs"
elif ! compose=$(docker compose version --short 2>/dev/null); then
    echo "no Docker Compose v2 (docker compose); $needs"
elif older "$compose" 2.22; then
    echo "Docker Compose $compose is too old; $needs"
fi
