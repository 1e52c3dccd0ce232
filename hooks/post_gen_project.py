"""Pick the variant of each file for the answers, remove the files of options
not chosen, check the generated project, record the answers and where the
template came from, say what to run first.

Cookiecutter renders this file with Jinja and runs it in the new project
directory; a non-zero exit makes it delete that directory. The answers arrive
as one JSON document, and the logic is in functions the tests import and call.
"""

# Jinja leaves everything up to `endraw` alone: only the last lines are rendered.
# {% raw %}
import ast
import json
import re
import shlex
import shutil
import subprocess
import sys
import urllib.parse
from pathlib import Path, PurePosixPath

import yaml

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pyproject.toml goes unparsed
    tomllib = None

# The one place that says which files belong to which option: a path (a file
# or a whole directory; `{package_name}` is filled in) is kept only when the
# answer to its option is one of the listed values. A new option adds its rows
# here. A path inside a directory of another row is kept only when both keep
# it: the database's routes, in the web app's package, need web and postgres.
OPTION_FILES = {
    "make/database.mk": ("database", {"postgres"}),
    "scripts/add.py": ("package_manager", {"pip"}),  # uv projects have `uv add`
    "src/{package_name}/commands/greet.py": ("app_type", {"cli"}),
    "src/{package_name}/commands/serve.py": ("app_type", {"web"}),
    "src/{package_name}/commands/database.py": ("database", {"postgres"}),
    "src/{package_name}/web": ("app_type", {"web"}),  # the web app's package
    "src/{package_name}/web/database.py": ("database", {"postgres"}),
    "tests/test_greet.py": ("app_type", {"cli"}),
    "tests/web": ("app_type", {"web"}),
    "tests/web/test_web_db.py": ("database", {"postgres"}),
    "alembic.ini": ("database", {"postgres"}),
    "src/{package_name}/db.py": ("database", {"postgres"}),
    "src/{package_name}/models.py": ("database", {"postgres"}),
    "src/{package_name}/settings.py": ("database", {"postgres"}),
    "src/{package_name}/migrations": ("database", {"postgres"}),
    "tests/conftest.py": ("database", {"postgres"}),
    "docs/database.md": ("database", {"postgres"}),
    "tests/test_db.py": ("database", {"postgres"}),
    # The worker: its tasks, commands, routes, schema, service, targets, tests, docs.
    "src/{package_name}/tasks.py": ("worker", {"procrastinate"}),
    "src/{package_name}/commands/worker.py": ("worker", {"procrastinate"}),
    "src/{package_name}/web/worker.py": ("worker", {"procrastinate"}),
    "src/{package_name}/migrations/versions/0002_procrastinate.py": ("worker", {"procrastinate"}),
    "compose.worker.yaml": ("worker", {"procrastinate"}),
    "make/worker.mk": ("worker", {"procrastinate"}),
    "tests/test_worker.py": ("worker", {"procrastinate"}),
    "tests/web/test_web_worker.py": ("worker", {"procrastinate"}),
    "docs/worker.md": ("worker", {"procrastinate"}),
    "deploy/k8s/base/worker.yaml": ("worker", {"procrastinate"}),  # inside deploy/k8s: kubernetes
    "tests/test_settings.py": ("database", {"postgres"}),
    ".devcontainer": ("use_devcontainer", {True}),
    "docs/dev-container.md": ("use_devcontainer", {True}),
    ".github": ("use_github_actions", {True}),  # the workflows and dependabot.yml
    "docs/github.md": ("use_github_actions", {True}),
    ".pre-commit-config.yaml": ("use_pre_commit", {True}),
    "tests/test_pre_commit.py": ("use_pre_commit", {True}),
    "docs/pre-commit.md": ("use_pre_commit", {True}),
    # The production file, its settings, proxy, targets and docs; the publish workflow.
    "compose.prod.yaml": ("deploy", {"compose", "kubernetes"}),
    ".env.prod.example": ("deploy", {"compose", "kubernetes"}),
    "deploy": ("deploy", {"compose", "kubernetes"}),
    "deploy/Caddyfile": ("app_type", {"web"}),
    "make/deploy.mk": ("deploy", {"compose", "kubernetes"}),
    "scripts/deploy.sh": ("deploy", {"compose", "kubernetes"}),
    # Where it runs: one host or a Swarm (compose), or a cluster (kubernetes).
    "make/hosts.mk": ("deploy", {"compose"}),
    "deploy/k8s": ("deploy", {"kubernetes"}),
    "make/cluster.mk": ("deploy", {"kubernetes"}),
    "scripts/cluster.sh": ("deploy", {"kubernetes"}),
    "docs/deploy.md": ("deploy", {"compose", "kubernetes"}),
    ".github/workflows/publish.yml": ("deploy", {"compose", "kubernetes"}),
}

