"""The {{ cookiecutter.package_name }} package."""


def greet(name: str = "world") -> str:
    """Return a greeting for ``name``."""
    return f"Hello, {name}!"
