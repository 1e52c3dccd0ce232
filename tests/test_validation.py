"""Bad input is refused by the cookiecutter command line: one line naming the
field, the value and the rule, a non-zero exit, and nothing left behind."""

import pytest

from conftest import TEMPLATE, replay_file, run_cookiecutter

# (answers, the exact line the user must see on stderr)
REFUSED = [
    ({"project_slug": "My-Project"}, "error: project_slug='My-Project': must be lowercase letters"),
    ({"project_slug": "1st-project"}, "error: project_slug='1st-project': must be lowercase"),
    ({"project_slug": "a--b"}, "error: project_slug='a--b': must be lowercase"),
    (
        {"project_slug": "x" * 65},
        f"error: project_slug='{'x' * 65}': must be at most 64 characters",
    ),
    (
        {"project_slug": "../evil"},
        "error: project_slug='../evil': must not contain '/', '\\' or '..'",
    ),
    ({"project_slug": "class"}, "error: project_slug='class': must not be a Python keyword"),
    ({"project_slug": "json"}, "error: project_slug='json': must not shadow a standard-library"),
    ({"project_slug": "tests"}, "error: project_slug='tests': is reserved"),
    ({"project_slug": "pytest"}, "error: project_slug='pytest': is reserved"),
    ({"project_name": "Conftest"}, "error: project_slug='conftest': is reserved"),
    ({"package_name": "my-pkg"}, "error: package_name='my-pkg': must be lowercase letters"),
    ({"package_name": "import"}, "error: package_name='import': must not be a Python keyword"),
    (
        {"package_name": "asyncio"},
        "error: package_name='asyncio': must not shadow a standard-library",
    ),
    ({"package_name": "setup"}, "error: package_name='setup': is reserved"),
    ({"package_name": "src"}, "error: package_name='src': is reserved"),
    ({"project_name": "Tab\there"}, "error: project_name='Tab\\there': must not contain control"),
    ({"description": "two\nlines"}, "error: description='two\\nlines': must not contain control"),
    ({"author_name": ""}, "error: author_name='': must not be empty"),
    ({"author_email": "not-an-email"}, "error: author_email='not-an-email': must look like"),
    ({"author_email": "a b@example.com"}, "error: author_email='a b@example.com': must look like"),
    ({"version": "1.0-beta"}, "error: version='1.0-beta': must be a PEP 440 version"),
    ({"version": "v1"}, "error: version='v1': must be a PEP 440 version"),
]


@pytest.mark.parametrize(("answers", "message"), REFUSED, ids=[repr(a) for a, _ in REFUSED])
def test_bad_answer_is_refused_with_one_line_and_no_directory(tmp_path, answers, message):
    result = run_cookiecutter(
        "--no-input",
        str(TEMPLATE),
        *(f"{key}={value}" for key, value in answers.items()),
        output_dir=tmp_path,
    )
    assert result.returncode != 0
    ours = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(ours) == 1, result.stderr
    assert ours[0].startswith(message), result.stderr
    assert list(tmp_path.iterdir()) == []


# Answers cookiecutter would not check or would render before the hooks run.
REFUSED_IN_REPLAY = [
    (
        {"python_version": "3.9"},
        "error: python_version='3.9': must be one of 3.11, 3.12, 3.13, 3.14",
    ),
    ({"package_manager": "poetry"}, "error: package_manager='poetry': must be one of uv, pip"),
    ({"author_name": "{{ 7 * 7 }}"}, "error: author_name='{{ 7 * 7 }}': must not contain '{{'"),
    ({"description": "a {% if %}"}, "error: description='a {% if %}': must not contain '{%'"),
    ({"project_name": "x {# y"}, "error: project_name='x {# y': must not contain '{#'"),
]


@pytest.mark.parametrize(
    ("answers", "message"), REFUSED_IN_REPLAY, ids=[repr(a) for a, _ in REFUSED_IN_REPLAY]
)
def test_bad_answer_in_a_replay_file_is_refused(tmp_path, answers, message):
    out = tmp_path / "out"
    out.mkdir()
    result = run_cookiecutter(
        f"--replay-file={replay_file(tmp_path, **answers)}", str(TEMPLATE), output_dir=out
    )
    assert result.returncode != 0
    assert message in result.stderr.splitlines()[0], result.stderr
    assert list(out.iterdir()) == []


def test_existing_non_empty_target_is_refused_and_left_untouched(tmp_path):
    target = tmp_path / "my-cool-project"
    target.mkdir()
    (target / "notes.txt").write_text("mine\n", encoding="utf-8")
    for overwrite in ([], ["--overwrite-if-exists"]):
        result = run_cookiecutter("--no-input", *overwrite, str(TEMPLATE), output_dir=tmp_path)
        assert result.returncode != 0
        assert [p.name for p in target.iterdir()] == ["notes.txt"]
        assert (target / "notes.txt").read_text(encoding="utf-8") == "mine\n"
    assert "target directory" in result.stderr and "is not empty" in result.stderr


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


def test_slug_with_a_slash_is_refused_before_any_file_is_written(tmp_path):
    """Cookiecutter makes the target directory, parents included, before any hook
    can run, and removes only the target on failure: `a/` stays, empty."""
    result = run_cookiecutter("--no-input", str(TEMPLATE), "project_slug=a/b", output_dir=tmp_path)
    assert result.returncode != 0
    assert "error: project_slug='a/b': must not contain '/', '\\' or '..'" in result.stderr
    assert [path for path in tmp_path.rglob("*") if not path.is_dir()] == []
