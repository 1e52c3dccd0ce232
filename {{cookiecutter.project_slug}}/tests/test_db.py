"""The database: real round trips through PostgreSQL, each test in its own
transaction, migrations that match the models, and the database's commands."""

import pytest
from sqlalchemy import Connection, Engine, create_engine, inspect, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from {{ cookiecutter.package_name }} import db
from {{ cookiecutter.package_name }}.cli import main
from {{ cookiecutter.package_name }}.models import (
    Base,
    Item,
    add_item,
    list_items,
)
from {{ cookiecutter.package_name }}.settings import (
    SettingsError,
    database_url,
)


@pytest.fixture
def command():
    """Alembic's commands, imported by the tests that use them: a run of the other
    tests does not pay for importing Alembic."""
    from alembic import command

    return command


def test_tests_use_their_own_database(connection: Connection):
    assert connection.engine.url.database.endswith("_test")


def test_items_round_trip(session: Session):
    first = add_item(session, "first")
    second = add_item(session, "second")
    session.commit()
    assert second.id > first.id
    assert [item.name for item in list_items(session)] == ["first", "second"]
    stored = session.scalars(select(Item.name).order_by(Item.id)).all()
    assert stored == ["first", "second"]


def test_each_test_starts_with_no_items(session: Session):
    """test_items_round_trip committed two items: its transaction was rolled back."""
    assert list_items(session) == []


def test_migrations_go_from_empty_to_head_and_back(connection: Connection, command):
    """Down to an empty database, up to the latest revision, down again: all in
    the test's transaction, which is rolled back. (No table but the models' is
    left over: test_models_and_migrations_agree.)"""
    config = db.alembic_config(connection)
    command.downgrade(config, "base")
    assert set(inspect(connection).get_table_names()) == {"alembic_version"}
    command.upgrade(config, "head")
    tables = set(inspect(connection).get_table_names())
    assert {"alembic_version", *Base.metadata.tables} <= tables
    command.downgrade(config, "base")
    assert set(inspect(connection).get_table_names()) == {"alembic_version"}


def test_models_and_migrations_agree(connection: Connection, command):
    """Nothing for `make migration` to write: the migrations build the models' tables."""
    command.check(db.alembic_config(connection))


def test_an_unreachable_database_is_one_clear_line():
    engine = create_engine("postgresql+psycopg://someone:secret@127.0.0.1:1/nothing")
    with pytest.raises(OperationalError) as raised:
        db.ping(engine)
    message = db.describe(raised.value, engine)
    assert "\n" not in message and "secret" not in message
    assert message.startswith(
        "database unavailable at postgresql+psycopg://someone:***@127.0.0.1:1/nothing: "
    )
    assert message.endswith("(is the database server running and reachable?)")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("postgresql://u:p@db:5432/app", "postgresql+psycopg://u:p@db:5432/app"),
        ("postgres://u:p@db/app", "postgresql+psycopg://u:p@db/app"),
        ("postgresql+psycopg://u:p@db/app", "postgresql+psycopg://u:p@db/app"),
    ],
)
def test_database_url_is_read_for_psycopg(value, expected):
    url = database_url({"DATABASE_URL": value})
    assert url.render_as_string(hide_password=False) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "DATABASE_URL is not set"),
        ("not a url", "DATABASE_URL is not a URL"),
        ("mysql://u:p@db/app", "DATABASE_URL uses mysql://"),
        ("postgresql://u:p@db", "DATABASE_URL names no database"),
    ],
)
def test_a_bad_database_url_is_refused_with_one_line(value, message):
    with pytest.raises(SettingsError, match=message) as raised:
        database_url({"DATABASE_URL": value})
    assert "\n" not in str(raised.value)


def test_items_are_added_and_listed_by_the_command(session: Session, capsys):
    assert main(["items", "add", "first"]) == 0
    assert main(["items", "add", "second"]) == 0
    added = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[1] for line in added] == ["first", "second"]
    assert main(["items", "list"]) == 0
    assert capsys.readouterr().out.splitlines() == added


def test_the_command_says_in_one_line_that_the_database_is_down(database_down, capsys):
    assert main(["items", "list"]) == 1
    error = capsys.readouterr().err
    assert error.startswith("error: database unavailable at postgresql+psycopg://")
    assert error.count("\n") == 1 and "secret" not in error


def test_migrate_brings_the_database_to_the_latest_revision(engine: Engine):
    assert main(["migrate"]) == 0


def test_no_command_starts_without_database_url(monkeypatch, capsys):
    monkeypatch.delenv("DATABASE_URL")
    assert main([]) == 2
    assert capsys.readouterr().err == (
        "error: DATABASE_URL is not set: set it to "
        "postgresql://user:password@host:5432/database\n"
    )


def test_migrate_waits_for_a_database_that_does_not_answer_yet(monkeypatch, capsys):
    """`migrate --wait` (the production app's first step) asks again while the
    server does not answer, then gives up in one line."""
    nowhere = "postgresql://someone:secret@127.0.0.1:1/nothing"
    monkeypatch.setenv("DATABASE_URL", nowhere)
    with pytest.raises(SystemExit) as raised:
        main(["migrate", "--wait", "2"])
    assert capsys.readouterr().err == "waiting up to 2 s for the database\n"
    assert str(raised.value).startswith("error: database unavailable at ")
    assert str(raised.value).endswith("(is the database server running and reachable?)")


def test_migrate_does_not_wait_for_a_refused_password(
    engine: Engine, monkeypatch, capsys
):
    url = engine.url.set(password="wrong").render_as_string(hide_password=False)
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(SystemExit) as raised:
        main(["migrate", "--wait", "60"])
    assert "password authentication failed" in str(raised.value)
    assert "waiting" not in capsys.readouterr().err
