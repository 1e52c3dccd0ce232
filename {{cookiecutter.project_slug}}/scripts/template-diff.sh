#!/bin/sh
# `make template-diff`: regenerates this project from .cookiecutter.json (the
# answers and the template they were given to) in a temporary directory and
# diffs it with this checkout (- template, + here). Needs cookiecutter and
# python3 on the host, or COOKIECUTTER="uvx cookiecutter" (or "pipx run
# cookiecutter"). TEMPLATE and CHECKOUT default to the recorded ones; a
# relative template path is taken from the parent directory, where cookiecutter ran.
set -eu
cd "$(dirname "$0")/.."
here=$(pwd)

# answer KEY: the recorded answer (empty if none).
answer() {
    python3 -c 'import json, sys
print(json.load(open(".cookiecutter.json"))["cookiecutter"].get(sys.argv[1], ""))' "$1"
}
template=${TEMPLATE:-$(answer _template)}
checkout=${CHECKOUT:-$(answer _checkout)}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Not the template's: git, cruft's state, virtualenvs, local settings, caches,
# build output and the lock files you create (the template's tools/compare.py
# reads this list too).
NOT_FROM_TEMPLATE=".git .cruft.json .venv venv .env .env.* __pycache__ *.py[cod] \
  *.egg-info .pytest_cache .ruff_cache .mypy_cache .coverage htmlcov build dist \
  uv.lock requirements.lock.txt"
set -f # the patterns are words, not file names to expand
# shellcheck disable=SC2086 # one pattern a word
printf '%s\n' $NOT_FROM_TEMPLATE >"$tmp/exclude"
set +f
printf 'cookiecutters_dir: "%s/clones"\nreplay_dir: "%s/replay"\n' "$tmp" "$tmp" >"$tmp/config.yaml"
# shellcheck disable=SC2086 # COOKIECUTTER may be a command with arguments
(cd .. && ${COOKIECUTTER:-cookiecutter} --config-file "$tmp/config.yaml" \
    --replay-file "$here/.cookiecutter.json" --output-dir "$tmp/out" \
    ${checkout:+--checkout "$checkout"} "$template")
diff -ru -X "$tmp/exclude" "$tmp"/out/* .
