"""Refuse bad answers before cookiecutter writes any file.

Cookiecutter renders this file with Jinja and runs it in the new project
directory. The answers arrive as one JSON document (never pasted into Python
source), so a quote in a name cannot run code. The checks are plain functions
that the template's tests import and call.
"""

# Jinja leaves everything up to `endraw` alone: only the last lines are rendered.
# {% raw %}
import json
import keyword
import re
import sys
import unicodedata
from pathlib import Path

# The choice options and the answers each accepts (cookiecutter.json offers them).
CHOICES = {
    "python_version": ("3.11", "3.12", "3.13", "3.14"),
    "package_manager": ("uv", "pip"),
    "app_type": ("cli", "web"),
    "database": ("none", "postgres"),
    "license": ("MIT", "BSD-3-Clause", "Apache-2.0", "Proprietary"),
}
BOOLEANS = ("use_devcontainer", "use_github_actions")
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

# Answers that must be present; the others may be left empty.
REQUIRED = ("project_name", "project_slug", "package_name", "author_name", "version")
# Free-text answers: a replay file could hold a number, a list or null instead.
TEXT_FIELDS = (*REQUIRED, "description", "author_email")
# Every answer the template uses: a replay file from another template version may lack one.
ANSWERS = (*TEXT_FIELDS, *CHOICES, *BOOLEANS, "port")


class InvalidAnswer(ValueError):
    """An answer broke a rule; ``str()`` is the one-line message for the user."""

    def __init__(self, field, value, rule):
        super().__init__(f"{field}={value!r}: {rule}")


def check_text(field, value):
    """Any answer: one line of text, no Jinja delimiters."""
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
    if value in RESERVED_NAMES or as_module in RESERVED_NAMES:
        raise InvalidAnswer(field, value, "is reserved: it would shadow a tool or folder")


def check_present(answers):
    """Every answer is there, and the free-text ones are text."""
    for field in ANSWERS:
        if field not in answers:
            raise InvalidAnswer(field, None, "is missing: answer it (or add it to the replay file)")
    for field in TEXT_FIELDS:
        if not isinstance(answers[field], str):
            raise InvalidAnswer(field, answers[field], "must be text")


def check_answers(answers):
    """Raise InvalidAnswer for the first answer that breaks a rule."""
    check_present(answers)
    for field, value in answers.items():
        if not field.startswith("_") and isinstance(value, str):
            check_text(field, value)
    check_identifier(
        "project_slug",
        answers["project_slug"],
        SLUG_RE,
        "lowercase letters and digits in words joined by '-', starting with a letter",
    )
    check_identifier(
        "package_name",
        answers["package_name"],
        PACKAGE_RE,
        "lowercase letters and digits in words joined by '_', starting with a letter",
    )
    email = answers["author_email"]
    if email and not EMAIL_RE.fullmatch(email):
        raise InvalidAnswer("author_email", email, "must look like name@example.com")
    if not VERSION_RE.fullmatch(answers["version"]):
        raise InvalidAnswer(
            "version", answers["version"], "must be a PEP 440 version such as 0.1.0"
        )
    for field, accepted in CHOICES.items():
        if answers[field] not in accepted:
            raise InvalidAnswer(field, answers[field], f"must be one of {', '.join(accepted)}")
    for field in BOOLEANS:
        if not isinstance(answers[field], bool):
            raise InvalidAnswer(field, answers[field], "must be true or false (yes or no)")
    check_port(answers["port"])


def check_port(value):
    low, high = PORT_RANGE
    text = value if isinstance(value, str) else ""
    if not (text.isascii() and text.isdigit() and low <= int(text) <= high):
        raise InvalidAnswer("port", value, f"must be a whole number from {low} to {high}")


def check_target(target):
    """The project directory must be new or empty: never write over user files."""
    if any(Path(target).iterdir()):
        raise InvalidAnswer(
            "project_slug", Path(target).name, f"target directory {target} exists and is not empty"
        )


def main(answers_json, target):
    """Validate; print one line to stderr and return 1 on the first broken rule."""
    try:
        check_answers(json.loads(answers_json))
        check_target(target)
    except InvalidAnswer as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


# {% endraw %}
if __name__ == "__main__":
    sys.exit(main(r"""{{ cookiecutter | tojson }}""", Path.cwd()))
