"""The covering design the fast tests bake (tests/design.py): how the options are
classified, recomputed from the template's files; that the design covers what it
promises, computed from cookiecutter.json and the pre-generation hook's rules
between answers (every allowed combination it promises, no refused one), and
that the check says what a design without one of its rows misses; what a new
option costs. With ``--all-combinations``: every file of the full product is a
file of the design but for the text-only values."""

import difflib
import functools
import itertools
import json

import pytest

import conftest
import design
from conftest import (
    COMBINATIONS,
    DESIGN,
    FULL_PRODUCT,
    OPTIONS,
    TEMPLATE,
    combination_id,
    load_hook,
)
from helpers import project_files

PRE = load_hook("pre_gen_project")

# What docs/tests.md says the template's files make of its options.
DOCUMENTED_TEXT_ONLY = ["python_version", "license"]


@pytest.fixture(scope="module")
def classification():
    return design.classify()


@functools.cache
def allowed_projects():
    """Every combination of the choice options the pre-generation hook accepts:
    its own check of the rules between answers, not the design's reading of them."""
    choices = design.choice_options(OPTIONS)
    found = []
    for values in itertools.product(*choices.values()):
        answers = dict(zip(choices, values, strict=True))
        try:
            PRE.check_needs(answers)
        except PRE.InvalidAnswer:
            continue
        found.append(answers)
    return found


def required_strength(structural):
    """What the design must cover: every allowed combination of the structural
    options when they fit the budget, else every 3 of them."""
    shapes = {tuple(answers[name] for name in structural) for answers in allowed_projects()}
    if len(shapes) <= design.BUDGET:
        return len(structural)
    return design.MIN_STRENGTH


def unpaired(rows, choices, text_only):
    """Each (text-only value, value of another option) no row has together."""
    return [
        f"{name}={value} with {other}={choice}"
        for name in text_only
        for value in choices[name]
        for other, values in choices.items()
        if other != name
        for choice in values
        if not any(row[name] == value and row[other] == choice for row in rows)
    ]


# --- The classification -----------------------------------------------------------


def test_the_template_files_make_python_version_and_license_text_only(classification):
    """The verdicts, recomputed from the files now, are the ones the docs state; each
    structural option has a statement, a name or a file-table row that makes it so,
    and a text-only one is only substituted or selects text on its own."""
    choices = design.choice_options(OPTIONS)
    assert classification.text_only == DOCUMENTED_TEXT_ONLY
    assert classification.structural == [
        name for name in choices if name not in DOCUMENTED_TEXT_ONLY
    ]
    for option in classification.structural:
        reasons = classification.reasons(option)
        assert reasons, option
        for use in reasons:
            where = use.where.rsplit(":", 1)[0]
            tables = ("OPTION_FILES[", "VARIANT_FILES[", "NEEDS[")
            assert where.startswith(tables) or (TEMPLATE / where).exists(), use
    for option in classification.text_only:
        uses = classification.uses[option]
        assert uses, f"{option} is never used by the template"
        assert all(design.is_textual(use, option) for use in uses), uses
    # license selects text (LICENSE, pyproject.toml); python_version is substituted.
    selects = {
        use.where.split(":")[0].rsplit("/", 1)[-1]
        for use in classification.uses["license"]
        if use.kind == "selection"
    }
    assert selects == {"LICENSE", "pyproject.toml"}
    assert {use.kind for use in classification.uses["python_version"]} == {"substitution"}


def small_template(tmp_path, files):
    """A template with choice options a (x, y, z) and b (yes/no) and ``files``."""
    root = tmp_path / "template"
    (root / "{{cookiecutter.project_slug}}").mkdir(parents=True)
    options = {"project_slug": "p", "a": ["x", "y", "z"], "b": False}
    (root / "cookiecutter.json").write_text(json.dumps(options), encoding="utf-8")
    for relative, text in files.items():
        path = root / "{{cookiecutter.project_slug}}" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root, options


