"""``python -m {{ cookiecutter.package_name }}`` runs the console script."""

from {{ cookiecutter.package_name }}.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
