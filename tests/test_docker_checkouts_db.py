"""Two checkouts of one `database=postgres` project (the same directory name
under two parents, uid 1234) keep their development data apart by default,
each in its own compose project's volume, and share it when both `.env`
files name the same project: the documented setting. Everything runs through
the make targets a developer uses; nothing sets COMPOSE_PROJECT_NAME.
"""

import shutil

import pytest

from conftest import bake_ok
from docker_support import Checkout, chown_tree, slug
from helpers import run, shown

pytestmark = pytest.mark.docker

UID = 1234


def volumes(project):
    label = f"label=com.docker.compose.project={project}"
    return run(["docker", "volume", "ls", "-q", "--filter", label]).stdout.split()


def items(checkout):
    """The item names `items list` prints, in order."""
    result = checkout.make("run", "ARGS=items list")
    return [line.split("\t", 1)[1] for line in result.stdout.splitlines() if "\t" in line]


def add(checkout, name):
    result = checkout.make("run", f"ARGS=items add {name}")
    assert name in result.stdout, shown(result)


def start(checkout):
    checkout.make("migrate")  # the database, healthy and migrated


@pytest.fixture
def two_checkouts(cookies, tmp_path, docker):
    # The bake test_docker_db.py drives for pip + cli (its compose project is
    # named after the slug, these checkouts' after their paths): one build of
    # the dependencies in BuildKit's cache serves both.
    name = slug("db", "pip", "cli")
    baked = bake_ok(
        cookies,
        project_name=name,
        project_slug=name,
        database="postgres",
        package_manager="pip",
        app_type="cli",
    )
    chown_tree(baked, UID)
    made = []
    for parent in ("one", "two"):
        path = tmp_path / parent / name
        shutil.copytree(baked, path, symlinks=True)
        made.append(Checkout(path, UID, port=None))
    projects = set()
    yield made, projects
    for checkout in made:
        projects.add(checkout.project)
    for project in projects:
        # Run in a checkout so compose knows the volume; then what is left.
        run(["docker", "compose", "-p", project, "down", "--rmi", "local", "--volumes",
             "--remove-orphans"], made[0].path, made[0].env, check=False)  # fmt: skip
        left = volumes(project)
        if left:
            run(["docker", "volume", "rm", "--force", *left], check=False)
        built = [f"{project}-{service}" for service in ("app", "test", "migrate", "prod")]
        run(["docker", "image", "rm", "--force", *built], check=False)


def test_development_data_is_per_checkout_unless_shared(two_checkouts):
    (one, two), projects = two_checkouts
    for checkout in (one, two):
        checkout.make("build")
        start(checkout)
    projects.update({one.project, two.project})
    assert one.project != two.project
    assert volumes(one.project) and volumes(two.project)
    assert set(volumes(one.project)).isdisjoint(volumes(two.project))

    add(one, "from-one")
    add(two, "from-two")
    assert items(one) == ["from-one"], "the first checkout sees only its own rows"
    assert items(two) == ["from-two"], "the second checkout sees only its own rows"

    shared = f"{one.path.name}-shared"
    projects.add(shared)
    for checkout in (one, two):
        checkout.make("down")
        checkout.set_project(shared)
    one.make("build")
    start(one)
    add(one, "shared-row")
    assert items(two) == ["shared-row"], "with one project name, one database"
    assert volumes(shared) and len(volumes(shared)) == 1
