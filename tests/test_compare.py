"""tools/compare.py: answers inferred from a repository's files, the drift report, and
the drift check workflow of generated projects.

The round trip runs on every combination (the session bakes of ``all_projects``);
the command line runs end to end on a few bakes with awkward answers, edited
bakes, a bake of an older template (a file:// clone with a tag), four real
open-source projects (metadata files vendored in tests/data/foreign/) and bad input.
Every run of the command gets a fresh HOME and TMPDIR, checked empty afterwards."""

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import regenerate_support
from conftest import (
    COMBINATIONS,
    DEFAULT_ANSWERS,
    OPTIONS,
    TEMPLATE,
    bake_combination,
    combination_id,
)
from helpers import project_files
from regenerate_support import NEW_FILE, README_ADDITION, change_template, template_repo
from regenerate_support import cookiecutter as cookiecutter_command

# The fixture: a fresh HOME and a git identity for each command.
env = regenerate_support.env
COMPARE = TEMPLATE / "tools" / "compare.py"
FOREIGN = Path(__file__).parent / "data" / "foreign"
DRIFT_WORKFLOW = ".github/workflows/template-drift.yml"


def load_compare():
    spec = importlib.util.spec_from_file_location("compare", COMPARE)
    module = importlib.util.module_from_spec(spec)
    sys.modules["compare"] = module
    spec.loader.exec_module(module)
    return module


compare = load_compare()


def expected(answers):
    """Every answer of a bake with ``answers`` (the others are defaults: a choice's
    first value)."""
    merged = {**DEFAULT_ANSWERS, **answers}
    return {
        k: v[0] if isinstance(v, list) else v for k, v in merged.items() if not k.startswith("_")
    }


def values(answers):
    return {key: answer.value for key, answer in answers.items()}


def changed(report):
    """{path: (status, added, removed)} of the files that are not identical."""
    return {
        f["path"]: (f["status"], f["added"], f["removed"])
        for f in report["files"]
        if f["status"] != "identical"
    }


@pytest.fixture
def compare_cli(tmp_path):
    """Run tools/compare.py as a user would, with a fresh HOME and TMPDIR; afterwards
    both must be empty: the command leaves no temporary file anywhere."""
    home = tmp_path / "compare-home"
    (home / "tmp").mkdir(parents=True)

    def run(*args, cwd=None):
        return subprocess.run(
            [sys.executable, str(COMPARE), *map(str, args)],
            capture_output=True,
            encoding="utf-8",
            cwd=cwd,
            env={**os.environ, "HOME": str(home), "TMPDIR": str(home / "tmp")},
            check=False,
        )

    yield run
    assert sorted(p.relative_to(home).as_posix() for p in home.rglob("*")) == ["tmp"]


# ---- the round trip ------------------------------------------------------------


@pytest.mark.parametrize("answers", COMBINATIONS, ids=combination_id)
def test_round_trip_of_every_combination(answers, all_projects, tmp_path):
    """A fresh bake without its .cookiecutter.json gives back exactly the answers it
    was baked with; the report is clean but for that file, and clean once the
    answers file --write-answers writes (the bake's own) is back."""
    baked = all_projects[combination_id(answers)]
    copy = shutil.copytree(baked, tmp_path / baked.name)
    (copy / ".cookiecutter.json").unlink()

    inferred = compare.infer_answers(compare.read_repository(copy), OPTIONS)
    assert values(inferred) == expected(answers)
    files = compare.drift(copy, baked)
    assert [(f.path, f.status) for f in files if f.status != "identical"] == [
        (".cookiecutter.json", "missing")
    ]
    shutil.copyfile(baked / ".cookiecutter.json", copy / ".cookiecutter.json")
    assert compare.summary(compare.drift(copy, baked))["drift"] is False


AWKWARD_BAKES = {
    "web-pip-proprietary": {
        "project_name": 'O\'Brien & Søn "Tools" — $HOME # not a comment',
        "project_slug": "obrien-tools",
        "package_name": "obrien",
        "description": "",
        "author_name": "Zoë O'Brien \\ back\\slash",
        "author_email": "",
        "version": "2.0rc1",
        "python_version": "3.11",
        "package_manager": "pip",
        "app_type": "web",
        "port": "8123",
        "license": "Proprietary",
        "use_devcontainer": True,
        "use_github_actions": False,
    },
    "cli-uv-apache": {
        "project_name": "yes",
        "project_slug": "yes-tool",
        "package_name": "yes_tool",
        "description": "a: b # c null ~ 1e3 `tick` ${USER}",
        "author_name": "012",
        "author_email": "x@example.org",
        "version": "1.0.post1.dev2",
        "python_version": "3.14",
        "license": "Apache-2.0",
    },
}


