"""Tests of the console script, as installed in the image."""

import shutil
import subprocess
import sys
from importlib.metadata import version

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from {{ cookiecutter.package_name }} import db, greet
from {{ cookiecutter.package_name }}.cli import main

DISTRIBUTION = "{{ cookiecutter.project_slug }}"
PACKAGE = "{{ cookiecutter.package_name }}"


def test_greet():
    assert greet("team") == "Hello, team!"


def test_main_prints_greeting(capsys):
    assert main(["greet", "team"]) == 0
    assert capsys.readouterr().out == "Hello, team!\n"
    assert main([]) == 0
    assert capsys.readouterr().out == "Hello, world!\n"


def test_items_are_added_and_listed(session, capsys):
    assert main(["items", "add", "first"]) == 0
    assert main(["items", "add", "second"]) == 0
    added = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[1] for line in added] == ["first", "second"]
    assert main(["items", "list"]) == 0
    assert capsys.readouterr().out.splitlines() == added


def test_a_database_that_is_down_is_one_line(monkeypatch, capsys):
    engine = create_engine("postgresql+psycopg://someone:secret@127.0.0.1:1/nothing")
    monkeypatch.setattr(db, "engine", lambda: engine)
    monkeypatch.setattr(db, "session", lambda: Session(engine))
    assert main(["items", "list"]) == 1
    error = capsys.readouterr().err
    assert error.startswith("error: database unavailable at postgresql+psycopg://")
    assert error.count("\n") == 1 and "secret" not in error


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
        [sys.executable, "-m", PACKAGE, "greet", "team"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout == "Hello, team!\n"
