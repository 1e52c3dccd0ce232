"""Reading a repository: its metadata files parsed once, whatever the build tool
(PEP 621, Poetry, setup.cfg, literal setup.py arguments), and the answers a
template recorded in it. Used by infer.py; see docs/compare.md."""

import ast
import configparser
import json
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

try:
    import yaml
except ModuleNotFoundError:  # reported by the commands as one line
    yaml = None
else:
    SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when there is one

ANSWERS_FILE = ".cookiecutter.json"
# Where a template records the answers it was generated with, best first.
RECORDED_FILES = (ANSWERS_FILE, ".cruft.json")
COMPOSE_FILES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")
README_FILES = ("README.md", "README.rst", "README.txt", "README")
LICENSE_FILES = ("LICENSE", "LICENSE.txt", "LICENSE.md", "LICENSE.rst", "COPYING")


class ToolError(Exception):
    """The command cannot do its job; ``str()`` is the one line that says why."""


# ---- how the messages name an option ---------------------------------------------

# The make variables a generated project's scripts/template.sh turns into options.
MAKE_VARIABLES = {"--to": "TO", "--template": "TEMPLATE", "--checkout": "CHECKOUT"}
# How `make <target>` is used, for its usage line.
MAKE_USAGE = {
    "template-diff": 'make template-diff [CHECKOUT=<ref>] [TEMPLATE=<path or git URL>] [ARGS="--json"]',
    "template-update": "make template-update [TO=<ref>] [TEMPLATE=<path or git URL>] "
    '[ARGS="--from <ref>|auto --set KEY=VALUE --dry-run --json|--markdown"]',
}


def make_target():
    """The make target running the tool (scripts/template.sh of a generated project
    sets TEMPLATE_MAKE_TARGET), or None on the tool's own command line."""
    return os.environ.get("TEMPLATE_MAKE_TARGET") or None


def option(flag, value=None):
    """How the user gives ``flag value``: as the tool's option, or, when make runs
    the tool, as make's variable or in ARGS (`make template-update ARGS="--from auto"`)."""
    given = f"{flag} {value}" if value else flag
    target = make_target()
    if target is None:
        return given
    if flag in MAKE_VARIABLES:
        return f"make {target} {MAKE_VARIABLES[flag]}={value}"
    return f'make {target} ARGS="{given}"'


def missing_module(name):
    """The line that says a Python module the tools need is missing."""
    line = f"the Python module {name!r} is missing: pip install cookiecutter"
    if make_target():
        line += f', or make {make_target()} TEMPLATE_PYTHON="uv run --with cookiecutter python"'
    return line


def usage(prog):
    """(prog, usage) of the argument parser: the tool's, or make's when make runs it."""
    target = make_target()
    return (f"make {target}", MAKE_USAGE.get(target)) if target else (prog, None)


@dataclass
class Found:
    """An answer read from the repository: the value, the file, and where in it."""

    value: object
    source: str
    detail: str = ""


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
    """Text of a metadata file, or None when absent; unreadable -> ToolError."""
    if not path.exists():
        return None
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ToolError(f"{path.name}: cannot read it: {error}") from error


def read_repository(path):
    """Parse the repository's metadata files. A pyproject.toml, setup.cfg, compose
    file or answers file that cannot be read or parsed stops the comparison."""
    path = Path(path)
    if not path.exists():
        raise ToolError(f"{path}: no such directory")
    if not path.is_dir():
        raise ToolError(f"{path}: not a directory")
    text = read_file(path / "pyproject.toml")
    try:
        pyproject = tomllib.loads(text) if text is not None else {}
    except tomllib.TOMLDecodeError as error:
        raise ToolError(f"pyproject.toml: not valid TOML: {error}") from error
    setup_cfg = configparser.ConfigParser(interpolation=None)
    try:
        setup_cfg.read_string(read_file(path / "setup.cfg") or "")
    except configparser.Error as error:
        message = str(error).splitlines()[0]
        raise ToolError(f"setup.cfg: cannot parse it: {message}") from error
    compose = {}
    compose_name = next((n for n in COMPOSE_FILES if (path / n).is_file()), None)
    if compose_name:
        try:
            compose = yaml.load(read_file(path / compose_name), Loader=SafeLoader) or {}
        except yaml.YAMLError as error:
            message = " ".join(str(error).split())
            raise ToolError(f"{compose_name}: not valid YAML: {message}") from error
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
            raise ToolError(f"{name}: not valid JSON: {error}") from error
        answers = data.get("context", data) if name == ".cruft.json" else data
        answers = answers.get("cookiecutter") if isinstance(answers, dict) else None
        if not isinstance(answers, dict):
            raise ToolError(f"{name}: has no 'cookiecutter' answers")
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
