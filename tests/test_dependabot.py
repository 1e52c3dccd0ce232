"""`.github/dependabot.yml` on every combination (conftest.COMBINATIONS, baked once by
``all_projects``; each distinct file checked once): valid against the published
JSON schema for it (a pinned copy, tests/data/dependabot-2.0.json, with its
source), naming exactly the package ecosystems the project's own files use, each
grouped and on a schedule. The ruff that pre-commit runs and the ruff the
project pins agree, in the template and in every bake."""

import functools
import json
import re
import tomllib
from pathlib import Path

import jsonschema
import pytest
import yaml

from conftest import COMBINATIONS, TEMPLATE
from helpers import distinct_files, makefile_text

DEPENDABOT_SCHEMA = json.loads(
    (Path(__file__).parent / "data" / "dependabot-2.0.json").read_text(encoding="utf-8")
)
RUFF_HOOK = "https://github.com/astral-sh/ruff-pre-commit"


def dependabot_files(all_projects):
    """{file content: [project paths]} of every bake that has a dependabot.yml."""
    return distinct_files(all_projects.values(), ".github/dependabot.yml")


def schema_errors(config):
    validator = jsonschema.Draft7Validator(DEPENDABOT_SCHEMA)
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(config)
    ]


@functools.cache
def parsed(text):
    """A YAML text, parsed once however many bakes share it (read-only)."""
    return yaml.safe_load(text)


def ecosystems_in_use(project):
    """The Dependabot ecosystems a project's own files call for."""
    used = set()
    dockerfile = (project / "Dockerfile").read_text(encoding="utf-8")
    if (project / "pyproject.toml").exists():
        used.add("uv" if "uv sync" in dockerfile else "pip")
    if "\nFROM " in dockerfile:
        used.add("docker")
    if (project / "compose.yaml").exists():
        used.add("docker-compose")
    if any((project / ".github" / "workflows").glob("*.yml")):
        used.add("github-actions")
    if (project / ".pre-commit-config.yaml").exists():
        used.add("pre-commit")
    return used


def test_the_schema_is_the_published_dependabot_schema():
    jsonschema.Draft7Validator.check_schema(DEPENDABOT_SCHEMA)
    assert DEPENDABOT_SCHEMA["$id"] == "https://json.schemastore.org/dependabot-2.0.json"
    ecosystems = DEPENDABOT_SCHEMA["definitions"]["package-ecosystem-values"]["enum"]
    assert {"uv", "pip", "docker", "docker-compose", "github-actions", "pre-commit"} <= set(
        ecosystems
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c["updates"][0].update({"package-ecosystem": "pipx"}), "is not one of"),
        (lambda c: c["updates"][-1].pop("schedule"), "'schedule' is a required property"),
        (lambda c: c["updates"][-1]["schedule"].update(interval="hourly"), "'hourly' is not"),
        (lambda c: c["updates"][-1].update(directory="/", dirctory="/"), "dirctory"),
        (lambda c: c.update(version=1), "2 was expected"),
    ],
)
def test_the_schema_check_catches_a_broken_dependabot_file(all_projects, change, message):
    config = yaml.safe_load(next(iter(dependabot_files(all_projects))))
    assert schema_errors(config) == []
    change(config)
    errors = schema_errors(config)
    assert any(message in error for error in errors), errors


def test_every_dependabot_file_is_valid_against_the_schema(all_projects):
    texts = dependabot_files(all_projects)
    assert len(texts) > 1
    for text, projects in texts.items():
        assert schema_errors(yaml.safe_load(text)) == [], projects[0]


def test_dependabot_names_exactly_the_ecosystems_the_project_uses(all_projects):
    with_dependabot = 0
    for project in all_projects.values():
        path = project / ".github" / "dependabot.yml"
        if not path.exists():
            assert not (project / ".github").exists()
            continue
        with_dependabot += 1
        updates = parsed(path.read_text(encoding="utf-8"))["updates"]
        names = [update["package-ecosystem"] for update in updates]
        assert sorted(names) == sorted(ecosystems_in_use(project)), project
        assert all(update["directory"] == "/" for update in updates), project
    assert with_dependabot == sum(answers["use_github_actions"] for answers in COMBINATIONS)


def test_every_update_is_grouped_and_scheduled(all_projects):
    for text, projects in dependabot_files(all_projects).items():
        config = yaml.safe_load(text)
        multi = config.get("multi-ecosystem-groups", {})
        for update in config["updates"]:
            group = update.get("multi-ecosystem-group")
            if group:
                assert update["patterns"] == ["*"], projects[0]
                schedule = multi[group]["schedule"]
            else:
                assert [g["patterns"] for g in update["groups"].values()] == [["*"]], projects[0]
                schedule = update["schedule"]
            assert schedule["interval"] in ("weekly", "monthly"), projects[0]
        # ruff's pin (uv/pip) and its pre-commit rev must arrive in the same pull request.
        grouped = {
            u["package-ecosystem"]: u.get("multi-ecosystem-group") for u in config["updates"]
        }
        if "pre-commit" in grouped:
            python = grouped.get("uv", grouped.get("pip"))
            assert python and grouped["pre-commit"] == python, projects[0]


def test_dependabot_updates_the_pip_lock_file_with_pyproject(all_projects):
    """Dependabot's pip ecosystem reads pyproject.toml and every `.txt` file whose
    name contains `requirements`: the lock file `make lock` writes is one, so a
    bump moves its pin and, where pyproject.toml pins the package exactly (ruff),
    that pin too, in one commit. Ranges that admit the new version stay."""
    checked = 0
    for text, projects in dependabot_files(all_projects).items():
        (update,) = [
            u for u in yaml.safe_load(text)["updates"] if u["package-ecosystem"] in ("uv", "pip")
        ]
        if update["package-ecosystem"] == "uv":
            continue
        checked += 1
        makefile = makefile_text(projects[0])
        (lock,) = re.findall(
            r"pip list --format=freeze --exclude-editable --exclude pip > (\S+)'", makefile
        )
        assert "requirements" in lock and lock.endswith(".txt"), lock
        assert update["versioning-strategy"] == "increase-if-necessary"
    assert checked


@functools.cache
def ruff_pin(pyproject_text):
    dev = tomllib.loads(pyproject_text)["dependency-groups"]["dev"]
    (pin,) = [match[1] for dep in dev if (match := re.fullmatch(r"ruff==(\S+)", dep))]
    return pin


def ruff_rev(pre_commit_text):
    (repo,) = [r for r in parsed(pre_commit_text)["repos"] if r["repo"] == RUFF_HOOK]
    return repo["rev"]


def test_ruff_is_one_version_in_the_template_and_every_bake(all_projects):
    """The generated pin, the generated pre-commit rev and the ruff this repository
    lints the bakes with (requirements-dev.txt) are the same version."""
    requirements = (TEMPLATE / "requirements-dev.txt").read_text(encoding="utf-8")
    (version,) = re.findall(r"^ruff==(\S+)$", requirements, flags=re.MULTILINE)
    with_pre_commit = 0
    for project in all_projects.values():
        assert ruff_pin((project / "pyproject.toml").read_text(encoding="utf-8")) == version
        config = project / ".pre-commit-config.yaml"
        if config.exists():
            with_pre_commit += 1
            assert ruff_rev(config.read_text(encoding="utf-8")) == f"v{version}", project
    assert with_pre_commit == sum(answers["use_pre_commit"] for answers in COMBINATIONS)
