"""``serve``: the web app with uvicorn (the default command)."""

import argparse

import uvicorn

from {{ cookiecutter.package_name }}.commands import (
    Commands,
)


def register(commands: Commands) -> None:
    parser = commands.add_parser("serve", help="serve the web app (the default)")
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
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    uvicorn.run(
        "{{ cookiecutter.package_name }}.web:app",
        host=args.host,
        port=args.port,
        reload=args.reload,
    )
    return 0
