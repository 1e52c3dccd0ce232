"""Every checkout is its own world: three checkouts of one web project, used
only through `make` as a developer with several worktrees would, never test,
build, serve or clean each other's code.

- one/<slug> is the bake (a git repository), owned by uid 1234;
- two/<slug> is a copy of it made after its first `make` (same directory name,
  another parent, and the first one's .env copied along), owned by uid 1234;
- three/feature is a `git worktree` of the first, owned by root (HOST_UID=0).

The steps run in order on the same three checkouts (a module fixture): each
one assumes the ones before it passed. None sets COMPOSE_PROJECT_NAME: the
default, derived per checkout by scripts/dev-env.sh, is what is proven, and
then the documented setting that makes two checkouts share one project.
"""

import queue
import re
import shutil
import subprocess
import threading
import time

import pytest

from conftest import PYTHON_VERSIONS, bake_ok
from docker_support import NAME, Checkout, chown_tree, free_port, get, slug, wait_for_answer  # noqa: F401
from helpers import remove_compose_project, run, shown

pytestmark = pytest.mark.docker

UID = 1234
FAILS_HERE = 'def test_only_in_this_checkout():\n    assert False, "only here"\n'
PASSES_HERE = "def test_only_in_this_checkout():\n    pass\n"
ONLY_HERE = "tests/test_only_here.py"


@pytest.fixture(scope="module")
def checkouts(cookies_session, tmp_path_factory, docker):
    name = slug("checkouts")
    port = free_port()
    baked = bake_ok(cookies_session, project_name=name, app_type="web", port=str(port))
    root = tmp_path_factory.mktemp("checkouts")
    one = root / "one" / name
    one.parent.mkdir()
    shutil.move(baked, one)
    git = ["git", "-c", "user.name=Dev", "-c", "user.email=dev@example.com"]
    run([*git, "init", "--quiet", "--initial-branch=main"], one)
    run([*git, "add", "--all"], one)
    run([*git, "commit", "--quiet", "--message=Baked"], one)
    run([*git, "worktree", "add", "--quiet", "-b", "feature", str(root / "three" / "feature")], one)
    chown_tree(one, UID)
    made = {
        "one": Checkout(one, UID, port),
        "three": Checkout(root / "three" / "feature", 0, port),
    }
    names = set()
    yield made, root, names
    for checkout in made.values():
        checkout.make("down", check=False)
        names.add(checkout.project)
    for project in names:
        remove_compose_project(project)


def test_1_each_checkout_is_its_own_compose_project(checkouts):
    made, root, names = checkouts
    one = made["one"]
    one.make("build")
    assert re.fullmatch(rf"{one.path.name}-[0-9a-f]{{8}}", one.project), one.project
    assert (one.path / ".env").stat().st_uid == UID, ".env stays the checkout owner's"

    # A copy with the same directory name elsewhere, .env included.
    two_path = root / "two" / one.path.name
    shutil.copytree(one.path, two_path, symlinks=True)
    two = made["two"] = Checkout(two_path, UID, one.port)
    assert two.project == one.project, "the copy carries the first checkout's .env"
    build = two.make("build")
    assert f"named the compose project of another directory ({one.project})" in build.stderr
    assert two.project != one.project and two.project.startswith(one.path.name)

    three = made["three"]
    three.make("build")
    projects = {checkout.project for checkout in made.values()}
    names.update(projects)
    assert len(projects) == 3, projects
    again = one.make("help")
    assert "another directory" not in again.stderr and one.project in projects, "stable"
    assert all(checkout.image() for checkout in made.values())


@pytest.mark.parametrize(
    "command", [["make", "test"], ["docker", "compose", "run", "--rm", "test"]]
)
def test_2_a_test_that_fails_in_one_checkout_fails_only_there(checkouts, command):
    made, _, _ = checkouts
    made["two"].write(ONLY_HERE, FAILS_HERE)
    for name in ("one", "two", "three", "one"):  # "one" again: after the failure elsewhere
        result = run(command, made[name].path, made[name].env, check=False)
        if name == "two":
            assert result.returncode != 0, shown(result)
            assert "test_only_here.py::test_only_in_this_checkout" in result.stdout, shown(result)
        else:
            assert result.returncode == 0, shown(result)
            assert "test_only_here" not in result.stdout, shown(result)


