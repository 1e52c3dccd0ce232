"""Benchmark tools/update.py: the time to update one project to a newer template.

Builds a template history from this checkout in a temporary directory (a git
repository: v1 as it is, v2 with a README line and a comment of each
Dockerfile@<package manager> changed), bakes the default project at v1 from
it, commits it and edits its README (so the merge has work to do), then times,
round after round (the two cases alternate):

* fetched: ``tools/update.py PROJECT --to v2 --template <the local repository>``
  (the template already fetched: two renders and the merge);
* url: the same with the template's ``file://`` URL (a bare clone first).

After each run the project is reset (``git reset --hard``, ``git clean -fdx``).
Prints the medians, min-max and ``uptime``'s load; ``--write-docs`` puts them in
docs/update.md between its markers.

    python benchmarks/update.py [--rounds N] [--write-docs]
"""

import argparse
import os
import platform
import resource
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

# The template's tests' helpers: one way to run a command.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from helpers import TEMPLATE, run

UPDATE = TEMPLATE / "tools" / "update.py"
DOCS = TEMPLATE / "docs" / "update.md"
DOCS_BEGIN, DOCS_END = "<!-- update benchmark -->", "<!-- /update benchmark -->"
SLUG = "{{cookiecutter.project_slug}}"


def git_env(home):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "COOKIECUTTER"))}
    return {
        **env, "HOME": str(home), "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "b@example.com",
        "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "b@example.com",
    }  # fmt: skip


def template_history(root, env):
    """A git repository of this checkout (v1) with a v2 commit; its path."""
    repo = root / "template.git"
    listed = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], TEMPLATE)
    for relative in filter(None, listed.stdout.split("\0")):
        if (TEMPLATE / relative).is_file():
            (repo / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(TEMPLATE / relative, repo / relative)
    for command in (["git", "init", "-q", "-b", "main"], ["git", "add", "-A"],
                    ["git", "commit", "-q", "-m", "v1"], ["git", "tag", "v1"]):  # fmt: skip
        run(command, repo, env)
    with (repo / SLUG / "README.md").open("a", encoding="utf-8") as readme:
        readme.write("\nAdded in v2.\n")
    # Both variants: the post-generation hook keeps the package manager's one.
    dockerfiles = sorted((repo / SLUG).glob("Dockerfile@*"))
    assert dockerfiles, "no Dockerfile@<package manager> in the template"
    for dockerfile in dockerfiles:
        text = dockerfile.read_text(encoding="utf-8")
        assert "# The versions: each is set here" in text, f"{dockerfile.name} changed"
        dockerfile.write_text(
            text.replace(
                "# The versions: each is set here", "# The versions (v2): each is set here"
            ),
            encoding="utf-8",
        )
    for command in (["git", "commit", "-q", "-am", "v2"], ["git", "tag", "v2"]):
        run(command, repo, env)
    return repo


def baked_project(root, repo, env):
    """The default project baked at v1 from the URL, committed, its README edited."""
    out = root / "bake"
    run([sys.executable, "-m", "cookiecutter", "--no-input", repo.as_uri(), "--checkout", "v1",
         "-o", out], env=env)  # fmt: skip
    (project,) = out.iterdir()
    readme = project / "README.md"
    text = readme.read_text(encoding="utf-8")
    readme.write_text(text.replace("\n## ", "\nOur own line.\n\n## ", 1), encoding="utf-8")
    for command in (["git", "init", "-q", "-b", "main"], ["git", "add", "-A"],
                    ["git", "commit", "-q", "-m", "baked, edited"]):  # fmt: skip
        run(command, project, env)
    return project


def time_update(project, template, env):
    """(wall-clock seconds, CPU seconds of the update and its children)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    run([sys.executable, UPDATE, project, "--to", "v2", "--template", template], env=env)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    run(["git", "reset", "-q", "--hard"], project, env)
    run(["git", "clean", "-q", "-fdx"], project, env)
    return elapsed, cpu


def load():
    return run(["uptime"]).stdout.strip().split("load average:")[-1].strip()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--write-docs", action="store_true")
    arguments = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-update-") as work:
        root = Path(work)
        env = git_env(root / "home")
        (root / "home").mkdir()
        repo = template_history(root, env)
        project = baked_project(root, repo, env)
        loads = [load()]
        samples = {"fetched": [], "url": []}
        for _ in range(arguments.rounds):
            samples["fetched"].append(time_update(project, repo, env))
            samples["url"].append(time_update(project, repo.as_uri(), env))
        loads.append(load())
    rows = []
    for case, values in samples.items():
        wall, cpu = [v[0] for v in values], [v[1] for v in values]
        rows.append(
            f"| {case} | {statistics.median(wall):.2f} s | {min(wall):.2f}–{max(wall):.2f} s "
            f"| {statistics.median(cpu):.2f} s |"
        )
    samples = {case: [v[0] for v in values] for case, values in samples.items()}
    verdict = "met" if statistics.median(samples["fetched"]) <= 3 else "missed"
    section = "\n".join(
        [
            (
                f"Latest run: {date.today().isoformat()}, `benchmarks/update.py --rounds "
                f"{arguments.rounds}`: {os.cpu_count()} CPUs, Python "
                f"{platform.python_version()}, load average (1, 5, 15 min) {loads[0]} before, "
                f"{loads[1]} after."
            ),
            "",
            (
                "| update of the default project, v1 → v2 (README edited: a real merge) "
                "| median | min–max | CPU time (median) |"
            ),
            "| --- | --- | --- | --- |",
            *[
                row.replace("| fetched |", "| template fetched (a local repository) |", 1).replace(
                    "| url |", "| from its `file://` URL (a bare clone first) |", 1
                )
                for row in rows
            ],
            "",
            f"Goal: ≤ 3 s with the template fetched: **{verdict}**.",
        ]
    )
    print(section)
    if arguments.write_docs:
        text = DOCS.read_text(encoding="utf-8")
        before, rest = text.split(DOCS_BEGIN)
        _, after = rest.split(DOCS_END)
        DOCS.write_text(f"{before}{DOCS_BEGIN}\n{section}\n{DOCS_END}{after}", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
