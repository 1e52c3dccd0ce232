"""Inferring a template's answers from a repository's own files: one finder per
place an answer can be read, tried in order (INFERENCE), else the template's
default; and regenerating the project with them (the answers the template
refuses fall back to their default). See docs/compare.md, "The answers"."""

import json
import re
from dataclasses import dataclass
from pathlib import Path

from render import Refused, bake
from repository import (
    COMPOSE_FILES,
    LICENSE_FILES,
    README_FILES,
    RECORDED_FILES,
    Found,
    ToolError,
    dependencies,
    metadata,
)

try:
    from cookiecutter.environment import StrictEnvironment
except ModuleNotFoundError:  # reported by the commands as one line
    StrictEnvironment = None

NOT_PACKAGES = {"tests", "test", "docs", "doc", "examples", "scripts", "benchmarks", "tools"}
WEB_FRAMEWORKS = {
    "aiohttp", "bottle", "django", "falcon", "fastapi", "flask", "gunicorn", "hypercorn",
    "litestar", "pyramid", "quart", "sanic", "starlette", "tornado", "uvicorn",
}  # fmt: skip
POSTGRES_DRIVERS = {"asyncpg", "pg8000", "psycopg", "psycopg-binary", "psycopg2", "psycopg2-binary"}
# Other tools' lock files: their package manager is not one of the template's.
FOREIGN_LOCKS = {"poetry.lock": "poetry", "pdm.lock": "pdm", "Pipfile.lock": "pipenv"}
# License names as projects spell them -> the template's choices.
LICENSE_NAMES = {
    "MIT": r"mit( license)?|license :: osi approved :: mit license",
    "BSD-3-Clause": r"bsd[- ]3[- ]clause( license)?|new bsd( license)?|modified bsd( license)?",
    "Apache-2.0": r"apache([- ]2(\.0)?| license,? (version )?2\.0| software license)"
    r"|license :: osi approved :: apache software license",
    "Proprietary": r"licenseref-proprietary|proprietary|private :: do not upload",
}


@dataclass
class Answer:
    value: object
    source: str  # a file of the repository, or "default"
    detail: str = ""


# ---- finders: each returns Found or None --------------------------------------


def compose_title(repo):
    for name, service in services(repo):
        labels = (
            (service.get("build") or {}).get("labels")
            if isinstance(service.get("build"), dict)
            else None
        )
        if isinstance(labels, dict) and isinstance(
            labels.get("org.opencontainers.image.title"), str
        ):
            # Compose reads `$$` as `$`.
            title = labels["org.opencontainers.image.title"].replace("$$", "$")
            return Found(title, compose_file(repo), f"services.{name} image title label")
    return None


def readme_title(repo):
    """The README's title: its first heading, when that is a level-1 heading."""
    name = repo.first(README_FILES)
    text = repo.text(name) if name else None
    if text is None:
        return None
    lines = text.splitlines()
    fenced = False
    for index, line in enumerate(lines):
        if line.startswith(("```", "~~~")):
            fenced = not fenced
        elif fenced:
            continue
        elif line.startswith("#"):
            if line.startswith("# ") and name.endswith(".md"):
                return Found(line[2:], name, "first heading")
            return None
        elif (
            name.endswith(".rst")
            and line.strip()
            and index + 1 < len(lines)
            and re.fullmatch(r"(=+|-+|\*+|#+)", lines[index + 1].strip())
            and len(lines[index + 1].strip()) >= len(line.strip())
            and not re.fullmatch(r"[=\-*#]+", line.strip())
        ):
            return Found(line.strip(), name, "title")
    return None


def devcontainer_name(repo):
    for name in (".devcontainer/devcontainer.json", ".devcontainer.json"):
        try:
            value = json.loads(repo.text(name) or "null")
        except json.JSONDecodeError:  # JSON with comments: not read
            continue
        if isinstance(value, dict) and isinstance(value.get("name"), str):
            return Found(value["name"], name, "name")
    return None


def distribution_name_as_written(repo):
    return metadata(repo, "name")


def distribution_name(repo):
    found = metadata(repo, "name")
    if found:
        # PEP 503 normalisation: what pip and the template's slug rule expect.
        found.value = re.sub(r"[-_.]+", "-", found.value).lower()
    return found


def package_directory(repo):
    """The import package: src/<name>/ or a top-level <name>/ with an __init__.py.
    Of several, the one matching the distribution name, else the first by name."""
    candidates = [
        path.parent.relative_to(repo.path).as_posix()
        for pattern in ("src/*/__init__.py", "*/__init__.py")
        for path in sorted(repo.path.glob(pattern))
        if path.parent.name.isidentifier() and path.parent.name not in NOT_PACKAGES
    ]
    if not candidates:
        return None
    name = distribution_name(repo)
    wanted = name.value.replace("-", "_") if name else None
    chosen = next((c for c in candidates if c.rsplit("/", 1)[-1] == wanted), candidates[0])
    return Found(chosen.rsplit("/", 1)[-1], f"{chosen}/__init__.py", "the package directory")


