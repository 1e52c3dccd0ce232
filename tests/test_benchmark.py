"""A one-iteration smoke run of the dev-loop benchmark (benchmarks/devloop.py):
every step it times still works on the template. Not a timed test."""

import json
import sys

import pytest

from conftest import TEMPLATE
from helpers import run

pytestmark = pytest.mark.docker


def test_benchmark_smoke_run(tmp_path, docker):
    out = tmp_path / "devloop.json"
    command = [sys.executable, TEMPLATE / "benchmarks/devloop.py", "--smoke", "--json", out]
    result = run(command, check=False, timeout=600)
    assert result.returncode == 0, result.stderr[-4000:]
    assert "| edit → test: `make test` |" in result.stdout
    data = json.loads(out.read_text(encoding="utf-8"))
    uv = data["results"]["uv"]
    for key in ("bake", "cold", "code", "deps", "run", "make", "watch", "native", "rebuild"):
        assert uv["samples"][key]["n"] == 1, key
    check = uv["checks"][0]
    assert check["dependency_step"] == "CACHED", "a code-only edit rebuilt the dependencies"
    assert check["project_step_installed"] == 1, "the project step installed more than the project"
    assert not check["build_isolation"]
    assert uv["sizes"]["dev"] > uv["sizes"]["base"] > 0
    assert uv["downloads"][0] <= 1, "the dependency change downloaded more than the new package"
