"""The web app type and the production image, driven by a real Docker Engine:
`docker compose up` serves the app healthy on 127.0.0.1, a handler edited on
the host changes the running server's answer with no restart and no rebuild,
and the prod target is lean, non-root and runs the console script.
"""

import json
import os
import time

import pytest

from conftest import bake_ok
from docker_support import assert_lint_and_coverage_pass, free_port, get, slug, wait_for_answer
from helpers import (
    STRICT_PYTEST,
    ComposeProject,
    compose_environment,
    passed_silently,
    run,
    shown,
)

pytestmark = pytest.mark.docker

UID = 1234  # a host user other than the image's default 1000


class WebProject(ComposeProject):
    """A web project whose app is published on ``port``, compose run as uid 1234."""

    def __init__(self, path, port):
        super().__init__(path, compose_environment(UID))
        self.port = port
        self.url = f"http://127.0.0.1:{port}"

    def app_container(self):
        container_id = self.compose("ps", "--quiet", "app").stdout.strip()
        state = run(["docker", "inspect", "-f", "{{json .State}}", container_id]).stdout
        return container_id, json.loads(state)


@pytest.fixture(params=["uv", "pip"], scope="module")
def web(request, cookies_session, docker):
    """A web project, checkout owned by uid 1234, built once per package manager."""
    port = free_port()
    path = bake_ok(
        cookies_session,
        project_name=slug("web", request.param),  # unique to this run
        app_type="web",
        package_manager=request.param,
        port=str(port),
    )
    for item in [path, *path.rglob("*")]:
        os.chown(item, UID, UID)
    project = WebProject(path, port)
    try:
        project.compose("build")
        yield project
    finally:
        project.down()  # also <project>-prod and the images `docker compose watch` replaced


def test_tests_pass_through_the_test_client_with_no_warning(web):
    """The fresh project's suite, every warning an error (web, no database); its
    lint (ruff, mypy) and coverage."""
    result = web.compose("run", "--rm", "test", *STRICT_PYTEST, check=False)
    assert passed_silently(result) and "failed" not in result.stdout, shown(result)
    assert_lint_and_coverage_pass(web)


def test_app_comes_up_healthy_on_localhost_and_answers(web):
    web.compose("up", "--detach", "--wait", "app")
    _, state = web.app_container()
    assert state["Health"]["Status"] == "healthy"
    assert get(f"{web.url}/health") == (200, {"status": "ok"})
    assert get(f"{web.url}/") == (200, {"name": web.slug, "version": "0.1.0"})
    published = web.compose("port", "app", web.url.rsplit(":", 1)[1]).stdout.strip()
    assert published.startswith("127.0.0.1:"), published


def test_a_host_edit_changes_the_running_server_answer(web):
    container_before, state_before = web.app_container()
    images_before = web.image_ids()
    handler = f"src/{web.slug.replace('-', '_')}/web/__init__.py"
    old = 'return {"name": DISTRIBUTION, "version": app.version}'
    text = web.edit(handler, old, old.replace("}", ', "edit": "1"}'))
    edited = {"name": web.slug, "version": "0.1.0", "edit": "1"}
    assert wait_for_answer(f"{web.url}/", edited) == (200, edited), web.compose(
        "logs", "app"
    ).stdout
    web.write(handler, text)  # and back
    original = {"name": web.slug, "version": "0.1.0"}
    assert wait_for_answer(f"{web.url}/", original) == (200, original)
    container_after, state_after = web.app_container()
    assert container_after == container_before, "the container was replaced"
    assert state_after["StartedAt"] == state_before["StartedAt"], "the container restarted"
    assert web.image_ids() == images_before, "an image was rebuilt"


