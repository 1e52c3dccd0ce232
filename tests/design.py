"""The combinations of options the fast tests bake: a covering design computed
from cookiecutter.json and the template's own files, and the check that proves
what it covers.

An option a user picks (a choice list or a yes/no question) is **structural**
when the template branches on it: it appears in a file or directory name, in
the post-generation hook's file table (``OPTION_FILES``), or in a control
statement of a template file (``{% if %}``, ``{% elif %}``, ``{% for %}``, an
inline ``x if … else y``, a ``{% set %}`` that such a statement reads) that
involves another choice option, or in a rule between answers (the
pre-generation hook's ``NEEDS``). It is **text-only** when it is only
substituted (``{{ cookiecutter.python_version }}``), or selects a piece of text
on its own: an ``{% if %}`` chain on that option alone, inside no other
option's branch, whose branches name no other choice option (``license``
picks the LICENSE text and pyproject.toml's license lines that way). A
text-only option changes the text of a file and never which files exist or
how their other parts read, so it needs each value once, not each combination.

A rule between answers forbids combinations: ``NEEDS`` row ("worker",
"procrastinate", "database", ("postgres",)) makes worker=procrastinate with
database=none one the hook refuses, which no row may hold. A combination of
values is **allowed** when some allowed project has it (a full combination that
breaks no rule).

The design (``covering_design``):

- every allowed combination of the structural options, when they are at most
  ``BUDGET`` (64) bakes; otherwise a covering array of the greatest strength
  t >= 3 that stays within it (t = 3 however large it gets): every t of the
  structural options take every allowed combination of their values in some
  row, and no row holds a forbidden one;
- every value of every text-only option at least once, spread over those rows
  (each row takes the value that pairs with the most value combinations not
  yet seen, the least used on a tie): a new text-only option adds no bakes.

Standard library and Jinja only; deterministic (the same files give the same
rows, in the same order; the first row is the defaults).
"""

import itertools
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from math import prod
from pathlib import Path

import jinja2
from jinja2 import nodes

BUDGET = 64  # bakes
MIN_STRENGTH = 3
CONTEXT = "cookiecutter"
TEMPLATE = Path(__file__).resolve().parents[1]


def choice_options(options):
    """{name: values} of the options a user picks from, in cookiecutter.json's order:
    a choice list (its first value the default) or a yes/no question (the default
    first)."""
    return {
        key: (value if isinstance(value, list) else [value, not value])
        for key, value in options.items()
        if not key.startswith("_") and isinstance(value, list | bool)
    }


# --- Which options are structural: read from the template's files --------------


@dataclass
class Use:
    """Where a template names an option, and how."""

    where: str  # "path:line" or a path
    kind: str  # "name", "file table", "substitution", "selection", "control"
    options: frozenset = frozenset()  # the choice options the statement depends on


@dataclass
class Classification:
    """{option: its uses} and the verdict for each choice option."""

    uses: dict = field(default_factory=dict)  # option -> [Use]
    structural: list = field(default_factory=list)
    text_only: list = field(default_factory=list)

    def reasons(self, option):
        """The uses that make ``option`` structural (none for a text-only one)."""
        return [use for use in self.uses.get(option, []) if not is_textual(use, option)]


def is_textual(use, option):
    """A substitution, or a selection on ``option`` alone."""
    return use.kind == "substitution" or (use.kind == "selection" and use.options <= {option})


