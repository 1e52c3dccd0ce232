"""How fast `worker=procrastinate` runs a job, and runs the new code after an edit.

Bakes a uv + web + postgres + worker=procrastinate project, `make build`, then
`make up` (the app on a free port, APP_PORT in the project's `.env`, as the
tests set it; the worker and the database with it), then measures, rounds
interleaved, medians (min-max), with the machine's 1-minute load average
(`os.getloadavg()`) before and after each figure:

- job latency on an idle worker: one job deferred through `POST
  /jobs/add-item`; from its deferral to its start and to its end, by the
  database's clock (procrastinate's own `procrastinate_events`: `deferred`,
  `started`, `succeeded`, read with psql in the `db` container); and the
  client's view, from sending the POST to `GET /jobs/{id}` answering
  `succeeded` (polled every 20 ms);
- reload after an edit: `tasks.py` saved on the host (the item's name gets a
  prefix), then at once a job deferred through the app (again while uvicorn
  restarts the app, which watches the same files); the time from the save to
  the new worker's start (its log line `Starting worker on all queues`,
  Docker's timestamp) and to the end (`succeeded`, database clock) of the
  first job that ran the new code (its item has the prefix), and to the POST
  that deferred it (the app back). A job the old worker took before it
  noticed the save is counted, and another deferred.
  The file is restored after each round, and the restarted worker waited for.

The project's compose name is unique per run (bench-worker-<run id>); its
containers, volumes and the images it built are removed at the end, also on
failure (`--rmi local`), unless `--keep`.

    .venv/bin/python benchmarks/worker.py [--rounds N] [--json out.json] [--keep]
"""

import argparse
import datetime
import http.client
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from cookiecutter.main import cookiecutter

# The template's tests' helpers: one way to run a command, a baked project.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from helpers import TEMPLATE, ComposeProject, JobQueue, compose_environment, free_port, psql, run

RUN_ID = uuid.uuid4().hex[:6]
ANSWERS = {"package_manager": "uv", "app_type": "web", "database": "postgres"}
ANSWERS["worker"] = "procrastinate"
# The edit: the example task names its item differently (tasks.py of the template).
ORIGINAL = "models.add_item(session, name)"
EDITED = 'models.add_item(session, "edited " + name)'
IDLE = 1.0  # seconds between jobs: the worker is waiting on LISTEN again
POLL = 0.02  # seconds between two GET /jobs/{id}


class Project(ComposeProject, JobQueue):
    def __init__(self, root):
        slug = f"bench-worker-{RUN_ID}"
        path = cookiecutter(
            str(TEMPLATE),
            no_input=True,
            output_dir=str(root),
            extra_context={**ANSWERS, "project_slug": slug},
        )
        super().__init__(path, compose_environment(os.getuid()), name=slug)
        self.port = free_port()
        self.write(".env", f"APP_PORT={self.port}\n")  # as the tests set it
        self.tasks = f"src/{self.package}/tasks.py"

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def sql(self, query):
        """Run ``query`` with psql in the db container; its rows as lists of columns."""
        return psql(self, self.package, query)

    def post(self, name, seconds=60):
        """POST /jobs/add-item {"name": name}, again while the app does not answer
        (uvicorn restarting it); (the job's id, when the POST that worked was sent)."""
        request = urllib.request.Request(
            self.url("/jobs/add-item"),
            data=json.dumps({"name": name}).encode(),
            headers={"Content-Type": "application/json"},
        )
        deadline = time.monotonic() + seconds
        while True:
            sent = time.time()
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    assert response.status == 202, response.status
                    return json.loads(response.read())["id"], sent
            except (urllib.error.URLError, ConnectionError, http.client.HTTPException):
                assert time.monotonic() < deadline, self.compose("logs", "app").stdout[-3000:]
                time.sleep(POLL)

    def wait_until_succeeded(self, job_id, seconds=60):
        """Poll GET /jobs/{id} until it says `succeeded`; when it did (host clock)."""
        deadline = time.monotonic() + seconds
        while True:
            try:
                with urllib.request.urlopen(self.url(f"/jobs/{job_id}"), timeout=10) as answer:
                    status = json.loads(answer.read())["status"]
            except (urllib.error.URLError, ConnectionError, http.client.HTTPException):
                status = None  # the app restarting
            if status == "succeeded":
                return time.time()
            assert status in (None, "todo", "doing"), (job_id, status)
            assert time.monotonic() < deadline, self.compose("logs", "worker").stdout[-3000:]
            time.sleep(POLL)

    def worker_started_after(self, moment):
        """When the worker logged that it started (Docker's clock, the host's) first
        after ``moment`` (seconds since the epoch); ready for jobs then."""
        logs = self.compose("logs", "--timestamps", "--no-log-prefix", "worker").stdout
        for line in logs.splitlines():
            stamp, _, message = line.partition(" ")
            if message.endswith("Starting worker on all queues"):
                seconds = docker_time(stamp)
                if seconds > moment:
                    return seconds
        raise AssertionError(f"the worker did not start again:\n{logs[-3000:]}")

    def item_named(self, name):
        query = f"SELECT count(*) FROM items WHERE name = '{name}'"
        return int(self.sql(query)[0][0]) > 0


