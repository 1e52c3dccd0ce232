"""Regenerate and compare: deterministic output, recorded answers and where the
template came from, what a bake prints, `make template-diff`, the template
served from git (a file:// URL and a tag), and cruft."""

import ast
import json
import os
import re
import shlex
import shutil
import sys

import pytest

import regenerate_support
from conftest import OPTIONS, TEMPLATE, load_hook, tool
from helpers import run, run_cookiecutter, snapshot
from regenerate_support import (
    NEW_FILE,
    README_ADDITION,
    change_template,
    command_environment,
    cookiecutter,
    template_repo,
)

# The fixture: a fresh HOME and a git identity for each command.
env = regenerate_support.env

# Answers that differ from the defaults, with quotes, `$`, `#` and non-ASCII text.
ANSWERS = {
    "project_name": 'O\'Brien & Søn "Tools"',
    "project_slug": "obrien-tools",
    "package_name": "obrien_tools",
    "description": "$HOME ${USER} # not a comment `tick`",
    "author_name": "Zoë O'Brien",
    "python_version": "3.11",
    "package_manager": "pip",
}


def as_arguments(answers):
    return [f"{key}={value}" for key, value in answers.items()]


def recorded(project):
    return json.loads((project / ".cookiecutter.json").read_text(encoding="utf-8"))


def head(repo, env):
    return run(["git", "rev-parse", "HEAD"], repo, env).stdout.strip()


@pytest.fixture(scope="module")
def local_template(tmp_path_factory):
    """A local git checkout of the template with no remote, and its HEAD."""
    env = command_environment(tmp_path_factory.mktemp("home"))
    repo = template_repo(tmp_path_factory.mktemp("local") / "template", env)
    return repo, head(repo, env)


