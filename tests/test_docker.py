"""Baked projects driven by a real Docker Engine, the way a team member meets them.

TestDevLoop proves the template's promise, a dev loop with no rebuilds, once per
(package manager, Python version) of DEV_LOOP_MATRIX: each class instance bakes
one project, builds it once, and runs the numbered steps against it in order,
the rebuilds (09a-09c) on the default Python alone (run the whole class, not
one step: later steps build on earlier ones, and fail as "not run" once an
earlier step has failed). The checkout belongs to uid 1234 and compose gets
HOST_UID=HOST_GID=1234, as for a real host user who is not the image's default
1000. Other tests cover what that scenario does not: root and
an unset HOST_UID, the lock-file flows, and `docker compose config` for every
combination of options.

Skipped, with the reason, when no engine is reachable; failing instead when
REQUIRE_DOCKER=1 (CI). Base images are never pulled: python:<version>-slim must
be there, for 3.11, 3.13 and 3.14 (docs/tests.md says what the tests need).
Every compose project is named dl-<what>-<run id>, and its images, containers,
networks and volumes are removed afterwards, also the ones a rebuild replaced.
"""

import json
import re
import shlex

import pytest

from conftest import AWKWARD, PACKAGE_MANAGERS, PYTHON_VERSIONS, combination_id
from docker_support import (  # noqa: F401 (imported from here by other modules)
    NON_DEFAULT_UID,
    RUN_ID,
    UNSET,
    DevProject,
    assert_checkout_clean,
    assert_lint_and_coverage_pass,
    chown_tree,
    new_project,
    slug,
    step,
)
from helpers import (
    SOURCE_COPY,
    STRICT_PYTEST,
    compose_environment,
    distinct_files,
    installed,
    normalized,
    output,
    passed_silently,
    run,
    shown,
    split_at_source_copy,
)

pytestmark = pytest.mark.docker

# What pytest reports for a default (cli) bake: test_cli.py's 4 tests,
# test_greet.py's 3 and test_pre_commit.py's 1.
BAKED = "8 passed"
WITH_FAREWELL = "9 passed"  # and test_farewell.py, added on the host
GREET = "src/{package}/commands/greet.py"  # the app's own command
DOCKER_PYTHON_VERSIONS = ("3.11", "3.13", "3.14")  # 3.12 has no local base image here
DEV_LOOP_MATRIX = [
    {"package_manager": pm, "python_version": py}
    for pm in PACKAGE_MANAGERS
    for py in DOCKER_PYTHON_VERSIONS
]
# The Python of the rebuild steps and of the lock-file tests: the default one.
REBUILT_PYTHON = PYTHON_VERSIONS[0]
# An answer compose would interpolate if the template did not escape it.
DOLLARS = next(value for value in AWKWARD if "$" in value)
NEW_DEPENDENCY = "six"  # small, pure Python, not installed by the template


@pytest.fixture
def dev_project(cookies, docker):
    """Factory: bake, hand the checkout to ``owner``, and clean the images up after."""
    made = []

    def make(kind, owner, host_uid, compose_name="", **answers):
        made.append(new_project(cookies, kind, owner, host_uid, compose_name, **answers))
        return made[-1]

    yield make
    for project in made:
        project.down()


# --- What a build re-used: its log (parsed by helpers.py) and the image layers ---

LAYER_INSTRUCTION = re.compile(r"^(RUN|COPY|ADD|WORKDIR)\b")  # as BuildKit records them
DOWNLOAD = re.compile(r"\b(Collecting|Downloading|Downloaded)\b")


def downloads(steps):
    """(distributions pip downloaded, how many uv prepared, pip's from its cache),
    from the steps' output: uv names only large downloads, but counts what it had to
    fetch or build ("Prepared N packages"); a wheel from its cache is not prepared."""
    names, prepared, cached = set(), 0, set()
    for line in (line for each in steps for line in each.output):
        if pip := re.match(r"\s*(Downloading|Using cached) ([A-Za-z0-9_.]+?)-\d\S*\.whl\b", line):
            (names if pip[1] == "Downloading" else cached).add(normalized(pip[2]))
        if uv := re.match(r"\s*Prepared (\d+) packages?\b", line):
            prepared += int(uv[1])
    return names, prepared, cached


