"""Unit tests of the hooks' functions and the template's Jinja filters."""

import json
import re
import tomllib

import pytest
import yaml
from jinja2 import Environment

from conftest import AWKWARD, DEFAULT_ANSWERS, OPTIONS, TEMPLATE, bake_ok, load_hook
from local_extensions import (
    PROJECT_DIRECTORY,
    AnswersExtension,
    compose_string,
    template_options,
    toml_string,
)

pre = load_hook("pre_gen_project")
post = load_hook("post_gen_project")
# What the hook is given: cookiecutter.json's options as [name, definition] pairs.
OPTIONS_JSON = json.dumps(template_options())
ANSWER_FIELDS = [key for key in OPTIONS if not key.startswith("_")]


def one_of(option):
    """The rule of a choice, its choices in cookiecutter.json's order."""
    return f"must be one of {', '.join(OPTIONS[option])}"


def test_default_answers_pass():
    pre.check_answers(DEFAULT_ANSWERS, OPTIONS)


@pytest.mark.parametrize(
    ("field", "value", "rule"),
    [
        ("project_name", "nul\x00byte", "must not contain control characters"),
        ("description", "bell\x07", "must not contain control characters"),
        (
            "description",
            "line\u2028separator",
            "must not contain control characters or line breaks",
        ),
        ("author_name", "a }} b", "must not contain '}}'"),
        ("author_name", "a %} b", "must not contain '%}'"),
        ("project_slug", "", "must not be empty"),
        ("project_slug", "sys", "must not shadow a standard-library module"),
        (
            "project_slug",
            "my_project",
            "must be lowercase letters and digits in words joined by '-'",
        ),
        ("project_slug", "a..b", "must not contain '/', '\\' or '..'"),
        ("project_slug", "trailing-", "must be lowercase"),
        ("package_name", "a\\b", "must not contain '/', '\\' or '..'"),
        ("package_name", "_private", "must be lowercase letters and digits in words joined by '_'"),
        ("package_name", "x" * 65, "must be at most 64 characters"),
        ("package_name", "none", None),
        ("package_name", "uv", "is reserved"),
        ("author_email", "@example.com", "must look like name@example.com"),
        ("author_email", "me@localhost", "must look like name@example.com"),
        ("author_email", "", None),
        ("version", "", "must not be empty"),
        ("version", "1.0.0.dev1", None),
        ("version", "2!1.0rc1.post2", None),
        ("version", "1.0.0 ", "must be a PEP 440 version"),
        ("python_version", "3.10", one_of("python_version")),
        ("package_manager", "conda", one_of("package_manager")),
        ("app_type", "gui", one_of("app_type")),
        ("license", "GPL-3.0", one_of("license")),
        ("license", "mit", one_of("license")),
        ("use_devcontainer", "yes", "must be true or false"),
        ("use_github_actions", None, "must be true or false"),
        ("port", "80", "must be a whole number from 1024 to 65535"),
        ("port", "65536", "must be a whole number from 1024 to 65535"),
        ("port", "8_000", "must be a whole number from 1024 to 65535"),
        ("port", "８０００", "must be a whole number from 1024 to 65535"),
        ("port", 8000, "must be a whole number from 1024 to 65535"),
        ("port", "1024", None),
        ("port", "65535", None),
        ("project_name", 42, "must be text"),
        ("project_slug", ["a"], "must be text"),
        ("description", None, "must be text"),
        ("author_email", False, "must be text"),
        ("version", 1.0, "must be text"),
    ],
)
def test_check_answers_rule(field, value, rule):
    answers = {**DEFAULT_ANSWERS, field: value}
    if rule is None:
        pre.check_answers(answers, OPTIONS)
        return
    with pytest.raises(pre.InvalidAnswer) as error:
        pre.check_answers(answers, OPTIONS)
    assert str(error.value).startswith(f"{field}={value!r}: {rule}")


