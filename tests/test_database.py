"""Fast checks of the `database` option on every combination (conftest.COMBINATIONS,
baked once by the session fixture ``all_projects``): `postgres` adds the `db`
service, DATABASE_URL for `app` and a separate test database for `test`, the
code, migrations and make targets; `none` adds none of it. Each distinct file is
checked once. The Docker tests that run them are in test_docker_db.py."""

import json
import re
import textwrap
import tomllib

import yaml

from conftest import COMBINATIONS, combination_id
from helpers import distinct_files, make_targets, makefile_text

POSTGRES = [answers for answers in COMBINATIONS if answers["database"] == "postgres"]
NONE = [answers for answers in COMBINATIONS if answers["database"] == "none"]
PACKAGE = "my_cool_project"
DATABASE_FILES = (
    "alembic.ini",
    f"src/{PACKAGE}/db.py",
    f"src/{PACKAGE}/models.py",
    f"src/{PACKAGE}/settings.py",
    f"src/{PACKAGE}/migrations/env.py",
    f"src/{PACKAGE}/migrations/script.py.mako",
    f"src/{PACKAGE}/migrations/versions/0001_create_items.py",
    "tests/conftest.py",
    "tests/test_db.py",
    "docs/database.md",
)
INTERPOLATION = re.compile(r"\$\{(\w+):-([^}]*)\}")


def interpolate(value, environment=None):
    """Compose's `${NAME:-default}`, with ``environment`` (by default nothing set)."""
    environment = environment or {}
    return INTERPOLATION.sub(lambda m: environment.get(m[1]) or m[2], value)


def distinct(all_projects, combinations, relative):
    """{file content: the first combination id with it} for ``relative`` in ``combinations``."""
    projects = [all_projects[combination_id(answers)] for answers in combinations]
    return {text: same[0].parent.name for text, same in distinct_files(projects, relative).items()}


def test_postgres_compose_has_the_db_service_and_each_service_its_database(all_projects):
    texts = distinct(all_projects, POSTGRES, "compose.yaml")
    # package manager x app type x worker (the Python version is the Dockerfile's alone)
    assert len(texts) == 2 * 2 * 2
    for text, which in texts.items():
        compose = yaml.safe_load(text)
        services = compose["services"]
        db = services["db"]
        assert db["image"] == "postgres:18", which
        assert db["volumes"] == ["db-data:/var/lib/postgresql"], which
        # Project-scoped: no fixed `name:`, so each compose project has its own volume.
        assert compose["volumes"] == {"db-data": None}, which
        assert "ports" not in db and "build" not in db, which
        assert db["security_opt"] == ["no-new-privileges:true"], which
        check = db["healthcheck"]["test"]
        assert check[0] == "CMD-SHELL" and check[1].startswith("pg_isready -h 127.0.0.1 "), which
        settings = {key: interpolate(value) for key, value in db["environment"].items()}
        assert settings == {
            "POSTGRES_USER": "app",
            "POSTGRES_PASSWORD": "dev-only-password",
            "POSTGRES_DB": PACKAGE,
        }, which
        server = "postgresql+psycopg://app:dev-only-password@db:5432"
        urls = {
            name: interpolate(services[name]["environment"]["DATABASE_URL"])
            for name in services
            if name != "db"
        }
        development = f"{server}/{PACKAGE}"
        assert urls == {
            "app": development,
            "migrate": development,
            "prod": development,  # `make prod`: the production image on the dev database
            "test": f"{server}/{PACKAGE}_test",
        }, which
        # The same variables reach the server and the URLs.
        mine = {"POSTGRES_USER": "u", "POSTGRES_PASSWORD": "p", "POSTGRES_DB": "d"}
        assert interpolate(services["test"]["environment"]["DATABASE_URL"], mine) == (
            "postgresql+psycopg://u:p@db:5432/d_test"
        )
        # The development database is migrated (by the one-shot migrate) before the
        # app or the production image starts; the tests migrate their own.
        healthy = {"db": {"condition": "service_healthy"}}
        migrated = {"migrate": {"condition": "service_completed_successfully"}}
        assert services["migrate"]["depends_on"] == healthy, which
        assert services["migrate"]["command"] == ["my-cool-project", "migrate"], which
        assert services["test"]["depends_on"] == healthy, which
        assert services["app"]["depends_on"] == migrated, which
        assert services["prod"]["depends_on"] == migrated, which