def image_layers(image):
    """The image's layer diff IDs, bottom first, and how many lie below `COPY . .`."""
    layers = json.loads(
        run(["docker", "image", "inspect", "-f", "{{json .RootFS.Layers}}", image]).stdout
    )
    history = run(["docker", "history", "--no-trunc", "--format", "{{.CreatedBy}}", image]).stdout
    above = 0  # layers from the top of the image down to `COPY . .`, inclusive
    for created_by in history.splitlines():  # newest first
        above += bool(LAYER_INSTRUCTION.match(created_by))
        if SOURCE_COPY.match(created_by):
            return layers, len(layers) - above
    pytest.fail(f"no `COPY . .` in the history of {image}:\n{history}")


def assert_code_only_rebuild_reuses_dependencies(project, revision):
    """Change code only and rebuild: the build log shows every step before `COPY . .`
    CACHED and nothing but the project installed after it; the image keeps every
    layer below the source, the dependency layer among them."""
    old, below = image_layers(project.images["app"])
    init = f"src/{project.package}/__init__.py"
    code = (project.path / init).read_text(encoding="utf-8")
    project.write(init, f"{code}\nREVISION = {revision}\n")
    build = project.build()
    dependencies, source = split_at_source_copy(output(build))
    log = f"\nsteps: {dependencies + source}\n{shown(build)}"

    assert dependencies and dependencies[-1].instruction.startswith("RUN"), (
        f"no dependency step before `COPY . .`{log}"
    )
    rerun = [step for step in dependencies if not step.cached]
    assert not rerun, f"steps before `COPY . .` were not CACHED: {rerun}{log}"
    assert not source[0].cached, f"`COPY . .` was CACHED: the code change is not in it{log}"
    downloads = [line for step in source for line in step.output if DOWNLOAD.search(line)]
    assert not downloads, f"the rebuild downloaded: {downloads}{log}"
    assert installed(source) == {normalized(project.slug)}, f"installed more than the project{log}"

    new, new_below = image_layers(project.images["app"])
    layers = f"\nbefore: {old}\nafter:  {new}"
    assert (len(new), new_below) == (len(old), below), f"the image has other layers{layers}"
    assert new[:below] == old[:below], f"a layer below `COPY . .` changed{layers}"
    assert new[below] != old[below], f"the source layer did not change{layers}"


# --- The dev-loop scenario ---------------------------------------------------

FAREWELL = '''"""Added on the host while the containers were in use."""


def farewell(name: str = "world") -> str:
    return f"Goodbye, {name}!"
'''
TEST_FAREWELL = """from {package}.farewell import farewell


def test_farewell():
    assert farewell("team") == "Goodbye, team!"
"""
USES_DEPENDENCY = f'''"""Needs a dependency added to pyproject.toml."""

import {NEW_DEPENDENCY}


def dependency_version() -> str:
    return {NEW_DEPENDENCY}.__version__
'''


def loop_answers(package_manager, python_version):
    """What TestDevLoop bakes for one member of DEV_LOOP_MATRIX (`$` in the free
    text). The lock-file tests bake the same for Python 3.13, as the same uid:
    their first build reuses the loop's dependency layers from BuildKit's cache."""
    return {
        "project_name": DOLLARS,
        "description": DOLLARS,
        "project_slug": slug("loop", package_manager, "py" + python_version.replace(".", "")),
        "package_manager": package_manager,
        "python_version": python_version,
    }


