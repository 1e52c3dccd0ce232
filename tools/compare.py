#!/usr/bin/env python3
"""Compare any Python repository with this template.

    python3 tools/compare.py PATH [--template SRC] [--checkout REF] [--diff] [--json]
                                  [--write-answers [--force]]

Infers the template's answers from the repository's own files (a recorded
`.cookiecutter.json` wins, unless another template wrote it), regenerates the
project with them in a temporary directory, and reports, for each file the
template produces, whether the repository has it identical, different or not at
all, plus the files only the repository has. Exit status: 0 no drift, 1 drift,
2 could not compare (one line on stderr says why). It writes into the
repository only with --write-answers (its `.cookiecutter.json`), and removes its
temporary directory.

The jobs live in modules beside this one: repository.py reads the repository,
infer.py infers the answers, render.py renders the template at a ref (the engine
update.py shares). Needs cookiecutter (and PyYAML, which cookiecutter installs).
See docs/compare.md.
"""

import argparse
import difflib
import json
import shutil
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from infer import (  # noqa: F401
    fit_choice,
    infer_answers,
    license_name,
    readme_title,
    regenerate,
    written_by_another_template,
)
from render import (  # noqa: F401
    NOT_FROM_TEMPLATE,
    Template,
    as_recorded,
    excluded_patterns,
    list_files,
    record_source,
    recorded_source,
    source_record,
    template_options,
)
from repository import (  # noqa: F401
    ANSWERS_FILE,
    ToolError,
    missing_module,
    option,
    read_repository,
    setup_py_arguments,
    usage,
)

try:
    import cookiecutter  # noqa: F401
    import yaml  # noqa: F401
except ModuleNotFoundError as missing:  # reported by main() as one line
    MISSING = missing.name
else:
    MISSING = None

# This checkout of the template: the default --template.
THIS_TEMPLATE = Path(__file__).resolve().parents[1]
CompareError = ToolError


@dataclass
class FileReport:
    path: str
    status: str  # identical | differs | missing | added
    added: int | None = 0  # lines only in the repository (None: a binary file)
    removed: int | None = 0  # lines only in the template
    diff: list[str] = field(default_factory=list)


# ---- the drift report ----------------------------------------------------------


def line_count(data):
    try:
        return len(data.decode("utf-8").splitlines())
    except UnicodeDecodeError:
        return None


def compare_file(relative, template_path, repo_path):
    """One file's FileReport; ``-`` lines are the template's, ``+`` the repository's."""
    ours = template_path.read_bytes() if template_path else b""
    theirs = repo_path.read_bytes() if repo_path else b""
    if template_path is None:
        return FileReport(relative, "added", line_count(theirs), 0)
    status = "missing" if repo_path is None else "identical" if ours == theirs else "differs"
    if status == "identical":
        return FileReport(relative, status)
    try:
        diff = list(
            difflib.unified_diff(
                ours.decode("utf-8").splitlines(keepends=True),
                theirs.decode("utf-8").splitlines(keepends=True),
                f"template/{relative}",
                f"repository/{relative}",
            )
        )
    except UnicodeDecodeError:
        return FileReport(relative, status, None, None)
    body = diff[2:]
    added = sum(line.startswith("+") for line in body)
    removed = sum(line.startswith("-") for line in body)
    return FileReport(relative, status, added, removed, diff)


def drift(repo_path, project):
    """[FileReport] for every file of the regenerated ``project`` and of the repository."""
    patterns = excluded_patterns(project)
    template_files = list_files(project, patterns)
    try:
        repo_files = list_files(repo_path, patterns)
        return [
            compare_file(relative, template_files.get(relative), repo_files.get(relative))
            for relative in sorted(template_files.keys() | repo_files.keys())
        ]
    except OSError as error:
        raise CompareError(f"cannot read {error.filename}: {error.strerror}") from error


def summary(files):
    counts = {status: 0 for status in ("identical", "differs", "missing", "added")}
    for report in files:
        counts[report.status] += 1
    counts["drift"] = bool(counts["differs"] or counts["missing"])
    return counts


# ---- output ------------------------------------------------------------------


def format_answers(answers):
    lines = ["Answers (from the repository's files, or the template's default):"]
    for key, answer in answers.items():
        detail = f" ({answer.detail})" if answer.detail else ""
        value = json.dumps(answer.value, ensure_ascii=False)
        lines.append(f"  {key:<18} = {value:<28} {answer.source}{detail}")
    return lines


def collapsed(files, template_dirs):
    """The added files as listed in the text report: those under a directory the
    template does not produce at all are one line for that directory."""
    entries = {}
    for report in files:
        parts = report.path.split("/")
        top = next(
            (
                "/".join(parts[: i + 1])
                for i in range(len(parts) - 1)
                if "/".join(parts[: i + 1]) not in template_dirs
            ),
            None,
        )
        key = f"{top}/" if top else report.path
        entries.setdefault(key, []).append(report)
    return entries


