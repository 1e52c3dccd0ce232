"""The README stays true: CI runs its test command, and it documents every option."""

import re

from conftest import OPTIONS, TEMPLATE

README = (TEMPLATE / "README.md").read_text(encoding="utf-8")


def shell_blocks(text):
    return re.findall(r"```sh\n(.*?)```", text, flags=re.DOTALL)


def test_ci_runs_the_readme_test_command_verbatim():
    test_command = next(
        line for block in shell_blocks(README) for line in block.splitlines() if "pytest" in line
    )
    ci = (TEMPLATE / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command in ci.splitlines()
    assert "../shared/ci/docker-up" in ci and "export REQUIRE_DOCKER=1" in ci


def test_readme_generate_command_uses_the_defaults():
    first = shell_blocks(README)[0].strip()
    assert first.endswith("cookiecutter --no-input .")


def test_every_option_is_in_the_readme_table_with_its_default_and_choices():
    rows = {
        row.split("|")[1].strip(" `"): row for row in README.splitlines() if row.startswith("| `")
    }
    for name, value in OPTIONS.items():
        if name.startswith("_"):
            continue
        assert name in rows, name
        if isinstance(value, list):
            assert f"`{value[0]}`" in rows[name].split("|")[3], name  # the default
            assert all(f"`{choice}`" in rows[name] for choice in value), name
        elif isinstance(value, bool):
            default = "yes" if value else "no"
            assert f"`{default}`" in rows[name].split("|")[3], name
        elif "{{" not in value:
            assert f"`{value}`" in rows[name], name
