"""Fast checks of baked projects: every combination of conftest.COMBINATIONS (the
covering design of tests/design.py, 64 bakes; the full product, 1,024, with
``--all-combinations``) bakes, parses and passes the linters."""

import ast
import json
import re
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from conftest import COMBINATIONS, bake_ok, combination_id, load_hook, project_files, tool
from helpers import distinct_files, make_targets, makefile_text, run

SPDX_TEXTS = Path(__file__).parent / "data" / "licenses"

DEFAULT_FILES = {
    ".cookiecutter.json",
    ".dockerignore",
    ".env.prod.example",
    ".gitattributes",
    ".github/dependabot.yml",
    ".github/workflows/ci.yml",
    ".github/workflows/publish.yml",
    ".github/workflows/template-drift.yml",
    ".github/workflows/template-update.yml",
    ".gitignore",
    ".pre-commit-config.yaml",
    ".vscode/launch.json",
    "Dockerfile",
    "LICENSE",
    "Makefile",
    "README.md",
    "compose.prod.yaml",
    "compose.yaml",
    "docs/dependencies.md",
    "docs/deploy.md",
    "docs/development.md",
    "docs/github.md",
    "docs/pre-commit.md",
    "make/deploy.mk",
    "make/hosts.mk",
    "make/app.mk",
    "pyproject.toml",
    "scripts/dev-env.sh",
    "scripts/debug.sh",
    "scripts/deploy.sh",
    "scripts/docker-check.sh",
    "scripts/ports.sh",
    "scripts/requirements.py",
    "scripts/run.sh",
    "scripts/template.sh",
    "scripts/test-container.sh",
    "src/my_cool_project/__init__.py",
    "src/my_cool_project/__main__.py",
    "src/my_cool_project/cli.py",
    "src/my_cool_project/commands/__init__.py",
    "src/my_cool_project/commands/greet.py",
    "tests/test_cli.py",
    "tests/test_greet.py",
    "tests/test_pre_commit.py",
}
LOCK_FILES = {"uv": "uv.lock", "pip": "requirements.lock.txt"}


@pytest.fixture(params=COMBINATIONS, ids=combination_id)
def baked(request, all_projects):
    """(project path, answers) for one combination."""
    return all_projects[combination_id(request.param)], request.param


@pytest.fixture(scope="session")
def lint_findings(all_projects):
    """{project path: what ruff and hadolint report}, from one run of each over all
    the projects (ruff reads each project's own pyproject.toml)."""
    ruff = [sys.executable, "-m", "ruff"]
    projects = [str(path) for path in all_projects.values()]
    # The Dockerfile varies with few options: lint each distinct one once.
    dockerfiles = distinct_files(projects, "Dockerfile")
    outputs = [
        run(command, check=False)
        for command in (
            [*ruff, "check", "--no-cache", "--output-format=concise", *projects],
            [*ruff, "format", "--check", "--no-cache", *projects],
            [
                tool("hadolint"),
                "--failure-threshold=style",
                *(f"{same[0]}/Dockerfile" for same in dockerfiles.values()),
            ],
        )
    ]
    lines = [line for out in outputs for line in (out.stdout + out.stderr).splitlines()]
    findings = {path: [line for line in lines if f"{path}/" in line] for path in projects}
    for same in dockerfiles.values():
        for path in same[1:]:
            findings[str(path)] += findings[str(same[0])]
    # A linter that failed without naming a project is a finding for all of them.
    unexplained = [out for out in outputs if out.returncode != 0 and not any(findings.values())]
    assert not unexplained, unexplained
    return findings


def read(project, relative):
    return (project / relative).read_text(encoding="utf-8")


def dockerfile_stages(text):
    """{stage name: its lines}, in file order."""
    stages = {}
    for line in text.splitlines():
        match = re.fullmatch(r"FROM \S+ AS (\S+)", line)
        if match:
            current = stages.setdefault(match.group(1), [])
        elif stages:
            current.append(line)
    return stages


