"""What `database=postgres` costs the test loop, in one run, side by side.

Bakes the project (`--app-type`, uv) twice, database=none and database=postgres
(and, with `--baseline PATH`, database=postgres from another template checkout,
an older commit), builds them, then measures, rounds interleaved, medians
(min-max), with the machine's load (`uptime`) before and after:

- `make test ARGS="-k <one test>"` (pytest through `docker exec` in the kept
  test container; web: `-k health`, cli: `-k test_no_command_greets_the_world`), the database
  running: the fixed cost of a run, what every edit -> test loop pays; and the
  CPU seconds (user + system) that pytest itself used for it in the container,
  which a loaded machine inflates far less than wall time;
- `docker compose run --rm test` (the whole suite in a new container), the database already
  running, for both projects: the difference is the cost of the database
  (compose checking the healthy `db`, the imports, the session's migration
  check, the database tests themselves);
- cold starts of the postgres project to its first green test run: the
  database stopped (volume kept), and no volume at all (the server initialises
  its data, then the session creates the tests' database). The second is also
  what a throw-away test server would cost on every start;
- creating the tests' database (`CREATE DATABASE`, the first session only).

    .venv/bin/python benchmarks/database.py [--rounds N] [--app-type web|cli]
        [--baseline PATH] [--json out.json]
"""

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from cookiecutter.main import cookiecutter

# The template's tests' helpers: one way to run a command.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from helpers import TEMPLATE, run

RUN_ID = uuid.uuid4().hex[:6]
# The one test `make test ARGS="-k ..."` selects, in both projects.
ONE_TEST = {"web": "health", "cli": "test_no_command_greets_the_world"}


def timed(command, cwd, env):
    start = time.perf_counter()
    result = run(command, cwd, env)
    return time.perf_counter() - start, result


class Project:
    def __init__(self, root, database, app_type, template=TEMPLATE, name=""):
        slug = f"bench-db-{database}{name}-{RUN_ID}"
        self.path = Path(
            cookiecutter(
                str(template),
                no_input=True,
                output_dir=str(root),
                extra_context={"project_slug": slug, "database": database, "app_type": app_type},
            )
        )
        self.env = {**os.environ, "COMPOSE_PROJECT_NAME": slug}
        self.env.update(HOST_UID=str(os.getuid()), HOST_GID=str(os.getgid()))
        self.one_test = ONE_TEST[app_type]
        self.slug = slug

    def compose(self, *args):
        return run(["docker", "compose", *args], self.path, self.env)

    def test(self):
        seconds, result = timed(["docker", "compose", "run", "--rm", "test"], self.path, self.env)
        assert " passed" in result.stdout and "failed" not in result.stdout, result.stdout
        return seconds

    def make_test_one(self):
        """`make test` with one test selected: the kept container, through docker exec."""
        command = ["make", "test", f"ARGS=-k {self.one_test}"]
        seconds, result = timed(command, self.path, self.env)
        assert "1 passed" in result.stdout and "failed" not in result.stdout, result.stdout
        return seconds

    def cpu_one(self):
        """CPU seconds (user + system) of the one-test pytest run, in the kept container."""
        script = (
            "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True,"
            " capture_output=True); u = resource.getrusage(resource.RUSAGE_CHILDREN);"
            " print(u.ru_utime + u.ru_stime)"
        )
        command = ["pytest", "-q", "-k", self.one_test]
        kept = f"{self.slug}-test-kept"
        result = run(["docker", "exec", kept, "python", "-c", script, *command], None, None)
        return float(result.stdout)

    def down(self):
        run(["make", "clean"], self.path, self.env, check=False)  # also the kept container
        run(
            ["docker", "compose", "down", "--rmi", "local", "--volumes", "--remove-orphans"],
            self.path,
            self.env,
            check=False,
        )


def load():
    """The load averages, as `uptime` prints them."""
    return run(["uptime"], None, None).stdout.strip().split("load average:")[-1].strip()


