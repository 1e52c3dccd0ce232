"""The database's commands: ``migrate``, and ``items add NAME`` / ``items list``.

``check()`` keeps every command from starting without ``DATABASE_URL``: the
app needs its database.
"""

import argparse
import logging
import sys

from sqlalchemy.exc import OperationalError

from {{ cookiecutter.package_name }} import db
from {{ cookiecutter.package_name }}.commands import (
    Commands,
)
from {{ cookiecutter.package_name }}.models import (
    add_item,
    list_items,
)
from {{ cookiecutter.package_name }}.settings import (
    SettingsError,
    database_url,
)


def check() -> str | None:
    try:
        database_url()
    except SettingsError as error:
        return str(error)
    return None


def register(commands: Commands) -> None:
    items = commands.add_parser("items", help="add or list items in the database")
    actions = items.add_subparsers(dest="action", required=True)
    actions.add_parser("add", help="add an item").add_argument("name")
    actions.add_parser("list", help="list the items, oldest first")
    items.set_defaults(run=items_command)
    migrate = commands.add_parser(
        "migrate", help="bring the database to the latest migration"
    )
    migrate.add_argument(
        "--wait",
        type=float,
        default=0,
        metavar="SECONDS",
        help="wait up to SECONDS for the database to answer (default: %(default)s)",
    )
    migrate.set_defaults(run=migrate_command)


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


def migrate_command(args: argparse.Namespace) -> int:
    """Apply the migrations that the database has not had yet."""
    logging.basicConfig(format="%(message)s")
    # The migrations it runs, one line each (not Alembic's other chatter).
    logging.getLogger("alembic.runtime.migration").setLevel(logging.INFO)
    db.migrate(wait=args.wait)
    return 0