def test_default_bake_has_exactly_the_expected_files(cookies):
    project = bake_ok(cookies)
    assert project.name == "my-cool-project"
    assert set(project_files(project)) == DEFAULT_FILES


def test_same_answers_give_byte_identical_projects(cookies):
    answers = {"project_name": "Twice Baked", "package_manager": "pip", "app_type": "web"}
    assert project_files(bake_ok(cookies, **answers)) == project_files(bake_ok(cookies, **answers))


def test_every_file_is_rendered_and_parses(baked):
    project, _ = baked
    for relative, content in project_files(project).items():
        text = content.decode("utf-8")
        jinja = re.sub(r"\$\{\{[^{}]*\}\}", "", text)  # a GitHub Actions expression is not Jinja
        assert "{{" not in jinja and "{%" not in jinja and "{#" not in jinja, relative
        assert "\r" not in text, f"{relative} has CR line endings"
        assert text.endswith("\n") and not text.endswith("\n\n"), f"{relative}: final newline"
        if relative.endswith(".py"):
            ast.parse(text, filename=relative)
        elif relative.endswith((".yaml", ".yml")):
            # A Kubernetes manifest may hold several documents.
            documents = list(yaml.safe_load_all(text))
            assert documents and all(isinstance(doc, dict) for doc in documents), relative
        elif relative.endswith(".json"):
            assert isinstance(json.loads(text), dict), relative
        elif relative.endswith(".toml"):
            tomllib.loads(text)


def test_pyproject_declares_a_pep660_build_its_license_and_dependencies(baked):
    project, answers = baked
    pyproject = tomllib.loads(read(project, "pyproject.toml"))
    meta = pyproject["project"]
    assert pyproject["build-system"]["build-backend"] == "hatchling.build"
    assert meta["requires-python"] == f">={answers['python_version']}"
    assert meta["scripts"] == {"my-cool-project": "my_cool_project.cli:main"}
    assert meta["license-files"] == ["LICENSE"]
    if answers["license"] == "Proprietary":
        assert meta["license"] == "LicenseRef-Proprietary"
        assert "Private :: Do Not Upload" in meta["classifiers"]
    else:
        assert meta["license"] == answers["license"]
    dev = pyproject["dependency-groups"]["dev"]
    assert any(dep.startswith("pytest") for dep in dev)
    names = [re.split("[<>=]", dep)[0] for dep in meta["dependencies"]]
    expected = {"cli": [], "web": ["fastapi", "uvicorn"]}[answers["app_type"]]
    if answers["database"] == "postgres":
        expected = sorted([*expected, "alembic", "psycopg[binary]", "sqlalchemy"])
    if answers["worker"] == "procrastinate":  # exactly: migration 0002 holds its schema
        expected = sorted([*expected, "procrastinate"])
        assert "procrastinate==3.10.0" in meta["dependencies"]
    assert names == expected
    if answers["app_type"] == "web":
        # Starlette's TestClient warns with the old httpx: httpx2, not a filter.
        assert any(dep.startswith("httpx2>=") for dep in dev), "TestClient needs httpx2"
        assert not any(re.match(r"httpx\b(?!2)", dep) for dep in dev), dev


def test_license_is_the_full_text_of_the_choice(baked):
    project, answers = baked
    text = read(project, "LICENSE")
    words = " ".join(text.split())
    # Apache-2.0 is used verbatim: its copyright notice goes in source files.
    assert ("Copyright (c) Your Name" in text) == (answers["license"] != "Apache-2.0")
    if answers["license"] == "Proprietary":
        assert "All rights reserved." in text
        for open_source in ("Permission is hereby granted", "Redistribution", "Licensed under"):
            assert open_source not in text
        return
    # Word for word the SPDX text, from its first clause to its end.
    spdx = " ".join((SPDX_TEXTS / f"{answers['license']}.txt").read_text().split())
    first_clause = {
        "MIT": "Permission is hereby granted",
        "BSD-3-Clause": "Redistribution and use",
        "Apache-2.0": "TERMS AND CONDITIONS",
    }[answers["license"]]
    assert words[words.index(first_clause) :] == spdx[spdx.index(first_clause) :]


