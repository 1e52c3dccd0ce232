"""The {{ cookiecutter.package_name }} package."""
