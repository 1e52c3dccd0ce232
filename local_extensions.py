"""Jinja extensions of the template: filters that quote answers for the file
formats it writes, a syntax check that lets cookiecutter clean up, the sandbox,
the template's own options and directory for the hooks, a slug filter that
refuses a project name no slug can be made from, and the check of every answer
before anything is written.

Cookiecutter loads this module because ``cookiecutter.json`` names its classes in
``_extensions``. Each filter returns a complete double-quoted string, so an
answer with quotes, backslashes, ``$`` or non-ASCII text reads back exactly.
"""

import importlib.util
import json
import os
import sys
from pathlib import Path

from jinja2.exceptions import TemplateSyntaxError, UndefinedError
from jinja2.ext import Extension
from jinja2.sandbox import SandboxedEnvironment, safe_range

# Characters a double-quoted TOML or YAML string must not hold literally.
_ESCAPES = {"\\": "\\\\", '"': '\\"'}


def _quote(value: str, extra: dict[str, str]) -> str:
    """Double-quote ``value``, escaping backslash, quote, control and ``extra`` characters."""
    out = []
    for char in str(value):
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif char in extra:
            out.append(extra[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def toml_string(value: str) -> str:
    """A TOML basic string."""
    return _quote(value, {})


def compose_string(value: str) -> str:
    """A YAML double-quoted scalar that Compose does not interpolate (``$`` -> ``$$``)."""
    # PyYAML also breaks lines at NEL, LS and PS, so those are escaped too.
    return _quote(value, {"$": "$$", "\x85": "\\N", "\u2028": "\\L", "\u2029": "\\P"})


class QuotingExtension(Extension):
    """Registers ``toml_string`` and ``compose_string`` as Jinja filters."""

    def __init__(self, environment):
        super().__init__(environment)
        environment.filters["toml_string"] = toml_string
        environment.filters["compose_string"] = compose_string


class SyntaxErrorCleanupExtension(Extension):
    """Report a Jinja syntax error as an ``UndefinedError``.

    Cookiecutter 2.7 deletes the half-generated project when rendering a file
    raises ``UndefinedError``, but leaves it behind on a ``TemplateSyntaxError``.
    The environment's parser (the one parse of each template source) turns a
    syntax error into an ``UndefinedError`` naming the file, line and problem, so
    a broken template leaves no directory either. The environment's class becomes
    a subclass of its own class with that parser, as the sandbox below does."""

    def __init__(self, environment):
        super().__init__(environment)
        own = type(environment)

        def parse(env, source, name, filename=None):
            try:
                return own._parse(env, source, name, filename)
            except TemplateSyntaxError as error:
                where = f"{error.name or 'template'}, line {error.lineno}"
                message = f"Jinja syntax error in {where}: {error.message}"
                raise UndefinedError(message) from error

        environment.__class__ = type(f"SyntaxChecked{own.__name__}", (own,), {"_parse": parse})


class SandboxExtension(Extension):
    """Make cookiecutter's Jinja environment a sandboxed one.

    Cookiecutter renders the ``--no-input key=value`` values from the command
    line as Jinja before any hook can look at them, and a plain Jinja
    environment lets ``{{ cycler.__init__.__globals__.os.system(...) }}`` run a
    command. In the sandbox, attributes starting with ``_`` and other unsafe
    calls raise ``SecurityError`` instead; filters, tests and ordinary
    expressions (``{{ cookiecutter.project_name | lower }}``) work as before.
    The environment's class becomes a sandboxed subclass of its own class, with
    the sandbox's operator tables, as ``SandboxedEnvironment.__init__`` sets them.
    """

    def __init__(self, environment):
        super().__init__(environment)
        own = type(environment)
        if not issubclass(own, SandboxedEnvironment):
            environment.__class__ = type(
                f"Sandboxed{own.__name__}", (SandboxedEnvironment, own), {}
            )
            environment.binop_table = SandboxedEnvironment.default_binop_table.copy()
            environment.unop_table = SandboxedEnvironment.default_unop_table.copy()
            environment.globals["range"] = safe_range


def template_options():
    """The options of the ``cookiecutter.json`` beside this file, in its order, as
    ``[name, definition]`` pairs (a list keeps the order through ``tojson``, which
    sorts a mapping's keys); private keys left out."""
    text = Path(__file__).with_name("cookiecutter.json").read_text(encoding="utf-8")
    return [[name, value] for name, value in json.loads(text).items() if name[0] != "_"]


def template_directory():
    """The template's directory, absolute, while cookiecutter renders a hook: it
    renders and runs the hooks from there (it finds ``hooks/`` in the working
    directory), whatever path, relative or not, the user gave. None elsewhere."""
    here = os.getcwd()
    return here if os.path.isfile(os.path.join(here, "cookiecutter.json")) else None


class OptionsExtension(Extension):
    """Registers ``template_options()`` and ``template_directory()`` as Jinja
    globals, so the hooks read the choices from ``cookiecutter.json`` in every way
    the template is run: cookiecutter's command line, a replay file and cruft, whose
    context names no template directory; and so the post-generation hook records
    where the template is. ``template_options()`` reads the file when called: cruft
    renders several commits of one clone in one process."""

    def __init__(self, environment):
        super().__init__(environment)
        environment.globals["template_options"] = template_options
        environment.globals["template_directory"] = template_directory


def _pre_gen_hook():
    """hooks/pre_gen_project.py as a module: its rules, written once, also serve here.
    (Its Jinja is inside raw strings, so the file imports as plain Python.)"""
    path = Path(__file__).with_name("hooks") / "pre_gen_project.py"
    spec = importlib.util.spec_from_file_location("pre_gen_project", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def refuse_unusable_name(name, slug):
    """Stop with the hook's one line when ``name`` (the project name) is not one line
    of text, is empty, or gives the empty ``slug`` (``'!!!'``: no letter or digit)."""
    hook = _pre_gen_hook()
    try:
        hook.check_text("project_name", name)
        if not slug:
            rule = "must contain a letter or digit: the slug and package are made from them"
            raise hook.InvalidAnswer("project_name", name, rule)
    except hook.InvalidAnswer as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(1) from None


class ProjectNameExtension(Extension):
    """Make ``slugify`` (cookiecutter.json derives ``project_slug`` from the project
    name with it) refuse a name that gives no usable slug, in the one-line format.

    Cookiecutter renders the derived slug while it builds the context, and then
    checks the target directory ``<output dir>/<slug>`` before any hook runs: an
    empty slug makes the target the output directory itself, which exists, and the
    user reads ``Error: "." directory already exists`` instead of the hook's line.
    Raising ``SystemExit`` after printing the line is the one way out of that
    render that cookiecutter neither wraps (with the context dumped) nor shows as a
    traceback; nothing has been written yet. Only the slug's empty result is
    refused here: every other rule stays with the pre-generation hook."""

    def __init__(self, environment):
        super().__init__(environment)
        slugify = environment.filters["slugify"]

        def checked_slugify(value, *args, **kwargs):
            slug = slugify(value, *args, **kwargs)
            if not slug:
                refuse_unusable_name(value, slug)
            return slug

        environment.filters["slugify"] = checked_slugify


def refuse_bad_answers(answers):
    """Stop with the pre-generation hook's one line when an answer (the
    cookiecutter context ``answers``) breaks its rules, or the target directory
    exists and is not empty; return "" otherwise."""
    if "_template" not in answers:  # a value rendered while cookiecutter still asks
        return ""
    hook = _pre_gen_hook()
    try:
        hook.check_answers(answers, dict(template_options()))
        if answers.get("_output_dir"):  # the command line and the API set it; cruft does not
            hook.check_target(Path(answers["_output_dir"], answers["project_slug"]))
    except hook.InvalidAnswer as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(1) from None
    return ""


# The template's project directory: the one name cookiecutter renders on its own
# with every answer known, before it writes anything.
PROJECT_DIRECTORY = "{{cookiecutter.project_slug}}"


class AnswersExtension(Extension):
    """Check every answer with the pre-generation hook's rules before anything is
    written, so that a refusal is one line and nothing else.

    Cookiecutter renders the name of the project directory with the final
    answers, however they came (``--no-input key=value``, the prompts, a replay
    file, cruft), and only then creates the directory and runs the
    pre-generation hook. Its source reaches this extension (``from_string``:
    no template name), which puts ``refuse_bad_answers(cookiecutter)`` in front
    of it. That prints the hook's one line and raises ``SystemExit``, the one way
    out of a render that cookiecutter neither wraps (with the context dumped)
    nor shows as a traceback, as the pre-generation hook's own failure is."""

    def __init__(self, environment):
        super().__init__(environment)
        environment.globals["refuse_bad_answers"] = refuse_bad_answers

    def preprocess(self, source, name, filename=None):
        if name is None and source == PROJECT_DIRECTORY:
            return "{{ refuse_bad_answers(cookiecutter) }}" + source
        return source
