#!/bin/sh
# `make template-diff` and `make template-update`: run the template's own
# tools/compare.py or tools/update.py (the first argument) on this checkout.
# The template is the one .cookiecutter.json records (TEMPLATE= another): a local
# path is used where it is (a relative one from the parent directory, where
# cookiecutter ran), a git URL is cloned into a temporary directory. Needs git
# and a python3 with cookiecutter: TEMPLATE_PYTHON="uv run --with cookiecutter python".
# template-diff compares with the recorded commit (CHECKOUT= another ref);
# template-update merges the newest release (TO= another ref).
set -eu
cd "$(dirname "$0")/.."
tool=$1
shift

# answer KEY: the recorded answer (empty if none).
answer() {
    python3 -c 'import json, sys
print(json.load(open(".cookiecutter.json"))["cookiecutter"].get(sys.argv[1], ""))' "$1"
}
template=${TEMPLATE:-$(answer _template)}
if [ -z "$template" ]; then
    echo ".cookiecutter.json records no _template: name one with TEMPLATE=<path or URL>" >&2
    exit 2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! dir=$(cd .. && cd "$template" 2>/dev/null && pwd); then
    # Cookiecutter's abbreviations, as git URLs.
    case $template in
        gh:*) url="https://github.com/${template#gh:}.git" ;;
        gl:*) url="https://gitlab.com/${template#gl:}.git" ;;
        bb:*) url="https://bitbucket.org/${template#bb:}" ;;
        git+*) url=${template#git+} ;;
        *) url=$template ;;
    esac
    dir="$tmp/template"
    git clone --quiet "$url" "$dir"
fi
if [ "$tool" = compare.py ]; then
    checkout=${CHECKOUT:-$(answer _commit)}
    checkout=${checkout:-$(answer _checkout)}
    set -- ${checkout:+--checkout "$checkout"} "$@"
else
    set -- ${TO:+--to "$TO"} "$@"
fi
# shellcheck disable=SC2086 # TEMPLATE_PYTHON may be a command with arguments
${TEMPLATE_PYTHON:-python3} "$dir/tools/$tool" . --template "$dir" "$@"