# Files with one version per answer of one option: where an option changes
# most of a file, the template holds one readable file per answer beside it,
# named `<stem>@<answer><suffix>` (`Dockerfile@uv`, `Dockerfile@pip`; a yes/no
# answer is `true` or `false`). The one for the answer given takes the plain
# name; the others are deleted. What a feature adds to a file every project has
# is a file of its own (a row above), never a variant per combination of options.
VARIANT_FILES = {
    "Dockerfile": "package_manager",
    "docs/dependencies.md": "package_manager",
    "scripts/requirements.py": "package_manager",
    "make/app.mk": "app_type",
    "make/worker.mk": "app_type",  # web: `make up` and `make logs` take it too
    "deploy/k8s/base/app.yaml": "app_type",  # a Deployment and its Service, or a Job
}

UNRENDERED = ("{{", "{%")
# A GitHub Actions expression, `${{ github.token }}`, is not a Jinja marker.
ACTIONS_EXPRESSION = re.compile(r"\$\{\{[^{}]*\}\}")

# The recorded answers: a cookiecutter replay file, so that
# `cookiecutter --replay-file .cookiecutter.json <template>` regenerates the project.
ANSWERS_FILE = ".cookiecutter.json"
# Private context keys recorded: where the template came from, so the tools find
# it again from anywhere (`_template`: a git URL, or an absolute path), the commit
# it was at, `_uncommitted` when that checkout had changes not committed (see
# template_record), and the `--checkout` given. The others (`_output_dir`,
# `_repo_dir`, `_extensions`, ...) describe this machine or this run, not the project.
RECORDED_PRIVATE = ("_template", "_checkout", "_commit", "_uncommitted")
# A template source cookiecutter clones with git: an abbreviation or a URL.
GIT_SOURCE = re.compile(r"(gh|gl|bb):|git\+|[a-z][a-z0-9+.-]*://|[\w.-]+@[\w.-]+:")
COMMIT = re.compile(r"[0-9a-f]{40,64}")


class InvalidOutput(ValueError):
    """The generated project is broken; ``str()`` says where."""


def remove_unused(project, answers, table=OPTION_FILES):
    """Delete each path of ``table`` whose option has another answer; return them."""
    removed = []
    for pattern, (option, keep_for) in table.items():
        relative = pattern.format(package_name=answers["package_name"])
        path = Path(project, relative)
        if answers[option] in keep_for or not path.exists():
            continue
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
        removed.append(relative)
        # A directory this emptied goes too (deploy/ without its Caddyfile).
        parent = path.parent
        while parent != Path(project) and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent
    return removed


def is_kept(pattern, answers, table=OPTION_FILES):
    """Whether the path ``pattern`` of ``table`` is kept for ``answers``: every row
    for it, or for a directory above it, keeps it."""
    path = PurePosixPath(pattern)
    return all(
        answers[option] in keep_for
        for other, (option, keep_for) in table.items()
        if other == pattern or PurePosixPath(other) in path.parents
    )


def variant_name(relative, answers, option):
    """``relative`` with the answer to ``option`` in its name: ``app@web.mk``."""
    path = PurePosixPath(relative)
    tag = str(answers[option]).lower()
    return str(path.with_name(f"{path.stem}@{tag}{path.suffix}"))


def pick_variants(project, answers, table=VARIANT_FILES):
    """Give each file of ``table`` the variant for ``answers``, delete the other
    variants; return the names of the variants kept."""
    kept = []
    for pattern, option in table.items():
        relative = pattern.format(package_name=answers["package_name"])
        target = Path(project, relative)
        chosen = Path(project, variant_name(relative, answers, option))
        if not chosen.is_file():
            raise InvalidOutput(f"{relative}: the template has no variant {chosen.name}")
        for other in target.parent.glob(f"{target.stem}@*{target.suffix}"):
            if other != chosen:
                other.unlink()
        chosen.replace(target)
        kept.append(chosen.name)
    return kept


