"""Awkward but valid answers reach pyproject.toml, compose.yaml and README.md exactly."""

import subprocess
import sys
import tomllib

import pytest
import yaml

from conftest import AWKWARD, bake_ok


@pytest.mark.parametrize("value", AWKWARD)
def test_answer_round_trips(cookies, value):
    project = bake_ok(
        cookies,
        project_name=value or "x",
        project_slug="awkward",
        description=value,
        author_name=value or "x",
        author_email='"odd.name"@example.com',
    )
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
    check = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "."], check=False, cwd=project
    )
    assert check.returncode == 0


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
