"""Alembic's environment: runs the migrations against ``DATABASE_URL``.

`alembic` reads alembic.ini in the project directory; ``{{ cookiecutter.project_slug }}
migrate`` and the tests configure Alembic in code (``db.alembic_config``).
"""

import sys
import time
from logging.config import fileConfig

from alembic import context
from alembic.operations.ops import MigrationScript
from alembic.runtime.migration import MigrationContext
from sqlalchemy import URL, Connection, Engine, create_engine, pool, text
from sqlalchemy.exc import OperationalError

from {{ cookiecutter.package_name }}.db import describe
from {{ cookiecutter.package_name }}.models import Base
from {{ cookiecutter.package_name }}.settings import (
    SettingsError,
    database_url,
)

config = context.config
if config.config_file_name is not None:  # the alembic command: log as alembic.ini says
    fileConfig(config.config_file_name)

# A PostgreSQL advisory lock every migration run holds: app containers that
# start together (several replicas, a rolling update) migrate one at a time.
MIGRATION_LOCK = 732_105_416
# Refusals that waiting does not cure.
LASTING = ("password authentication failed", "does not exist")


def url() -> URL:
    try:
        return database_url()
    except SettingsError as error:
        raise SystemExit(f"error: {error}") from None


def skip_empty(
    migration: MigrationContext, revision: object, directives: list[MigrationScript]
) -> None:
    """`make migration`: no revision is written when the models did not change."""
    upgrade = directives[0].upgrade_ops
    autogenerate = getattr(config.cmd_opts, "autogenerate", False)
    if autogenerate and upgrade is not None and upgrade.is_empty():
        directives[:] = []
        print("No change in the models: no migration written.")
{%- if cookiecutter.worker == "procrastinate" %}


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Autogenerate leaves procrastinate's tables alone: revision 0002 makes them."""
    return not (type_ == "table" and str(name).startswith("procrastinate_"))
{%- endif %}


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        process_revision_directives=skip_empty,
{%- if cookiecutter.worker == "procrastinate" %}
        include_name=include_name,
{%- endif %}
    )
    with context.begin_transaction():
        lock = text("SELECT pg_advisory_xact_lock(:key)")
        connection.execute(lock, {"key": MIGRATION_LOCK})
        context.run_migrations()


def connect(engine: Engine, wait: float) -> Connection:
    """A connection to the database, asked again for up to ``wait`` seconds
    while the server does not answer (it may be starting beside the app)."""
    deadline = time.monotonic() + wait
    told = False
    while True:
        try:
            return engine.connect()
        except OperationalError as error:
            lasting = any(words in str(error.orig) for words in LASTING)
            if lasting or time.monotonic() >= deadline:
                raise SystemExit(f"error: {describe(error, engine)}") from None
            if not told:
                print(f"waiting up to {wait:.0f} s for the database", file=sys.stderr)
                told = True
            time.sleep(1)


def run_migrations_offline() -> None:
    """`alembic upgrade head --sql`: print the SQL instead of running it."""
    context.configure(
        url=url(),
        target_metadata=Base.metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    given = config.attributes.get("connection")
    if given is not None:  # the caller's connection, and its transaction
        run_migrations(given)
        return
    engine = create_engine(url(), poolclass=pool.NullPool)
    with connect(engine, config.attributes.get("wait", 0)) as connection:
        run_migrations(connection)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
