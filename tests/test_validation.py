"""Bad input is refused by the cookiecutter command line: one line naming the
field, the value and the rule, and nothing else on stdout or stderr; a non-zero
exit, and nothing left behind."""

import io
import json
import multiprocessing
import os
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from conftest import DEFAULT_ANSWERS, OPTIONS, TEMPLATE, replay_file, run_cookiecutter
from helpers import snapshot

SLUG_SHAPE = "must be lowercase letters and digits in words joined by '-', starting with a letter"
PACKAGE_SHAPE = (
    "must be lowercase letters and digits in words joined by '_', starting with a letter"
)
PATH = "must not contain '/', '\\' or '..'"
CONTROL = "must not contain control characters or line breaks"
EMAIL = "must look like name@example.com"
VERSION = "must be a PEP 440 version such as 0.1.0"
PORT = "must be a whole number from 1024 to 65535"
STDLIB = "must not shadow a standard-library module"
RESERVED = "is reserved: it would shadow a tool or folder"


def one_of(option):
    """The rule of a choice, its choices in cookiecutter.json's order."""
    return f"must be one of {', '.join(OPTIONS[option])}"


# The bad-input catalogue: (field, value, rule). Each value, put in a replay file
# (so it reaches the checks verbatim, as a typed answer does), must be refused with
# exactly one line `error: <field>=<repr(value)>: <rule>` (the whole output), a
# non-zero exit, and nothing written.
CATALOGUE = [
    # Free text: one line, no control characters, no Jinja, required ones not empty.
    ("project_name", "Tab\there", CONTROL),
    ("project_name", "nul\x00byte", CONTROL),
    ("project_name", "esc \x1b[31mred", CONTROL),
    ("project_name", "line\u2028separator", CONTROL),
    ("project_name", "x {# y", "must not contain '{#'"),
    ("project_name", "", "must not be empty"),
    ("project_name", "   ", "must not be empty"),
    ("project_name", 42, "must be text"),
    ("description", "two\nlines", CONTROL),
    ("description", "carriage\rreturn", CONTROL),
    ("description", "a {% if %}", "must not contain '{%'"),
    ("description", "ends %} here", "must not contain '%}'"),
    ("description", None, "must be text"),
    ("author_name", "", "must not be empty"),
    ("author_name", "{{ 7 * 7 }}", "must not contain '{{'"),
    ("author_name", "a }} b", "must not contain '}}'"),
    ("author_name", "bell\x07", CONTROL),
    # Email: empty, or one address.
    ("author_email", "not-an-email", EMAIL),
    ("author_email", "a b@example.com", EMAIL),
    ("author_email", "@example.com", EMAIL),
    ("author_email", "me@localhost", EMAIL),
    ("author_email", "a@b@example.com", EMAIL),
    ("author_email", "Me <me@example.com>", EMAIL),
    # Version: PEP 440, canonical.
    ("version", "1.0-beta", VERSION),
    ("version", "v1", VERSION),
    ("version", "latest", VERSION),
    ("version", "1.0.0 ", VERSION),
    ("version", "", "must not be empty"),
    # Slug: directory, distribution, console script, compose project and image
    # names. Docker and Compose lowercase or refuse what the pattern does not allow.
    ("project_slug", "My-Project", SLUG_SHAPE),
    ("project_slug", "1st-project", SLUG_SHAPE),
    ("project_slug", "-lead", SLUG_SHAPE),
    ("project_slug", "a--b", SLUG_SHAPE),
    ("project_slug", "trailing-", SLUG_SHAPE),
    ("project_slug", "my_project", SLUG_SHAPE),
    ("project_slug", "my.project", SLUG_SHAPE),
    ("project_slug", "my project", SLUG_SHAPE),
    ("project_slug", "café", SLUG_SHAPE),
    ("project_slug", "x" * 65, "must be at most 64 characters"),
    ("project_slug", "../evil", PATH),
    ("project_slug", "..", PATH),
    ("project_slug", "a/b", PATH),
    ("project_slug", "a\\b", PATH),
    ("project_slug", "{{cookiecutter.project_name}}", "must not contain '{{'"),
    ("project_slug", "", "must not be empty"),
    ("project_slug", "class", "must not be a Python keyword"),
    ("project_slug", "json", STDLIB),
    ("project_slug", "tests", RESERVED),
    ("project_slug", "pytest", RESERVED),
    # Package: the import name.
    ("package_name", "my-pkg", PACKAGE_SHAPE),
    ("package_name", "Pkg", PACKAGE_SHAPE),
    ("package_name", "_private", PACKAGE_SHAPE),
    ("package_name", "x" * 65, "must be at most 64 characters"),
    ("package_name", "import", "must not be a Python keyword"),
    ("package_name", "asyncio", STDLIB),
    ("package_name", "setup", RESERVED),
    ("package_name", "src", RESERVED),
    # Choices and yes/no answers (cookiecutter checks its own prompts and command
    # line; a replay file reaches the hook unchecked).
    ("python_version", "3.9", one_of("python_version")),
    ("python_version", 3.13, one_of("python_version")),
    ("package_manager", "poetry", one_of("package_manager")),
    ("app_type", "gui", one_of("app_type")),
    ("database", "mysql", one_of("database")),
    ("worker", "celery", one_of("worker")),
    # A rule between answers (NEEDS): the defaults have no database.
    ("worker", "procrastinate", "needs database=postgres, not database=none"),
    ("deploy", "swarm", one_of("deploy")),
    ("license", "GPL-3.0", one_of("license")),
    ("license", "mit", one_of("license")),
    ("use_devcontainer", "yes", "must be true or false (yes or no)"),
    ("use_github_actions", None, "must be true or false (yes or no)"),
    ("use_pre_commit", "no", "must be true or false (yes or no)"),
    # Port: unprivileged, decimal ASCII digits.
    ("port", "80", PORT),
    ("port", "65536", PORT),
    ("port", "8_000", PORT),
    ("port", "８０００", PORT),
    ("port", "", PORT),
    ("port", 8000, PORT),
]
# The fields a user types: free text (a choice or yes/no prompt takes only one of
# its answers, and asks again otherwise).
TYPED = [key for key, value in OPTIONS.items() if isinstance(value, str) and key[0] != "_"]


