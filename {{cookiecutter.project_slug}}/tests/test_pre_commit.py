"""The ruff that pre-commit runs on your machine is the ruff that `make lint` runs.

.pre-commit-config.yaml names ruff by the rev of astral-sh/ruff-pre-commit,
pyproject.toml pins it in the dev group, and the image installs it from there
(or from the lock file). When one of them moves without the others, this fails:
bump them together.
"""

import re
import tomllib
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUFF_HOOK = re.compile(
    r"- repo: https://github\.com/astral-sh/ruff-pre-commit\s+rev: [\"']?v?([^\s\"']+)"
)


def test_pre_commit_runs_the_ruff_that_make_lint_runs():
    config = (ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    hook = RUFF_HOOK.search(config)
    assert hook, "no astral-sh/ruff-pre-commit rev in .pre-commit-config.yaml"

    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    pins = [
        found.group(1)
        for requirement in pyproject["dependency-groups"]["dev"]
        if (found := re.fullmatch(r"ruff\s*==\s*(\S+)", requirement))
    ]
    assert len(pins) == 1, "pin ruff in pyproject.toml's dev group: ruff==<version>"

    rev, pin = hook.group(1), pins[0]
    assert rev == pin, f"pre-commit runs ruff {rev}, pyproject.toml pins {pin}"
    installed = version("ruff")
    assert installed == pin, f"ruff {installed} is installed, pyproject.toml pins {pin}"