def test_compose_watch_rebuilds_when_a_dependency_is_added(web):
    """`docker compose watch` rebuilds the image and replaces the app container
    when pyproject.toml changes; the new dependency is then importable."""
    watch = web.start("docker", "compose", "watch", "app")
    try:
        time.sleep(5)  # let watch start its file watcher
        old = '"uvicorn>=0.32"]'
        web.edit("pyproject.toml", old, old.replace("]", ', "six"]'))
        deadline = time.monotonic() + 120
        imported = None
        while time.monotonic() < deadline:
            imported = web.compose("exec", "-T", "app", "python", "-c", "import six", check=False)
            if imported.returncode == 0:
                break
            time.sleep(2)
        assert imported.returncode == 0, imported.stderr
    finally:
        watch.terminate()
        output = watch.communicate(timeout=30)[0]
    assert "six" in output or "built" in output.lower(), output[-3000:]
    assert wait_for_answer(f"{web.url}/", {"name": web.slug, "version": "0.1.0"})[0] == 200
    # As the docs say, watch rebuilt app's image alone; `make build` brings the
    # test image level (from the cache), and `make test` then runs on it.
    stale = web.compose(
        "run", "--rm", "--no-deps", "test", "python", "-c", "import six", check=False
    )
    assert stale.returncode != 0, "the test image was rebuilt too: say so in the docs"
    web.make("build")
    tests = web.make("test", "ARGS=-q", check=False)
    assert tests.returncode == 0, shown(tests)
    kept = f"{web.name or web.configured_name()}-test-kept"
    imported = run(["docker", "exec", kept, "python", "-c", "import six"], check=False)
    run(["docker", "rm", "--force", kept])  # as `make clean` does: `down` keeps it
    assert imported.returncode == 0, shown(imported)


def test_down_removes_containers_and_network(web):
    web.compose("down", "--remove-orphans")
    label = f"label=com.docker.compose.project={web.slug}"
    assert run(["docker", "ps", "--all", "--quiet", "--filter", label]).stdout == ""
    assert run(["docker", "network", "ls", "--quiet", "--filter", label]).stdout == ""


def test_prod_image_is_lean_non_root_and_serves(web):
    image = f"{web.slug}-prod"
    web.make("prod-build")
    # Built by BuildKit through compose (the legacy builder cannot parse the
    # Dockerfile's cache mounts; BuildKit marks the steps it records).
    history = run(["docker", "history", "--no-trunc", "--format", "{{.CreatedBy}}", image]).stdout
    assert "COPY /opt/venv /opt/venv # buildkit" in history, history
    docker_run = ["docker", "run", "--rm", image]
    assert run([*docker_run, web.slug, "--version"]).stdout == f"{web.slug} 0.1.0\n"
    assert run([*docker_run, "id", "-u"]).stdout.strip() == "10001"
    for dev_only in ("pytest", "debugpy"):  # the dev group stays out
        missing = run([*docker_run, "python", "-c", f"import {dev_only}"], check=False)
        assert missing.returncode != 0 and f"No module named '{dev_only}'" in missing.stderr
    package = web.slug.replace("-", "_")
    where = run([*docker_run, "python", "-c", f"import {package}; print({package}.__file__)"])
    assert where.stdout.startswith("/opt/venv/lib/") and "site-packages" in where.stdout
    assert run([*docker_run, "test", "-e", "/src"], check=False).returncode != 0
    # Its default command serves the app.
    port = free_port()
    container = run(
        ["docker", "run", "--detach", "--rm", "--publish", f"127.0.0.1:{port}:{web.port}", image]
    ).stdout.strip()
    try:
        original = {"name": web.slug, "version": "0.1.0"}
        assert wait_for_answer(f"http://127.0.0.1:{port}/", original) == (200, original)
    finally:
        run(["docker", "rm", "--force", container], check=False)
    sizes = {
        name: int(run(["docker", "image", "inspect", "-f", "{{.Size}}", name]).stdout)
        for name in (image, f"{web.slug}-app")
    }
    assert sizes[image] < sizes[f"{web.slug}-app"], sizes
