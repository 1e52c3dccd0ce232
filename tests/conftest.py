"""The tests' fixtures and data: the template's options, the combinations of them
the fast tests bake (a covering design, tests/design.py; the full product with
``--all-combinations``), awkward answers, baking with pytest-cookies, loading the
hooks, Docker or not.

What the benchmark needs too (commands, baking with the command line, compose
projects, BuildKit logs, snapshots) is in helpers.py; the names tests have
imported from here (TEMPLATE, run_cookiecutter, project_files) still work."""

import fcntl
import importlib.util
import itertools
import json
import os
import shutil
import sysconfig
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from cookiecutter.main import cookiecutter

import design

# project_files and run_cookiecutter are re-exported: tests import them from here.
from helpers import TEMPLATE, project_files, run, run_cookiecutter  # noqa: F401

OPTIONS = json.loads((TEMPLATE / "cookiecutter.json").read_text(encoding="utf-8"))
PYTHON_VERSIONS = OPTIONS["python_version"]
PACKAGE_MANAGERS = OPTIONS["package_manager"]
# The context cookiecutter builds from the defaults, as a replay file holds it.
DEFAULT_ANSWERS = {
    **OPTIONS,
    # A choice's default is its first value.
    **{
        key: value[0]
        for key, value in OPTIONS.items()
        if not key.startswith("_") and isinstance(value, list)
    },
    "project_slug": "my-cool-project",
    "package_name": "my_cool_project",
}
# The options a user picks from: choice lists and yes/no questions.
CHOICE_OPTIONS = design.choice_options(OPTIONS)
# The combinations the fast tests bake and check, as answers: the covering design
# computed from cookiecutter.json and the template's files (tests/design.py), the
# defaults first. --all-combinations makes it FULL_PRODUCT (pytest_configure,
# before any test module reads it).
DESIGN = design.covering_design(OPTIONS)
COMBINATIONS = list(DESIGN.rows)
# Every combination of them that the rules between answers allow (1,536 of
# 2,048 today: no worker without PostgreSQL): baked only with --all-combinations.
FULL_PRODUCT = [
    answers
    for values in itertools.product(*CHOICE_OPTIONS.values())
    if design.is_allowed(
        answers := dict(zip(CHOICE_OPTIONS, values, strict=True)), DESIGN.forbidden
    )
]
# A short test id for a combination (tests import it from here).
combination_id = design.combination_id
# How many projects the session baked through all_projects, and lines tests add
# to the terminal summary.
BAKES = {"combinations": 0, "single": 0}
REPORT = []
# Whether this run made this engine a swarm (tests/test_docker_swarm.py), which
# it then leaves when every test has ended: leaving a swarm breaks Docker's DNS
# on the bridge networks that exist at that moment (a compose project's `db`
# stops resolving), so never while another test's project runs.
SWARM = {"made": False}


def pytest_addoption(parser):
    parser.addoption(
        "--all-combinations",
        action="store_true",
        help="bake and check every combination of the options (the full product), "
        "not the covering design",
    )


def pytest_configure(config):
    if config.getoption("--all-combinations", default=False):
        COMBINATIONS[:] = FULL_PRODUCT


# Modules whose tests pytest-xdist spreads over the workers one by one: each test
# stands alone, and what their module-scoped fixtures make (a template history,
# a git repository) is cheap to make once per worker. Every other module, and
# every class of one (a dev loop's ordered steps on one project), runs whole on
# one worker, in order (--dist=loadscope in pyproject.toml).
SPREAD = {"test_update", "test_compare", "test_regenerate"}
# The longest modules start first, then the other Docker tests, then the fast
# ones, which fill the gaps: a worker is never left alone with a long scenario at
# the end while the other has nothing to do.
LONGEST_FIRST = ["test_docker_swarm", "test_docker_db", "test_docker"]


