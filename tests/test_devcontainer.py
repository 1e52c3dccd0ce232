"""The dev container, brought up by the reference Dev Containers CLI
(@devcontainers/cli, from npm) as VS Code would: it uses the compose `app`
service with the workspace at /src, in this checkout's own compose project,
and the uid mapping survives — the user the container runs as is the one in
`.env`, which initializeCommand (scripts/dev-env.sh, as make) completes
without changing a value the user set.
"""

import json
import os
import re
import shutil

import pytest

from conftest import bake_ok
from docker_support import slug as run_slug
from helpers import ComposeProject, run

pytestmark = pytest.mark.docker

CLI_VERSION = "0.89.0"


@pytest.fixture(scope="module")
def devcontainer_cli(tmp_path_factory, docker):
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is needed to install @devcontainers/cli")
    prefix = tmp_path_factory.mktemp("devcontainer-cli")
    run([npm, "install", "--silent", "--prefix", str(prefix), f"@devcontainers/cli@{CLI_VERSION}"])
    return str(prefix / "node_modules" / ".bin" / "devcontainer")


@pytest.mark.parametrize(
    ("app_type", "dot_env", "expected_uid"),
    [
        ("cli", None, os.getuid()),  # .env written from `id -u`
        ("web", "HOST_UID=1234\nHOST_GID=1234", 1234),  # the user's own .env wins
    ],
)
def test_devcontainer_up_runs_the_app_service_as_the_mapped_user(
    cookies, devcontainer_cli, app_type, dot_env, expected_uid
):
    slug = run_slug("dc", app_type)  # unique to this run, as every compose project here
    project = bake_ok(cookies, project_name=slug, app_type=app_type, use_devcontainer=True)
    if dot_env is not None:
        (project / ".env").write_text(dot_env, encoding="utf-8")
    workspace = ["--workspace-folder", str(project)]
    try:
        up = json.loads(run([devcontainer_cli, "up", *workspace]).stdout.strip().splitlines()[-1])
        assert up["outcome"] == "success", up
        lines = (project / ".env").read_text(encoding="utf-8").splitlines()
        if dot_env is None:
            assert lines[-2:] == [f"HOST_UID={os.getuid()}", f"HOST_GID={os.getgid()}"]
        else:
            assert lines[:2] == dot_env.splitlines(), "the user's lines are kept as they were"
        names = [line.partition("=")[2] for line in lines if line.startswith("COMPOSE_")]
        assert len(names) == 1 and re.fullmatch(rf"{slug}-[0-9a-f]{{8}}", names[0]), lines
        # The checkout's own compose project, the one make uses too.
        assert (up["composeProjectName"], up["remoteWorkspaceFolder"]) == (names[0], "/src")
        inside = run(
            [devcontainer_cli, "exec", *workspace, "sh", "-c", f"id -u; pwd; {slug} --version"]
        ).stdout.splitlines()
        assert inside[-3:] == [str(expected_uid), "/src", f"{slug} 0.1.0"]
        service = run(["docker", "compose", "ps", "--format", "{{.Service}}"], project).stdout
        assert service.split() == ["app"], "only the app service runs"
    finally:
        ComposeProject(project, name=None).down()  # the project named in .env
