"""Benchmark the dev loop of a baked project: bake, builds, edit -> test latency, sizes.

For each package manager, rounds interleaved (the order of the package managers
and of the loop variants rotates every round), medians and min-max of:

* bake: ``python -m cookiecutter --no-input`` of the default project;
* builds (``docker compose build``, BuildKit): cold (``--no-cache``), warm
  rebuild after a code-only edit, and rebuild after a dependency change; the
  plain build log shows whether the dependency step was CACHED and how many
  packages the project step installed (the project itself only: 1);
* edit -> green tests, each a host edit to the package and its test, then:
  ``run`` (``docker compose run --rm test``), ``make`` (``make test``, the
  loop the README teaches first: ``docker exec`` into a kept test container
  since issue 12), ``exec`` (``make test-fast``, where the Makefile still has
  it), ``watch`` (``make test-watch`` running: time until its pytest reports
  the run), ``native``
  (pytest in a host virtualenv with the project installed editable: the
  floor), ``rebuild`` (the same project without its mount: ``docker compose
  build test`` + ``docker compose run --rm test``, the loop the mount avoids);
* the dependency-change rebuild: packages downloaded (pip's "Downloading",
  uv's "Prepared N");
* sizes: the dev image, the prod image and the base image (``docker image
  inspect``), the venv's site-packages and the uv binary (``du`` in the
  container).

Prints the machine, a Markdown table and ratios; ``--json PATH`` writes every
sample; ``--write-docs`` writes the machine, the tables and the targets (met or
missed) into docs/benchmark.md, between its markers; ``--from-json PATH``
measures nothing and reports a saved run (with ``--write-docs``, into the docs). Baked projects, their containers and images are removed afterwards,
even on failure. Compose projects are named ``bench-<pm>-<pid>...``.

    python benchmarks/devloop.py [--rounds N] [--package-manager uv|pip|both]
                                 [--json PATH] [--smoke] [--template PATH]
                                 [--write-docs] [--from-json PATH]
                                 [--baseline PATH] [--loops-only]

``--baseline PATH``: also measure the template at PATH (an older checkout,
e.g. ``git archive <commit> | tar -x -C /tmp/before``), interleaved with this
one in the same rounds, as columns "<pm> baseline". ``--loops-only``: the
edit -> test loops and sizes only (no build rounds, no prod image), for more
rounds of the loops in the same time.

``--smoke``: one round, uv only, builds with the layer cache, no prod image:
a check that every step still works, not a measurement.
"""

import argparse
import contextlib
import datetime
import itertools
import json
import os
import platform
import re
import selectors
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

# The helpers the template's tests use: commands, baking, compose projects, the
# BuildKit log parser.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from helpers import (
    TEMPLATE,
    ComposeProject,
    bake,
    compose_environment,
    installed,
    output,
    remove_compose_project,
    run,
    split_at_source_copy,
)

MOUNT = "  volumes:\n    - .:/src\n"
NEW_DEPENDENCY = "tomli-w>=1.0"  # small, pure Python, no dependencies of its own
LOOPS = ("run", "make", "exec", "watch", "native", "rebuild")
BUILDS = ("bake", "cold", "code", "deps")
EDITS = itertools.count(1)


def log(*args, sep=" "):
    print(*args, sep=sep, file=sys.stderr, flush=True)


def timed_bake(template, output_dir, **answers):
    """Bake with the cookiecutter command line, as a user does; (seconds, path)."""
    start = time.perf_counter()
    path = bake(output_dir, template, **answers)
    return time.perf_counter() - start, path


def downloaded_count(lines):
    """Packages a build step downloaded: pip's "Downloading <wheel>" lines, uv's
    "Prepared N packages" (what uv had to fetch; wheels from its cache are not
    prepared)."""
    text = "\n".join(lines)
    wheel = r"^\s*Downloading \S+?\.(?:whl|tar\.gz|zip)(?!\.metadata)\b"
    pip = re.findall(wheel, text, re.MULTILINE)
    uv = re.findall(r"Prepared (\d+) packages?", text)
    return len(pip) + sum(int(n) for n in uv)


