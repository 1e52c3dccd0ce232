"""What the Docker test modules share (none of them imports another): names of
compose projects unique to the run, a checkout owned by a given user
(``DevProject``, ``Checkout``), the dev-loop steps' guard, and asking a
published web app over HTTP."""

import functools
import json
import os
import re
import ssl
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from conftest import bake_ok
from helpers import ComposeProject, compose_environment, free_port, run, shown  # noqa: F401

NON_DEFAULT_UID = 1234
UNSET = None  # HOST_UID/HOST_GID not set: compose's default, 1000
RUN_ID = uuid.uuid4().hex[:6]  # compose project names unique to this test run

NAME = re.compile(r"^COMPOSE_PROJECT_NAME=(.*)$", re.MULTILINE)  # in a .env file


def slug(*parts):
    """A compose project name (and project slug) of this run: dl-<parts>-<run id>."""
    words = re.sub(r"[^a-z0-9]+", "-", "-".join(parts).lower()).strip("-")[:40].strip("-")
    return f"dl-{words}-{RUN_ID}"


class DevProject(ComposeProject):
    """A baked project whose checkout belongs to ``owner``, as do the files the
    test writes into it; compose gets ``host_uid`` (UNSET: none). Its compose
    project is named after the slug, unique to this run, or ``compose_name``
    (the default name, one per checkout, is proven in test_docker_checkouts.py)."""

    def __init__(self, path, answers, owner, host_uid, compose_name=""):
        super().__init__(path, compose_environment(host_uid), name=compose_name)
        self.answers = answers
        self.owner = owner
        self.built = None  # image IDs after the first build, in TestDevLoop
        self.broken = None  # the step that failed, in TestDevLoop
        chown_tree(self.path, owner)
        self.baked_paths = self.paths()
        self.written = set()  # paths the "host user" (the test) added

    def build(self):
        """`docker compose build`, with BuildKit's step-by-step log."""
        return self.compose("--progress=plain", "build")

    def paths(self):
        return {path.relative_to(self.path).as_posix() for path in self.path.rglob("*")}

    def write(self, relative, text):
        """Add or replace a file as the owner of the checkout would."""
        super().write(relative, text)
        os.chown(self.path / relative, self.owner, self.owner)
        self.written.add(relative)


def chown_tree(path, uid):
    for item in [Path(path), *Path(path).rglob("*")]:
        os.chown(item, uid, uid, follow_symlinks=False)


def new_project(cookies, kind, owner, host_uid, compose_name="", **answers):
    """Bake ``answers`` (the slug from ``kind`` unless given) into a DevProject.
    Two tests that bake the same answers for the same uid share BuildKit's cache
    of the image layers (the dependencies) while their compose projects, named
    apart with ``compose_name``, stay separate."""
    if os.geteuid() != 0 and owner != os.getuid():
        pytest.skip(f"needs root to give the checkout to uid {owner}")
    answers.setdefault("project_slug", slug(kind, *answers.values()))
    answers.setdefault("project_name", answers["project_slug"])
    return DevProject(bake_ok(cookies, **answers), answers, owner, host_uid, compose_name)


def assert_checkout_clean(project):
    """Nothing in the checkout belongs to another user or is an install artefact."""
    problems = []
    for path in [project.path, *project.path.rglob("*")]:
        relative = path.relative_to(project.path).as_posix() or "."
        if path.lstat().st_uid != project.owner or path.lstat().st_gid != project.owner:
            problems.append(f"{relative} is owned by {path.lstat().st_uid}:{path.lstat().st_gid}")
        if path.name in {".venv", "__pycache__"} or path.name.endswith(".egg-info"):
            problems.append(f"{relative} was written into the checkout")
    assert not problems, f"owner should be {project.owner}:\n" + "\n".join(problems)


def assert_lint_and_coverage_pass(project):
    """A fresh project's `make lint` (ruff, mypy) and `make test ARGS=--cov` pass,
    and the coverage report names the package."""
    lint = project.make("lint", check=False)
    assert lint.returncode == 0 and "Success: no issues found" in lint.stdout, shown(lint)
    covered = project.make("test", "ARGS=--cov", check=False)
    assert covered.returncode == 0 and " passed" in covered.stdout, shown(covered)
    assert re.search(rf"^src/{project.package}/\S+\.py ", covered.stdout, re.MULTILINE), shown(
        covered
    )
    assert re.search(r"^TOTAL ", covered.stdout, re.MULTILINE), shown(covered)


def step(test):
    """A step of the scenario: not run once an earlier one failed on its project
    (a step that skips, as not for this project, is no failure)."""

    @functools.wraps(test)
    def checked(*args, loop, **kwargs):
        if loop.broken:
            pytest.fail(f"not run: {loop.broken} failed, so this project is in an unknown state")
        try:
            return test(*args, loop=loop, **kwargs)
        except pytest.skip.Exception:  # not for this project: it changed nothing
            raise
        except BaseException:
            loop.broken = test.__name__
            raise

    return checked


def get(url, insecure=False):
    """(status, parsed JSON body) of a GET, or (None, error) if nothing answers;
    ``insecure``: any certificate (Caddy's own, for localhost)."""
    context = ssl._create_unverified_context() if insecure else None
    try:
        with urllib.request.urlopen(url, timeout=2, context=context) as response:
            return response.status, json.loads(response.read())
    except OSError as error:
        return None, error