def pytest_generate_tests(metafunc):
    """Every step on each member of DEV_LOOP_MATRIX, but the rebuilds (09a-09c):
    only on REBUILT_PYTHON. What a rebuild re-uses is the Dockerfile's layering,
    the same on every Python; the Python versions differ in what runs under the
    mount (steps 02-08), which each of them proves."""
    if "loop" in metafunc.fixturenames:
        rebuild = metafunc.function.__name__.startswith("test_09")
        members = [
            m for m in DEV_LOOP_MATRIX if not rebuild or m["python_version"] == REBUILT_PYTHON
        ]
        ids = [combination_id(m) for m in members]
        metafunc.parametrize("loop", members, ids=ids, indirect=True, scope="class")


@pytest.fixture(scope="class")
def loop(request, docker, cookies_session):
    """One baked project per combination, built once, for all the steps."""
    answers = loop_answers(**request.param)
    project = new_project(cookies_session, "loop", NON_DEFAULT_UID, NON_DEFAULT_UID, **answers)
    try:
        project.build()
        project.built = project.image_ids()
        yield project
    finally:
        project.down()


class TestDevLoop:
    @step
    def test_01_build_once_labels_carry_the_answers(self, loop):
        """The fixture built once; the images exist, and `$` in answers reaches their labels."""
        assert loop.built["app"] and loop.built["test"]
        inspect = ["docker", "image", "inspect", "-f", "{{json .Config.Labels}}"]
        labels = json.loads(run([*inspect, loop.images["app"]]).stdout)
        assert labels["org.opencontainers.image.title"] == DOLLARS, labels
        assert labels["org.opencontainers.image.description"] == DOLLARS, labels
        assert labels["org.opencontainers.image.version"] == "0.1.0", labels

    @step
    def test_02_tests_pass_with_no_warning(self, loop):
        """The fresh project's suite, every warning an error (cli, no database)."""
        result = loop.compose("run", "--rm", "test", *STRICT_PYTEST, check=False)
        assert passed_silently(result) and BAKED in result.stdout, shown(result)
        assert f"Python {loop.answers['python_version']}." in result.stdout, shown(result)

    @step
    def test_03_host_edit_fails_the_next_run_and_reverting_fixes_it(self, loop):
        greet = GREET.format(package=loop.package)
        loop.edit(greet, 'f"Hello, {name}!"', 'f"Howdy, {name}!"')
        app = loop.compose("run", "--rm", "app", check=False)
        assert app.returncode == 0 and app.stdout == "Howdy, world!\n", shown(app)
        failing = loop.compose("run", "--rm", "test", check=False)
        assert failing.returncode == 1, shown(failing)
        assert "FAILED tests/test_greet.py::test_greet" in failing.stdout, shown(failing)
        assert "AssertionError: assert 'Howdy, team!' == 'Hello, team!'" in failing.stdout, shown(
            failing
        )

        loop.edit(greet, 'f"Howdy, {name}!"', 'f"Hello, {name}!"')
        passing = loop.compose("run", "--rm", "test", check=False)
        assert passing.returncode == 0 and BAKED in passing.stdout, shown(passing)

    @step
    def test_04_new_module_and_its_new_test_pass(self, loop):
        loop.write(f"src/{loop.package}/farewell.py", FAREWELL)
        loop.write("tests/test_farewell.py", TEST_FAREWELL.format(package=loop.package))
        result = loop.compose("run", "--rm", "test", "pytest", "-v", check=False)
        assert result.returncode == 0 and WITH_FAREWELL in result.stdout, shown(result)
        assert "tests/test_farewell.py::test_farewell PASSED" in result.stdout, shown(result)

    @step
    def test_05_console_script_metadata_and_package_under_the_mount(self, loop):
        probe = (
            f"import importlib.metadata, {loop.package}, {loop.package}.farewell\n"
            f"print(importlib.metadata.version({loop.slug!r}))\n"
            f"print({loop.package}.__file__)\n"
            f"print({loop.package}.farewell.__file__)"
        )
        script = (
            f"command -v {loop.slug} && {loop.slug} --version && python -c {shlex.quote(probe)}"
        )
        result = loop.compose("run", "--rm", "app", "sh", "-c", script, check=False)
        assert result.stdout == (
            f"/opt/venv/bin/{loop.slug}\n"
            f"{loop.slug} 0.1.0\n"
            "0.1.0\n"
            f"/src/src/{loop.package}/__init__.py\n"
            f"/src/src/{loop.package}/farewell.py\n"
        ), shown(result)

    @step
    def test_06_nothing_was_rebuilt(self, loop):
        assert loop.image_ids() == loop.built

    @step
    def test_07_image_without_a_mount_passes_its_tests_and_runs_its_command(self, loop):
        """No mount: the image runs the copy of the source it was built with."""
        image = loop.images["app"]
        app = run(["docker", "run", "--rm", image], check=False)
        assert app.returncode == 0 and app.stdout == "Hello, world!\n", shown(app)
        tests = run(["docker", "run", "--rm", image, "pytest"], check=False)
        # Not WITH_FAREWELL: test_farewell.py was added on the host after the build.
        assert tests.returncode == 0 and BAKED in tests.stdout, shown(tests)

    @step
    def test_08_runs_as_host_uid_and_leaves_the_checkout_clean(self, loop):
        ids = loop.compose("run", "--rm", "app", "sh", "-c", "id -u; id -g", check=False)
        assert ids.stdout == f"{NON_DEFAULT_UID}\n{NON_DEFAULT_UID}\n", shown(ids)
        created = loop.paths() - loop.baked_paths - loop.written
        assert ".pytest_cache" in created, f"the runs wrote nothing into the checkout: {created}"
        assert_checkout_clean(loop)

    @step
    def test_09a_code_only_change_reuses_the_dependency_layer(self, loop):
        assert_code_only_rebuild_reuses_dependencies(loop, 1)

    @step
    def test_09b_new_dependency_is_installed_by_the_rebuild_and_importable(self, loop):
        loop.write(f"src/{loop.package}/uses_dependency.py", USES_DEPENDENCY)
        probe = [
            "python",
            "-c",
            f"import {loop.package}.uses_dependency as m; print(m.dependency_version())",
        ]
        missing = loop.compose("run", "--rm", "app", *probe, check=False)
        assert f"No module named '{NEW_DEPENDENCY}'" in missing.stderr, shown(missing)

        loop.edit("pyproject.toml", "dependencies = []", f'dependencies = ["{NEW_DEPENDENCY}"]')
        build = loop.build()
        dependencies, source = split_at_source_copy(output(build))
        log = f"\n{dependencies + source}\n{shown(build)}"
        assert NEW_DEPENDENCY in installed(dependencies), f"not installed before `COPY . .`{log}"
        # uv's cache mount keeps every earlier download: only the new package may be
        # fetched (the cache is the machine's, so it may even be there already).
        # pip caches by HTTP headers, which this machine's PyPI mirror does not
        # send: test_pip_cache_mount_downloads_only_the_new_package serves it with them.
        if loop.answers["package_manager"] == "uv":
            downloaded, prepared, _ = downloads(dependencies)
            assert not downloaded and prepared <= 1, f"downloaded again{log}"

        found = loop.compose("run", "--rm", "app", *probe, check=False)
        assert found.returncode == 0 and re.fullmatch(r"\d+(\.\d+)+\n", found.stdout), shown(found)

    @step
    def test_09c_then_a_code_only_change_does_not_install_it_again(self, loop):
        assert_code_only_rebuild_reuses_dependencies(loop, 2)
        result = loop.compose("run", "--rm", "test", check=False)
        assert result.returncode == 0 and WITH_FAREWELL in result.stdout, shown(result)
        assert_checkout_clean(loop)