def first_of_each_rule(fields, ok=lambda value: True):
    """The first catalogue row of each rule of each of ``fields`` whose value is
    one line of printable text and ``ok``."""
    rows = {}
    for field, value, rule in CATALOGUE:
        if field in fields and isinstance(value, str) and value.isprintable() and ok(value):
            rows.setdefault((field, rule), (field, value, rule))
    return list(rows.values())


# Rows also given on the command line (`--no-input key=value`): text cookiecutter
# passes on unchanged (no Jinja, which it renders first; not '' or '..', which
# name an existing directory: it refuses those itself, with its own line). A
# choice or yes/no answer outside its list stops cookiecutter before any code of
# the template runs: test_a_choice_outside_its_list_on_the_command_line_is_cookiecutters.
COMMAND_LINE = first_of_each_rule(TYPED, lambda value: "{" not in value and value not in ("", ".."))
# Rows typed at the prompts, the first of each field (an empty answer takes the
# default: not typed); the rules are the ones the replay rows prove.
PROMPTED = list(
    {row[0]: row for row in reversed(first_of_each_rule(TYPED, lambda v: v.strip()))}.values()
)[::-1]


def row_id(row):
    return f"{row[0]}={row[1]!r}"[:60]


def cookiecutter_cli(*args, output_dir, log_dir, typed=None):
    """The cookiecutter command line, run in this process: what `python -m cookiecutter`
    runs, without paying for a new interpreter and its imports (the catalogue runs
    it in forked workers). Output, the hooks' included, is captured at the file
    descriptors; ``typed`` (lines) answers the prompts."""
    from cookiecutter.cli import main

    streams = {1: Path(log_dir, "stdout"), 2: Path(log_dir, "stderr")}
    saved = {fd: os.dup(fd) for fd in streams}
    os.environ["PYTHONIOENCODING"] = "utf-8"
    sys.stdout.flush(), sys.stderr.flush()
    for fd, path in streams.items():
        with open(path, "wb") as file:
            os.dup2(file.fileno(), fd)
    # Python's own streams on those descriptors too (pytest's capture replaced them).
    python_streams = sys.stdin, sys.stdout, sys.stderr
    sys.stdout, sys.stderr = (
        open(fd, "w", encoding="utf-8", closefd=False)  # noqa: SIM115 (closed below)
        for fd in streams
    )
    if typed is not None:
        sys.stdin = io.StringIO("".join(f"{line}\n" for line in typed))
    try:
        main([*args, "-o", str(output_dir)], prog_name="cookiecutter")
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    finally:
        sys.stdout.close(), sys.stderr.close()
        sys.stdin, sys.stdout, sys.stderr = python_streams
        for fd, copy in saved.items():
            os.dup2(copy, fd)
            os.close(copy)
    out, err = (path.read_text(encoding="utf-8") for path in streams.values())
    return subprocess.CompletedProcess(["cookiecutter", *args], code, out, err)