@pytest.mark.parametrize("answers", AWKWARD_BAKES.values(), ids=AWKWARD_BAKES)
def test_round_trip_through_the_command(answers, tmp_path, compare_cli):
    project = bake_combination(answers, tmp_path / "bake")
    before = project_files(project)
    (project / ".cookiecutter.json").unlink()

    result = compare_cli(project, "--json")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert {key: a["value"] for key, a in report["answers"].items()} == expected(answers)
    assert changed(report) == {
        ".cookiecutter.json": ("missing", 0, len(before[".cookiecutter.json"].splitlines()))
    }
    assert report["summary"]["drift"] is True

    result = compare_cli(project, "--write-answers")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.endswith("No drift.\n")
    # The answers file is back byte for byte, and nothing else was written.
    assert project_files(project) == before
    result = compare_cli(project)
    assert (result.returncode, result.stderr) == (0, "")


# ---- edited bakes and an older template ----------------------------------------


def test_an_edited_bake_reports_exactly_the_changed_deleted_and_added_file(tmp_path, compare_cli):
    project = bake_combination({"app_type": "web"}, tmp_path / "bake")
    readme, compose = (project / "README.md").read_bytes(), (project / "compose.yaml").read_bytes()
    # What is not the template's is never reported (make template-diff's list).
    for relative in (".git/HEAD", ".venv/bin/python", "src/my_cool_project/__pycache__/cli.pyc"):
        (project / relative).parent.mkdir(parents=True, exist_ok=True)
        (project / relative).write_text("x\n", encoding="utf-8")
    (project / "uv.lock").write_text("pinned\n", encoding="utf-8")

    with (project / "README.md").open("a", encoding="utf-8") as file:
        file.write("A local edit.\n")
    (project / "compose.yaml").unlink()
    (project / "notes.txt").write_text("mine\nsecond line\n", encoding="utf-8")
    result = compare_cli(project, "--json", "--diff")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert changed(report) == {
        "README.md": ("differs", 1, 0),
        "compose.yaml": ("missing", 0, len(compose.splitlines())),
        "notes.txt": ("added", 2, 0),
    }
    assert report["summary"] == {
        "identical": len(report["files"]) - 3,
        "differs": 1,
        "missing": 1,
        "added": 1,
        "drift": True,
    }
    diff = next(f["diff"] for f in report["files"] if f["path"] == "README.md")
    assert "+A local edit.\n" in diff.splitlines(keepends=True)

    text = compare_cli(project).stdout.splitlines()
    assert "  differs    README.md  +1" in text
    assert f"  missing    compose.yaml  -{len(compose.splitlines())}" in text
    assert "  added      notes.txt  +2" in text
    assert text[-1].endswith("1 differ, 1 missing; 1 only in the repository. Drift.")

    # A file only the repository has is the project's own: listed, not drift.
    (project / "README.md").write_bytes(readme)
    (project / "compose.yaml").write_bytes(compose)
    result = compare_cli(project)
    assert result.returncode == 0, result.stdout
    assert "  added      notes.txt  +2" in result.stdout.splitlines()


def run_workflow(project, runner_temp, env):
    """Run the drift check workflow's shell steps (not the setup steps: this Python
    has cookiecutter) as GitHub's runner does; the first failing one's result."""
    workflow = yaml.safe_load((project / DRIFT_WORKFLOW).read_text(encoding="utf-8"))
    runner_temp.mkdir(exist_ok=True)
    path = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    for step in workflow["jobs"]["drift"]["steps"]:
        if "run" not in step or "pip install" in step["run"]:
            continue
        result = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=project,
            env={**env, "RUNNER_TEMP": str(runner_temp), "PATH": path},
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            break
    return result


