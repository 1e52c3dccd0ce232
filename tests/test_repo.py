"""README.md and docs/ stay true: CI runs the README's test command, the options
table is cookiecutter.json's, every make target named exists, no path leads
outside the repository, every relative link resolves, the README stays short."""

import importlib.util
import re

import pytest

import helpers
from conftest import OPTIONS, TEMPLATE

README = (TEMPLATE / "README.md").read_text(encoding="utf-8")
DOCS = sorted((TEMPLATE / "docs").glob("*.md"))
PAGES = [TEMPLATE / "README.md", *DOCS]
README_MAX_LINES = 150


def shell_blocks(text):
    return re.findall(r"```sh\n(.*?)```", text, flags=re.DOTALL)


def page_id(page):
    return page.relative_to(TEMPLATE).as_posix()


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


def options_table(text):
    """{option: its row's cells} of the table whose rows start with an option name."""
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    return {row.split("|")[1].strip(" `"): row.split("|")[1:-1] for row in rows}


def test_every_option_is_in_the_readme_table_with_its_default_and_choices():
    table = options_table(README)
    answers = [name for name in OPTIONS if not name.startswith("_")]
    assert list(table) == answers, "one row per option, in cookiecutter.json's order"
    for name in answers:
        value, (_, _, default, choices, _) = OPTIONS[name], table[name]
        if isinstance(value, list):
            assert f"`{value[0]}`" in default, name
            listed = re.findall(r"`([^`]+)`", choices)
            assert listed == value, f"{name}: the choices, in cookiecutter.json's order"
        elif isinstance(value, bool):
            assert f"`{'yes' if value else 'no'}`" in default, name
            assert re.findall(r"`([^`]+)`", choices) == ["yes", "no"], name
        elif "{{" in value:
            assert "derived" in default, name
        else:
            assert default.strip() == f"`{value}`", name


def test_the_table_test_sees_a_wrong_row():
    """The check above fails on a stale default or a missing choice."""
    broken = README.replace("| `uv` | `uv`, `pip` |", "| `pip` | `uv` |")
    table = options_table(broken)
    assert "`uv`" not in table["package_manager"][2]
    assert re.findall(r"`([^`]+)`", table["package_manager"][3]) != OPTIONS["package_manager"]


def test_readme_is_short():
    lines = len(README.splitlines())
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines: move depth to docs/"


def test_the_docs_cover_their_topics():
    names = {page.name for page in DOCS}
    assert {
        "options.md",
        "generated-project.md",
        "regenerate.md",
        "tests.md",
        "benchmark.md",
        "adding-an-option.md",
    } <= names
    for page in DOCS:
        assert f"(docs/{page.name})" in README, f"README.md does not link to docs/{page.name}"


# Paths of the machines this template is developed on, which its users do not have.
OUTSIDE = re.compile(r"\.\./shared|/work/|/opt/pypi|\.\./\.\./")


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_no_path_outside_the_repository(page):
    text = page.read_text(encoding="utf-8")
    found = [line for line in text.splitlines() if OUTSIDE.search(line)]
    assert not found, f"{page_id(page)} points outside the repository: {found}"


