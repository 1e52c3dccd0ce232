"""The {{ cookiecutter.package_name }} package."""
{%- if cookiecutter.app_type == "cli" %}


def greet(name: str = "world") -> str:
    """Return a greeting for ``name``."""
    return f"Hello, {name}!"
{%- endif %}