def pytest_collection_modifyitems(config, items):
    def start(item):
        module = item.module.__name__
        if module in LONGEST_FIRST:
            return LONGEST_FIRST.index(module)
        return len(LONGEST_FIRST) + (0 if item.get_closest_marker("docker") else 1)

    def scenario(item):
        """A scenario's steps (one class-scoped `loop` project) are one group. The
        fixture's name is the key: a scenario under another name is not grouped."""
        spec = getattr(item, "callspec", None)
        if spec and "loop" in spec.params:
            return (item.cls.__name__, spec.id)
        return item.nodeid

    # Each group where its first item was collected, its steps in the order of
    # the source: a step that only some projects run (a module's
    # pytest_generate_tests) must not move ahead of its project's earlier steps.
    first = {}
    for index, item in enumerate(items):
        first.setdefault(scenario(item), index)
    items.sort(key=lambda item: (start(item), first[scenario(item)], item.location[1]))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """pytest-xdist's loadscope, handing out the scopes in the order above (not
    the most tests first), each test of a SPREAD module a scope of its own."""
    from xdist.scheduler import LoadScopeScheduling

    class Scheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            if Path(nodeid.split("::")[0]).stem in SPREAD:
                return nodeid
            return super()._split_scope(nodeid)

    config.option.loadscopereorder = False
    return Scheduling(config, log)


# What the suite's compose projects (dl-… and the benchmark's bench-…) left in
# Docker when the run started: a run that was cut short leaves some.
LEFT_BEFORE = set()
PROJECT_LABEL = "com.docker.compose.project"


def docker_objects_of_the_suite():
    """{"<kind> <id> (<compose project>)"} of every container, image (a replaced
    one too), volume and network of a compose project named dl-… or bench-…."""
    found = set()
    for kind, listing, key in (
        ("container", ["ps", "-aq"], "{{.Id}} {{index .Config.Labels"),
        ("image", ["image", "ls", "-aq"], "{{.Id}} {{index .Config.Labels"),
        ("volume", ["volume", "ls", "-q"], "{{.Name}} {{index .Labels"),
        ("network", ["network", "ls", "-q"], "{{.Id}} {{index .Labels"),
    ):
        ids = run(["docker", *listing, "--filter", f"label={PROJECT_LABEL}"], check=False)
        if not ids.stdout.split():
            continue
        template = f'{key} "{PROJECT_LABEL}"}}}}'
        shown = run(
            ["docker", kind, "inspect", "-f", template, *set(ids.stdout.split())], check=False
        )
        for id_, project in (line.split() for line in shown.stdout.splitlines() if " " in line):
            if project.startswith(("dl-", "bench-")):
                found.add(f"{kind} {id_} ({project})")
    return found


def pytest_sessionstart(session):
    if not hasattr(session.config, "workerinput") and docker_problem() is None:
        LEFT_BEFORE.update(docker_objects_of_the_suite())