def test_a_bake_of_an_older_template_reports_what_the_template_changed_since(
    tmp_path, env, compare_cli
):
    repo = template_repo(tmp_path / "template.git", env)
    url = repo.as_uri()
    project = cookiecutter_command(
        "--no-input", url, "--checkout", "v1", cwd=tmp_path / "w", env=env
    )
    change_template(repo, env)

    result = compare_cli(project, "--template", url, "--checkout", "v1")
    assert result.returncode == 0, result.stdout + result.stderr
    result = compare_cli(project, "--template", url, "--json")  # the default branch: newer
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    addition = len(("\n" + README_ADDITION).splitlines())
    assert changed(report) == {"README.md": ("differs", 0, addition), NEW_FILE: ("missing", 0, 1)}
    assert all(a["source"] == ".cookiecutter.json" for a in report["answers"].values())

    # The drift check workflow compares with the recorded source and ref (v1)...
    result = run_workflow(project, tmp_path / "runner", env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1].endswith("No drift.")
    # ...and fails with the report and the diff when the project drifts.
    shutil.rmtree(tmp_path / "runner")
    with (project / "Dockerfile").open("a", encoding="utf-8") as file:
        file.write("# local\n")
    result = run_workflow(project, tmp_path / "runner", env)
    assert result.returncode != 0, result.stdout + result.stderr
    assert "  differs    Dockerfile  +1" in result.stdout.splitlines()
    assert "+# local" in result.stdout.splitlines()


def test_the_drift_check_needs_a_git_url_for_the_template(all_projects, tmp_path, env):
    """A template recorded as a path of another machine: the workflow says how to
    record a URL, and fails."""
    project = tmp_path / "project"
    shutil.copytree(all_projects[combination_id(COMBINATIONS[0])], project)
    answers = json.loads((project / ".cookiecutter.json").read_text(encoding="utf-8"))
    answers["cookiecutter"]["_template"] = "/home/someone/template"
    (project / ".cookiecutter.json").write_text(json.dumps(answers), encoding="utf-8")
    result = run_workflow(project, tmp_path / "runner", env)
    assert result.returncode != 0
    assert result.stderr.splitlines()[0] == (
        "make template-diff: the template .cookiecutter.json records, /home/someone/template, "
        "is not here: name it with make template-diff TEMPLATE=<path or git URL> (make "
        "template-update TEMPLATE=<git URL> records a URL)"
    )


@pytest.mark.parametrize("answers", COMBINATIONS, ids=combination_id)
def test_drift_workflow_runs_on_demand_only(answers, all_projects):
    """The weekly job is template-update.yml (tests/test_update.py): the drift
    report stays available on demand."""
    project = all_projects[combination_id(answers)]
    path = project / DRIFT_WORKFLOW
    assert path.exists() == answers["use_github_actions"]
    if not path.exists():
        return
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert set(workflow[True]) == {"workflow_dispatch"}  # YAML 1.1: `on` is True
    assert workflow["permissions"] == {}
    assert workflow["jobs"]["drift"]["permissions"] == {"contents": "read"}
    steps = workflow["jobs"]["drift"]["steps"]
    assert steps[1]["with"]["python-version"] == answers["python_version"]
    assert steps[-1]["run"] == "make --no-print-directory template-diff"


# ---- foreign repositories --------------------------------------------------------