@pytest.mark.parametrize("field", ANSWER_FIELDS)
def test_a_missing_answer_is_refused(field):
    answers = {key: value for key, value in DEFAULT_ANSWERS.items() if key != field}
    with pytest.raises(pre.InvalidAnswer, match=rf"^{field}=None: is missing"):
        pre.check_answers(answers, OPTIONS)


def test_the_hook_is_given_cookiecutter_json_in_its_order():
    pairs = json.loads(OPTIONS_JSON)
    assert [name for name, _ in pairs] == ANSWER_FIELDS
    assert dict(pairs) == {key: OPTIONS[key] for key in ANSWER_FIELDS}


def test_the_choices_come_from_cookiecutter_json_only():
    """A choice added to cookiecutter.json is accepted with no change to the hook,
    and a yes/no question is one because its default is true or false."""
    options = {**OPTIONS, "license": [*OPTIONS["license"], "MPL-2.0"], "use_extra": False}
    answers = {**DEFAULT_ANSWERS, "license": "MPL-2.0", "use_extra": True}
    pre.check_answers(answers, options)
    with pytest.raises(pre.InvalidAnswer, match=r"^license='MPL-2.0': must be one of MIT, "):
        pre.check_answers(answers, OPTIONS)
    with pytest.raises(pre.InvalidAnswer, match=r"^use_extra='y': must be true or false"):
        pre.check_answers({**answers, "use_extra": "y"}, options)


@pytest.mark.parametrize(
    ("answers", "reported"),
    [
        ({"project_name": ""}, "project_name=''"),  # not the empty slug made from it
        ({"project_name": "", "project_slug": "", "package_name": ""}, "project_name=''"),
        ({"project_slug": "Bad", "description": "two\nlines"}, "description='two\\nlines'"),
        ({"package_name": "1x", "version": "v1"}, "version='v1'"),
        ({"project_slug": "Bad", "package_name": "Bad"}, "project_slug='Bad'"),
    ],
)
def test_the_answers_typed_are_checked_before_the_derived_ones(answers, reported):
    with pytest.raises(pre.InvalidAnswer) as error:
        pre.check_answers({**DEFAULT_ANSWERS, **answers}, OPTIONS)
    assert str(error.value).startswith(f"{reported}: ")


# A rule between answers, made up for the test: NEEDS rows have this shape.
MADE_UP_NEEDS = [("app_type", "web", "database", ("postgres",))]


def test_a_rule_between_answers_is_a_table_row():
    answers = {**DEFAULT_ANSWERS, "app_type": "web", "database": "none"}
    pre.check_answers(answers, OPTIONS)  # no such rule in the template
    with pytest.raises(pre.InvalidAnswer) as error:
        pre.check_answers(answers, OPTIONS, MADE_UP_NEEDS)
    assert str(error.value) == "app_type='web': needs database=postgres, not database=none"
    pre.check_answers({**answers, "database": "postgres"}, OPTIONS, MADE_UP_NEEDS)
    pre.check_answers({**answers, "app_type": "cli"}, OPTIONS, MADE_UP_NEEDS)


def test_each_answer_is_checked_before_the_rules_between_answers():
    answers = {**DEFAULT_ANSWERS, "app_type": "web", "database": "none", "port": "80"}
    with pytest.raises(pre.InvalidAnswer, match=r"^port='80': "):
        pre.check_answers(answers, OPTIONS, MADE_UP_NEEDS)


def test_the_template_rules_between_answers_name_real_options_and_answers():
    for option, answer, needed, works_with in pre.NEEDS:
        assert answer in choices(option) and set(works_with) <= set(choices(needed))


def test_the_worker_needs_postgres_and_nothing_else():
    worker = {**DEFAULT_ANSWERS, "worker": "procrastinate"}
    with pytest.raises(pre.InvalidAnswer) as error:
        pre.check_answers(worker, OPTIONS)
    assert str(error.value) == (
        "worker='procrastinate': needs database=postgres, not database=none"
    )
    for app_type in choices("app_type"):
        pre.check_answers({**worker, "database": "postgres", "app_type": app_type}, OPTIONS)