class _Scanner:
    """Walks one parsed template, recording each option it names and how."""

    def __init__(self, where, choices):
        self.where = where
        self.choices = set(choices)
        self.aliases = {}  # {% set name = … %}: name -> the options its value depends on
        self.found = []  # (option, Use)

    # The options an expression depends on, through `cookiecutter.x`,
    # `cookiecutter["x"]`, the whole context, and names set from them.
    def refs(self, node):
        found = set()
        for item in [node, *node.find_all(nodes.Node)]:
            if isinstance(item, nodes.Getattr | nodes.Getitem):
                inner = item.node
                key = (
                    item.attr
                    if isinstance(item, nodes.Getattr)
                    else getattr(item.arg, "value", None)
                )
                if isinstance(inner, nodes.Name) and inner.name == CONTEXT and key in self.choices:
                    found.add(key)
            elif isinstance(item, nodes.Name):
                if item.name == CONTEXT and not self._is_key_access(node, item):
                    found |= self.choices  # the whole context, e.g. `cookiecutter | tojson`
                found |= self.aliases.get(item.name, set())
        return found

    @staticmethod
    def _is_key_access(root, name):
        """``name`` is the object of a `cookiecutter.x` or `cookiecutter["x"]` in ``root``."""
        return any(
            item.node is name
            for item in [root, *root.find_all(nodes.Getattr | nodes.Getitem)]
            if isinstance(item, nodes.Getattr | nodes.Getitem)
        )

    def record(self, options, kind, node, depends_on=None):
        use = Use(f"{self.where}:{node.lineno}", kind, frozenset(depends_on or options))
        self.found.extend((option, use) for option in sorted(options))

    def body_options(self, body):
        """Every choice option a list of nodes names, in any way (a dry scan)."""
        probe = _Scanner(self.where, self.choices)
        probe.aliases = dict(self.aliases)
        probe.walk(body, frozenset())
        return {option for option, _ in probe.found}

    def expression(self, node, enclosing):
        """An expression that is output (or assigned): substitutions, and the tests
        of inline ``x if … else y`` as selections."""
        conditionals = list(node.find_all(nodes.CondExpr))
        if isinstance(node, nodes.CondExpr):
            conditionals.insert(0, node)
        tested = set()
        for conditional in conditionals:
            test = self.refs(conditional.test)
            branches = self.refs(conditional.expr1) | (
                self.refs(conditional.expr2) if conditional.expr2 else set()
            )
            tested |= test
            if test:
                self.record(test, "selection", conditional, test | branches | enclosing)
        substituted = self.refs(node) - tested
        if substituted:
            self.record(substituted, "substitution", node)

    def walk(self, body, enclosing):
        for node in body:
            self.statement(node, enclosing)

    def statement(self, node, enclosing):
        if isinstance(node, nodes.Output):
            for child in node.nodes:
                if not isinstance(child, nodes.TemplateData):
                    self.expression(child, enclosing)
        elif isinstance(node, nodes.If):
            chain = [node, *node.elif_]
            tested = set().union(*(self.refs(branch.test) for branch in chain))
            bodies = [item for branch in chain for item in branch.body] + list(node.else_)
            inside = self.body_options(bodies) if tested else set()
            if tested:
                self.record(tested, "selection", node, tested | inside | enclosing)
            self.walk(bodies, enclosing | tested)
        elif isinstance(node, nodes.Assign):
            # The name carries its options (and those of the branch it is set in)
            # to where it is used; an inline `if` in the value is a selection.
            self.aliases[getattr(node.target, "name", "")] = self.refs(node.node) | enclosing
            if any(True for _ in node.node.find_all(nodes.CondExpr)) or isinstance(
                node.node, nodes.CondExpr
            ):
                self.expression(node.node, enclosing)
        elif isinstance(node, nodes.AssignBlock):
            name = getattr(node.target, "name", "")
            self.aliases[name] = self.body_options(node.body) | enclosing
            self.walk(node.body, enclosing)
        else:  # for, with, macro, call, filter, include, …: control flow
            names = set()
            for child in node.iter_child_nodes():
                if isinstance(child, nodes.Expr):
                    names |= self.refs(child)
            if names:
                self.record(names, "control", node)
            self.walk(
                [c for c in node.iter_child_nodes() if isinstance(c, nodes.Stmt)], enclosing | names
            )