def script_module(repo):
    scripts = metadata(repo, "scripts", dict)
    for target in (scripts.value if scripts else {}).values():
        if isinstance(target, str) and target.split(".")[0].split(":")[0].isidentifier():
            return Found(
                target.split(".")[0].split(":")[0], scripts.source, f"{scripts.detail} {target}"
            )
    return None


def slug_from_package(repo):
    found = package_directory(repo)
    if found:
        found.value = found.value.replace("_", "-")
    return found


def author(position):
    """A finder of the first author's name (0) or email (1)."""

    def find(repo):
        found = metadata(repo, "authors", list)
        if not found or not found.value:
            return None
        name, email = found.value[0]
        if position == 0 and not name:
            return None
        value = [name, email][position] or ""  # a named author without an email: none
        return Found(value, found.source, found.detail.replace("authors", "authors[0]"))

    return find


def version(repo):
    found = metadata(repo, "version")
    if found:
        return found
    package = package_directory(repo)
    if not package:
        return None
    folder = Path(package.source).parent
    for name in ("__version__.py", "_version.py", "version.py", "__about__.py", "__init__.py"):
        text = repo.text(folder / name) or ""
        match = re.search(r"^__version__\s*=\s*['\"]([^'\"]+)['\"]", text, flags=re.MULTILINE)
        if match:
            return Found(match.group(1), (folder / name).as_posix(), "__version__")
    return None


def dockerfile_python(repo):
    text = repo.text("Dockerfile") or ""
    match = re.search(
        r"^(?:ARG PYTHON_VERSION=|FROM\s+(?:--platform=\S+\s+)?python:)(\d+\.\d+)",
        text,
        flags=re.MULTILINE,
    )
    return Found(match.group(1), "Dockerfile", match.group(0)) if match else None


def python_version_file(repo):
    match = re.match(r"\s*(\d+\.\d+)", repo.text(".python-version") or "")
    return Found(match.group(1), ".python-version", "") if match else None


def requires_python(repo):
    """The lowest Python version the project allows (fitted to the choices later)."""
    found = metadata(repo, "requires_python")
    match = re.search(r"(?:>=|\^|~=|==)\s*(\d+\.\d+)", found.value) if found else None
    if not match:
        return None
    return Found(match.group(1), found.source, f"{found.detail} {found.value!r}")


def package_manager(repo):
    for lock, manager in (("uv.lock", "uv"), ("requirements.lock.txt", "pip")):
        if Path(repo.path, lock).is_file():
            return Found(manager, lock, "lock file")
    dockerfile = repo.text("Dockerfile") or ""
    if re.search(r"\buv (sync|pip)\b", dockerfile):
        return Found("uv", "Dockerfile", "runs uv")
    if re.search(r"\bpip install\b", dockerfile):
        return Found("pip", "Dockerfile", "runs pip install")
    for tool in ("uv", "poetry", "pdm"):
        if tool in repo.pyproject.get("tool", {}):
            return Found(tool, "pyproject.toml", f"[tool.{tool}]")
    for lock, manager in FOREIGN_LOCKS.items():
        if Path(repo.path, lock).is_file():
            return Found(manager, lock, "lock file")
    requirements = sorted(repo.path.glob("requirements*.txt")) + sorted(
        repo.path.glob("requirements/*.txt")
    )
    if requirements:
        return Found("pip", requirements[0].relative_to(repo.path).as_posix(), "requirements file")
    return None


def app_type(repo):
    found = dependencies(repo)
    for name, _, source in found:
        if name in WEB_FRAMEWORKS:
            return Found("web", source, f"depends on {name}")
    if found or metadata(repo, "dependencies", list):
        source = found[0][2] if found else metadata(repo, "dependencies", list).source
        return Found("cli", source, "no web framework among the dependencies")
    return None


def port(repo):
    """The container port the project's own (built) compose service publishes;
    a database's port is not the app's."""
    for name, service in services(repo):
        if "build" not in service:
            continue
        for entry in service.get("ports") or []:
            target = entry.get("target") if isinstance(entry, dict) else str(entry).split(":")[-1]
            match = re.match(r"(\d+)", str(target))
            if match:
                return Found(match.group(1), compose_file(repo), f"services.{name}.ports")
    match = re.search(r"^EXPOSE\s+(\d+)", repo.text("Dockerfile") or "", flags=re.MULTILINE)
    return Found(match.group(1), "Dockerfile", "EXPOSE") if match else None


def license_name(text):
    """The template's choice a license string names, or None."""
    for choice, pattern in LICENSE_NAMES.items():
        if re.fullmatch(pattern, text.strip(), flags=re.IGNORECASE):
            return choice
    return None