def test_3_the_fast_path_keeps_one_container_per_checkout(checkouts):
    made, _, _ = checkouts
    kept = {}
    for name, checkout in made.items():
        state = run(["docker", "inspect", "-f", "{{.Id}} {{json .Mounts}}",
                     f"{checkout.project}-test-kept"]).stdout  # fmt: skip
        kept[name] = state.split()[0]
        assert f'"Source":"{checkout.path}"' in state, state
    assert len(set(kept.values())) == 3
    made["one"].make("test")
    assert run(["docker", "inspect", "-f", "{{.Id}}", f"{made['one'].project}-test-kept"]).stdout \
        .strip() == kept["one"], "reused while nothing changed"  # fmt: skip


def test_4_sharing_a_project_never_runs_the_other_checkouts_code(checkouts):
    """The documented setting: the same COMPOSE_PROJECT_NAME in two .env files.
    The two then share containers and images, and the fast path replaces the
    kept container whenever it was started from the other checkout, from an
    older image or with another compose.yaml."""
    made, _, names = checkouts
    one, two = made["one"], made["two"]
    own = {name: made[name].project for name in ("one", "two")}
    shared = f"{one.path.name}-shared"
    names.add(shared)
    for checkout in (one, two):
        checkout.set_project(shared)
    try:
        one.make("build")
        assert one.make("test").returncode == 0
        failing = two.make("test", check=False)
        assert failing.returncode != 0 and "test_only_in_this_checkout" in failing.stdout
        assert one.make("test").returncode == 0, "back in the first checkout"
        assert "another directory" not in two.make("help").stderr, "a chosen name is kept"

        # A rebuild (new image) and a compose change are picked up with no action.
        one.write("src/" + one.path.name.replace("-", "_") + "/added.py", "VALUE = 1\n")
        before = one.image(project=shared)
        one.make("build")
        assert one.image(project=shared) != before
        compose = one.path / "compose.yaml"
        text = compose.read_text(encoding="utf-8")
        marked = text.replace('    command: ["pytest"]', '    command: ["pytest"]\n'
                              '    environment:\n      KEPT_MARKER: "1"')  # fmt: skip
        assert marked != text
        compose.write_text(marked, encoding="utf-8")
        one.write("tests/test_marker.py", "import os\n\n\ndef test_marker():\n"
                  '    assert os.environ.get("KEPT_MARKER") == "1"\n')  # fmt: skip
        result = one.make("test", "ARGS=tests/test_marker.py tests/test_cli.py")
        assert "passed" in result.stdout and "failed" not in result.stdout, shown(result)
        compose.write_text(text, encoding="utf-8")
        (one.path / "tests/test_marker.py").unlink()
    finally:
        for name, checkout in (("one", one), ("two", two)):
            checkout.set_project(own[name])
    one.make("build")  # the checkout's own project again, with added.py


