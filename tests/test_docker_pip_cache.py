"""pip's cache mount: a dependency added to pyproject.toml makes the rebuild
download that package only.

pip caches a download by its HTTP cache headers. The PyPI mirror of this
project's machines sends none (no Cache-Control, ETag or Last-Modified), so pip
there downloads everything again, cache mount or not. This test puts PyPI behind
a small local proxy that answers as the real PyPI does (`Cache-Control:
max-age=365000000, immutable` on files), points the baked project's pip at it
(PIP_INDEX_URL in the Dockerfile's builder stage, the only edit), and counts
the files pip asks the proxy for: the second build must ask for the new wheel
alone. (uv keeps wheels by name: the dev-loop test proves its cache directly.)
"""

import http.server
import re
import subprocess
import threading
import urllib.request

import pytest

from conftest import bake_ok
from docker_support import chown_tree, slug
from helpers import ComposeProject, compose_environment, run, shown

pytestmark = pytest.mark.docker

UID = 1234
UPSTREAM = {"simple": "https://pypi.org/simple/", "files": "https://files.pythonhosted.org/"}


class PyPIProxy(http.server.ThreadingHTTPServer):
    """GET /simple/<name>/ and /files/<path> from PyPI, with PyPI's cache headers;
    remembers which files were asked for."""

    def __init__(self, host_ip):
        self.files = []
        self.host_ip = host_ip
        super().__init__(("0.0.0.0", 0), Handler)

    @property
    def base(self):
        return f"http://{self.host_ip}:{self.server_address[1]}"


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        kind, _, rest = self.path.lstrip("/").partition("/")
        if kind not in UPSTREAM:
            self.send_error(404)
            return
        headers = {"Accept": self.headers.get("Accept", "*/*"), "User-Agent": "test-proxy"}
        request = urllib.request.Request(UPSTREAM[kind] + rest, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                body, content_type = response.read(), response.headers["Content-Type"]
        except OSError as error:
            self.send_error(502, str(error))
            return
        if kind == "simple":
            body = body.replace(UPSTREAM["files"].encode(), f"{self.server.base}/files/".encode())
            cache = "max-age=600, public"
        else:
            self.server.files.append(rest.rsplit("/", 1)[-1])
            cache = "max-age=365000000, immutable, public"
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", cache)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def docker_host_ip():
    """The host's address on Docker's default bridge, where builds reach it."""
    result = subprocess.run(
        ["ip", "-4", "-o", "addr", "show", "docker0"], capture_output=True, text=True, check=False
    )
    found = re.search(r"inet (\d+\.\d+\.\d+\.\d+)", result.stdout)
    if not found:
        pytest.fail(f"no docker0 address on this host: {result.stdout}{result.stderr}")
    return found[1]


@pytest.fixture
def proxy(docker):
    server = PyPIProxy(docker_host_ip())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_pip_cache_mount_downloads_only_the_new_package(cookies, proxy):
    name = slug("pipcache")
    project = bake_ok(cookies, project_slug=name, project_name=name, package_manager="pip")
    dockerfile = project / "Dockerfile"
    text = dockerfile.read_text(encoding="utf-8")
    settings = "ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \\\n"
    assert settings in text
    dockerfile.write_text(
        text.replace(
            settings,
            f"{settings}    PIP_INDEX_URL={proxy.base}/simple/ \\\n"
            f"    PIP_TRUSTED_HOST={proxy.host_ip} \\\n",
        ),
        encoding="utf-8",
    )
    chown_tree(project, UID)
    env = {**compose_environment(UID), "COMPOSE_PROJECT_NAME": name}
    build = ["docker", "compose", "--progress=plain", "build", "test"]
    try:
        first = run(build, project, env)
        assert proxy.files, f"pip did not use the proxy\n{shown(first)}"
        assert not any(f.startswith("six-") for f in proxy.files), proxy.files

        proxy.files.clear()
        pyproject = project / "pyproject.toml"
        pyproject.write_text(
            pyproject.read_text(encoding="utf-8").replace(
                "dependencies = []", 'dependencies = ["six"]'
            ),
            encoding="utf-8",
        )
        second = run(build, project, env)
        log = second.stdout + second.stderr
        assert {f.split("-")[0] for f in proxy.files} == {"six"}, f"{proxy.files}\n{shown(second)}"
        assert re.search(r"Using cached pytest-\S+\.whl", log), shown(second)
        assert "Successfully installed" in log and " six-" in log, shown(second)
    finally:
        # Both builds' images: `down --rmi local` would leave the first, which the
        # second replaced.
        ComposeProject(project, env, name).down()