def check_compose(project):
    try:
        compose = yaml.safe_load(Path(project, "compose.yaml").read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise InvalidOutput(f"compose.yaml: {error}") from error
    if "version" in compose:
        raise InvalidOutput("compose.yaml: has an obsolete 'version:' key")
    for name in ("app", "test"):
        service = compose.get("services", {}).get(name)
        if service is None:
            raise InvalidOutput(f"compose.yaml: no '{name}' service")
        if not any(str(volume).endswith(":/src") for volume in service.get("volumes", [])):
            raise InvalidOutput(
                f"compose.yaml: service '{name}' does not mount the project at /src"
            )


def check_dockerfile(project):
    """The dev stage (the last one: the default target, and what
    compose.yaml targets) works in /src, set there or in a stage it is built
    FROM; a prod stage exists."""
    stages, parents = {}, {}
    for line in Path(project, "Dockerfile").read_text(encoding="utf-8").splitlines():
        words = line.split()
        if words[:1] == ["FROM"]:
            name = words[-1] if len(words) == 4 else ""
            current = stages.setdefault(name, [])
            parents[name] = words[1]
        elif stages:
            current.append(line.strip())
    if list(stages)[-1:] != ["dev"] or "prod" not in stages:
        raise InvalidOutput("Dockerfile: needs a 'prod' stage and a last stage 'dev'")
    stage, lines, seen = "dev", [], set()
    while stage in stages and stage not in seen:
        seen.add(stage)
        lines += stages[stage]
        stage = parents[stage]
    if "WORKDIR /src" not in lines:
        raise InvalidOutput("Dockerfile: no 'WORKDIR /src' in the dev stage")


def check_sources(project):
    """Every text file is fully rendered, every .py and the pyproject parse."""
    for path in sorted(Path(project).rglob("*")):
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        relative = path.relative_to(project)
        for marker in UNRENDERED:
            if marker in ACTIONS_EXPRESSION.sub("", text):
                raise InvalidOutput(f"{relative}: unrendered template marker {marker!r}")
        if path.suffix == ".py":
            try:
                ast.parse(text, filename=str(relative))
            except SyntaxError as error:
                raise InvalidOutput(f"{relative}: {error}") from error
    if tomllib is not None:
        try:
            tomllib.loads(Path(project, "pyproject.toml").read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as error:
            raise InvalidOutput(f"pyproject.toml: {error}") from error


def check_project(project):
    check_sources(project)
    check_compose(project)
    check_dockerfile(project)


def git(directory, *args):
    """git's output in ``directory``, stripped; None when it fails (or is missing)."""
    try:
        result = subprocess.run(
            ["git", *args],
            cwd=directory,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:  # no git, or no such directory
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def without_credentials(url):
    """``url`` without what would leak in a committed file: the user and password of
    an http(s) URL (a token), the password of any other."""
    parts = urllib.parse.urlsplit(url)
    web = parts.scheme.removeprefix("git+") in ("http", "https")
    if "@" not in parts.netloc or not (web or parts.password):
        return url
    user, _, host = parts.netloc.rpartition("@")
    kept = "" if web else user.partition(":")[0] + "@"
    return urllib.parse.urlunsplit(parts._replace(netloc=kept + host))


def remote_with(directory, commit, prefer=None):
    """The URL of a remote of the git checkout ``directory`` that has ``commit`` on
    one of its branches (as last fetched), credentials left out; None when none has.
    The remote whose URL is ``prefer`` first, then the current branch's, then
    `origin`, then the others by name. A remote that is a local path is left out:
    it is no more use elsewhere than the checkout's own path."""
    urls = {}
    for line in (git(directory, "remote", "-v") or "").splitlines():
        name, _, rest = line.partition("\t")
        url, _, kind = rest.rpartition(" ")
        if kind == "(fetch)" and GIT_SOURCE.match(url):
            urls[name] = url
    if not urls:
        return None
    refs = git(
        directory, "for-each-ref", "--contains", commit, "--format=%(refname)", "refs/remotes"
    )
    having = [name for name in urls if f"\nrefs/remotes/{name}/" in f"\n{refs}"]
    if len(having) > 1:
        branch = git(directory, "symbolic-ref", "--quiet", "--short", "HEAD")
        upstream = branch and git(directory, "config", "--get", f"branch.{branch}.remote")
        having.sort(
            key=lambda name: (urls[name] != prefer, name != upstream, name != "origin", name)
        )
    return without_credentials(urls[having[0]]) if having else None


def local_record(directory):
    """What a project records about a template in the local ``directory``. When it
    is a git checkout (its top directory): its commit; the URL of a remote that has
    that commit, so a teammate's clone of the project finds the template too, else
    the checkout's absolute path; ``_uncommitted`` when it had changes not committed
    (the project has them, the commit does not). Otherwise its absolute path."""
    directory = Path(directory).resolve()
    status = (directory / ".git").exists() and git(
        directory, "status", "--porcelain=v2", "--branch", "--", "."
    )
    head = re.search(r"^# branch\.oid (\S+)$", status or "", flags=re.MULTILINE)
    if not (head and COMMIT.fullmatch(head.group(1))):  # not git, or no commit yet
        return {"_template": str(directory)}
    commit = head.group(1)
    record = {"_template": remote_with(directory, commit) or str(directory), "_commit": commit}
    if any(not line.startswith("#") for line in status.splitlines()):
        record["_uncommitted"] = True
    return record


def template_record(context, directory=None):
    """Where the template came from, as the project records it: ``_template``,
    ``_commit`` and ``_uncommitted`` (docs/regenerate.md). ``directory`` is the
    template's, absolute (local_extensions.template_directory()).

    - A git URL or abbreviation, cloned by cookiecutter (its clone is ``_repo_dir``):
      as given, with the clone's commit, which `tools/update.py` starts from.
    - A local directory: local_record(), never the path as typed (``.`` means
      nothing from the project's directory, nor on another machine).
    - cruft (no ``_repo_dir``: it keeps the commit in .cruft.json), a zip file, or
      no directory known: as given."""
    template = context.get("_template")
    if not isinstance(template, str) or not context.get("_repo_dir"):
        return {"_template": template}
    if GIT_SOURCE.match(template):
        commit = git(context["_repo_dir"], "rev-parse", "--verify", "HEAD^{commit}")
        commit = commit if commit and COMMIT.fullmatch(commit) else None
        return {"_template": without_credentials(template), "_commit": commit}
    if directory is None or template.lower().endswith(".zip"):
        return {"_template": template}
    return local_record(directory)


def recorded_answers(context, directory=None):
    """The replay document for ``context``: every answer whose key does not start
    with ``_``, the `--checkout` given, and template_record()."""
    answers = {key: value for key, value in context.items() if not key.startswith("_")}
    source = {"_checkout": context.get("_checkout"), **template_record(context, directory)}
    answers.update({key: source[key] for key in RECORDED_PRIVATE if source.get(key)})
    return {"cookiecutter": answers}


def write_answers(project, context, directory=None):
    """Write ANSWERS_FILE: keys sorted, two-space indent, UTF-8, LF, one final
    newline; return the answers written."""
    document = recorded_answers(context, directory)
    text = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False)
    Path(project, ANSWERS_FILE).write_text(text + "\n", encoding="utf-8", newline="\n")
    return document["cookiecutter"]


def next_steps(project, answers):
    """What a bake prints: where the project is and what it records, what to run first."""
    commit = answers.get("_commit")
    at = f" at {commit[:12]}" if commit else ""
    lines = [f"Created {project} from the template {answers.get('_template')}{at}."]
    if answers.get("_uncommitted"):
        lines.append(
            "The template had uncommitted changes: the project has them, the commit "
            "recorded in .cookiecutter.json does not."
        )
    lines.append(f"Next: cd {shlex.quote(str(project))} && make build && make test")
    return "\n".join(lines)


def main(answers_json, project, template_dir=None):
    context = json.loads(answers_json)
    try:
        pick_variants(project, context)
        remove_unused(project, context)
        check_project(project)
    except InvalidOutput as error:
        print(f"error: the generated project is broken: {error}", file=sys.stderr)
        return 1
    answers = write_answers(project, context, template_dir)
    if context.get("_output_dir"):  # cookiecutter's command line or API; not cruft's renders
        print(next_steps(project, answers))
    return 0


# {% endraw %}
if __name__ == "__main__":
    template_dir = json.loads(r""" {{ template_directory() | tojson }} """)
    sys.exit(main(r"""{{ cookiecutter | tojson }}""", Path.cwd(), template_dir))