@pytest.mark.parametrize(
    ("files", "option_files", "text_only"),
    [
        ({"f": "{{ cookiecutter.a }} {{ cookiecutter.b }}"}, {}, ["a", "b"]),
        ({"f": "{{ cookiecutter | tojson }}"}, {}, ["a", "b"]),
        ({"f": '{% if cookiecutter.a == "x" %}X{% elif cookiecutter.a == "y" %}Y{% endif %}'}, {}, ["a", "b"]),
        ({"f": '{{ "X" if cookiecutter.a == "x" else "Y" }}'}, {}, ["a", "b"]),
        ({"f": '{% if cookiecutter.a == "x" and cookiecutter.b %}X{% endif %}'}, {}, []),
        ({"f": '{% if cookiecutter.b %}{% if cookiecutter.a == "x" %}X{% endif %}{% endif %}'}, {}, []),
        ({"f": '{% if cookiecutter.a == "x" %}{{ cookiecutter.b }}{% endif %}'}, {}, ["b"]),
        ({"f": '{% set on = cookiecutter.b %}{% if on %}{% if cookiecutter.a == "x" %}X{% endif %}{% endif %}'}, {}, []),
        ({"f": '{% set x = cookiecutter.a == "x" %}{% if x %}X{% endif %}'}, {}, ["a", "b"]),
        ({"f": '{% if cookiecutter.a == "x" %}{% set v = 1 %}{% endif %}{% if v and cookiecutter.b %}{% endif %}'}, {}, []),
        ({"f": "{% for c in cookiecutter.a %}{{ c }}{% endfor %}"}, {}, ["b"]),
        ({"{{cookiecutter.a}}.txt": "", "f": "{{ cookiecutter.b }}"}, {}, ["b"]),
        ({"f": "{{ cookiecutter.a }}"}, {"f": ("b", {True})}, ["a"]),
    ],
    ids=[
        "substituted", "whole context", "selection alone", "inline selection",
        "condition on two", "nested in another branch", "branch names another",
        "through a set name", "set name alone", "set in a branch", "for loop", "file name", "file table",
    ],
)  # fmt: skip
def test_the_classifier_on_small_templates(tmp_path, files, option_files, text_only):
    root, options = small_template(tmp_path, files)
    result = design.classify(root, options, option_files, variant_files={})
    assert result.text_only == text_only
    assert result.structural == [name for name in ("a", "b") if name not in text_only]


# --- The design and what it covers ------------------------------------------------


def test_the_design_is_computed_from_cookiecutter_json_and_deterministic(classification):
    again = design.covering_design(OPTIONS, classification)
    assert again == design.covering_design(OPTIONS) == DESIGN
    assert DESIGN.rows[0] == {
        name: values[0] for name, values in design.choice_options(OPTIONS).items()
    }
    assert len({combination_id(row) for row in DESIGN.rows}) == len(DESIGN.rows)
    assert all(list(row) == list(design.choice_options(OPTIONS)) for row in DESIGN.rows)
    if len(COMBINATIONS) != len(FULL_PRODUCT):  # not --all-combinations
        assert COMBINATIONS == DESIGN.rows


def test_the_design_covers_every_required_combination_and_every_text_value(classification):
    choices = design.choice_options(OPTIONS)
    structural = {name: choices[name] for name in classification.structural}
    text_only = {name: choices[name] for name in classification.text_only}
    strength = required_strength(structural)
    assert len(DESIGN.rows) <= design.BUDGET < len(FULL_PRODUCT)
    assert DESIGN.strength >= strength
    assert design.missing(DESIGN.rows, structural, text_only, strength, DESIGN.forbidden) == []
    # Spread: every text-only value meets every value of every other option.
    assert unpaired(DESIGN.rows, choices, text_only) == []


def test_every_allowed_combination_of_t_structural_answers_is_baked_and_no_refused_one():
    """Computed apart from the design's reading of the rules: the projects the
    pre-generation hook accepts (allowed_projects) give the combinations of every
    t structural answers that exist; each is in some row, no row has another,
    and the hook accepts every row. worker=procrastinate needs database=postgres:
    never baked with database=none, and baked with everything else."""
    projects = allowed_projects()
    assert len(projects) == len(FULL_PRODUCT) < DESIGN.full_product
    strength = required_strength(DESIGN.structural)
    for columns in itertools.combinations(DESIGN.structural, strength):
        wanted = {tuple(answers[c] for c in columns) for answers in projects}
        baked = {tuple(row[c] for c in columns) for row in DESIGN.rows}
        assert wanted == baked, (columns, sorted(wanted ^ baked, key=str)[:5])
    for row in DESIGN.rows:
        PRE.check_needs(row)
    pairs = {(row["worker"], row["database"]) for row in DESIGN.rows}
    assert pairs == {("none", "none"), ("none", "postgres"), ("procrastinate", "postgres")}


def test_the_check_reports_a_refused_row_and_asks_for_no_refused_combination():
    """A row holding worker=procrastinate with database=none is reported. Without
    the rule, the design misses exactly combinations the rule refuses."""
    refused = {**DESIGN.rows[0], "worker": "procrastinate", "database": "none"}
    problems = design.missing(
        [*DESIGN.rows, refused],
        DESIGN.structural,
        DESIGN.text_only,
        DESIGN.strength,
        DESIGN.forbidden,
    )
    assert problems == [
        f"row {len(DESIGN.rows)}: worker=procrastinate with database=none is refused"
    ]
    unruled = design.missing(DESIGN.rows, DESIGN.structural, DESIGN.text_only, DESIGN.strength)
    assert unruled
    for problem in unruled:
        assert "database=none" in problem and "worker=procrastinate" in problem, problem


