"""Benchmark the edit -> green-test loop of a baked project, mounted vs. rebuilt.

Two projects are baked from this template with the same package manager:

* mounted: the project as generated. compose.yaml bind-mounts the checkout at
  /src over an editable install, so a round is a host edit to the package and
  its test, then ``docker compose run --rm test``.
* rebuild: the same project with the ``volumes:`` mount removed from
  compose.yaml (the source is only copied into the image), so a round is the
  same edit, then ``docker compose build`` + ``docker compose run --rm test``.

Rounds are interleaved (alternating which variant goes first) after one
untimed warm-up round of each. The script checks that the mounted variant ran
the edited code with an unchanged image, and that the rebuild variant really
needs its rebuild. It prints a Markdown table of seconds per round to stdout
and removes the baked projects and their images afterwards, even on failure.

Run from the repository root (needs Docker Engine, Compose v2 and cookiecutter):

    python benchmarks/dev_loop.py [--rounds N] [--package-manager uv|pip]
"""

import argparse
import datetime
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cookiecutter.main import cookiecutter

TEMPLATE = Path(__file__).resolve().parents[1]
MOUNT = "  volumes:\n    - .:/src\n"


def run(cmd, cwd=None, env=None):
    """Run ``cmd`` and return its stdout; show all its output if it fails."""
    try:
        result = subprocess.run(cmd, cwd=cwd, env=env, check=True, capture_output=True, text=True)
    except subprocess.CalledProcessError as err:
        print(f"$ {' '.join(cmd)}  (exit {err.returncode})", file=sys.stderr)
        print(err.stdout, err.stderr, sep="\n", file=sys.stderr)
        raise
    return result.stdout


class Project:
    """A baked project, the greeting word its code currently uses, and its images."""

    def __init__(self, name, output_dir, package_manager, mounted):
        context = {"project_name": name, "package_manager": package_manager}
        self.dir = Path(
            cookiecutter(str(TEMPLATE), no_input=True, output_dir=output_dir, extra_context=context)
        )
        self.image = f"{self.dir.name}-app"
        self.package = self.dir.name.replace("-", "_")
        owner = self.dir.stat()
        self.env = {**os.environ, "HOST_UID": str(owner.st_uid), "HOST_GID": str(owner.st_gid)}
        self.word, self.edits, self.image_ids = "Hello", 0, set()
        if not mounted:
            compose = self.dir / "compose.yaml"
            text = compose.read_text(encoding="utf-8")
            assert MOUNT in text, "compose.yaml no longer has the expected /src mount"
            compose.write_text(text.replace(MOUNT, ""), encoding="utf-8")

    def compose(self, *args):
        return run(["docker", "compose", *args], cwd=self.dir, env=self.env)

    def image_id(self):
        return run(["docker", "image", "inspect", self.image, "--format", "{{.Id}}"]).strip()

    def build(self):
        self.compose("build")
        self.image_ids.add(self.image_id())
        return self.image_id()

    def edit(self):
        """Change the greeting word in the package and in the tests that expect it."""
        self.edits += 1
        new = f"Round{self.edits}"
        for path in (
            self.dir / "src" / self.package / "__init__.py",
            self.dir / "tests/test_cli.py",
        ):
            text = path.read_text(encoding="utf-8")
            assert f'"{self.word}, ' in text, f"{path} lacks the greeting {self.word!r}"
            path.write_text(text.replace(f'"{self.word}, ', f'"{new}, '), encoding="utf-8")
        self.word = new

    def app_greeting(self):
        return self.compose("run", "--rm", "app").strip()

    def cleanup(self):
        """Remove containers, network and every image built for this project."""
        label = f"label=com.docker.compose.project={self.dir.name}"
        try:
            self.compose("down", "--rmi", "all")
            # each rebuild leaves the image it replaced behind, untagged
            leftovers = set(run(["docker", "image", "ls", "-q", "--filter", label]).split())
            if leftovers:
                run(["docker", "image", "rm", *leftovers])
        except (subprocess.CalledProcessError, OSError):
            print(f"cleanup of {self.dir.name} incomplete", file=sys.stderr)


def mounted_round(project, first_image):
    project.edit()
    start = time.perf_counter()
    project.compose("run", "--rm", "test")
    seconds = time.perf_counter() - start
    assert project.app_greeting() == f"{project.word}, world!", "mounted app ran stale code"
    assert project.image_id() == first_image, "the mounted variant's image changed"
    return seconds


def rebuild_round(project, check_stale=False):
    old = project.word
    project.edit()
    if check_stale:  # without its mount, the edit is invisible until a rebuild
        assert project.app_greeting() == f"{old}, world!", "rebuild variant saw the edit unbuilt"
    start = time.perf_counter()
    project.build()
    project.compose("run", "--rm", "test")
    seconds = time.perf_counter() - start
    assert project.app_greeting() == f"{project.word}, world!", "rebuilt app ran stale code"
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--package-manager", choices=["uv", "pip"], default="uv")
    args = parser.parse_args()
    wall = time.perf_counter()
    times = {"mounted": [], "rebuild": []}
    projects = []
    with tempfile.TemporaryDirectory(prefix="dev-loop-") as tmp:
        try:
            suffix = f"{args.package_manager} {os.getpid()}"
            mounted = Project(f"Bench Mounted {suffix}", tmp, args.package_manager, True)
            projects.append(mounted)
            rebuild = Project(f"Bench Rebuild {suffix}", tmp, args.package_manager, False)
            projects.append(rebuild)
            first_image = mounted.build()
            rebuild.build()
            print("warm-up", file=sys.stderr)
            mounted_round(mounted, first_image)
            rebuild_round(rebuild, check_stale=True)
            for n in range(args.rounds):
                order = ["mounted", "rebuild"] if n % 2 == 0 else ["rebuild", "mounted"]
                for variant in order:
                    if variant == "mounted":
                        times[variant].append(mounted_round(mounted, first_image))
                    else:
                        times[variant].append(rebuild_round(rebuild))
                print(
                    f"round {n + 1}: " + ", ".join(f"{v} {times[v][-1]:.2f}s" for v in order),
                    file=sys.stderr,
                )
            assert len(rebuild.image_ids) == args.rounds + 2, "a rebuild reused an old image"
        finally:
            for project in projects:
                project.cleanup()

    docker = run(["docker", "version", "--format", "{{.Server.Version}}"]).strip()
    compose = run(["docker", "compose", "version", "--short"]).strip()
    print(f"## Dev loop, package manager {args.package_manager}, {datetime.date.today()}\n")
    print("| variant | median s | min s | max s | rounds |")
    print("|---|---:|---:|---:|---:|")
    for variant, values in times.items():
        print(
            f"| {variant} | {statistics.median(values):.2f} | {min(values):.2f} "
            f"| {max(values):.2f} | {len(values)} |"
        )
    ratio = statistics.median(times["rebuild"]) / statistics.median(times["mounted"])
    print(f"\nmedian(rebuild) / median(mounted) = {ratio:.1f}x")
    print(f"Docker Engine {docker}, Docker Compose {compose}, Python {sys.version.split()[0]}")
    print(f"total wall time {time.perf_counter() - wall:.0f} s")


if __name__ == "__main__":
    main()
