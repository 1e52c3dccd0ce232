"""What `database=postgres` costs the test loop, in one run, side by side.

Bakes the default project (cli, uv) twice, database=none and database=postgres,
builds both, then measures, rounds interleaved, medians (min-max):

- `docker compose run --rm test` (what `make test` runs), the database already
  running, for both projects: the difference is the cost of the database
  (compose checking the healthy `db`, the imports, the session's migration
  check, the database tests themselves);
- cold starts of the postgres project to its first green test run: the
  database stopped (volume kept), and no volume at all (the server initialises
  its data, then the session creates the tests' database). The second is also
  what a throw-away test server would cost on every start;
- creating the tests' database (`CREATE DATABASE`, the first session only).

    .venv/bin/python benchmarks/database.py [--rounds N] [--json out.json]
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from cookiecutter.main import cookiecutter

TEMPLATE = Path(__file__).resolve().parents[1]
RUN_ID = uuid.uuid4().hex[:6]


def run(command, cwd, env, check=True):
    result = subprocess.run(command, check=False, cwd=cwd, env=env, capture_output=True, text=True)
    if check and result.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


def timed(command, cwd, env):
    start = time.perf_counter()
    result = run(command, cwd, env)
    return time.perf_counter() - start, result


class Project:
    def __init__(self, root, database):
        slug = f"bench-db-{database}-{RUN_ID}"
        self.path = Path(
            cookiecutter(
                str(TEMPLATE),
                no_input=True,
                output_dir=str(root),
                extra_context={"project_slug": slug, "database": database},
            )
        )
        self.env = {**os.environ, "COMPOSE_PROJECT_NAME": slug}
        self.env.update(HOST_UID=str(os.getuid()), HOST_GID=str(os.getgid()))

    def compose(self, *args):
        return run(["docker", "compose", *args], self.path, self.env)

    def test(self):
        seconds, result = timed(["docker", "compose", "run", "--rm", "test"], self.path, self.env)
        assert " passed" in result.stdout and "failed" not in result.stdout, result.stdout
        return seconds

    def down(self):
        run(
            ["docker", "compose", "down", "--rmi", "local", "--volumes", "--remove-orphans"],
            self.path,
            self.env,
            check=False,
        )


def summary(values):
    return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", type=Path)
    options = parser.parse_args()
    figures = {"warm_none": [], "warm_postgres": [], "cold_stopped": [], "cold_no_volume": []}
    with tempfile.TemporaryDirectory() as root:
        none, postgres = Project(root, "none"), Project(root, "postgres")
        try:
            for project in (none, postgres):
                project.compose("build")
            postgres.compose("up", "--detach", "--wait", "db")
            first, _ = timed(
                ["docker", "compose", "run", "--rm", "test"], postgres.path, postgres.env
            )
            again = postgres.test()
            for _ in range(options.rounds):
                figures["warm_none"].append(none.test())
                figures["warm_postgres"].append(postgres.test())
            for _ in range(options.rounds):
                postgres.compose("stop", "db")
                figures["cold_stopped"].append(postgres.test())
                postgres.compose("down", "--volumes")
                figures["cold_no_volume"].append(postgres.test())
        finally:
            none.down()
            postgres.down()
    rows = {
        "make test, database=none": summary(figures["warm_none"]),
        "make test, database=postgres, db running": summary(figures["warm_postgres"]),
        "cold: db stopped, volume kept -> green": summary(figures["cold_stopped"]),
        "cold: no volume (fresh server) -> green": summary(figures["cold_no_volume"]),
    }
    difference = statistics.median(figures["warm_postgres"]) - statistics.median(
        figures["warm_none"]
    )
    print(
        f"{platform.node()}: {os.cpu_count()} CPUs, {options.rounds} rounds, Python {platform.python_version()}"
    )
    print("| seconds, median (min-max) | |\n| --- | --- |")
    for name, value in rows.items():
        print(f"| {name} | {value} |")
    print(f"| postgres - none, db running | {difference:+.2f} |")
    print(f"| first session (creates the tests' database) | {first:.2f}, next {again:.2f} |")
    if options.json:
        options.json.write_text(json.dumps({**figures, "first": first, "again": again}, indent=2))


if __name__ == "__main__":
    main()
