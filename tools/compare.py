#!/usr/bin/env python3
"""Compare any Python repository with this template.

    python3 tools/compare.py PATH [--template SRC] [--checkout REF] [--diff] [--json]
                                  [--write-answers [--force]]

Infers the template's answers from the repository's own files (a recorded
`.cookiecutter.json` wins), regenerates the project with them in a temporary
directory, and reports, for each file the template produces, whether the
repository has it identical, different or not at all, plus the files only the
repository has. Exit status: 0 no drift, 1 drift, 2 could not compare (one line
on stderr says why). It writes into the repository only with --write-answers
(its `.cookiecutter.json`), and removes its temporary directory.

Needs cookiecutter (and PyYAML, which cookiecutter installs). See docs/compare.md.
"""

import argparse
import ast
import configparser
import difflib
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path

try:
    import yaml
    from cookiecutter.config import BUILTIN_ABBREVIATIONS
    from cookiecutter.environment import StrictEnvironment
    from cookiecutter.repository import determine_repo_dir
except ModuleNotFoundError as missing:  # reported by main() as one line
    MISSING = missing.name
else:
    MISSING = None
    SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when there is one

# This checkout of the template: the default --template.
THIS_TEMPLATE = Path(__file__).resolve().parents[1]
ANSWERS_FILE = ".cookiecutter.json"
# Where a template records the answers it was generated with, best first.
RECORDED_FILES = (ANSWERS_FILE, ".cruft.json")
COMPOSE_FILES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")
README_FILES = ("README.md", "README.rst", "README.txt", "README")
LICENSE_FILES = ("LICENSE", "LICENSE.txt", "LICENSE.md", "LICENSE.rst", "COPYING")
# What is not the template's, when the regenerated project does not say (the
# NOT_FROM_TEMPLATE list of its scripts/template-diff.sh, which `make
# template-diff` uses, is read first; tests/test_compare.py checks this copy
# agrees with it).
NOT_FROM_TEMPLATE = [
    ".git", ".cruft.json", ".venv", "venv", ".env", ".env.*", "__pycache__", "*.py[cod]",
    "*.egg-info", ".pytest_cache", ".ruff_cache", ".mypy_cache", ".coverage", "htmlcov",
    "build", "dist", "uv.lock", "requirements.lock.txt",
]  # fmt: skip
# Directories that hold no package of the project.
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


class CompareError(Exception):
    """The comparison cannot be made; ``str()`` is the one line that says why."""


class Refused(Exception):
    """The template's hooks refused an answer: ``field`` and the hook's line."""

    def __init__(self, field, line):
        super().__init__(line)
        self.field = field


@dataclass
class Found:
    """An answer read from the repository: the value, the file, and where in it."""

    value: object
    source: str
    detail: str = ""


@dataclass
class Answer:
    value: object
    source: str  # a file of the repository, or "default"
    detail: str = ""


@dataclass
class FileReport:
    path: str
    status: str  # identical | differs | missing | added
    added: int | None = 0  # lines only in the repository (None: a binary file)
    removed: int | None = 0  # lines only in the template
    diff: list[str] = field(default_factory=list)


# ---- reading the repository --------------------------------------------------


@dataclass
class Repo:
    """The files of a repository that answers are inferred from, parsed once.
    Text files (README, Dockerfile, LICENSE, ...) are read on demand by ``text``."""

    path: Path
    pyproject: dict
    setup_cfg: configparser.ConfigParser
    setup_py: dict
    compose: dict
    recorded: tuple[str, dict] | None  # (file, answers) of a recorded answers file

    def text(self, relative):
        """The file's text, or None when it is missing or not UTF-8 text."""
        try:
            return Path(self.path, relative).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def first(self, names):
        """The first of ``names`` that exists as a file, or None."""
        return next((name for name in names if Path(self.path, name).is_file()), None)


def read_file(path):
    """Text of a metadata file, or None when absent; unreadable -> CompareError."""
    if not path.exists():
        return None
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CompareError(f"{path.name}: cannot read it: {error}") from error


