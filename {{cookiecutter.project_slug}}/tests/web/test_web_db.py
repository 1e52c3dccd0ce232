"""The database's routes through FastAPI's test client: readiness, items, and
503 when the database is down."""

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from {{ cookiecutter.package_name }}.models import (
    list_items,
)
from {{ cookiecutter.package_name }}.web import app

client = TestClient(app)


def test_ready_when_the_database_answers(engine):
    response = client.get("/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_items_are_created_and_listed(session: Session):
    assert client.get("/items").json() == []
    created = [client.post("/items", json={"name": name}) for name in ("a", "b")]
    assert [response.status_code for response in created] == [201, 201]
    first, second = (response.json() for response in created)
    assert first["name"] == "a" and second["id"] > first["id"]
    assert client.get("/items").json() == [first, second]
    assert [item.name for item in list_items(session)] == ["a", "b"]


def test_an_item_needs_a_name(session: Session):
    response = client.post("/items", json={"name": ""})
    assert response.status_code == 422
    assert client.get("/items").json() == []


def test_not_ready_when_the_database_is_down(database_down, caplog):
    response = client.get("/ready")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unavailable"}
    assert "secret" not in caplog.text
    assert "database unavailable at postgresql+psycopg://someone:***@" in caplog.text


def test_a_request_needing_the_database_answers_503_when_it_is_down(
    database_down, caplog
):
    response = client.get("/items")
    assert response.status_code == 503
    assert response.json() == {"detail": "database unavailable"}
    [record] = [r for r in caplog.records if "database unavailable" in r.getMessage()]
    assert record.getMessage().startswith("GET /items: database unavailable at ")
    assert "\n" not in record.getMessage()
