"""What tests/test_update.py and tests/test_docker_update.py share: a real template
history made from this checkout (v1 as it is; v2 removes, renames and adds files,
adds an option, changes a default and lines of the Dockerfile, README and Makefile;
v3 bumps the uv and pip versions), baking from it at a tag, the update command, and
the edits a team makes."""

import json
import sys

import pytest

from conftest import TEMPLATE
from helpers import run, run_cookiecutter, snapshot
from regenerate_support import command_environment, template_repo

UPDATE = TEMPLATE / "tools" / "update.py"
COMPARE = TEMPLATE / "tools" / "compare.py"
SLUG = "{{cookiecutter.project_slug}}"
OLD_DESCRIPTION = "A short description of the project."
NEW_DESCRIPTION = "A new default description."
DOCS_URL = "https://example.com/docs"
DOCKERFILE_V1 = "# dev runs as your uid/gid (compose.yaml passes them): files it writes into"
DOCKERFILE_V2 = "# dev runs as your uid/gid (v2: compose.yaml passes them): files it writes into"
HELP_V1 = "help: ## List the targets"
HELP_V2 = "help: ## List the targets (v2)"


@pytest.fixture(scope="module")
def module_env(tmp_path_factory):
    """command_environment() with a HOME for the module."""
    return command_environment(tmp_path_factory.mktemp("update-home"))


def replace(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{path}: no {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def commit(repo, env, message, tag=None):
    run(["git", "add", "-A"], repo, env)
    run(["git", "commit", "-q", "-m", message], repo, env)
    if tag:
        run(["git", "tag", tag], repo, env)
    return run(["git", "rev-parse", "HEAD"], repo, env).stdout.strip()


@pytest.fixture(scope="module")
def history(tmp_path_factory, module_env):
    """{"url": the template's file:// URL, "v1"/"v2"/"v3": commits}."""
    repo = template_repo(tmp_path_factory.mktemp("history") / "template.git", module_env)
    env, project = module_env, repo / SLUG
    commits = {"v1": run(["git", "rev-parse", "HEAD"], repo, env).stdout.strip()}

    (project / ".gitattributes").unlink()
    (project / "tests" / "test_cli.py").rename(project / "tests" / "test_command.py")
    options = json.loads((repo / "cookiecutter.json").read_text(encoding="utf-8"))
    options["description"] = NEW_DESCRIPTION
    options = dict(
        [*[(k, v) for k, v in options.items() if not k.startswith("_")], ("docs_url", DOCS_URL),
         *[(k, v) for k, v in options.items() if k.startswith("_")]]
    )  # fmt: skip
    (repo / "cookiecutter.json").write_text(json.dumps(options, indent=2) + "\n", encoding="utf-8")
    with (project / "README.md").open("a", encoding="utf-8") as readme:
        readme.write("\nDocs: {{ cookiecutter.docs_url }}\n")
    for dockerfile in project.glob("Dockerfile@*"):
        replace(dockerfile, DOCKERFILE_V1, DOCKERFILE_V2)
    replace(project / "Makefile", HELP_V1, HELP_V2)
    commits["v2"] = commit(repo, env, "v2: docs_url, test_command.py, no .gitattributes", "v2")

    replace(project / "Dockerfile@uv", "ARG UV_VERSION=0.13.8", "ARG UV_VERSION=0.13.9")
    replace(project / "Dockerfile@pip", "ARG PIP_VERSION=26.3", "ARG PIP_VERSION=26.3.1")
    commits["v3"] = commit(repo, env, "v3: newer uv and pip", "v3")
    return {"url": repo.as_uri(), "repo": repo, **commits}


def bake_at(history, tag, directory, env, **answers):
    """Bake from the template's URL at ``tag``; the project, committed."""
    arguments = [f"{key}={value}" for key, value in answers.items()]
    directory.mkdir(parents=True)
    run_cookiecutter(
        "--no-input", history["url"], "--checkout", tag, *arguments, cwd=directory, env=env,
        check=True,
    )  # fmt: skip
    (project,) = directory.iterdir()
    run(["git", "init", "-q", "-b", "main"], project, env)
    commit(project, env, f"generated from {tag}")
    return project


def update(project, env, *args):
    return run([sys.executable, UPDATE, project, *args], env=env, check=False)


def tree(project):
    """The project's files and directories with their exec bits, git's own left out."""
    return {k: v for k, v in snapshot(project).items() if k.split("/")[0] != ".git"}


def status(project, env):
    return run(["git", "status", "--porcelain", "--untracked-files=all"], project, env).stdout


def recorded(project):
    return json.loads((project / ".cookiecutter.json").read_text(encoding="utf-8"))["cookiecutter"]


MY_SECTION = "## Your first change\n\nOur own way of working, rewritten by the team.\n\n"
MY_TARGET = "\nhello: ## Say hello\n\t@echo hello\n"
DEPENDENCY = 'dependencies = ["httpx>=0.27"]'
OWN_FILE = "# Notes\n\nNot the template's: never touched.\n"


UV_BUMP = ("ARG UV_VERSION=0.13.8", "ARG UV_VERSION=0.14.0")


def edit(project, env, bump=UV_BUMP):
    """The edits of a team: a dependency, a README section, a Makefile target, an
    optional file deleted, a Dependabot-style version bump in the Dockerfile
    (``bump``: the line before and after), a file of its own."""
    replace(project / "pyproject.toml", "dependencies = []", DEPENDENCY)
    readme = (project / "README.md").read_text(encoding="utf-8")
    start = readme.index("## Your first change")
    end = readme.index("\n## ", start + 1) + 1
    (project / "README.md").write_text(readme[:start] + MY_SECTION + readme[end:], encoding="utf-8")
    with (project / "Makefile").open("a", encoding="utf-8") as makefile:
        makefile.write(MY_TARGET)
    (project / ".github" / "dependabot.yml").unlink()
    replace(project / "Dockerfile", *bump)
    (project / "docs").mkdir(exist_ok=True)
    (project / "docs" / "notes.md").write_text(OWN_FILE, encoding="utf-8")
    commit(project, env, "our edits")
