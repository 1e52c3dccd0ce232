"""Settings come from the environment, or from files: ``NAME_FILE`` names the
file that holds ``NAME`` (a Docker or Kubernetes secret)."""

import pytest

from {{ cookiecutter.package_name }}.settings import (
    SettingsError,
    database_url,
    setting,
)

URL = "postgresql://app@db:5432/app"


@pytest.fixture
def secret(tmp_path):
    """A secret file, as Docker mounts one: the value and a final newline."""
    path = tmp_path / "secret"
    path.write_text("p@ss/word:\n", encoding="utf-8")
    return str(path)


def test_a_setting_is_its_variable_or_the_file_named_by_name_file(secret):
    name = "DATABASE_PASSWORD"
    assert setting(name, {name: "plain"}) == "plain"
    assert setting(name, {f"{name}_FILE": secret}) == "p@ss/word:"
    assert setting(name, {}) == ""


def test_the_database_password_comes_from_a_file_and_is_quoted_in_the_url(secret):
    url = database_url({"DATABASE_URL": URL, "DATABASE_PASSWORD_FILE": secret})
    assert url.password == "p@ss/word:"
    rendered = url.render_as_string(hide_password=False)
    assert rendered == "postgresql+psycopg://app:p%40ss%2Fword%3A@db:5432/app"


def test_the_whole_database_url_can_come_from_a_file(tmp_path):
    path = tmp_path / "url"
    path.write_text("postgresql://app:secret@db:5432/app\n", encoding="utf-8")
    url = database_url({"DATABASE_URL_FILE": str(path)})
    expected = "postgresql+psycopg://app:secret@db:5432/app"
    assert url.render_as_string(hide_password=False) == expected


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        (
            {"DATABASE_URL": URL, "DATABASE_URL_FILE": "{secret}"},
            "DATABASE_URL and DATABASE_URL_FILE are both set: set one of them",
        ),
        (
            {"DATABASE_URL_FILE": "/run/secrets/missing"},
            "DATABASE_URL_FILE=/run/secrets/missing: cannot read it (No such file or directory)",
        ),
        (
            {"DATABASE_URL": URL, "DATABASE_PASSWORD_FILE": "/run/secrets/missing"},
            "DATABASE_PASSWORD_FILE=/run/secrets/missing: cannot read it",
        ),
    ],
    ids=["both", "missing file", "missing password file"],
)
def test_a_setting_twice_or_an_unreadable_file_is_one_line(secret, environ, message):
    environ = {key: value.format(secret=secret) for key, value in environ.items()}
    with pytest.raises(SettingsError) as raised:
        database_url(environ)
    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value) and "p@ss" not in str(raised.value)
