"""Fixtures for the tests that use the database.

The tests never touch the development database. Whatever DATABASE_URL names
(`docker compose run --rm test` gives <database>_test already; the `app`
service and the dev container give the development database), they use
``<database>_test`` on the same server: created when missing and brought to
the latest migration once per test session. Each test runs in a transaction
that is rolled back when it ends, so tests see no rows but their own and
leave none behind.
"""

import os
from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import Connection, Engine, create_engine, pool, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from {{ cookiecutter.package_name }} import db
from {{ cookiecutter.package_name }}.settings import SettingsError, database_url


def tests_database_url() -> URL:
    """DATABASE_URL, naming ``<database>_test`` (unless it ends in _test already)."""
    url = database_url()
    if url.database.endswith("_test"):
        return url
    return url.set(database=f"{url.database}_test")


def pytest_configure(config: pytest.Config) -> None:
    """Before any test module is imported: the code under test, and any process
    it starts, reads DATABASE_URL; point it at the tests' database."""
    try:
        url = tests_database_url()
    except SettingsError as error:
        raise pytest.UsageError(f"{error} (`make test` sets it)") from None
    os.environ["DATABASE_URL"] = url.render_as_string(hide_password=False)


def prepare(engine: Engine) -> None:
    """Create the tests' database if it is missing, and migrate it to the latest
    revision; one test session at a time (`make test` and `make test-watch` may
    start together)."""
    name = engine.url.database
    server = create_engine(
        engine.url.set(database="postgres"),
        isolation_level="AUTOCOMMIT",
        poolclass=pool.NullPool,
    )
    with server.connect() as connection:  # closing it releases the lock
        lock = text("SELECT pg_advisory_lock(hashtext(:name))")
        connection.execute(lock, {"name": name})
        found = connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        )
        if not found:
            quoted = connection.dialect.identifier_preparer.quote(name)
            connection.execute(text(f"CREATE DATABASE {quoted}"))
        with engine.begin() as tests_connection:
            command.upgrade(db.alembic_config(tests_connection), "head")


@pytest.fixture(scope="session")
def engine() -> Iterator[Engine]:
    """The tests' database, ready for this session."""
    engine = db.engine()
    try:
        prepare(engine)
    except OperationalError as error:
        pytest.exit(f"error: {db.describe(error, engine)}", returncode=3)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that is rolled back after the test."""
    with engine.connect() as connection:
        transaction = connection.begin()
        yield connection
        transaction.rollback()


@pytest.fixture
def session(
    connection: Connection, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Session]:
    """A session in the test's transaction. The code's own sessions
    (``db.session()``, which the web app and the console script use) join it
    too: what they commit is rolled back with it."""

    def joined() -> Session:
        return Session(bind=connection, join_transaction_mode="create_savepoint")

    monkeypatch.setattr(db, "session", joined)
    with joined() as session:
        yield session
