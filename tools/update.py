#!/usr/bin/env python3
"""Update a project made from this template to a newer version of the template.

    python3 tools/update.py PATH [--to REF] [--template SRC] [--from REF|auto]
                                 [--set KEY=VALUE ...] [--dry-run] [--json|--markdown]

Renders the template twice with the project's answers, in a temporary
directory: at the commit the project was made from (the base: `_commit` in its
`.cookiecutter.json`, or --from) and at the target (--to, default the newest
release tag, or the default branch when there is none). Then git merges base ->
target into the project's working tree, file by file (`git merge-file --diff3`):
both sides changing the same lines give ordinary conflict markers, with the base
shown. Exit status: 0 merged cleanly, 1 merged with conflicts (each listed), 2
could not update (one line says why; nothing written). See docs/update.md.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from compare import drift
from infer import (
    regenerate,
    template_default,
    values,
    written_by_another_template,
)
from render import (
    Refused,
    Template,
    as_recorded,
    bake,
    excluded_patterns,
    git,
    is_url,
    list_files,
    record_source,
    source_record,
    template_options,
)
from repository import (
    ANSWERS_FILE,
    ToolError,
    missing_module,
    option,
    read_repository,
    usage,
)

try:
    import cookiecutter  # noqa: F401
    import yaml  # noqa: F401
except ModuleNotFoundError as missing:  # reported by main() as one line
    MISSING = missing.name
else:
    MISSING = None

THIS_TEMPLATE = Path(__file__).resolve().parents[1]
# What each status means, as the text report says it.
EXPLAINED = {
    "both-changed": "both changed the same lines: resolve the conflict markers",
    "both-added": "added by the template and here, differently: resolve the conflict markers",
    "removed-but-changed": "removed by the template, changed here: kept, delete it or keep it",
    "binary": "a binary file both changed: yours is kept",
    "deleted-here": "deleted here: stays deleted",
}


@dataclass
class Change:
    path: str
    status: str  # added | updated | merged | removed | conflict | deleted
    detail: str = ""  # a key of EXPLAINED
    content: bytes | None = None  # what is written (None: nothing, or removed)
    executable: bool = False


# ---- the project -------------------------------------------------------------


def check_checkout(project):
    """Refuse a project that is not a clean git checkout: the update must always
    be one `git checkout .` away from undone."""
    if not project.is_dir():
        raise ToolError(f"{project}: no such directory")
    if not git("rev-parse", "--is-inside-work-tree", cwd=project, check=False) == "true":
        raise ToolError(f"{project}: not a git checkout (git init and commit it first)")
    status = git("status", "--porcelain", "--untracked-files=all", "--", ".", cwd=project)
    if status:
        count = len(status.splitlines())
        raise ToolError(
            f"{project}: uncommitted changes in {count} file{'s' * (count != 1)}: "
            "commit or stash them first"
        )


def template_source(arguments, recorded, project):
    """Where to fetch the template: --template, else the recorded `_template` (a
    relative path is taken from the project's parent, where cookiecutter ran),
    else this checkout."""
    if arguments.template:
        return as_recorded(arguments.template)
    source = (recorded or {}).get("_template")
    if not source:
        return str(THIS_TEMPLATE)
    if is_url(source) or Path(source).expanduser().is_absolute():
        return source
    return str((project.resolve().parent / source).resolve())


def recorded_commit(project, recorded):
    """The template commit the project records: `_commit` in its answers, else
    cruft's `commit` in .cruft.json; None when neither says."""
    if recorded.get("_commit"):
        return recorded["_commit"]
    try:
        commit = json.loads((project / ".cruft.json").read_text(encoding="utf-8")).get("commit")
    except (OSError, ValueError, AttributeError):
        return None
    return commit if isinstance(commit, str) and commit else None


def parse_sets(pairs, options):
    """--set KEY=VALUE pairs as {key: value}, a yes/no option's value as a bool."""
    answers = {}
    for pair in pairs:
        key, equals, value = pair.partition("=")
        if not equals or key not in options or key.startswith("_"):
            raise ToolError(f"--set {pair}: not KEY=VALUE with a question of the template")
        if isinstance(options[key], bool):
            spelled = value.strip().lower()
            if spelled not in ("1", "true", "yes", "y", "on", "0", "false", "no", "n", "off"):
                raise ToolError(f"--set {pair}: {key} takes true or false")
            value = spelled in ("1", "true", "yes", "y", "on")
        answers[key] = value
    return answers


def fill(options, known):
    """{question: value} for each question of ``options``: the ``known`` answer, else
    the template's default (a derived one from the answers before it); and the
    questions that got their default."""
    answers, defaulted = {}, []
    for key, raw in options.items():
        if key.startswith("_"):
            continue
        if key in known:
            answers[key] = known[key]
        else:
            answers[key] = template_default(raw, answers)
            defaulted.append(key)
    return answers, defaulted


# ---- rendering the base and the target ------------------------------------------


def render_at(template, commit, known, repo, work, name):
    """(answers, project directory) of the template at ``commit``: the ``known``
    answers (recorded), else those inferred from the repository."""
    tree = template.tree(commit)
    options = template_options(tree)
    if known is None:
        inferred, project = regenerate(repo, tree, options, work, name)
        return values(inferred), project
    answers, _ = fill(options, known)
    return answers, bake(tree, answers, work, name)


def differing_lines(project, rendered):
    """How many lines differ between the project and a render, over the render's
    files (the project's own files are not counted)."""
    total = 0
    for report in drift(project, rendered):
        if report.status in ("differs", "missing") and report.path != ANSWERS_FILE:
            total += 1 if report.added is None else report.added + report.removed
    return total


def choose_base(template, known, repo, work):
    """--from auto: the release tag (or, without tags, the commit of the default
    branch) whose render differs least from the project, the newest on a tie.
    Returns (commit, [(name, differing lines)])."""
    candidates = [commit for _, commit in template.releases()]
    if not candidates:
        candidates = template.git("rev-list", "--max-count=30", "HEAD").split()
    scores = []
    for commit in candidates:
        _, rendered = render_at(template, commit, known, repo, work, "candidate")
        scores.append((commit, differing_lines(repo.path, rendered)))
    best = min(scores, key=lambda score: score[1])  # the first minimum: the newest
    return best[0], [(template.name(commit), lines) for commit, lines in scores]


# ---- the merge ---------------------------------------------------------------


def read(path):
    return path.read_bytes() if path is not None and path.is_file() else None


def executable(path):
    return path is not None and os.access(path, os.X_OK)


def is_text(data):
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\0" not in data


def merge_file(ours, base, theirs, labels, work):
    """git merge-file --diff3 of three versions: (merged bytes, clean?)."""
    paths = []
    for name, data in zip(("ours", "base", "theirs"), (ours, base, theirs), strict=True):
        path = Path(work, f"merge-{name}")
        path.write_bytes(data)
        paths.append(str(path))
    result = subprocess.run(
        ["git", "merge-file", "--stdout", "--diff3",
         "-L", labels[0], "-L", labels[1], "-L", labels[2], *paths],
        capture_output=True,
        check=False,
    )  # fmt: skip
    if result.returncode < 0 or result.returncode > 127:
        raise ToolError(f"git merge-file failed: {result.stderr.decode(errors='replace')}")
    return result.stdout, result.returncode == 0


def plan(project, base, target, names, work):
    """[Change] that takes ``project`` from the ``base`` render to the ``target``
    render, keeping every change of its own."""
    patterns = excluded_patterns(target)
    base_files, target_files = list_files(base, patterns), list_files(target, patterns)
    changes = []
    for relative in sorted((base_files.keys() | target_files.keys()) - {ANSWERS_FILE}):
        b, t = base_files.get(relative), target_files.get(relative)
        mine = project / relative
        ours, old, new = read(mine), read(b), read(t)
        if ours is None and mine.exists():  # a directory here where the template has a file
            changes.append(Change(relative, "conflict", "both-added"))
            continue
        if ours is None and old is not None and new is not None:
            changes.append(Change(relative, "deleted", "deleted-here"))
            continue  # deleted here: stays deleted, whatever the template did
        if old == new and executable(b) == executable(t):
            continue  # the template did not change it: whatever the project did stays
        if new is None:  # the template removed it
            if ours == old:
                changes.append(Change(relative, "removed"))
            elif ours is not None:
                changes.append(Change(relative, "conflict", "removed-but-changed"))
            continue
        if ours is None:  # the template added it
            changes.append(Change(relative, "added", "", new, executable(t)))
            continue
        if ours == new:
            if executable(mine) != executable(t):
                changes.append(Change(relative, "updated", "", new, executable(t)))
            continue
        if ours == old:
            changes.append(Change(relative, "updated", "", new, executable(t)))
            continue
        if not all(is_text(data) for data in (ours, old or b"", new)):
            changes.append(Change(relative, "conflict", "binary"))
            continue
        labels = ("yours", f"template-{names[0]}",
                  f"template-{names[1]}")  # fmt: skip
        merged, clean = merge_file(ours, old or b"", new, labels, work)
        status, detail = ("merged", "") if clean else ("conflict", "both-changed")
        if old is None and not clean:
            detail = "both-added"
        changes.append(Change(relative, status, detail, merged, executable(mine)))
    return changes


def apply(project, changes, answers_text):
    """Write the changes and the new answers file into the project."""
    umask = os.umask(0)
    os.umask(umask)
    for change in changes:
        path = project / change.path
        if change.status == "removed":
            path.unlink()
        elif change.content is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(change.content)
            mode = 0o777 if change.executable else 0o666
            path.chmod(mode & ~umask)
    if answers_text is not None:
        (project / ANSWERS_FILE).write_bytes(answers_text)


# ---- the command -------------------------------------------------------------


@dataclass
class Report:
    project: str
    template: str
    base: dict
    target: dict
    note: str | None
    chosen: list | None
    new_options: dict
    set: dict
    files: list
    commits: list
    dry_run: bool

    @property
    def conflicts(self):
        return [change.path for change in self.files if change.status == "conflict"]


def update(arguments):
    """Do the update (unless --dry-run); return the Report. ToolError: nothing written."""
    if MISSING:
        raise ToolError(missing_module(MISSING))
    project = Path(arguments.path)
    check_checkout(project)
    project = project.resolve()
    repo = read_repository(project)
    with tempfile.TemporaryDirectory(prefix="template-update-") as work:
        work = Path(work)
        source = template_source(arguments, repo.recorded and repo.recorded[1], project)
        template = Template(source, work)
        target_ref, target = arguments.to, None
        if target_ref is None:
            target_ref, target = template.newest()
        target = target or template.commit(target_ref)
        target_options = template_options(template.tree(target))
        note = written_by_another_template(repo.recorded, target_options)
        notes = [note] if note else []
        recorded = None if note or repo.recorded is None else repo.recorded[1]
        known = {k: v for k, v in recorded.items() if not k.startswith("_")} if recorded else None
        sets = parse_sets(arguments.set, target_options)

        chosen = None
        if arguments.from_ref == "auto":
            base, chosen = choose_base(template, known, repo, work)
        elif arguments.from_ref:
            base = template.commit(arguments.from_ref)
        elif recorded and recorded_commit(project, recorded):
            base = template.commit(recorded_commit(project, recorded))
        else:
            what = "no template commit" if recorded else "no answers"
            raise ToolError(
                f"{what} recorded in {ANSWERS_FILE}: name the template version the project "
                f"was made from with {option('--from', '<tag or commit>')}, or find it with "
                f"{option('--from', 'auto')}"
            )

        base_tree, target_tree = template.tree(base), template.tree(target)
        if known is None:  # inferred: the base render says which answers the template takes
            base_answers, base_project = render_at(template, base, known, repo, work, "base")
        else:
            base_answers, _ = fill(template_options(base_tree), known)
        target_known = {**base_answers, **(known or {}), **sets}
        target_answers, defaulted = fill(target_options, target_known)
        defaulted = [key for key in defaulted if key not in base_answers]
        with ThreadPoolExecutor(max_workers=2) as pool:  # the two renders side by side
            target_job = pool.submit(bake, target_tree, target_answers, work, "target")
            if known is not None:
                base_project = bake(base_tree, base_answers, work, "base")
            target_project = target_job.result()
        # Where the next update finds the template: recorded as a bake records it.
        record = source_record(source, target, prefer=(recorded or {}).get("_template"))
        recorded_template = record["_template"]
        record_source(target_project, {**record, "_checkout": target_ref})
        if recorded and recorded.get("_uncommitted") and not arguments.from_ref:
            notes.append(
                f"the project was made from the template with uncommitted changes "
                f"(_uncommitted in {ANSWERS_FILE}): the merge keeps them as the project's own edits"
            )
        names = (template.name(base), template.name(target))
        changes = plan(project, base_project, target_project, names, work)
        answers_file = target_project / ANSWERS_FILE
        answers_text = answers_file.read_bytes() if answers_file.is_file() else None
        if answers_text == read(project / ANSWERS_FILE):
            answers_text = None
        report = Report(
            project=str(project),
            template=source if recorded_template == source else f"{recorded_template} ({source})",
            base={"ref": names[0], "commit": base},
            target={"ref": target_ref, "commit": target},
            note="; ".join(notes) or None,
            chosen=chosen,
            new_options={key: target_answers[key] for key in defaulted},
            set=sets,
            files=changes,
            commits=template.log(base, target),
            dry_run=arguments.dry_run,
        )
        if not arguments.dry_run:
            apply(project, changes, answers_text)
    return report


def format_text(report):
    lines = [f"note: {report.note}"] if report.note else []
    would = "would update" if report.dry_run else "updated"
    lines.append(
        f"Template {report.template}: {report.base['ref']} -> {report.target['ref']} "
        f"({report.target['commit'][:12]}); {would} {report.project}"
    )
    if report.chosen:
        scores = ", ".join(f"{name}: {count}" for name, count in report.chosen)
        lines.append(
            f"Base {report.base['ref']}, chosen by --from auto: the render that differs "
            f"least from the project (lines differing: {scores})"
        )
    for key, value in report.new_options.items():
        change = option("--set", f"{key}=VALUE")
        lines.append(f"New option {key} = {json.dumps(value)} (the default; {change} changes it)")
    for key, value in report.set.items():
        lines.append(f"Set {key} = {json.dumps(value)}")
    lines.append("Files:" if report.files else "Files: nothing to change")
    for change in report.files:
        detail = f"  ({EXPLAINED[change.detail]})" if change.detail else ""
        lines.append(f"  {change.status:<10} {change.path}{detail}")
    if report.commits:
        lines.append(f"Template commits since {report.base['ref']}:")
        lines += [f"  {commit}" for commit in report.commits]
    counts = {}
    for change in report.files:
        counts[change.status] = counts.get(change.status, 0) + 1
    summary = ", ".join(f"{count} {status}" for status, count in sorted(counts.items()))
    ending = (
        f"Conflicts in {len(report.conflicts)} file{'s' * (len(report.conflicts) != 1)}: "
        "resolve them, then commit."
        if report.conflicts
        else "Merged cleanly: review, then commit."
    )
    lines.append(f"Summary: {summary or 'no file changes'}. {ending}")
    return "\n".join(lines) + "\n"


def format_markdown(report):
    """The report as a pull request: its title on the first line, a blank line, the body."""
    base, target = report.base["ref"], report.target["ref"]
    lines = [f"Template update: {base} -> {target}", ""]
    if report.note:
        lines += [f"Note: {report.note}", ""]
    lines.append(
        f"Merges the template ({report.template}) at `{target}` "
        f"(`{report.target['commit'][:12]}`) into this project, which was made from `{base}`: "
        "`make template-update` did it, with git's three-way merge."
    )
    lines.append("")
    if report.conflicts:
        lines.append(
            "**Conflicts** (committed with their markers: resolve them on this branch, then push):"
        )
        lines.append("")
        lines += [
            f"- `{change.path}`: {EXPLAINED[change.detail]}"
            for change in report.files
            if change.status == "conflict"
        ]
        lines.append("")
    if report.new_options:
        lines += ["**New options**, given their default (change them in `.cookiecutter.json`):", ""]
        lines += [f"- `{key}` = `{json.dumps(value)}`" for key, value in report.new_options.items()]
        lines.append("")
    lines += ["**Files**:", ""]
    lines += [
        f"- {change.status} `{change.path}`"
        + (f" ({EXPLAINED[change.detail]})" if change.detail else "")
        for change in report.files
    ] or ["- none"]
    if report.commits:
        lines += ["", f"**The template's commits since `{base}`**:", ""]
        lines += [f"- {commit}" for commit in report.commits]
    return "\n".join(lines) + "\n"


def format_json(report):
    document = asdict(report)
    document["files"] = [
        {"path": c.path, "status": c.status, "detail": EXPLAINED.get(c.detail, "")}
        for c in report.files
    ]
    document["conflicts"] = report.conflicts
    document["chosen"] = [{"ref": name, "differing_lines": n} for name, n in report.chosen or []]
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def parse_arguments(argv):
    prog, usage_line = usage("update.py")
    parser = argparse.ArgumentParser(
        prog=prog,
        usage=usage_line,
        description="Merge a newer version of the template into a project made from it. "
        "Exit 0 merged cleanly, 1 merged with conflicts, 2 could not update.",
    )
    parser.add_argument("path", metavar="PATH", help="the project (a clean git checkout)")
    parser.add_argument("--to", help="the template version to update to (default: newest release)")
    parser.add_argument(
        "--template", help="the template: a path, a git URL or gh:owner/repo (default: recorded)"
    )
    parser.add_argument(
        "--from",
        dest="from_ref",
        help="the template version the project was made from, when not recorded; "
        "auto: the one whose render differs least",
    )
    parser.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="change an answer"
    )
    parser.add_argument("--dry-run", action="store_true", help="report, write nothing")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print the report as JSON")
    output.add_argument(
        "--markdown", action="store_true", help="print the report as a pull request's text"
    )
    return parser.parse_args(argv)


def main(argv=None, out=sys.stdout):
    arguments = parse_arguments(argv)
    try:
        report = update(arguments)
    except Exception as error:  # noqa: BLE001 (exit 1 means conflicts: anything else is 2)
        if isinstance(error, Refused):
            reason = f"the template refuses {error}"
        elif isinstance(error, ToolError):
            reason = str(error)
        else:
            reason = f"{type(error).__name__}: {error}"
        reason = " ".join(reason.split())
        print(f"error: could not update: {reason}", file=sys.stderr)
        if arguments.json:
            print(json.dumps({"error": reason}, ensure_ascii=False))
        return 2
    if arguments.json:
        out.write(format_json(report))
    elif arguments.markdown:
        out.write(format_markdown(report))
    else:
        out.write(format_text(report))
    return 1 if report.conflicts else 0


if __name__ == "__main__":
    sys.exit(main())
