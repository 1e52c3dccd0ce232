"""Tests of the web app through FastAPI's test client (no server needed), and
of the command that serves it."""

from importlib.metadata import version

import uvicorn
from fastapi.testclient import TestClient

from {{ cookiecutter.package_name }}.cli import main
from {{ cookiecutter.package_name }}.web import app

DISTRIBUTION = "{{ cookiecutter.project_slug }}"
PACKAGE = "{{ cookiecutter.package_name }}"

client = TestClient(app)


def test_health_answers_ok():
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_index_names_the_project_and_its_version():
    response = client.get("/")
    assert response.status_code == 200
    assert response.json() == {"name": DISTRIBUTION, "version": version(DISTRIBUTION)}


def test_serve_runs_the_app_with_uvicorn(monkeypatch):
    calls = []
    monkeypatch.setattr(
        uvicorn, "run", lambda *args, **kwargs: calls.append((args, kwargs))
    )
    assert main(["serve", "--port", "9000"]) == 0
    assert main([]) == 0  # no command: serve
    assert calls == [
        ((f"{PACKAGE}.web:app",), {"host": "127.0.0.1", "port": port, "reload": False})
        for port in (9000, {{ cookiecutter.port }})
    ]
