"""The database: one engine for ``DATABASE_URL``, and errors told in one line."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from {{ cookiecutter.package_name }}.settings import (
    database_url,
)

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")


@cache
def engine() -> Engine:
    """The engine for ``DATABASE_URL``, made on first use.

    ``pool_pre_ping`` checks a pooled connection before handing it out, so the
    app keeps working after the database restarts.
    """
    return create_engine(database_url(), pool_pre_ping=True)


def session() -> Session:
    """A new session on the engine (the tests make it join their transaction)."""
    return Session(engine())


def ping(bind: Engine) -> None:
    """Raise ``OperationalError`` unless the database answers a query."""
    with bind.connect() as connection:
        connection.execute(text("SELECT 1"))


def describe(error: OperationalError, bind: Engine) -> str:
    """One line saying why the database is unavailable and what to check."""
    lines = str(error.orig).strip().splitlines() or ["no reason given"]
    reason = " ".join(lines[0].split())  # the driver's first line, spaces tidied
    if "password authentication failed" in reason:
        hint = "check the user and password in DATABASE_URL"
    elif "does not exist" in reason:
        hint = "check the database name in DATABASE_URL"
    else:
        hint = "is the database server running and reachable?"
    where = bind.url.render_as_string(hide_password=True)
    return f"database unavailable at {where}: {reason} ({hint})"


def alembic_config(connection: Connection | None = None, wait: float = 0) -> Config:
    """Alembic's configuration for the migrations in this package.

    Used by ``{{ cookiecutter.project_slug }} migrate`` (also in the production
    image, which has no alembic.ini) and by the tests; ``connection`` makes the
    migrations run on it, inside its transaction; without one, they wait up to
    ``wait`` seconds for the database to answer.
    """
    # Alembic is imported when migrations run, not with this module: the app
    # and a test run that touches no database do not pay for it.
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    config.attributes["wait"] = wait
    return config


def migrate(
    revision: str = "head", connection: Connection | None = None, wait: float = 0
) -> None:
    """Bring the database (or the one ``connection`` is to) to ``revision``, by
    default the latest, waiting up to ``wait`` seconds for it to answer."""
    from alembic import command

    command.upgrade(alembic_config(connection, wait), revision)