def classify(template=TEMPLATE, options=None, option_files=None, variant_files=None, needs=None):
    """Classify cookiecutter.json's choice options by the template's own files:
    the project directory's files and names, ``option_files`` and
    ``variant_files`` (the post-generation hook's OPTION_FILES and VARIANT_FILES,
    read from the hook when not given) and ``needs`` (the pre-generation hook's
    NEEDS, likewise)."""
    if options is None:
        options = json.loads((Path(template) / "cookiecutter.json").read_text(encoding="utf-8"))
    choices = choice_options(options)
    if option_files is None:
        option_files = _hook_table(template, "OPTION_FILES")
    if variant_files is None:
        variant_files = _hook_table(template, "VARIANT_FILES")
    if needs is None:
        needs = _hook_table(template, "NEEDS", "pre_gen_project", default=[])
    uses = {option: [] for option in choices}
    environment = jinja2.Environment(keep_trailing_newline=True)
    (project,) = [p for p in Path(template).iterdir() if p.is_dir() and "{{" in p.name]
    for path in sorted([project, *project.rglob("*")]):
        relative = path.relative_to(template).as_posix()
        scanner = _Scanner(relative, choices)
        scanner.walk(environment.parse(path.name).body, frozenset())
        for option, use in scanner.found:
            uses[option].append(Use(relative, "name", use.options))
        if not path.is_file():
            continue
        try:
            source = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:  # copied as it is, never rendered
            continue
        scanner = _Scanner(relative, choices)
        scanner.walk(environment.parse(source, name=relative).body, frozenset())
        for option, use in scanner.found:
            uses[option].append(use)
    for pattern, (option, _keep_for) in option_files.items():
        uses[option].append(Use(f"OPTION_FILES[{pattern!r}]", "file table", frozenset({option})))
    # A file with a variant per answer of an option: the answer picks which file it is.
    for pattern, option in variant_files.items():
        uses[option].append(Use(f"VARIANT_FILES[{pattern!r}]", "file table", frozenset({option})))
    # A rule between answers: which combinations exist depends on both options.
    for option, answer, needed, _works_with in needs:
        use = Use(f"NEEDS[{option}={answer}]", "rule", frozenset({option, needed}))
        uses[option].append(use)
        uses[needed].append(use)
    result = Classification(uses=uses)
    for option in choices:
        textual = all(is_textual(use, option) for use in uses[option])
        (result.text_only if textual else result.structural).append(option)
    return result


def _hook_table(template, name, hook="post_gen_project", default=None):
    """A table of hooks/<hook>.py (``default``, else ``{}``, if it has none),
    without running the hook's main()."""
    import importlib.util

    default = {} if default is None else default
    path = Path(template) / "hooks" / f"{hook}.py"
    if not path.is_file():
        return default
    spec = importlib.util.spec_from_file_location(f"_{hook}_for_design", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name, default)


def forbidden_combinations(needs, choices):
    """The combinations the rules between answers refuse, as ``{option: value}``
    each: a NEEDS row (option, answer, needed, works_with) forbids option=answer
    with each other value of ``needed``."""
    return [
        {option: answer, needed: value}
        for option, answer, needed, works_with in needs
        for value in choices[needed]
        if value not in works_with
    ]


def is_allowed(answers, forbidden):
    """Whether ``answers`` (all of a project's, or some) hold none of the
    ``forbidden`` combinations."""
    return not any(
        all(name in answers and answers[name] == value for name, value in combination.items())
        for combination in forbidden
    )


def allowed_product(structural, forbidden):
    """Every combination of the ``structural`` options' values that holds no
    forbidden one, as answers, in product order."""
    names = list(structural)
    rows = (
        dict(zip(names, values, strict=True)) for values in itertools.product(*structural.values())
    )
    return [row for row in rows if is_allowed(row, forbidden)]


# --- The covering design ---------------------------------------------------------


