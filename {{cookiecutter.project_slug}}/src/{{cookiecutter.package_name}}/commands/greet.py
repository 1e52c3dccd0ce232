"""``greet [NAME]``: the app's own command (the default), a placeholder for yours."""

import argparse

from {{ cookiecutter.package_name }}.commands import (
    Commands,
)


def greet(name: str = "world") -> str:
    """Return a greeting for ``name``."""
    return f"Hello, {name}!"


def register(commands: Commands) -> None:
    parser = commands.add_parser("greet", help="print a greeting (the default)")
    parser.add_argument(
        "name", nargs="?", default="world", help="who to greet (default: %(default)s)"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    print(greet(args.name))
    return 0