def run_row(row, work, via):
    """Bake with one bad answer in the empty directory ``work``; return the result and
    what is left in ``work`` besides the replay file and the output directory."""
    field, value, _ = row
    out = work / "a" / "out"  # deep enough that '../evil' stays inside `work`
    out.mkdir(parents=True)
    typed = None
    if via == "replay":
        # --overwrite-if-exists: also for a slug naming an existing directory
        # ('', '..'), which cookiecutter alone refuses with its own line.
        replay = replay_file(work, **{field: value})
        args = ["--overwrite-if-exists", f"--replay-file={replay}", str(TEMPLATE)]
    elif via == "prompt":
        args = [str(TEMPLATE)]
        typed = [value if key == field else "" for key in OPTIONS if key[0] != "_"]
    else:
        args = ["--no-input", str(TEMPLATE), f"{field}={value}"]
    logs = work.parent / f"{work.name}.logs"
    logs.mkdir()
    result = cookiecutter_cli(*args, output_dir=out, log_dir=logs, typed=typed)
    kept = {work / "replay.json", out, *out.parents}
    left = sorted(path.relative_to(work).as_posix() for path in work.rglob("*") if path not in kept)
    return result, left


@pytest.fixture(scope="session")
def refusals(tmp_path_factory):
    """{(via, row id): (result, paths left)}: every catalogue row through the
    cookiecutter command line, run in parallel once."""
    import cookiecutter.cli  # noqa: F401  (imported once, before the workers fork)

    root = tmp_path_factory.mktemp("refusals")
    jobs = [
        *(("replay", row) for row in CATALOGUE),
        *(("cli", row) for row in COMMAND_LINE),
        *(("prompt", row) for row in PROMPTED),
    ]
    dirs = [root / str(index) for index in range(len(jobs))]
    for directory in dirs:
        directory.mkdir()
    # Forked workers start with cookiecutter imported; HOME keeps its replay dumps here.
    home = {"HOME": str(root / "home")}
    Path(home["HOME"]).mkdir()
    with ProcessPoolExecutor(
        max_workers=os.cpu_count(),
        mp_context=multiprocessing.get_context("fork"),
        initializer=os.environ.update,
        initargs=(home,),
    ) as pool:
        results = pool.map(
            run_row, [row for _, row in jobs], dirs, [via for via, _ in jobs], chunksize=4
        )
        return {(via, row_id(row)): r for (via, row), r in zip(jobs, results, strict=True)}


def test_the_catalogue_covers_every_answer_and_then_some():
    assert len(CATALOGUE) >= 40
    assert len({row_id(row) for row in CATALOGUE}) == len(CATALOGUE), "duplicate rows"
    fields = {key for key in DEFAULT_ANSWERS if not key.startswith("_")}
    assert {field for field, _, _ in CATALOGUE} == fields
    json.dumps(CATALOGUE)  # every value fits in a replay file


@pytest.mark.parametrize("row", CATALOGUE, ids=row_id)
def test_bad_answer_is_refused_with_one_line_and_nothing_written(refusals, row):
    check_refusal(*refusals["replay", row_id(row)], row)


@pytest.mark.parametrize("row", COMMAND_LINE, ids=row_id)
def test_bad_answer_on_the_command_line_is_refused(refusals, row):
    check_refusal(*refusals["cli", row_id(row)], row)


@pytest.mark.parametrize("row", PROMPTED, ids=row_id)
def test_bad_answer_typed_at_the_prompt_is_refused(refusals, row):
    """After the questions (on stdout), the one line and nothing else."""
    result, left = refusals["prompt", row_id(row)]
    questions = len([key for key in OPTIONS if key[0] != "_"])
    _, last, after = result.stdout.rpartition(f"[{questions}/{questions}] ")
    assert last and after.endswith("): "), result.stdout  # nothing after the last question
    check_refusal(subprocess.CompletedProcess([], result.returncode, "", result.stderr), left, row)


