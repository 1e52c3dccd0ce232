"""The one engine that renders a project from answers at a ref of the template,
shared by compare.py, update.py and the generated projects' `make template-diff`
and `make template-update`.

A template source (a path, a git URL, `gh:owner/repo`) is opened once
(`Template`): a URL is cloned bare into a temporary directory (all its tags, so
any ref can be rendered), a local git checkout is read where it is (nothing in
it is changed), and a local directory without a ref is used as it is, uncommitted
edits included. `Template.tree(ref)` is the template's files at a ref;
`bake()` runs cookiecutter on them with the answers as a replay file. See
docs/update.md and docs/compare.md.
"""

import fnmatch
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

from repository import ANSWERS_FILE, ToolError, option

try:
    from cookiecutter.config import BUILTIN_ABBREVIATIONS
except ModuleNotFoundError:  # reported by the commands as one line
    BUILTIN_ABBREVIATIONS = {}

# What is not the template's: git, cruft's state, virtualenvs, local settings,
# caches, build output and the lock files a project creates. Left out on both
# sides by compare (and so `make template-diff`) and never touched by update.
NOT_FROM_TEMPLATE = [
    ".git", ".cruft.json", ".venv", "venv", ".env", ".env.*", "__pycache__", "*.py[cod]",
    "*.egg-info", ".pytest_cache", ".ruff_cache", ".mypy_cache", ".coverage", "htmlcov",
    "build", "dist", "uv.lock", "requirements.lock.txt",
]  # fmt: skip
# The private keys a project's answers file records about the template.
SOURCE_KEYS = ("_template", "_checkout", "_commit", "_uncommitted")
# A release tag: v1, 1.2, v2.0.3 (what "the newest release" is chosen among).
RELEASE_TAG = re.compile(r"v?\d+(\.\d+)*")


class Refused(Exception):
    """The template's hooks refused an answer: ``field`` and the hook's line."""

    def __init__(self, field, line):
        super().__init__(line)
        self.field = field