def code_rebuild_steps(build):
    """The dependency step (the last RUN before ``COPY . .``) and the project step
    (the last one) of a build's log."""
    before, after = split_at_source_copy(output(build))
    return before[-1], after[-1]


class Project(ComposeProject):
    """A baked project, compose run as the owner of its directory, and the edits
    the benchmark times."""

    def __init__(self, path):
        owner = Path(path).stat()
        super().__init__(path, compose_environment(owner.st_uid, owner.st_gid))
        self.word = "Hello"

    def edit_greeting(self):
        """Change the greeting word in the package and in the test that expects it
        (a word never used before, so no build can come from the layer cache)."""
        new = f"Edit{next(EDITS)}x{os.getpid()}"
        for relative in (f"src/{self.package}/commands/greet.py", "tests/test_greet.py"):
            self.edit(relative, f'"{self.word}, ', f'"{new}, ')
        self.word = new

    def add_dependency(self):
        new = f'dependencies = ["{NEW_DEPENDENCY}"]  # edit {next(EDITS)}'
        self.edit("pyproject.toml", "dependencies = []", new)


def image_size(name):
    return int(run(["docker", "image", "inspect", "-f", "{{.Size}}", name]).stdout)


class Watcher:
    """``make test-watch`` in the background; ``wait()`` times until pytest reports."""

    def __init__(self, project):
        self.project = project
        self.process = project.start("make", "test-watch")
        self.pending = ""
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.process.stdout, selectors.EVENT_READ)
        self.wait(timeout=120)  # watchfiles runs pytest once at start

    def wait(self, timeout=30):
        deadline = time.perf_counter() + timeout
        seen = []
        fd = self.process.stdout.fileno()
        while time.perf_counter() < deadline:
            while "\n" not in self.pending:  # unbuffered: select() sees every byte
                if not self.selector.select(timeout=max(0, deadline - time.perf_counter())):
                    raise RuntimeError("test-watch reported no pytest run:\n" + "".join(seen))
                chunk = os.read(fd, 65536).decode(errors="replace")
                if not chunk:
                    raise RuntimeError("test-watch ended:\n" + "".join(seen))
                self.pending += chunk
            line, self.pending = self.pending.split("\n", 1)
            seen.append(line + "\n")
            if re.search(r"\d+ (passed|failed|error)", line) and "=" in line:
                assert "failed" not in line and "error" not in line, "".join(seen)
                return time.perf_counter()
        raise RuntimeError("test-watch reported no pytest run:\n" + "".join(seen[-40:]))

    def latency(self):
        self.project.edit_greeting()
        start = time.perf_counter()
        return self.wait() - start

    def stop(self):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, 15)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=20)


