"""The web application, served by uvicorn: ``{{ cookiecutter.package_name }}.web:app``."""

from importlib.metadata import version

from fastapi import FastAPI

DISTRIBUTION = "{{ cookiecutter.project_slug }}"

app = FastAPI(title=DISTRIBUTION, version=version(DISTRIBUTION))


@app.get("/health")
def health() -> dict[str, str]:
    """Liveness probe: the compose healthcheck asks it."""
    return {"status": "ok"}


@app.get("/")
def index() -> dict[str, str]:
    """The project's name and version, from the installed metadata."""
    return {"name": DISTRIBUTION, "version": app.version}