def test_the_check_reports_what_a_design_without_a_row_misses():
    """Without any one row, the check names what only that row baked: some
    combinations of ``strength`` structural answers (all of them, when the design
    is the full product), or a text-only value."""
    rows = DESIGN.rows
    for number, row in enumerate(rows):
        rest = rows[:number] + rows[number + 1 :]
        problems = design.missing(
            rest, DESIGN.structural, DESIGN.text_only, DESIGN.strength, DESIGN.forbidden
        )
        assert problems, f"row {number} bakes nothing the others do not"
        for problem in problems:
            words = problem.removesuffix(" never baked together").removesuffix(" never baked")
            named = dict(item.split("=") for item in words.split(", "))
            assert all(str(row[name]) == value for name, value in named.items()), problem
            together = problem.endswith(" together")
            assert len(named) == (DESIGN.strength if together else 1), problem
    mit_only = [{**row, "license": "MIT"} for row in rows]
    assert design.missing(
        mit_only, DESIGN.structural, DESIGN.text_only, DESIGN.strength, DESIGN.forbidden
    ) == [
        "license=BSD-3-Clause never baked",
        "license=Apache-2.0 never baked",
        "license=Proprietary never baked",
    ]
    bad = [{**rows[0], "app_type": "gui"}, *rows[1:]]
    problems = design.missing(bad, DESIGN.structural, DESIGN.text_only, DESIGN.strength)
    assert problems[0] == "row 0: app_type='gui' is not a choice"


def test_a_new_text_only_option_adds_no_bakes():
    options = {**OPTIONS, "new_words": ["a", "b", "c", "d", "e", "f", "g"]}
    grown = design.covering_design(options)  # named by no file: text-only
    assert grown.text_only == {**DESIGN.text_only, "new_words": options["new_words"]}
    assert len(grown.rows) == len(DESIGN.rows)
    assert (
        design.missing(
            grown.rows, grown.structural, grown.text_only, grown.strength, grown.forbidden
        )
        == []
    )


def with_structural(options, names):
    classification = design.classify(options=options)
    classification.structural += [name for name in names if name not in classification.structural]
    classification.text_only = [n for n in classification.text_only if n not in names]
    return classification


@functools.cache
def design_with_new_flags(new):
    """The design once ``new`` yes/no options the files branch on are added."""
    names = [f"flag_{i}" for i in range(new)]
    options = {**OPTIONS, **dict.fromkeys(names, False)}
    return design.covering_design(options, with_structural(options, names))


@pytest.mark.parametrize("new", range(1, 5))
def test_a_new_structural_yes_no_option_at_most_doubles_the_structural_part(new):
    """Up to four new yes/no options the files branch on: each at most doubles the
    rows, which stay within the budget and cover every 3 structural options."""
    before, after = design_with_new_flags(new - 1), design_with_new_flags(new)
    assert len(after.rows) <= 2 * len(before.rows)
    assert len(after.rows) <= design.BUDGET
    assert after.strength >= design.MIN_STRENGTH
    assert (
        design.missing(
            after.rows, after.structural, after.text_only, after.strength, after.forbidden
        )
        == []
    )


def test_a_covering_array_of_strength_3_for_many_options():
    domains = [[False, True]] * 12 + [["a", "b", "c"]]
    rows = design.covering_array(domains, 3)
    assert len(rows) < 40
    structural = {f"o{i}": values for i, values in enumerate(domains)}
    answers = [{f"o{i}": domains[i][v] for i, v in enumerate(row)} for row in rows]
    assert design.missing(answers, structural, {}, 3) == []
    for number in range(1, len(answers)):  # no row is redundant but the first, always kept
        assert design.missing(answers[:number] + answers[number + 1 :], structural, {}, 3)


# --- With --all-combinations: the design's files are the full product's -------------


@functools.cache
def text_change(old, new):
    """How ``new`` differs from ``old``: the replaced runs of tokens, in order,
    without their positions."""
    a, b = design.tokens(old), design.tokens(new)
    opcodes = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    return tuple(
        ("".join(a[i1:i2]), "".join(b[j1:j2])) for tag, i1, i2, j1, j2 in opcodes if tag != "equal"
    )


def test_a_text_change_is_the_same_only_when_nothing_else_changed():
    at_one_structure = text_change(
        "FROM python:3.13\nRUN uv sync\n", "FROM python:3.11\nRUN uv sync\n"
    )
    at_another = text_change(
        "FROM python:3.13\nRUN pip install\n", "FROM python:3.11\nRUN pip install\n"
    )
    assert at_one_structure == at_another == (("13", "11"),)
    more = text_change("FROM python:3.13\nRUN pip install\n", "FROM python:3.11\nRUN pip check\n")
    assert more != at_one_structure


