"""`database=postgres` driven by a real Docker Engine and the `postgres:18` image.

A covering set of two projects: uv + web + worker and pip + cli. Each package
manager and each app type is there once: the package manager changes only how
the image installs the (same) dependencies, which TestDevLoop in test_docker.py
proves for both; the app type changes the code that uses the database (HTTP
resources and a readiness check, or a subcommand), so each is driven here. The
web project has the worker (`worker=procrastinate`, which needs the database):
its steps 05a to 05c run jobs on the real worker service and share the
project's build; the cli project shows the database without it.

Like TestDevLoop, each project is baked with its checkout owned by uid 1234,
built once (HOST_UID=1234) and taken through numbered steps in order, with the
make targets a user runs. Compose projects are named dl-db-<...>-<run id>;
afterwards their containers, networks, volumes and the images they built are
removed (`--rmi local`: never postgres:18, which cannot be pulled back here).
"""

import json
import os
import re
import signal
import socket
import statistics
import time
import urllib.error
import urllib.request

import pytest

import conftest
from docker_support import (
    NON_DEFAULT_UID,
    DevProject,
    assert_checkout_clean,
    compose_prod,
    container_facts,
    free_port,
    get,
    prod_image,
    production_settings,
    production_settings_set,
    remove_production,
    slug,
    step,
    wait_for_answer,
)
from helpers import STRICT_PYTEST, JobQueue, bake, passed_silently, psql, run, shown

pytestmark = pytest.mark.docker

COVERING_SET = [
    {"package_manager": "uv", "app_type": "web", "worker": "procrastinate"},
    {"package_manager": "pip", "app_type": "cli", "worker": "none"},
]
# What each app type's generated suite holds (tests/test_*.py of the baked project;
# the web project's with the worker's 10).
GENERATED_TESTS = {"web": 48, "cli": 33}
ORDER_BY = "select(Item).order_by(Item.id)"
NAME_COLUMN = "    name: Mapped[str] = mapped_column(String(200))\n"
NEW_COLUMN = (
    NAME_COLUMN,
    NAME_COLUMN + "    note: Mapped[str | None] = mapped_column(String(500))\n",
)


class DatabaseProject(JobQueue):
    """What the steps need beyond DevProject: the database, and the app's answers."""

    def __init__(self, project, web_port):
        self.project = project
        self.web = project.answers["app_type"] == "web"
        self.worker = project.answers["worker"] == "procrastinate"
        self.database = project.package  # POSTGRES_DB's default
        self.port = web_port
        # As a newcomer whose port 8000 is taken would: in .env only, which
        # compose, make and the scripts all read (scripts/dev-env.sh adds the rest).
        project.write(".env", f"APP_PORT={web_port}\n")
        self.broken = None
        self.built = None

    def __getattr__(self, name):  # compose, make, edit, write, paths, ... of DevProject
        return getattr(self.project, name)

    def sql(self, query, database=None):
        """Run ``query`` with psql in the db container; its rows as lists of columns."""
        return psql(self.project, database or self.database, query)

    def items(self, database=None):
        return [name for _, name in self.sql("SELECT id, name FROM items ORDER BY id", database)]

    def add(self, name):
        """Add an item the way the app's user would: over HTTP, or with the subcommand."""
        if self.web:
            created = self.http_post("/items", {"name": name})
            assert created[0] == 201, created
            return
        result = self.compose("run", "--rm", "app", self.slug, "items", "add", name)
        assert re.fullmatch(rf"\d+\t{re.escape(name)}\n", result.stdout), shown(result)

    def listed(self, restarting=False):
        """The item names the app lists: GET /items, or `items list`; None while
        the web server is ``restarting`` and does not answer."""
        if self.web:
            status, body = get(f"http://127.0.0.1:{self.port}/items")
            if status is None and restarting:
                return None
            assert status == 200, (body, self.compose("logs", "app").stdout[-3000:])
            return [item["name"] for item in body]
        result = self.compose("run", "--rm", "app", self.slug, "items", "list")
        return [line.split("\t")[1] for line in result.stdout.splitlines()]

    def http_post(self, path, payload):
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())

    def up(self):
        """Web: `make up`, the app (migrated first) and the database. Cli: nothing
        runs in the background; each `make run` starts the database."""
        if self.web:
            started = self.make("up")
            assert started.stdout.endswith(f"http://127.0.0.1:{self.port}/\n"), shown(started)
            assert wait_for_answer(f"http://127.0.0.1:{self.port}/ready", READY)[0] == 200

    def down(self):
        self.project.down()  # containers, network, volumes, the images it built, -prod

    def defer(self, name):
        """Queue the example job through the app: POST /jobs/add-item; its id. (After
        a save, uvicorn restarts the app: it waits for an answer first.)"""
        assert wait_for_answer(f"http://127.0.0.1:{self.port}/health", {"status": "ok"})[0] == 200
        status, job = self.http_post("/jobs/add-item", {"name": name})
        assert status == 202 and job["status"] in ("todo", "doing", "succeeded"), job
        return job["id"]

    def wait_for_job(self, job_id, status, seconds=20):
        """Poll GET /jobs/{id} until the job has ``status``; fail after ``seconds``."""
        deadline = time.monotonic() + seconds
        while True:
            answered, job = get(f"http://127.0.0.1:{self.port}/jobs/{job_id}")
            if answered and job["status"] == status:
                return job
            assert not answered or job["status"] in ("todo", "doing"), job
            assert time.monotonic() < deadline, (job, self.compose("logs", "worker").stdout[-3000:])
            time.sleep(0.1)

    def worker_container(self):
        """(container ID, start time) of the worker service."""
        container = self.compose("ps", "-q", "worker").stdout.strip()
        started = run(["docker", "inspect", "-f", "{{.State.StartedAt}}", container]).stdout
        return container, started.strip()


