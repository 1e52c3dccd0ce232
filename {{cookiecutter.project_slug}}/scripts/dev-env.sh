#!/bin/sh
# Writes what is missing from .env, this checkout's own settings for compose
# (ignored by git and Docker): COMPOSE_PROJECT_NAME, HOST_UID and HOST_GID,
# then prints the compose project's name (the environment's, if it sets one,
# as compose reads it). make runs it before every target, the dev container
# before it starts; run it once yourself to use plain `docker compose`.
#
# Each checkout is its own compose project, named after the project and its
# directory: {{ cookiecutter.project_slug }}-<8 hex digits of this directory's path>. Two
# checkouts (clones, git worktrees, copies) never share containers, images or
# volumes, so a test run always runs the code of the checkout it started in.
# To share one project between checkouts, give each the same other name:
# COMPOSE_PROJECT_NAME=<name> in their .env (or in the environment).
#
# A value you set is never changed, with one exception: a name of the form
# above that belongs to another directory (a copied or moved checkout) is
# replaced by this directory's, and the HOST_UID/HOST_GID that came with it by
# the uid and gid that own this directory.
set -eu
cd "$(dirname "$0")/.."

# `sh scripts/dev-env.sh get NAME DEFAULT` prints a setting as compose reads it:
# the environment's, else the last in .env, else DEFAULT.
if [ "${1-}" = get ]; then
    value=$(printenv "$2" || sed -n "s/^$2=//p" .env 2>/dev/null | tail -n 1)
    echo "${value:-$3}"
    exit
fi

slug={{ cookiecutter.project_slug }}
own=$(printf '%s-%08x' "$slug" "$(pwd -P | cksum | cut -d ' ' -f 1)")
[ -f .env ] || : >.env

value() { sed -n "s/^$1=//p" .env | tail -n 1; }
# Rewritten in place (not moved), so the file keeps its owner.
replace() {
    sed "s/^$1=$2\$/$1=$3/" .env >.env.new
    cat .env.new >.env && rm -f .env.new
}
add() {
    # After a last line without a newline, start a new one.
    if [ -s .env ] && [ -n "$(tail -c 1 .env)" ]; then echo >>.env; fi
    printf '%s\n' "$@" >>.env
}

name=$(value COMPOSE_PROJECT_NAME)
case $name in
"")
    add "# This checkout's compose project (scripts/dev-env.sh)." "COMPOSE_PROJECT_NAME=$own"
    ;;
"$own") ;;
"$slug"-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f])
    replace COMPOSE_PROJECT_NAME "$name" "$own"
    echo "dev-env: .env named the compose project of another directory ($name);" \
        "this checkout's is $own (make build once). \`docker compose ls\` lists the projects." >&2
    # shellcheck disable=SC2012 # the numeric owner of one directory: ls is portable
    owner=$(ls -nd . | awk '{ print $3 ":" $4 }')
    was=$(value HOST_UID):$(value HOST_GID)
    if [ "$was" != : ] && [ "$was" != "$owner" ]; then
        replace HOST_UID "${was%:*}" "${owner%:*}"
        replace HOST_GID "${was#*:}" "${owner#*:}"
        echo "dev-env: its HOST_UID:HOST_GID came along too ($was): now $owner, this checkout's owner's." >&2
    fi
    ;;
esac
[ -n "$(value HOST_UID)" ] || add "HOST_UID=${HOST_UID:-$(id -u)}"
[ -n "$(value HOST_GID)" ] || add "HOST_GID=${HOST_GID:-$(id -g)}"

# Run as root (sudo make) in a checkout that is someone else's: .env stays theirs.
if [ "$(id -u)" = 0 ]; then
    # shellcheck disable=SC2012 # the numeric owner of one directory: ls is portable
    chown "$(ls -nd . | awk '{ print $3 ":" $4 }')" .env
fi

# The name compose uses: the environment's, else .env's.
echo "${COMPOSE_PROJECT_NAME:-$(value COMPOSE_PROJECT_NAME)}"