def test_compose_has_app_and_test_on_the_dev_target_with_the_mount(baked):
    project, answers = baked
    compose = yaml.safe_load(read(project, "compose.yaml"))
    assert "version" not in compose
    # No fixed name: each checkout's .env names its own compose project.
    assert "name" not in compose
    services = compose["services"]
    database = {"db", "migrate"} if answers["database"] == "postgres" else set()
    assert set(services) == {"app", "test", "prod", *database}
    assert services["test"]["command"] == ["pytest"]
    for service in (services["app"], services["test"]):
        assert service["volumes"] == [".:/src"]
        assert "entrypoint" not in service and "image" not in service
        assert service["build"]["target"] == "dev"
        # The Python version is the Dockerfile's, not passed from here.
        assert service["build"]["args"] == {
            "HOST_UID": "${HOST_UID:-1000}",
            "HOST_GID": "${HOST_GID:-1000}",
        }
        assert service["security_opt"] == ["no-new-privileges:true"]
        assert "privileged" not in service
    assert services["app"]["build"] == services["test"]["build"]
    watch = services["app"]["develop"]["watch"]
    lock = LOCK_FILES[answers["package_manager"]]
    assert watch == [
        {"action": "rebuild", "path": "pyproject.toml"},
        {"action": "rebuild", "path": lock},
    ]
    assert "ports" not in services["test"]


def test_compose_builds_the_prod_image_only_when_asked(baked):
    """`make prod-build` is `docker compose build prod`: BuildKit, like the dev images."""
    project, _ = baked
    compose = yaml.safe_load(read(project, "compose.yaml"))
    prod = compose["services"]["prod"]
    assert prod["profiles"] == ["prod"], "built only when named"
    # No image name: compose names it after this checkout's project, <project>-prod.
    assert prod["build"]["target"] == "prod" and "image" not in prod
    assert prod["build"]["labels"] == compose["services"]["app"]["build"]["labels"]
    assert "volumes" not in prod and "args" not in prod["build"]
    # Run as a server runs it.
    assert prod["read_only"] is True and prod["cap_drop"] == ["ALL"]
    assert prod["security_opt"] == ["no-new-privileges:true"]
    makefile = makefile_text(project)
    assert "\tdocker compose build prod\n" in makefile
    assert "docker build" not in makefile


def test_compose_app_serves_the_web_app_with_reload_on_localhost_only(baked):
    project, answers = baked
    app = yaml.safe_load(read(project, "compose.yaml"))["services"]["app"]
    if answers["app_type"] == "cli":
        assert app["command"] == ["my-cool-project"]
        assert "ports" not in app and "healthcheck" not in app
        return
    assert app["command"][:2] == ["uvicorn", "my_cool_project.web:app"]
    assert {"--reload", "--reload-dir=/src", "--port=8000"} <= set(app["command"])
    assert app["ports"] == ["127.0.0.1:${APP_PORT:-8000}:8000"]
    check = app["healthcheck"]["test"]
    assert check[:2] == ["CMD", "python"] and "http://127.0.0.1:8000/health" in check[-1]
    compile(check[-1], "healthcheck", "exec")


