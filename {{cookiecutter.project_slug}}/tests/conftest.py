"""Fixtures for the tests that use the database.

The tests never touch the development database. Whatever DATABASE_URL names
(`docker compose run --rm test` gives <database>_test already; the `app`
service and the dev container give the development database), they use
``<database>_test`` on the same server: made by the first test that needs it
in a session, and made again from nothing, all its migrations applied, only
when the migration files changed since (their hash is kept as the database's
comment), so a session pays for one query, not for Alembic; a revision edited,
renamed or deleted after a run applied it is no trouble.
A test run that needs no database does not connect. Each test runs in a transaction
that is rolled back when it ends, so tests see no rows but their own and
leave none behind.
"""

import hashlib
import os
from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, Engine, create_engine, pool, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from {{ cookiecutter.package_name }} import db
from {{ cookiecutter.package_name }}.settings import (
    SettingsError,
    database_url,
)


def tests_database_url() -> URL:
    """DATABASE_URL, naming ``<database>_test`` (unless it ends in _test already)."""
    url = database_url()
    if str(url.database).endswith("_test"):
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


def migrations_hash() -> str:
    """A hash of the migration files (env.py and the revisions)."""
    digest = hashlib.sha256()
    for path in sorted(db.MIGRATIONS.rglob("*.py")):
        digest.update(path.relative_to(db.MIGRATIONS).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return f"migrations sha256:{digest.hexdigest()}"


def prepare(engine: Engine) -> None:
    """Make the tests' database, all migrations applied, unless it was made with
    these migration files already; one test session at a time (`make test` and
    `make test-watch` may start together)."""
    name = str(engine.url.database)
    server = create_engine(
        engine.url.set(database="postgres"),
        isolation_level="AUTOCOMMIT",
        poolclass=pool.NullPool,
    )
    with server.connect() as connection:  # closing it releases the lock
        lock = text("SELECT pg_advisory_lock(hashtext(:name))")
        connection.execute(lock, {"name": name})
        # The database's comment: the hash of the migrations it last had.
        found = connection.execute(
            text("SELECT shobj_description(oid, 'pg_database') FROM pg_database"
                 " WHERE datname = :name"),
            {"name": name},
        ).first()  # fmt: skip
        quoted = connection.dialect.identifier_preparer.quote(name)
        current = migrations_hash()
        if found is None or found[0] != current:
            if found is not None:  # made with other migrations: start again
                connection.execute(text(f"DROP DATABASE {quoted} WITH (FORCE)"))
            connection.execute(text(f"CREATE DATABASE {quoted}"))
            with engine.begin() as tests_connection:
                db.migrate(connection=tests_connection)
            # The hash is hex digits: safe inside the quotes.
            connection.execute(text(f"COMMENT ON DATABASE {quoted} IS '{current}'"))


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
def database_down(monkeypatch: pytest.MonkeyPatch) -> None:
    """The code's engine points at a port where no database listens."""
    engine = create_engine("postgresql+psycopg://someone:secret@127.0.0.1:1/nothing")
    monkeypatch.setattr(db, "engine", lambda: engine)
    monkeypatch.setattr(db, "session", lambda: Session(engine))


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
