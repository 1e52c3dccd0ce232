"""pre-commit on baked projects, for real.

For each package manager x app type: `pre-commit run --all-files` on a fresh bake
(after `git init` and `git add`) passes every hook and changes nothing; then a
mis-formatted Python file and a line with trailing whitespace are each caught (the
run fails, naming the hook) and fixed, and the next run passes.

Nothing reaches GitHub: the generated .pre-commit-config.yaml names the real hook
repositories, and git is pointed at bare copies of them in ../shared/mirrors (next
to this checkout) through a throw-away HOME with `url.<copy>.insteadOf`. pre-commit
installs the hooks' environments from PyPI once per session, into a PRE_COMMIT_HOME
under pytest's temporary directory. Without the mirrors these tests skip, and fail
in CI (CI=true, or REQUIRE_DOCKER=1 as .ci/run sets).

Also (no network): the generated tests/test_pre_commit.py passes on a fresh bake
and fails when the ruff rev of .pre-commit-config.yaml or the pin in pyproject.toml
moves alone.
"""

import os
import re
import shutil
import sys

import pytest

from conftest import TEMPLATE, bake_ok, tool
from helpers import run

MIRRORS = TEMPLATE.parent / "shared" / "mirrors"
# Bare copy in MIRRORS -> the URL the generated .pre-commit-config.yaml names.
HOOK_REPOSITORIES = {
    "pre-commit-hooks.git": "https://github.com/pre-commit/pre-commit-hooks",
    "ruff-pre-commit.git": "https://github.com/astral-sh/ruff-pre-commit",
}
# Every hook of the generated configuration, as pre-commit names it in its report.
HOOKS = {
    "check for added large files",
    "check for merge conflicts",
    "check toml",
    "check yaml",
    "fix end of files",
    "trim trailing whitespace",
    "ruff check",
    "ruff format",
}
REPORT_LINE = re.compile(r"^(.+?)\.{3,}(Passed|Failed|\(no files to check\)Skipped)$", re.MULTILINE)

MESSY = "def greet_all(names):\n    return [ 'Hello, ' + name for name in names ]\n"
TIDY = 'def greet_all(names):\n    return ["Hello, " + name for name in names]\n'


def in_ci():
    return os.environ.get("CI") == "true" or os.environ.get("REQUIRE_DOCKER") == "1"


def report(result):
    """{hook name: Passed | Failed | ...Skipped} from a pre-commit run."""
    return dict(REPORT_LINE.findall(result.stdout))


def shown(result):
    return f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"


def git_status(project, env):
    """`git status --porcelain`: empty when no file differs from the last commit
    (ignored files, such as ruff's cache, are left out)."""
    result = run(["git", "status", "--porcelain"], project, env, check=False)
    assert result.returncode == 0, shown(result)
    return result.stdout


def writable_copy(source, target):
    """Copy a bare repository and make it one git recognises: the copy is writable,
    and has a refs/ directory even when all the refs are packed (the shared copy
    of pre-commit-hooks has no refs/ directory, and git then refuses it)."""
    shutil.copytree(source, target)
    for path in [target, *target.rglob("*")]:
        path.chmod(path.stat().st_mode | 0o200)
    (target / "refs" / "heads").mkdir(parents=True, exist_ok=True)
    (target / "refs" / "tags").mkdir(exist_ok=True)


@pytest.fixture(scope="session")
def hook_env(tmp_path_factory):
    """The environment for git and pre-commit: a throw-away HOME whose git config
    sends the hook repositories' URLs to local copies, and a PRE_COMMIT_HOME that
    all the bakes share (each hook environment is installed once)."""
    missing = [name for name in HOOK_REPOSITORIES if not (MIRRORS / name).is_dir()]
    if missing:
        reason = f"no offline copy of the pre-commit hook repositories: {MIRRORS / missing[0]}"
        if in_ci():
            pytest.fail(f"in CI the mirrors must be there: {reason}")
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("pre-commit")
    home = root / "home"
    home.mkdir()
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "PRE_COMMIT_HOME": str(root / "cache"),
    }
    settings = [
        ("user.name", "Test"),
        ("user.email", "test@example.com"),
        ("init.defaultBranch", "main"),
    ]
    for name, url in HOOK_REPOSITORIES.items():
        copy = root / "mirrors" / name
        writable_copy(MIRRORS / name, copy)
        settings.append((f"url.{copy}.insteadOf", url))
    for key, value in settings:
        result = run(["git", "config", "--global", key, value], home, env, check=False)
        assert result.returncode == 0, shown(result)
    return env