def test_private_keys_are_not_answers():
    pre.check_answers({**DEFAULT_ANSWERS, "_template": "/path/{{with}}\ttab"}, OPTIONS)


def test_check_target_accepts_new_and_empty_and_refuses_the_rest(tmp_path):
    pre.check_target(tmp_path)
    pre.check_target(tmp_path / "new")
    (tmp_path / ".keep").touch()
    with pytest.raises(pre.InvalidAnswer, match="exists and is not empty"):
        pre.check_target(tmp_path)
    with pytest.raises(pre.InvalidAnswer, match="exists and is not a directory"):
        pre.check_target(tmp_path / ".keep")


def test_the_answers_are_checked_when_the_project_directory_name_is_rendered(tmp_path, capsys):
    """local_extensions.AnswersExtension: the render of the project directory's name
    (cookiecutter's first with every answer, before it writes anything) checks
    them; no other source is touched, nor a context still being asked."""
    env = Environment(extensions=[AnswersExtension])
    render = env.from_string(PROJECT_DIRECTORY).render
    context = {**DEFAULT_ANSWERS, "_template": ".", "_output_dir": str(tmp_path)}
    assert render(cookiecutter=context) == "my-cool-project"
    with pytest.raises(SystemExit) as stop:
        render(cookiecutter={**context, "port": "80"})
    assert stop.value.code == 1
    assert capsys.readouterr() == (
        "",
        "error: port='80': must be a whole number from 1024 to 65535\n",
    )
    (tmp_path / "my-cool-project").mkdir()
    (tmp_path / "my-cool-project" / "mine.txt").touch()
    with pytest.raises(SystemExit):
        render(cookiecutter=context)
    assert "exists and is not empty" in capsys.readouterr().err
    asking = {"project_slug": "Bad"}  # no _template: cookiecutter is still asking
    assert render(cookiecutter=asking) == "Bad"
    other = env.from_string("{{ cookiecutter.project_slug }}/x")
    assert other.render(cookiecutter={**context, "port": "80"}) == "my-cool-project/x"


def test_the_template_directory_has_the_name_the_extension_looks_for():
    assert (TEMPLATE / PROJECT_DIRECTORY).is_dir()
    assert "local_extensions.AnswersExtension" in OPTIONS["_extensions"]


def test_pre_main_prints_one_line_and_returns_1(tmp_path, capsys):
    answers = json.dumps({**DEFAULT_ANSWERS, "project_slug": "Bad Slug"})
    assert pre.main(answers, OPTIONS_JSON, tmp_path) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: project_slug='Bad Slug': ")
    assert pre.main(json.dumps(DEFAULT_ANSWERS), OPTIONS_JSON, tmp_path) == 0