def license_text(text):
    """The template's choice a license file's text is, or None."""
    words = " ".join(text.split())
    if "Permission is hereby granted, free of charge" in words:
        return "MIT"
    if "Apache License" in words and "Version 2.0" in words:
        return "Apache-2.0"
    if "Redistribution and use in source and binary forms" in words and "Neither the name" in words:
        return "BSD-3-Clause"
    if "All rights reserved" in words and "Redistribution" not in words:
        return "Proprietary"
    return None


def license_field(repo):
    found = metadata(repo, "license")
    if found and license_name(found.value):
        return Found(license_name(found.value), found.source, f"{found.detail} {found.value!r}")
    return None


def license_classifier(repo):
    found = metadata(repo, "classifiers", list)
    for classifier in found.value if found else []:
        if isinstance(classifier, str) and license_name(classifier):
            return Found(license_name(classifier), found.source, f"classifier {classifier!r}")
    return None


def license_file(repo):
    named = metadata(repo, "license_file")
    for name in [named.value] if named else LICENSE_FILES:
        choice = license_text(repo.text(name) or "")
        if choice:
            return Found(choice, name, "its text")
    return None


def devcontainer(repo):
    name = repo.first((".devcontainer/devcontainer.json", ".devcontainer.json"))
    return Found(True, name, "exists") if name else Found(False, ".devcontainer/", "absent")


def github_actions(repo):
    workflows = sorted(Path(repo.path, ".github", "workflows").glob("*.y*ml"))
    if workflows:
        return Found(True, workflows[0].relative_to(repo.path).as_posix(), "exists")
    return Found(False, ".github/workflows/", "no workflow")


def database(repo):
    for name, extras, source in dependencies(repo):
        if name in POSTGRES_DRIVERS or "postgres" in extras:
            return Found("postgres", source, f"depends on {name}{f'[{extras}]' if extras else ''}")
    for name, service in services(repo):
        if str(service.get("image", "")).split("/")[-1].startswith("postgres"):
            return Found("postgres", compose_file(repo), f"services.{name}.image")
    if dependencies(repo):
        return Found(
            "none", dependencies(repo)[0][2], "no PostgreSQL driver among the dependencies"
        )
    return None


def worker(repo):
    """procrastinate when it is a dependency (the template's job queue), else none."""
    for name, _extras, source in dependencies(repo):
        if name == "procrastinate":
            return Found("procrastinate", source, "depends on procrastinate")
    if dependencies(repo):
        return Found("none", dependencies(repo)[0][2], "no procrastinate among the dependencies")
    return None


def deploy(repo):
    """kubernetes with Kubernetes manifests (deploy/k8s/, which docs/deploy.md
    names), compose with a production compose file, else none."""
    if Path(repo.path, "deploy", "k8s").is_dir():
        return Found("kubernetes", "deploy/k8s/", "exists")
    if "`deploy/k8s/`" in (repo.text("docs/deploy.md") or ""):
        return Found("kubernetes", "docs/deploy.md", "names deploy/k8s/")
    if Path(repo.path, "compose.prod.yaml").is_file():
        return Found("compose", "compose.prod.yaml", "exists")
    return Found("none", "compose.prod.yaml", "absent")


def pre_commit(repo):
    if Path(repo.path, ".pre-commit-config.yaml").is_file():
        return Found(True, ".pre-commit-config.yaml", "exists")
    return Found(False, ".pre-commit-config.yaml", "absent")


def services(repo):
    """[(name, service)] of the compose file: the ones built from the project first."""
    found = repo.compose.get("services")
    found = (
        [(n, s) for n, s in found.items() if isinstance(s, dict)] if isinstance(found, dict) else []
    )
    return sorted(found, key=lambda item: "build" not in item[1])


def compose_file(repo):
    return repo.first(COMPOSE_FILES)


# The answers and where each is looked for, best first. An answer is inferred
# only when the template (at the compared ref) asks its question; a question
# with no row here, or no finder that answers it, gets the template's default.
INFERENCE = {
    "project_name": (compose_title, readme_title, devcontainer_name, distribution_name_as_written),
    "project_slug": (distribution_name, slug_from_package),
    "package_name": (package_directory, script_module),
    "description": (lambda repo: metadata(repo, "description"),),
    "author_name": (author(0),),
    "author_email": (author(1),),
    "version": (version,),
    "python_version": (dockerfile_python, python_version_file, requires_python),
    "package_manager": (package_manager,),
    "app_type": (app_type,),
    "port": (port,),
    "license": (license_field, license_classifier, license_file),
    "use_devcontainer": (devcontainer,),
    "use_github_actions": (github_actions,),
    "database": (database,),
    "worker": (worker,),
    "deploy": (deploy,),
    "use_pre_commit": (pre_commit,),
}


