"""Fast checks of baked projects: every supported option combination."""

import ast
import subprocess
import sys
import tomllib

import pytest
import yaml

from conftest import COMBINATIONS, bake_ok, combination_id, load_hook, project_files, tool

OPTION_FILES = load_hook("post_gen_project").OPTION_FILES

DEFAULT_FILES = {
    ".cookiecutter.json",
    ".dockerignore",
    ".gitattributes",
    ".gitignore",
    ".python-version",
    "Dockerfile",
    "Makefile",
    "README.md",
    "compose.yaml",
    "pyproject.toml",
    "src/my_cool_project/__init__.py",
    "src/my_cool_project/__main__.py",
    "src/my_cool_project/cli.py",
    "tests/test_cli.py",
}


@pytest.fixture(scope="module", params=COMBINATIONS, ids=combination_id)
def baked(request, cookies_session):
    """(project path, answers) for one combination, baked once per module."""
    return bake_ok(cookies_session, **request.param), request.param


def test_default_bake_has_exactly_the_expected_files(cookies):
    project = bake_ok(cookies)
    assert project.name == "my-cool-project"
    assert set(project_files(project)) == DEFAULT_FILES


def test_same_answers_give_byte_identical_projects(cookies):
    answers = {"project_name": "Twice Baked", "package_manager": "pip"}
    assert project_files(bake_ok(cookies, **answers)) == project_files(bake_ok(cookies, **answers))


def test_option_files_are_kept_only_for_their_option(baked):
    project, answers = baked
    for relative, (option, keep_for) in OPTION_FILES.items():
        assert (project / relative).exists() == (answers[option] in keep_for), relative


def test_every_file_is_rendered_and_parses(baked):
    project, _ = baked
    for relative, content in project_files(project).items():
        text = content.decode("utf-8")
        assert "{{" not in text and "{%" not in text and "{#" not in text, relative
        assert "\r" not in text, f"{relative} has CR line endings"
        assert text.endswith("\n") and not text.endswith("\n\n"), f"{relative}: final newline"
        if relative.endswith(".py"):
            ast.parse(text, filename=relative)
    tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))


def test_pyproject_declares_a_pep660_build_and_the_console_script(baked):
    project, answers = baked
    python_version = answers["python_version"]
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["build-system"]["build-backend"] == "hatchling.build"
    assert pyproject["project"]["requires-python"] == f">={python_version}"
    assert pyproject["project"]["scripts"] == {"my-cool-project": "my_cool_project.cli:main"}
    assert any(dep.startswith("pytest") for dep in pyproject["dependency-groups"]["dev"])


def test_compose_has_app_and_test_on_one_image_with_the_mount(baked):
    project, answers = baked
    python_version = answers["python_version"]
    compose = yaml.safe_load((project / "compose.yaml").read_text(encoding="utf-8"))
    assert "version" not in compose
    assert compose["name"] == "my-cool-project"
    services = compose["services"]
    assert set(services) == {"app", "test"}
    assert services["app"]["command"] == ["my-cool-project"]
    assert services["test"]["command"] == ["pytest"]
    for service in services.values():
        assert service["volumes"] == [".:/src"]
        assert "entrypoint" not in service
        assert service["build"]["args"] == {
            "PYTHON_VERSION": python_version,
            "HOST_UID": "${HOST_UID:-1000}",
            "HOST_GID": "${HOST_GID:-1000}",
        }
    assert services["app"]["build"] == services["test"]["build"]
    assert "image" not in services["app"], "a shared image name makes compose build it twice"


def test_dockerfile_is_develop_mode_for_its_package_manager(baked):
    project, answers = baked
    python_version, package_manager = answers["python_version"], answers["package_manager"]
    dockerfile = (project / "Dockerfile").read_text(encoding="utf-8")
    lines = dockerfile.splitlines()
    assert f"ARG PYTHON_VERSION={python_version}" in lines
    assert "FROM python:${PYTHON_VERSION}-slim" in lines
    assert "WORKDIR /src" in lines
    assert "USER ${HOST_UID}:${HOST_GID}" in lines
    assert "ENTRYPOINT" not in dockerfile
    assert "PYTHONDONTWRITEBYTECODE=1" in dockerfile and "PYTHONUNBUFFERED=1" in dockerfile
    assert lines[-1] == 'CMD ["my-cool-project"]'
    # Dependencies are installed before the source is copied.
    copy_all = lines.index("COPY --chown=${HOST_UID}:${HOST_GID} . .")
    lock = "uv.lock" if package_manager == "uv" else "requirements.lock.txt"
    copy_deps = next(i for i, line in enumerate(lines) if line.startswith("COPY") and lock in line)
    assert copy_deps < copy_all
    other = "pip install --editable" if package_manager == "uv" else "uv sync"
    assert other not in dockerfile


def test_ruff_is_clean(baked):
    project, _ = baked
    ruff = [sys.executable, "-m", "ruff"]
    check = subprocess.run(
        [*ruff, "check", "--no-cache", "."], check=False, cwd=project, capture_output=True
    )
    assert check.returncode == 0, check.stdout.decode()
    fmt = subprocess.run(
        [*ruff, "format", "--check", "--diff", "--no-cache", "."],
        check=False,
        cwd=project,
        capture_output=True,
    )
    assert fmt.returncode == 0, fmt.stdout.decode() + fmt.stderr.decode()


def test_hadolint_has_no_warnings(baked):
    project, _ = baked
    result = subprocess.run(
        [tool("hadolint"), "--failure-threshold", "style", "Dockerfile"],
        check=False,
        cwd=project,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_readme_onboards_with_the_commands_that_exist(baked):
    project, answers = baked
    package_manager = answers["package_manager"]
    readme = (project / "README.md").read_text(encoding="utf-8")
    makefile = (project / "Makefile").read_text(encoding="utf-8")
    for command in ("docker compose build", "docker compose run --rm test", "HOST_UID"):
        assert command in readme, command
    lock = "uv.lock" if package_manager == "uv" else "requirements.lock.txt"
    assert lock in readme and lock in makefile
    for target in ("build", "test", "run", "shell", "lint", "lock", "clean", "template-diff"):
        assert f"\n{target}: ## " in makefile, target
        assert f"make {target}" in readme, target