class Bench:
    """Everything measured for one package manager."""

    def __init__(self, pm, template, tmp, smoke, label=None):
        self.pm, self.template, self.smoke = pm, template, smoke
        self.label = label or pm
        self.tmp = Path(tmp, self.label.replace(" ", "-"))
        self.tmp.mkdir()
        self.slug = f"bench-{self.label.replace(' ', '-')}-{os.getpid()}"
        self.samples = {key: [] for key in (*BUILDS, *LOOPS)}
        self.checks = []  # (round, dependency step status, packages installed, project step s)
        self.downloads = []  # packages the dependency-change rebuild downloaded, per round
        self.sizes = {}
        self.slugs = [self.slug, f"{self.slug}-rb", f"{self.slug}-b"]
        self.watcher = None

    # -- set-up (untimed) --------------------------------------------------
    def setup(self):
        answers = {"package_manager": self.pm}
        path = bake(self.tmp / "loop", self.template, project_name=self.slug, **answers)
        self.loop = Project(path)  # run, exec
        self.watched = Project(shutil.copytree(path, self.tmp / "watch" / self.slug))
        self.native = Project(shutil.copytree(path, self.tmp / "native" / self.slug))
        path = bake(self.tmp / "rb", self.template, project_name=f"{self.slug}-rb", **answers)
        self.rebuild = Project(path)
        self.rebuild.edit("compose.yaml", MOUNT, "")  # the loop without the mount
        log(f"[{self.label}] building the loop images")
        self.loop.compose("build")
        self.rebuild.compose("build", "test")
        venv = self.tmp / "native-venv"
        run([sys.executable, "-m", "venv", venv])
        pip = [
            venv / "bin/python",
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ]
        # The project and its dev group, as the image installs them (the generated
        # tests check, for one, that the ruff installed is the one pinned).
        dev = tomllib.loads(self.native.read("pyproject.toml"))["dependency-groups"]["dev"]
        run([*pip, "--ignore-requires-python", "--editable", self.native.path, *dev])
        self.native_pytest = venv / "bin/pytest"
        makefile = self.loop.read("Makefile")
        self.loops = [
            v
            for v in LOOPS
            if {"exec": "\ntest-fast:", "watch": "\ntest-watch:"}.get(v, "") in makefile
        ]
        if "watch" in self.loops:
            self.watcher = Watcher(self.watched)
        for variant in self.loops:  # warm-up, untimed
            self.loop_once(variant)

    def sizes_once(self):
        test = f"{self.slug}-test"
        version = re.search(
            r"^ARG PYTHON_VERSION=(\S+)", self.loop.read("Dockerfile"), re.MULTILINE
        )
        base = f"python:{version[1]}-slim"
        du = self.loop.compose(
            "run", "--rm", "--no-deps", "test", "sh", "-c",
            "du -sb /opt/venv/lib/python3*/site-packages | cut -f1;"
            " du -sb /opt/venv | cut -f1;"
            " du -cb $(command -v uv uvx 2>/dev/null) /dev/null | tail -1 | cut -f1",
        ).stdout.split()  # fmt: skip
        self.sizes = {
            "base_image": base,
            "base": image_size(base),
            "dev": image_size(test),
            "site_packages": int(du[-3]),
            "venv": int(du[-2]),
            "uv_binaries": int(du[-1]),
        }
        if not self.smoke:
            start = time.perf_counter()
            self.loop.make("prod-build")
            self.sizes["prod_build_s"] = round(time.perf_counter() - start, 2)
            self.sizes["prod"] = image_size(f"{self.slug}-prod")

    # -- one round ---------------------------------------------------------
    def builds_once(self, n):
        """Bake, cold build, code-only rebuild, dependency rebuild of a fresh project."""
        out = self.tmp / f"b{n}"
        seconds, path = timed_bake(
            self.template, out, project_name=f"{self.slug}-b", package_manager=self.pm
        )
        self.samples["bake"].append(seconds)
        project = Project(path)
        build = ["--progress=plain", "build"]
        cold = [*build, "--no-cache"] if not self.smoke else build
        for key, change in (
            ("cold", None),
            ("code", project.edit_greeting),
            ("deps", project.add_dependency),
        ):
            if change:
                change()
            start = time.perf_counter()
            result = project.compose(*(cold if key == "cold" else build))
            self.samples[key].append(time.perf_counter() - start)
            if key == "deps":
                dependencies, _ = code_rebuild_steps(result)
                self.downloads.append(downloaded_count(dependencies.output))
            if key == "code":
                dependencies, own = code_rebuild_steps(result)
                self.checks.append(
                    {
                        "round": n,
                        "dependency_step": "CACHED" if dependencies.cached else "DONE",
                        "project_step_installed": len(installed([own])),
                        "project_step_s": own.seconds,
                        "build_isolation": any("build dependencies" in x for x in own.output),
                    }
                )
        project.compose("down", "--remove-orphans", check=False)
        shutil.rmtree(out)

    def loop_once(self, variant):
        if variant == "watch":
            return self.watcher.latency()
        project = {"native": self.native, "rebuild": self.rebuild}.get(variant, self.loop)
        project.edit_greeting()
        start = time.perf_counter()
        if variant == "run":
            project.compose("run", "--rm", "test")
        elif variant == "make":
            project.make("test")
        elif variant == "exec":
            project.make("test-fast")
        elif variant == "native":
            env = {**os.environ, "PATH": f"{self.native_pytest.parent}:{os.environ['PATH']}"}
            run([self.native_pytest, "-q"], cwd=project.path, env=env)
        else:
            project.compose("build", "test")
            project.compose("run", "--rm", "test")
        return time.perf_counter() - start

    def loops_once(self, n):
        loops = self.loops
        order = loops[n % len(loops) :] + loops[: n % len(loops)]
        for variant in order:
            self.samples[variant].append(self.loop_once(variant))
        log(
            f"[{self.label}] round {n + 1}: "
            + ", ".join(
                f"{v} {s[-1]:.2f}" for v in (*BUILDS, *self.loops) if (s := self.samples[v])
            )
        )

    def cleanup(self):
        if self.watcher:
            self.watcher.stop()
        for project in ("loop", "watched", "rebuild"):
            if hasattr(self, project):
                getattr(self, project).down()
        for slug in self.slugs:
            remove_compose_project(slug)