class Watch:
    """`make test-watch` running in a checkout, its output read line by line."""

    def __init__(self, checkout):
        self.process = checkout.start("make", "test-watch")
        self.lines = queue.Queue()
        self.seen = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.put(line)

    def next_run(self, seconds):
        """pytest's summary line of the next run ("1 failed, 5 passed in …"), or None."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                return None
            self.seen.append(line)
            if re.search(r"=+ .*\d+ (passed|failed).* in [\d.]+s", line):
                return line.strip("= \n")
        return None

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def test_5_a_watch_run_sees_only_its_own_checkout(checkouts):
    made, _, _ = checkouts
    one, two = made["one"], made["two"]
    watches = {name: Watch(made[name]) for name in ("one", "two")}
    try:
        first = {name: watch.next_run(120) for name, watch in watches.items()}
        assert first["one"] and "failed" not in first["one"], first
        assert first["two"] and "1 failed" in first["two"], first

        two.write(ONLY_HERE, PASSES_HERE)  # an edit in the second checkout
        rerun = watches["two"].next_run(60)
        assert rerun and "failed" not in rerun, "".join(watches["two"].seen[-30:])
        assert watches["one"].next_run(5) is None, "the first checkout's watch re-ran"

        one.write("tests/test_touched.py", "def test_touched():\n    pass\n")
        rerun = watches["one"].next_run(60)
        assert rerun and "failed" not in rerun, "".join(watches["one"].seen[-30:])
        assert watches["two"].next_run(5) is None, "the second checkout's watch re-ran"
    finally:
        for watch in watches.values():
            watch.stop()
        for checkout in (one, two):  # the watch containers, stopped with make
            label = f"label=com.docker.compose.project={checkout.project}"
            left = run(["docker", "ps", "-aq", "--filter", label, "--filter",
                        "label=com.docker.compose.oneoff=True"], check=False).stdout.split()  # fmt: skip
            kept = run(["docker", "ps", "-aq", "--filter", f"name={checkout.project}-test-kept"])
            left = set(left) - set(kept.stdout.split())
            if left:
                run(["docker", "rm", "--force", *left], check=False)


def test_6_a_build_in_one_checkout_leaves_the_others_images_alone(checkouts):
    made, _, _ = checkouts
    before = {name: checkout.image() for name, checkout in made.items()}
    package = made["one"].path.name.replace("-", "_")
    made["three"].write(f"src/{package}/new_module.py", "VALUE = 2\n")
    made["three"].make("build")
    after = {name: checkout.image() for name, checkout in made.items()}
    assert after["three"] != before["three"], "the third checkout was rebuilt"
    assert (after["one"], after["two"]) == (before["one"], before["two"])


def test_7_up_in_one_checkout_does_not_touch_the_others_app(checkouts):
    made, _, _ = checkouts
    one, three = made["one"], made["three"]
    one.make("up")
    before = one.app()
    other_port = free_port()
    with (three.path / ".env").open("a", encoding="utf-8") as dot_env:
        dot_env.write(f"APP_PORT={other_port}\n")  # two apps at once: two host ports
    three.make("up")
    assert three.app()[0] != before[0]
    expected = {"name": one.path.name, "version": "0.1.0"}
    assert wait_for_answer(f"http://127.0.0.1:{other_port}/", expected)[0] == 200
    three.make("down")
    assert one.app() == before, "the first checkout's app was replaced or restarted"
    assert get(f"http://127.0.0.1:{one.port}/") == (200, expected)


def test_8_clean_removes_only_its_own(checkouts):
    made, root, _ = checkouts
    one, two = made["one"], made["two"]
    running = one.app()
    # Each checkout's production image is its own, <project>-prod (as `make
    # prod-build` names it, with the compose project's label that `down --rmi
    # local` looks for). A one-line build of the base image stands in for it: a
    # tag of the test image would give `down` two names of one image to remove at
    # once, which Docker 20.10 can fail ("unrecognized image ID"), and a real
    # production image is never the test image.
    context = root / "standin"  # empty: nothing to send
    context.mkdir()
    for checkout in (one, two):
        dockerfile = root / f"{checkout.project}.Dockerfile"
        dockerfile.write_text(
            f"FROM python:{PYTHON_VERSIONS[0]}-slim\n"
            f"LABEL com.docker.compose.project={checkout.project}\n",
            encoding="utf-8",
        )
        image = f"{checkout.project}-prod"
        run(["docker", "build", "--quiet", "--tag", image, "--file", dockerfile, context])
    two.make("clean")
    assert two.image("app") is None and two.image("test") is None
    assert two.image("prod") is None, "make clean keeps its own production image"
    assert one.image("prod"), "make clean removed the other checkout's production image"
    gone = run(["docker", "ps", "-aq", "--filter", f"name={two.project}-test-kept"]).stdout
    assert gone.strip() == "", "the kept test container of the cleaned checkout"
    for name in ("one", "three"):
        assert made[name].image("app") and made[name].image("test"), name
    # (three's went with its own `make down` in the step before)
    kept = run(["docker", "ps", "-q", "--filter", f"name={made['one'].project}-test-kept"])
    assert kept.stdout.strip(), "the first checkout's kept test container"
    assert made["one"].app() == running
    for name in ("one", "three"):
        made[name].make("clean")
        assert made[name].image("test") is None and made[name].image("prod") is None