# --- Step 10: compose files of every combination (no build) ------------------


def test_10_compose_config_is_valid(all_projects, docker):
    """Every distinct compose.yaml of COMBINATIONS (baked once by ``all_projects``:
    the covering design has every combination of the options that shape the file;
    the others do not change it, so it is checked once). Nothing is created, so
    the shared project name does not matter."""
    distinct = distinct_files(all_projects.values(), "compose.yaml")
    assert len(distinct) > 1
    for project, *_ in distinct.values():
        for host_uid in (UNSET, NON_DEFAULT_UID):
            env = compose_environment(host_uid)
            result = run(["docker", "compose", "config", "-q"], project, env, check=False)
            assert result.returncode == 0 and not result.stderr, f"{project}\n{shown(result)}"


# --- Other users, the lock files ---------------------------------------------

# (package manager, owner of the checkout, HOST_UID given to compose)
OTHER_USERS = [
    ("uv", 0, 0),  # root on a CI runner, root-owned checkout
    ("pip", 1000, UNSET),  # plain `docker compose` with nothing set: compose's 1000
]


@pytest.mark.parametrize(("package_manager", "owner", "host_uid"), OTHER_USERS)
def test_other_users_run_the_loop_and_keep_the_checkout_clean(
    dev_project, package_manager, owner, host_uid
):
    project = dev_project(f"user-{owner}", owner, host_uid, package_manager=package_manager)
    project.compose("build")
    images = project.image_ids()

    tests = project.compose("run", "--rm", "test", check=False)
    assert tests.returncode == 0 and BAKED in tests.stdout, shown(tests)
    ids = project.compose("run", "--rm", "app", "sh", "-c", "id -u; id -g", check=False)
    assert ids.stdout == f"{owner}\n{owner}\n", shown(ids)
    project.edit(GREET.format(package=project.package), 'f"Hello, {name}!"', 'f"Howdy, {name}!"')
    app = project.compose("run", "--rm", "app", check=False)
    assert app.stdout == "Howdy, world!\n", shown(app)

    assert project.image_ids() == images, "an image was rebuilt"
    assert ".pytest_cache" in project.paths()
    assert_checkout_clean(project)


