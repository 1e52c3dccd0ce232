"""The ``{{ cookiecutter.project_slug }}`` console script: serve the web app with uvicorn."""

import argparse
from importlib.metadata import metadata

import uvicorn

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
    args = parser.parse_args(argv)
    uvicorn.run(
        "{{ cookiecutter.package_name }}.web:app",
        host=args.host,
        port=args.port,
        reload=args.reload,
    )
    return 0