def imported_modules(path):
    """The top-level names of the modules a Python file imports."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return {name.split(".")[0] for name in names}


def template_diff(project, env, *overrides, target="template-diff"):
    return run(
        [
            tool("make"),
            "--no-print-directory",
            target,
            f"TEMPLATE_PYTHON={shlex.quote(sys.executable)}",
            *overrides,
        ],
        project,
        env,
        check=False,
    )


def test_same_answers_give_identical_files_whatever_the_umask_and_directory(tmp_path, env):
    """...and whatever path names the template: `.cookiecutter.json` records where
    it is, never the path as typed nor the output directory."""
    first = cookiecutter(
        "--no-input", TEMPLATE, *as_arguments(ANSWERS), cwd=tmp_path / "a", env=env, umask=0o022
    )
    elsewhere = tmp_path / "b" / "a longer path"
    elsewhere.mkdir(parents=True)
    result = run_cookiecutter(
        "--no-input", os.path.relpath(TEMPLATE, elsewhere), *as_arguments(ANSWERS), cwd=elsewhere,
        env=env, umask=0o077, check=True,
    )  # fmt: skip
    second = elsewhere / "obrien-tools"
    # What the bake prints ends with the command to run first, quoted for the shell.
    cd, _, rest = result.stdout.splitlines()[-1].removeprefix("Next: ").partition(" && ")
    assert rest == "make build && make test"
    assert run(["sh", "-c", f"{cd} && pwd"], tmp_path, env).stdout == f"{second}\n"
    # The umasks did apply: the directories cookiecutter made differ.
    assert (first.stat().st_mode & 0o777, second.stat().st_mode & 0o777) == (0o755, 0o700)
    assert snapshot(first) == snapshot(second)
    for relative, entry in snapshot(second).items():
        if entry is not None:
            assert str(tmp_path).encode() not in entry[0], f"{relative} names the output dir"


def test_the_template_uses_no_clock_and_no_randomness():
    """Cookiecutter's `{% now %}`, `random_ascii_string` and `uuid4` would make two
    bakes differ, and so would a hook or filter that reads the clock or a random source."""
    jinja = re.compile(r"\{%-?\s*now\b|random_ascii_string|uuid4")
    for path in sorted((TEMPLATE / "{{cookiecutter.project_slug}}").rglob("*")):
        if path.is_file():
            assert not jinja.search(path.read_text(encoding="utf-8")), path
    for path in [*sorted((TEMPLATE / "hooks").glob("*.py")), TEMPLATE / "local_extensions.py"]:
        assert not imported_modules(path) & {"datetime", "time", "random", "uuid", "secrets"}, path


def test_the_answers_are_recorded_and_regenerate_the_project(tmp_path, env, local_template):
    """A local git checkout of the template with no remote: its absolute path and
    commit, wherever cookiecutter ran and however the path was typed."""
    template, commit = local_template
    out = tmp_path / "elsewhere"
    result = run_cookiecutter(
        "--no-input", ".", *as_arguments(ANSWERS), output_dir=out, cwd=template, env=env,
        check=True,
    )  # fmt: skip
    (project,) = out.iterdir()
    answers = recorded(project)["cookiecutter"]
    assert set(answers) == {key for key in OPTIONS if not key.startswith("_")} | {
        "_template",
        "_commit",
    }
    assert (answers["_template"], answers["_commit"]) == (str(template), commit)
    assert {key: answers[key] for key in ANSWERS} == ANSWERS
    assert list(answers) == sorted(answers)
    # What the bake prints: where the project is, what it records, what to run first.
    assert result.stdout.splitlines() == [
        f"Created {project} from the template {template} at {commit[:12]}.",
        f"Next: cd {project} && make build && make test",
    ]
    assert result.stderr == ""

    again = cookiecutter(
        f"--replay-file={project / '.cookiecutter.json'}",
        template,
        cwd=tmp_path / "again",
        env=env,
    )
    assert snapshot(again) == snapshot(project)


def test_a_checkout_with_a_remote_records_the_remote_and_says_when_it_had_changes(tmp_path, env):
    """A clone of the template records its remote's URL (a teammate's clone of the
    project finds it there), while the remote has the commit; a commit only here
    records the checkout's path. Uncommitted changes are recorded and said."""
    origin = template_repo(tmp_path / "origin.git", env)
    clone = tmp_path / "clone"
    run(["git", "clone", "--quiet", origin.as_uri(), clone], env=env)
    project = cookiecutter("--no-input", clone, cwd=tmp_path / "a", env=env)
    answers = recorded(project)["cookiecutter"]
    assert (answers["_template"], answers["_commit"]) == (origin.as_uri(), head(origin, env))

    (clone / "README.md").write_text("a change not committed\n", encoding="utf-8")
    out = tmp_path / "b"
    result = run_cookiecutter("--no-input", clone, output_dir=out, env=env, check=True)
    answers = recorded(out / "my-cool-project")["cookiecutter"]
    assert answers["_uncommitted"] is True and answers["_template"] == origin.as_uri()
    assert result.stdout.splitlines()[1] == (
        "The template had uncommitted changes: the project has them, the commit recorded "
        "in .cookiecutter.json does not."
    )

    run(["git", "commit", "--quiet", "--all", "--message", "only here"], clone, env)
    assert load_hook("post_gen_project").local_record(clone) == {
        "_template": str(clone),
        "_commit": head(clone, env),
    }


def test_the_record_never_holds_credentials_nor_a_remote_that_is_a_path(tmp_path, env):
    hook = load_hook("post_gen_project")
    assert hook.without_credentials("https://x-access-token:s3cr3t@github.com/o/t.git") == (
        "https://github.com/o/t.git"
    )
    assert hook.without_credentials("https://s3cr3t@github.com/o/t") == "https://github.com/o/t"
    assert hook.without_credentials("git+https://s3cr3t@h.invalid/t") == "git+https://h.invalid/t"
    assert hook.without_credentials("ssh://git:pw@host/o/t.git") == "ssh://git@host/o/t.git"
    for kept in ("git@github.com:o/t.git", "ssh://git@host/o/t.git", "file:///srv/t.git"):
        assert hook.without_credentials(kept) == kept
    repo = template_repo(tmp_path / "template", env)
    commit = head(repo, env)
    for name, url in (
        ("path", str(tmp_path / "elsewhere")),
        ("tokened", "https://t0k@h.invalid/t"),
    ):
        run(["git", "remote", "add", name, url], repo, env)
        run(["git", "update-ref", f"refs/remotes/{name}/main", commit], repo, env)
    assert hook.local_record(repo) == {"_template": "https://h.invalid/t", "_commit": commit}


