"""tools/update.py: a newer template merged into a project made from an older one.

A real template history is built once per module from this checkout (a git
repository served by a file:// URL) by scripted, deterministic changes:

- v1: this checkout as it is;
- v2: a file removed (.gitattributes), one renamed (tests/test_cli.py ->
  tests/test_command.py), an option added (docs_url, shown in the README), a
  default changed (description), lines changed in the Dockerfile, README and
  Makefile;
- v3: the uv (and pip) version line of the Dockerfile bumped.

Projects are baked from the URL at a tag (so `.cookiecutter.json` records the
commit), committed, edited as users do, and updated with the command line."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import update_support
from conftest import TEMPLATE, load_hook, tool
from helpers import run, run_cookiecutter
from update_support import (
    COMPARE,
    DEPENDENCY,
    DOCKERFILE_V2,
    DOCS_URL,
    HELP_V2,
    MY_SECTION,
    MY_TARGET,
    OLD_DESCRIPTION,
    OWN_FILE,
    bake_at,
    commit,
    edit,
    recorded,
    replace,
    status,
    tree,
    update,
)

# The fixtures: the template history and the commands' environment.
history = update_support.history
module_env = update_support.module_env

# ---- an unedited project becomes a fresh bake of the new tag ----------------------


def test_a_bake_from_git_records_the_template_commit(history, tmp_path, module_env):
    project = bake_at(history, "v1", tmp_path / "a", module_env)
    answers = recorded(project)
    assert (answers["_template"], answers["_checkout"]) == (history["url"], "v1")
    assert answers["_commit"] == history["v1"]


# Every answer of the options the history's changes touch (the Dockerfile's
# variants, the files an app type or the database adds), each in one project.
COMBINATIONS = [
    {"package_manager": "uv", "app_type": "cli", "database": "none"},
    {"package_manager": "pip", "app_type": "web", "database": "postgres"},
]


@pytest.mark.parametrize(
    "answers", COMBINATIONS, ids=["-".join(answers.values()) for answers in COMBINATIONS]
)
def test_an_unedited_project_updated_equals_a_fresh_bake_of_the_new_tag(
    answers, history, tmp_path, module_env
):
    project = bake_at(history, "v1", tmp_path / "old", module_env, **answers)
    result = update(project, module_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "New option docs_url" in result.stdout
    # The same answers (the description recorded at v1, not v3's new default).
    fresh = bake_at(
        history, "v3", tmp_path / "new", module_env, description=OLD_DESCRIPTION, **answers
    )
    assert tree(project) == tree(fresh)
    assert recorded(project)["_commit"] == history["v3"]


# ---- an edited project keeps its edits ------------------------------------------


def assert_edits_kept(project):
    assert DEPENDENCY in (project / "pyproject.toml").read_text(encoding="utf-8")
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert MY_SECTION in readme and "1. Edit the code in" not in readme
    assert (project / "Makefile").read_text(encoding="utf-8").endswith(MY_TARGET)
    assert not (project / ".github" / "dependabot.yml").exists()
    assert "ARG UV_VERSION=0.14.0\n" in (project / "Dockerfile").read_text(encoding="utf-8")
    assert (project / "docs" / "notes.md").read_text(encoding="utf-8") == OWN_FILE
    leftovers = [p for p in project.rglob("*") if p.suffix in (".rej", ".orig")]
    assert leftovers == [], "never a .rej or .orig file"


def test_an_edited_project_keeps_every_edit_and_gets_every_template_change(
    history, tmp_path, module_env
):
    edited = bake_at(history, "v1", tmp_path / "edited", module_env)
    edit(edited, module_env)
    result = update(edited, module_env, "--to", "v2", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert_edits_kept(edited)
    # Every change of v2: the lines, the removed file, the renamed one, the new option.
    readme = (edited / "README.md").read_text(encoding="utf-8")
    assert readme.endswith(f"\nDocs: {DOCS_URL}\n")
    assert DOCKERFILE_V2 in (edited / "Dockerfile").read_text(encoding="utf-8")
    assert HELP_V2 in (edited / "Makefile").read_text(encoding="utf-8")
    assert not (edited / ".gitattributes").exists()
    assert not (edited / "tests" / "test_cli.py").exists()
    assert (edited / "tests" / "test_command.py").is_file()
    answers = recorded(edited)
    assert (answers["docs_url"], answers["description"]) == (DOCS_URL, OLD_DESCRIPTION)
    assert (answers["_checkout"], answers["_commit"]) == ("v2", history["v2"])
    assert report["new_options"] == {"docs_url": DOCS_URL}
    statuses = {f["path"]: f["status"] for f in report["files"]}
    assert statuses == {
        ".gitattributes": "removed",
        ".github/dependabot.yml": "deleted",
        "Dockerfile": "merged",
        "Makefile": "merged",
        "README.md": "merged",
        "tests/test_cli.py": "removed",
        "tests/test_command.py": "added",
    }
    assert report["conflicts"] == []
    assert report["commits"][0].endswith("v2: docs_url, test_command.py, no .gitattributes")
    assert (report["base"]["ref"], report["target"]["ref"]) == ("v1", "v2")

    # Then v3 changes the line the project bumped: a conflict there, and only there.
    commit(edited, module_env, "template v2")
    result = update(edited, module_env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert [line for line in result.stdout.splitlines() if line.startswith("  conflict")] == [
        "  conflict   Dockerfile  (both changed the same lines: resolve the conflict markers)"
    ]
    dockerfile = (edited / "Dockerfile").read_text(encoding="utf-8")
    assert (
        "<<<<<<< yours\nARG UV_VERSION=0.14.0\n||||||| template-v2\nARG UV_VERSION=0.13.8\n"
        "=======\nARG UV_VERSION=0.13.9\n>>>>>>> template-v3\n"
    ) in dockerfile
    assert_edits_kept_but_the_conflict(edited)
    assert status(edited, module_env).split() == ["M", ".cookiecutter.json", "M", "Dockerfile"]


def assert_edits_kept_but_the_conflict(project):
    assert DEPENDENCY in (project / "pyproject.toml").read_text(encoding="utf-8")
    assert MY_SECTION in (project / "README.md").read_text(encoding="utf-8")
    assert (project / "Makefile").read_text(encoding="utf-8").endswith(MY_TARGET)


def test_a_file_the_template_removed_but_the_project_changed_is_a_conflict(
    history, tmp_path, module_env
):
    project = bake_at(history, "v1", tmp_path / "p", module_env)
    with (project / ".gitattributes").open("a", encoding="utf-8") as attributes:
        attributes.write("*.png binary\n")
    commit(project, module_env, "ours")
    result = update(project, module_env, "--to", "v2")
    assert result.returncode == 1, result.stdout + result.stderr
    assert (
        "  conflict   .gitattributes  (removed by the template, changed here: kept" in result.stdout
    )
    assert (project / ".gitattributes").read_text(encoding="utf-8").endswith("*.png binary\n")


def test_dry_run_writes_nothing_and_set_changes_an_answer(history, tmp_path, module_env):
    project = bake_at(history, "v2", tmp_path / "p", module_env)
    before = tree(project)
    result = update(project, module_env, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "would update" in result.stdout and "  updated    Dockerfile" in result.stdout
    assert tree(project) == before and status(project, module_env) == ""

    result = update(project, module_env, "--set", "database=postgres", "--set", "docs_url=x")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (project / "alembic.ini").is_file()
    answers = recorded(project)
    assert (answers["database"], answers["docs_url"]) == ("postgres", "x")


# ---- adopting, and another template's answers -------------------------------------


def test_adoption_with_from_auto_finds_the_true_tag(history, tmp_path, module_env):
    project = bake_at(history, "v2", tmp_path / "p", module_env)
    (project / ".cookiecutter.json").unlink()
    commit(project, module_env, "no answers")
    result = update(project, module_env, "--template", history["url"], "--from", "auto", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["base"]["ref"] == "v2"
    scores = {entry["ref"]: entry["differing_lines"] for entry in report["chosen"]}
    assert scores["v2"] == 0 and scores["v1"] > 0 and scores["v3"] > 0
    fresh = bake_at(history, "v3", tmp_path / "fresh", module_env)
    assert tree(project) == tree(fresh)


CRUFT_OF_ANOTHER = {
    "template": "https://github.com/audreyfeldroy/cookiecutter-pypackage",
    "commit": "0123456789abcdef0123456789abcdef01234567",
    "context": {
        "cookiecutter": {
            "full_name": "Someone Else",
            "email": "else@example.com",
            "github_username": "else",
            "project_name": "Another Name",
            "project_slug": "another-name",
            "project_short_description": "Not this template's.",
            "pypi_username": "else",
            "version": "9.9.9",
            "use_pytest": "y",
            "open_source_license": "MIT license",
            "_template": "https://github.com/audreyfeldroy/cookiecutter-pypackage",
        }
    },
}


@pytest.mark.parametrize("name", [".cruft.json", ".cookiecutter.json"])
def test_answers_written_by_another_template_are_not_taken(name, history, tmp_path, module_env):
    project = bake_at(history, "v2", tmp_path / "p", module_env)
    (project / ".cookiecutter.json").unlink()
    document = CRUFT_OF_ANOTHER if name == ".cruft.json" else CRUFT_OF_ANOTHER["context"]
    (project / name).write_text(json.dumps(document), encoding="utf-8")
    commit(project, module_env, "another template's answers")
    note = f"note: {name} was written by another template (https://github.com/audreyfeldroy/"

    compared = run(
        [sys.executable, COMPARE, project, "--template", history["url"], "--checkout", "v2"],
        env=module_env,
        check=False,
    )
    assert compared.stdout.startswith(note), compared.stdout + compared.stderr
    assert "Another Name" not in compared.stdout and '"My Cool Project"' in compared.stdout

    result = update(project, module_env, "--template", history["url"], "--from", "v2", "--to", "v3")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith(note)
    assert recorded(project)["project_name"] == "My Cool Project"


def test_compare_write_answers_records_the_commit_of_a_ref(history, tmp_path, module_env):
    project = bake_at(history, "v1", tmp_path / "p", module_env)
    (project / ".cookiecutter.json").unlink()
    result = run(
        [sys.executable, COMPARE, project, "--template", history["url"], "--checkout", "v1",
         "--write-answers"],
        env=module_env,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert recorded(project)["_commit"] == history["v1"]


# ---- could not update: one line, nothing written --------------------------------


def no_git(project, env):
    shutil.rmtree(project / ".git")


def uncommitted(project, env):
    with (project / "README.md").open("a", encoding="utf-8") as readme:
        readme.write("not committed\n")


def no_answers(project, env):
    (project / ".cookiecutter.json").unlink()
    commit(project, env, "no answers")


CANNOT = {
    "not a git checkout": (no_git, [], "not a git checkout"),
    "uncommitted changes": (uncommitted, [], "uncommitted changes in 1 file: commit or stash"),
    "no answers and no --from": (no_answers, [], "no answers recorded in .cookiecutter.json"),
    "unknown ref": (None, ["--to", "v9"], "unknown ref 'v9' in the template"),
    "template unreachable": (None, ["--template", "{missing}"], "template {missing}: cannot fetch"),
}


@pytest.mark.parametrize("case", CANNOT, ids=CANNOT)
def test_could_not_update_says_why_in_one_line_and_writes_nothing(
    case, history, tmp_path, module_env
):
    prepare, arguments, message = CANNOT[case]
    project = bake_at(history, "v2", tmp_path / "p", module_env)
    if prepare:
        prepare(project, module_env)
    missing = str(tmp_path / "missing.git")
    git_status = status(project, module_env) if (project / ".git").exists() else None
    before = tree(project)
    result = update(project, module_env, *[a.format(missing=missing) for a in arguments])
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == ""
    assert result.stderr.startswith("error: could not update: ")
    assert result.stderr.count("\n") == 1
    assert message.format(missing=missing) in result.stderr
    assert tree(project) == before
    if git_status is not None:
        assert status(project, module_env) == git_status


def test_the_tools_are_modules_of_a_readable_size():
    for path in sorted((TEMPLATE / "tools").glob("*.py")):
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 600, path


def test_update_takes_the_template_from_its_own_checkout_by_default(tmp_path, module_env):
    """Without a recorded template or --template, the checkout update.py is in is the
    template (as compare.py does): here a plain directory, which has no refs."""
    project = tmp_path / "p"
    project.mkdir()
    run(["git", "init", "-q"], project, module_env)
    (project / "README.md").write_text("x\n", encoding="utf-8")
    commit(project, module_env, "x")
    result = update(project, module_env, "--from", "v1")
    assert result.returncode == 2
    assert "error: could not update:" in result.stderr
    assert Path(project, "README.md").read_text(encoding="utf-8") == "x\n"


def test_git_merge_file_is_what_merges(tmp_path):
    """The merge is git's: the same three files through `git merge-file` by hand give
    the bytes update.py writes."""
    sys.path.insert(0, str(TEMPLATE / "tools"))
    import update as module

    ours, base, theirs = b"a\nmine\nc\nd\ne\n", b"a\nb\nc\nd\ne\n", b"a\nb\nc\nd\ntheirs\n"
    merged, clean = module.merge_file(ours, base, theirs, ("yours", "b", "t"), tmp_path)
    assert clean and merged == b"a\nmine\nc\nd\ntheirs\n"
    for name, data in (("o", ours), ("b", base), ("t", b"a\nother\nc\nd\ne\n")):
        (tmp_path / name).write_bytes(data)
    by_hand = subprocess.run(
        ["git", "merge-file", "--stdout", "--diff3", "-L", "yours", "-L", "b", "-L", "t",
         tmp_path / "o", tmp_path / "b", tmp_path / "t"],
        capture_output=True,
        check=False,
    )  # fmt: skip
    other = b"a\nother\nc\nd\ne\n"
    merged, clean = module.merge_file(ours, base, other, ("yours", "b", "t"), tmp_path)
    assert not clean and merged == by_hand.stdout and b"||||||| b\nb\n" in merged


def test_make_template_update_runs_the_templates_own_update_and_template_diff_follows(
    history, tmp_path, module_env
):
    """The generated Makefile clones the recorded template (a git URL) and runs its
    tools/update.py; afterwards `make template-diff` compares with the new commit."""
    project = bake_at(history, "v1", tmp_path / "p", module_env)
    python = f"TEMPLATE_PYTHON={sys.executable}"
    make = [tool("make"), "--no-print-directory", python]
    result = run([*make, "template-update", "TO=v2"], project, module_env, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Template " in result.stdout and ": v1 -> v2 " in result.stdout
    hint = 'New option docs_url = "https://example.com/docs" (the default; make template-update'
    assert f'{hint} ARGS="--set docs_url=VALUE" changes it)' in result.stdout.splitlines()
    assert recorded(project)["_commit"] == history["v2"]
    assert recorded(project)["_template"] == history["url"]
    result = run([*make, "template-diff"], project, module_env, check=False)
    assert (result.returncode, result.stderr) == (0, ""), result.stdout
    assert result.stdout.endswith(" No drift.\n")
    result = run([*make, "template-update"], project, module_env, check=False)
    assert result.returncode == 2  # the update to v2 is not committed
    assert "uncommitted changes" in result.stderr


# ---- the weekly pull request of generated projects ---------------------------------

UPDATE_WORKFLOW = ".github/workflows/template-update.yml"


def workflow_steps(project):
    workflow = yaml.safe_load((project / UPDATE_WORKFLOW).read_text(encoding="utf-8"))
    return workflow, workflow["jobs"]["update"]["steps"]


def test_the_update_workflow_runs_weekly_and_on_demand_with_least_privileges(
    history, tmp_path, module_env
):
    project = bake_at(history, "v1", tmp_path / "p", module_env, python_version="3.12")
    workflow, steps = workflow_steps(project)
    assert set(workflow[True]) == {"schedule", "workflow_dispatch"}  # YAML 1.1: `on` is True
    assert workflow["permissions"] == {}
    job = workflow["jobs"]["update"]
    assert job["permissions"] == {"contents": "write", "pull-requests": "write"}
    uses = [step["uses"] for step in steps if "uses" in step]
    assert all(re.fullmatch(r"[\w-]+/[\w-]+@[0-9a-f]{40}", use) for use in uses), uses
    assert steps[0]["with"] == {"persist-credentials": False}
    assert steps[1]["with"]["python-version"] == "3.12"
    assert "gh pr create" in steps[-1]["run"] and "gh pr edit" in steps[-1]["run"]
    assert steps[-1]["env"]["GH_TOKEN"] == ("${{ secrets.TEMPLATE_UPDATE_TOKEN || github.token }}")

    # The merge step, as the runner runs it, on a project whose bump conflicts
    # with v3's: the pull request's title and text, the conflict listed.
    replace(project / "Dockerfile", "ARG UV_VERSION=0.13.8", "ARG UV_VERSION=0.14.0")
    commit(project, module_env, "bumped")
    merge = next(
        step for step in steps if step.get("name") == "Merge the template's newest release"
    )
    runner = tmp_path / "runner"
    runner.mkdir()
    path = f"{Path(sys.executable).parent}{os.pathsep}{module_env['PATH']}"
    result = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", merge["run"]],
        cwd=project,
        env={**module_env, "RUNNER_TEMP": str(runner), "PATH": path,
             "TEMPLATE_PYTHON": sys.executable},
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    text = (runner / "pull-request.md").read_text(encoding="utf-8")
    assert text.startswith("Template update: v1 -> v3\n\nMerges the template")
    assert "**Conflicts** (committed with their markers" in text
    assert "- `Dockerfile`: both changed the same lines" in text
    assert '- `docs_url` = `"https://example.com/docs"`' in text
    assert "- removed `.gitattributes`" in text
    assert "v2: docs_url, test_command.py, no .gitattributes" in text
    assert "<<<<<<< yours" in (project / "Dockerfile").read_text(encoding="utf-8")

    # A failure (here: the merge above is not committed) fails the step.
    result = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", merge["run"]],
        cwd=project,
        env={**module_env, "RUNNER_TEMP": str(runner), "PATH": path,
             "TEMPLATE_PYTHON": sys.executable},
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert "uncommitted changes" in result.stderr
    assert result.returncode == 1, result.stdout + result.stderr


def test_the_hook_records_the_commit_of_a_clone_or_of_a_local_checkout(history, tmp_path):
    hook = load_hook("post_gen_project")
    repo = str(history["repo"])
    context = {"project_name": "x", "_repo_dir": repo, "_checkout": "v2"}
    run(["git", "checkout", "-q", "v2"], history["repo"])
    try:
        for source in (history["url"], "gh:owner/repo", "git@host:owner/repo.git"):
            answers = hook.recorded_answers({**context, "_template": source})["cookiecutter"]
            assert (answers["_template"], answers["_commit"]) == (source, history["v2"])
        # A local checkout (no remote): its absolute path and commit, however it was typed.
        for typed in (".", "../template", repo):
            answers = hook.recorded_answers({**context, "_template": typed}, repo)["cookiecutter"]
            assert (answers["_template"], answers["_commit"]) == (repo, history["v2"])
    finally:
        run(["git", "checkout", "-q", "main"], history["repo"])
    answers = hook.recorded_answers({**context, "_template": "."}, tmp_path)["cookiecutter"]
    assert answers["_template"] == str(tmp_path) and "_commit" not in answers  # not git
    not_git = {**context, "_template": "gh:owner/repo", "_repo_dir": str(tmp_path)}
    assert "_commit" not in hook.recorded_answers(not_git)["cookiecutter"]
    cruft = {"project_name": "x", "_template": "../t", "_commit": "0" * 40}  # no _repo_dir
    assert hook.recorded_answers(cruft, repo)["cookiecutter"] == {
        "project_name": "x",
        "_template": "../t",
    }


def test_an_update_records_where_the_next_one_finds_the_template(history, tmp_path, module_env):
    """tools/render.source_record(): a URL as given (no credentials); a local checkout:
    the URL of a remote that has the target commit (the one recorded before first,
    in its spelling), else the checkout's path: never a place without the commit."""
    sys.path.insert(0, str(TEMPLATE / "tools"))
    import render

    assert render.source_record("https://tok@h.invalid/t.git", "c0") == {
        "_template": "https://h.invalid/t.git",
        "_commit": "c0",
    }
    checkout = tmp_path / "checkout"
    run(["git", "clone", "--quiet", history["url"], checkout], env=module_env)
    v2 = history["v2"]
    checkout = str(checkout)
    assert render.source_record(checkout, v2) == {"_template": history["url"], "_commit": v2}
    run(["git", "remote", "add", "github", "https://github.com/o/t.git"], checkout, module_env)
    run(["git", "update-ref", "refs/remotes/github/main", v2], checkout, module_env)
    assert render.source_record(checkout, v2, prefer="gh:o/t")["_template"] == "gh:o/t"
    assert (
        render.source_record(checkout, history["v3"], prefer="gh:o/t")["_template"]
        == (
            history["url"]  # v3 is not on github/main
        )
    )
    run(["git", "remote", "remove", "origin"], checkout, module_env)
    assert render.source_record(checkout, history["v3"]) == {
        "_template": str(checkout),
        "_commit": history["v3"],
    }