@functools.cache
def files_of(path):
    return {name: content.decode("utf-8") for name, content in project_files(path).items()}


PACKAGE = "my_cool_project"
# The recorded answers name every option: no design row but its own has them.
RECORDS_EVERY_ANSWER = {".cookiecutter.json"}


@functools.cache
def structure_of(name):
    """The structural options the generated file ``name`` depends on: the ones its
    template source (each variant of it) names, its variant's option, and the
    options of the file table's rows for it and the directories it is in."""
    hook = (
        design._hook_table(TEMPLATE, "OPTION_FILES"),
        design._hook_table(TEMPLATE, "VARIANT_FILES"),
    )
    option_files, variant_files = hook
    pattern = name.replace(f"src/{PACKAGE}/", "src/{package_name}/")
    found = set()
    sources = {pattern.replace("{package_name}", "{{cookiecutter.package_name}}")}
    if pattern in variant_files:
        found.add(variant_files[pattern])
        path = TEMPLATE / "{{cookiecutter.project_slug}}" / next(iter(sources))
        sources = {
            variant.relative_to(TEMPLATE / "{{cookiecutter.project_slug}}").as_posix()
            for variant in path.parent.glob(f"{path.stem}@*{path.suffix}")
        }
    wheres = {f"{{{{cookiecutter.project_slug}}}}/{source}" for source in sources}
    for option, uses in classification_now().uses.items():
        if any(use.where.rsplit(":", 1)[0] in wheres for use in uses):
            found.add(option)
    for other, (option, _keep) in option_files.items():
        if other == pattern or pattern.startswith(f"{other}/"):
            found.add(option)
    return frozenset(found & set(DESIGN.structural))


@functools.cache
def classification_now():
    return design.classify()


def test_every_file_of_the_full_product_is_a_design_file_but_for_the_text_only_values(request):
    """For each bake B of the full product and each file F it has or lacks, the
    design rows that agree with B on the structural options F depends on
    (structure_of) have F exactly when B has it, and F is their file with exactly
    the change that B's text-only answers make at one fixed structure (the
    text-only options change text the same way whatever the structure). The
    design (strength t) has such a row for every F that depends on at most t
    structural options; for a file that depends on more, it may have none, and
    the report counts those."""
    if not request.config.getoption("--all-combinations"):
        pytest.skip("the full product is baked with --all-combinations only")
    all_projects = request.getfixturevalue("all_projects")
    structural, text_only = list(DESIGN.structural), list(DESIGN.text_only)

    def key(answers):
        return tuple(answers[n] for n in structural), tuple(answers[n] for n in text_only)

    bakes = {key(answers): all_projects[combination_id(answers)] for answers in FULL_PRODUCT}
    names = {name for path in bakes.values() for name in files_of(path)} - RECORDS_EVERY_ANSWER
    # For each file, the first bake of the full product that has it fixes the reference structure.
    reference = {}
    for answers in FULL_PRODUCT:
        for name in files_of(bakes[key(answers)]):
            reference.setdefault(name, key(answers)[0])
    compared, beyond, outside = 0, set(), set()
    for answers in FULL_PRODUCT:
        shape, words = key(answers)
        bake = files_of(bakes[shape, words])
        for name in sorted(names):
            depends = structure_of(name)
            rows = [row for row in DESIGN.rows if all(row[o] == answers[o] for o in depends)]
            if not rows:
                assert len(depends) > DESIGN.strength, (
                    name,
                    sorted(depends),
                    combination_id(answers),
                )
                beyond.add(name)
                if name in bake:
                    outside.add((name, bake[name]))
                continue
            row = rows[0]
            design_bake = files_of(bakes[key(row)])
            assert (name in bake) == (name in design_bake), (name, combination_id(answers))
            if name not in bake:
                continue
            ref_bake = files_of(bakes[reference[name], words])[name]
            ref_design = files_of(bakes[reference[name], key(row)[1]])[name]
            assert text_change(design_bake[name], bake[name]) == text_change(
                ref_design, ref_bake
            ), (
                f"{name} of {combination_id(answers)} differs from the design's "
                f"{combination_id(row)} by more than its text-only answers"
            )
            compared += 1
    every = {item for path in bakes.values() for item in files_of(path).items()}
    ours = {item for row in DESIGN.rows for item in files_of(bakes[key(row)]).items()}
    conftest.REPORT.append(
        f"design vs full product: {compared} files of {len(FULL_PRODUCT)} bakes compared; "
        f"{len(every)} distinct files in the full product, {len(ours)} in the design's "
        f"{len(DESIGN.rows)} bakes; files depending on more than {DESIGN.strength} structural "
        f"options: {sorted(beyond)}, {len(outside)} of their versions in no design row's shape"
    )
