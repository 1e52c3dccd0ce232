"""Tests of the app's own command, ``greet``."""

from {{ cookiecutter.package_name }}.cli import main
from {{ cookiecutter.package_name }}.commands.greet import (
    greet,
)


def test_greet():
    assert greet("team") == "Hello, team!"


def test_main_prints_greeting(capsys):
    assert main(["greet", "team"]) == 0
    assert capsys.readouterr().out == "Hello, team!\n"


def test_no_command_greets_the_world(capsys):
    assert main([]) == 0
    assert capsys.readouterr().out == "Hello, world!\n"
