"""The generated Makefile refuses a Docker that is too old, or Compose v2 missing,
before it runs anything: one line saying what to install, a non-zero exit. A fake
`docker` first on PATH plays each Docker; it records any other command it is asked
to run, so the tests see that nothing ran. No Docker needed."""

import os
import shutil
import subprocess

import pytest

from conftest import bake_ok

FAKE_DOCKER = """#!/bin/sh
# `docker version` and `docker compose version --short` as $FAKE_ENGINE and
# $FAKE_COMPOSE say (empty: no answer); `docker ps` prints $FAKE_PS; anything
# else is logged and "works".
if [ "$1" = version ]; then
  printf 'Client: Docker Engine - Community\\n Version:           99.0.0\\n\\n'
  [ -n "$FAKE_ENGINE" ] || { echo "Cannot connect to the Docker daemon" >&2; exit 1; }
  printf 'Server: %s\\n Engine:\\n  Version:          %s\\n' "$FAKE_SERVER" "$FAKE_ENGINE"
  exit 0
fi
if [ "$1 $2" = "compose version" ]; then
  [ -n "$FAKE_COMPOSE" ] || { echo "docker: 'compose' is not a docker command." >&2; exit 1; }
  echo "$FAKE_COMPOSE"
  exit 0
fi
echo "docker $*" >> "$FAKE_LOG"
if [ "$1" = ps ]; then echo $FAKE_PS; fi
"""
NEEDS = (
    "this project needs Docker Engine 20.10+ and Compose v2.22+ "
    "(Docker Desktop has both; https://docs.docker.com/get-docker/)"
)


@pytest.fixture(scope="module")
def project(cookies_session):
    return bake_ok(cookies_session)


@pytest.fixture
def make(project, tmp_path):
    """Run make in the project with the fake docker; (result, commands docker ran)."""
    make_command = shutil.which("make")
    if not make_command:
        pytest.fail("make is needed on the host")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "docker").write_text(FAKE_DOCKER, encoding="utf-8")
    (bin_dir / "docker").chmod(0o755)
    log = tmp_path / "docker.log"

    def run(
        target, engine, compose, server="Docker Engine - Community", path=None, ps="", cwd=None
    ):
        env = {
            **os.environ,
            "PATH": path or f"{bin_dir}:{os.environ['PATH']}",
            "FAKE_ENGINE": engine,
            "FAKE_COMPOSE": compose,
            "FAKE_SERVER": server,
            "FAKE_LOG": str(log),
            "FAKE_PS": ps,
        }
        result = subprocess.run(
            [make_command, target],
            cwd=cwd or project,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        return result, log.read_text(encoding="utf-8").splitlines() if log.exists() else []

    return run


@pytest.mark.parametrize(
    ("engine", "compose", "problem"),
    [
        ("19.03.15", "2.40.3", "Docker Engine 19.03.15 is too old"),
        ("20.9.0", "2.40.3", "Docker Engine 20.9.0 is too old"),
        ("20.10.24+dfsg1", "", "no Docker Compose v2 (docker compose)"),
        ("27.3.1", "2.21.0", "Docker Compose 2.21.0 is too old"),
        ("27.3.1", "1.29.2", "Docker Compose 1.29.2 is too old"),
        ("", "2.40.3", "the Docker Engine does not answer (is it running?)"),
    ],
)
@pytest.mark.parametrize("target", ["build", "test", "prod-build"])
def test_too_old_or_missing_is_refused_with_one_line_before_anything_runs(
    make, target, engine, compose, problem
):
    result, ran = make(target, engine, compose)
    assert result.returncode != 0
    assert result.stdout == "", result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert f"*** {problem}; {NEEDS}.  Stop." in lines[0], lines[0]
    # `make test` first asks whether its kept container is up (read only).
    assert [command for command in ran if not command.startswith("docker ps ")] == [], ran


def test_no_docker_command_is_refused(make, tmp_path):
    # A PATH with the tools make needs, and no docker.
    bin_dir = tmp_path / "tools"
    bin_dir.mkdir()
    tools = ("sh", "awk", "id", "dirname", "cksum", "cut", "sed", "tail", "ls", "cat", "chown")
    for tool in tools:
        if found := shutil.which(tool):
            (bin_dir / tool).symlink_to(found)
    result, _ = make("build", "27.3.1", "2.40.3", path=str(bin_dir))
    assert result.returncode != 0
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and f"*** no docker command; {NEEDS}.  Stop." in lines[0], lines


@pytest.mark.parametrize(
    ("engine", "compose", "server"),
    [
        ("20.10.24+dfsg1", "2.40.3", "Docker Engine - Community"),  # this project's machines
        ("20.10.0", "2.22.0", "Docker Engine - Community"),  # the oldest allowed
        ("27.3.1", "2.29.7-desktop.1", "Docker Desktop 4.34.2 (167172)"),
        ("28.0.1", "v2.33.1", "Docker Engine - Community"),
    ],
)
def test_supported_versions_run_the_target(make, engine, compose, server):
    result, ran = make("prod-build", engine, compose, server=server)
    assert result.returncode == 0, result.stderr
    assert ran == ["docker compose build prod"]


def test_make_test_with_its_kept_container_up_skips_the_check(make):
    """That container was started after the check passed: `make test` alone goes
    straight to `docker exec` (no `docker version`, no `docker compose version`)."""
    result, ran = make("test", "", "", ps="0123456789ab")
    assert result.returncode == 0, result.stderr
    assert [command.split()[:2] for command in ran] == [["docker", "ps"], ["docker", "exec"]]
    result, ran = make("test", "19.03.15", "2.40.3")  # none up: checked, refused
    assert result.returncode != 0 and "Docker Engine 19.03.15 is too old" in result.stderr


def test_help_and_template_diff_need_no_docker(make):
    result, ran = make("help", "", "")
    assert result.returncode == 0 and "prod-build" in result.stdout, result.stderr
    assert ran == []


def test_the_cluster_targets_need_no_docker(make, cookies):
    """kubectl alone runs them (the no-Docker goals of a feature: its NO_DOCKER)."""
    project = bake_ok(cookies, deploy="kubernetes")
    result, ran = make("cluster-config", "", "", cwd=project)
    assert "Docker" not in result.stderr and ran == [], result.stderr
    if shutil.which("kubectl"):  # without it, cluster.sh says so in one line instead
        assert result.returncode == 0 and "kind: Deployment" not in result.stdout, result.stderr
        assert "kind: Job" in result.stdout, result.stdout[:2000]
    result, _ = make("prod-config", "", "", cwd=project)  # compose's: Docker is checked
    assert result.returncode != 0 and "the Docker Engine does not answer" in result.stderr