def test_dockerfile_has_dev_last_and_a_lean_prod(baked):
    project, answers = baked
    text = read(project, "Dockerfile")
    stages = dockerfile_stages(text)
    uv = answers["package_manager"] == "uv"
    names = ["base", "builder", "prod-build", "prod", "dev"]
    assert list(stages) == (["uv", *names] if uv else names), "dev last: the default target"
    assert f"ARG PYTHON_VERSION={answers['python_version']}" in text.splitlines()
    assert "ENTRYPOINT" not in text
    command = (
        '["my-cool-project", "serve", "--host", "0.0.0.0"]'
        if answers["app_type"] == "web"
        else '["my-cool-project"]'
    )
    dev, prod = stages["dev"], stages["prod"]
    for stage in (dev, prod):
        assert f"CMD {command}" in stage
    # dev: dependencies installed before the source is copied, then editable.
    assert "WORKDIR /src" in stages["builder"] and "USER ${HOST_UID}:${HOST_GID}" in dev
    assert any("PYTHONDONTWRITEBYTECODE=1" in line for line in stages["base"])
    copy_all = dev.index("COPY --chown=${HOST_UID}:${HOST_GID} . .")
    lock = LOCK_FILES[answers["package_manager"]]
    copy_deps = next(i for i, line in enumerate(dev) if line.startswith("COPY") and lock in line)
    assert copy_deps < copy_all
    other = "pip install --editable" if answers["package_manager"] == "uv" else "uv sync"
    assert other not in "\n".join(dev)
    # prod: a copied virtualenv, a fixed non-root user, nothing editable or dev.
    assert "COPY --from=prod-build /opt/venv /opt/venv" in prod
    assert "USER 10001:10001" in prod
    build = "\n".join(stages["prod-build"])
    assert "--editable" not in build and "--group" not in build
    if answers["package_manager"] == "uv":
        assert "--no-dev --no-editable" in build


def test_dockerfile_sets_each_version_and_setting_once_and_caches_downloads(baked):
    """One place for each version (a global ARG default) and each ENV setting; uv
    from its official image; every step that can download uses a cache mount."""
    project, answers = baked
    text = read(project, "Dockerfile")
    stages = dockerfile_stages(text)
    uv = answers["package_manager"] == "uv"
    defaults = re.findall(r"^ARG (\w+)=(\S+)$", text, flags=re.MULTILINE)
    versions = {"PYTHON_VERSION": answers["python_version"]}
    versions.update({"UV_VERSION": "0.13.8"} if uv else {"PIP_VERSION": "26.3"})
    assert dict(defaults) == {**versions, "HOST_UID": "1000", "HOST_GID": "1000"}
    assert len(defaults) == len(dict(defaults)), "an ARG default is set twice"
    for name in versions:  # global, before the first stage
        assert text.index(f"ARG {name}=") < text.index("\nFROM ")
    # No other file of the project names a version the Dockerfile sets (its
    # documentation may: README.md and docs/).
    explained = ("Dockerfile", "README.md", "pyproject.toml")
    for relative, content in project_files(project).items():
        if relative not in explained and not relative.startswith("docs/"):
            assert b"PYTHON_VERSION" not in content and b"0.13.8" not in content, relative
    assert not (project / ".python-version").exists()
    # Each environment variable is set in one stage only.
    env = [
        (name, stage)
        for stage, lines in stages.items()
        for line in lines
        for name in re.findall(r"(?:^ENV |^    )(\w+)=", line)
    ]
    assert len(env) == len({name for name, _ in env}), env
    # uv from its image, never from pip; downloads in a cache mount.
    builder = "\n".join(stages["builder"])
    assert ("COPY --from=uv /uv /uvx /bin/" in builder) == uv
    assert (text.count("FROM ghcr.io/astral-sh/uv:${UV_VERSION} AS uv") == 1) == uv
    assert "pip install uv" not in text and "UV_NO_CACHE" not in text
    assert ("UV_LINK_MODE=copy" in builder) == uv
    cache = "/root/.cache/uv" if uv else "/root/.cache/pip"
    runs = re.findall(r"^RUN (.*?)(?<!\\)$", text, flags=re.MULTILINE | re.DOTALL)
    for step in runs:
        downloads = re.search(r"uv sync|pip (--python \S+ )?install", step)
        if downloads and "--no-build-isolation" not in step:
            assert step.startswith(f"--mount=type=cache,target={cache} "), step
    # The venv is installed by root from the cache and handed to HOST_UID in the same step.
    dev = "\n".join(stages["dev"])
    assert 'chown -R "$HOST_UID:$HOST_GID" /opt/venv' in dev
    assert dev.index("chown -R") < dev.index("USER ${HOST_UID}:${HOST_GID}")


