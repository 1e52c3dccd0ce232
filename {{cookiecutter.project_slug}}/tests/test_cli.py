"""Tests of the console script, as installed in the image: its version, and
every feature's commands under one parser."""

import shutil
import subprocess
import sys
from importlib.metadata import version

import pytest

from {{ cookiecutter.package_name }}.cli import (
    command_modules,
    main,
)

DISTRIBUTION = "{{ cookiecutter.project_slug }}"
PACKAGE = "{{ cookiecutter.package_name }}"


def test_version_comes_from_installed_metadata(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == f"{DISTRIBUTION} {version(DISTRIBUTION)}\n"


def test_every_command_module_registers_its_commands(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    usage = capsys.readouterr().out
    for module in command_modules():
        assert hasattr(module, "register"), module.__name__
    assert "commands:" in usage


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
