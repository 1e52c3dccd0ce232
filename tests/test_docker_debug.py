"""`make debug` and `make debug-test`, driven over the Debug Adapter Protocol
from the host as an editor drives them (.vscode/launch.json's attach
configuration): attach to the published port, set a breakpoint in the host's
checkout, trigger it (a run of the console script, an HTTP request, a test),
receive the `stopped` event at that line of that host file (the path mapping
/src -> checkout works), continue, and get the right answer.

The web app runs with reload: its code runs in the reloader's child process,
which debugpy reports with a `debugpyAttach` event; the client attaches to it
as VS Code does. Each run gets its own free ports (DEBUG_PORT, APP_PORT)."""

import json
import queue
import socket
import threading
import time
import urllib.request

import pytest

from test_docker import NON_DEFAULT_UID, new_project, slug
from test_docker_web import free_port, get

pytestmark = pytest.mark.docker

TIMEOUT = 60  # seconds for any one answer, on a loaded machine


class DebugSession:
    """A DAP client on one TCP connection: requests, their responses, events."""

    def __init__(self, port):
        self.socket = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.seq = 0
        self.responses = {}
        self.events = queue.Queue()
        self.closed = threading.Event()
        self.lock = threading.Condition()
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        stream = self.socket.makefile("rb")
        try:
            while True:
                headers = {}
                while (line := stream.readline().decode().strip()) != "":
                    name, value = line.split(":", 1)
                    headers[name.strip().lower()] = value.strip()
                message = json.loads(stream.read(int(headers["content-length"])))
                if message["type"] == "response":
                    with self.lock:
                        self.responses[message["request_seq"]] = message
                        self.lock.notify_all()
                elif message["type"] == "event":
                    self.events.put(message)
        except (OSError, KeyError, ValueError):
            pass  # the connection closed
        finally:
            self.closed.set()
            with self.lock:
                self.lock.notify_all()

    def send(self, command, **arguments):
        self.seq += 1
        body = json.dumps(
            {"seq": self.seq, "type": "request", "command": command, "arguments": arguments}
        ).encode()
        self.socket.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        return self.seq

    def response(self, seq):
        with self.lock:
            found = self.lock.wait_for(
                lambda: seq in self.responses or self.closed.is_set(), TIMEOUT
            )
            answer = self.responses.get(seq)
        assert found and answer, f"no response to request {seq}"
        assert answer["success"], answer
        return answer.get("body", {})

    def request(self, command, **arguments):
        return self.response(self.send(command, **arguments))

    def event(self, name, timeout=TIMEOUT, required=True):
        """The next event called ``name`` (earlier other events are dropped); None
        after ``timeout`` seconds if not ``required``."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                event = self.events.get(timeout=left)
            except queue.Empty:
                break
            if event["event"] == name:
                return event.get("body", {})
        if required:
            pytest.fail(f"no {name!r} event within {timeout} s")
        return None

    def initialize(self):
        self.request("initialize", clientID="tests", adapterID="debugpy", pathFormat="path",
                     linesStartAt1=True, columnsStartAt1=True)  # fmt: skip
        return self

    def attach(self, configuration, breakpoints):
        """attach, set ``breakpoints`` ({host path: line}), configurationDone."""
        attached = self.send("attach", **configuration)
        self.event("initialized")
        for path, line in breakpoints.items():
            self.request("setBreakpoints", source={"path": str(path)}, breakpoints=[{"line": line}])
        self.request("configurationDone")
        self.response(attached)

    def stopped_at(self, timeout=TIMEOUT, required=True):
        """Wait for the `stopped` event; (host path, line) of the top frame, thread id."""
        stopped = self.event("stopped", timeout, required)
        if stopped is None:
            return None
        assert stopped["reason"] == "breakpoint", stopped
        frames = self.request("stackTrace", threadId=stopped["threadId"])["stackFrames"]
        return (frames[0]["source"]["path"], frames[0]["line"]), stopped["threadId"]

    def close(self):
        self.socket.close()


def connect(port, process):
    """A session with the debug adapter behind ``port``, once it listens (Docker
    publishes the port before the container's debugpy accepts on it)."""
    deadline = time.monotonic() + 3 * TIMEOUT
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read()
        session = None
        try:
            session = DebugSession(port)
            return session.initialize()
        except (OSError, AssertionError):
            if session:
                session.close()
            time.sleep(0.5)
    pytest.fail(f"nothing answered on 127.0.0.1:{port}")


def line_of(path, text):
    """The 1-based number of the line of ``path`` that holds ``text``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    (number,) = [index + 1 for index, line in enumerate(lines) if text in line]
    return number


def attach_configuration(project, port):
    """What .vscode/launch.json asks of debugpy, with the checkout's real path."""
    launch = json.loads(project.read(".vscode/launch.json"))["configurations"][0]
    assert launch["request"] == "attach" and launch["type"] == "debugpy"
    assert launch["pathMappings"] == [{"localRoot": "${workspaceFolder}", "remoteRoot": "/src"}]
    # Its port is scripts/debug.sh's default DEBUG_PORT (the tests pick a free one).
    assert launch["connect"] == {"host": "127.0.0.1", "port": 5678}
    assert "port=$(sh scripts/dev-env.sh get DEBUG_PORT 5678)\n" in project.read("scripts/debug.sh")
    return {
        **{key: value for key, value in launch.items() if key not in ("name", "type")},
        "connect": {"host": "127.0.0.1", "port": port},
        "pathMappings": [{"localRoot": str(project.path), "remoteRoot": "/src"}],
    }


def finish(process):
    """The make process's output, once it has ended by itself."""
    out, _ = process.communicate(timeout=3 * TIMEOUT)
    return process.returncode, out


def debug_project(cookies, **answers):
    project = new_project(
        cookies, "debug", NON_DEFAULT_UID, NON_DEFAULT_UID,
        project_slug=slug("debug", *answers.values()), **answers,
    )  # fmt: skip
    project.env["DEBUG_PORT"] = str(free_port())
    project.env["APP_PORT"] = str(free_port())
    return project


@pytest.fixture(scope="module")
def cli_project(cookies_session, docker):
    project = debug_project(cookies_session, app_type="cli", package_manager="uv")
    try:
        project.make("build")
        yield project
    finally:
        project.down()


@pytest.fixture(scope="module")
def web_project(cookies_session, docker):
    project = debug_project(cookies_session, app_type="web", package_manager="pip")
    try:
        project.make("build")
        yield project
    finally:
        project.down()


def stop_and_continue(project, source, line, *make):
    """Run ``make *make`` (it waits for a debugger), attach with a breakpoint at
    ``source:line``, check it stops there, continue; (exit status, output)."""
    port = int(project.env["DEBUG_PORT"])
    process = project.start("make", *make)
    try:
        session = connect(port, process)
        session.attach(attach_configuration(project, port), {source: line})
        where, thread = session.stopped_at()
        assert where == (str(source), line)
        session.request("continue", threadId=thread)
        return finish(process)
    finally:
        process.kill()


def test_make_debug_stops_the_console_script_at_a_breakpoint(cli_project):
    source = cli_project.path / "src" / cli_project.package / "commands" / "greet.py"
    line = line_of(source, 'return f"Hello, {name}!"')
    code, out = stop_and_continue(cli_project, source, line, "debug", "ARGS=greet debugger")
    assert code == 0 and "Hello, debugger!" in out, out
    port = cli_project.env["DEBUG_PORT"]
    assert f"waiting for a debugger on 127.0.0.1:{port}" in out, out


def test_make_debug_test_stops_a_test_at_a_breakpoint(cli_project):
    source = cli_project.path / "tests" / "test_greet.py"
    line = line_of(source, 'assert greet("team") == "Hello, team!"')
    test = "ARGS=tests/test_greet.py::test_greet"
    code, out = stop_and_continue(cli_project, source, line, "debug-test", test)
    assert code == 0 and "1 passed" in out, out


def test_make_debug_stops_the_reloading_server_at_a_breakpoint(web_project):
    project, port = web_project, int(web_project.env["DEBUG_PORT"])
    app_port = int(project.env["APP_PORT"])
    source = project.path / "src" / project.package / "web" / "__init__.py"
    line = line_of(source, 'return {"name": DISTRIBUTION, "version": app.version}')
    process = project.start("make", "debug")
    try:
        server = connect(port, process)
        configuration = attach_configuration(project, port)
        server.attach(configuration, {source: line})
        # uvicorn's reloader runs the app in a child process (and multiprocessing a
        # resource tracker): attach to every subprocess debugpy reports, as VS Code
        # does, until the app answers on /health (no breakpoint there: the
        # healthcheck asks it too).
        health = f"http://127.0.0.1:{app_port}/health"
        children = []
        deadline = time.monotonic() + TIMEOUT
        while get(health) != (200, {"status": "ok"}):
            assert time.monotonic() < deadline, f"no answer on {health} within {TIMEOUT} s"
            if child := server.event("debugpyAttach", timeout=0.5, required=False):
                assert child["connect"] == configuration["connect"], child
                children.append(DebugSession(port).initialize())
                children[-1].attach(child, {source: line})
        assert children, "no subprocess was reported"
        answers = queue.Queue()
        url = f"http://127.0.0.1:{app_port}/"
        threading.Thread(target=lambda: answers.put(get_json(url)), daemon=True).start()
        deadline = time.monotonic() + TIMEOUT
        stopped = None
        while stopped is None and time.monotonic() < deadline:
            for worker in children:
                if stopped := worker.stopped_at(timeout=0.2, required=False):
                    break
        assert stopped, f"no `stopped` event within {TIMEOUT} s"
        where, thread = stopped
        assert where == (str(source), line)
        assert answers.empty(), "the request was answered before the breakpoint was left"
        worker.request("continue", threadId=thread)
        assert answers.get(timeout=TIMEOUT) == {"name": project.slug, "version": "0.1.0"}
        for session in [server, *children]:
            session.close()
    finally:
        project.compose("down", "--remove-orphans", check=False)
        process.kill()
        print(process.communicate()[0])  # shown when the test fails


def get_json(url):
    """The JSON answer to a GET that may wait at a breakpoint for a while."""
    with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
        return json.loads(response.read())