def test_devcontainer_uses_the_app_service_and_keeps_the_uid_mapping(baked):
    project, answers = baked
    path = project / ".devcontainer" / "devcontainer.json"
    if not answers["use_devcontainer"]:
        assert not path.exists()
        return
    config = json.loads(path.read_text(encoding="utf-8"))
    assert config["name"] == "My Cool Project"
    assert config["dockerComposeFile"] == ["../compose.yaml"]
    assert (config["service"], config["workspaceFolder"]) == ("app", "/src")
    assert "remoteUser" not in config and "containerUser" not in config
    # The same .env as make's: this checkout's compose project and the uid/gid.
    assert config["initializeCommand"] == "sh scripts/dev-env.sh"
    # A cli app's command exits at once: the dev container needs its own.
    assert config["overrideCommand"] == (answers["app_type"] == "cli")


def test_github_workflow_builds_with_compose_and_runs_the_tests(baked):
    project, answers = baked
    path = project / ".github" / "workflows" / "ci.yml"
    if not answers["use_github_actions"]:
        assert not path.exists()
        return
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    # YAML 1.1 reads `on` as True; the publish workflow calls this one first.
    called = {"workflow_call"} if answers["deploy"] != "none" else set()
    assert set(workflow[True]) == {"push", "pull_request", *called}
    steps = workflow["jobs"]["test"]["steps"]
    runs = [step.get("run") for step in steps]
    assert steps[0]["uses"].startswith("actions/checkout@")
    assert runs.index("make build") < runs.index("make test")
    assert "make prod-build" in runs
    assert ("make up" in runs) == (answers["app_type"] == "web")
    targets = make_targets(project)
    assert ("make prod-config" in runs) == (answers["deploy"] != "none")
    for step_command in filter(None, runs):
        assert step_command.split()[1] in targets, step_command


def test_ruff_and_hadolint_are_clean(baked, lint_findings):
    project, _ = baked
    assert lint_findings[str(project)] == []


@pytest.mark.parametrize("app_type", ["cli", "web"])
def test_the_longest_name_keeps_the_code_formatted_and_lint_clean(cookies, app_type):
    """The package's name is in the imports of most modules: at the longest the
    hooks accept, ruff still finds every file formatted and clean (the imports
    that could outgrow a line are parenthesized in the template)."""
    longest = load_hook("pre_gen_project").MAX_NAME_LENGTH
    name = ("a-long-project-name-" * 4)[:longest]
    project = bake_ok(
        cookies,
        project_slug=name,
        app_type=app_type,
        database="postgres",
        worker="procrastinate",
        deploy="kubernetes",
    )
    assert [len(package.name) for package in (project / "src").iterdir()] == [longest]
    ruff = [sys.executable, "-m", "ruff"]
    run([*ruff, "check", "--no-cache", "--output-format=concise", "."], project)
    run([*ruff, "format", "--check", "--no-cache", "."], project)


def test_readme_onboards_with_the_commands_that_exist(baked):
    """Clone -> green tests -> first change, with make and with plain compose; every
    `make` target it names exists, and it leaves the full list to `make help`."""
    project, answers = baked
    readme = read(project, "README.md")
    makefile = makefile_text(project)
    for command in ("docker compose build", "docker compose run --rm test", "HOST_UID"):
        assert command in readme, command
    lock = LOCK_FILES[answers["package_manager"]]
    assert lock in readme and lock in makefile
    targets = make_targets(project)
    assert {
        "build", "test", "test-watch", "debug", "debug-test", "run", "shell", "lint", "format",
        "lock", "watch", "prod-build", "prod", "clean", "template-diff", "template-update", "help",
    } <= targets  # fmt: skip
    named = set(re.findall(r"(?<![\w-])make ([a-z][a-z-]*)", readme))
    assert named <= targets, f"no such target: {named - targets}"
    first_run = ["build", "test", "up" if answers["app_type"] == "web" else "run"]
    assert {*first_run, "lint", "lock", "help"} <= named
    assert "| `make " not in readme, "a table of the targets repeats `make help`"
    if answers["app_type"] == "web":
        assert {"up", "down"} <= targets
        # `make up` prints the address (APP_PORT may move it); the README names the setting.
        assert "APP_PORT" in readme