def git(*args, cwd=None, check=True, text=True):
    """Run git quietly; its stdout (stripped text), or ToolError with its last line."""
    result = subprocess.run(
        ["git", *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=text,
        env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"},
        check=False,
    )
    if check and result.returncode:
        lines = [line for line in str(result.stderr).splitlines() if line.strip()]
        raise ToolError(lines[-1].strip() if lines else f"git {args[0]} failed")
    return result.stdout.strip() if text else result.stdout


def is_url(source):
    """A git URL or an abbreviation, as cookiecutter reads them."""
    return bool(re.match(r"(gh|gl|bb):|git\+|[a-z][a-z0-9+.-]*://|[\w.-]+@[\w.-]+:", source))


def expand(source):
    """``gh:owner/repo`` -> its URL; ``git+https://...`` -> ``https://...``."""
    for prefix, pattern in BUILTIN_ABBREVIATIONS.items():
        if source.startswith(prefix + ":"):
            return pattern.format(source[len(prefix) + 1 :])
    return source.removeprefix("git+")


def as_recorded(source):
    """The source as the reports name it: a local path absolute."""
    path = Path(source).expanduser()
    return str(path.resolve()) if not is_url(source) and path.is_dir() else source


def post_gen_hook():
    """hooks/post_gen_project.py of this checkout, as a module: how a bake records
    where the template came from, which the tools record the same way."""
    path = Path(__file__).resolve().parents[1] / "hooks" / "post_gen_project.py"
    spec = importlib.util.spec_from_file_location("post_gen_project", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def source_record(source, commit=None, prefer=None):
    """{_template, _commit, _uncommitted} a project records for the template
    ``source`` rendered at ``commit``, as a bake records it, so it can be found
    again from anywhere: a git URL as given (credentials left out); a local git
    checkout: the URL of a remote that has the commit (the one the project recorded
    before, ``prefer``, first), else its absolute path; a local directory rendered
    as it is (no commit): what a bake from it records (its HEAD, uncommitted changes)."""
    hook = post_gen_hook()
    if is_url(source):
        return {"_template": hook.without_credentials(source), "_commit": commit}
    directory = Path(source).expanduser().resolve()
    if commit is None:
        return hook.local_record(directory)
    url = prefer and expand(prefer)
    remote = hook.remote_with(directory, commit, url)
    if remote and remote == url:
        remote = prefer  # as the project spelled it: gh:owner/repo
    return {"_template": remote or str(directory), "_commit": commit}


class Template:
    """A template source, opened in ``work`` (a temporary directory)."""

    def __init__(self, source, work):
        self.source, self.work = source, Path(work)
        self.trees = {}
        path = Path(source).expanduser()
        if not is_url(source):
            if not path.is_dir():
                raise ToolError(
                    f"template {source}: cannot fetch it: no such directory "
                    f"(another: {option('--template', '<path or git URL>')})"
                )
            self.directory = path.resolve()
            inside = git("rev-parse", "--show-toplevel", cwd=path, check=False)
            self.git_dir = self.directory if inside and Path(inside) == self.directory else None
            return
        self.directory, self.git_dir = None, self.work / "template.git"
        try:
            git("clone", "--quiet", "--bare", expand(source), str(self.git_dir))
        except ToolError as error:
            raise ToolError(f"template {source}: cannot fetch it: {error}") from error

    def not_git(self, what):
        return ToolError(
            f"template {self.source}: not a git repository, it has no {what} "
            f"(a git checkout or URL of it: {option('--template', '<path or git URL>')})"
        )

    def git(self, *args, **kwargs):
        if self.git_dir is None:
            raise self.not_git("refs")
        return git(*args, cwd=self.git_dir, **kwargs)

    def commit(self, ref):
        """The commit ``ref`` names (a tag, branch or commit), or ToolError."""
        if self.git_dir is None:
            raise self.not_git(f"ref {ref}")
        sha = git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", cwd=self.git_dir,
                  check=False)  # fmt: skip
        if not sha:
            raise ToolError(f"unknown ref {ref!r} in the template {self.source}")
        return sha

    def rendered_commit(self, ref=None):
        """The commit ``tree(ref)`` renders, or None when it is not a commit (a
        local directory rendered as it is, uncommitted edits and all)."""
        if ref is None and self.directory is not None:
            return None
        return self.commit(ref or "HEAD")

    def releases(self):
        """[(tag, commit)] of the release tags, newest version first."""
        if self.git_dir is None:
            return []
        listed = self.git("tag", "--list", "--sort=-v:refname", "--format=%(refname:short)")
        tags = [tag for tag in listed.splitlines() if RELEASE_TAG.fullmatch(tag)]
        return [(tag, self.commit(tag)) for tag in tags]

    def newest(self):
        """(ref, commit) of the newest release tag, else of the default branch."""
        releases = self.releases()
        if releases:
            return releases[0]
        branch = self.git("symbolic-ref", "--quiet", "--short", "HEAD", check=False) or "HEAD"
        return branch, self.commit("HEAD")

    def name(self, commit):
        """A tag pointing at ``commit``, else its short hash: how a report names it."""
        tags = self.git("tag", "--points-at", commit, "--sort=-v:refname", check=False)
        return tags.splitlines()[0] if tags else commit[:12]

    def log(self, base, target):
        """The one-line subjects of the commits from ``base`` to ``target``, newest first."""
        text = self.git("log", "--format=%h %s", f"{base}..{target}", check=False)
        return text.splitlines()

    def tree(self, ref=None):
        """A directory holding the template's files at ``ref`` (None: a local
        directory as it is, uncommitted edits included; a URL's default branch)."""
        if ref is None and self.directory is not None:
            if not (self.directory / "cookiecutter.json").is_file():
                raise ToolError(f"template {self.source}: no cookiecutter.json in it")
            return self.directory
        commit = self.commit(ref or "HEAD")
        if commit not in self.trees:
            directory = self.work / "trees" / commit
            directory.mkdir(parents=True)
            archive = self.git("archive", "--format=tar", commit, text=False)
            subprocess.run(["tar", "-x", "-C", str(directory)], input=archive, check=True)
            if not (directory / "cookiecutter.json").is_file():
                raise ToolError(f"template {self.source} at {ref}: no cookiecutter.json in it")
            self.trees[commit] = directory
        return self.trees[commit]


def template_options(template_dir):
    try:
        return json.loads(Path(template_dir, "cookiecutter.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise ToolError(f"template cookiecutter.json: {error}") from error


def bake(template_dir, values, work, name="out"):
    """Run cookiecutter (in a child process, so its hooks' messages are captured:
    run_cookiecutter) on the template with ``values`` as a replay file, into
    ``work/name``; return the project directory. Raises Refused when the
    template's hooks refuse an answer."""
    work = Path(work)
    out = work / name
    shutil.rmtree(out, ignore_errors=True)
    config, replay = work / f"{name}-config.yaml", work / f"{name}-answers.json"
    settings = {"cookiecutters_dir": str(work / "cache"), "replay_dir": str(work / "replay")}
    config.write_text(json.dumps(settings), encoding="utf-8")  # JSON is YAML
    replay.write_text(json.dumps({"cookiecutter": values}, ensure_ascii=False), encoding="utf-8")
    arguments = ["--config-file", str(config), "--replay-file", str(replay),
                 "--output-dir", str(out), str(template_dir)]  # fmt: skip
    # Cookiecutter leaves its rendered hook scripts in TMPDIR: keep them in ``work``.
    environment = {"TMPDIR": str(work), "PYTHONDONTWRITEBYTECODE": "1", "PYTHONIOENCODING": "utf-8"}
    result = run_cookiecutter(arguments, work, environment)
    if result.returncode == 0 and out.is_dir() and len(list(out.iterdir())) == 1:
        return next(out.iterdir())
    lines = [line.strip() for line in (result.stderr + result.stdout).splitlines() if line.strip()]
    for line in lines:
        match = re.match(r"error: (\w+)=", line)
        if match:
            raise Refused(match.group(1), line.removeprefix("error: "))
    raise ToolError(f"cookiecutter failed: {lines[-1] if lines else result.returncode}")


def run_cookiecutter(arguments, cwd, environment):
    """Cookiecutter's command line on ``arguments`` in ``cwd``, with ``environment``
    added, its output captured. Where the system can fork, in a forked child of
    this process, which imports cookiecutter once for all its bakes (a new
    interpreter takes about as long to import it as a bake takes); elsewhere, in
    a new interpreter."""
    if not hasattr(os, "fork"):
        return subprocess.run(
            [sys.executable, "-m", "cookiecutter", *arguments],
            cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, encoding="utf-8",
            errors="replace", env={**os.environ, **environment}, check=False,
        )  # fmt: skip
    from cookiecutter.cli import main

    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child, which never returns
            status = 1
            try:
                os.chdir(cwd)
                os.environ.update(environment)
                tempfile.tempdir = None  # TMPDIR is read again
                sys.dont_write_bytecode = True  # the template's local_extensions.py
                os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
                os.dup2(stdout.fileno(), 1)
                os.dup2(stderr.fileno(), 2)
                main.main(args=arguments, prog_name="cookiecutter")
            except SystemExit as stop:
                status = stop.code if isinstance(stop.code, int) else int(stop.code is not None)
            except BaseException:  # noqa: BLE001 (whatever it was, the child ends here)
                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(status)
        _, wait_status = os.waitpid(pid, 0)
        captured = []
        for file in (stdout, stderr):
            file.seek(0)
            captured.append(file.read().decode("utf-8", errors="replace"))
    return subprocess.CompletedProcess(arguments, os.waitstatus_to_exitcode(wait_status), *captured)


def record_source(project, source):
    """Set the template's private keys (``source``: {_template, _checkout, _commit},
    a false value removes the key) in ``project``'s answers file, written as the
    template's post-generation hook writes it."""
    path = Path(project, ANSWERS_FILE)
    if not path.is_file():  # a template that records no answers
        return
    data = json.loads(path.read_text(encoding="utf-8"))
    for key in SOURCE_KEYS:
        if source.get(key):
            data["cookiecutter"][key] = source[key]
        else:
            data["cookiecutter"].pop(key, None)
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    path.write_text(text, encoding="utf-8", newline="\n")


def recorded_source(repo_path):
    """{_template, _checkout, _commit} recorded in the repository's answers file, or None."""
    try:
        answers = json.loads(Path(repo_path, ANSWERS_FILE).read_text(encoding="utf-8"))
        answers = answers["cookiecutter"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return {key: answers.get(key) for key in SOURCE_KEYS}


def excluded_patterns(project):
    """The names that are not the template's: NOT_FROM_TEMPLATE in the rendered
    project's Makefile when it has one (templates before update.py), else ours."""
    makefile = Path(project, "Makefile")
    text = makefile.read_text(encoding="utf-8") if makefile.is_file() else ""
    match = re.search(r"^NOT_FROM_TEMPLATE\s*:?=((?:.*\\\n)*.*)", text, flags=re.MULTILINE)
    return match.group(1).replace("\\\n", " ").split() if match else list(NOT_FROM_TEMPLATE)


def is_excluded(name, patterns):
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


def list_files(root, patterns):
    """{relative posix path: Path} of the files under ``root``, leaving out every
    file or directory whose name matches one of ``patterns`` (as diff -X does)."""
    found = {}
    for directory, folders, files in os.walk(root):
        folders[:] = sorted(f for f in folders if not is_excluded(f, patterns))
        for name in files:
            path = Path(directory, name)
            if not is_excluded(name, patterns) and path.is_file():
                found[path.relative_to(root).as_posix()] = path
    return found