def wait_for_answer(url, expected, seconds=20, insecure=False):
    """Poll ``url`` until it answers 200 with ``expected``; return the last answer."""
    deadline = time.monotonic() + seconds
    answer = get(url, insecure)
    while answer != (200, expected) and time.monotonic() < deadline:
        time.sleep(0.25)
        answer = get(url, insecure)
    return answer


class Checkout(ComposeProject):
    """A checkout on the host, its owner, and its make targets. No
    COMPOSE_PROJECT_NAME: the one scripts/dev-env.sh writes to .env is used."""

    def __init__(self, path, owner, port):
        host_uid = owner if owner else None  # root: no HOST_UID, make's `id -u`
        super().__init__(path, compose_environment(host_uid), name=None)
        self.owner = owner
        self.port = port

    @property
    def project(self):
        """The compose project named in .env (the last assignment wins)."""
        names = NAME.findall((self.path / ".env").read_text(encoding="utf-8"))
        return names[-1]

    def set_project(self, name):
        dot_env = self.path / ".env"
        dot_env.write_text(
            NAME.sub(f"COMPOSE_PROJECT_NAME={name}", dot_env.read_text(encoding="utf-8")),
            encoding="utf-8",
        )

    def write(self, relative, text):
        super().write(relative, text)
        chown_tree(self.path / relative, self.owner)

    def image(self, service="test", project=None):
        name = f"{project or self.project}-{service}"
        result = run(["docker", "image", "inspect", "-f", "{{.Id}}", name], check=False)
        return result.stdout.strip() or None

    def app(self):
        """(container ID, start time) of this checkout's app service."""
        result = run(
            ["docker", "ps", "-q", "--filter", f"label=com.docker.compose.project={self.project}",
             "--filter", "label=com.docker.compose.service=app"],
        )  # fmt: skip
        container = result.stdout.strip()
        started = run(["docker", "inspect", "-f", "{{.State.StartedAt}}", container]).stdout
        return container, started.strip()


# --- The production file (compose.prod.yaml) of a baked project ----------------


def prod_image(project):
    """The name of the image `make prod-build` built for ``project``."""
    config = project.compose("--profile", "prod", "config", "--format", "json").stdout
    config = json.loads(config)
    return config["services"]["prod"].get("image") or f"{config['name']}-prod"


def production_settings(project, **values):
    """Write .env.prod as a user does: the first `make prod-config` copies the
    example and stops, as IMAGE names no image yet; then set ``values`` and check
    the file with them."""
    first = project.make("prod-config", check=False)
    assert first.returncode == 2, shown(first)
    assert "deploy: wrote .env.prod from .env.prod.example" in first.stderr, shown(first)
    assert "deploy: set IMAGE in .env.prod" in first.stderr, shown(first)
    production_settings_set(project.path, **values)
    checked = project.make("prod-config", check=False)
    assert checked.returncode == 0, shown(checked)
    assert "valid for docker compose and docker stack deploy" in checked.stdout, shown(checked)


def production_settings_set(path, **values):
    """Set ``values`` in the .env.prod of the checkout at ``path``."""
    dot_env = Path(path, ".env.prod")
    text = dot_env.read_text(encoding="utf-8")
    for key, value in values.items():
        text, count = re.subn(rf"^{key}=.*$", f"{key}={value}", text, flags=re.MULTILINE)
        assert count == 1, f"{key} is not a setting of .env.prod.example"
    dot_env.write_text(text, encoding="utf-8")


def compose_prod(project, stack, *args, check=True):
    """docker compose on the production file, as `make deploy` runs it."""
    files = ["-f", "compose.prod.yaml", "--env-file", ".env.prod"]
    return run(["docker", "compose", "-p", stack, *files, *args], project.path, project.env, check)


def remove_production(project, stack):
    """`down -v` of the production project; what of it is left: containers,
    volumes and networks with its label, and the volumes its containers had
    mounted (an anonymous one has no label, and can outlive a recreate)."""
    label = f"label=com.docker.compose.project={stack}"
    containers = run(["docker", "ps", "-aq", "--filter", label]).stdout.split()
    names = '{{range .Mounts}}{{if eq .Type "volume"}}{{.Name}} {{end}}{{end}}'
    mounted = set()
    if containers:
        mounted = set(run(["docker", "inspect", "-f", names, *containers]).stdout.split())
    compose_prod(project, stack, "down", "--volumes", "--remove-orphans", check=False)
    left = [
        name
        for kind in ("ps", "volume", "network")
        for name in run(
            ["docker", kind, "ls" if kind != "ps" else "-a", "-q", "--filter", label]
        ).stdout.split()
    ]
    for volume in sorted(mounted - set(left)):
        if run(["docker", "volume", "inspect", volume], check=False).returncode == 0:
            left.append(volume)
    return left


def container_facts(container):
    """(user, read-only root, dropped capabilities, environment) of a container."""
    config = json.loads(run(["docker", "inspect", container]).stdout)[0]
    host = config["HostConfig"]
    return (
        config["Config"]["User"],
        host["ReadonlyRootfs"],
        host["CapDrop"],
        config["Config"]["Env"],
    )
