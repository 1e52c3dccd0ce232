#!/bin/sh
# `make prod-config`{% if cookiecutter.deploy == "compose" %}, `make deploy`, `make stack-deploy` and `make prod-run`{% endif %}:
{%- raw %}
# compose.prod.yaml (with compose.prod.override.yaml, yours, when it exists)
# and the settings in .env.prod, which the first run writes from
# .env.prod.example (the image named after git's origin), with a random value
# for each secret the file reads from secrets/.
#
#   sh scripts/deploy.sh config | up | stack | run COMMAND [ARGS]
set -eu
cd "$(dirname "$0")/.."
action=${1:-}
[ $# -eq 0 ] || shift

if [ ! -f .env.prod ]; then
    origin=$(git remote get-url origin 2>/dev/null || true)
    repository=$(printf '%s\n' "$origin" | sed -n 's#^.*github\.com[:/]\([^/]*/[^/]*\)$#\1#p')
    repository=$(printf '%s' "${repository%.git}" | tr '[:upper:]' '[:lower:]')
    if [ -n "$repository" ]; then
        sed "s#^IMAGE=.*#IMAGE=ghcr.io/$repository#" .env.prod.example >.env.prod
    else
        cp .env.prod.example .env.prod
    fi
    echo "deploy: wrote .env.prod from .env.prod.example: check IMAGE and TAG" >&2
fi
# Readable in the containers (a bind mount keeps the file's mode), hidden on
# this host by its directory.
sed -n 's#^ *file: \./\(secrets/[A-Za-z0-9_.-]*\)$#\1#p' compose.prod.yaml | while read -r secret; do
    [ ! -f "$secret" ] || continue
    (umask 077 && mkdir -p secrets)
    od -An -tx1 -N24 /dev/urandom | tr -d ' \n' >"$secret"
    chmod 444 "$secret"
    echo "deploy: wrote a random value to $secret" >&2
done
if grep -q '^IMAGE=ghcr.io/OWNER/' .env.prod; then
    echo "deploy: set IMAGE in .env.prod to the published image (ghcr.io/<owner>/<repository>)" >&2
    exit 2
fi

# The settings as variables: Swarm reads no env file.
set -a
# shellcheck source=/dev/null
. ./.env.prod
set +a
# Swarm never changes a config in place: a new Caddyfile gets a new name.
[ ! -f deploy/Caddyfile ] || CADDYFILE_SUM=$(cksum deploy/Caddyfile | cut -d ' ' -f 1)
export CADDYFILE_SUM
compose_files="-f compose.prod.yaml"
stack_files="-c compose.prod.yaml"
if [ -f compose.prod.override.yaml ]; then
    compose_files="$compose_files -f compose.prod.override.yaml"
    stack_files="$stack_files -c compose.prod.override.yaml"
fi
compose() {
    # shellcheck disable=SC2086 # options and file names, a word each
    docker compose --project-name "$STACK" $compose_files --env-file .env.prod "$@"
}

case $action in
config)
    compose config --quiet
    # shellcheck disable=SC2086
    docker stack config $stack_files >/dev/null
    echo "compose.prod.yaml: valid for docker compose and docker stack deploy ($IMAGE:$TAG)"
    ;;
up)
    compose up --detach --wait --wait-timeout 300 --remove-orphans
    ;;
run)
    compose run --rm app "$@"
    ;;
stack)
    if ! docker stack deploy --help | grep -q -- --detach; then
        echo "deploy: a Swarm deploy needs the Docker CLI 26 or later (it waits for the rollout)" >&2
        exit 2
    fi
    # shellcheck disable=SC2086
    docker stack deploy --detach=false --prune --with-registry-auth $stack_files "$STACK"
    # An update that failed rolls back by itself: wait for it, say so, and fail.
    for service in $(docker stack services --quiet "$STACK"); do
        status=$(docker service inspect --pretty "$service")
        while printf '%s\n' "$status" | grep -q '^ *State:[[:space:]]*rollback_started'; do
            sleep 1
            status=$(docker service inspect --pretty "$service")
        done
        case $(printf '%s\n' "$status" | sed -n 's/^ *State:[[:space:]]*//p') in
        rollback_* | paused)
            echo "deploy: $(printf '%s\n' "$status" | sed -n 's/^Name:[[:space:]]*//p'):" \
                "$(printf '%s\n' "$status" | sed -n 's/^ *Message:[[:space:]]*//p'):" \
                "the new version never got healthy, and the old one runs (its logs say why)" >&2
            exit 1
            ;;
        esac
    done
    ;;
*)
    echo "usage: sh scripts/deploy.sh config | up | stack | run COMMAND [ARGS]" >&2
    exit 2
    ;;
esac
{%- endraw %}