def test_remove_unused_follows_the_table(tmp_path):
    table = {
        "uv-only.txt": ("package_manager", {"uv"}),
        "pip-only.txt": ("package_manager", {"pip"}),
        "src/{package_name}/web.py": ("app_type", {"web"}),
        ".devcontainer": ("use_devcontainer", {True}),
    }
    (tmp_path / "src" / "pkg").mkdir(parents=True)
    (tmp_path / ".devcontainer").mkdir()
    for name in ("uv-only.txt", "pip-only.txt", "src/pkg/web.py", ".devcontainer/x.json"):
        (tmp_path / name).touch()
    answers = {
        "package_name": "pkg",
        "package_manager": "uv",
        "app_type": "cli",
        "use_devcontainer": False,
    }
    (tmp_path / "src" / "pkg" / "cli.py").touch()
    removed = post.remove_unused(tmp_path, answers, table)
    assert removed == ["pip-only.txt", "src/pkg/web.py", ".devcontainer"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["src", "uv-only.txt"]
    assert [p.name for p in (tmp_path / "src").rglob("*.py")] == ["cli.py"]


def test_remove_unused_removes_a_directory_it_empties(tmp_path):
    """deploy/ holds the Caddyfile alone: a cli project has no deploy/ at all."""
    table = {"deploy": ("deploy", {"compose"}), "deploy/Caddyfile": ("app_type", {"web"})}
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "Caddyfile").touch()
    answers = {"package_name": "pkg", "deploy": "compose", "app_type": "cli"}
    assert post.remove_unused(tmp_path, answers, table) == ["deploy/Caddyfile"]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("app_type", "database", "kept"),
    [
        ("web", "postgres", {"web/__init__.py", "web/database.py", "db.py"}),
        ("web", "none", {"web/__init__.py"}),
        ("cli", "postgres", {"db.py"}),
        ("cli", "none", set()),
    ],
)
def test_a_path_in_a_directory_of_another_row_needs_both(tmp_path, app_type, database, kept):
    """The database's routes live in the web app's package: kept for web and postgres."""
    table = {
        "web": ("app_type", {"web"}),
        "web/database.py": ("database", {"postgres"}),
        "db.py": ("database", {"postgres"}),
    }
    (tmp_path / "web").mkdir()
    for name in ("web/__init__.py", "web/database.py", "db.py"):
        (tmp_path / name).touch()
    answers = {"package_name": "pkg", "app_type": app_type, "database": database}
    post.remove_unused(tmp_path, answers, table)
    found = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    assert found == kept
    assert {name for name in table if post.is_kept(name, answers, table)} == {
        name for name in table if any(k == name or k.startswith(f"{name}/") for k in kept)
    }


def choices(option):
    return OPTIONS[option] if isinstance(OPTIONS[option], list) else [True, False]


def test_option_table_names_real_template_files_and_options():
    variants = {pattern for pattern in post.VARIANT_FILES}
    for pattern, (option, keep_for) in post.OPTION_FILES.items():
        relative = pattern.format(package_name="{{cookiecutter.package_name}}")
        path = TEMPLATE / "{{cookiecutter.project_slug}}" / relative
        assert path.exists() or pattern in variants, relative
        assert keep_for <= set(choices(option)), relative


def test_variant_table_has_one_file_per_answer_and_no_stray_variant():
    """Every answer of a row's option has its file, none is under the plain name,
    and every `@` file in the template is one of them."""
    project = TEMPLATE / "{{cookiecutter.project_slug}}"
    expected = set()
    for pattern, option in post.VARIANT_FILES.items():
        relative = pattern.format(package_name="{{cookiecutter.package_name}}")
        assert not (project / relative).exists(), f"{relative}: a plain file beside its variants"
        expected |= {post.variant_name(relative, {option: v}, option) for v in choices(option)}
    found = {path.relative_to(project).as_posix() for path in project.rglob("*@*")}
    assert found == expected


def test_no_template_file_name_combines_two_options():
    """A variant is per one option: `Dockerfile@uv`, never `Makefile@web+postgres`.
    What a feature adds to a file every project has is a file of its own."""
    project = TEMPLATE / "{{cookiecutter.project_slug}}"
    answers = {str(v).lower() for option in post.VARIANT_FILES.values() for v in choices(option)}
    for path in project.rglob("*@*"):
        tag = path.name.split("@", 1)[1].removesuffix(path.suffix)
        assert tag in answers, f"{path.relative_to(project)}: {tag!r} is not one answer"
    assert not any("+" in path.name for path in project.rglob("*@*"))


def test_pick_variants_keeps_the_answer_under_the_plain_name(tmp_path):
    table = {"Dockerfile": "package_manager", "make/app.mk": "app_type"}
    (tmp_path / "make").mkdir()
    names = ["Dockerfile@uv", "Dockerfile@pip", "make/app@web.mk", "make/app@cli.mk"]
    for name in names:
        (tmp_path / name).write_text(name, encoding="utf-8")
    answers = {"package_name": "pkg", "package_manager": "pip", "app_type": "web"}
    assert post.pick_variants(tmp_path, answers, table) == ["Dockerfile@pip", "app@web.mk"]
    assert (tmp_path / "Dockerfile").read_text(encoding="utf-8") == "Dockerfile@pip"
    assert (tmp_path / "make/app.mk").read_text(encoding="utf-8") == "make/app@web.mk"
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["Dockerfile", "app.mk"]
    with pytest.raises(
        post.InvalidOutput, match=r"Dockerfile: the template has no variant Dockerfile@uv"
    ):
        post.pick_variants(tmp_path, {**answers, "package_manager": "uv"}, table)