READY = {"status": "ok", "database": "ok"}


def pytest_generate_tests(metafunc):
    """Every step on each project of the covering set, but the worker's (05a-05c):
    only on the project that has one."""
    if "loop" in metafunc.fixturenames:
        worker_step = metafunc.function.__name__.startswith(("test_05a_", "test_05b_", "test_05c_"))
        projects = [a for a in COVERING_SET if a["worker"] != "none" or not worker_step]
        ids = [f"{a['package_manager']}-{a['app_type']}" for a in projects]
        metafunc.parametrize("loop", projects, ids=ids, indirect=True, scope="class")


@pytest.fixture(scope="class")
def loop(request, docker, tmp_path_factory):
    """One database project per member of the covering set, built once. Baked as a
    newcomer bakes it: the cookiecutter command line, into another directory (-o)."""
    if os.geteuid() != 0:
        pytest.skip(f"needs root to give the checkout to uid {NON_DEFAULT_UID}")
    name = slug("db", request.param["package_manager"], request.param["app_type"])
    answers = {**request.param, "database": "postgres", "project_slug": name, "project_name": name}
    path = bake(tmp_path_factory.mktemp("db"), **answers)
    project = DevProject(path, answers, NON_DEFAULT_UID, NON_DEFAULT_UID)
    db_project = DatabaseProject(project, free_port())
    try:
        db_project.make("build")
        db_project.built = project.image_ids()
        yield db_project
    finally:
        db_project.down()


def passed(result, count):
    output = result.stdout
    return result.returncode == 0 and f"{count} passed" in output and "skipped" not in output


