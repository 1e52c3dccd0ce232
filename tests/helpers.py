"""What the tests and the benchmark (benchmarks/devloop.py) share: running
commands, baking with the cookiecutter command line, a baked project driven with
docker compose, BuildKit's plain build log, and snapshots of a directory tree.

Standard library only, and no pytest: the benchmark imports this module too. A
failed command raises ``CommandFailed``, an AssertionError whose message shows
the command, its exit status and the end of its output."""

import json
import os
import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parents[1]

# --- Commands ----------------------------------------------------------------


class CommandFailed(AssertionError):
    """A command exited non-zero; ``str()`` is ``shown(result)``."""


def shown(result):
    """A command's exit status and output, for an assertion message."""
    command = " ".join(map(str, result.args))
    return (
        f"$ {command}\nexit status {result.returncode}\n"
        f"--- stdout\n{result.stdout[-6000:]}\n--- stderr\n{result.stderr[-6000:]}"
    )


def run(command, cwd=None, env=None, check=True, umask=None, timeout=None):
    """Run ``command`` (its parts made strings) with no input and its output
    captured as text; raise CommandFailed if ``check`` and it fails. ``umask``
    applies to the command alone; ``timeout`` (seconds) kills it."""
    result = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        check=False,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        preexec_fn=None if umask is None else lambda: os.umask(umask),
        timeout=timeout,
    )
    if check and result.returncode != 0:
        raise CommandFailed(shown(result))
    return result


def output(result):
    """Everything a command printed (BuildKit writes its log to stderr)."""
    return result.stdout + result.stderr


# --- Baking --------------------------------------------------------------------


def run_cookiecutter(*args, output_dir=None, cwd=None, env=None, check=False, umask=None):
    """The cookiecutter command line, as a user runs it, with this interpreter."""
    env = {**(os.environ if env is None else env), "PYTHONIOENCODING": "utf-8"}
    out = [] if output_dir is None else ["-o", output_dir]
    return run([sys.executable, "-m", "cookiecutter", *args, *out], cwd, env, check, umask)


def bake(output_dir, template=TEMPLATE, **answers):
    """Bake ``answers`` with ``--no-input`` into the new directory ``output_dir``
    (fails if the bake does); return the project directory."""
    arguments = [f"{key}={value}" for key, value in answers.items()]
    run_cookiecutter("--no-input", template, *arguments, output_dir=output_dir, check=True)
    (project,) = Path(output_dir).iterdir()
    return project


# --- A baked project, driven with docker compose --------------------------------


def compose_environment(host_uid=None, host_gid=None):
    """This process's environment for compose, with HOST_UID/HOST_GID set to
    ``host_uid``/``host_gid`` (the gid defaults to the uid), or unset when None
    (then `make` passes `id -u`/`id -g`, plain compose its default, 1000); no
    APP_PORT or COMPOSE_PROJECT_NAME from the caller's shell."""
    unset = ("HOST_UID", "HOST_GID", "APP_PORT", "COMPOSE_PROJECT_NAME")
    env = {key: value for key, value in os.environ.items() if key not in unset}
    if host_uid is not None:
        gid = host_uid if host_gid is None else host_gid
        env.update(HOST_UID=str(host_uid), HOST_GID=str(gid))
    return env


def free_port():
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def psql(project, database, query):
    """``query`` run with psql in ``project``'s db container (database=postgres),
    on ``database``: its rows, as lists of columns."""
    script = 'psql -U "$POSTGRES_USER" -d "$1" -AtF "|" -v ON_ERROR_STOP=1 -c "$2"'
    result = project.compose("exec", "-T", "db", "sh", "-c", script, "sh", database, query)
    return [line.split("|") for line in result.stdout.splitlines()]


class JobQueue:
    """procrastinate's own tables (worker=procrastinate), for a project class that
    has ``sql(query)`` and ``compose(...)``: times by the database's clock, in
    seconds since the epoch."""

    def job_times(self, job_id):
        """{event (deferred, started, succeeded, ...): when} of a job."""
        rows = self.sql(
            "SELECT type, extract(epoch FROM at) FROM procrastinate_events"
            f" WHERE job_id = {int(job_id)} ORDER BY id"
        )
        return {event: float(at) for event, at in rows}

    def newest_worker(self):
        """The id of the newest worker registered in the database (0: none)."""
        return int(self.sql("SELECT coalesce(max(id), 0) FROM procrastinate_workers")[0][0])

    def wait_for_worker_after(self, worker_id, seconds=30):
        """Wait until a worker newer than ``worker_id`` registered; when it did
        (its first heartbeat, the row's insertion)."""
        query = (
            "SELECT extract(epoch FROM last_heartbeat) FROM procrastinate_workers"
            f" WHERE id > {int(worker_id)} ORDER BY id LIMIT 1"
        )
        deadline = time.monotonic() + seconds
        while not (found := self.sql(query)):
            assert time.monotonic() < deadline, self.compose("logs", "worker").stdout[-3000:]
            time.sleep(0.1)
        return float(found[0][0])