def test_none_has_no_database_anywhere(all_projects):
    for text, which in distinct(all_projects, NONE, "compose.yaml").items():
        compose = yaml.safe_load(text)
        assert set(compose["services"]) == {"app", "test", "prod"}, which
        assert "volumes" not in compose, which
        assert "DATABASE_URL" not in text and "depends_on" not in text, which
    for answers in NONE:
        project = all_projects[combination_id(answers)]
        for relative in DATABASE_FILES:
            assert not (project / relative).exists(), relative
        for relative in ("pyproject.toml", "Makefile", "README.md"):
            text = (
                makefile_text(project)
                if relative == "Makefile"
                else (project / relative).read_text(encoding="utf-8")
            )
            assert not re.search(
                r"sqlalchemy|psycopg|alembic|postgres|migrat", text, re.IGNORECASE
            ), f"{combination_id(answers)}: {relative}"


def test_postgres_adds_the_code_migrations_and_tests(all_projects):
    for answers in POSTGRES:
        project = all_projects[combination_id(answers)]
        for relative in DATABASE_FILES:
            assert (project / relative).is_file(), f"{combination_id(answers)}: {relative}"
    project = all_projects[combination_id(POSTGRES[0])]
    revision = (project / DATABASE_FILES[6]).read_text(encoding="utf-8")
    assert (
        'revision: str = "0001"' in revision
        and "down_revision: str | Sequence[str] | None = None" in revision
    )
    assert "Create Date" not in revision, "the generated revision must be the same on every bake"
    ini = (project / "alembic.ini").read_text(encoding="utf-8")
    assert f"script_location = %(here)s/src/{PACKAGE}/migrations" in ini
    # New revisions pass `make lint` as written.
    assert "hooks = ruff_fix, ruff_format" in ini


def test_postgres_make_targets_migrate_and_never_delete_pulled_images(all_projects):
    for answers in COMBINATIONS:
        project = all_projects[combination_id(answers)]
        makefile = makefile_text(project)
        assert "--rmi all" not in makefile, "would delete postgres:18, which compose only pulls"
        targets = make_targets(project)
        postgres = answers["database"] == "postgres"
        assert (
            {"migrate", "migration", "psql"} <= targets
            if postgres
            else not {"migrate", "psql"} & targets
        )
        if postgres:
            assert "down" in targets
            assert "docker compose run --rm migrate" in makefile
            assert "alembic revision --autogenerate -m" in makefile


def test_postgres_dependencies_devcontainer_workflow_and_docs(all_projects):
    for answers in POSTGRES:
        project = all_projects[combination_id(answers)]
        meta = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))["project"]
        assert {"sqlalchemy>=2.0", "psycopg[binary]>=3.2", "alembic>=1.14"} <= set(
            meta["dependencies"]
        )
        if answers["use_devcontainer"]:
            config = json.loads(
                (project / ".devcontainer/devcontainer.json").read_text(encoding="utf-8")
            )
            worker = ["worker"] if answers["worker"] == "procrastinate" else []
            assert config["runServices"] == ["app", "db", *worker]
        if answers["use_github_actions"]:
            workflow = yaml.safe_load(
                (project / ".github/workflows/ci.yml").read_text(encoding="utf-8")
            )
            runs = [step.get("run") for step in workflow["jobs"]["test"]["steps"]]
            assert runs.index("make test") < runs.index("make migrate") < runs.index("make down")
    readme = (all_projects[combination_id(POSTGRES[0])] / "docs/database.md").read_text(
        encoding="utf-8"
    )
    for words in (
        "# The database",
        "**Migrations**",
        "<database>_test",
        "DATABASE_URL",
        "migrate",
    ):
        assert words in readme, words
    # The README's way to publish the database port binds it to 127.0.0.1 only.
    snippet = re.search(r"```yaml\n(.*?)```", readme, flags=re.DOTALL)[1]
    ports = yaml.safe_load(textwrap.dedent(snippet))["services"]["db"]["ports"]
    assert ports == ["127.0.0.1:5432:5432"]