def test_make_template_update_from_a_local_checkout_baked_elsewhere(history, tmp_path, module_env):
    """The README's local quick start in a checkout of the template (here with no
    remote, at v1), `-o` into another directory: the record finds the checkout from
    anywhere, before and after an update; every hint speaks make's terms."""
    checkout = tmp_path / "template"
    run(["git", "clone", "--quiet", history["url"], checkout], env=module_env)
    run(["git", "remote", "remove", "origin"], checkout, module_env)
    run(["git", "checkout", "--quiet", "v1"], checkout, module_env)
    run_cookiecutter("--no-input", ".", output_dir=tmp_path / "projects", cwd=checkout,
                     env=module_env, check=True)  # fmt: skip
    project = tmp_path / "projects" / "my-cool-project"
    assert recorded(project)["_template"] == str(checkout)
    assert recorded(project)["_commit"] == history["v1"]
    run(["git", "init", "-q", "-b", "main"], project, module_env)
    commit(project, module_env, "generated")
    make = [tool("make"), "--no-print-directory", f"TEMPLATE_PYTHON={sys.executable}"]

    result = run([*make, "template-diff"], project, module_env, check=False)
    assert (result.returncode, result.stderr) == (0, ""), result.stdout
    result = run([*make, "template-update", "ARGS=--json"], project, module_env, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert (report["base"]["ref"], report["target"]["ref"]) == ("v1", "v3")
    answers = recorded(project)
    assert (answers["_template"], answers["_commit"]) == (str(checkout), history["v3"])
    commit(project, module_env, "template v3")

    # Moved (a clone elsewhere on this machine): the record still finds the template.
    moved = tmp_path / "elsewhere" / "clone"
    run(["git", "clone", "--quiet", project, moved], env=module_env)
    result = run([*make, "template-diff"], moved, module_env, check=False)
    assert (result.returncode, result.stderr) == (0, ""), result.stdout
    assert result.stdout.endswith(" No drift.\n")


def test_with_no_commit_recorded_make_template_update_says_what_to_pass_to_make(
    history, tmp_path, module_env
):
    project = bake_at(history, "v2", tmp_path / "p", module_env)
    answers = json.loads((project / ".cookiecutter.json").read_text(encoding="utf-8"))
    del answers["cookiecutter"]["_commit"]
    (project / ".cookiecutter.json").write_text(json.dumps(answers), encoding="utf-8")
    commit(project, module_env, "no commit recorded")
    make = [tool("make"), "--no-print-directory", f"TEMPLATE_PYTHON={sys.executable}"]
    result = run([*make, "template-update"], project, module_env, check=False)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines()[0] == (
        "error: could not update: no template commit recorded in .cookiecutter.json: name the "
        'template version the project was made from with make template-update ARGS="--from '
        '<tag or commit>", or find it with make template-update ARGS="--from auto"'
    )
    result = run([*make, "template-update", "ARGS=--bogus"], project, module_env, check=False)
    usage = (
        "usage: make template-update [TO=<ref>] [TEMPLATE=<path or git URL>] "
        '[ARGS="--from <ref>|auto --set KEY=VALUE --dry-run --json|--markdown"]'
    )
    assert result.stderr.splitlines()[:2] == [
        usage,
        "make template-update: error: unrecognized arguments: --bogus",
    ]


def test_a_cruft_project_starts_from_crufts_commit(history, tmp_path, module_env):
    project = bake_at(history, "v1", tmp_path / "p", module_env)
    answers = json.loads((project / ".cookiecutter.json").read_text(encoding="utf-8"))
    del answers["cookiecutter"]["_commit"]
    (project / ".cookiecutter.json").write_text(json.dumps(answers), encoding="utf-8")
    cruft = {"template": history["url"], "commit": history["v1"], "context": answers}
    (project / ".cruft.json").write_text(json.dumps(cruft), encoding="utf-8")
    commit(project, module_env, "as cruft leaves it")
    result = update(project, module_env, "--to", "v2", "--dry-run", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["base"] == {"ref": "v1", "commit": history["v1"]}