@pytest.mark.parametrize("package_manager", ["uv", "pip"])
def test_lock_file_is_made_in_the_container_and_then_enforced(dev_project, package_manager):
    owner = NON_DEFAULT_UID
    # TestDevLoop's bake (a compose project of its own): the first build is cached.
    answers = loop_answers(package_manager, REBUILT_PYTHON)
    project = dev_project("lock", owner, owner, slug("lock", package_manager), **answers)
    lock = project.path / ("uv.lock" if package_manager == "uv" else "requirements.lock.txt")

    project.make("build")
    locked = project.make("lock")
    assert "ERROR" not in locked.stderr and "WARNING" not in locked.stderr, shown(locked)
    assert lock.is_file() and lock.stat().st_uid == owner
    assert "pytest" in lock.read_text(encoding="utf-8")
    project.make("build")
    assert_lint_and_coverage_pass(project)

    # A new dependency that the lock lacks fails the build, and the production
    # image's (pip: its lock is a constraint, which lets a dependency it lacks
    # through; the freeze is checked against it) ...
    text = project.edit(
        "pyproject.toml", "dependencies = []", f'dependencies = ["{NEW_DEPENDENCY}"]'
    )
    pip_says = {
        "build": f"requires {NEW_DEPENDENCY}, which is not installed",
        "prod-build": f"error: requirements.lock.txt lacks {NEW_DEPENDENCY}==",
    }
    for target, says in pip_says.items():
        stale = project.make(target, check=False)
        assert stale.returncode != 0, shown(stale)
        expected = "needs to be updated" if package_manager == "uv" else says
        assert expected in stale.stdout + stale.stderr, shown(stale)

    # ... until the lock is made again: `make add` adds, locks and rebuilds in one go.
    project.write("pyproject.toml", text)
    project.make("add", f"PKG={NEW_DEPENDENCY}")
    assert f'"{NEW_DEPENDENCY}' in project.read("pyproject.toml")
    assert NEW_DEPENDENCY in lock.read_text(encoding="utf-8")
    project.compose("run", "--rm", "app", "python", "-c", f"import {NEW_DEPENDENCY}")
    project.make("prod-build")  # the lock pins every production dependency: it passes
    project.compose("run", "--rm", "prod", "python", "-c", f"import {NEW_DEPENDENCY}")
    assert_checkout_clean(project)