def test_template_diff_is_clean_on_a_fresh_bake_and_reports_local_edits(
    tmp_path, env, local_template
):
    """The README's quick start (`cookiecutter --no-input .` in a template checkout)
    with -o into another directory; the project then moved: the record is found."""
    template, _ = local_template
    run_cookiecutter("--no-input", ".", output_dir=tmp_path / "out", cwd=template, env=env,
                     check=True)  # fmt: skip
    project = tmp_path / "moved" / "my-cool-project"
    project.parent.mkdir()
    shutil.move(tmp_path / "out" / "my-cool-project", project)
    result = template_diff(project, env)
    assert (result.returncode, result.stderr) == (0, ""), result.stdout
    assert result.stdout.endswith(" No drift.\n")

    # Older bakes recorded the path as typed: it is taken from the parent directory;
    # where it no longer resolves, one line says what to pass to make. TEMPLATE=
    # is a path from the project's directory.
    answers = (project / ".cookiecutter.json").read_text(encoding="utf-8")

    def record(typed):
        text = answers.replace(f'"_template": "{template}"', f'"_template": "{typed}"')
        (project / ".cookiecutter.json").write_text(text, encoding="utf-8")

    record(os.path.relpath(template, project.parent))
    result = template_diff(project, env)
    assert (result.returncode, result.stderr) == (0, ""), result.stdout
    record(".")
    result = template_diff(project, env)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines()[0] == (
        "make template-diff: the template .cookiecutter.json records, ., is not here: name "
        "it with make template-diff TEMPLATE=<path or git URL> (make template-update "
        "TEMPLATE=<git URL> records a URL)"
    )
    result = template_diff(project, env, f"TEMPLATE={os.path.relpath(template, project)}")
    assert (result.returncode, result.stderr) == (0, ""), result.stdout
    (project / ".cookiecutter.json").write_text(answers, encoding="utf-8")

    # What is not the template's is left out: git, caches, virtualenvs, lock files.
    run(["git", "init", "-q"], project, env)
    for directory in (
        ".venv/bin",
        ".pytest_cache",
        ".ruff_cache",
        "src/my_cool_project/__pycache__",
    ):
        (project / directory).mkdir(parents=True)
        (project / directory / "file").write_text("x\n", encoding="utf-8")
    for lock in ("uv.lock", "requirements.lock.txt"):
        (project / lock).write_text("pinned\n", encoding="utf-8")
    result = template_diff(project, env)
    assert (result.returncode, result.stderr) == (0, ""), result.stdout
    assert result.stdout.endswith(" No drift.\n")

    with (project / "README.md").open("a", encoding="utf-8") as readme:
        readme.write("A local edit.\n")
    (project / "notes.txt").write_text("mine\n", encoding="utf-8")
    (project / "compose.yaml").unlink()
    result = template_diff(project, env)
    assert result.returncode != 0
    lines = result.stdout.splitlines()
    assert "+A local edit." in lines
    assert "+++ repository/README.md" in lines
    assert "  added      notes.txt  +1" in lines
    assert "  missing    compose.yaml" in [line.split("  -")[0] for line in lines]


def test_a_template_from_a_git_url_bakes_at_a_tag(tmp_path, env):
    repo = template_repo(tmp_path / "template.git", env)
    change_template(repo, env)
    url = repo.as_uri()

    project = cookiecutter(
        "--no-input", url, "--checkout", "v1", *as_arguments(ANSWERS), cwd=tmp_path / "git", env=env
    )
    answers = recorded(project)["cookiecutter"]
    assert (answers["_template"], answers["_checkout"]) == (url, "v1")
    # The files of v1, which are this checkout's: the same as a bake from the path.
    local = cookiecutter(
        "--no-input", TEMPLATE, *as_arguments(ANSWERS), cwd=tmp_path / "local", env=env
    )
    files, local_files = snapshot(project), snapshot(local)
    assert files.pop(".cookiecutter.json") != local_files.pop(".cookiecutter.json")
    assert files == local_files
    assert not (project / NEW_FILE).exists()

    # template-diff compares with v1, the recorded commit; CHECKOUT=main shows today's.
    result = template_diff(project, env)
    assert (result.returncode, result.stderr) == (0, ""), result.stdout
    assert result.stdout.endswith(" No drift.\n")
    result = template_diff(project, env, "CHECKOUT=main")
    assert result.returncode != 0
    assert f"-{README_ADDITION.strip()}" in result.stdout.splitlines()
    assert f"  missing    {NEW_FILE}  -1" in result.stdout.splitlines()