class ComposeProject:
    """A baked project directory and the commands of its README, run in it.

    Its compose project is ``name``, the slug unless given (COMPOSE_PROJECT_NAME,
    which `make` passes on too: unique when the slug is, see slug() in
    test_docker.py). ``name=None`` leaves the name to the checkout's `.env`,
    which `make` completes (scripts/dev-env.sh), as on a developer's machine."""

    def __init__(self, path, env=None, name=""):
        self.path = Path(path)
        self.slug = self.path.name
        self.package = self.slug.replace("-", "_")
        self.env = compose_environment() if env is None else env
        self.name = None if name is None else name or self.slug
        if self.name is not None:
            self.env = {**self.env, "COMPOSE_PROJECT_NAME": self.name}

    @property
    def images(self):
        """{service: the image compose builds for it}."""
        name = self.name or self.configured_name()
        return {"app": f"{name}-app", "test": f"{name}-test"}

    def compose(self, *args, check=True):
        return run(["docker", "compose", *args], self.path, self.env, check)

    def make(self, *args, check=True):
        return run(["make", *args], self.path, self.env, check)

    def start(self, *command):
        """Start ``command`` in the background, in its own process group; its output
        (stdout and stderr) is ``.stdout`` of the Popen returned, as text."""
        return subprocess.Popen(
            command,
            cwd=self.path,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )

    def read(self, relative):
        return (self.path / relative).read_text(encoding="utf-8")

    def write(self, relative, text):
        (self.path / relative).write_text(text, encoding="utf-8")

    def edit(self, relative, old, new):
        """Replace ``old`` (which must be there) by ``new`` in a file; return the old text."""
        text = self.read(relative)
        assert old in text, f"{old!r} not in {relative}"
        self.write(relative, text.replace(old, new))
        return text

    def image_ids(self):
        """{service: image ID} of the images compose built."""
        inspect = ["docker", "image", "inspect", "-f", "{{.Id}}"]
        return {name: run([*inspect, image]).stdout.strip() for name, image in self.images.items()}

    def configured_name(self):
        """The compose project's name as compose resolves it (environment, .env)."""
        return json.loads(self.compose("config", "--format", "json").stdout)["name"]

    def down(self):
        """Remove what the project made (see ``remove_compose_project``)."""
        name = self.name or self.configured_name()
        self.compose("down", "--rmi", "local", "--volumes", "--remove-orphans", check=False)
        remove_compose_project(name)


def remove_compose_project(name):
    """Remove what is left of the compose project ``name``, also once its directory
    is gone: its containers (`make test-fast`'s kept one too), network, every image
    it built (also the ones a rebuild or `docker compose watch` replaced) and
    `<name>-prod`. Images its services only use are kept: they may not be
    pullable again."""
    label = f"label=com.docker.compose.project={name}"
    containers = run(["docker", "ps", "-aq", "--filter", label], check=False).stdout.split()
    run(["docker", "rm", "--force", *containers, f"{name}-test-kept"], check=False)
    networks = run(["docker", "network", "ls", "-q", "--filter", label], check=False).stdout
    if networks.split():
        run(["docker", "network", "rm", *networks.split()], check=False)
    images = run(["docker", "image", "ls", "-aq", "--filter", label], check=False).stdout.split()
    built = [f"{name}-{service}" for service in ("app", "test", "prod", "migrate", "worker")]
    run(["docker", "image", "rm", "--force", *set(images), *built], check=False)


# --- A fresh project's tests, with every warning an error ----------------------

# pytest as the Docker tests run a fresh project's suite to prove it silent:
# a warning fails the run instead of being summarised.
STRICT_PYTEST = ("pytest", "-W", "error")