# ---- answers -----------------------------------------------------------------


def fit_choice(value, choices):
    """``value`` as one of ``choices``: itself, or for versions the lowest choice
    at least as new (``>=3.9`` allows 3.11); None when none fits."""
    if value in choices:
        return value
    if isinstance(value, bool):
        spelled = ("yes", "y", "true") if value else ("no", "n", "false")
        return next((c for c in choices if str(c).lower() in spelled), None)

    def as_version(text):
        return tuple(map(int, text.split("."))) if re.fullmatch(r"\d+(\.\d+)+", str(text)) else None

    if as_version(value) and all(map(as_version, choices)):
        newer = [c for c in choices if as_version(c) >= as_version(value)]
        return min(newer, key=as_version) if newer else None
    return None


def template_default(raw, answers):
    """The template's default from its cookiecutter.json value ``raw``: the first
    choice, or the value with its Jinja (``{{ cookiecutter.project_name | slugify }}``)
    rendered with the ``answers`` so far."""
    if isinstance(raw, list):
        return raw[0]
    if isinstance(raw, str) and "{" in raw:
        environment = StrictEnvironment(context={"cookiecutter": {}})
        return environment.from_string(raw).render(cookiecutter=answers)
    return raw


def questions(options):
    return [key for key in options if not key.startswith("_")]


def written_by_another_template(recorded, options):
    """The one line saying that answers recorded in a repository (``recorded``:
    (file, answers)) were written by another template, or None. Another
    template's keys differ: fewer than half of them are this template's questions
    (an older or newer version of this template shares nearly all)."""
    if not recorded:
        return None
    name, answers = recorded
    keys = set(questions(answers))
    shared = keys & set(questions(options))
    if len(shared) * 2 >= len(keys):
        return None
    source = answers.get("_template")
    by = f" ({source})" if isinstance(source, str) and source else ""
    return (
        f"{name} was written by another template{by}: {len(shared)} of its "
        f"{len(keys)} answers are this template's questions; inferring the answers instead"
    )


def recorded_answers(repo, options):
    """The answers recorded in the repository, unless another template wrote them."""
    if repo.recorded and not written_by_another_template(repo.recorded, options):
        return repo.recorded
    return None


def infer_answers(repo, options, refused=None):
    """{question: Answer} for every question of the template's cookiecutter.json
    ``options``, in its order: recorded (by this template), else inferred, else
    the default. ``refused`` maps the questions whose inferred answer the
    template refused to the reason."""
    refused = refused or {}
    answers = {}
    recorded = recorded_answers(repo, options)
    for key, raw in options.items():
        if key.startswith("_"):
            continue
        if recorded and key in recorded[1]:
            answers[key] = Answer(recorded[1][key], recorded[0], "recorded")
            continue
        answer = infer_one(repo, key, raw, refused.get(key))
        if answer.source == "default":
            answer.value = template_default(raw, {k: a.value for k, a in answers.items()})
        answers[key] = answer
    return answers


def infer_one(repo, key, raw, refusal=None):
    """The first finder's answer that the template can take, else a default
    (value to be filled in) whose detail says what was found and why it is not used."""
    for find in INFERENCE.get(key, ()):
        found = find(repo)
        if found is None:
            continue
        where = f"{found.source} {found.detail}".strip()
        value = fit_choice(found.value, raw) if isinstance(raw, list) else found.value
        if isinstance(raw, bool) != isinstance(value, bool):
            value = None
        if value is None:
            choices = ", ".join(map(str, raw)) if isinstance(raw, list) else "true, false"
            return Answer(None, "default", f"{where}: {found.value!r} is not one of {choices}")
        if refusal:
            return Answer(None, "default", f"{where}: {found.value!r} {refusal}")
        return Answer(value, found.source, found.detail)
    if isinstance(raw, str) and "{" in raw:
        return Answer(None, "default", "derived from the answers above")
    return Answer(None, "default", "nothing in the repository says" if key in INFERENCE else "")


def values(answers):
    return {key: answer.value for key, answer in answers.items()}


def regenerate(repo, template_dir, options, work, name="out"):
    """Infer the answers and bake them. An inferred answer the template refuses
    falls back to its default (and says why); a refused recorded or default answer
    stops the comparison. Returns (answers, project directory)."""
    refused = {}
    while True:
        answers = infer_answers(repo, options, refused)
        try:
            return answers, bake(template_dir, values(answers), work, name)
        except Refused as error:
            answer = answers.get(error.field)
            if answer is None or answer.source == "default" or error.field in refused:
                raise ToolError(f"the template refuses an answer: {error}") from error
            if answer.source in RECORDED_FILES:
                raise ToolError(f"{answer.source}: the template refuses {error}") from error
            refused[error.field] = f"is refused by the template ({error})"
