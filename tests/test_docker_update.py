"""A project with a team's edits, updated to a newer template by tools/update.py
without a conflict, still builds and passes its tests: `make build`, `make test`.

The template history is tests/test_update.py's (v1 -> v2: a file removed, one
renamed, an option added, lines of the Dockerfile, README and Makefile changed).
The edits are that module's, except the Dockerfile bump: Python 3.13 -> 3.14
here (an image this machine has), as Dependabot bumps a base image."""

import os

import pytest

import update_support
from helpers import ComposeProject, remove_compose_project
from update_support import (
    DOCKERFILE_V2,
    bake_at,
    edit,
    update,
)

pytestmark = pytest.mark.docker
# The shared fixtures: the template history and the commands' environment.
history = update_support.history
module_env = update_support.module_env


def test_a_cleanly_merged_edited_project_builds_and_passes_its_tests(
    docker, history, tmp_path, module_env
):
    project = bake_at(history, "v1", tmp_path / "p", module_env)
    # As Dependabot bumps a base image (one this machine has).
    edit(project, module_env, bump=("ARG PYTHON_VERSION=3.13", "ARG PYTHON_VERSION=3.14"))

    result = update(project, module_env, "--to", "v2")
    assert result.returncode == 0, result.stdout + result.stderr
    dockerfile = (project / "Dockerfile").read_text(encoding="utf-8")
    assert "ARG PYTHON_VERSION=3.14\n" in dockerfile and DOCKERFILE_V2 in dockerfile
    assert (project / "tests" / "test_command.py").is_file()

    compose = ComposeProject(project, name=f"update-{os.getpid()}")
    try:
        compose.make("build")
        tested = compose.make("test", check=False)
        assert tested.returncode == 0, tested.stdout[-4000:] + tested.stderr[-4000:]
        assert "passed" in tested.stdout
        hello = compose.make("--no-print-directory", "hello")
        assert hello.stdout == "hello\n"
        version = compose.compose("run", "--rm", "test", "python", "-c",
                                  "import sys, httpx; print(sys.version_info[:2])")  # fmt: skip
        assert version.stdout.strip().endswith("(3, 14)")
    finally:
        compose.make("clean", check=False)
        remove_compose_project(compose.name)
