"""Awkward but valid answers reach every file that embeds them exactly:
pyproject.toml, compose.yaml, README.md, LICENSE, .devcontainer/devcontainer.json.
The workflow embeds no free text; it stays the same for any answer."""

import json
import sys
import tomllib

import pytest
import yaml

from conftest import AWKWARD, bake_ok
from helpers import run

AWKWARD_ANSWERS = {"project_slug": "awkward", "author_email": '"odd.name"@example.com'}


def bake_awkward(cookies, value, **answers):
    return bake_ok(
        cookies,
        project_name=value or "x",
        description=value,
        author_name=value or "x",
        **AWKWARD_ANSWERS,
        **answers,
    )


@pytest.fixture(scope="module")
def awkward_project(cookies_session):
    """The project baked with ``value`` in every free-text answer, once per value
    (``None``: plain answers), with the dev container and the workflow."""
    baked = {}

    def bake(value):
        if value not in baked:
            answers = {"use_devcontainer": True, "use_github_actions": True}
            if value is None:
                baked[value] = bake_ok(cookies_session, **AWKWARD_ANSWERS, **answers)
            else:
                baked[value] = bake_awkward(cookies_session, value, **answers)
        return baked[value]

    return bake


@pytest.mark.parametrize("value", AWKWARD)
def test_answer_round_trips(awkward_project, value):
    project = awkward_project(value)
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["description"] == value
    assert pyproject["project"]["authors"] == [
        {"name": value or "x", "email": '"odd.name"@example.com'}
    ]
    compose = yaml.safe_load((project / "compose.yaml").read_text(encoding="utf-8"))
    labels = compose["services"]["app"]["build"]["labels"]
    # Compose reads "$$" as a literal "$" (checked against `docker compose config`
    # in test_docker.py).
    assert labels["org.opencontainers.image.title"].replace("$$", "$") == (value or "x")
    assert labels["org.opencontainers.image.description"].replace("$$", "$") == value
    readme = (project / "README.md").read_text(encoding="utf-8").splitlines()
    assert readme[0] == f"# {value or 'x'}"
    assert readme[2] == value
    license_lines = (project / "LICENSE").read_text(encoding="utf-8").splitlines()
    assert f"Copyright (c) {value or 'x'}" in license_lines
    devcontainer = json.loads((project / ".devcontainer/devcontainer.json").read_text("utf-8"))
    assert devcontainer["name"] == (value or "x")
    workflow = (project / ".github/workflows/ci.yml").read_text(encoding="utf-8")
    plain = awkward_project(None)
    assert workflow == (plain / ".github/workflows/ci.yml").read_text(encoding="utf-8")
    assert isinstance(yaml.safe_load(workflow), dict)
    run([sys.executable, "-m", "ruff", "check", "--no-cache", "."], project)  # fails if not clean


@pytest.mark.parametrize(
    ("project_name", "slug", "package"),
    [
        ("My Cool Project", "my-cool-project", "my_cool_project"),
        ("Ça marche, déjà!", "ca-marche-deja", "ca_marche_deja"),
        ("  Data__Pipeline 2  ", "data-pipeline-2", "data_pipeline_2"),
        ("O'Reilly's \"Tool\"", "o-reilly-s-tool", "o_reilly_s_tool"),
    ],
)
def test_slug_and_package_are_derived_from_the_name(cookies, project_name, slug, package):
    project = bake_ok(cookies, project_name=project_name)
    assert project.name == slug
    assert (project / "src" / package / "__init__.py").is_file()
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["name"] == slug
    assert pyproject["project"]["scripts"] == {slug: f"{package}.cli:main"}


def test_empty_email_is_left_out(cookies):
    project = bake_ok(cookies, author_email="")
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["authors"] == [{"name": "Your Name"}]


@pytest.mark.docker
@pytest.mark.parametrize("value", AWKWARD)
def test_compose_config_reads_the_labels_exactly(awkward_project, value, docker):
    """What Compose itself makes of the labels. Its output is a compose file again,
    so a literal `$` comes out escaped as `$$` (the built image has `$`: test_docker)."""
    project = awkward_project(value)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(project)}
    result = run(["docker", "compose", "config", "--format", "json"], project, env, check=False)
    assert result.returncode == 0, result.stderr
    for service in json.loads(result.stdout)["services"].values():
        labels = service["build"]["labels"]
        assert labels["org.opencontainers.image.title"] == (value or "x").replace("$", "$$")
        assert labels["org.opencontainers.image.description"] == value.replace("$", "$$")