def machine():
    return {
        "date": datetime.date.today().isoformat(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "docker_engine": run(["docker", "version", "-f", "{{.Server.Version}}"]).stdout.strip(),
        "docker_compose": run(["docker", "compose", "version", "--short"]).stdout.strip(),
        "host_python": platform.python_version(),
    }


def summary(values):
    return {
        "median": round(statistics.median(values), 3),
        "min": round(min(values), 3),
        "max": round(max(values), 3),
        "n": len(values),
    }


def machine_line(info):
    """When, how and where the benchmark ran, in one line."""
    where = [
        f"{info['cpus']} CPUs",
        f"Docker Engine {info['docker_engine']}",
        f"Compose {info['docker_compose']}",
        f"host Python {info['host_python']}",
        info.get("platform"),
    ]
    how = f"`devloop.py {info['arguments']}`, " if info.get("arguments") else ""
    return f"{info['date']}, {how}{info['wall_s']} s: " + ", ".join(filter(None, where))


def table(results, info):
    """The machine line, then the tables: what the benchmark prints."""
    return f"Dev loop benchmark, {machine_line(info)}\n\n{tables(results)}"


def median(result, key):
    return result["samples"].get(key, {}).get("median", float("nan"))


def fastest_mounted(result):
    loops = ("run", "make", "exec", "watch")
    return min(median(result, key) for key in loops if key in result["samples"])


def dev_overhead(result):
    """MB of the dev image above its base image and the venv's site-packages."""
    sizes = result["sizes"]
    return (sizes["dev"] - sizes["base"] - sizes["site_packages"]) / 1e6


def tables(results):
    """The timings, then the ratios and sizes, as Markdown tables."""
    mb = 1e6
    lines = [
        "| seconds, median (min–max) | " + " | ".join(results) + " |",
        "| --- |" + " --- |" * len(results),
    ]
    labels = {
        "bake": "bake (cookiecutter)",
        "cold": "cold build (--no-cache)",
        "code": "rebuild after a code-only edit",
        "deps": "rebuild after a dependency change",
        "run": "edit → test: `docker compose run --rm test`",
        "make": "edit → test: `make test`",
        "exec": "edit → test: the `test-fast` target (exec)",
        "watch": "edit → test: `make test-watch`",
        "native": "edit → test: native pytest (floor)",
        "rebuild": "edit → test: rebuild + run, no mount",
    }
    for key, label in labels.items():
        cells = []
        for result in results.values():
            s = result["samples"].get(key)
            if not s:
                cells.append("–")
                continue
            cells.append(f"{s['median']:.2f} ({s['min']:.2f}–{s['max']:.2f})")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "| ratios and sizes | " + " | ".join(results) + " |",
        "| --- |" + " --- |" * len(results),
    ]

    def row(label, fn):
        lines.append(f"| {label} | " + " | ".join(fn(r) for r in results.values()) + " |")

    row("run − native (s)", lambda r: f"{median(r, 'run') - median(r, 'native'):+.2f}")
    row("`make test` − native (s)", lambda r: f"{median(r, 'make') - median(r, 'native'):+.2f}")
    row("exec − native (s)", lambda r: f"{median(r, 'exec') - median(r, 'native'):+.2f}")
    row("watch − native (s)", lambda r: f"{median(r, 'watch') - median(r, 'native'):+.2f}")
    row(
        "rebuild / fastest mounted",
        lambda r: f"{median(r, 'rebuild') / fastest_mounted(r):.1f}×",
    )
    row(
        "dependency rebuild: packages downloaded (1 added)",
        lambda r: ", ".join(str(n) for n in r.get("downloads", [])) or "–",
    )
    uv_cold = results.get("uv", {}).get("samples", {}).get("cold")
    row(
        "cold build / uv cold build",
        lambda r: f"{median(r, 'cold') / uv_cold['median']:.2f}" if uv_cold else "–",
    )
    row(
        "code rebuild: dependency step, packages installed",
        lambda r: ", ".join(
            sorted({f"{c['dependency_step']} / {c['project_step_installed']}" for c in r["checks"]})
        ),
    )
    row(
        "code rebuild: project step s (build isolation)",
        lambda r: ", ".join(
            f"{c['project_step_s']:.1f}{' (isolated)' if c['build_isolation'] else ''}"
            for c in r["checks"]
        ),
    )
    size = {
        "base": "base image (MB)",
        "dev": "dev image (MB)",
        "site_packages": "venv site-packages (MB)",
        "venv": "whole venv /opt/venv, with bin/ruff (MB)",
        "uv_binaries": "uv + uvx binaries (MB)",
        "prod": "prod image (MB)",
    }
    for key, label in size.items():
        row(label, lambda r, k=key: f"{r['sizes'][k] / mb:.1f}" if k in r["sizes"] else "–")
    row(
        "dev − base − site-packages (MB; target ≤ 30)",
        lambda r: f"{dev_overhead(r):.1f}",
    )
    row(
        "dev − base − whole venv (MB)",
        lambda r: f"{(r['sizes']['dev'] - r['sizes']['base'] - r['sizes']['venv']) / mb:.1f}",
    )
    return "\n".join(lines)