def cruft(*args, cwd, env):
    return run([sys.executable, "-m", "cruft", *args], cwd, env, check=False)


def test_cruft_create_check_diff_update(tmp_path, env):
    repo = template_repo(tmp_path / "template.git", env)
    work = tmp_path / "work"
    work.mkdir()
    created = cruft("create", "--no-input", repo.as_uri(), cwd=work, env=env)
    assert created.returncode == 0, created.stdout + created.stderr
    project = work / "my-cool-project"
    assert (project / ".cruft.json").is_file() and (project / ".cookiecutter.json").is_file()

    check = cruft("check", cwd=project, env=env)
    assert check.returncode == 0 and "up to date" in check.stdout, check.stdout
    diff = cruft("diff", "--exit-code", cwd=project, env=env)
    assert (diff.returncode, diff.stdout) == (0, ""), diff.stderr
    # ...and cruft diff does see a local edit.
    original = (project / "Dockerfile").read_text(encoding="utf-8")
    (project / "Dockerfile").write_text(original + "# local\n", encoding="utf-8")
    assert cruft("diff", "--exit-code", cwd=project, env=env).returncode != 0
    (project / "Dockerfile").write_text(original, encoding="utf-8")
    # make template-diff agrees, and leaves .cruft.json out.
    result = template_diff(project, env)
    assert (result.returncode, result.stderr) == (0, ""), result.stdout
    assert result.stdout.endswith(" No drift.\n")

    run(["git", "init", "-q"], project, env)
    run(["git", "add", "-A"], project, env)
    run(["git", "commit", "-q", "-m", "generated"], project, env)
    answers_before = (project / ".cookiecutter.json").read_bytes()
    change_template(repo, env)

    check = cruft("check", cwd=project, env=env)
    assert check.returncode != 0 and "out of date" in check.stdout, check.stdout
    update = cruft("update", "--skip-apply-ask", cwd=project, env=env)
    assert update.returncode == 0, update.stdout + update.stderr
    assert (project / "README.md").read_text(encoding="utf-8").endswith("\n" + README_ADDITION)
    assert (project / NEW_FILE).read_text(encoding="utf-8") == "# My Cool Project\n"
    # cruft renders without cookiecutter's clone (no `_repo_dir`): no `_commit`,
    # cruft keeps it in .cruft.json.
    assert (project / ".cookiecutter.json").read_bytes() == answers_before
    assert cruft("check", cwd=project, env=env).returncode == 0
    diff = cruft("diff", "--exit-code", cwd=project, env=env)
    assert (diff.returncode, diff.stdout) == (0, ""), diff.stderr


def test_cruft_link_ties_an_existing_project_to_the_template(tmp_path, env):
    """A repository not made by cruft (here a plain cookiecutter bake without its
    .cookiecutter.json), linked with the answers it matches, has an empty cruft diff
    (cruft compares the files the project has) that shows a local edit."""
    repo = template_repo(tmp_path / "template.git", env)
    project = cookiecutter(
        "--no-input", repo.as_uri(), *as_arguments(ANSWERS), cwd=tmp_path / "work", env=env
    )
    (project / ".cookiecutter.json").unlink()
    answers = json.dumps(ANSWERS)
    link = cruft(
        "link", "--no-input", "--extra-context", answers, repo.as_uri(), cwd=project, env=env
    )
    assert link.returncode == 0, link.stdout + link.stderr
    diff = cruft("diff", "--exit-code", cwd=project, env=env)
    assert (diff.returncode, diff.stdout) == (0, ""), diff.stderr
    with (project / "README.md").open("a", encoding="utf-8") as readme:
        readme.write("A local edit.\n")
    diff = cruft("diff", "--exit-code", cwd=project, env=env)
    assert diff.returncode != 0
    assert "-A local edit." in diff.stdout.splitlines()
