"""Answers crafted to run code are inert. Each test plants a marker path in the
payload and checks the marker never appears. Payloads go in a replay file, so
they reach the hooks verbatim, as typed answers do."""

import json

import pytest

from conftest import TEMPLATE, replay_file, run_cookiecutter

FREE_TEXT = ("project_name", "description", "author_name")


def python_breakouts(marker):
    """Text that would run ``open(marker, "w")`` if pasted into Python source."""
    code = f"open({str(marker)!r}, 'w')"
    return [
        f'x"""); {code}; ("""',
        f"x'''); {code}; ('''",
        f'x"); {code}; ("',
        f"x\\'); {code}; #",
        f'\\"""\\n{code}\\n"""',
        f'x\\\\"""; {code} #',
    ]


def jinja_payloads(marker):
    """Text that would create ``marker`` if Jinja evaluated it."""
    system = f"os.system('touch {marker}')"
    return [
        f"{{{{ cycler.__init__.__globals__.{system} }}}}",
        f"{{% set x = joiner.__init__.__globals__.{system} %}}",
        f"{{{{ lipsum.__globals__['os'].popen('touch {marker}').read() }}}}",
    ]


@pytest.mark.parametrize("index", range(6))
def test_a_python_string_breakout_is_plain_text(tmp_path, index):
    marker = tmp_path / "PWNED"
    payload = python_breakouts(marker)[index]
    out = tmp_path / "out"
    answers = dict.fromkeys(FREE_TEXT, payload)
    replay = replay_file(tmp_path, project_slug="inert", package_name="inert", **answers)
    result = run_cookiecutter(f"--replay-file={replay}", str(TEMPLATE), output_dir=out)
    assert result.returncode == 0, result.stderr
    assert not marker.exists()
    readme = (out / "inert" / "README.md").read_text(encoding="utf-8").splitlines()
    assert readme[0] == f"# {payload}" and readme[2] == payload
    recorded = json.loads((out / "inert" / ".cookiecutter.json").read_text(encoding="utf-8"))
    assert {key: recorded["cookiecutter"][key] for key in FREE_TEXT} == answers


# Every answer refuses Jinja delimiters (the catalogue in test_validation.py);
# here a few fields with real payloads.
@pytest.mark.parametrize("field", ["project_name", "project_slug", "author_email"])
@pytest.mark.parametrize("index", range(3))
def test_a_jinja_payload_is_refused_unevaluated(tmp_path, field, index):
    marker = tmp_path / "PWNED"
    payload = jinja_payloads(marker)[index]
    out = tmp_path / "out"
    out.mkdir()
    replay = replay_file(tmp_path, **{field: payload})
    result = run_cookiecutter(f"--replay-file={replay}", str(TEMPLATE), output_dir=out)
    assert result.returncode != 0
    assert (result.stdout + result.stderr).count("\n") == 1, result.stdout + result.stderr
    assert result.stderr.startswith(f"error: {field}={payload!r}: must not contain")
    assert not marker.exists()
    assert list(out.iterdir()) == []


# Cookiecutter renders every command-line value the same way: two fields suffice.
@pytest.mark.parametrize("field", ["description", "project_slug"])
@pytest.mark.parametrize("index", range(3))
def test_a_jinja_payload_on_the_command_line_runs_nothing(tmp_path, field, index):
    """Cookiecutter renders `--no-input key=value` values as Jinja before any hook:
    local_extensions.SandboxExtension makes that render a sandboxed one."""
    marker = tmp_path / "PWNED"
    out = tmp_path / "out"
    out.mkdir()
    payload = jinja_payloads(marker)[index]
    result = run_cookiecutter("--no-input", str(TEMPLATE), f"{field}={payload}", output_dir=out)
    assert result.returncode != 0
    assert "SecurityError" in result.stderr
    assert not marker.exists()
    assert list(out.iterdir()) == []


def test_plain_jinja_on_the_command_line_still_works(tmp_path):
    result = run_cookiecutter(
        "--no-input",
        str(TEMPLATE),
        "project_slug={{ cookiecutter.project_name | lower | replace(' ', '-') }}-x",
        "description={{ range(3) | list }} {{ 'a' ~ 'b' }}",
        output_dir=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    readme = (tmp_path / "my-cool-project-x" / "README.md").read_text(encoding="utf-8")
    assert readme.splitlines()[2] == "[0, 1, 2] ab"
