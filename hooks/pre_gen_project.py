"""Refuse bad answers before cookiecutter writes any file: the rules, written once.

local_extensions.AnswersExtension applies them while cookiecutter renders the
name of the project directory, before it creates it: a refusal is then one line
and nothing else, however the answers came (command line, prompts, replay file).
Cookiecutter also renders this file with Jinja and runs it in the new project
directory, as a second check (cookiecutter prints its own error and traceback
after this one's line). The answers arrive as one JSON document (never pasted
into Python source), so a quote in a name cannot run code. The choices are
cookiecutter.json's, given by ``template_options()`` (local_extensions.py). The
checks are plain functions that the template's tests import and call.
"""

# Jinja leaves everything up to `endraw` alone: only the last lines are rendered.
# {% raw %}
import json
import keyword
import re
import sys
import unicodedata
from pathlib import Path

# Unprivileged ports: rootless Docker cannot publish lower ones.
PORT_RANGE = (1024, 65535)
MAX_NAME_LENGTH = 64

SLUG_RE = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")
PACKAGE_RE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
# PEP 440 public versions, canonical spelling: 1.0, 0.1.0, 2.0.0rc1, 1.0.post2.dev3
VERSION_RE = re.compile(
    r"(\d+!)?\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?(\+[a-z0-9]+(\.[a-z0-9]+)*)?"
)
JINJA_DELIMITERS = ("{{", "}}", "{%", "%}", "{#", "#}")

# Import or command names that would shadow the tools the project runs with.
RESERVED_NAMES = frozenset(
    {
        "conftest", "docs", "hatchling", "lib", "pip", "pytest", "python", "python3",
        "ruff", "setup", "setuptools", "site", "src", "test", "tests", "uv", "venv",
        "wheel",
    }
)  # fmt: skip

# Free-text answers that must not be empty; the others may be.
REQUIRED = ("project_name", "project_slug", "package_name", "author_name", "version")

# Rules between answers: (option, answer, the option it needs, the answers that
# work with it). An option that only works with another's answer adds a row.
# Checked after each answer on its own, in this order.
NEEDS = [
    # The job queue lives in the project's PostgreSQL.
    ("worker", "procrastinate", "database", ("postgres",)),
]


class InvalidAnswer(ValueError):
    """An answer broke a rule; ``str()`` is the one-line message for the user."""

    def __init__(self, field, value, rule):
        super().__init__(f"{field}={value!r}: {rule}")


def check_text(field, value):
    """A free-text answer: text, one line, no Jinja delimiters; not empty if required."""
    if not isinstance(value, str):
        raise InvalidAnswer(field, value, "must be text")
    if any(unicodedata.category(char) in ("Cc", "Zl", "Zp") for char in value):
        raise InvalidAnswer(field, value, "must not contain control characters or line breaks")
    for delimiter in JINJA_DELIMITERS:
        if delimiter in value:
            raise InvalidAnswer(field, value, f"must not contain {delimiter!r}")
    if field in REQUIRED and not value.strip():
        raise InvalidAnswer(field, value, "must not be empty")


def check_identifier(field, value, pattern, shape):
    """A name used as a path, a distribution, a command or an import."""
    if "/" in value or "\\" in value or ".." in value:
        raise InvalidAnswer(field, value, "must not contain '/', '\\' or '..'")
    if len(value) > MAX_NAME_LENGTH:
        raise InvalidAnswer(field, value, f"must be at most {MAX_NAME_LENGTH} characters")
    if not pattern.fullmatch(value):
        raise InvalidAnswer(field, value, f"must be {shape}")
    as_module = value.replace("-", "_")
    if keyword.iskeyword(as_module):
        raise InvalidAnswer(field, value, "must not be a Python keyword")
    if as_module in sys.stdlib_module_names:
        raise InvalidAnswer(field, value, "must not shadow a standard-library module")
    if as_module in RESERVED_NAMES:
        raise InvalidAnswer(field, value, "is reserved: it would shadow a tool or folder")