def covering_array(domains, strength, forbidden=()):
    """Rows (tuples of value indices, one per domain) in which every ``strength``
    columns take every allowed combination of their values: greedy, one row at a
    time (start from the first combination not yet covered, then give each other
    column the value that covers most; the lowest index on a tie). ``forbidden``:
    combinations as ``{column: value index}``, which no row holds; then only the
    combinations some allowed row has are to be covered, and each column takes a
    value that leaves the row completable into an allowed one."""
    sizes = [len(values) for values in domains]
    columns = range(len(sizes))
    if forbidden:
        indices = {column: range(size) for column, size in enumerate(sizes)}
        allowed = [tuple(row.values()) for row in allowed_product(indices, forbidden)]
        uncovered = set().union(*(_tuples(row, strength) for row in allowed))
    else:
        uncovered = {
            (cols, vals)
            for cols in itertools.combinations(columns, strength)
            for vals in itertools.product(*(range(sizes[c]) for c in cols))
        }

    def completable(partial):
        return not forbidden or any(all(row[c] == v for c, v in partial.items()) for row in allowed)

    rows = []
    while uncovered:
        cols, vals = min(uncovered)
        row = dict(zip(cols, vals, strict=True))
        for column in columns:
            if column not in row:
                gains = [
                    _gain(row, column, v, strength, uncovered)
                    if completable({**row, column: v})
                    else -1
                    for v in range(sizes[column])
                ]
                row[column] = gains.index(max(gains))  # the lowest value on a tie
        full = tuple(row[c] for c in columns)
        rows.append(full)
        uncovered -= _tuples(full, strength)
    # A later row may have covered all of an earlier one's: drop such rows, but
    # the first (the defaults, when they are allowed).
    counts = Counter(item for row in rows for item in _tuples(row, strength))
    needed = []
    for number, row in enumerate(rows):
        if number and all(counts[item] > 1 for item in _tuples(row, strength)):
            counts.subtract(_tuples(row, strength))
        else:
            needed.append(row)
    return needed


def _tuples(row, strength):
    """The (columns, values) of ``strength`` columns that ``row`` covers."""
    return {
        (cols, tuple(row[c] for c in cols))
        for cols in itertools.combinations(range(len(row)), strength)
    }


def _gain(row, column, value, strength, uncovered):
    """How many uncovered combinations ``row`` with ``column=value`` would cover."""
    chosen = {**row, column: value}
    count = 0
    for rest in itertools.combinations(sorted(set(chosen) - {column}), strength - 1):
        key = tuple(sorted((*rest, column)))
        count += (key, tuple(chosen[c] for c in key)) in uncovered
    return count


@dataclass
class Design:
    rows: list  # answers: {option: value}, in cookiecutter.json's order
    structural: dict  # {option: values}
    text_only: dict  # {option: values}
    strength: int  # every `strength` structural options take all their allowed combinations
    full_product: int  # bakes of the full product of every choice option (allowed or not)
    forbidden: list = field(default_factory=list)  # {option: value}: combinations never baked


def structural_rows(structural, budget=BUDGET, min_strength=MIN_STRENGTH, forbidden=()):
    """(rows of the structural options, strength): all allowed combinations when
    they fit the budget, else the strongest covering array (t >= min_strength)
    that does; no row holds a ``forbidden`` combination."""
    names = list(structural)
    everything = allowed_product(structural, forbidden)
    if len(everything) <= budget or len(names) <= min_strength:
        return everything, len(names)
    domains = list(structural.values())
    # The forbidden combinations as {column: value index}.
    indexed = [
        {names.index(name): structural[name].index(value) for name, value in combination.items()}
        for combination in forbidden
    ]
    best = None
    for strength in range(min_strength, len(names)):
        rows = covering_array(domains, strength, indexed)
        if best is None or len(rows) <= budget:
            best = (rows, strength)
        if len(rows) > budget:
            break
    rows, strength = best
    return [
        {name: domains[i][index] for i, (name, index) in enumerate(zip(names, row, strict=True))}
        for row in rows
    ], strength


