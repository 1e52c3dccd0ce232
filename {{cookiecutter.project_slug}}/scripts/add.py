"""`make add PKG="name>=version"`: add a runtime dependency to pyproject.toml.

The requirement joins `[project] dependencies`, sorted by name, one a line;
`make lock` and `make build` then pin and install it (uv projects have
`uv add` for all three). A name that is there already is refused.
"""

import re
import sys
import tomllib
from pathlib import Path

PYPROJECT = Path("pyproject.toml")
# The list as written: strings (which may hold `]`, as in "requests[socks]"), commas.
LIST = re.compile(
    r'^dependencies = \[(?:\s*"(?:[^"\\]|\\.)*"\s*,?)*\s*\]', re.MULTILINE
)
NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def name(requirement: str) -> str:
    """The requirement's distribution name, normalized (PEP 503)."""
    found = NAME.match(requirement)
    if not found:
        raise SystemExit(
            f"error: PKG={requirement!r} is not a requirement such as six>=1.16"
        )
    return re.sub(r"[-_.]+", "-", found[1]).lower()


def added(text: str, requirement: str) -> str:
    current = tomllib.loads(text)["project"].get("dependencies", [])
    if name(requirement) in {name(item) for item in current}:
        raise SystemExit(f"error: {name(requirement)} is in pyproject.toml already")
    wanted = sorted([*current, requirement], key=name)
    lines = "".join(f'    "{each}",\n' for each in wanted)
    return LIST.sub(lambda _: f"dependencies = [\n{lines}]", text, count=1)


if __name__ == "__main__":
    if len(sys.argv) != 2 or not sys.argv[1].strip():
        raise SystemExit('usage: make add PKG="name>=version"')
    text = added(PYPROJECT.read_text(encoding="utf-8"), sys.argv[1].strip())
    PYPROJECT.write_text(text, encoding="utf-8")