def check_slug(value):
    words = "lowercase letters and digits in words joined by '-', starting with a letter"
    check_identifier("project_slug", value, SLUG_RE, words)


def check_package(value):
    words = "lowercase letters and digits in words joined by '_', starting with a letter"
    check_identifier("package_name", value, PACKAGE_RE, words)


def check_email(value):
    if value and not EMAIL_RE.fullmatch(value):
        raise InvalidAnswer("author_email", value, "must look like name@example.com")


def check_version(value):
    if not VERSION_RE.fullmatch(value):
        raise InvalidAnswer("version", value, "must be a PEP 440 version such as 0.1.0")


def check_port(value):
    low, high = PORT_RANGE
    text = value if isinstance(value, str) else ""
    if not (text.isascii() and text.isdigit() and low <= int(text) <= high):
        raise InvalidAnswer("port", value, f"must be a whole number from {low} to {high}")


# Rules of free-text answers beyond one line of text, checked after it.
TEXT_RULES = {
    "project_slug": check_slug,
    "package_name": check_package,
    "author_email": check_email,
    "version": check_version,
}


def check_answer(field, value, definition):
    """One answer against its definition in cookiecutter.json: a list is a choice,
    true/false a yes/no question, the port a number, any other text free text."""
    if isinstance(definition, list):
        if value not in definition:
            raise InvalidAnswer(field, value, f"must be one of {', '.join(definition)}")
    elif isinstance(definition, bool):
        if not isinstance(value, bool):
            raise InvalidAnswer(field, value, "must be true or false (yes or no)")
    elif field == "port":
        check_port(value)
    else:
        check_text(field, value)
        if field in TEXT_RULES:
            TEXT_RULES[field](value)


def check_needs(answers, needs=NEEDS):
    """Raise InvalidAnswer for the first row of ``needs`` the answers break."""
    for option, answer, needed, works_with in needs:
        if answers.get(option) == answer and answers.get(needed) not in works_with:
            wanted = " or ".join(f"{needed}={value}" for value in works_with)
            rule = f"needs {wanted}, not {needed}={answers.get(needed)}"
            raise InvalidAnswer(option, answer, rule)


def check_answers(answers, options, needs=NEEDS):
    """Raise InvalidAnswer for the first answer that breaks a rule.

    ``options`` is cookiecutter.json (private keys are skipped). The answers the
    user gives come first, in its order, then the derived ones (a default that is
    a Jinja expression: the slug, the package): an empty project name is reported
    as itself, not as the empty slug made from it. Then the rules between
    answers (``needs``)."""
    fields = [name for name in options if not name.startswith("_")]
    derived = [name for name in fields if "{{" in str(options[name])]
    for field in [*(name for name in fields if name not in derived), *derived]:
        if field not in answers:
            raise InvalidAnswer(field, None, "is missing: answer it (or add it to the replay file)")
        check_answer(field, answers[field], options[field])
    check_needs(answers, needs)


def check_target(target):
    """The project directory must be new or empty: never write over user files."""
    target = Path(target)
    if not target.exists() or target.is_dir() and not any(target.iterdir()):
        return
    if target.is_dir():
        rule = f"target directory {target} exists and is not empty"
    else:
        rule = f"target {target} exists and is not a directory"
    raise InvalidAnswer("project_slug", target.name, rule)


def main(answers_json, options_json, target):
    """Validate; print one line to stderr and return 1 on the first broken rule.
    ``options_json`` holds cookiecutter.json's options as [name, definition] pairs."""
    try:
        check_answers(json.loads(answers_json), dict(json.loads(options_json)))
        check_target(target)
    except InvalidAnswer as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


# {% endraw %}
if __name__ == "__main__":
    options = r"""{{ template_options() | tojson }}"""
    sys.exit(main(r"""{{ cookiecutter | tojson }}""", options, Path.cwd()))
