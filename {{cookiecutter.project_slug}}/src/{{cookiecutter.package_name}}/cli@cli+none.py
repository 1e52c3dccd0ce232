"""The ``{{ cookiecutter.project_slug }}`` console script."""

import argparse
from importlib.metadata import metadata

from {{ cookiecutter.package_name }} import greet

DISTRIBUTION = "{{ cookiecutter.project_slug }}"


def main(argv: list[str] | None = None) -> int:
    """Print a greeting; ``--version`` reports the installed distribution's version."""
    meta = metadata(DISTRIBUTION)
    parser = argparse.ArgumentParser(prog=DISTRIBUTION, description=meta.get("Summary"))
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {meta['Version']}"
    )
    parser.add_argument(
        "name", nargs="?", default="world", help="who to greet (default: %(default)s)"
    )
    args = parser.parse_args(argv)
    print(greet(args.name))
    return 0