DEFAULT = "default"
# (value, file it came from) of the answers each project gives; the rest are checked
# to be either inferred from a file or a default that says why.
FOREIGN_ANSWERS = {
    "requests": {  # src layout, setup.py and setup.cfg, no [project]
        "project_name": ("Requests", "README.md"),
        "project_slug": ("requests", "src/requests/__init__.py"),
        "package_name": ("requests", "src/requests/__init__.py"),
        "description": (OPTIONS["description"], DEFAULT),
        "author_name": (OPTIONS["author_name"], DEFAULT),
        "version": ("2.32.3", "src/requests/__version__.py"),
        "python_version": ("3.11", "setup.py"),  # >=3.8: the oldest choice that fits
        "package_manager": ("pip", "requirements-dev.txt"),
        "app_type": ("cli", "setup.py"),
        "license": ("Apache-2.0", "setup.py"),  # from the classifier
        "use_devcontainer": (False, ".devcontainer/"),
        "use_github_actions": (False, ".github/workflows/"),
    },
    "flask": {  # src layout, [project] with flit, license = {file = ...}
        "project_name": ("Flask", "README.md"),
        "project_slug": ("flask", "pyproject.toml"),
        "package_name": ("flask", "src/flask/__init__.py"),
        "description": (
            "A simple framework for building complex web applications.",
            "pyproject.toml",
        ),
        "author_name": (OPTIONS["author_name"], DEFAULT),  # maintainers only
        "version": ("3.1.0", "pyproject.toml"),
        "python_version": ("3.11", "pyproject.toml"),
        "package_manager": ("pip", "requirements/build.txt"),
        "license": ("BSD-3-Clause", "LICENSE.txt"),
    },
    "httpx": {  # flat layout, [project] with hatchling, dynamic version
        "project_name": ("httpx", "pyproject.toml"),  # the README starts with HTML
        "project_slug": ("httpx", "pyproject.toml"),
        "package_name": ("httpx", "httpx/__init__.py"),
        "author_name": ("Tom Christie", "pyproject.toml"),
        "author_email": ("tom@tomchristie.com", "pyproject.toml"),
        "version": ("0.28.1", "httpx/__version__.py"),
        "package_manager": ("uv", DEFAULT),
        "license": ("BSD-3-Clause", "pyproject.toml"),
    },
    "rich": {  # flat layout, Poetry metadata only
        "project_slug": ("rich", "pyproject.toml"),
        "author_name": ("Will McGugan", "pyproject.toml"),
        "author_email": ("willmcgugan@gmail.com", "pyproject.toml"),
        "version": ("13.9.4", "pyproject.toml"),
        "python_version": ("3.11", "pyproject.toml"),
        "package_manager": ("uv", DEFAULT),  # Poetry is not a choice
        "license": ("MIT", "pyproject.toml"),
    },
}


@pytest.mark.parametrize("name", FOREIGN_ANSWERS)
def test_a_foreign_repository_reports_what_it_inferred_and_what_it_could_not(name, compare_cli):
    source = FOREIGN / name
    before = project_files(source)
    result = compare_cli(source, "--json")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    answers = report["answers"]
    assert set(answers) == {key for key in OPTIONS if not key.startswith("_")}
    for key, (value, where) in FOREIGN_ANSWERS[name].items():
        assert (answers[key]["value"], answers[key]["source"]) == (value, where), key
    for key, answer in answers.items():
        assert answer["detail"] or answer["source"] not in (DEFAULT,), key
        if answer["source"] not in (
            DEFAULT,
            ".devcontainer/",
            ".github/workflows/",
            ".pre-commit-config.yaml",
            "compose.prod.yaml",
        ):
            assert (source / answer["source"]).is_file(), (key, answer)
    assert report["summary"]["drift"] is True
    assert project_files(source) == before  # nothing written into the repository


def test_the_text_report_names_each_answer_with_its_file_or_says_default(compare_cli):
    result = compare_cli(FOREIGN / "rich")
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    answer = {line.split()[0]: " ".join(line.split()) for line in lines[1 : lines.index("")]}
    assert set(answer) == {key for key in OPTIONS if not key.startswith("_")}
    assert answer["version"] == 'version = "13.9.4" pyproject.toml ([tool.poetry] version)'
    assert (
        "default (pyproject.toml [tool.poetry]: 'poetry' is not one of uv, pip)"
        in answer["package_manager"]
    )
    assert answer["port"].endswith("default (nothing in the repository says)")
    assert lines[-1].startswith("Summary: ") and lines[-1].endswith("Drift.")


def test_an_inferred_answer_the_template_refuses_falls_back_to_the_default(tmp_path, compare_cli):
    repo = tmp_path / "odd"
    repo.mkdir()
    (repo / "pyproject.toml").write_text(
        '[project]\nname = "Odd_Tool"\nversion = "1.0-beta"\ndescription = "{{ braces }}"\n',
        encoding="utf-8",
    )
    result = compare_cli(repo, "--json")
    assert result.returncode == 1, result.stderr
    answers = json.loads(result.stdout)["answers"]
    assert answers["project_slug"] == {
        "value": "odd-tool",
        "source": "pyproject.toml",
        "detail": "[project] name",
    }
    for key, bad in (("version", "1.0-beta"), ("description", "{{ braces }}")):
        assert (answers[key]["value"], answers[key]["source"]) == (OPTIONS[key], DEFAULT)
        assert f"{bad!r} is refused by the template ({key}=" in answers[key]["detail"]


# ---- bad input -----------------------------------------------------------------


def write(path, content):
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path.parent