def spread(rows, text_only):
    """Give every row a value of each text-only option: the one that pairs with
    the most (option, value) of the row not yet seen with it, the least used on a
    tie, the first on a further tie. Every value is used once before any twice;
    more values than rows add rows (copies of the first ones)."""
    rows = [dict(row) for row in rows]
    base = len(rows)
    most = max((len(values) for values in text_only.values()), default=0)
    for i in range(base, most):
        rows.append(dict(rows[i % base]))
    for option, values in text_only.items():
        seen, used = set(), dict.fromkeys(range(len(values)), 0)
        for row in rows:
            pairs = [
                {(index, key, repr(value)) for key, value in row.items()}
                for index in range(len(values))
            ]
            scores = [(len(pairs[i] - seen), -used[i], -i) for i in range(len(values))]
            index = scores.index(max(scores))
            seen |= pairs[index]
            used[index] += 1
            row[option] = values[index]
    return rows


def covering_design(options, classification=None, budget=BUDGET, needs=None):
    """The design for cookiecutter.json's ``options`` (a dict, as loaded) and the
    rules between answers ``needs`` (the pre-generation hook's NEEDS when not given)."""
    choices = choice_options(options)
    if needs is None:
        needs = _hook_table(TEMPLATE, "NEEDS", "pre_gen_project", default=[])
    if classification is None:
        classification = classify(options=options, needs=needs)
    structural = {name: choices[name] for name in classification.structural}
    text_only = {name: choices[name] for name in classification.text_only}
    forbidden = forbidden_combinations(needs, choices)
    rows, strength = structural_rows(structural, budget, forbidden=forbidden)
    rows = spread(rows, text_only)
    ordered = [{name: row[name] for name in choices} for row in rows]
    full = prod(map(len, choices.values()))
    return Design(ordered, structural, text_only, strength, full, forbidden)


def missing(rows, structural, text_only, strength, forbidden=()):
    """What ``rows`` fail to cover, one line each (empty: it covers everything):
    each allowed combination of ``strength`` structural options' values (one
    that some project holding no ``forbidden`` combination has), each value of a
    text-only option; any value that is not a choice, and any row holding a
    forbidden combination."""
    problems = []
    choices = {**structural, **text_only}
    for number, row in enumerate(rows):
        for name, value in row.items():
            if name in choices and value not in choices[name]:
                problems.append(f"row {number}: {name}={value!r} is not a choice")
        for combination in forbidden:
            if not is_allowed(row, [combination]):
                words = " with ".join(f"{name}={value}" for name, value in combination.items())
                problems.append(f"row {number}: {words} is refused")
    names = list(structural)
    strength = min(strength, len(names))
    allowed = allowed_product(structural, forbidden) if forbidden else None
    for columns in itertools.combinations(names, strength):
        present = {tuple(row[c] for c in columns) for row in rows}
        if allowed is None:
            wanted = itertools.product(*(structural[c] for c in columns))
        else:  # in product order, once each
            wanted = dict.fromkeys(tuple(row[c] for c in columns) for row in allowed)
        for values in wanted:
            if values not in present:
                problems.append(
                    ", ".join(f"{c}={v}" for c, v in zip(columns, values, strict=True))
                    + " never baked together"
                )
    for name, values in text_only.items():
        present = {row[name] for row in rows}
        problems += [f"{name}={value} never baked" for value in values if value not in present]
    return problems


def combination_id(answers):
    """A short test id for (part of) a combination: ``py3.13-uv-cli-none-MIT-dc0-gha1-pc1``."""
    short = {
        "python_version": "py",
        "use_devcontainer": "dc",
        "use_github_actions": "gha",
        "use_pre_commit": "pc",
    }
    return "-".join(
        f"{short.get(key, '')}{int(value) if isinstance(value, bool) else value}"
        for key, value in answers.items()
    )


_TOKEN = re.compile(r"\w+|[^\w\s]|\s+")


def tokens(text):
    """Words, single punctuation marks and runs of white space: the units in which
    two renderings of a file are compared."""
    return _TOKEN.findall(text)
