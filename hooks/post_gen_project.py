"""Pick the variant of each file for the answers, remove the files of options
not chosen, check the generated project, record the answers.

Cookiecutter renders this file with Jinja and runs it in the new project
directory; a non-zero exit makes it delete that directory. The answers arrive
as one JSON document, and the logic is in functions the tests import and call.
"""

# Jinja leaves everything up to `endraw` alone: only the last lines are rendered.
# {% raw %}
import ast
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path, PurePosixPath

import yaml

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pyproject.toml goes unparsed
    tomllib = None

# The one place that says which files belong to which option: a path (a file
# or a whole directory; `{package_name}` is filled in) is kept only when the
# answer to its option is one of the listed values. A new option adds its rows
# here. A path inside a directory of another row is kept only when both keep
# it: the database's routes, in the web app's package, need web and postgres.
OPTION_FILES = {
    "make/database.mk": ("database", {"postgres"}),
    "scripts/add.py": ("package_manager", {"pip"}),  # uv projects have `uv add`
    "src/{package_name}/commands/greet.py": ("app_type", {"cli"}),
    "src/{package_name}/commands/serve.py": ("app_type", {"web"}),
    "src/{package_name}/commands/database.py": ("database", {"postgres"}),
    "src/{package_name}/web": ("app_type", {"web"}),  # the web app's package
    "src/{package_name}/web/database.py": ("database", {"postgres"}),
    "tests/test_greet.py": ("app_type", {"cli"}),
    "tests/web": ("app_type", {"web"}),
    "tests/web/test_web_db.py": ("database", {"postgres"}),
    "alembic.ini": ("database", {"postgres"}),
    "src/{package_name}/db.py": ("database", {"postgres"}),
    "src/{package_name}/models.py": ("database", {"postgres"}),
    "src/{package_name}/settings.py": ("database", {"postgres"}),
    "src/{package_name}/migrations": ("database", {"postgres"}),
    "tests/conftest.py": ("database", {"postgres"}),
    "docs/database.md": ("database", {"postgres"}),
    "tests/test_db.py": ("database", {"postgres"}),
    "tests/test_settings.py": ("database", {"postgres"}),
    ".devcontainer": ("use_devcontainer", {True}),
    "docs/dev-container.md": ("use_devcontainer", {True}),
    ".github": ("use_github_actions", {True}),  # the workflows and dependabot.yml
    "docs/github.md": ("use_github_actions", {True}),
    ".pre-commit-config.yaml": ("use_pre_commit", {True}),
    "tests/test_pre_commit.py": ("use_pre_commit", {True}),
    "docs/pre-commit.md": ("use_pre_commit", {True}),
    # The production file, its settings, proxy, targets and docs; the publish workflow.
    "compose.prod.yaml": ("deploy", {"compose", "kubernetes"}),
    ".env.prod.example": ("deploy", {"compose", "kubernetes"}),
    "deploy": ("deploy", {"compose", "kubernetes"}),
    "deploy/Caddyfile": ("app_type", {"web"}),
    "make/deploy.mk": ("deploy", {"compose", "kubernetes"}),
    "scripts/deploy.sh": ("deploy", {"compose", "kubernetes"}),
    "docs/deploy.md": ("deploy", {"compose", "kubernetes"}),
    ".github/workflows/publish.yml": ("deploy", {"compose", "kubernetes"}),
}

# Files with one version per answer of one option: where an option changes
# most of a file, the template holds one readable file per answer beside it,
# named `<stem>@<answer><suffix>` (`Dockerfile@uv`, `Dockerfile@pip`; a yes/no
# answer is `true` or `false`). The one for the answer given takes the plain
# name; the others are deleted. What a feature adds to a file every project has
# is a file of its own (a row above), never a variant per combination of options.
VARIANT_FILES = {
    "Dockerfile": "package_manager",
    "docs/dependencies.md": "package_manager",
    "scripts/requirements.py": "package_manager",
    "make/app.mk": "app_type",
}

UNRENDERED = ("{{", "{%")
# A GitHub Actions expression, `${{ github.token }}`, is not a Jinja marker.
ACTIONS_EXPRESSION = re.compile(r"\$\{\{[^{}]*\}\}")

# The recorded answers: a cookiecutter replay file, so that
# `cookiecutter --replay-file .cookiecutter.json <template>` regenerates the project.
ANSWERS_FILE = ".cookiecutter.json"
# Private context keys that are kept: where the template came from, as the user
# gave it. The others (`_output_dir`, `_repo_dir`, `_extensions`, ...) describe
# this machine or this run, not the project. `_commit` is added when the
# template came from git (see template_commit).
RECORDED_PRIVATE = ("_template", "_checkout")
# A template source cookiecutter clones with git: an abbreviation or a URL.
GIT_SOURCE = re.compile(r"(gh|gl|bb):|git\+|[a-z][a-z0-9+.-]*://|[\w.-]+@[\w.-]+:")


class InvalidOutput(ValueError):
    """The generated project is broken; ``str()`` says where."""


def remove_unused(project, answers, table=OPTION_FILES):
    """Delete each path of ``table`` whose option has another answer; return them."""
    removed = []
    for pattern, (option, keep_for) in table.items():
        relative = pattern.format(package_name=answers["package_name"])
        path = Path(project, relative)
        if answers[option] in keep_for or not path.exists():
            continue
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
        removed.append(relative)
        # A directory this emptied goes too (deploy/ without its Caddyfile).
        parent = path.parent
        while parent != Path(project) and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent
    return removed