BAD_INPUT = {
    "missing": (lambda tmp: tmp / "nowhere", "no such directory"),
    "a file": (lambda tmp: write(tmp / "repo" / "file.txt", "x") / "file.txt", "not a directory"),
    "invalid TOML": (
        lambda tmp: write(tmp / "repo" / "pyproject.toml", "[project\n"),
        "pyproject.toml: not valid TOML: ",
    ),
    "pyproject not UTF-8": (
        lambda tmp: write(tmp / "repo" / "pyproject.toml", b'[project]\nname = "\xff"\n'),
        "pyproject.toml: cannot read it: ",
    ),
    "pyproject a directory": (
        lambda tmp: write(tmp / "repo" / "pyproject.toml" / "x", "").parent,
        "pyproject.toml: cannot read it: ",
    ),
    "invalid answers file": (
        lambda tmp: write(tmp / "repo" / ".cookiecutter.json", "{"),
        ".cookiecutter.json: not valid JSON: ",
    ),
    "invalid setup.cfg": (
        lambda tmp: write(tmp / "repo" / "setup.cfg", "no section\n"),
        "setup.cfg: cannot parse it: ",
    ),
}


@pytest.mark.parametrize(("make", "message"), BAD_INPUT.values(), ids=BAD_INPUT)
def test_bad_input_gets_one_line_and_exit_2(make, message, tmp_path, compare_cli):
    path = make(tmp_path)
    result = compare_cli(path)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("error: could not compare: ") and message in result.stderr
    result = compare_cli(path, "--json")
    assert result.returncode == 2
    assert message in json.loads(result.stdout)["error"]


def test_a_recorded_answer_the_template_refuses_stops_the_comparison(tmp_path, compare_cli):
    write(
        tmp_path / "repo" / ".cookiecutter.json", json.dumps({"cookiecutter": {"version": "one"}})
    )
    result = compare_cli(tmp_path / "repo")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "error: could not compare: .cookiecutter.json: the template refuses "
        "version='one': must be a PEP 440 version such as 0.1.0\n"
    )


def test_a_template_that_cannot_be_fetched(tmp_path, compare_cli):
    result = compare_cli(FOREIGN / "rich", "--template", tmp_path / "missing.git")
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: could not compare: template {tmp_path}/missing.git")
    assert result.stderr.count("\n") == 1


def test_write_answers_never_overwrites_unless_forced(tmp_path, compare_cli):
    project = bake_combination({}, tmp_path / "bake")
    answers = project / ".cookiecutter.json"
    answers.write_text('{"cookiecutter": {"project_name": "Mine"}}\n', encoding="utf-8")
    result = compare_cli(project, "--write-answers")
    assert (result.returncode, result.stdout) == (2, "")
    assert "exists: not overwritten (--write-answers --force replaces it)" in result.stderr
    assert answers.read_text(encoding="utf-8") == '{"cookiecutter": {"project_name": "Mine"}}\n'

    result = compare_cli(project, "--write-answers", "--force")
    assert result.returncode == 1  # the recorded name wins, and the README says another
    written = json.loads(answers.read_text(encoding="utf-8"))["cookiecutter"]
    assert written["project_name"] == "Mine"
    assert set(written) - {"_template", "_commit", "_uncommitted"} == {
        key for key in OPTIONS if not key.startswith("_")
    }
    # Where the template is, as a bake from this checkout records it.
    baked = json.loads((bake_combination({}, tmp_path / "again") / ".cookiecutter.json").read_text(
        encoding="utf-8"
    ))["cookiecutter"]  # fmt: skip
    assert {key: value for key, value in written.items() if key[0] == "_"} == {
        key: value for key, value in baked.items() if key[0] == "_"
    }


# ---- pieces --------------------------------------------------------------------


def test_the_excluded_names_are_the_makefiles(tmp_path):
    """compare.py reads NOT_FROM_TEMPLATE from a regenerated Makefile that still has
    one (templates before tools/update.py); otherwise its own list."""
    makefile = tmp_path / "Makefile"
    makefile.write_text("NOT_FROM_TEMPLATE := .git \\\n  uv.lock\n", encoding="utf-8")
    assert compare.excluded_patterns(tmp_path) == [".git", "uv.lock"]
    makefile.unlink()
    assert compare.excluded_patterns(tmp_path) == compare.NOT_FROM_TEMPLATE


def test_fit_choice():
    versions = ["3.13", "3.14", "3.12", "3.11"]
    assert compare.fit_choice("3.12", versions) == "3.12"
    assert compare.fit_choice("3.8", versions) == "3.11"
    assert compare.fit_choice("3.15", versions) is None
    assert compare.fit_choice("poetry", ["uv", "pip"]) is None
    assert compare.fit_choice(True, ["no", "yes"]) == "yes"