def pre_commit(project, env, *args):
    """`git add -A`, then `pre-commit run --all-files` in ``project``."""
    added = run(["git", "add", "-A"], project, env, check=False)
    assert added.returncode == 0, shown(added)
    return run(
        [tool("pre-commit"), "run", "--all-files", "--color=never", *args],
        project,
        env,
        check=False,
    )


@pytest.mark.parametrize("app_type", ["cli", "web"])
@pytest.mark.parametrize("package_manager", ["uv", "pip"])
def test_pre_commit_passes_on_a_fresh_bake_and_fixes_what_it_catches(
    cookies, hook_env, package_manager, app_type
):
    project = bake_ok(
        cookies, package_manager=package_manager, app_type=app_type, use_devcontainer=True
    )
    assert "https://github.com/astral-sh/ruff-pre-commit" in (
        project / ".pre-commit-config.yaml"
    ).read_text(encoding="utf-8"), "the generated file names the real repositories"
    for command in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-qm", "New"]):
        done = run(command, project, hook_env, check=False)
        assert done.returncode == 0, shown(done)
    clean = pre_commit(project, hook_env)
    assert clean.returncode == 0, shown(clean)
    assert report(clean) == dict.fromkeys(HOOKS, "Passed"), shown(clean)
    assert git_status(project, hook_env) == "", "pre-commit changed a freshly baked file"

    # A mis-formatted module and a README line with trailing whitespace.
    messy = project / "src" / "my_cool_project" / "messy.py"
    messy.write_text(MESSY, encoding="utf-8")
    readme = project / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8") + "\nOne more line.   \n", "utf-8")

    caught = pre_commit(project, hook_env)
    assert caught.returncode == 1, shown(caught)
    failed = {hook for hook, outcome in report(caught).items() if outcome == "Failed"}
    assert failed == {"ruff format", "trim trailing whitespace"}, shown(caught)
    assert messy.read_text(encoding="utf-8") == TIDY
    assert readme.read_text(encoding="utf-8").endswith("\nOne more line.\n")

    fixed = pre_commit(project, hook_env)
    assert fixed.returncode == 0, shown(fixed)
    assert report(fixed) == dict.fromkeys(HOOKS, "Passed"), shown(fixed)


# --- the generated ruff-version test (no network) ---------------------------------


def generated_test(project):
    """Run the bake's tests/test_pre_commit.py with this Python: its ruff is the
    version requirements-dev.txt pins, which the bake pins too."""
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "tests/test_pre_commit.py"]
    return run(command, project, check=False)


@pytest.mark.parametrize(
    ("relative", "version", "message"),
    [
        (
            ".pre-commit-config.yaml",
            r"(ruff-pre-commit\s+rev: v)[\d.]+",
            "pre-commit runs ruff 0.0.1, ",
        ),
        ("pyproject.toml", r"(ruff==)[\d.]+", "pyproject.toml pins 0.0.1"),
    ],
    ids=["rev", "pin"],
)
def test_the_generated_ruff_test_fails_when_one_version_moves(cookies, relative, version, message):
    project = bake_ok(cookies)
    passing = generated_test(project)
    assert passing.returncode == 0 and "1 passed" in passing.stdout, shown(passing)

    path = project / relative
    text, count = re.subn(version, r"\g<1>0.0.1", path.read_text(encoding="utf-8"))
    assert count == 1, relative
    path.write_text(text, encoding="utf-8")
    failing = generated_test(project)
    assert failing.returncode == 1 and message in failing.stdout, shown(failing)