def format_report(answers, files, template, checkout, show_diff=False):
    lines = format_answers(answers)
    source = f"{template}" + (f" at {checkout}" if checkout else "")
    lines += ["", f"Files (template {source}; - template, + repository):"]
    template_files = [f for f in files if f.status != "added"]
    template_dirs = {
        "/".join(f.path.split("/")[:i])
        for f in template_files
        for i in range(1, f.path.count("/") + 1)
    }

    def counts(report):
        if report.added is None:
            return "  (binary)"
        parts = [
            f"+{report.added}" if report.added else "",
            f"-{report.removed}" if report.removed else "",
        ]
        return "  " + " ".join(filter(None, parts)) if any(parts) else ""

    for report in template_files:
        lines.append(f"  {report.status:<10} {report.path}{counts(report)}")
    for entry, reports in collapsed(
        [f for f in files if f.status == "added"], template_dirs
    ).items():
        if entry.endswith("/"):
            lines.append(f"  {'added':<10} {entry}  ({len(reports)} files)")
        else:
            lines.append(f"  {'added':<10} {entry}{counts(reports[0])}")
    totals = summary(files)
    lines.append(
        f"Summary: {len(template_files)} files from the template: {totals['identical']} identical, "
        f"{totals['differs']} differ, {totals['missing']} missing; {totals['added']} only in "
        f"the repository. {'Drift.' if totals['drift'] else 'No drift.'}"
    )
    if show_diff:
        for report in files:
            lines += [line.rstrip("\n") for line in report.diff]
    return "\n".join(lines) + "\n"


def format_json(repo_path, answers, files, template, checkout, show_diff=False, note=None):
    document = {
        "repository": str(Path(repo_path).resolve()),
        "template": {"source": str(template), "checkout": checkout},
        "answers": {key: asdict(answer) for key, answer in answers.items()},
        "files": [
            {**asdict(report), "diff": "".join(report.diff)} if show_diff else
            {k: v for k, v in asdict(report).items() if k != "diff"}
            for report in files
        ],
        "summary": summary(files),
        **({"note": note} if note else {}),
    }  # fmt: skip
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


# ---- the command -------------------------------------------------------------


def parse_arguments(argv):
    prog, usage_line = usage("compare.py")
    parser = argparse.ArgumentParser(
        prog=prog,
        usage=usage_line,
        description="Compare a repository with the template: infer its answers, "
        "regenerate, report drift. Exit 0 no drift, 1 drift, 2 could not compare.",
    )
    parser.add_argument("path", metavar="PATH", help="the repository to compare")
    parser.add_argument(
        "--template",
        default=str(THIS_TEMPLATE),
        help="template: a path, a git URL or gh:owner/repo (default: this checkout)",
    )
    parser.add_argument("--checkout", help="a tag, branch or commit of a git template")
    parser.add_argument("--diff", action="store_true", help="show the unified diffs")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--write-answers",
        action="store_true",
        help=f"write the answers as {ANSWERS_FILE} into the repository",
    )
    parser.add_argument("--force", action="store_true", help=f"replace an existing {ANSWERS_FILE}")
    arguments = parser.parse_args(argv)
    if arguments.force and not arguments.write_answers:
        parser.error(f"{option('--force')} only goes with {option('--write-answers')}")
    return arguments


def run(arguments, out=sys.stdout):
    """Compare; print the report to ``out``; return the exit status (0 or 1).
    Raises CompareError when it cannot compare."""
    if MISSING:
        raise CompareError(missing_module(MISSING))
    repo = read_repository(arguments.path)
    answers_path = repo.path / ANSWERS_FILE
    if arguments.write_answers and answers_path.exists() and not arguments.force:
        raise CompareError(
            f"{answers_path} exists: not overwritten ({option('--write-answers --force')} replaces it)"
        )
    template = as_recorded(arguments.template)
    with tempfile.TemporaryDirectory(prefix="template-compare-") as work:
        opened = Template(template, work)
        template_dir = opened.tree(arguments.checkout)
        commit = opened.rendered_commit(arguments.checkout)
        options = template_options(template_dir)
        note = written_by_another_template(repo.recorded, options)
        answers, project = regenerate(repo, template_dir, options, Path(work))
        if arguments.write_answers:  # recorded as a bake records it
            source = {**source_record(template, commit), "_checkout": arguments.checkout}
            record_source(project, source)
            shutil.copyfile(project / ANSWERS_FILE, answers_path)
        recorded = None if note else recorded_source(repo.path)
        if recorded:  # comparing with another copy of the template is not drift
            record_source(project, recorded)
        files = drift(repo.path, project)
    if recorded and recorded.get("_uncommitted") and arguments.checkout:
        note = (
            f"the project was made from the template with uncommitted changes (_uncommitted "
            f"in {ANSWERS_FILE}); compared with the commit, what they changed shows as drift"
        )
    if arguments.json:
        out.write(
            format_json(
                repo.path, answers, files, template, arguments.checkout, arguments.diff, note
            )
        )
    else:
        if note:
            out.write(f"note: {note}\n")
        out.write(format_report(answers, files, template, arguments.checkout, arguments.diff))
    return 1 if summary(files)["drift"] else 0


def main(argv=None):
    arguments = parse_arguments(argv)
    try:
        return run(arguments)
    except Exception as error:  # noqa: BLE001 (exit 1 means drift: anything else is 2)
        reason = (
            str(error) if isinstance(error, CompareError) else f"{type(error).__name__}: {error}"
        )
        print(f"error: could not compare: {reason}", file=sys.stderr)
        if arguments.json:
            print(json.dumps({"error": reason}, ensure_ascii=False))
        return 2


if __name__ == "__main__":
    sys.exit(main())
