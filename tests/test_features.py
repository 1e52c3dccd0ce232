"""Each feature is its files: for every combination of the design, a feature's
files are there exactly when it is chosen (the post-generation hook's
OPTION_FILES, directories and files inside them), and no generated file carries
a feature that was not asked for (no `migrate` target without a database, no
`items` command, no uvicorn in a cli project)."""

import re

import pytest

from conftest import COMBINATIONS, TEMPLATE, combination_id, load_hook
from helpers import project_files

POST = load_hook("post_gen_project")
PACKAGE = "my_cool_project"

# What only a feature's bakes may say, in any file: (option, the answers that
# have the feature) -> pattern.
TRACES = {
    ("database", ("postgres",)): r"(?i)alembic|sqlalchemy|psycopg|postgres|DATABASE_URL"
    r"|\bmigrat|\bpsql\b|\bitems\b",
    ("app_type", ("web",)): r"(?i)uvicorn|fastapi|\bserve\b|/health\b|APP_PORT",
    ("app_type", ("cli",)): r"\bgreet\b",
    ("use_pre_commit", (True,)): r"pre-commit",
    ("use_devcontainer", (True,)): r"devcontainer\.json|Reopen in Container",
    ("use_github_actions", (True,)): r"(?i)dependabot|\.github/|GitHub Actions|workflow",
    ("worker", ("procrastinate",)): r"(?i)procrastinate|\bworker\b|/jobs/|\bdefer\b",
    ("deploy", ("compose", "kubernetes")): r"compose\.prod|\.env\.prod|stack-deploy|Caddy|Swarm",
    ("deploy", ("kubernetes",)): r"kubectl|kustomiz|deploy/k8s|cluster-(?:config|deploy)",
    # The targets for one host and a Swarm: a cluster's project has none of them.
    ("deploy", ("compose",)): r"make (?:deploy|stack-deploy|prod-run)\b|stack-deploy|prod-run",
}
# The recorded answers name every option, whatever the answer.
NOT_CHECKED = {".cookiecutter.json"}


@pytest.fixture(params=COMBINATIONS, ids=combination_id)
def baked(request, all_projects):
    return all_projects[combination_id(request.param)], request.param


def test_each_feature_file_is_there_exactly_when_its_feature_is_chosen(baked):
    """A directory is there only while something in it is (the hook removes a
    directory it empties: deploy/ without its Caddyfile)."""
    project, answers = baked
    template = TEMPLATE / "{{cookiecutter.project_slug}}"
    for pattern in POST.OPTION_FILES:
        path = project / pattern.format(package_name=PACKAGE)
        expected = POST.is_kept(pattern, answers)
        source = template / pattern.format(package_name="{{cookiecutter.package_name}}")
        if source.is_dir():
            inside = [item.relative_to(template).as_posix() for item in source.rglob("*")]
            expected = expected and any(POST.is_kept(item, answers) for item in inside)
        assert path.exists() == expected, path


def test_no_file_carries_a_feature_that_was_not_asked_for(baked):
    project, answers = baked
    found = []
    for (option, having), pattern in TRACES.items():
        if answers[option] in having:
            continue
        for relative, content in project_files(project).items():
            if relative in NOT_CHECKED:
                continue
            for match in re.finditer(pattern, content.decode("utf-8")):
                found.append(f"{relative}: {match[0]!r} ({option}={answers[option]})")
    assert not found, "\n".join(found)


@pytest.mark.parametrize(("option", "pattern"), [(o, p) for (o, _), p in TRACES.items()])
def test_each_trace_is_found_where_its_feature_is(all_projects, option, pattern):
    """The patterns above are not vacuous: each matches in a bake that has its feature."""
    having = next(h for (o, h), p in TRACES.items() if (o, p) == (option, pattern))
    bakes = [all_projects[combination_id(a)] for a in COMBINATIONS if a[option] in having]
    assert any(
        re.search(pattern, content.decode("utf-8"))
        for relative, content in project_files(bakes[0]).items()
        if relative not in NOT_CHECKED
    )