def passed_silently(result):
    """Whether a pytest run passed and its output mentions no warning (pytest's
    summary line would say "N warnings", its report "warnings summary")."""
    return (
        result.returncode == 0
        and " passed" in result.stdout
        and ("warning" not in result.stdout.lower())
    )


# --- BuildKit's plain log (`docker compose build --progress=plain`) ---------------

STEP_HEADER = re.compile(r"^#(\d+) \[(\S+)(?: (\S+))? (\d+)/(\d+)\] (.*)$")
STEP_EVENT = re.compile(r"^#(\d+) (?:(CACHED|DONE|ERROR)\b(?: (\d+\.\d+)s)?|\d+\.\d+ (.*))")
SOURCE_COPY = re.compile(r"^COPY (?:--\S+ )*\. \.(?: |$)")  # COPY [--chown=…] . .


@dataclass
class BuildStep:
    """One Dockerfile step of a build: ``[<service> <stage> <index>/<count>]``."""

    stage: str
    index: int
    instruction: str
    cached: bool = False
    seconds: float = 0.0
    output: list = field(default_factory=list)

    def __repr__(self):
        return f"[{self.stage} {self.index}] {self.instruction[:70]}"


def build_steps(log):
    """The Dockerfile steps of a plain build log, with their status and output."""
    steps = {}
    for line in log.splitlines():
        if header := STEP_HEADER.match(line):
            vertex, _service, stage, index, _count, instruction = header.groups()
            # BuildKit repeats a step's header when its output resumes.
            steps.setdefault(vertex, BuildStep(stage or "", int(index), instruction))
        elif (event := STEP_EVENT.match(line)) and event[1] in steps:
            step = steps[event[1]]
            if event[2] == "CACHED":
                step.cached = True
            elif event[2] == "DONE" and event[3]:
                step.seconds = float(event[3])
            elif event[4] is not None:
                step.output.append(event[4])
    return list(steps.values())


def split_at_source_copy(log):
    """A build's steps in the stage of `COPY . .`: (those before it, FROM left out;
    that step and those after it). Raises AssertionError without such a step."""
    steps = build_steps(log)
    sources = [step for step in steps if SOURCE_COPY.match(step.instruction)]
    assert sources, f"no `COPY . .` step in the build log:\n{log[-6000:]}"
    source = sources[0]
    same_stage = [step for step in steps if step.stage == source.stage]
    before = [step for step in same_stage if step.index < source.index]
    after = [step for step in same_stage if step.index >= source.index]
    return [step for step in before if not step.instruction.startswith("FROM")], after


def normalized(name):
    """A distribution name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def installed(steps):
    """Distributions the steps installed, from pip's and uv's output."""
    names = set()
    for line in (line for step in steps for line in step.output):
        if pip := re.search(r"Successfully installed (.+)", line):
            names |= {normalized(item.rsplit("-", 1)[0]) for item in pip[1].split()}
        if uv := re.match(r"\s*\+ (\S+?)==", line):
            names.add(normalized(uv[1]))
    return names


# --- Snapshots of a directory tree -------------------------------------------


def snapshot(directory):
    """{relative path: (content, exec bits)} of every file below ``directory`` and
    {relative path: None} of every directory, sorted."""
    return {
        path.relative_to(directory).as_posix(): (
            (path.read_bytes(), path.stat().st_mode & 0o111) if path.is_file() else None
        )
        for path in sorted(Path(directory).rglob("*"))
    }


def distinct_files(projects, relative):
    """{text of the file ``relative``: [the projects whose file has that text]}, in
    the order of ``projects``, which lack it left out: a check of each distinct
    file once holds for every project that shares it."""
    found = {}
    for project in projects:
        path = Path(project, relative)
        if path.is_file():
            found.setdefault(path.read_text(encoding="utf-8"), []).append(Path(project))
    return found


MAKE_TARGET = re.compile(r"^([a-z][a-z-]*):.*## ", flags=re.MULTILINE)


def makefile_text(project):
    """A project's Makefile and the make/*.mk files it includes, in the order make
    reads them."""
    paths = [Path(project, "Makefile"), *sorted(Path(project, "make").glob("*.mk"))]
    return "".join(path.read_text(encoding="utf-8") for path in paths if path.is_file())


def make_targets(project):
    """The targets `make help` lists for a project (those with a `## ` help text)."""
    return set(MAKE_TARGET.findall(makefile_text(project)))


def project_files(project):
    """{relative path: content} of every file in a baked project."""
    return {path: entry[0] for path, entry in snapshot(project).items() if entry is not None}