class TestDatabase:
    @step
    def test_01_compose_file_is_valid_and_the_tests_pass_against_postgres(self, loop):
        config = loop.compose("config", "-q", check=False)
        assert config.returncode == 0 and not config.stderr, shown(config)
        # Every warning an error: the fresh project is silent (database=postgres);
        # with its coverage measured (mypy runs in step 4's `make lint`).
        result = loop.make("test", f"ARGS={' '.join(STRICT_PYTEST[1:])} --cov", check=False)
        assert passed(result, GENERATED_TESTS[loop.answers["app_type"]]), shown(result)
        assert passed_silently(result), shown(result)
        assert re.search(r"^TOTAL ", result.stdout, re.MULTILINE), shown(result)
        assert "tests/test_db.py" in result.stdout, shown(result)
        image = loop.sql("SELECT version()", "postgres")[0][0]
        assert image.startswith("PostgreSQL 18"), image

    @step
    def test_02_tests_use_their_own_database_and_leave_development_data_alone(self, loop):
        if loop.web:
            assert_a_taken_port_is_named(loop)
        # No `make migrate` first: the app's first start (after `make test`) finds its tables.
        loop.up()
        loop.add("written in development")
        before = loop.sql("SELECT id, name FROM items ORDER BY id")
        assert [name for _, name in before] == ["written in development"]

        result = loop.make("test", check=False)
        assert passed(result, GENERATED_TESTS[loop.answers["app_type"]]), shown(result)
        assert loop.sql("SELECT id, name FROM items ORDER BY id") == before
        # The tests' database is there, migrated, and kept no row of theirs.
        assert loop.items(f"{loop.database}_test") == []
        tables = loop.sql("SELECT version_num FROM alembic_version", f"{loop.database}_test")
        assert tables == [["0002" if loop.worker else "0001"]]  # 0002: procrastinate's schema

    @step
    def test_03_a_host_edit_to_a_query_is_seen_with_no_rebuild(self, loop):
        loop.add("second")
        assert loop.listed() == ["written in development", "second"]
        models = f"src/{loop.package}/models.py"
        loop.edit(models, ORDER_BY, "select(Item).order_by(Item.id.desc())")
        deadline = time.monotonic() + 20  # web: uvicorn restarts on the change
        while (listed := loop.listed(restarting=True)) != ["second", "written in development"]:
            assert time.monotonic() < deadline, listed
            time.sleep(0.5)
        failing = loop.make("test", check=False)
        assert failing.returncode != 0 and "test_items_round_trip" in failing.stdout, shown(failing)
        loop.edit(models, "select(Item).order_by(Item.id.desc())", ORDER_BY)
        passing = loop.make("test", check=False)
        assert passed(passing, GENERATED_TESTS[loop.answers["app_type"]]), shown(passing)
        assert loop.image_ids() == loop.built, "an image was rebuilt"

    @step
    def test_04_make_migration_writes_a_revision_owned_by_the_host_user(self, loop):
        loop.edit(f"src/{loop.package}/models.py", *NEW_COLUMN)
        versions = loop.path / "src" / loop.package / "migrations" / "versions"
        before = set(versions.iterdir())
        made = run(["make", "migration", "m=add a note to items"], loop.path, loop.env)
        [revision] = set(versions.iterdir()) - before
        assert revision.name.endswith("_add_a_note_to_items.py"), shown(made)
        loop.written.add(revision.relative_to(loop.path).as_posix())
        assert revision.stat().st_uid == NON_DEFAULT_UID, revision.stat()
        text = revision.read_text(encoding="utf-8")
        assert 'op.add_column("items", sa.Column("note"' in text, text
        # Autogenerate leaves the job queue's tables, made by revision 0002, alone.
        assert "procrastinate" not in text and "drop_table" not in text, text
        lint = loop.make("lint", check=False)
        assert lint.returncode == 0, shown(lint)

        applied = loop.make("migrate", check=False)
        assert applied.returncode == 0 and "add a note to items" in applied.stderr, shown(applied)
        columns = loop.sql(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_name = 'items' ORDER BY ordinal_position"
        )
        assert columns == [["id"], ["name"], ["note"]]
        # The tests' database follows at the next session; the models and migrations agree.
        result = loop.make("test", check=False)
        assert passed(result, GENERATED_TESTS[loop.answers["app_type"]]), shown(result)
        # A revision deleted after a run applied it: the tests' database is made
        # anew (in place, Alembic could not locate the revision it is at) ...
        kept, model = (
            revision.read_bytes(),
            loop.edit(f"src/{loop.package}/models.py", *NEW_COLUMN[::-1]),
        )
        revision.unlink()
        result = loop.make("test", check=False)
        assert passed(result, GENERATED_TESTS[loop.answers["app_type"]]), shown(result)
        # ... and again with both put back, as the development database has them.
        revision.write_bytes(kept)
        os.chown(revision, NON_DEFAULT_UID, NON_DEFAULT_UID)
        loop.write(f"src/{loop.package}/models.py", model)
        result = loop.make("test", check=False)
        assert passed(result, GENERATED_TESTS[loop.answers["app_type"]]), shown(result)
        assert loop.image_ids() == loop.built, "an image was rebuilt"

    @step
    def test_05_down_then_up_keeps_the_data(self, loop):
        expected = ["written in development", "second"]
        if loop.web:
            loop.add("over HTTP")
            expected.append("over HTTP")
        loop.make("down")
        label = f"label=com.docker.compose.project={loop.slug}"
        assert run(["docker", "ps", "-aq", "--filter", label]).stdout == ""
        volumes = run(["docker", "volume", "ls", "-q", "--filter", label]).stdout.split()
        assert volumes == [f"{loop.slug}_db-data"], volumes
        loop.up()
        assert loop.listed() == expected

    @step
    def test_05a_make_up_started_the_worker_which_runs_jobs_deferred_through_the_app(self, loop):
        """`make up` (step 05) waited for the worker too; a job deferred with POST
        /jobs/add-item is run by it, and its item appears. The latency from defer
        to start, on an idle worker, by the database's clock (procrastinate_events)."""
        states = loop.compose("ps", "--format", "{{.Service}} {{.State}} {{.Health}}").stdout
        assert {"app running healthy", "db running healthy", "worker running healthy"} <= set(
            states.splitlines()
        ), states
        latencies = []
        for number in range(5):
            job_id = loop.defer(f"job {number}")
            job = loop.wait_for_job(job_id, "succeeded", seconds=10)
            assert (job["task"], job["attempts"]) == (f"{loop.package}.tasks.add_item", 1), job
            times = loop.job_times(job_id)
            latencies.append(times["started"] - times["deferred"])
            time.sleep(0.5)  # idle again
        assert loop.listed()[-5:] == [f"job {number}" for number in range(5)]
        conftest.REPORT.append(
            f"worker: defer -> start on an idle worker: median {statistics.median(latencies) * 1000:.0f} ms, "
            f"max {max(latencies) * 1000:.0f} ms over 5 jobs (load {os.getloadavg()[0]:.1f})"
        )

    @step
    def test_05b_an_edit_to_the_task_runs_in_the_worker_with_no_rebuild_or_restart(self, loop):
        """Save tasks.py on the host: the next job runs the new code, in the same
        container, from the same image. The time from the save until the worker
        on the new code has registered (procrastinate_workers, by the database's
        clock), ready for jobs."""
        tasks = f"src/{loop.package}/tasks.py"
        container, worker = loop.worker_container(), loop.newest_worker()
        saved = time.time()
        loop.edit(tasks, "models.add_item(session, name)", "models.add_item(session, name.upper())")
        reloaded = loop.wait_for_worker_after(worker) - saved
        loop.wait_for_job(loop.defer("edited"), "succeeded")
        assert loop.listed()[-1] == "EDITED", "the job ran the old code"
        assert loop.worker_container() == container, "the worker's container was restarted"
        assert loop.image_ids() == loop.built, "an image was rebuilt"
        logs = loop.compose("logs", "worker").stdout
        assert "tasks.py changed: restarting (the running job finishes first)" in logs, logs
        conftest.REPORT.append(
            f"worker: save of tasks.py -> the new code's worker ready for jobs: {reloaded:.2f} s "
            f"(load {os.getloadavg()[0]:.1f})"
        )

    @step
    def test_05c_a_stopped_worker_finishes_its_running_job_first(self, loop):
        """`docker compose stop worker` while a slow job runs: the stop waits for
        it, and it ends `succeeded`, its item added once. (A job killed halfway is
        retried: the generated tests/test_worker.py on PostgreSQL.)"""
        tasks = f"src/{loop.package}/tasks.py"
        original = loop.read(tasks).replace(
            "models.add_item(session, name.upper())", "models.add_item(session, name)"
        )
        slow = original.replace(
            "from procrastinate import", "import time\n\nfrom procrastinate import"
        )
        slow = slow.replace(
            "    with db.session() as session:\n",
            "    time.sleep(3)\n    with db.session() as session:\n",
        )
        worker = loop.newest_worker()
        loop.write(tasks, slow)
        loop.wait_for_worker_after(worker)  # the slow code's worker
        job_id = loop.defer("slow")
        loop.wait_for_job(job_id, "doing")
        asked = time.time()
        loop.compose("stop", "worker")
        waited = time.time() - asked
        assert loop.wait_for_job(job_id, "succeeded", seconds=1)["attempts"] == 1
        assert loop.job_times(job_id)["succeeded"] > asked, "it ended before the stop"
        assert waited < 30, f"the stop took {waited:.1f} s: the job was killed"
        assert loop.listed().count("slow") == 1
        logs = loop.compose("logs", "worker").stdout
        assert "Waiting for job to finish" in logs and "Stopped worker" in logs, logs
        loop.write(tasks, original)  # the worker starts again with step 08's `make up`

    @step
    def test_06_a_database_that_is_down_or_refuses_the_password_is_one_line(self, loop):
        loop.compose("stop", "db")
        if loop.web:
            # Step 05c's last edit reloads the app as the database stops: it starts
            # all the same (the queue connects on first use) and answers at once.
            with pytest.raises(urllib.error.HTTPError) as unready:
                urllib.request.urlopen(f"http://127.0.0.1:{loop.port}/ready", timeout=10)
            body = json.loads(unready.value.read())
            assert (unready.value.code, body) == (
                503,
                {"status": "unavailable", "database": "unavailable"},
            )
            logs = loop.compose("logs", "app").stdout
            assert (
                "GET /ready: database unavailable at postgresql+psycopg://app:***@db:5432/" in logs
            )
            assert "Traceback" not in logs, logs
        down = loop.compose("run", "--rm", "--no-deps", "app", loop.slug, "migrate", check=False)
        assert_one_line(down, 1, "is the database server running and reachable?")
        loop.compose("start", "db")
        loop.compose("up", "--wait", "db")
        wrong = f"postgresql://app:wrong@db:5432/{loop.database}"
        refused = loop.compose(
            "run", "--rm", "-e", f"DATABASE_URL={wrong}", "app", loop.slug, "migrate", check=False
        )
        assert_one_line(refused, 1, "password authentication failed")
        assert "wrong" not in refused.stderr
        tests = loop.compose("run", "--rm", "-e", f"DATABASE_URL={wrong}", "test", check=False)
        assert tests.returncode != 0 and "password authentication failed" in tests.stdout, shown(
            tests
        )
        assert "Traceback" not in tests.stdout, shown(tests)

    @step
    def test_07_make_prod_runs_the_production_image_on_the_development_database(self, loop):
        """`make prod` out of the box: the production image (this checkout's own,
        <project>-prod), read-only, on the migrated development database. Without
        DATABASE_URL the image refuses to start, in one line."""
        loop.make("prod-build")
        image = f"{loop.slug}-prod"
        refused = run(["docker", "run", "--rm", image], check=False)
        assert refused.returncode == 2, shown(refused)
        assert refused.stderr == (
            "error: DATABASE_URL is not set: set it to "
            "postgresql://user:password@host:5432/database\n"
        ), shown(refused)
        if loop.web:
            loop.compose("stop", "app")  # its host port is the one `make prod` publishes
            server = loop.start("make", "prod")
            try:
                assert wait_for_answer(f"http://127.0.0.1:{loop.port}/ready", READY) == (200, READY)
                # The development data (the worker's jobs added more after it).
                assert loop.listed()[:3] == ["written in development", "second", "over HTTP"]
            finally:
                os.killpg(server.pid, signal.SIGINT)
                server.communicate(timeout=30)
            # make exits at once on Ctrl-C; the container goes after it, also when compose
            # died of the Ctrl-C without stopping it (scripts/run.sh removes it then).
            labels = [
                f"label=com.docker.compose.{k}" for k in (f"project={loop.slug}", "service=prod")
            ]
            command = ["docker", "ps", "-aq", "--filter", labels[0], "--filter", labels[1]]
            deadline = time.monotonic() + 15
            while (left := run(command).stdout.strip()) and time.monotonic() < deadline:
                time.sleep(0.5)
            assert left == "", "`make prod` left its container"
        else:
            listed = loop.make("prod", "ARGS=items list", check=False)
            assert listed.returncode == 0 and "written in development" in listed.stdout, shown(
                listed
            )

    @step
    def test_08_removing_the_volume_removes_the_data_and_the_checkout_stays_clean(self, loop):
        loop.compose("down", "--volumes")
        label = f"label=com.docker.compose.project={loop.slug}"
        assert run(["docker", "volume", "ls", "-q", "--filter", label]).stdout == ""
        loop.up()
        assert loop.make("migrate", check=False).returncode == 0
        assert loop.listed() == []
        assert_checkout_clean(loop.project)

    def test_09_the_production_file_runs_the_prod_image_hardened_and_leaves_nothing(self, loop):
        """compose.prod.yaml on one host (`make deploy`), with the prod image
        (step 07's build, from the cache) tagged as .env.prod names it: up and
        healthy, migrated, non-root, read-only, the password a file; web: through
        Caddy, HTTP and HTTPS (DOMAIN=localhost: Caddy's own certificate), and
        with the worker two healthy workers, hardened, that run a job deferred
        through Caddy; `down -v` leaves nothing. It needs nothing of the steps
        before but the image, so it runs whatever they did."""
        stack, image = f"{loop.slug}-live", f"{loop.slug}-published"
        loop.make("prod-build")
        run(["docker", "tag", prod_image(loop.project), f"{image}:1"])
        ports = {"HTTP_PORT": free_port(), "HTTPS_PORT": free_port()} if loop.web else {}
        try:
            production_settings(loop.project, STACK=stack, IMAGE=image, TAG="1", **ports)
            assert (loop.path / "secrets" / "postgres_password").stat().st_mode & 0o777 == 0o444
            deployed = loop.make("deploy", check=False)
            assert deployed.returncode == 0, shown(deployed)
            db = compose_prod(loop.project, stack, "ps", "-q", "db").stdout.strip()
            user, read_only, dropped, env = container_facts(db)
            assert (user, read_only, dropped) == ("postgres", True, ["ALL"])
            assert "POSTGRES_PASSWORD_FILE=/run/secrets/postgres_password" in env
            assert not any(line.startswith("POSTGRES_PASSWORD=") for line in env)
            script = 'psql -U "$POSTGRES_USER" -d "$POSTGRES_DB" -Atc "SELECT version_num FROM alembic_version"'
            if loop.web:
                apps = compose_prod(loop.project, stack, "ps", "-q", "app").stdout.split()
                assert len(apps) == 2, apps
                for app in apps:
                    user, read_only, dropped, env = container_facts(app)
                    assert (user, read_only, dropped) == ("10001:10001", True, ["ALL"])
                    assert "DATABASE_PASSWORD_FILE=/run/secrets/postgres_password" in env
                url = f"http://127.0.0.1:{ports['HTTP_PORT']}"
                assert wait_for_answer(f"{url}/health", {"status": "ok"}) == (200, {"status": "ok"})
                assert wait_for_answer(f"{url}/ready", READY) == (200, READY)
                written = compose_prod(
                    loop.project, stack, "exec", "-T", "app", "touch", "/probe", check=False
                )
                assert "Read-only file system" in written.stderr, shown(written)
                if loop.worker:
                    assert_the_production_workers_run_a_job(loop, stack, url)
                # A domain: HTTPS with a certificate of Caddy's own (localhost: its local CA).
                production_settings_set(loop.path, DOMAIN="localhost")
                assert loop.make("deploy", check=False).returncode == 0
                secure = f"https://localhost:{ports['HTTPS_PORT']}/health"
                assert wait_for_answer(secure, {"status": "ok"}, insecure=True) == (
                    200,
                    {"status": "ok"},
                )
            else:
                added = loop.make("prod-run", "ARGS=items add from-production", check=False)
                assert added.returncode == 0 and "\tfrom-production" in added.stdout, shown(added)
                probe = run(
                    ["sh", "scripts/deploy.sh", "run", "sh", "-c", "id -u; touch /probe"],
                    loop.path, loop.env, check=False,
                )  # fmt: skip
                assert probe.stdout.split() == ["10001"], shown(probe)
                assert "Read-only file system" in probe.stderr, shown(probe)
            migrated = compose_prod(loop.project, stack, "exec", "-T", "db", "sh", "-c", script)
            assert migrated.stdout.split() == [head_revision(loop)], shown(migrated)
        finally:
            assert remove_production(loop.project, stack) == [], "down -v left these"
            run(["docker", "image", "rm", f"{image}:1"], check=False)