def read_repository(path):
    """Parse the repository's metadata files. A pyproject.toml, setup.cfg, compose
    file or answers file that cannot be read or parsed stops the comparison."""
    path = Path(path)
    if not path.exists():
        raise CompareError(f"{path}: no such directory")
    if not path.is_dir():
        raise CompareError(f"{path}: not a directory")
    text = read_file(path / "pyproject.toml")
    try:
        pyproject = tomllib.loads(text) if text is not None else {}
    except tomllib.TOMLDecodeError as error:
        raise CompareError(f"pyproject.toml: not valid TOML: {error}") from error
    setup_cfg = configparser.ConfigParser(interpolation=None)
    try:
        setup_cfg.read_string(read_file(path / "setup.cfg") or "")
    except configparser.Error as error:
        message = str(error).splitlines()[0]
        raise CompareError(f"setup.cfg: cannot parse it: {message}") from error
    compose = {}
    compose_name = next((n for n in COMPOSE_FILES if (path / n).is_file()), None)
    if compose_name:
        try:
            compose = yaml.load(read_file(path / compose_name), Loader=SafeLoader) or {}
        except yaml.YAMLError as error:
            message = " ".join(str(error).split())
            raise CompareError(f"{compose_name}: not valid YAML: {message}") from error
    return Repo(
        path=path,
        pyproject=pyproject if isinstance(pyproject, dict) else {},
        setup_cfg=setup_cfg,
        setup_py=setup_py_arguments(path / "setup.py"),
        compose=compose if isinstance(compose, dict) else {},
        recorded=read_recorded(path),
    )


def read_recorded(path):
    """(file, answers) from .cookiecutter.json (a replay file) or .cruft.json, or None."""
    for name in RECORDED_FILES:
        text = read_file(path / name)
        if text is None:
            continue
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise CompareError(f"{name}: not valid JSON: {error}") from error
        answers = data.get("context", data) if name == ".cruft.json" else data
        answers = answers.get("cookiecutter") if isinstance(answers, dict) else None
        if not isinstance(answers, dict):
            raise CompareError(f"{name}: has no 'cookiecutter' answers")
        return name, answers
    return None


def setup_py_arguments(path):
    """The literal keyword arguments of the ``setup()`` call in setup.py (names of
    module-level literals resolved). setup.py is parsed, never run; one that does
    not parse (Python 2, say) gives nothing."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
        return {}
    constants = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and [type(t) for t in node.targets] == [ast.Name]:
            constants[node.targets[0].id] = node.value
    for node in ast.walk(tree):
        function = getattr(node, "func", None)
        if isinstance(node, ast.Call) and "setup" in (
            getattr(function, "id", None),
            getattr(function, "attr", None),
        ):
            arguments = {}
            for keyword in node.keywords:
                value = keyword.value
                if isinstance(value, ast.Name) and value.id in constants:
                    value = constants[value.id]
                try:
                    arguments[keyword.arg] = ast.literal_eval(value)
                except (ValueError, TypeError, SyntaxError):
                    pass
            return arguments
    return {}


# ---- project metadata, whatever the build tool -------------------------------


def metadata_sources(repo):
    """[(file, label, {field: value})] from PEP 621, Poetry, setup.cfg and setup.py,
    best first. Fields: name, version, description, authors [(name, email)],
    requires_python, license, license_file, classifiers, dependencies, scripts."""
    return [
        ("pyproject.toml", "[project]", project_table(repo.pyproject.get("project"))),
        ("pyproject.toml", "[tool.poetry]", poetry_table(repo.pyproject)),
        ("setup.cfg", "[metadata]", setup_cfg_metadata(repo.setup_cfg)),
        ("setup.py", "setup()", setup_py_metadata(repo.setup_py)),
    ]


def project_table(project):
    if not isinstance(project, dict):
        return {}
    dynamic = set(project.get("dynamic", []))
    found = {
        field: project[key]
        for key, field in (
            ("name", "name"),
            ("version", "version"),
            ("description", "description"),
            ("requires-python", "requires_python"),
            ("classifiers", "classifiers"),
            ("dependencies", "dependencies"),
            ("scripts", "scripts"),
        )
        if key in project and key not in dynamic
    }
    authors = project.get("authors")
    if isinstance(authors, list) and "authors" not in dynamic:
        found["authors"] = [
            (author.get("name"), author.get("email"))
            for author in authors
            if isinstance(author, dict)
        ]
    license_ = project.get("license")
    if isinstance(license_, str):
        found["license"] = license_
    elif isinstance(license_, dict):
        if "text" in license_:
            found["license"] = license_["text"]
        if "file" in license_:
            found["license_file"] = license_["file"]
    return found


def poetry_table(pyproject):
    poetry = pyproject.get("tool", {}).get("poetry")
    if not isinstance(poetry, dict):
        return {}
    found = {
        key: poetry[key]
        for key in ("name", "version", "description", "license", "classifiers")
        if key in poetry
    }
    if isinstance(poetry.get("authors"), list):
        found["authors"] = [split_author(author) for author in poetry["authors"]]
    dependencies = poetry.get("dependencies")
    if isinstance(dependencies, dict):
        found["dependencies"] = [name for name in dependencies if name != "python"]
        if isinstance(dependencies.get("python"), str):
            found["requires_python"] = dependencies["python"]
    if isinstance(poetry.get("scripts"), dict):
        found["scripts"] = poetry["scripts"]
    return found


def setup_cfg_metadata(config):
    def get(section, key):
        value = config.get(section, key, fallback=None)
        # `attr:` and `file:` values are computed when building: not inferable.
        return None if value is None or value.startswith(("attr:", "file:")) else value.strip()

    def lines(section, key):
        value = get(section, key)
        return None if value is None else [line for line in value.splitlines() if line.strip()]

    found = {
        "name": get("metadata", "name"),
        "version": get("metadata", "version"),
        "description": get("metadata", "description"),
        "license": get("metadata", "license"),
        "classifiers": lines("metadata", "classifiers"),
        "requires_python": get("options", "python_requires"),
        "dependencies": lines("options", "install_requires"),
    }
    author = get("metadata", "author"), get("metadata", "author_email")
    if any(author):
        found["authors"] = [author]
    return {key: value for key, value in found.items() if value is not None}


def setup_py_metadata(arguments):
    found = {
        field: arguments[key]
        for key, field in (
            ("name", "name"),
            ("version", "version"),
            ("description", "description"),
            ("license", "license"),
            ("classifiers", "classifiers"),
            ("python_requires", "requires_python"),
            ("install_requires", "dependencies"),
        )
        if key in arguments
    }
    author = arguments.get("author"), arguments.get("author_email")
    if any(author):
        found["authors"] = [author]
    return found


def split_author(text):
    """``"Name <email>"`` -> (name, email)."""
    match = re.fullmatch(r"\s*(.*?)\s*(?:<([^>]*)>)?\s*", str(text))
    return match.group(1) or None, match.group(2)


def metadata(repo, field, kind=str):
    """The first source's ``field`` of type ``kind``, as Found, or None."""
    for source, label, values in metadata_sources(repo):
        if isinstance(values.get(field), kind):
            return Found(values[field], source, f"{label} {field.replace('_', '-')}")
    return None


