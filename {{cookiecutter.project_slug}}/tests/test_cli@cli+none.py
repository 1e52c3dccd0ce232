"""Tests of the console script, as installed in the image."""

import shutil
import subprocess
import sys
from importlib.metadata import version

import pytest

from {{ cookiecutter.package_name }} import greet
from {{ cookiecutter.package_name }}.cli import main

DISTRIBUTION = "{{ cookiecutter.project_slug }}"
PACKAGE = "{{ cookiecutter.package_name }}"


def test_greet():
    assert greet("team") == "Hello, team!"


def test_main_prints_greeting(capsys):
    assert main(["team"]) == 0
    assert capsys.readouterr().out == "Hello, team!\n"


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
        [sys.executable, "-m", PACKAGE, "team"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout == "Hello, team!\n"