def check_refusal(result, left, row):
    """The whole output, stdout and stderr, is the one line; nothing is left."""
    field, value, rule = row
    assert result.returncode != 0
    line = f"error: {field}={value!r}: {rule}"
    assert result.stdout + result.stderr == f"{line}\n", result.stdout + result.stderr
    assert line.isprintable(), "repr() must escape what the terminal would act on"
    assert left == [], f"left behind: {left}"


def only_line(result):
    """The one line a refusal prints, stdout and stderr together (fails otherwise)."""
    assert result.returncode != 0
    lines = (result.stdout + result.stderr).splitlines()
    assert len(lines) == 1, result.stdout + result.stderr
    return lines[0]


def test_a_derived_slug_is_checked_too(tmp_path):
    result = run_cookiecutter(
        "--no-input", str(TEMPLATE), "project_name=Conftest", output_dir=tmp_path
    )
    rule = "is reserved: it would shadow a tool or folder"
    assert only_line(result) == f"error: project_slug='conftest': {rule}"
    assert list(tmp_path.iterdir()) == []


def test_an_empty_name_is_reported_as_itself_not_as_the_slug_made_from_it(tmp_path):
    """Typed answers are checked before derived ones: the empty project name, not
    the empty slug and package cookiecutter derives from it. (The empty slug makes
    the output directory the target: a new one, which cookiecutter removes again.)"""
    out = tmp_path / "out"
    result = run_cookiecutter("--no-input", str(TEMPLATE), "project_name=", output_dir=out)
    assert only_line(result) == "error: project_name='': must not be empty"
    assert list(tmp_path.iterdir()) == []


UNUSABLE_NAMES = [
    ("", "must not be empty"),
    ("   ", "must not be empty"),
    ("!!!", "must contain a letter or digit: the slug and package are made from them"),
    ("🚀 -- ✨", "must contain a letter or digit: the slug and package are made from them"),
]


@pytest.mark.parametrize("where", ["output-dir", "cwd"])
@pytest.mark.parametrize(("name", "rule"), UNUSABLE_NAMES, ids=["empty", "blank", "!!!", "emoji"])
def test_a_name_with_no_slug_is_refused_where_cookiecutter_runs(tmp_path, name, rule, where):
    """A name that gives an empty slug would make the target the output directory
    itself, which exists: cookiecutter alone answers `Error: "." directory already
    exists` before any hook runs. local_extensions.ProjectNameExtension refuses it
    while the slug is derived, with the hook's one line, in an existing output
    directory (-o) and in the current one (the usual way)."""
    work = tmp_path / "work"
    work.mkdir()
    (work / "mine.txt").write_text("mine\n", encoding="utf-8")
    before = snapshot(work)
    args = ["--no-input", str(TEMPLATE), f"project_name={name}"]
    if where == "output-dir":
        result = run_cookiecutter(*args, output_dir=work, cwd=tmp_path)
    else:
        result = run_cookiecutter(*args, cwd=work)
    assert result.returncode != 0
    assert result.stdout == ""
    assert result.stderr.splitlines() == [f"error: project_name={name!r}: {rule}"]
    assert snapshot(work) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["work"]


