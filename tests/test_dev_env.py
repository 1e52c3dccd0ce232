"""scripts/dev-env.sh, the one place that names a checkout's compose project,
without Docker: what it writes to `.env` in a fresh checkout, in a copy that
carries another checkout's `.env`, next to values the user set, and that it
passes shellcheck (POSIX sh) and runs under dash as well as bash.
"""

import os
import re
import shutil

import pytest

from conftest import bake_ok, tool
from helpers import compose_environment, run

SHELLS = [shell for shell in ("sh", "dash", "bash") if shutil.which(shell)]


@pytest.fixture(scope="module")
def baked(cookies_session):
    return bake_ok(cookies_session)


def dev_env(checkout, shell="sh", **env):
    result = run([shell, "scripts/dev-env.sh"], checkout, {**compose_environment(), **env})
    return (checkout / ".env").read_text(encoding="utf-8"), result.stderr


def project(text):
    return re.findall(r"^COMPOSE_PROJECT_NAME=(.*)$", text, re.MULTILINE)


@pytest.fixture
def checkout(baked, tmp_path):
    """A fresh copy of the default bake, as a clone would be."""
    return shutil.copytree(baked, tmp_path / "a" / baked.name)


def test_passes_shellcheck(baked):
    """Every script of the project, each saying what it is for in its first comment."""
    scripts = sorted((baked / "scripts").glob("*.sh"))
    assert len(scripts) >= 4, scripts
    for script in scripts:
        lines = script.read_text(encoding="utf-8").splitlines()
        assert lines[0] == "#!/bin/sh" and lines[1].startswith("# "), script.name
    run([tool("shellcheck"), "--shell=sh", "--severity=style", *scripts])  # fails on a finding


@pytest.mark.parametrize("shell", SHELLS)
def test_a_fresh_checkout_gets_its_own_name_and_the_uid(checkout, shell):
    text, said = dev_env(checkout, shell)
    [name] = project(text)
    assert re.fullmatch(r"my-cool-project-[0-9a-f]{8}", name)
    assert f"HOST_UID={os.getuid()}\nHOST_GID={os.getgid()}\n" in text
    assert said == ""
    assert dev_env(checkout, shell) == (text, ""), "a second run changes nothing"


def test_the_name_follows_the_path_not_the_directory_name(checkout, tmp_path):
    other = shutil.copytree(checkout, tmp_path / "b" / checkout.name)
    assert project(dev_env(checkout)[0]) != project(dev_env(other)[0])


def test_a_copied_env_gets_this_checkouts_name_and_keeps_the_rest(checkout, tmp_path):
    first, _ = dev_env(checkout)
    (checkout / ".env").write_text(first + "APP_PORT=8001", encoding="utf-8")  # no final newline
    copy = shutil.copytree(checkout, tmp_path / "b" / checkout.name)
    text, said = dev_env(copy)
    assert project(text) != project(first)
    assert text == first.replace(project(first)[0], project(text)[0]) + "APP_PORT=8001"
    assert f"another directory ({project(first)[0]})" in said
    # Nothing destructive is suggested about the other directory's project: after a
    # copy, not a move, it is the original checkout's.
    assert "down" not in said and "rm" not in said.split()


def test_a_copy_by_another_user_gets_its_owners_uid(checkout, tmp_path):
    """The uid and gid in a copied .env were the other checkout's owner's: the
    containers would write files this one's owner cannot remove."""
    first, _ = dev_env(checkout, HOST_UID="5", HOST_GID="6")
    assert "HOST_UID=5\nHOST_GID=6\n" in first
    copy = shutil.copytree(checkout, tmp_path / "b" / checkout.name)
    uid, gid = copy.stat().st_uid, copy.stat().st_gid
    owner = f"{uid}:{gid}"
    text, said = dev_env(copy)
    assert text == first.replace(project(first)[0], project(text)[0]).replace(
        "HOST_UID=5\nHOST_GID=6\n", f"HOST_UID={uid}\nHOST_GID={gid}\n"
    )
    assert f"came along too (5:6): now {owner}" in said.splitlines()[-1], said
    assert dev_env(copy) == (text, ""), "a second run changes nothing"


@pytest.mark.parametrize("name", ["my-cool-project", "team-db", "my-cool-project-shared"])
def test_a_name_the_user_chose_is_kept(checkout, name):
    (checkout / ".env").write_text(f"COMPOSE_PROJECT_NAME={name}\nHOST_UID=5\nHOST_GID=6\n")
    text, said = dev_env(checkout)
    assert text == f"COMPOSE_PROJECT_NAME={name}\nHOST_UID=5\nHOST_GID=6\n" and said == ""


def test_missing_lines_are_added_after_the_users_own(checkout):
    (checkout / ".env").write_text("# mine\nAPP_PORT=9000", encoding="utf-8")
    text, _ = dev_env(checkout, HOST_UID="1234", HOST_GID="1235")
    lines = text.splitlines()
    assert lines[:2] == ["# mine", "APP_PORT=9000"]
    assert lines[-2:] == ["HOST_UID=1234", "HOST_GID=1235"], "the environment's uid, if set"
    assert len(project(text)) == 1


@pytest.mark.parametrize("shell", SHELLS)
def test_get_reads_a_setting_as_compose_does(checkout, shell):
    """`dev-env.sh get NAME DEFAULT`: the environment's value, else the last in .env,
    else the default (make, compose and the scripts agree on APP_PORT, DEBUG_PORT)."""
    (checkout / ".env").write_text("APP_PORT=8001\nDEBUG_PORT=1\nDEBUG_PORT=5679\n")

    def get(name, **env):
        command = [shell, "scripts/dev-env.sh", "get", name, "9"]
        return run(command, checkout, {**compose_environment(), **env}).stdout

    assert get("APP_PORT") == "8001\n"
    assert get("DEBUG_PORT") == "5679\n"
    assert get("APP_PORT", APP_PORT="8002") == "8002\n"
    assert get("OTHER_PORT") == "9\n"
    assert (checkout / ".env").read_text() == "APP_PORT=8001\nDEBUG_PORT=1\nDEBUG_PORT=5679\n"
