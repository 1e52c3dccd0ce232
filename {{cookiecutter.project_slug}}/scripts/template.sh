#!/bin/sh
# `make template-diff` and `make template-update`: run the template's own
# tools/compare.py or tools/update.py (the first argument) on this checkout.
# The template is the one .cookiecutter.json records (TEMPLATE= another): a git
# URL, whose newest tools are fetched into a temporary directory, or a local
# directory, used where it is (TEMPLATE= relative to this directory; a relative
# path an older bake recorded, from the parent directory, where cookiecutter ran).
# The tool is given the source itself, so what it records can be found again.
# Needs git and a python3 with cookiecutter: TEMPLATE_PYTHON="uv run --with cookiecutter python".
# template-diff compares with the recorded commit (CHECKOUT= another ref);
# template-update merges the newest release (TO= another ref).
set -eu
cd "$(dirname "$0")/.."
tool=$1
shift
target="template-update"
[ "$tool" = compare.py ] && target="template-diff"
# The tools' messages then name make's variables, not their own options.
export TEMPLATE_MAKE_TARGET="$target"

fail() {
    echo "make $target: $*" >&2
    exit 2
}
# answer KEY: the recorded answer (empty if none, or no .cookiecutter.json).
answer() {
    python3 -c 'import json, sys
try:
    print(json.load(open(".cookiecutter.json", encoding="utf-8"))["cookiecutter"].get(sys.argv[1]) or "")
except (OSError, ValueError, KeyError, AttributeError):
    print("")' "$1"
}

template=${TEMPLATE:-}
from=.
if [ -z "$template" ]; then
    template=$(answer _template)
    from=..
    [ -n "$template" ] || fail ".cookiecutter.json records no template: name it with make $target TEMPLATE=<path or git URL>"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
case $template in
    gh:* | gl:* | bb:* | git+* | *://* | *@*:*)
        # Cookiecutter's abbreviations, as git URLs.
        case $template in
            gh:*) url="https://github.com/${template#gh:}.git" ;;
            gl:*) url="https://gitlab.com/${template#gl:}.git" ;;
            bb:*) url="https://bitbucket.org/${template#bb:}" ;;
            *) url=${template#git+} ;;
        esac
        git clone --quiet --depth 1 "$url" "$tmp/template" 2>"$tmp/error" \
            || fail "cannot fetch the template $template: $(sed -n 's/^fatal: //p' "$tmp/error" | head -n 1)"
        tools="$tmp/template"
        source=$template
        ;;
    *)
        tools=$(cd "$from" && cd "$template" 2>/dev/null && pwd) || tools=
        if [ ! -f "$tools/tools/$tool" ]; then
            [ -n "${TEMPLATE:-}" ] && fail "TEMPLATE=$template: not a template directory (with tools/$tool) nor a git URL"
            fail "the template .cookiecutter.json records, $template, is not here: name it with make $target TEMPLATE=<path or git URL> (make template-update TEMPLATE=<git URL> records a URL)"
        fi
        source=$tools
        ;;
esac

if [ "$tool" = compare.py ]; then
    checkout=${CHECKOUT:-$(answer _commit)}
    checkout=${checkout:-$(answer _checkout)}
    set -- ${checkout:+--checkout "$checkout"} "$@"
else
    set -- ${TO:+--to "$TO"} "$@"
fi
# shellcheck disable=SC2086 # TEMPLATE_PYTHON may be a command with arguments
${TEMPLATE_PYTHON:-python3} "$tools/tools/$tool" . --template "$source" "$@"