def summary(values):
    if not values:
        return "-"
    return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--app-type", choices=sorted(ONE_TEST), default="web")
    parser.add_argument("--baseline", type=Path, help="another template checkout (postgres)")
    parser.add_argument("--one-test-only", action="store_true", help="skip the other figures")
    parser.add_argument("--json", type=Path)
    options = parser.parse_args()
    figures = {"warm_none": [], "warm_postgres": [], "cold_stopped": [], "cold_no_volume": []}
    figures.update(one_none=[], one_postgres=[], one_baseline=[])
    figures.update(cpu_none=[], cpu_postgres=[], cpu_baseline=[])
    loads = [load()]
    with tempfile.TemporaryDirectory() as root:
        none = Project(root, "none", options.app_type)
        postgres = Project(root, "postgres", options.app_type)
        projects = [none, postgres]
        if options.baseline:
            baseline = Project(root, "postgres", options.app_type, options.baseline, "-base")
            projects.append(baseline)
        try:
            for project in projects:
                project.compose("build")
            postgres.compose("up", "--detach", "--wait", "db")
            first = again = float("nan")
            if not options.one_test_only:
                first, _ = timed(
                    ["docker", "compose", "run", "--rm", "test"], postgres.path, postgres.env
                )
                again = postgres.test()
            # One test through the kept container, interleaved; the first run of
            # each starts its container (and a database) and is not counted.
            keys = ["one_none", "one_postgres", "one_baseline"][: len(projects)]
            for project in projects:
                project.make_test_one()
            for _ in range(options.rounds):
                for key, project in zip(keys, projects, strict=True):
                    figures[key].append(project.make_test_one())
                    figures[key.replace("one_", "cpu_")].append(project.cpu_one())
            for project in projects:  # the kept test containers
                run(["docker", "rm", "--force", f"{project.slug}-test-kept"], None, None)
            if options.baseline:
                baseline.down()
            for _ in range(0 if options.one_test_only else options.rounds):
                figures["warm_none"].append(none.test())
                figures["warm_postgres"].append(postgres.test())
            for _ in range(0 if options.one_test_only else options.rounds):
                postgres.compose("stop", "db")
                figures["cold_stopped"].append(postgres.test())
                postgres.compose("down", "--volumes")
                figures["cold_no_volume"].append(postgres.test())
        finally:
            for project in projects:
                project.down()
    loads.append(load())
    one = f'`make test ARGS="-k {ONE_TEST[options.app_type]}"`'
    rows = {
        f"{one}, database=none": summary(figures["one_none"]),
        f"{one}, database=postgres": summary(figures["one_postgres"]),
        **(
            {f"{one}, database=postgres, baseline": summary(figures["one_baseline"])}
            if options.baseline
            else {}
        ),
        "its pytest, CPU seconds, database=none": summary(figures["cpu_none"]),
        "its pytest, CPU seconds, database=postgres": summary(figures["cpu_postgres"]),
        **(
            {"its pytest, CPU seconds, baseline": summary(figures["cpu_baseline"])}
            if options.baseline
            else {}
        ),
        "make test, database=none": summary(figures["warm_none"]),
        "make test, database=postgres, db running": summary(figures["warm_postgres"]),
        "cold: db stopped, volume kept -> green": summary(figures["cold_stopped"]),
        "cold: no volume (fresh server) -> green": summary(figures["cold_no_volume"]),
    }
    difference = (
        statistics.median(figures["warm_postgres"]) - statistics.median(figures["warm_none"])
        if figures["warm_none"]
        else float("nan")
    )
    one_difference = statistics.median(figures["one_postgres"]) - statistics.median(
        figures["one_none"]
    )
    print(
        f"{platform.node()}: {os.cpu_count()} CPUs, {options.rounds} rounds, "
        f"app_type={options.app_type}, Python {platform.python_version()}, "
        f"load before {loads[0]}, after {loads[1]}"
    )
    print("| seconds, median (min-max) | |\n| --- | --- |")
    for name, value in rows.items():
        print(f"| {name} | {value} |")
    print(f"| one test: postgres - none (target <= +0.3) | {one_difference:+.2f} |")
    cpu = statistics.median(figures["cpu_postgres"]) - statistics.median(figures["cpu_none"])
    print(f"| one test, pytest CPU: postgres - none | {cpu:+.2f} |")
    if options.baseline:
        cpu = statistics.median(figures["cpu_baseline"]) - statistics.median(figures["cpu_none"])
        print(f"| one test, pytest CPU: baseline postgres - none | {cpu:+.2f} |")
    if options.baseline:
        before = statistics.median(figures["one_baseline"]) - statistics.median(figures["one_none"])
        print(f"| one test: baseline postgres - none | {before:+.2f} |")
    print(f"| whole suite: postgres - none, db running | {difference:+.2f} |")
    print(f"| first session (creates the tests' database) | {first:.2f}, next {again:.2f} |")
    if options.json:
        everything = {**figures, "first": first, "again": again, "load": loads}
        options.json.write_text(json.dumps(everything, indent=2))


if __name__ == "__main__":
    main()