def dependencies(repo):
    """[(normalised name, extras, file)] from the metadata and requirements files."""
    found = []
    for source, _, values in metadata_sources(repo):
        for requirement in values.get("dependencies") or []:
            found.append((*parse_requirement(requirement), source))
    for name in ("requirements.txt", "requirements.in"):
        for line in (repo.text(name) or "").splitlines():
            if line.strip() and not line.lstrip().startswith(("#", "-")):
                found.append((*parse_requirement(line), name))
    return [entry for entry in found if entry[0]]


def parse_requirement(text):
    """``"SQLAlchemy[postgresql]>=2"`` -> ("sqlalchemy", "postgresql")."""
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?", str(text))
    if not match:
        return "", ""
    return re.sub(r"[-_.]+", "-", match.group(1)).lower(), (match.group(2) or "").lower()


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


def infer_answers(repo, options, refused=None):
    """{question: Answer} for every question of the template's cookiecutter.json
    ``options``, in its order: recorded, else inferred, else the default.
    ``refused`` maps the questions whose inferred answer the template refused to
    the reason."""
    refused = refused or {}
    answers = {}
    for key, raw in options.items():
        if key.startswith("_"):
            continue
        if repo.recorded and key in repo.recorded[1]:
            answers[key] = Answer(repo.recorded[1][key], repo.recorded[0], "recorded")
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


# ---- the template and the regenerated project --------------------------------