@pytest.fixture
def good_project(cookies):
    return bake_ok(cookies)


@pytest.mark.parametrize(
    ("relative", "old", "new", "message"),
    [
        ("compose.yaml", "  test:", "  tests:", "compose.yaml: no 'test' service"),
        ("compose.yaml", "    - .:/src", "    - .:/app", "does not mount the project at /src"),
        ("compose.yaml", "x-dev: ", "version: '3'\nx-dev: ", "obsolete 'version:' key"),
        ("Dockerfile", "WORKDIR /src", "WORKDIR /app", "no 'WORKDIR /src' in the dev stage"),
        ("Dockerfile", "builder AS dev", "builder AS develop", "a last stage 'dev'"),
        ("Dockerfile", "base AS prod\n", "base AS production\n", "needs a 'prod' stage"),
        ("README.md", "# My Cool Project", "# {{ oops }}", "README.md: unrendered template marker"),
        ("Makefile", "help:", "{% if %}\nhelp:", "Makefile: unrendered template marker '{%'"),
        ("src/my_cool_project/cli.py", "import argparse", "import argparse(", "cli.py"),
        ("pyproject.toml", "[project]", "[project", "pyproject.toml: "),
    ],
)
def test_check_project_catches_broken_output(good_project, relative, old, new, message):
    post.check_project(good_project)
    path = good_project / relative
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(post.InvalidOutput, match=re.escape(message)):
        post.check_project(good_project)


def test_post_main_reports_and_returns_1(good_project, capsys):
    (good_project / "compose.yaml").write_text("services: [", encoding="utf-8")
    assert post.main(json.dumps(DEFAULT_ANSWERS), good_project) == 1
    assert capsys.readouterr().err.startswith("error: the generated project is broken: ")


def test_recorded_answers_keep_the_answers_and_the_template_source_only():
    context = {
        **DEFAULT_ANSWERS,
        "a_new_option": "any key without '_' is an answer",
        "_template": "gh:org/template",
        "_checkout": "v1.2",
        "_output_dir": "/home/me/projects",
        "_repo_dir": "/home/me/.cookiecutters/template",
        "_commit": "0123abc",
    }
    recorded = post.recorded_answers(context)["cookiecutter"]
    answers = {key for key in context if not key.startswith("_")}
    assert set(recorded) == answers | {"_template", "_checkout"}
    assert all(recorded[key] == context[key] for key in recorded)
    no_checkout = post.recorded_answers({**context, "_checkout": None})["cookiecutter"]
    assert "_checkout" not in no_checkout


def test_write_answers_is_a_sorted_replay_file(tmp_path):
    context = {"zeta": 'Zürich "quoted"', "alpha": "a", "_template": "/t", "_output_dir": "/o"}
    post.write_answers(tmp_path, context)
    content = (tmp_path / ".cookiecutter.json").read_bytes()
    assert content == (
        b'{\n  "cookiecutter": {\n    "_template": "/t",\n    "alpha": "a",\n'
        b'    "zeta": "Z\xc3\xbcrich \\"quoted\\""\n  }\n}\n'
    )
    assert json.loads(content) == {
        "cookiecutter": {"_template": "/t", "alpha": "a", "zeta": context["zeta"]}
    }


@pytest.mark.parametrize("value", [*AWKWARD, "nel\x85 ls\u2028 ps\u2029 tab\t nul\x00 del\x7f"])
def test_filters_round_trip(value):
    assert tomllib.loads(f"x = {toml_string(value)}")["x"] == value
    parsed = yaml.safe_load(f"x: {compose_string(value)}")["x"]
    assert parsed.replace("$$", "$") == value