def test_a_name_with_no_slug_is_fine_with_a_slug_given(tmp_path):
    result = run_cookiecutter(
        "--no-input", str(TEMPLATE), "project_name=!!!", "project_slug=bangs", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert [path.name for path in tmp_path.iterdir()] == ["bangs"]


@pytest.mark.parametrize("overwrite", [[], ["--overwrite-if-exists"], ["-f"]])
def test_existing_non_empty_target_is_refused_and_left_untouched(tmp_path, overwrite):
    """A non-empty target is refused, with -f too, before cookiecutter writes
    anything: the user's files stay, and nothing is added."""
    target = tmp_path / "my-cool-project"
    (target / "src").mkdir(parents=True)
    (target / "notes.txt").write_text("mine\n", encoding="utf-8")
    (target / "compose.yaml").write_text("services: {}  # my own\n", encoding="utf-8")
    (target / "src" / "keep.py").write_text("x = 1\n", encoding="utf-8")
    before = snapshot(target)
    result = run_cookiecutter("--no-input", *overwrite, str(TEMPLATE), output_dir=tmp_path)
    message = f"target directory {target} exists and is not empty"
    assert only_line(result) == f"error: project_slug='my-cool-project': {message}"
    assert snapshot(target) == before
    assert [path.name for path in tmp_path.iterdir()] == ["my-cool-project"]


def test_a_target_that_is_a_file_is_refused_and_left_untouched(tmp_path):
    target = tmp_path / "my-cool-project"
    target.write_text("mine\n", encoding="utf-8")
    result = run_cookiecutter("--no-input", "-f", str(TEMPLATE), output_dir=tmp_path)
    message = f"target {target} exists and is not a directory"
    assert only_line(result) == f"error: project_slug='my-cool-project': {message}"
    assert target.read_text(encoding="utf-8") == "mine\n"


def test_an_existing_empty_target_without_overwrite_is_cookiecutters_one_line(tmp_path):
    (tmp_path / "my-cool-project").mkdir()
    result = run_cookiecutter("--no-input", str(TEMPLATE), output_dir=tmp_path)
    assert only_line(result) == f'Error: "{tmp_path / "my-cool-project"}" directory already exists'
    assert list((tmp_path / "my-cool-project").iterdir()) == []


def test_existing_empty_target_is_filled_with_overwrite(tmp_path):
    (tmp_path / "my-cool-project").mkdir()
    result = run_cookiecutter(
        "--no-input", "--overwrite-if-exists", str(TEMPLATE), output_dir=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "my-cool-project" / "compose.yaml").is_file()


def test_quotes_in_answers_never_run_code(tmp_path):
    """The hooks read answers as JSON; a name that closes a string runs nothing."""
    canary = tmp_path / "pwned"
    payload = f'x"""); open({str(canary)!r}, "w"); ("""'
    result = run_cookiecutter(
        "--no-input",
        str(TEMPLATE),
        f"project_name={payload}",
        "project_slug=quoted",
        "package_name=quoted",
        f"description={payload}",
        output_dir=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert not canary.exists()


def test_slug_with_a_slash_is_refused_before_any_directory_is_made(tmp_path):
    """The answers are checked before cookiecutter makes the target directory (and
    its parents: `a/` of `a/b`)."""
    result = run_cookiecutter("--no-input", str(TEMPLATE), "project_slug=a/b", output_dir=tmp_path)
    assert only_line(result) == "error: project_slug='a/b': must not contain '/', '\\' or '..'"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("answer", "field", "choices"),
    [
        ("python_version=2.7", "choice variable python_version", "the choices are"),
        ("app_type=worker", "choice variable app_type", "the choices are"),
        ("use_devcontainer=maybe", "variable use_devcontainer", "could not be converted"),
    ],
)
def test_a_choice_outside_its_list_on_the_command_line_is_cookiecutters(
    tmp_path, answer, field, choices
):
    """Cookiecutter checks a choice or yes/no answer given with --no-input while it
    reads cookiecutter.json, before any code of the template runs (no hook, no
    extension): its ValueError traceback, whose last line names the field and the
    choices. Nothing is written. (docs/options.md says so; in a replay file the
    template refuses it in one line, the catalogue above.)"""
    result = run_cookiecutter("--no-input", str(TEMPLATE), answer, output_dir=tmp_path / "out")
    assert result.returncode != 0
    last = result.stderr.splitlines()[-1]
    value = answer.partition("=")[2]
    assert last.startswith(f"ValueError: {value} provided for {field}") and choices in last
    assert list(tmp_path.iterdir()) == []


def test_a_rule_between_answers_is_one_line_on_the_command_line_too(tmp_path):
    """A row of NEEDS (worker=procrastinate needs database=postgres; the replay
    file is the catalogue's row) refused like any answer given with --no-input:
    one line naming the option, its answer and the rule, nothing written."""
    out = tmp_path / "out"
    args = ["--no-input", str(TEMPLATE), "worker=procrastinate", "app_type=web"]
    result = run_cookiecutter(*args, output_dir=out, cwd=tmp_path)
    rule = "needs database=postgres, not database=none"
    assert only_line(result) == f"error: worker='procrastinate': {rule}"
    assert not out.exists()  # (what the row allows: tests/test_hooks.py)
