"""Tests of the console script, as installed in the image."""

import shutil
import subprocess
import sys
from importlib.metadata import version

import pytest
import uvicorn

from {{ cookiecutter.package_name }}.cli import main

DISTRIBUTION = "{{ cookiecutter.project_slug }}"
PACKAGE = "{{ cookiecutter.package_name }}"


def test_main_serves_the_app_with_uvicorn(monkeypatch):
    calls = []
    monkeypatch.setattr(
        uvicorn, "run", lambda *args, **kwargs: calls.append((args, kwargs))
    )
    assert main(["--port", "9000"]) == 0
    assert calls == [
        (
            (f"{PACKAGE}.web:app",),
            {"host": "127.0.0.1", "port": 9000, "reload": False},
        )
    ]


def test_migrate_brings_the_database_to_the_latest_revision(engine):
    assert main(["migrate"]) == 0


def test_refuses_to_start_without_database_url(monkeypatch, capsys):
    monkeypatch.delenv("DATABASE_URL")
    assert main([]) == 2
    assert capsys.readouterr().err == (
        "error: DATABASE_URL is not set: set it to "
        "postgresql://user:password@host:5432/database\n"
    )


def test_version_comes_from_installed_metadata(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == f"{DISTRIBUTION} {version(DISTRIBUTION)}\n"


def test_console_script_is_installed():
    script = shutil.which(DISTRIBUTION)
    assert script, f"{DISTRIBUTION} is not on PATH: is the project installed?"
    result = subprocess.run(
        [script, "--version"], capture_output=True, text=True, check=True
    )
    assert result.stdout == f"{DISTRIBUTION} {version(DISTRIBUTION)}\n"


def test_python_dash_m_runs_the_cli():
    result = subprocess.run(
        [sys.executable, "-m", PACKAGE, "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout == f"{DISTRIBUTION} {version(DISTRIBUTION)}\n"
