"""The ``{{ cookiecutter.project_slug }}`` console script: ``{{ cookiecutter.project_slug }} COMMAND [...]``.

Each module of ``{{ cookiecutter.package_name }}.commands`` adds its commands with
``register()``: a feature brings its commands in a file of its own, and this
one stays as it is. With no command, the app's own runs.
"""

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Callable
from importlib.metadata import metadata
from types import ModuleType

from {{ cookiecutter.package_name }} import commands

DISTRIBUTION = "{{ cookiecutter.project_slug }}"
DEFAULT_COMMAND = "{{ "serve" if cookiecutter.app_type == "web" else "greet" }}"


def command_modules() -> list[ModuleType]:
    """The modules of the commands package, by name."""
    found = pkgutil.iter_modules(commands.__path__, f"{commands.__name__}.")
    return [importlib.import_module(module.name) for module in found]


def main(argv: list[str] | None = None) -> int:
    """Run a command; ``--version`` reports the installed distribution's version."""
    meta = metadata(DISTRIBUTION)
    parser = argparse.ArgumentParser(prog=DISTRIBUTION, description=meta["Summary"])
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {meta['Version']}"
    )
    subcommands = parser.add_subparsers(title="commands", metavar="COMMAND")
    modules = command_modules()
    for module in modules:
        module.register(subcommands)
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if not hasattr(args, "run"):  # no command: the app's own
        args = parser.parse_args([DEFAULT_COMMAND])
    for module in modules:
        # A feature may refuse to start: check() says why in one line.
        problem = module.check() if hasattr(module, "check") else None
        if problem:
            print(f"error: {problem}", file=sys.stderr)
            return 2
    run: Callable[[argparse.Namespace], int] = args.run
    return run(args)