def docker_time(stamp):
    """Seconds since the epoch of Docker's RFC 3339 time (2026-12-07T05:06:50.438172716Z:
    UTC, up to nanoseconds, trailing zeros dropped)."""
    whole, _, fraction = stamp.rstrip("Z").partition(".")
    moment = datetime.datetime.fromisoformat(whole).replace(tzinfo=datetime.UTC)
    return moment.timestamp() + float(f"0.{fraction or 0}")


def load():
    """The load averages, as `uptime` prints them."""
    return run(["uptime"]).stdout.strip().split("load average:")[-1].strip()


def latency(project, number, figures):
    """One job on an idle worker: defer -> start, -> end (database), POST -> seen."""
    time.sleep(IDLE)
    before = os.getloadavg()[0]
    job_id, sent = project.post(f"job {number}")
    seen = project.wait_until_succeeded(job_id)
    events = project.job_times(job_id)
    figures["defer_start"].append(events["started"] - events["deferred"])
    figures["defer_end"].append(events["succeeded"] - events["deferred"])
    figures["post_seen"].append(seen - sent)
    figures["load_latency"] += [before, os.getloadavg()[0]]


def reload(project, number, figures):
    """Save tasks.py: the time until a job deferred after it ran the new code."""
    time.sleep(IDLE)
    before = os.getloadavg()[0]
    original = project.read(project.tasks)
    assert ORIGINAL in original, f"{ORIGINAL!r} not in {project.tasks}"
    saved = time.time()
    project.write(project.tasks, original.replace(ORIGINAL, EDITED))
    try:
        attempt = 0
        while True:  # until a job ran the new code
            name = f"reload {number}.{attempt}"
            job_id, sent = project.post(name)
            project.wait_until_succeeded(job_id)
            if project.item_named(f"edited {name}"):
                break
            assert project.item_named(name), f"no item of job {job_id}"
            attempt += 1
        ended = project.job_times(job_id)["succeeded"]
        started = project.worker_started_after(saved)
    finally:
        worker = project.newest_worker()
        project.write(project.tasks, original)
    figures["reload_job"].append(ended - saved)
    figures["reload_worker"].append(started - saved)
    figures["reload_app"].append(sent - saved)
    figures["old_code_jobs"].append(attempt)
    figures["load_reload"] += [before, os.getloadavg()[0]]
    # The restored code's worker, and the app, before the next figure.
    project.wait_for_worker_after(worker, seconds=60)
    project.wait_until_succeeded(project.post(f"restored {number}")[0])


def summary(values, digits=2):
    if not values:
        return "-"
    median, low, high = statistics.median(values), min(values), max(values)
    return f"{median:.{digits}f} ({low:.{digits}f}-{high:.{digits}f})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--keep", action="store_true", help="leave the project running")
    options = parser.parse_args()
    figures = {key: [] for key in ("defer_start", "defer_end", "post_seen", "load_latency")}
    keys = ("reload_job", "reload_worker", "reload_app", "old_code_jobs")
    figures.update({key: [] for key in keys})
    figures["load_reload"] = []
    loads = [load()]
    root = tempfile.mkdtemp(prefix="bench-worker-")
    project = Project(root)
    try:
        project.make("build")
        project.make("up")
        project.wait_until_succeeded(project.post("warm-up")[0])  # the first connections
        for number in range(options.rounds):
            latency(project, number, figures)
            reload(project, number, figures)
    finally:
        if options.keep:
            print(f"kept: {project.path} (COMPOSE_PROJECT_NAME={project.name})")
        else:
            project.down()
            shutil.rmtree(root, ignore_errors=True)
    loads.append(load())
    print(
        f"{platform.node()}: {os.cpu_count()} CPUs, {options.rounds} rounds, "
        f"Python {platform.python_version()}, load before {loads[0]}, after {loads[1]}"
    )
    rows = [
        ("job latency, idle worker: defer -> start (database)", "defer_start", "load_latency"),
        ("job latency, idle worker: defer -> end (database)", "defer_end", "load_latency"),
        ("job latency: POST -> GET /jobs/{id} says succeeded", "post_seen", "load_latency"),
        ("reload: save of tasks.py -> a job on the new code ended", "reload_job", "load_reload"),
        ("reload: save of tasks.py -> the new worker started", "reload_worker", "load_reload"),
        ("reload: save -> the POST of that job (the app restarted)", "reload_app", "load_reload"),
    ]
    print("| seconds, median (min-max) | | 1-min load (min-max) |\n| --- | --- | --- |")
    for name, key, load_key in rows:
        print(f"| {name} | {summary(figures[key], 3)} | {summary(figures[load_key], 1)} |")
    print(f"jobs the old code ran after a save, per round: {figures['old_code_jobs']}")
    if options.json:
        options.json.write_text(json.dumps({**figures, "load": loads}, indent=2))


if __name__ == "__main__":
    main()
