"""Print the build backend's requirements, one a line, for `uv pip install`.

The Dockerfile's dev stage installs them with the dependencies, before the
source is copied in, so that the project's editable install needs no
download: [build-system] requires of pyproject.toml, and editables (which
hatchling's editable builds may ask for).
"""

import tomllib

with open("pyproject.toml", "rb") as file:
    pyproject = tomllib.load(file)
print(*pyproject["build-system"]["requires"], "editables", sep="\n")
