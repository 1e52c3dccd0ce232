"""Tests of the web app through FastAPI's test client: no server needed."""

from importlib.metadata import version

from fastapi.testclient import TestClient

from {{ cookiecutter.package_name }}.web import app

DISTRIBUTION = "{{ cookiecutter.project_slug }}"

client = TestClient(app)


def test_health_answers_ok():
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_index_names_the_project_and_its_version():
    response = client.get("/")
    assert response.status_code == 200
    assert response.json() == {"name": DISTRIBUTION, "version": version(DISTRIBUTION)}