# The benchmark's targets: (what, the figure it shows for one package manager, is
# it met?). The uv/pip target compares the two, so it has a figure for uv only.
TARGETS = [
    (
        "code-only rebuild installs 0 dependencies (dependency step / packages installed)",
        lambda r: ", ".join(
            sorted({f"{c['dependency_step']} / {c['project_step_installed']}" for c in r["checks"]})
        ),
        lambda r: all(
            c["dependency_step"] == "CACHED" and c["project_step_installed"] == 1
            for c in r["checks"]
        ),
    ),
    (
        "a dependency change downloads only the added package",
        lambda r: ", ".join(str(n) for n in r.get("downloads", [])) or "–",
        lambda r: bool(r.get("downloads")) and max(r["downloads"]) <= 1,
    ),
    (
        "`make test` ≤ native + 0.3 s",
        lambda r: f"{median(r, 'make') - median(r, 'native'):+.2f} s",
        lambda r: median(r, "make") - median(r, "native") <= 0.3,
    ),
    (
        "fastest mounted loop ≤ native + 0.15 s",
        lambda r: f"{fastest_mounted(r) - median(r, 'native'):+.2f} s",
        lambda r: fastest_mounted(r) - median(r, "native") <= 0.15,
    ),
    (
        "`compose run` loop ≤ native + 0.5 s",
        lambda r: f"{median(r, 'run') - median(r, 'native'):+.2f} s",
        lambda r: median(r, "run") - median(r, "native") <= 0.5,
    ),
    (
        "rebuild loop ≥ 10× the fastest mounted loop",
        lambda r: f"{median(r, 'rebuild') / fastest_mounted(r):.1f}×",
        lambda r: median(r, "rebuild") / fastest_mounted(r) >= 10,
    ),
    (
        "dev image ≤ base + site-packages + 30 MB",
        lambda r: f"+{dev_overhead(r):.1f} MB",
        lambda r: dev_overhead(r) <= 30,
    ),
]


def verdict(met):
    """'met', 'missed', or which package managers met it: from {pm: bool}."""
    if all(met.values()):
        return "**met**"
    if not any(met.values()):
        return "**missed**"
    return "; ".join(f"**{'met' if ok else 'missed'}** for {pm}" for pm, ok in met.items())


def targets(results):
    """The targets as a Markdown table: each package manager's figure, and the verdict."""
    lines = [
        "| target | " + " | ".join(results) + " | result |",
        "| --- |" + " --- |" * (len(results) + 1),
    ]
    for label, figure, met in TARGETS:
        figures = " | ".join(figure(r) for r in results.values())
        lines.append(
            f"| {label} | {figures} | {verdict({pm: met(r) for pm, r in results.items()})} |"
        )
    if {"uv", "pip"} <= set(results):
        ratio = median(results["uv"], "cold") / median(results["pip"], "cold")
        others = " | –" * (len(results) - 1)
        cells = f"{ratio:.2f}×{others} | {verdict({'uv': ratio <= 0.4})}"
        lines.append(f"| uv cold build ≤ 0.4× pip cold build | {cells} |")
    return "\n".join(lines)


