"""What test_regenerate.py and test_compare.py share: a fresh environment for each
command (the ``env`` fixture), the cookiecutter command line run in a new
directory, and a git repository of the template with a later change."""

import os
import shutil

import pytest

from conftest import TEMPLATE
from helpers import run, run_cookiecutter

# What a template change looks like in the tests: an edited file and a new one.
README_ADDITION = "Added to the template after v1.\n"
NEW_FILE = "CHANGELOG.md"


def command_environment(home):
    """The environment of every command: a fresh HOME (no user cookiecutter config,
    replay or clone directory, no git config), a git identity."""
    inherited = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("COOKIECUTTER", "GIT_", "CRUFT"))
    }
    return {
        **inherited,
        "HOME": str(home),
        "PYTHONIOENCODING": "utf-8",
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.com",
    }


@pytest.fixture
def env(tmp_path):
    """command_environment() with a HOME of the test's own."""
    home = tmp_path / "home"
    home.mkdir()
    return command_environment(home)


def cookiecutter(*args, cwd, env, umask=None):
    """Run the cookiecutter command line in ``cwd`` (made here, empty), as a user
    would; return the project directory it made there."""
    cwd.mkdir(parents=True)
    run_cookiecutter(*args, cwd=cwd, env=env, umask=umask, check=True)
    (project,) = cwd.iterdir()
    return project


def template_repo(path, env):
    """A git repository of this checkout's template as it is now (tracked files and
    new ones git would track, uncommitted edits included), committed and tagged v1.
    Cookiecutter recognises a git URL by `git` in it, hence the `.git` suffix."""
    listed = run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], TEMPLATE, env
    ).stdout
    for relative in filter(None, listed.split("\0")):
        if (TEMPLATE / relative).is_file():
            (path / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(TEMPLATE / relative, path / relative)
    for command in (
        ["git", "init", "-q", "-b", "main"],
        ["git", "add", "-A"],
        ["git", "commit", "-q", "-m", "v1"],
        ["git", "tag", "v1"],
    ):
        run(command, path, env)
    return path


def change_template(repo, env):
    """Commit a change to the template: a line in README.md and a new file."""
    project = repo / "{{cookiecutter.project_slug}}"
    with (project / "README.md").open("a", encoding="utf-8") as readme:
        readme.write("\n" + README_ADDITION)
    (project / NEW_FILE).write_text("# {{ cookiecutter.project_name }}\n", encoding="utf-8")
    run(["git", "add", "-A"], repo, env)
    run(["git", "commit", "-q", "-m", "after v1"], repo, env)
