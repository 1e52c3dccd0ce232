"""Lint gates on every supported option combination (conftest.COMBINATIONS, baked
once by the session fixture ``all_projects``): compose.yaml is valid against the
Compose Specification schema (a pinned copy, tests/data/compose-spec.json) and
keeps its security defaults; pyproject.toml passes validate-pyproject. Each
distinct file content is checked once, for all the combinations that share it.

Elsewhere: ruff and hadolint (at ``--failure-threshold=style``, below ``info``)
and no CR in any file are in test_bake.py; ``docker compose config -q`` is in
test_docker.py."""

import functools
import json
import tomllib
from pathlib import Path

import jsonschema
import pytest
import yaml
from validate_pyproject import api as validate_pyproject

from helpers import distinct_files

COMPOSE_SCHEMA = json.loads(
    (Path(__file__).parent / "data" / "compose-spec.json").read_text(encoding="utf-8")
)
DOCKER_SOCKET = "docker.sock"
# Host namespaces or devices a development container has no business with.
FORBIDDEN_SERVICE_KEYS = ("privileged", "cap_add", "devices", "network_mode", "pid", "ipc")


def distinct(all_projects, relative):
    """{file content: [project paths]} for ``relative`` in every combination."""
    return distinct_files(all_projects.values(), relative)


def compose_schema_errors(compose):
    validator = jsonschema.Draft201909Validator(COMPOSE_SCHEMA)
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(compose)
    ]


def security_findings(compose):
    """What in a parsed compose file breaks the template's security defaults."""
    findings = []
    for name, service in compose.get("services", {}).items():
        for key in FORBIDDEN_SERVICE_KEYS:
            if key in service:
                findings.append(f"{name}: has '{key}'")
        if "no-new-privileges:true" not in service.get("security_opt", []):
            findings.append(f"{name}: no 'no-new-privileges:true'")
        for volume in service.get("volumes", []):
            source = volume.get("source", "") if isinstance(volume, dict) else volume
            if DOCKER_SOCKET in str(source):
                findings.append(f"{name}: mounts the Docker socket ({source})")
        for port in service.get("ports", []):
            host_ip = port.get("host_ip") if isinstance(port, dict) else str(port).split(":")[0]
            if host_ip != "127.0.0.1" or (isinstance(port, str) and port.count(":") < 2):
                findings.append(f"{name}: port {port!r} is not bound to 127.0.0.1")
    return findings


@functools.cache
def pyproject_validator():
    """One validate-pyproject validator (building one loads every schema and plugin)."""
    return validate_pyproject.Validator()


def pyproject_errors(text):
    try:
        pyproject_validator()(tomllib.loads(text))
    except validate_pyproject.errors.ValidationError as error:  # what a bad pyproject raises
        return [str(error)]
    return []


def test_the_schema_is_the_vendored_compose_specification():
    jsonschema.Draft201909Validator.check_schema(COMPOSE_SCHEMA)
    assert COMPOSE_SCHEMA["title"] == "Compose Specification"
    service = COMPOSE_SCHEMA["definitions"]["service"]["properties"]
    assert {"develop", "healthcheck", "security_opt", "build"} <= set(service)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c["services"]["app"].update(privilegd=True), "'privilegd' does not match"),
        (lambda c: c["services"]["app"]["develop"]["watch"][0].update(action="x"), "'x' is not"),
        (lambda c: c.update(volumes=[".:/src"]), "is not of type 'object'"),
        (lambda c: c.update({"x-anything": {"is": "allowed"}}), None),
    ],
)
def test_the_schema_check_catches_a_broken_compose_file(all_projects, change, message):
    text = next(iter(distinct(all_projects, "compose.yaml")))
    compose = yaml.safe_load(text)
    assert compose_schema_errors(compose) == []
    change(compose)
    errors = compose_schema_errors(compose)
    if message is None:
        assert errors == []
    else:
        assert any(message in error for error in errors), errors


def test_every_compose_file_is_valid_against_the_compose_specification(all_projects):
    texts = distinct(all_projects, "compose.yaml")
    assert len(texts) > 1
    for text, projects in texts.items():
        assert compose_schema_errors(yaml.safe_load(text)) == [], projects[0]


@pytest.mark.parametrize(
    ("service", "finding"),
    [
        ({"privileged": True}, "has 'privileged'"),
        ({"cap_add": ["SYS_ADMIN"]}, "has 'cap_add'"),
        ({"network_mode": "host"}, "has 'network_mode'"),
        ({"security_opt": []}, "no 'no-new-privileges:true'"),
        ({"volumes": ["/var/run/docker.sock:/var/run/docker.sock"]}, "mounts the Docker socket"),
        (
            {"volumes": [{"type": "bind", "source": "/run/docker.sock", "target": "/s"}]},
            "mounts the Docker socket",
        ),
        ({"ports": ["8000:8000"]}, "is not bound to 127.0.0.1"),
        ({"ports": ["0.0.0.0:8000:8000"]}, "is not bound to 127.0.0.1"),
        ({"ports": ["8000"]}, "is not bound to 127.0.0.1"),
        ({"ports": [{"target": 8000, "published": 8000}]}, "is not bound to 127.0.0.1"),
        ({"ports": ["127.0.0.1:8000:8000"]}, None),
    ],
)
def test_the_security_check_catches_each_unsafe_setting(service, finding):
    compose = {"services": {"app": {"security_opt": ["no-new-privileges:true"], **service}}}
    findings = security_findings(compose)
    if finding is None:
        assert findings == []
    else:
        assert len(findings) == 1 and finding in findings[0], findings


def test_every_compose_file_keeps_the_security_defaults(all_projects):
    published = 0
    for text, projects in distinct(all_projects, "compose.yaml").items():
        compose = yaml.safe_load(text)
        assert security_findings(compose) == [], projects[0]
        published += sum(len(s.get("ports", [])) for s in compose["services"].values())
    assert published, "no combination publishes a port: the port rule was never exercised"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('license = "MIT"', 'license = "MIT License"', "project.license"),
        ('license-files = ["LICENSE"]', 'license-files = "LICENSE"', "license-files"),
        ('version = "0.1.0"', 'version = "one"', "project.version"),
        ('name = "my-cool-project"', 'name = "my cool project"', "project.name"),
    ],
)
def test_validate_pyproject_catches_a_broken_pyproject(all_projects, old, new, message):
    text = (all_projects[next(iter(all_projects))] / "pyproject.toml").read_text(encoding="utf-8")
    assert old in text and pyproject_errors(text) == []
    errors = pyproject_errors(text.replace(old, new, 1))
    assert errors and message in errors[0], errors


def test_every_pyproject_passes_validate_pyproject(all_projects):
    texts = distinct(all_projects, "pyproject.toml")
    assert len(texts) > 1
    for text, projects in texts.items():
        assert pyproject_errors(text) == [], projects[0]
