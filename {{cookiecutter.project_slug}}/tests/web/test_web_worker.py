"""The worker's routes through FastAPI's test client, on procrastinate's in-memory
queue: a job posted is queued at once and run by the worker."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from procrastinate.testing import InMemoryConnector
from sqlalchemy.orm import Session

from {{ cookiecutter.package_name }} import tasks
from {{ cookiecutter.package_name }}.web import app

client = TestClient(app)


@pytest.fixture
def queue() -> Iterator[InMemoryConnector]:
    with tasks.app.replace_connector(InMemoryConnector()) as queue_app:
        yield queue_app.connector


def test_a_posted_job_is_queued_then_run_by_the_worker(queue, session: Session):
    posted = client.post("/jobs/add-item", json={"name": "posted"})
    assert posted.status_code == 202
    job = posted.json()
    task = tasks.add_item.name
    assert job == {"id": job["id"], "task": task, "status": "todo", "attempts": 0}
    assert client.get("/items").json() == []
    tasks.app.run_worker(wait=False, install_signal_handlers=False)
    assert client.get(f"/jobs/{job['id']}").json()["status"] == "succeeded"
    assert [item["name"] for item in client.get("/items").json()] == ["posted"]


def test_a_job_needs_a_name(queue):
    assert client.post("/jobs/add-item", json={"name": ""}).status_code == 422
    assert queue.jobs == {}


def test_an_unknown_job_is_not_found(queue):
    assert client.get("/jobs/404").status_code == 404
