"""Files a newcomer reads in one sitting, and template sources that read like them.

For every structural combination (the choices and yes/no options that change
which files exist or what they say; python_version and license only substitute
text), the generated Makefile (counting the make/*.mk files it includes),
Dockerfile and README.md stay within the lines
below; and every file of the template stays mostly itself, not Jinja: the
share of its lines with a Jinja statement (`{%`), comment (`{#`) or
conditional expression (`{{ ... if ... }}`) is bounded. Run with `-s` to see
the table.
"""

import re
from pathlib import Path

from conftest import COMBINATIONS, combination_id
from design import classify
from helpers import TEMPLATE, makefile_text

MAX_LINES = {"Makefile": 70, "Dockerfile": 70, "README.md": 150}
# Configuration may need more of its lines to vary than code or prose: about a
# quarter (pyproject.toml, whose dependency lists stay sorted, is at 25.4 %).
CONFIG_SUFFIXES = {".toml", ".yaml", ".yml", ".json", ".ini"}
MAX_JINJA_SHARE = {"config": 0.26, "code or prose": 0.10}
JINJA_LINE = re.compile(r"\{%|\{#|\{\{[^}]*\bif\b")


def read(project, relative):
    return (project / relative).read_text(encoding="utf-8")


def jinja_lines(text):
    return sum(1 for line in text.splitlines() if JINJA_LINE.search(line))


def kind(path):
    """config (settings files, .env.prod.example among them), or code or prose."""
    config = path.suffix in CONFIG_SUFFIXES or path.name.startswith(".env")
    return "config" if config else "code or prose"


def structural_combinations():
    """The structural options' value combinations the design bakes (all of them,
    while they fit its budget), each with one of its bakes."""
    structural = classify().structural
    found = {}
    for answers in COMBINATIONS:
        key = tuple(answers[option] for option in structural)
        found.setdefault(key, combination_id(answers))
    return found


def test_generated_makefile_dockerfile_and_readme_are_short(all_projects):
    rows, too_long = [], []
    for name in structural_combinations().values():
        project = all_projects[name]
        sizes = {
            relative: len(
                (
                    makefile_text(project) if relative == "Makefile" else read(project, relative)
                ).splitlines()
            )
            for relative in MAX_LINES
        }
        rows.append(f"{name:<40} " + " ".join(f"{sizes[r]:>10}" for r in MAX_LINES))
        too_long += [
            f"{name}: {relative} has {lines} lines (at most {MAX_LINES[relative]})"
            for relative, lines in sizes.items()
            if lines > MAX_LINES[relative]
        ]
    print("\nlines per combination".ljust(41) + " ".join(f"{r:>10}" for r in MAX_LINES))
    print("\n".join(rows))
    assert not too_long, "\n".join(too_long)


def test_template_files_are_mostly_not_jinja():
    project = TEMPLATE / "{{cookiecutter.project_slug}}"
    rows, too_much = [], []
    for path in sorted(p for p in project.rglob("*") if p.is_file()):
        text = path.read_text(encoding="utf-8")
        total, jinja = len(text.splitlines()), jinja_lines(text)
        share = jinja / total if total else 0
        relative = path.relative_to(project).as_posix()
        rows.append(f"{relative:<60} {jinja:>4} / {total:<4} {share:6.1%}")
        if share > MAX_JINJA_SHARE[kind(path)]:
            limit = MAX_JINJA_SHARE[kind(path)]
            too_much.append(f"{relative}: {share:.1%} Jinja lines ({kind(path)}: {limit:.0%})")
    print("\nJinja lines per template file\n" + "\n".join(rows))
    assert not too_much, "\n".join(too_much)


def test_the_jinja_line_count_sees_statements_comments_and_conditional_expressions():
    text = (
        "a\n{%- if x %}\nb {{ y }}\n{{ 'p' if q else 'r' }}\n{# note #}\nsuffix {{ identifier }}\n"
    )
    assert jinja_lines(text) == 3
    assert kind(Path("compose.yaml")) == "config" and kind(Path("make/app@cli.mk")) != "config"
    assert kind(Path(".env.prod.example")) == "config"
