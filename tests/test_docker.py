"""Baked projects driven by a real Docker Engine, the way a team member uses them:
build once, run the services, edit on the host, run again without rebuilding.

Skipped, with the reason, when no engine is reachable; failing instead when
REQUIRE_DOCKER=1 (CI). Base images are never pulled: python:<version>-slim must
be there (../shared/ci/docker-up builds stand-ins for 3.11, 3.13 and 3.14).
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import AWKWARD, bake_ok

pytestmark = pytest.mark.docker

DOCKER_PYTHON_VERSIONS = ("3.11", "3.13", "3.14")  # 3.12 has no local base image here
NON_DEFAULT_UID = 1234
UNSET = None  # HOST_UID/HOST_GID not set: compose's default, 1000


def docker_problem():
    """Why Docker tests cannot run here, or None."""
    if not shutil.which("docker"):
        return "the docker command is not installed"
    for command in (["docker", "info"], ["docker", "compose", "version"]):
        result = subprocess.run(command, check=False, capture_output=True, text=True)
        if result.returncode != 0:
            return f"`{' '.join(command)}` failed: {result.stderr.strip()[:200]}"
    return None


@pytest.fixture(scope="session")
def docker():
    problem = docker_problem()
    if problem and os.environ.get("REQUIRE_DOCKER") == "1":
        pytest.fail(f"REQUIRE_DOCKER=1 but no usable Docker: {problem}")
    if problem:
        pytest.skip(f"no usable Docker: {problem}")


def run(command, cwd, env, check=True):
    result = subprocess.run(command, check=False, cwd=cwd, env=env, capture_output=True, text=True)
    if check and result.returncode != 0:
        pytest.fail(
            f"{' '.join(map(str, command))} exited {result.returncode}\n"
            f"--- stdout\n{result.stdout[-4000:]}\n--- stderr\n{result.stderr[-4000:]}"
        )
    return result


class DevProject:
    """A baked project on the host, and the compose commands of its README."""

    def __init__(self, path, host_uid):
        self.path = Path(path)
        self.slug = self.path.name
        self.images = [f"{self.slug}-app", f"{self.slug}-test"]
        self.env = {
            key: value for key, value in os.environ.items() if key not in ("HOST_UID", "HOST_GID")
        }
        if host_uid is not UNSET:
            self.env.update(HOST_UID=str(host_uid), HOST_GID=str(host_uid))

    def compose(self, *args, check=True):
        return run(["docker", "compose", *args], self.path, self.env, check)

    def make(self, target, check=True):
        return run(["make", target], self.path, self.env, check)

    def image_ids(self):
        return run(["docker", "image", "inspect", "-f", "{{.Id}}", *self.images], None, None).stdout

    def edit(self, relative, old, new):
        path = self.path / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {relative}"
        path.write_text(text.replace(old, new), encoding="utf-8")

    def down(self):
        self.compose("down", "--rmi", "all", "--volumes", "--remove-orphans", check=False)


def chown_tree(path, uid):
    for item in [Path(path), *Path(path).rglob("*")]:
        os.chown(item, uid, uid, follow_symlinks=False)


@pytest.fixture
def dev_project(cookies, docker):
    """Factory: bake, hand the checkout to ``owner``, and clean the image up after."""
    made = []

    def make(name, owner, host_uid, **answers):
        if os.geteuid() != 0 and owner != os.getuid():
            pytest.skip(f"needs root to give the checkout to uid {owner}")
        project = DevProject(bake_ok(cookies, project_name=name, **answers), host_uid)
        chown_tree(project.path, owner)
        made.append(project)
        return project

    yield make
    for project in made:
        project.down()


def assert_checkout_clean(project, owner):
    """Nothing the containers wrote belongs to someone else or is an install artefact."""
    for path in [project.path, *project.path.rglob("*")]:
        relative = path.relative_to(project.path)
        assert path.lstat().st_uid == owner, f"{relative} is owned by uid {path.lstat().st_uid}"
        assert path.name not in {".venv", "__pycache__"}, relative
        assert not path.name.endswith(".egg-info"), relative


# (package manager, owner of the checkout, HOST_UID given to compose)
LOOPS = [
    ("uv", NON_DEFAULT_UID, NON_DEFAULT_UID),
    ("pip", NON_DEFAULT_UID, NON_DEFAULT_UID),
    ("uv", 0, 0),  # root on a CI runner, root-owned checkout
    ("pip", 1000, UNSET),  # plain `docker compose` with nothing set: compose's 1000
]


@pytest.mark.parametrize(("package_manager", "owner", "host_uid"), LOOPS)
def test_edit_loop_needs_no_rebuild(dev_project, package_manager, owner, host_uid):
    project = dev_project(
        f"Loop {package_manager} {owner}", owner, host_uid, package_manager=package_manager
    )
    slug, package = project.slug, project.slug.replace("-", "_")
    project.compose("build")
    images = project.image_ids()

    tests = project.compose("run", "--rm", "test")
    assert "5 passed" in tests.stdout
    assert project.compose("run", "--rm", "app").stdout == "Hello, world!\n"
    version = project.compose("run", "--rm", "app", slug, "--version")
    assert version.stdout == f"{slug} 0.1.0\n"
    assert (
        f"usage: {slug}"
        in project.compose("run", "--rm", "app", "python", "-m", package, "--help").stdout
    )
    whoami = project.compose("run", "--rm", "app", "id", "-u").stdout
    assert whoami == f"{1000 if host_uid is UNSET else host_uid}\n"

    # Edit the code on the host: the next runs see it, with no build in between.
    project.edit(f"src/{package}/__init__.py", 'f"Hello, {name}!"', 'f"Howdy, {name}!"')
    assert project.compose("run", "--rm", "app").stdout == "Howdy, world!\n"
    failing = project.compose("run", "--rm", "test", check=False)
    assert failing.returncode == 1 and "Howdy, team!" in failing.stdout

    # Edit the tests and add a test file: both are picked up.
    project.edit("tests/test_cli.py", "Hello, team!", "Howdy, team!")
    (project.path / "tests" / "test_added.py").write_text(
        f"from {package} import greet\n\n\ndef test_added():\n    assert greet() == 'Howdy, world!'\n",
        encoding="utf-8",
    )
    os.chown(project.path / "tests" / "test_added.py", owner, owner)
    assert "6 passed" in project.compose("run", "--rm", "test").stdout

    assert project.image_ids() == images, "an image was rebuilt"
    assert_checkout_clean(project, owner)

    # Without a mount the image runs the source it was built with.
    assert run(["docker", "run", "--rm", project.images[0]], None, None).stdout == "Hello, world!\n"
    assert (
        "5 passed" in run(["docker", "run", "--rm", project.images[0], "pytest"], None, None).stdout
    )


@pytest.mark.parametrize("package_manager", ["uv", "pip"])
def test_lock_file_is_made_in_the_container_and_then_enforced(dev_project, package_manager):
    owner = NON_DEFAULT_UID
    project = dev_project(f"Lock {package_manager}", owner, owner, package_manager=package_manager)
    lock = project.path / ("uv.lock" if package_manager == "uv" else "requirements.lock.txt")

    project.make("build")
    project.make("lock")
    assert lock.is_file() and lock.stat().st_uid == owner
    assert "pytest" in lock.read_text(encoding="utf-8")
    project.make("build")
    assert "5 passed" in project.make("test").stdout

    # A new dependency that the lock lacks fails the build ...
    project.edit("pyproject.toml", "dependencies = []", 'dependencies = ["six"]')
    stale = project.compose("build", check=False)
    assert stale.returncode != 0
    expected = (
        "needs to be updated" if package_manager == "uv" else "requires six, which is not installed"
    )
    assert expected in stale.stdout + stale.stderr

    # ... until the lock is made again.
    project.make("lock")
    assert "six" in lock.read_text(encoding="utf-8")
    project.make("build")
    project.compose("run", "--rm", "app", "python", "-c", "import six")
    assert_checkout_clean(project, owner)


@pytest.mark.parametrize("package_manager", ["uv", "pip"])
@pytest.mark.parametrize("python_version", [v for v in DOCKER_PYTHON_VERSIONS if v != "3.13"])
def test_other_python_versions_build_and_pass(dev_project, python_version, package_manager):
    owner = NON_DEFAULT_UID
    project = dev_project(
        f"Py {python_version} {package_manager}",
        owner,
        owner,
        python_version=python_version,
        package_manager=package_manager,
    )
    project.compose("build")
    assert f"Python {python_version}" in project.compose("run", "--rm", "test").stdout
    assert project.compose("run", "--rm", "app").stdout == "Hello, world!\n"
    assert_checkout_clean(project, owner)


def test_awkward_answers_reach_the_image_labels_exactly(dev_project):
    """Compose interpolates `$`: the template escapes it, the built image has the answer."""
    value = next(v for v in AWKWARD if "$" in v)
    me = os.getuid()
    project = dev_project(value, me, me, project_slug="labels", description=value)
    project.compose("build", "app")
    inspect = ["docker", "image", "inspect", "-f", "{{json .Config.Labels}}", project.images[0]]
    labels = json.loads(run(inspect, None, None).stdout)
    assert labels["org.opencontainers.image.title"] == value
    assert labels["org.opencontainers.image.description"] == value
