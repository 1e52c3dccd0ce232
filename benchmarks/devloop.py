"""Benchmark the dev loop of a baked project: bake, builds, edit -> test latency, sizes.

For each package manager, rounds interleaved (the order of the package managers
and of the loop variants rotates every round), medians and min-max of:

* bake: ``python -m cookiecutter --no-input`` of the default project;
* builds (``docker compose build``, BuildKit): cold (``--no-cache``), warm
  rebuild after a code-only edit, and rebuild after a dependency change; the
  plain build log shows whether the dependency step was CACHED and how many
  packages the project step installed (the project itself only: 1);
* edit -> green tests, each a host edit to the package and its test, then:
  ``run`` (``docker compose run --rm test``), ``exec`` (``make test-fast``:
  ``docker exec`` into a kept test container), ``watch`` (``make
  test-watch`` running: time until its pytest reports the run), ``native``
  (pytest in a host virtualenv with the project installed editable: the
  floor), ``rebuild`` (the same project without its mount: ``docker compose
  build test`` + ``docker compose run --rm test``, the loop the mount avoids);
* sizes: the dev image, the prod image and the base image (``docker image
  inspect``), the venv's site-packages and the uv binary (``du`` in the
  container).

Prints the machine, a Markdown table and ratios; ``--json PATH`` writes every
sample. Baked projects, their containers and images are removed afterwards,
even on failure. Compose projects are named ``bench-<pm>-<pid>...``.

    python benchmarks/devloop.py [--rounds N] [--package-manager uv|pip|both]
                                 [--json PATH] [--smoke] [--template PATH]

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
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parents[1]
MOUNT = "  volumes:\n    - .:/src\n"
NEW_DEPENDENCY = "tomli-w>=1.0"  # small, pure Python, no dependencies of its own
LOOPS = ("run", "exec", "watch", "native", "rebuild")
BUILDS = ("bake", "cold", "code", "deps")
EDITS = itertools.count(1)


def log(*args, sep=" "):
    print(*args, sep=sep, file=sys.stderr, flush=True)


def run(cmd, cwd=None, env=None, check=True):
    """Run ``cmd``; return stdout + stderr. Show all the output if it fails."""
    result = subprocess.run(
        cmd, cwd=cwd, env=env, check=False, capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    if check and result.returncode != 0:
        log(f"$ {' '.join(map(str, cmd))}  (exit {result.returncode})")
        log(result.stdout[-6000:], result.stderr[-6000:], sep="\n")
        raise subprocess.CalledProcessError(result.returncode, cmd)
    return result.stdout + result.stderr


def timed(cmd, **kwargs):
    start = time.perf_counter()
    out = run(cmd, **kwargs)
    return time.perf_counter() - start, out


def bake(template, output_dir, **answers):
    """Bake with the cookiecutter command line, as a user does; (seconds, path)."""
    args = [f"{key}={value}" for key, value in answers.items()]
    cmd = [sys.executable, "-m", "cookiecutter", "--no-input", str(template), "-o", output_dir]
    seconds, _ = timed([*cmd, *args])
    return seconds, Path(output_dir, answers["project_name"])


def build_steps(log_text):
    """{step number: (title, status, seconds, output lines)} from a plain BuildKit log."""
    steps = {}
    for line in log_text.splitlines():
        match = re.match(r"#(\d+) (.*)", line)
        if not match:
            continue
        number, rest = int(match[1]), match[2]
        title, status, seconds, lines = steps.get(number, ("", "", 0.0, []))
        if rest.startswith("[") and not title:
            title = rest
        elif rest == "CACHED":
            status = "CACHED"
        elif done := re.match(r"DONE (\d+\.\d+)s", rest):
            status, seconds = "DONE", float(done[1])
        else:
            lines = [*lines, rest]
        steps[number] = (title, status, seconds, lines)
    return steps


def dev_steps(log_text):
    """The dependency step and the project step of the dev stage: the RUN before
    ``COPY . .`` and the last one."""
    steps = build_steps(log_text)
    dev = {}
    for title, status, seconds, lines in steps.values():
        match = re.match(r"\[\S+ dev (\d+)/(\d+)\] (.*)", title)
        if match:
            dev[int(match[1])] = (int(match[2]), match[3], status, seconds, lines)
    last = max(dev)
    return dev.get(last - 2), dev[last]


def installed_count(lines):
    """Packages a build step installed, as pip or uv reported them."""
    text = "\n".join(lines)
    pip = re.findall(r"Successfully installed (.*)", text)
    uv = re.findall(r"Installed (\d+) packages?", text)
    return sum(len(found.split()) for found in pip) + sum(int(n) for n in uv)


class Project:
    """A baked project directory, and the compose and make commands run in it."""

    def __init__(self, path, edit_file=None):
        self.dir = Path(path)
        self.package = self.dir.name.replace("-", "_")
        owner = self.dir.stat()
        self.env = {
            **os.environ,
            "HOST_UID": str(owner.st_uid),
            "HOST_GID": str(owner.st_gid),
            "COMPOSE_PROJECT_NAME": self.dir.name,  # the slug: images <slug>-app, <slug>-test
        }
        self.word, self.edits = "Hello", 0

    def compose(self, *args, **kwargs):
        return run(["docker", "compose", *args], cwd=self.dir, env=self.env, **kwargs)

    def make(self, *args, **kwargs):
        return run(["make", *args], cwd=self.dir, env=self.env, **kwargs)

    def edit(self):
        """Change the greeting word in the package and in the test that expects it
        (a word never used before, so no build can come from the layer cache)."""
        self.edits += 1
        new = f"Edit{next(EDITS)}x{os.getpid()}"
        for path in (
            self.dir / "src" / self.package / "__init__.py",
            self.dir / "tests/test_cli.py",
        ):
            text = path.read_text(encoding="utf-8")
            assert f'"{self.word}, ' in text, f"{path} lacks the greeting {self.word!r}"
            path.write_text(text.replace(f'"{self.word}, ', f'"{new}, '), encoding="utf-8")
        self.word = new

    def add_dependency(self):
        path = self.dir / "pyproject.toml"
        text = path.read_text(encoding="utf-8")
        assert "dependencies = []" in text
        new = f'dependencies = ["{NEW_DEPENDENCY}"]  # edit {next(EDITS)}'
        path.write_text(text.replace("dependencies = []", new), encoding="utf-8")

    def down(self):
        self.compose("down", "--rmi", "local", "--volumes", "--remove-orphans", check=False)


def image_size(name):
    return int(run(["docker", "image", "inspect", "-f", "{{.Size}}", name]).strip())


def remove_images(slug):
    """Every image and container of the compose project ``slug`` (and ``slug:prod``)."""
    label = f"label=com.docker.compose.project={slug}"
    containers = run(["docker", "ps", "-aq", "--filter", label], check=False).split()
    if containers:
        run(["docker", "rm", "-f", *containers], check=False)
    images = set(run(["docker", "image", "ls", "-q", "--filter", label], check=False).split())
    images |= {f"{slug}-app", f"{slug}-test", f"{slug}:prod"}
    run(["docker", "image", "rm", "-f", *images], check=False)


class Watcher:
    """``make test-watch`` in the background; ``wait()`` times until pytest reports."""

    def __init__(self, project):
        self.project = project
        self.process = subprocess.Popen(
            ["make", "test-watch"],
            cwd=project.dir,
            env=project.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
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
        self.project.edit()
        start = time.perf_counter()
        return self.wait() - start

    def stop(self):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, 15)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=20)


class Bench:
    """Everything measured for one package manager."""

    def __init__(self, pm, template, tmp, smoke):
        self.pm, self.template, self.smoke = pm, template, smoke
        self.tmp = Path(tmp, pm)
        self.tmp.mkdir()
        self.slug = f"bench-{pm}-{os.getpid()}"
        self.samples = {key: [] for key in (*BUILDS, *LOOPS)}
        self.checks = []  # (round, dependency step status, packages installed, project step s)
        self.sizes = {}
        self.slugs = [self.slug, f"{self.slug}-rb", f"{self.slug}-b"]
        self.watcher = None

    # -- set-up (untimed) --------------------------------------------------
    def setup(self):
        answers = {"package_manager": self.pm}
        _, path = bake(self.template, self.tmp / "loop", project_name=self.slug, **answers)
        self.loop = Project(path)  # run, exec
        self.watched = Project(shutil.copytree(path, self.tmp / "watch" / self.slug))
        self.native = Project(shutil.copytree(path, self.tmp / "native" / self.slug))
        _, path = bake(self.template, self.tmp / "rb", project_name=f"{self.slug}-rb", **answers)
        self.rebuild = Project(path)
        compose = self.rebuild.dir / "compose.yaml"
        text = compose.read_text(encoding="utf-8")
        assert MOUNT in text, "compose.yaml no longer has the expected /src mount"
        compose.write_text(text.replace(MOUNT, ""), encoding="utf-8")
        log(f"[{self.pm}] building the loop images")
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
        run([*pip, "--ignore-requires-python", "--editable", self.native.dir, "pytest"])
        self.native_pytest = venv / "bin/pytest"
        makefile = (self.loop.dir / "Makefile").read_text(encoding="utf-8")
        self.loops = [
            v
            for v in LOOPS
            if {"exec": "test-fast:", "watch": "test-watch:"}.get(v, "") in makefile
        ]
        if "watch" in self.loops:
            self.watcher = Watcher(self.watched)
        for variant in self.loops:  # warm-up, untimed
            self.loop_once(variant)

    def sizes_once(self):
        test = f"{self.slug}-test"
        base = f"python:{json.loads(self.loop.compose('config', '--format', 'json'))['services']['test']['build']['args']['PYTHON_VERSION']}-slim"
        du = self.loop.compose(
            "run", "--rm", "--no-deps", "test", "sh", "-c",
            "du -sb /opt/venv/lib/python3*/site-packages | cut -f1;"
            " du -sb /opt/venv | cut -f1;"
            " du -cb $(command -v uv uvx 2>/dev/null) /dev/null | tail -1 | cut -f1",
        ).split()  # fmt: skip
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
            self.sizes["prod"] = image_size(f"{self.slug}:prod")

    # -- one round ---------------------------------------------------------
    def builds_once(self, n):
        """Bake, cold build, code-only rebuild, dependency rebuild of a fresh project."""
        out = self.tmp / f"b{n}"
        seconds, path = bake(
            self.template, out, project_name=f"{self.slug}-b", package_manager=self.pm
        )
        self.samples["bake"].append(seconds)
        project = Project(path)
        build = ["--progress=plain", "build"]
        cold = [*build, "--no-cache"] if not self.smoke else build
        for key, change in (
            ("cold", None),
            ("code", project.edit),
            ("deps", project.add_dependency),
        ):
            if change:
                change()
            start = time.perf_counter()
            text = project.compose(*(cold if key == "cold" else build))
            self.samples[key].append(time.perf_counter() - start)
            if key == "code":
                deps, proj = dev_steps(text)
                self.checks.append(
                    {
                        "round": n,
                        "dependency_step": deps[2] if deps else "?",
                        "project_step_installed": installed_count(proj[4]),
                        "project_step_s": proj[3],
                        "build_isolation": any("build dependencies" in x for x in proj[4]),
                    }
                )
        project.compose("down", "--remove-orphans", check=False)
        shutil.rmtree(out)

    def loop_once(self, variant):
        if variant == "watch":
            return self.watcher.latency()
        project = {"native": self.native, "rebuild": self.rebuild}.get(variant, self.loop)
        project.edit()
        start = time.perf_counter()
        if variant == "run":
            project.compose("run", "--rm", "test")
        elif variant == "exec":
            project.make("test-fast")
        elif variant == "native":
            env = {**os.environ, "PATH": f"{self.native_pytest.parent}:{os.environ['PATH']}"}
            run([self.native_pytest, "-q"], cwd=project.dir, env=env)
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
            f"[{self.pm}] round {n + 1}: "
            + ", ".join(f"{v} {self.samples[v][-1]:.2f}" for v in (*BUILDS, *self.loops))
        )

    def cleanup(self):
        if self.watcher:
            self.watcher.stop()
        for project in ("loop", "watched", "rebuild"):
            if hasattr(self, project):
                getattr(self, project).down()
        for slug in self.slugs:
            remove_images(slug)


def machine():
    return {
        "date": datetime.date.today().isoformat(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "docker_engine": run(["docker", "version", "-f", "{{.Server.Version}}"]).strip(),
        "docker_compose": run(["docker", "compose", "version", "--short"]).strip(),
        "host_python": platform.python_version(),
    }


def summary(values):
    return {
        "median": round(statistics.median(values), 3),
        "min": round(min(values), 3),
        "max": round(max(values), 3),
        "n": len(values),
    }


def table(results, info):
    mb = 1e6
    lines = [
        (
            f"Dev loop benchmark, {info['date']}: {info['cpus']} CPUs, Docker Engine "
            f"{info['docker_engine']}, Compose {info['docker_compose']}, {info['platform']}"
        ),
        "",
        "| seconds, median (min–max) | " + " | ".join(results) + " |",
        "| --- |" + " --- |" * len(results),
    ]
    labels = {
        "bake": "bake (cookiecutter)",
        "cold": "cold build (--no-cache)",
        "code": "rebuild after a code-only edit",
        "deps": "rebuild after a dependency change",
        "run": "edit → test: `docker compose run --rm test`",
        "exec": "edit → test: `make test-fast` (exec)",
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

    def med(r, key):
        return r["samples"].get(key, {}).get("median", float("nan"))

    row("run − native (s)", lambda r: f"{med(r, 'run') - med(r, 'native'):+.2f}")
    row("exec − native (s)", lambda r: f"{med(r, 'exec') - med(r, 'native'):+.2f}")
    row("watch − native (s)", lambda r: f"{med(r, 'watch') - med(r, 'native'):+.2f}")
    row(
        "rebuild / fastest mounted",
        lambda r: (
            f"{med(r, 'rebuild') / min(med(r, k) for k in r['samples'] if k in LOOPS[:3]):.1f}×"
        ),
    )
    uv_cold = results.get("uv", {}).get("samples", {}).get("cold")
    row(
        "cold build / uv cold build",
        lambda r: f"{med(r, 'cold') / uv_cold['median']:.2f}" if uv_cold else "–",
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
        lambda r: (
            f"{(r['sizes']['dev'] - r['sizes']['base'] - r['sizes']['site_packages']) / mb:.1f}"
        ),
    )
    row(
        "dev − base − whole venv (MB)",
        lambda r: f"{(r['sizes']['dev'] - r['sizes']['base'] - r['sizes']['venv']) / mb:.1f}",
    )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--package-manager", choices=["uv", "pip", "both"], default="both")
    parser.add_argument("--json", type=Path, help="write every sample here")
    parser.add_argument("--smoke", action="store_true", help="one round, uv, cached builds")
    parser.add_argument("--template", type=Path, default=TEMPLATE, help="template to bake")
    args = parser.parse_args()
    if args.smoke:
        args.rounds, args.package_manager = 1, "uv"
    pms = ["uv", "pip"] if args.package_manager == "both" else [args.package_manager]
    wall = time.perf_counter()
    info = machine()
    log(json.dumps(info))
    with tempfile.TemporaryDirectory(prefix="devloop-") as tmp:
        benches = [Bench(pm, args.template.resolve(), tmp, args.smoke) for pm in pms]
        try:
            for bench in benches:
                bench.setup()
                bench.sizes_once()
            for n in range(args.rounds):
                for bench in benches if n % 2 == 0 else benches[::-1]:
                    bench.builds_once(n)
                    bench.loops_once(n)
        finally:
            for bench in benches:
                bench.cleanup()
    results = {
        b.pm: {
            "samples": {key: summary(values) for key, values in b.samples.items() if values},
            "raw": b.samples,
            "checks": b.checks,
            "sizes": b.sizes,
        }
        for b in benches
    }
    info["rounds"] = args.rounds
    info["smoke"] = args.smoke
    info["wall_s"] = round(time.perf_counter() - wall)
    print(table(results, info))
    print(f"\n{args.rounds} round(s), total wall time {info['wall_s']} s")
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "results": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