def fetch_template(source, checkout, work):
    """A local directory of the template: ``source`` itself, or a clone (at
    ``checkout``) in ``work``. A local git checkout with a ref is cloned too."""
    path = Path(source).expanduser()
    if path.is_dir() and checkout:
        source = "git+" + path.resolve().as_uri()
    elif path.is_dir():
        if not (path / "cookiecutter.json").is_file():
            raise CompareError(f"template {source}: no cookiecutter.json in it")
        return path.resolve()
    try:
        directory, _ = determine_repo_dir(
            template=source,
            abbreviations=BUILTIN_ABBREVIATIONS,
            clone_to_dir=work / "clones",
            checkout=checkout,
            no_input=True,
        )
    except Exception as error:  # cookiecutter's and git's errors: say them in one line
        reason = " ".join(str(error).split()) or type(error).__name__
        raise CompareError(f"template {source}: cannot fetch it: {reason}") from error
    return Path(directory)


def template_options(template_dir):
    try:
        options = json.loads(Path(template_dir, "cookiecutter.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise CompareError(f"template cookiecutter.json: {error}") from error
    return options


def bake(template_dir, values, work):
    """Run cookiecutter (in a child process, so its hooks' messages are captured)
    on the template with ``values`` as a replay file; return the project directory.
    Raises Refused when the template's hooks refuse an answer."""
    out = work / "out"
    shutil.rmtree(out, ignore_errors=True)
    config, replay = work / "config.yaml", work / "answers.json"
    settings = {"cookiecutters_dir": str(work / "cache"), "replay_dir": str(work / "replay")}
    config.write_text(json.dumps(settings), encoding="utf-8")  # JSON is YAML
    replay.write_text(json.dumps({"cookiecutter": values}, ensure_ascii=False), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "cookiecutter", "--config-file", str(config),
         "--replay-file", str(replay), "--output-dir", str(out), str(template_dir)],
        cwd=work,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        encoding="utf-8",
        errors="replace",
        # Cookiecutter leaves its rendered hook scripts in TMPDIR: keep them in ``work``.
        env={**os.environ, "TMPDIR": str(work), "PYTHONDONTWRITEBYTECODE": "1", "PYTHONIOENCODING": "utf-8"},
        check=False,
    )  # fmt: skip
    if result.returncode == 0 and out.is_dir() and len(list(out.iterdir())) == 1:
        return next(out.iterdir())
    lines = [line.strip() for line in (result.stderr + result.stdout).splitlines() if line.strip()]
    for line in lines:
        match = re.match(r"error: (\w+)=", line)
        if match:
            raise Refused(match.group(1), line.removeprefix("error: "))
    raise CompareError(f"cookiecutter failed: {lines[-1] if lines else result.returncode}")


def regenerate(repo, template_dir, options, work):
    """Infer the answers and bake them. An inferred answer the template refuses
    falls back to its default (and says why); a refused recorded or default answer
    stops the comparison. Returns (answers, project directory)."""
    refused = {}
    while True:
        answers = infer_answers(repo, options, refused)
        try:
            return answers, bake(template_dir, {k: a.value for k, a in answers.items()}, work)
        except Refused as error:
            answer = answers.get(error.field)
            if answer is None or answer.source == "default" or error.field in refused:
                raise CompareError(f"the template refuses an answer: {error}") from error
            if answer.source in RECORDED_FILES:
                raise CompareError(f"{answer.source}: the template refuses {error}") from error
            refused[error.field] = f"is refused by the template ({error})"


def record_source(project, template, checkout):
    """Set the template source and ref recorded in ``project``'s answers file (the
    format the template's post-generation hook writes)."""
    path = Path(project, ANSWERS_FILE)
    if not path.is_file():  # a template that records no answers
        return
    data = json.loads(path.read_text(encoding="utf-8"))
    for key, value in (("_template", template), ("_checkout", checkout)):
        if value:
            data["cookiecutter"][key] = value
        else:
            data["cookiecutter"].pop(key, None)
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    path.write_text(text, encoding="utf-8", newline="\n")


def recorded_source(repo_path):
    """(template, checkout) recorded in the repository's answers file, or None."""
    try:
        answers = json.loads(Path(repo_path, ANSWERS_FILE).read_text(encoding="utf-8"))
        answers = answers["cookiecutter"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return answers.get("_template"), answers.get("_checkout")


# ---- the drift report ----------------------------------------------------------


def excluded_patterns(project):
    """The names `make template-diff` leaves out: NOT_FROM_TEMPLATE in the
    regenerated project's scripts/template-diff.sh (or, in older projects, its
    Makefile), else this module's copy of it."""
    for relative in ("scripts/template-diff.sh", "Makefile"):
        path = Path(project, relative)
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
        match = re.search(r"^NOT_FROM_TEMPLATE\s*:?=((?:.*\\\n)*.*)", text, flags=re.MULTILINE)
        if match:
            return match.group(1).replace("\\\n", " ").replace('"', " ").split()
    return list(NOT_FROM_TEMPLATE)


def is_excluded(name, patterns):
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


def list_files(root, patterns):
    """{relative posix path: Path} of the files under ``root``, leaving out every
    file or directory whose name matches one of ``patterns`` (as diff -X does)."""
    found = {}
    for directory, folders, files in os.walk(root):
        folders[:] = sorted(f for f in folders if not is_excluded(f, patterns))
        for name in files:
            path = Path(directory, name)
            if not is_excluded(name, patterns) and path.is_file():
                found[path.relative_to(root).as_posix()] = path
    return found


def line_count(data):
    try:
        return len(data.decode("utf-8").splitlines())
    except UnicodeDecodeError:
        return None


def compare_file(relative, template_path, repo_path):
    """One file's FileReport; ``-`` lines are the template's, ``+`` the repository's."""
    ours = template_path.read_bytes() if template_path else b""
    theirs = repo_path.read_bytes() if repo_path else b""
    if template_path is None:
        return FileReport(relative, "added", line_count(theirs), 0)
    status = "missing" if repo_path is None else "identical" if ours == theirs else "differs"
    if status == "identical":
        return FileReport(relative, status)
    try:
        diff = list(
            difflib.unified_diff(
                ours.decode("utf-8").splitlines(keepends=True),
                theirs.decode("utf-8").splitlines(keepends=True),
                f"template/{relative}",
                f"repository/{relative}",
            )
        )
    except UnicodeDecodeError:
        return FileReport(relative, status, None, None)
    body = diff[2:]
    added = sum(line.startswith("+") for line in body)
    removed = sum(line.startswith("-") for line in body)
    return FileReport(relative, status, added, removed, diff)


def drift(repo_path, project):
    """[FileReport] for every file of the regenerated ``project`` and of the repository."""
    patterns = excluded_patterns(project)
    template_files = list_files(project, patterns)
    try:
        repo_files = list_files(repo_path, patterns)
        return [
            compare_file(relative, template_files.get(relative), repo_files.get(relative))
            for relative in sorted(template_files.keys() | repo_files.keys())
        ]
    except OSError as error:
        raise CompareError(f"cannot read {error.filename}: {error.strerror}") from error


def summary(files):
    counts = {status: 0 for status in ("identical", "differs", "missing", "added")}
    for report in files:
        counts[report.status] += 1
    counts["drift"] = bool(counts["differs"] or counts["missing"])
    return counts


# ---- output ------------------------------------------------------------------


def format_answers(answers):
    lines = ["Answers (from the repository's files, or the template's default):"]
    for key, answer in answers.items():
        detail = f" ({answer.detail})" if answer.detail else ""
        value = json.dumps(answer.value, ensure_ascii=False)
        lines.append(f"  {key:<18} = {value:<28} {answer.source}{detail}")
    return lines


def collapsed(files, template_dirs):
    """The added files as listed in the text report: those under a directory the
    template does not produce at all are one line for that directory."""
    entries = {}
    for report in files:
        parts = report.path.split("/")
        top = next(
            (
                "/".join(parts[: i + 1])
                for i in range(len(parts) - 1)
                if "/".join(parts[: i + 1]) not in template_dirs
            ),
            None,
        )
        key = f"{top}/" if top else report.path
        entries.setdefault(key, []).append(report)
    return entries


def format_report(answers, files, template, checkout, show_diff=False):
    lines = format_answers(answers)
    source = f"{template}" + (f" at {checkout}" if checkout else "")
    lines += ["", f"Files (template {source}; - template, + repository):"]
    template_files = [f for f in files if f.status != "added"]
    template_dirs = {
        "/".join(f.path.split("/")[:i])
        for f in template_files
        for i in range(1, f.path.count("/") + 1)
    }

    def counts(report):
        if report.added is None:
            return "  (binary)"
        parts = [
            f"+{report.added}" if report.added else "",
            f"-{report.removed}" if report.removed else "",
        ]
        return "  " + " ".join(filter(None, parts)) if any(parts) else ""

    for report in template_files:
        lines.append(f"  {report.status:<10} {report.path}{counts(report)}")
    for entry, reports in collapsed(
        [f for f in files if f.status == "added"], template_dirs
    ).items():
        if entry.endswith("/"):
            lines.append(f"  {'added':<10} {entry}  ({len(reports)} files)")
        else:
            lines.append(f"  {'added':<10} {entry}{counts(reports[0])}")
    totals = summary(files)
    lines.append(
        f"Summary: {len(template_files)} files from the template: {totals['identical']} identical, "
        f"{totals['differs']} differ, {totals['missing']} missing; {totals['added']} only in "
        f"the repository. {'Drift.' if totals['drift'] else 'No drift.'}"
    )
    if show_diff:
        for report in files:
            lines += [line.rstrip("\n") for line in report.diff]
    return "\n".join(lines) + "\n"


def format_json(repo_path, answers, files, template, checkout, show_diff=False):
    document = {
        "repository": str(Path(repo_path).resolve()),
        "template": {"source": str(template), "checkout": checkout},
        "answers": {key: asdict(answer) for key, answer in answers.items()},
        "files": [
            {**asdict(report), "diff": "".join(report.diff)} if show_diff else
            {k: v for k, v in asdict(report).items() if k != "diff"}
            for report in files
        ],
        "summary": summary(files),
    }  # fmt: skip
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


# ---- the command -------------------------------------------------------------


def parse_arguments(argv):
    parser = argparse.ArgumentParser(
        prog="compare.py",
        description="Compare a repository with the template: infer its answers, "
        "regenerate, report drift. Exit 0 no drift, 1 drift, 2 could not compare.",
    )
    parser.add_argument("path", metavar="PATH", help="the repository to compare")
    parser.add_argument(
        "--template",
        default=str(THIS_TEMPLATE),
        help="template: a path, a git URL or gh:owner/repo (default: this checkout)",
    )
    parser.add_argument("--checkout", help="a tag, branch or commit of a git template")
    parser.add_argument("--diff", action="store_true", help="show the unified diffs")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--write-answers",
        action="store_true",
        help=f"write the answers as {ANSWERS_FILE} into the repository",
    )
    parser.add_argument("--force", action="store_true", help=f"replace an existing {ANSWERS_FILE}")
    arguments = parser.parse_args(argv)
    if arguments.force and not arguments.write_answers:
        parser.error("--force only goes with --write-answers")
    return arguments


def as_recorded(template):
    """The template source as the answers file should record it: a local path
    made absolute (so `make template-diff` finds it from anywhere)."""
    path = Path(template).expanduser()
    return str(path.resolve()) if path.is_dir() else template


def run(arguments, out=sys.stdout):
    """Compare; print the report to ``out``; return the exit status (0 or 1).
    Raises CompareError when it cannot compare."""
    if MISSING:
        raise CompareError(f"the Python module {MISSING!r} is missing: pip install cookiecutter")
    repo = read_repository(arguments.path)
    answers_path = repo.path / ANSWERS_FILE
    if arguments.write_answers and answers_path.exists() and not arguments.force:
        raise CompareError(f"{answers_path} exists: not overwritten (--force replaces it)")
    template = as_recorded(arguments.template)
    with tempfile.TemporaryDirectory(prefix="template-compare-") as work:
        template_dir = fetch_template(template, arguments.checkout, Path(work))
        options = template_options(template_dir)
        answers, project = regenerate(repo, template_dir, options, Path(work))
        if arguments.write_answers:
            record_source(project, template, arguments.checkout)
            shutil.copyfile(project / ANSWERS_FILE, answers_path)
        recorded = recorded_source(repo.path)
        if recorded:  # comparing with another copy of the template is not drift
            record_source(project, *recorded)
        files = drift(repo.path, project)
    if arguments.json:
        out.write(
            format_json(repo.path, answers, files, template, arguments.checkout, arguments.diff)
        )
    else:
        out.write(format_report(answers, files, template, arguments.checkout, arguments.diff))
    return 1 if summary(files)["drift"] else 0


def main(argv=None):
    arguments = parse_arguments(argv)
    try:
        return run(arguments)
    except Exception as error:  # noqa: BLE001 (exit 1 means drift: anything else is 2)
        reason = (
            str(error) if isinstance(error, CompareError) else f"{type(error).__name__}: {error}"
        )
        print(f"error: could not compare: {reason}", file=sys.stderr)
        if arguments.json:
            print(json.dumps({"error": reason}, ensure_ascii=False))
        return 2


if __name__ == "__main__":
    sys.exit(main())