def assert_the_production_workers_run_a_job(loop, stack, url):
    """WORKER_REPLICAS (2) workers, healthy (`make deploy` waited), hardened as
    the app, from the prod image: a job deferred through Caddy runs on one."""
    workers = compose_prod(loop.project, stack, "ps", "-q", "worker").stdout.split()
    assert len(workers) == 2, workers
    for worker in workers:
        user, read_only, dropped, env = container_facts(worker)
        assert (user, read_only, dropped) == ("10001:10001", True, ["ALL"])
        assert "DATABASE_PASSWORD_FILE=/run/secrets/postgres_password" in env
        health = run(["docker", "inspect", "-f", "{{.State.Health.Status}}", worker]).stdout
        assert health.strip() == "healthy", worker
    request = urllib.request.Request(
        f"{url}/jobs/add-item",
        data=json.dumps({"name": "in production"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        job = json.loads(response.read())
    deadline = time.monotonic() + 20
    while (found := get(f"{url}/jobs/{job['id']}"))[1].get("status") != "succeeded":
        assert time.monotonic() < deadline, (
            found,
            compose_prod(loop.project, stack, "logs", "worker").stdout[-3000:],
        )
        time.sleep(0.2)
    assert "in production" in [item["name"] for item in get(f"{url}/items")[1]]


def head_revision(loop):
    """The newest migration of the checkout (step 04 added one)."""
    versions = loop.path / "src" / loop.package / "migrations" / "versions"
    texts = [path.read_text(encoding="utf-8") for path in versions.glob("*.py")]
    revision = re.compile(r"^revision: str = [\"'](\w+)", re.MULTILINE)
    down = re.compile(r"^down_revision[^=\n]*= [\"'](\w+)", re.MULTILINE)
    revisions = {revision.search(text)[1] for text in texts}
    downs = {found[1] for text in texts if (found := down.search(text))}
    (head,) = revisions - downs
    return head


def assert_a_taken_port_is_named(loop):
    """APP_PORT (in .env) taken by another program: `make up` fails with one line
    that names the setting, and `make debug` publishes the app on APP_PORT."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        dot_env = loop.read(".env")
        loop.write(".env", dot_env.replace(f"APP_PORT={loop.port}", f"APP_PORT={busy}"))
        try:
            clash = loop.make("up", check=False)
        finally:
            loop.write(".env", dot_env)
    assert clash.returncode != 0, shown(clash)
    hint = f"port {busy} on 127.0.0.1 is taken: set APP_PORT=<another port> in .env"
    assert clash.stderr.count(hint) == 1, shown(clash)
    loop.compose("down")

    debugging = loop.start("make", "debug")
    try:
        deadline = time.monotonic() + 60
        while not (published := debug_ports(loop)) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert f"127.0.0.1:{loop.port}->8000/tcp" in published, published
    finally:
        os.killpg(debugging.pid, signal.SIGINT)
        debugging.communicate(timeout=30)
    # make exits at once on Ctrl-C; the container goes, and frees the port the next
    # `make up` publishes, after it: even when Ctrl-C came before compose had
    # attached to it (scripts/debug.sh removes it then).
    labels = [f"project={loop.slug}", "service=app", "oneoff=True"]
    command = ["docker", "ps", "-aq", *(f"--filter=label=com.docker.compose.{x}" for x in labels)]
    deadline = time.monotonic() + 30
    while (left := run(command).stdout.strip()) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not left, "`make debug` left its container after Ctrl-C"


def debug_ports(loop):
    """The ports of the running one-off app container (`make debug`), as docker ps says."""
    labels = [f"project={loop.slug}", "service=app", "oneoff=True"]
    filters = [f"--filter=label=com.docker.compose.{label}" for label in labels]
    return run(["docker", "ps", *filters, "--format", "{{.Ports}}"]).stdout


def assert_one_line(result, status, words):
    assert result.returncode == status, shown(result)
    # Compose's own lines (" Container ... Running") and blank lines aside.
    lines = [line for line in result.stderr.splitlines() if line.strip() and line[0] != " "]
    assert len(lines) == 1, shown(result)
    [line] = lines
    assert line.startswith("error: database unavailable at postgresql+psycopg://"), shown(result)
    assert words in line, shown(result)