def heading_anchor(heading):
    """The anchor GitHub gives a heading: lowercase, punctuation dropped, spaces to '-'."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(page):
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.DOTALL)
    return {heading_anchor(h) for h in re.findall(r"^#+ (.+)$", text, flags=re.MULTILINE)}


def test_heading_anchor_follows_github():
    assert heading_anchor("Compare: `make template-diff`") == "compare-make-template-diff"
    assert heading_anchor("The dev loop of a generated project") == (
        "the-dev-loop-of-a-generated-project"
    )


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_relative_link_resolves(page):
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.DOTALL)
    text = re.sub(r"`[^`\n]+`", "", text)  # inline code is never a link
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target):  # https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        assert resolved.is_relative_to(TEMPLATE), f"{target}: outside the repository"
        assert resolved.exists(), f"{page_id(page)}: {target} does not exist"
        if anchor:
            assert anchor in anchors(resolved), f"{page_id(page)}: no heading for {target}"


@pytest.fixture(scope="module")
def make_targets(all_projects):
    """The targets of every generated project (the design's bakes)."""
    return set().union(*(helpers.make_targets(project) for project in all_projects.values()))


def code_of(text):
    """The code in Markdown: fenced blocks and inline spans."""
    return re.findall(r"```.*?```|`[^`\n]+`", text, flags=re.DOTALL)


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_make_target_named_exists(page, make_targets):
    named = {
        target
        for code in code_of(page.read_text(encoding="utf-8"))
        for target in re.findall(r"(?<![\w-])make ([a-z][a-z-]*)", code)
    }
    assert named <= make_targets, f"{page_id(page)}: no such target: {named - make_targets}"


def load_benchmark():
    spec = importlib.util.spec_from_file_location("devloop", TEMPLATE / "benchmarks/devloop.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sample_run():
    """A run as devloop.py --json saves it (the figures are made up)."""
    samples = {key: {"median": 1.0, "min": 0.9, "max": 1.2, "n": 1} for key in SAMPLE_KEYS}
    samples["native"] = {"median": 0.5, "min": 0.5, "max": 0.5, "n": 1}
    check = {"dependency_step": "CACHED", "project_step_installed": 1, "project_step_s": 0.5}
    sizes = {"base_image": "python:3.13-slim", "base": 100e6, "dev": 150e6}
    sizes |= {"site_packages": 30e6, "venv": 40e6, "uv_binaries": 0, "prod": 110e6}
    result = {"samples": samples, "checks": [{**check, "build_isolation": False}]}
    info = {"date": "2026-01-02", "cpus": 2, "docker_engine": "20.10.24"}
    info |= {"docker_compose": "2.40.3", "host_python": "3.11.7", "wall_s": 9}
    info |= {"arguments": "--rounds 1", "rounds": 1}
    return {"uv": {**result, "sizes": sizes}, "pip": {**result, "sizes": sizes}}, info


SAMPLE_KEYS = ("bake", "cold", "code", "deps", "run", "exec", "watch", "rebuild")


def test_the_benchmark_writes_its_section_of_the_docs(tmp_path):
    """devloop.py --write-docs replaces what stands between the markers of
    docs/benchmark.md, and nothing else; the section there now has its shape."""
    devloop = load_benchmark()
    text = devloop.DOCS.read_text(encoding="utf-8")
    assert text.count(devloop.DOCS_BEGIN) == text.count(devloop.DOCS_END) == 1
    before, rest = text.split(devloop.DOCS_BEGIN)
    current, after = rest.split(devloop.DOCS_END)

    results, info = sample_run()
    section = devloop.docs_section(results, info)
    copy = tmp_path / "benchmark.md"
    copy.write_text(text, encoding="utf-8")
    devloop.write_docs(copy, section)
    written = copy.read_text(encoding="utf-8")
    assert written == f"{before}{devloop.DOCS_BEGIN}\n{section}\n{devloop.DOCS_END}{after}"
    assert section.startswith("Latest run: 2026-01-02, `devloop.py --rounds 1`, 9 s: 2 CPUs, ")
    assert "| `compose run` loop ≤ native + 0.5 s | +0.50 s | +0.50 s | **met** |" in section
    assert "| uv cold build ≤ 0.4× pip cold build | 1.00× | – | **missed** |" in section

    def rows(markdown):
        return [line.split("|")[1] for line in markdown.splitlines() if line.startswith("|")]

    assert rows(current) == rows(section), "docs/benchmark.md: not the benchmark's rows"
    assert re.search(r"^Latest run: \d{4}-\d\d-\d\d, .*Docker Engine ", current, re.MULTILINE)
