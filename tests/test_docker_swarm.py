"""compose.prod.yaml as a Docker Swarm stack (`make stack-deploy`), on a one-node
swarm of this engine: the web + postgres project's prod image with two app
replicas behind Caddy (ports in `mode: host`, the app in `endpoint_mode: dnsrr`:
this engine has no IPVS), healthy and migrated; a rolling update to a new version
under a bounded request loop (20 requests a second through Caddy) with no failed
request; an update to a version whose healthcheck fails rolls back by itself
while the old version keeps answering, and `make stack-deploy` says so and fails.
The stack is removed at the end, also after a failure; the swarm (when this run
made it) is left when the whole run ends (conftest.SWARM says why).

The project is test_docker_db.py's web one without its worker (whose production
service test_docker_db.py's step 09 runs on one host), so BuildKit's download
cache serves its prod build; the two later versions are edits of it, each a
build of the project layer alone. The healthchecks run every second
(compose.prod.override.yaml, which the deploy script adds): no test waits on a
sleep. The times it measures are reported in the summary (docs/deploy.md has them).
"""

import json
import threading
import time
import urllib.request

import pytest

from conftest import REPORT, SWARM
from docker_support import (
    NON_DEFAULT_UID,
    free_port,
    new_project,
    prod_image,
    production_settings,
    production_settings_set,
    slug,
    wait_for_answer,
)
from helpers import run, shown

pytestmark = pytest.mark.docker

# Healthchecks every second and a short watch after each new task: a rollout
# takes seconds; a new task has 15 s to answer, which is also how long the
# broken version of step 3 fails before its failures count. Everything else is
# the production file's own.
FAST_HEALTHCHECKS = """\
services:
  app:
    healthcheck:
      interval: 1s
      start_period: 15s
    deploy:
      update_config:
        monitor: 2s
  db:
    healthcheck:
      interval: 1s
  proxy:
    healthcheck:
      interval: 1s
"""
RATE = 20  # requests a second
INDEX = 'return {"name": DISTRIBUTION, "version": app.version}'
HEALTH = 'return {"status": "ok"}'


def swarm_state():
    return run(["docker", "info", "--format", "{{.Swarm.LocalNodeState}}"]).stdout.strip()


@pytest.fixture(scope="module")
def swarm(docker):
    """A one-node swarm: this engine's, made here if it is none; the run leaves it
    when every test has ended (conftest.SWARM: not here, while other tests' compose
    projects may still be running)."""
    if swarm_state() == "inactive":
        run(["docker", "swarm", "init", "--advertise-addr", "127.0.0.1"])
        SWARM["made"] = True
    assert swarm_state() == "active", swarm_state()


class Requests(threading.Thread):
    """GET ``url`` RATE times a second until stopped: the answers' bodies, and the
    failures (an error or a status other than 200)."""

    def __init__(self, url):
        super().__init__(daemon=True)
        self.url, self.stopped = url, threading.Event()
        self.bodies, self.failures = [], []

    def run(self):
        while not self.stopped.is_set():
            started = time.monotonic()
            try:
                with urllib.request.urlopen(self.url, timeout=5) as response:
                    self.bodies.append(json.loads(response.read()))
            except OSError as error:
                self.failures.append(repr(error))
            self.stopped.wait(max(0, 1 / RATE - (time.monotonic() - started)))

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stopped.set()
        self.join(timeout=10)


@pytest.fixture(scope="module")
def stack(swarm, cookies_session):
    """The web + postgres project, its three versions built and tagged, its
    settings written; the stack removed at the end."""
    project = new_project(
        cookies_session,
        "db",
        NON_DEFAULT_UID,
        NON_DEFAULT_UID,
        compose_name=slug("swarm"),
        project_slug=slug("db", "uv", "web"),
        package_manager="uv",
        app_type="web",
        database="postgres",
    )
    name, image = slug("stack"), slug("swarm", "image")
    project.stack, project.image = name, image
    versions = []
    try:
        for version, edit in enumerate([None, (INDEX, INDEX.replace("}", ', "v": "2"}')), (HEALTH, 'raise RuntimeError("broken on purpose")')], 1):  # fmt: skip
            if edit:
                [module] = [
                    p for p in project.path.glob("src/*/**/*.py") if edit[0] in p.read_text()
                ]
                project.edit(module.relative_to(project.path).as_posix(), *edit)
            built = project.make("prod-build", check=False)
            assert built.returncode == 0, shown(built)
            run(["docker", "tag", prod_image(project), f"{image}:{version}"])
            versions.append(f"{image}:{version}")
        project.port = free_port()
        production_settings(
            project,
            STACK=name,
            IMAGE=image,
            TAG="1",
            HTTP_PORT=project.port,
            HTTPS_PORT=free_port(),
        )
        project.write("compose.prod.override.yaml", FAST_HEALTHCHECKS)
        yield project
    finally:
        run(["docker", "stack", "rm", name], check=False)
        label = f"label=com.docker.stack.namespace={name}"
        deadline = time.monotonic() + 60
        while (
            run(["docker", "ps", "-aq", "--filter", label]).stdout and time.monotonic() < deadline
        ):
            time.sleep(0.5)
        volumes = run(["docker", "volume", "ls", "-q", "--filter", label]).stdout.split()
        run(["docker", "volume", "rm", *volumes], check=False)
        run(["docker", "image", "rm", *versions], check=False)
        project.down()
        left = [
            run(["docker", kind, "ls", "-q", "--filter", label]).stdout
            for kind in ("service", "network", "volume")
        ]
        assert left == ["", "", ""], f"the stack left {left}"