@pytest.mark.parametrize(
    ("text", "choice"),
    [
        ("MIT", "MIT"),
        ("MIT License", "MIT"),
        ("License :: OSI Approved :: MIT License", "MIT"),
        ("BSD-3-Clause", "BSD-3-Clause"),
        ("Apache 2.0", "Apache-2.0"),
        ("Apache License, Version 2.0", "Apache-2.0"),
        ("License :: OSI Approved :: Apache Software License", "Apache-2.0"),
        ("LicenseRef-Proprietary", "Proprietary"),
        ("BSD License", None),
        ("MIT OR Apache-2.0", None),
        ("GPL-3.0-only", None),
    ],
)
def test_license_names(text, choice):
    assert compare.license_name(text) == choice


def fake_repo(tmp_path, files):
    for relative, content in files.items():
        write(tmp_path / relative, content)
    return compare.read_repository(tmp_path)


def test_database_and_pre_commit_are_inferred_only_when_the_template_asks(tmp_path):
    repo = fake_repo(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "shop"\n'
            'dependencies = ["fastapi", "SQLAlchemy[postgresql-psycopg]>=2"]\n',
            "compose.yaml": "services:\n  db:\n    image: postgres:18\n    ports: ['5432:5432']\n"
            "  app:\n    build: .\n    ports: ['127.0.0.1:8080:8080']\n",
            ".pre-commit-config.yaml": "repos: []\n",
        },
    )
    older = {k: v for k, v in OPTIONS.items() if k not in ("database", "use_pre_commit")}
    answers = compare.infer_answers(repo, older)
    assert "database" not in answers and "use_pre_commit" not in answers
    assert (answers["app_type"].value, answers["port"].value) == ("web", "8080")

    newer = {**older, "database": ["none", "postgres"], "use_pre_commit": False}
    answers = compare.infer_answers(repo, newer)
    assert (answers["database"].value, answers["database"].source) == ("postgres", "pyproject.toml")
    assert answers["database"].detail == "depends on sqlalchemy[postgresql-psycopg]"
    assert (answers["use_pre_commit"].value, answers["use_pre_commit"].source) == (
        True,
        ".pre-commit-config.yaml",
    )
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "shop"\n', encoding="utf-8")
    answers = compare.infer_answers(compare.read_repository(tmp_path), newer)
    assert (answers["database"].value, answers["database"].source) == ("postgres", "compose.yaml")


def test_a_recorded_answers_file_wins_and_cruft_json_counts_too(tmp_path):
    repo = fake_repo(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "inferred"\nversion = "9.9"\n',
            ".cruft.json": json.dumps(
                {"template": "x", "context": {"cookiecutter": {"project_slug": "recorded"}}}
            ),
        },
    )
    answers = compare.infer_answers(repo, OPTIONS)
    assert (answers["project_slug"].value, answers["project_slug"].source) == (
        "recorded",
        ".cruft.json",
    )
    assert (answers["version"].value, answers["version"].source) == ("9.9", "pyproject.toml")
    assert answers["package_name"].value == "recorded"  # derived from the recorded slug


def test_setup_py_is_parsed_never_run(tmp_path):
    marker = tmp_path / "ran"
    path = write(
        tmp_path / "setup.py",
        f"import pathlib\npathlib.Path({str(marker)!r}).touch()\n"
        'NAME = "tool"\nDEPS = ["flask>=3"]\n'
        "setup(name=NAME, version=get_version(), install_requires=DEPS)\n",
    )
    assert compare.setup_py_arguments(path / "setup.py") == {
        "name": "tool",
        "install_requires": ["flask>=3"],
    }
    assert not marker.exists()


def test_readme_titles(tmp_path):
    cases = {
        "README.md": ("```\n# not a title\n```\n# The Title\n", "The Title"),
        "README.rst": ("=====\nTitle\n=====\n\ntext\n", "Title"),
    }
    for name, (text, title) in cases.items():
        repo = fake_repo(tmp_path / name, {name: text})
        assert compare.readme_title(repo).value == title
    repo = fake_repo(tmp_path / "sub", {"README.md": "## Section first\n# Late title\n"})
    assert compare.readme_title(repo) is None
