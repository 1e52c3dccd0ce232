"""The ``{{ cookiecutter.project_slug }}`` console script: serve the web app with uvicorn."""

import argparse
import logging
import sys
from importlib.metadata import metadata

import uvicorn

from {{ cookiecutter.package_name }} import db
from {{ cookiecutter.package_name }}.settings import SettingsError, database_url

DISTRIBUTION = "{{ cookiecutter.project_slug }}"


def main(argv: list[str] | None = None) -> int:
    """Serve the web app; ``--version`` reports the installed distribution's version."""
    meta = metadata(DISTRIBUTION)
    parser = argparse.ArgumentParser(prog=DISTRIBUTION, description=meta.get("Summary"))
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {meta['Version']}"
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: %(default)s)",
    )
    parser.add_argument(
        "--port", type=int, default={{ cookiecutter.port }}, help="port (default: %(default)s)"
    )
    parser.add_argument(
        "--reload", action="store_true", help="restart when a source file changes"
    )
    commands = parser.add_subparsers(dest="command", title="commands")
    commands.add_parser("migrate", help="bring the database to the latest migration")
    args = parser.parse_args(argv)
    try:
        database_url()  # the app needs a database: refuse to start without one
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.command == "migrate":
        return migrate()
    uvicorn.run(
        "{{ cookiecutter.package_name }}.web:app",
        host=args.host,
        port=args.port,
        reload=args.reload,
    )
    return 0


def migrate() -> int:
    """Apply the migrations that the database has not had yet."""
    logging.basicConfig(format="%(message)s")
    # The migrations it runs, one line each (not Alembic's other chatter).
    logging.getLogger("alembic.runtime.migration").setLevel(logging.INFO)
    db.migrate()
    return 0