DOCS = TEMPLATE / "docs" / "benchmark.md"
DOCS_BEGIN = "<!-- written by benchmarks/devloop.py --write-docs: begin -->"
DOCS_END = "<!-- written by benchmarks/devloop.py --write-docs: end -->"


def docs_section(results, info):
    """What --write-docs puts between the markers of docs/benchmark.md."""
    bake = results[next(iter(results))]["sizes"].get("base_image", "")
    python = bake.removeprefix("python:").removesuffix("-slim")
    return "\n".join(
        [
            f"Latest run: {machine_line(info)}; the default bake (cli, Python {python}).",
            "",
            tables(results),
            "",
            targets(results),
        ]
    )


def write_docs(path, section):
    """Replace what stands between the markers in ``path`` with ``section``."""
    text = path.read_text(encoding="utf-8")
    start, end = text.index(DOCS_BEGIN) + len(DOCS_BEGIN), text.index(DOCS_END)
    path.write_text(f"{text[:start]}\n{section}\n{text[end:]}", encoding="utf-8")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--package-manager", choices=["uv", "pip", "both"], default="both")
    parser.add_argument("--json", type=Path, help="write every sample here")
    parser.add_argument("--smoke", action="store_true", help="one round, uv, cached builds")
    parser.add_argument("--template", type=Path, default=TEMPLATE, help="template to bake")
    parser.add_argument(
        "--write-docs",
        action="store_true",
        help=f"write the machine, the tables and the targets into {DOCS.relative_to(TEMPLATE)}",
    )
    parser.add_argument(
        "--from-json", type=Path, help="measure nothing: report a run saved with --json"
    )
    parser.add_argument("--baseline", type=Path, help="another template, measured alongside")
    parser.add_argument("--loops-only", action="store_true", help="no build rounds, no prod")
    args = parser.parse_args()
    if args.from_json:
        saved = json.loads(args.from_json.read_text(encoding="utf-8"))
        report(saved["results"], saved["machine"], args)
        return
    arguments = " ".join(sys.argv[1:])
    if args.smoke:
        args.rounds, args.package_manager = 1, "uv"
    pms = ["uv", "pip"] if args.package_manager == "both" else [args.package_manager]
    wall = time.perf_counter()
    info = machine()
    log(json.dumps(info))
    with tempfile.TemporaryDirectory(prefix="devloop-") as tmp:
        quick = args.smoke or args.loops_only  # no prod image
        benches = [Bench(pm, args.template.resolve(), tmp, quick) for pm in pms]
        if args.baseline:
            baseline = args.baseline.resolve()
            benches += [Bench(pm, baseline, tmp, quick, f"{pm} baseline") for pm in pms]
        try:
            for bench in benches:
                bench.setup()
                bench.sizes_once()
            for n in range(args.rounds):
                for bench in benches if n % 2 == 0 else benches[::-1]:
                    if not args.loops_only:
                        bench.builds_once(n)
                    bench.loops_once(n)
        finally:
            for bench in benches:
                bench.cleanup()
    results = {
        b.label: {
            "samples": {key: summary(values) for key, values in b.samples.items() if values},
            "raw": b.samples,
            "checks": b.checks,
            "downloads": b.downloads,
            "sizes": b.sizes,
        }
        for b in benches
    }
    info["rounds"] = args.rounds
    info["smoke"] = args.smoke
    info["arguments"] = arguments
    info["wall_s"] = round(time.perf_counter() - wall)
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "results": results}, indent=2) + "\n")
    report(results, info, args)


def report(results, info, args):
    print(table(results, info))
    print(f"\n{info['rounds']} round(s), total wall time {info['wall_s']} s")
    if args.write_docs:
        write_docs(DOCS, docs_section(results, info))
        log(f"wrote {DOCS}")


if __name__ == "__main__":
    main()
