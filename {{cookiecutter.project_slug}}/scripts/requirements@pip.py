"""Print what a dependency layer of the Dockerfile installs, as a requirements file.

Those layers are built before the source is copied in, so they read
pyproject.toml; once requirements.lock.txt exists (`make lock`), it decides:

    python requirements.py prod   the [project] dependencies, at the lock's versions
    python requirements.py dev    exactly the lock, or without one the [project]
                                  dependencies and the dev group; then the build
                                  backend (and editables, which hatchling's
                                  editable builds may ask for)
    python requirements.py check <freeze.txt
                                  fails unless the lock pins each line of that
                                  `pip freeze` (of prod's venv: its constraints
                                  let a dependency the lock lacks through)
"""

import sys
import tomllib
from pathlib import Path

# Absolute: pip reads a path in a requirements file from that file's directory.
LOCK = Path("requirements.lock.txt").absolute()

pyproject = tomllib.loads(Path("pyproject.toml").read_text(encoding="utf-8"))
dependencies = pyproject["project"].get("dependencies", [])
if sys.argv[1:] == ["check"]:
    pinned = LOCK.read_text(encoding="utf-8").lower().split() if LOCK.exists() else []
    lacking = [line for line in sys.stdin.read().split() if line.lower() not in pinned]
    if pinned and lacking:
        sys.exit(f"error: {LOCK.name} lacks {' '.join(lacking)}: run `make lock` again")
    sys.exit(0)
if sys.argv[1:] == ["prod"]:
    lines = [f"--constraint {LOCK}", *dependencies] if LOCK.exists() else dependencies
else:
    dev = pyproject["dependency-groups"]["dev"]
    lines = [f"--requirement {LOCK}"] if LOCK.exists() else [*dependencies, *dev]
    lines += [*pyproject["build-system"]["requires"], "editables"]
print(*lines, sep="\n")