def is_kept(pattern, answers, table=OPTION_FILES):
    """Whether the path ``pattern`` of ``table`` is kept for ``answers``: every row
    for it, or for a directory above it, keeps it."""
    path = PurePosixPath(pattern)
    return all(
        answers[option] in keep_for
        for other, (option, keep_for) in table.items()
        if other == pattern or PurePosixPath(other) in path.parents
    )


def variant_name(relative, answers, option):
    """``relative`` with the answer to ``option`` in its name: ``app@web.mk``."""
    path = PurePosixPath(relative)
    tag = str(answers[option]).lower()
    return str(path.with_name(f"{path.stem}@{tag}{path.suffix}"))


def pick_variants(project, answers, table=VARIANT_FILES):
    """Give each file of ``table`` the variant for ``answers``, delete the other
    variants; return the names of the variants kept."""
    kept = []
    for pattern, option in table.items():
        relative = pattern.format(package_name=answers["package_name"])
        target = Path(project, relative)
        chosen = Path(project, variant_name(relative, answers, option))
        if not chosen.is_file():
            raise InvalidOutput(f"{relative}: the template has no variant {chosen.name}")
        for other in target.parent.glob(f"{target.stem}@*{target.suffix}"):
            if other != chosen:
                other.unlink()
        chosen.replace(target)
        kept.append(chosen.name)
    return kept


def check_compose(project):
    try:
        compose = yaml.safe_load(Path(project, "compose.yaml").read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise InvalidOutput(f"compose.yaml: {error}") from error
    if "version" in compose:
        raise InvalidOutput("compose.yaml: has an obsolete 'version:' key")
    for name in ("app", "test"):
        service = compose.get("services", {}).get(name)
        if service is None:
            raise InvalidOutput(f"compose.yaml: no '{name}' service")
        if not any(str(volume).endswith(":/src") for volume in service.get("volumes", [])):
            raise InvalidOutput(
                f"compose.yaml: service '{name}' does not mount the project at /src"
            )


def check_dockerfile(project):
    """The dev stage (the last one: the default target, and what
    compose.yaml targets) works in /src, set there or in a stage it is built
    FROM; a prod stage exists."""
    stages, parents = {}, {}
    for line in Path(project, "Dockerfile").read_text(encoding="utf-8").splitlines():
        words = line.split()
        if words[:1] == ["FROM"]:
            name = words[-1] if len(words) == 4 else ""
            current = stages.setdefault(name, [])
            parents[name] = words[1]
        elif stages:
            current.append(line.strip())
    if list(stages)[-1:] != ["dev"] or "prod" not in stages:
        raise InvalidOutput("Dockerfile: needs a 'prod' stage and a last stage 'dev'")
    stage, lines, seen = "dev", [], set()
    while stage in stages and stage not in seen:
        seen.add(stage)
        lines += stages[stage]
        stage = parents[stage]
    if "WORKDIR /src" not in lines:
        raise InvalidOutput("Dockerfile: no 'WORKDIR /src' in the dev stage")


def check_sources(project):
    """Every text file is fully rendered, every .py and the pyproject parse."""
    for path in sorted(Path(project).rglob("*")):
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        relative = path.relative_to(project)
        for marker in UNRENDERED:
            if marker in ACTIONS_EXPRESSION.sub("", text):
                raise InvalidOutput(f"{relative}: unrendered template marker {marker!r}")
        if path.suffix == ".py":
            try:
                ast.parse(text, filename=str(relative))
            except SyntaxError as error:
                raise InvalidOutput(f"{relative}: {error}") from error
    if tomllib is not None:
        try:
            tomllib.loads(Path(project, "pyproject.toml").read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as error:
            raise InvalidOutput(f"pyproject.toml: {error}") from error


def check_project(project):
    check_sources(project)
    check_compose(project)
    check_dockerfile(project)


def recorded_answers(context):
    """The replay document for ``context``: every answer whose key does not start
    with ``_``, plus the template source and checkout when set, and its commit
    when it came from git."""
    answers = {key: value for key, value in context.items() if not key.startswith("_")}
    for key in RECORDED_PRIVATE:
        if context.get(key):
            answers[key] = context[key]
    commit = template_commit(context)
    if commit:
        answers["_commit"] = commit
    return {"cookiecutter": answers}


def template_commit(context):
    """The commit of the template, when cookiecutter cloned it from git (its clone
    is `_repo_dir`, checked out at `_checkout`), so that `tools/update.py` renders
    exactly what this project was made from; None for a local directory (it may
    hold uncommitted edits) or when git cannot say."""
    template, clone = context.get("_template"), context.get("_repo_dir")
    if not (isinstance(template, str) and GIT_SOURCE.match(template) and clone):
        return None
    try:
        result = subprocess.run(
            ["git", "rev-parse", "--verify", "HEAD^{commit}"],
            cwd=clone,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:  # no git, or no clone directory
        return None
    commit = result.stdout.strip()
    return commit if result.returncode == 0 and re.fullmatch(r"[0-9a-f]{40,64}", commit) else None


def write_answers(project, context):
    """Write ANSWERS_FILE: keys sorted, two-space indent, UTF-8, LF, one final newline."""
    text = json.dumps(recorded_answers(context), indent=2, sort_keys=True, ensure_ascii=False)
    Path(project, ANSWERS_FILE).write_text(text + "\n", encoding="utf-8", newline="\n")


def main(answers_json, project):
    context = json.loads(answers_json)
    try:
        pick_variants(project, context)
        remove_unused(project, context)
        check_project(project)
    except InvalidOutput as error:
        print(f"error: the generated project is broken: {error}", file=sys.stderr)
        return 1
    write_answers(project, context)
    return 0


# {% endraw %}
if __name__ == "__main__":
    sys.exit(main(r"""{{ cookiecutter | tojson }}""", Path.cwd()))
