"""The web application, served by uvicorn: ``{{ cookiecutter.package_name }}.web:app``.

Each other module of this package adds its routes with ``register(app)``: a
feature brings its routes in a file of its own, and this one stays as it is.
"""

import importlib
import pkgutil
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


for feature in pkgutil.iter_modules(__path__, f"{__name__}."):
    importlib.import_module(feature.name).register(app)
