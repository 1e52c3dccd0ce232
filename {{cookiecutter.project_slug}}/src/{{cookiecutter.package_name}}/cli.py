{%- set web = cookiecutter.app_type == "web" -%}
"""The ``{{ cookiecutter.project_slug }}`` console script
{%- if web %}: serve the web app with uvicorn{% endif %}."""

import argparse
from importlib.metadata import metadata
{% if web %}
import uvicorn
{%- else %}
from {{ cookiecutter.package_name }} import greet
{%- endif %}

DISTRIBUTION = "{{ cookiecutter.project_slug }}"


def main(argv: list[str] | None = None) -> int:
{%- if web %}
    """Serve the web app; ``--version`` reports the installed distribution's version."""
{%- else %}
    """Print a greeting; ``--version`` reports the installed distribution's version."""
{%- endif %}
    meta = metadata(DISTRIBUTION)
    parser = argparse.ArgumentParser(prog=DISTRIBUTION, description=meta.get("Summary"))
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {meta['Version']}"
    )
{%- if web %}
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
{%- else %}
    parser.add_argument(
        "name", nargs="?", default="world", help="who to greet (default: %(default)s)"
    )
    args = parser.parse_args(argv)
    print(greet(args.name))
{%- endif %}
    return 0
