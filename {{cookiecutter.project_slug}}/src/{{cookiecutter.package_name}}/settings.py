"""Settings, from the environment. The database is named by ``DATABASE_URL``.

A setting ``NAME`` can come from a file instead, whose path ``NAME_FILE``
holds: how Docker and Kubernetes hand out secrets (``/run/secrets/...``).
"""

import os
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

# SQLAlchemy's name for PostgreSQL through psycopg 3.
DRIVER = "postgresql+psycopg"
EXAMPLE = "postgresql://user:password@host:5432/database"


class SettingsError(RuntimeError):
    """A setting is missing or malformed; ``str()`` is the one line to show."""


def setting(name: str, environ: Mapping[str, str] = os.environ) -> str:
    """The setting ``name``: its variable, or the contents of the file that
    ``<name>_FILE`` names, without surrounding whitespace; "" when neither is set."""
    value = environ.get(name, "").strip()
    path = environ.get(f"{name}_FILE", "").strip()
    if not path:
        return value
    if value:
        raise SettingsError(f"{name} and {name}_FILE are both set: set one of them")
    try:
        return Path(path).read_text(encoding="utf-8").strip()
    except OSError as error:
        reason = f"cannot read it ({error.strerror})"
        raise SettingsError(f"{name}_FILE={path}: {reason}") from None


def database_url(environ: Mapping[str, str] = os.environ) -> URL:
    """``DATABASE_URL`` as a SQLAlchemy URL for psycopg 3, with the password
    ``DATABASE_PASSWORD`` when that is set (a secret file, the URL without it).

    ``postgresql://`` and ``postgres://`` (what hosting providers hand out)
    are read as ``postgresql+psycopg://``.
    """
    value = setting("DATABASE_URL", environ)
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
    password = setting("DATABASE_PASSWORD", environ)
    return url.set(password=password) if password else url