def pytest_sessionfinish(session):
    """Under pytest-xdist, a worker hands its counts and lines to the controller;
    the controller (or the one process, with -n 0), the last to finish, leaves the
    swarm this run made, and fails the run if its tests left anything in Docker."""
    if hasattr(session.config, "workeroutput"):
        session.config.workeroutput["bakes"] = dict(BAKES)
        session.config.workeroutput["report"] = list(REPORT)
        session.config.workeroutput["swarm_made"] = SWARM["made"]
        return
    if SWARM["made"]:
        run(["docker", "swarm", "leave", "--force"], check=False)
    if docker_problem() is None and (left := docker_objects_of_the_suite() - LEFT_BEFORE):
        REPORT.append(f"FAILED: the tests left {len(left)} Docker objects: {sorted(left)}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """The controller adds up what each pytest-xdist worker handed over."""
    output = getattr(node, "workeroutput", {})
    for key, count in output.get("bakes", {}).items():
        BAKES[key] += count
    REPORT.extend(output.get("report", []))
    SWARM["made"] |= output.get("swarm_made", False)


def pytest_terminal_summary(terminalreporter, config):
    mode = "the full product" if len(COMBINATIONS) == len(FULL_PRODUCT) else "the covering design"
    terminalreporter.write_line(
        f"combination bakes: {BAKES['combinations']} (COMBINATIONS: {len(COMBINATIONS)} rows, "
        f"{mode}; {len(FULL_PRODUCT)} combinations in all); single bakes through bake_ok: "
        f"{BAKES['single']} (the command-line bakes of the bad-input, regenerate and compare "
        "tests are not counted)"
    )
    for line in REPORT:
        terminalreporter.write_line(line)


# Valid answers that break naive quoting in TOML, YAML, Compose or Python.
AWKWARD = [
    'He said "hi"',
    "back\\slash \\n not a newline",
    "O'Brien & Søn — Zürich 🚀",
    "$HOME ${USER} $$ $",
    "# not a comment: [1, 2] {a: b} *star &anchor !tag %d @at `tick` | > ?",
    "\"\"\"triple\"\"\" and '''single'''",
    "- dash first",
    "yes",
    "012",
    "a: b # c",
    "null ~ 1e3 0x1F .inf",
    "tab\\t and \\u00e9 spelled out",
    "",
]


def load_hook(name):
    """Import hooks/<name>.py as a module: its checks are plain functions."""
    spec = importlib.util.spec_from_file_location(name, TEMPLATE / "hooks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tool(name):
    """A command installed by requirements-dev.txt, next to this Python or on PATH."""
    found = shutil.which(name, path=sysconfig.get_path("scripts")) or shutil.which(name)
    if not found:
        pytest.fail(f"{name} is not installed: pip install -r requirements-dev.txt")
    return found


def replay_file(directory, **answers):
    """A replay file with the defaults and ``answers``: its values reach the hooks
    verbatim, like typed answers (``--no-input`` values are rendered by Jinja first)."""
    path = Path(directory, "replay.json")
    path.write_text(json.dumps({"cookiecutter": {**DEFAULT_ANSWERS, **answers}}), encoding="utf-8")
    return path


def bake_ok(cookies, **answers):
    """Bake with ``answers``; fail with cookiecutter's error if it did not work."""
    BAKES["single"] += 1
    result = cookies.bake(extra_context=answers, template=str(TEMPLATE))
    assert result.exception is None, f"bake failed: {result.exception!r}"
    assert result.exit_code == 0
    return result.project_path


def docker_problem():
    """Why Docker tests cannot run here, or None."""
    if not shutil.which("docker"):
        return "the docker command is not installed"
    for command in (["docker", "info"], ["docker", "compose", "version"]):
        result = run(command, check=False)
        if result.returncode != 0:
            return f"`{' '.join(command)}` failed: {result.stderr.strip()[:200]}"
    return None


@pytest.fixture(scope="session")
def docker():
    """Skip without a usable Docker Engine; fail instead when REQUIRE_DOCKER=1 (CI)."""
    problem = docker_problem()
    if problem and os.environ.get("REQUIRE_DOCKER") == "1":
        pytest.fail(f"REQUIRE_DOCKER=1 but no usable Docker: {problem}")
    if problem:
        pytest.skip(f"no usable Docker: {problem}")


def bake_combination(answers, output_dir):
    """Bake one combination with cookiecutter's API (in a worker process)."""
    return Path(
        cookiecutter(str(TEMPLATE), no_input=True, extra_context=answers, output_dir=output_dir)
    )


def bake_all(root):
    """{combination id: project path} of every row of COMBINATIONS, baked under
    ``root`` on every core."""
    ids = [combination_id(answers) for answers in COMBINATIONS]
    with ProcessPoolExecutor(max_workers=os.cpu_count()) as pool:
        paths = pool.map(bake_combination, COMBINATIONS, [root / id_ for id_ in ids])
        projects = dict(zip(ids, paths, strict=True))
    BAKES["combinations"] += len(projects)
    return projects


@pytest.fixture(scope="session")
def all_projects(tmp_path_factory):
    """{combination id: project path}: every row of COMBINATIONS, baked once per
    run. Under pytest-xdist the first worker that needs them bakes them into the
    run's shared temporary directory while the others wait, then all use them."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return bake_all(tmp_path_factory.mktemp("combinations"))
    shared = tmp_path_factory.getbasetemp().parent / "combinations"
    index = shared / "projects.json"
    with open(f"{shared}.lock", "w", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not index.exists():
            projects = bake_all(shared)
            index.write_text(json.dumps({k: str(v) for k, v in projects.items()}), "utf-8")
    return {key: Path(value) for key, value in json.loads(index.read_text("utf-8")).items()}
