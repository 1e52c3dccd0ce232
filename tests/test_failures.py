"""A template that fails while generating leaves no directory behind: a project
the post-generation hook finds broken, a file using an undefined variable, and
a Jinja syntax error (which cookiecutter 2.7 alone would leave half-written:
local_extensions.SyntaxErrorCleanupExtension turns it into an error that
cookiecutter cleans up after)."""

import shutil
from pathlib import Path

import pytest
from jinja2 import Environment
from jinja2.exceptions import SecurityError, UndefinedError

from conftest import TEMPLATE, run_cookiecutter
from local_extensions import SandboxExtension, SyntaxErrorCleanupExtension

PROJECT = "{{cookiecutter.project_slug}}"


@pytest.fixture
def broken_template(tmp_path):
    """A copy of the template; the test breaks one file in it."""
    copy = tmp_path / "template"

    def ignore(directory, names):
        """This repository's own tests and caches, not the project template's tests/."""
        top = ("tests", "benchmarks") if Path(directory) == TEMPLATE else ()
        return {name for name in names if name in (".git", ".venv", "__pycache__", *top)}

    shutil.copytree(TEMPLATE, copy, ignore=ignore)

    def break_file(relative, old, new):
        path = copy / PROJECT / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, relative
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        return copy

    return break_file


@pytest.mark.parametrize(
    ("relative", "old", "new", "message"),
    [
        (
            "compose.yaml",
            "\n  test:\n",
            "\n  tests:\n",
            "error: the generated project is broken: compose.yaml: no 'test' service",
        ),
        ("README.md", "## Your first change", "{{ cookiecutter.nope }}", "has no attribute 'nope'"),
        ("README.md", "## Your first change", "{% if %}", "Jinja syntax error in README.md, line"),
        (
            "make/app@cli.mk",
            "run:",
            "{% for x in y %}\nrun:",
            "Jinja syntax error in make/app@cli.mk",
        ),
        ("compose.yaml", "services:", "{{ 1 + }}\nservices:", "Jinja syntax error in compose"),
    ],
)
def test_a_failing_generation_leaves_no_directory(
    tmp_path, broken_template, relative, old, new, message
):
    template = broken_template(relative, old, new)
    out = tmp_path / "out"
    out.mkdir()
    result = run_cookiecutter("--no-input", str(template), output_dir=out)
    assert result.returncode != 0
    assert message in result.stdout + result.stderr
    assert list(out.iterdir()) == []


def test_the_unbroken_copy_bakes(tmp_path, broken_template):
    template = broken_template("README.md", "## Your first change", "## Your first change")
    result = run_cookiecutter("--no-input", str(template), output_dir=tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "my-cool-project" / "compose.yaml").is_file()


def test_syntax_errors_become_undefined_errors():
    env = Environment(extensions=[SyntaxErrorCleanupExtension])
    assert env.from_string("{{ 1 + 1 }}{% if x %}y{% endif %}").render(x=True) == "2y"
    with pytest.raises(UndefinedError, match=r"^Jinja syntax error in x.txt, line 2: "):
        env.parse("ok\n{% endif %}", "x.txt")
    with pytest.raises(UndefinedError, match=r"^Jinja syntax error in template, line 1: "):
        env.from_string("{{ }}")


def test_the_sandbox_refuses_unsafe_attributes_and_keeps_the_rest():
    env = Environment(extensions=[SandboxExtension])
    assert env.sandboxed
    assert env.from_string("{{ x | lower }} {{ range(2) | list }} {{ 'a' ~ 1 }}").render(
        x="AB"
    ) == ("ab [0, 1] a1")
    for unsafe in ("{{ cycler.__init__.__globals__ }}", "{{ ''.__class__.__mro__ }}"):
        with pytest.raises(SecurityError):
            env.from_string(unsafe).render(cycler=object)
    with pytest.raises(OverflowError):
        env.from_string("{{ range(10**9) | list }}").render()
