"""The ``{{ cookiecutter.project_slug }}`` console script."""

import argparse
import logging
import sys
from importlib.metadata import metadata

from sqlalchemy.exc import OperationalError

from {{ cookiecutter.package_name }} import db, greet
from {{ cookiecutter.package_name }}.models import add_item, list_items
from {{ cookiecutter.package_name }}.settings import SettingsError, database_url

DISTRIBUTION = "{{ cookiecutter.project_slug }}"


def main(argv: list[str] | None = None) -> int:
    """Print a greeting; ``--version`` reports the installed distribution's version."""
    meta = metadata(DISTRIBUTION)
    parser = argparse.ArgumentParser(prog=DISTRIBUTION, description=meta.get("Summary"))
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {meta['Version']}"
    )
    commands = parser.add_subparsers(dest="command", title="commands")
    parser.set_defaults(command="greet", name="world")  # no command: greet
    greeting = commands.add_parser("greet", help="print a greeting (the default)")
    greeting.add_argument(
        "name", nargs="?", default="world", help="who to greet (default: %(default)s)"
    )
    items = commands.add_parser("items", help="add or list items in the database")
    actions = items.add_subparsers(dest="action", required=True)
    actions.add_parser("add", help="add an item").add_argument("name")
    actions.add_parser("list", help="list the items, oldest first")
    commands.add_parser("migrate", help="bring the database to the latest migration")
    args = parser.parse_args(argv)
    try:
        database_url()  # the app needs a database: refuse to start without one
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.command == "greet":
        print(greet(args.name))
    elif args.command == "migrate":
        return migrate()
    else:
        return items_command(args)
    return 0


def items_command(args: argparse.Namespace) -> int:
    """``items add NAME`` and ``items list``: one ``id<TAB>name`` line per item."""
    try:
        with db.session() as session:
            if args.action == "add":
                found = [add_item(session, args.name)]
                session.commit()
            else:
                found = list_items(session)
            for item in found:
                print(f"{item.id}\t{item.name}")
    except OperationalError as error:
        print(f"error: {db.describe(error, db.engine())}", file=sys.stderr)
        return 1
    return 0


def migrate() -> int:
    """Apply the migrations that the database has not had yet."""
    logging.basicConfig(format="%(message)s")
    # The migrations it runs, one line each (not Alembic's other chatter).
    logging.getLogger("alembic.runtime.migration").setLevel(logging.INFO)
    db.migrate()
    return 0