def replicas(stack, service):
    """(running/desired, image) of a service of the stack."""
    line = run(
        ["docker", "service", "ls", "--filter", f"name={stack.stack}_{service}",
         "--format", "{{.Replicas}} {{.Image}}"]
    ).stdout.split()  # fmt: skip
    return line[0], line[-1]


def settled(stack, service, expected, seconds=30):
    """(running/desired, image) of ``service`` once it is ``expected`` (old
    tasks stop a few seconds after a rollout), or as it is after ``seconds``."""
    deadline = time.monotonic() + seconds
    while (found := replicas(stack, service)) != expected and time.monotonic() < deadline:
        time.sleep(0.5)
    return found


def deploy(stack, tag):
    production_settings_set(stack.path, TAG=tag)
    started = time.monotonic()
    result = stack.make("stack-deploy", check=False)
    return result, time.monotonic() - started


def test_1_the_stack_comes_up_healthy_with_two_app_replicas(stack):
    result, seconds = deploy(stack, "1")
    assert result.returncode == 0, shown(result)
    assert "Ignoring unsupported options: security_opt" in result.stderr, shown(result)
    assert settled(stack, "app", ("2/2", f"{stack.image}:1")) == ("2/2", f"{stack.image}:1")
    assert replicas(stack, "db") == ("1/1", "postgres:18")
    url = f"http://127.0.0.1:{stack.port}"
    ready = {"status": "ok", "database": "ok"}
    assert wait_for_answer(f"{url}/ready", ready) == (200, ready)
    tasks = run(
        ["docker", "ps", "-q", "--filter", f"label=com.docker.swarm.service.name={stack.stack}_app"]
    ).stdout.split()
    for task in tasks:
        facts = json.loads(run(["docker", "inspect", task]).stdout)[0]
        assert facts["State"]["Health"]["Status"] == "healthy"
        assert facts["Config"]["User"] == "10001:10001" and facts["HostConfig"]["ReadonlyRootfs"]
    REPORT.append(f"swarm: make stack-deploy to healthy, first deploy: {seconds:.1f} s")


def test_2_a_rolling_update_answers_every_request(stack):
    with Requests(f"http://127.0.0.1:{stack.port}/") as requests:
        time.sleep(1)  # answers before the update
        result, seconds = deploy(stack, "2")
    assert result.returncode == 0, shown(result)
    assert requests.failures == [], requests.failures[:5]
    versions = [body.get("v", "1") for body in requests.bodies]
    assert versions[0] == "1" and versions[-1] == "2", versions
    assert len(requests.bodies) >= RATE * seconds * 0.5, (len(requests.bodies), seconds)
    assert settled(stack, "app", ("2/2", f"{stack.image}:2")) == ("2/2", f"{stack.image}:2")
    REPORT.append(
        f"swarm: rolling update in {seconds:.1f} s, {len(requests.bodies)} requests, "
        f"{len(requests.failures)} failed"
    )


def test_3_an_update_that_never_gets_healthy_rolls_back_and_the_old_version_serves(stack):
    with Requests(f"http://127.0.0.1:{stack.port}/") as requests:
        result, seconds = deploy(stack, "3")
    assert result.returncode != 0, shown(result)
    assert "rollback completed: the new version never got healthy" in result.stderr, shown(result)
    assert requests.failures == [], requests.failures[:5]
    assert {body.get("v", "1") for body in requests.bodies} == {"2"}
    assert settled(stack, "app", ("2/2", f"{stack.image}:2")) == ("2/2", f"{stack.image}:2")
    REPORT.append(f"swarm: a failing update rolled back in {seconds:.1f} s, no request failed")
