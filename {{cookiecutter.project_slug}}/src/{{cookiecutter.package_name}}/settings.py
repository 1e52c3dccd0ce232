"""Settings, from the environment. The database is named by ``DATABASE_URL``."""

import os
from collections.abc import Mapping

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

# SQLAlchemy's name for PostgreSQL through psycopg 3.
DRIVER = "postgresql+psycopg"
EXAMPLE = "postgresql://user:password@host:5432/database"


class SettingsError(RuntimeError):
    """A setting is missing or malformed; ``str()`` is the one line to show."""


def database_url(environ: Mapping[str, str] = os.environ) -> URL:
    """``DATABASE_URL`` as a SQLAlchemy URL for psycopg 3.

    ``postgresql://`` and ``postgres://`` (what hosting providers hand out)
    are read as ``postgresql+psycopg://``.
    """
    value = environ.get("DATABASE_URL", "").strip()
    if not value:
        raise SettingsError(f"DATABASE_URL is not set: set it to {EXAMPLE}")
    try:
        url = make_url(value)
    except ArgumentError:
        raise SettingsError(f"DATABASE_URL is not a URL like {EXAMPLE}") from None
    if url.drivername in ("postgres", "postgresql"):
        url = url.set(drivername=DRIVER)
    if url.drivername != DRIVER:
        raise SettingsError(
            f"DATABASE_URL uses {url.drivername}://, not postgresql://: set it to {EXAMPLE}"
        )
    if not url.database:
        raise SettingsError(f"DATABASE_URL names no database: set it to {EXAMPLE}")
    return url
