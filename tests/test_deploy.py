"""`deploy` (compose, kubernetes) on every bake of the design (conftest.COMBINATIONS,
baked once by ``all_projects``; each distinct file checked once): compose.prod.yaml
is valid for `docker compose` (the Compose Specification) and for `docker stack
deploy` (Docker's v3.13 schema, after interpolating its variables as docker/cli
does, with no option Swarm ignores but `security_opt`); every service is hardened;
the app rolls out and back as the docs say, and the worker's replicas too
(migrated first, a stop waiting for their job); .env.prod.example lists every
setting; no generated file holds a secret value; every command docs/deploy.md
quotes is a make target or a step of a workflow. `deploy=none` has none of it.

Each check is shown to catch what it is for, on a broken copy. The Docker tests
of the same file are tests/test_docker_db.py (one host) and
tests/test_docker_swarm.py (a Swarm)."""

import functools
import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from conftest import COMBINATIONS, combination_id
from helpers import distinct_files

DATA = Path(__file__).parent / "data"
V3_SCHEMA = json.loads((DATA / "config_schema_v3.13.json").read_text(encoding="utf-8"))
COMPOSE_SCHEMA = json.loads((DATA / "compose-spec.json").read_text(encoding="utf-8"))
DEPLOYED = {"compose", "kubernetes"}
# The files the option brings (hooks/post_gen_project.py's OPTION_FILES rows).
DEPLOY_FILES = [
    "compose.prod.yaml",
    ".env.prod.example",
    "make/deploy.mk",
    "scripts/deploy.sh",
    "docs/deploy.md",
]
# What `docker stack deploy` ignores, with a warning (docker/cli v28.2.2,
# cli/compose/types/types.go UnsupportedProperties): the file may use
# security_opt only, which one host applies (docs/deploy.md says what Swarm needs).
SWARM_IGNORES = {
    "build", "cgroupns_mode", "cgroup_parent", "devices", "domainname", "external_links",
    "ipc", "links", "mac_address", "network_mode", "pid", "privileged", "restart",
    "security_opt", "shm_size", "userns_mode",
}  # fmt: skip
ALLOWED_IGNORED = {"security_opt"}
# The variable the deploy script sets itself (the Caddyfile's checksum).
SCRIPT_SET = {"CADDYFILE_SUM"}


def deployed(all_projects):
    """The bakes with a deploy target."""
    return [
        all_projects[combination_id(answers)]
        for answers in COMBINATIONS
        if answers["deploy"] in DEPLOYED
    ]


def distinct(all_projects, relative):
    return distinct_files(deployed(all_projects), relative)


# --- Interpolation, as docker/cli does it (cli/compose/interpolation, loader) ----

VARIABLE = re.compile(r"\$(?:(\$)|\{(\w+)(?:(:?[-?])([^}]*))?\})")
# docker/cli's casts after interpolation (cli/compose/loader/interpolate.go),
# those this file can meet: a path under a service, "*" for any list item.
CASTS = {
    ("ports", "*", "published"): int,
    ("ports", "*", "target"): int,
    ("deploy", "replicas"): int,
    ("deploy", "update_config", "parallelism"): int,
    ("deploy", "rollback_config", "parallelism"): int,
    ("deploy", "placement", "max_replicas_per_node"): int,
    ("healthcheck", "retries"): int,
}


class Unset(KeyError):
    """A required variable (``${NAME:?message}``) has no value."""


def substitute(text, env):
    def value(match):
        dollar, name, operator, argument = match.groups()
        if dollar:
            return "$"
        present = name in env and (env[name] != "" or not (operator or "").startswith(":"))
        if operator and operator.endswith("?") and not present:
            raise Unset(f"{name}: {argument}")
        if present:
            return env[name]
        return argument if operator and operator.endswith("-") else ""

    return VARIABLE.sub(value, text)


def interpolate(node, env, path=()):
    """``node`` with every string's variables substituted, and the values
    docker/cli casts cast (a service's path matched against CASTS)."""
    if isinstance(node, dict):
        return {key: interpolate(value, env, (*path, key)) for key, value in node.items()}
    if isinstance(node, list):
        return [interpolate(value, env, (*path, "*")) for value in node]
    if not isinstance(node, str):
        return node
    text = substitute(node, env)
    cast = CASTS.get(path[2:]) if path[:1] == ("services",) else None
    return cast(text) if cast else text


def env_file(text):
    """{KEY: value} of a .env file's KEY=value lines."""
    return dict(
        line.split("=", 1)
        for line in text.splitlines()
        if line.strip() and not line.startswith("#")
    )


@functools.cache
def settings_of(project):
    return env_file((Path(project) / ".env.prod.example").read_text(encoding="utf-8"))


def environments(project):
    """The settings the file is read with: the example's, and only the two it
    requires (every default)."""
    example = settings_of(str(project))
    return {
        "example": example,
        "defaults": {"IMAGE": example["IMAGE"], "TAG": example["TAG"]},
    }


# --- The schemas ------------------------------------------------------------------

# Go's time.ParseDuration, as docker/cli's "duration" format checker.
GO_DURATION = re.compile(r"([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+")
FORMATS = jsonschema.FormatChecker()


@FORMATS.checks("duration")
def is_duration(value):
    return not isinstance(value, str) or bool(GO_DURATION.fullmatch(value))


def v3_errors(compose):
    validator = jsonschema.Draft4Validator(V3_SCHEMA, format_checker=FORMATS)
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(compose)
    ]


def spec_errors(compose):
    validator = jsonschema.Draft201909Validator(COMPOSE_SCHEMA)
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(compose)
    ]


def swarm_findings(compose):
    """What `docker stack deploy` would ignore or refuse beyond the schema."""
    findings = []
    for name, service in compose["services"].items():
        ignored = (set(service) & SWARM_IGNORES) - ALLOWED_IGNORED
        findings += [f"{name}: Swarm ignores '{key}'" for key in sorted(ignored)]
        if "image" not in service:
            findings.append(f"{name}: no image (Swarm builds nothing)")
    return findings


def errors_of(text, env):
    """Every schema error and Swarm finding of a production file read with ``env``."""
    compose = interpolate(yaml.safe_load(text), env)
    return v3_errors(compose) + spec_errors(compose) + swarm_findings(compose)


def test_the_v3_schema_is_dockers():
    jsonschema.Draft4Validator.check_schema(V3_SCHEMA)
    assert V3_SCHEMA["id"] == "config_schema_v3.13.json"
    deployment = V3_SCHEMA["definitions"]["deployment"]["properties"]
    assert deployment["update_config"]["properties"]["order"]["enum"] == [
        "start-first",
        "stop-first",
    ]
    assert "profiles" not in V3_SCHEMA["definitions"]["service"]["properties"]


def test_every_production_file_is_valid_for_compose_and_for_swarm(all_projects):
    texts = distinct(all_projects, "compose.prod.yaml")
    # app type x database (x worker, with postgres) x deploy target
    assert len(texts) == 2 * 3 * 2, "one per app type, database, worker and deploy target"
    for text, projects in texts.items():
        for name, env in environments(projects[0]).items():
            assert errors_of(text, env) == [], (projects[0], name)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c["services"]["app"].update(profiles=["prod"]), "'profiles' does not match"),
        (lambda c: c["services"]["app"].update(build="."), "Swarm ignores 'build'"),
        (lambda c: c["services"]["app"].update(restart="always"), "Swarm ignores 'restart'"),
        (lambda c: c.update(include=["other.yaml"]), "'include' does not match"),
        (
            lambda c: c["services"]["app"].update(depends_on={"db": {"condition": "x"}}),
            "is not of type 'array'",
        ),
        (
            lambda c: c["services"]["app"]["deploy"]["update_config"].update(order="first"),
            "'first' is not one of",
        ),
        (
            lambda c: c["services"]["app"]["healthcheck"].update(interval="5 seconds"),
            "is not a 'duration'",
        ),
        (lambda c: c["services"]["app"].update(replicas=2), "'replicas' does not match"),
    ],
)
def test_the_schema_checks_catch_a_file_swarm_cannot_read(all_projects, change, message):
    text = next(
        text for text in distinct(all_projects, "compose.prod.yaml")
        if "\n  proxy:" in text and "\n  db:" in text
    )  # fmt: skip
    env = environments(distinct(all_projects, "compose.prod.yaml")[text][0])["example"]
    compose = yaml.safe_load(text)
    change(compose)
    errors = errors_of(yaml.safe_dump(compose), env)
    assert any(message in error for error in errors), errors


def test_the_interpolation_is_docker_s():
    env = {"SET": "x", "EMPTY": ""}
    assert substitute("$${SET} ${SET} ${UNSET} ${EMPTY:-d} ${EMPTY-d} ${UNSET-d}", env) == (
        "${SET} x  d  d"
    )
    with pytest.raises(Unset, match="EMPTY: needed"):
        substitute("${EMPTY:?needed}", env)
    assert substitute("${EMPTY?needed}", env) == ""
    compose = {"services": {"a": {"ports": [{"published": "${P:-80}"}], "image": "${P:-80}"}}}
    assert interpolate(compose, {}) == {
        "services": {"a": {"ports": [{"published": 80}], "image": "80"}}
    }


def test_the_file_needs_the_image_and_its_tag(all_projects):
    text = next(iter(distinct(all_projects, "compose.prod.yaml")))
    with pytest.raises(Unset, match="IMAGE: set IMAGE in .env.prod"):
        interpolate(yaml.safe_load(text), {"TAG": "1"})
    with pytest.raises(Unset, match="TAG: set TAG in .env.prod"):
        interpolate(yaml.safe_load(text), {"IMAGE": "x"})


# --- Every service hardened ---------------------------------------------------------

# A secret's name in a variable; its value is then a file (NAME_FILE).
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|PRIVATE_KEY|API_KEY", re.IGNORECASE)
# A URL that carries a password: scheme://user:password@host
URL_WITH_PASSWORD = re.compile(r"://[^/@:\s]+:[^/@\s]+@")
# Who each service runs as: the app as its image's user (10001, no `user:`),
# PostgreSQL as its image's postgres; Caddy keeps its image's root (its /data
# is root's), with no capability.
USERS = {"app": None, "db": "postgres", "proxy": None, "worker": None}


def is_job(service):
    """A service nothing starts (`replicas: 0`): run by `make prod-run`."""
    return service.get("deploy", {}).get("replicas") == 0


def hardening_findings(compose):
    """What in a parsed (interpolated) production file breaks the hardening
    every service must have."""
    findings = []
    for name, service in compose["services"].items():
        deploy = service.get("deploy", {})
        checks = {
            "a read-only root filesystem": service.get("read_only") is True,
            "every capability dropped": service.get("cap_drop") == ["ALL"],
            "no-new-privileges": "no-new-privileges:true" in service.get("security_opt", []),
            "no capability added": "cap_add" not in service,
            "its expected user": service.get("user") == USERS.get(name, "missing"),
            "a healthcheck": is_job(service) or "test" in service.get("healthcheck", {}),
            "a restart policy": "condition" in deploy.get("restart_policy", {}),
            "resource limits": {"cpus", "memory", "pids"}
            <= set(deploy.get("resources", {}).get("limits", {})),
            "rotated logs": "max-size" in service.get("logging", {}).get("options", {}),
            "no Docker socket": "docker.sock" not in json.dumps(service.get("volumes", [])),
        }
        findings += [f"{name}: no {what}" for what, ok in checks.items() if not ok]
        environment = service.get("environment", {})
        for key, value in environment.items():
            if SECRET_NAME.search(key) and not key.endswith("_FILE"):
                findings.append(f"{name}: the secret {key} is a variable, not a file")
            if URL_WITH_PASSWORD.search(str(value)):
                findings.append(f"{name}: {key} holds a password")
    for name, secret in compose.get("secrets", {}).items():
        if not str(secret.get("file", "")).startswith("./secrets/"):
            findings.append(f"secret {name}: not a file in secrets/")
    return findings


@pytest.fixture(scope="module")
def production_files(all_projects):
    """[(the project, its compose.prod.yaml parsed with the example's settings)],
    one per distinct file."""
    return [
        (projects[0], interpolate(yaml.safe_load(text), environments(projects[0])["example"]))
        for text, projects in distinct(all_projects, "compose.prod.yaml").items()
    ]


def test_every_service_is_non_root_read_only_without_capabilities_and_watched(
    production_files,
):
    services = set()
    for project, compose in production_files:
        assert hardening_findings(compose) == [], project
        services |= set(compose["services"])
        for name in {"app", "worker"} & set(compose["services"]):
            volumes = compose["services"][name]["volumes"]
            assert {"type": "tmpfs", "target": "/tmp"} in volumes, (project, name)
    assert services == {"app", "db", "proxy", "worker"}


@pytest.mark.parametrize(
    ("service", "change", "finding"),
    [
        ("app", lambda s: s.update(read_only=False), "app: no a read-only root filesystem"),
        ("app", lambda s: s.update(user="0"), "app: no its expected user"),
        ("db", lambda s: s.pop("user"), "db: no its expected user"),
        ("proxy", lambda s: s.update(cap_drop=["NET_RAW"]), "proxy: no every capability"),
        ("proxy", lambda s: s.update(cap_add=["NET_ADMIN"]), "proxy: no no capability added"),
        ("db", lambda s: s.update(security_opt=[]), "db: no no-new-privileges"),
        ("app", lambda s: s.pop("healthcheck"), "app: no a healthcheck"),
        ("worker", lambda s: s.pop("healthcheck"), "worker: no a healthcheck"),
        ("worker", lambda s: s.update(user="0"), "worker: no its expected user"),
        ("worker", lambda s: s.update(read_only=False), "worker: no a read-only root"),
        ("db", lambda s: s["deploy"].pop("restart_policy"), "db: no a restart policy"),
        ("app", lambda s: s["deploy"]["resources"]["limits"].pop("pids"), "app: no resource"),
        (
            "db",
            lambda s: s["environment"].update(POSTGRES_PASSWORD="x"),
            "db: the secret POSTGRES_PASSWORD is a variable",
        ),
        (
            "app",
            lambda s: s["environment"].update(DATABASE_URL="postgresql://app:pw@db/x"),
            "app: DATABASE_URL holds a password",
        ),
        (
            "app",
            lambda s: s["volumes"].append("/var/run/docker.sock:/var/run/docker.sock"),
            "app: no no Docker socket",
        ),
    ],
)
def test_the_hardening_check_catches_each_weakening(production_files, service, change, finding):
    compose = next(
        c for _, c in production_files if {"db", "proxy", "worker"} <= set(c["services"])
    )
    compose = json.loads(json.dumps(compose))  # a copy
    assert hardening_findings(compose) == []
    change(compose["services"][service])
    findings = hardening_findings(compose)
    assert len(findings) == 1 and findings[0].startswith(finding), findings


# --- One host and Swarm: the app's rollout, the database, the proxy ----------------


def rollout_findings(compose):
    """What breaks the layout docs/deploy.md describes."""
    findings = []
    services = compose["services"]
    app = services["app"]
    deploy = app["deploy"]
    if "proxy" in services:  # a web app
        update, rollback = deploy.get("update_config", {}), deploy.get("rollback_config", {})
        if deploy.get("replicas", 1) < 2:
            findings.append("app: fewer than 2 replicas")
        if (update.get("order"), update.get("failure_action")) != ("start-first", "rollback"):
            findings.append("app: an update does not start first and roll back on failure")
        if update.get("parallelism") != 1 or rollback.get("order") != "start-first":
            findings.append("app: no one-at-a-time update and start-first rollback")
        for name in ("app", "proxy"):
            if services[name]["deploy"].get("endpoint_mode") != "dnsrr":
                findings.append(f"{name}: a virtual IP (no IPVS here, and none needed)")
        if any(port.get("mode") != "host" for port in services["proxy"]["ports"]):
            findings.append("proxy: a port on the routing mesh")
    elif not is_job(app) or deploy.get("restart_policy") != {"condition": "none"}:
        findings.append("app: a cli app that runs by itself")
    if "db" in services:
        db = services["db"]
        if db["deploy"].get("replicas", 1) != 1 or db["deploy"]["update_config"] != {
            "order": "stop-first"
        }:
            findings.append("db: not one server, stopped before its replacement starts")
        if "db-data:/var/lib/postgresql" not in db["volumes"]:
            findings.append("db: no data volume")
        if not db["deploy"].get("placement", {}).get("constraints"):
            findings.append("db: may move away from its volume")
        if "migrate --wait" not in " ".join(app.get("entrypoint", [])):
            findings.append("app: starts without migrating")
    if "worker" in services:
        worker = services["worker"]
        update = worker["deploy"].get("update_config", {})
        if worker["deploy"].get("replicas", 1) < 2:
            findings.append("worker: fewer than 2 replicas")
        if (update.get("order"), update.get("failure_action")) != ("start-first", "rollback"):
            findings.append("worker: an update does not start first and roll back on failure")
        if "migrate --wait" not in " ".join(worker.get("entrypoint", [])):
            findings.append("worker: starts without migrating")
        if worker.get("stop_grace_period") != "30s" or worker.get("init") is not True:
            findings.append("worker: a stop does not wait 30 s for the running job")
    return findings


def test_the_app_rolls_out_one_task_at_a_time_and_back_and_the_database_stays_put(
    production_files,
):
    for project, compose in production_files:
        assert rollout_findings(compose) == [], project


@pytest.mark.parametrize(
    ("path", "value", "finding"),
    [
        ("app.deploy.replicas", 1, "app: fewer than 2 replicas"),
        ("app.deploy.update_config.order", "stop-first", "app: an update does not start"),
        ("app.deploy.update_config.failure_action", "pause", "app: an update does not start"),
        ("app.deploy.rollback_config.order", "stop-first", "app: no one-at-a-time"),
        ("app.deploy.endpoint_mode", "vip", "app: a virtual IP"),
        ("proxy.ports.0.mode", "ingress", "proxy: a port on the routing mesh"),
        ("db.deploy.replicas", 2, "db: not one server"),
        ("db.deploy.update_config.order", "start-first", "db: not one server"),
        ("app.entrypoint", ["sh"], "app: starts without migrating"),
        ("worker.deploy.replicas", 1, "worker: fewer than 2 replicas"),
        ("worker.deploy.update_config.order", "stop-first", "worker: an update does not"),
        ("worker.entrypoint", ["sh"], "worker: starts without migrating"),
        ("worker.stop_grace_period", "10s", "worker: a stop does not wait"),
    ],
)
def test_the_rollout_check_catches_each_change(production_files, path, value, finding):
    compose = next(
        c for _, c in production_files if {"db", "proxy", "worker"} <= set(c["services"])
    )
    compose = json.loads(json.dumps(compose))
    *parents, last = path.split(".")
    node = compose["services"]
    for key in parents:
        node = node[int(key)] if key.isdigit() else node[key]
    node[int(last) if last.isdigit() else last] = value
    findings = rollout_findings(compose)
    assert len(findings) == 1 and findings[0].startswith(finding), findings


def test_the_example_lists_every_setting_the_file_reads(all_projects):
    for text, projects in distinct(all_projects, "compose.prod.yaml").items():
        read = set(re.findall(r"\$\{(\w+)", text)) - SCRIPT_SET
        listed = set(settings_of(str(projects[0])))
        # STACK names the compose project or stack: the script reads it.
        assert read <= listed and listed - read <= {"STACK"}, projects[0]


def test_deploy_none_generates_none_of_it(all_projects):
    for answers in COMBINATIONS:
        project = all_projects[combination_id(answers)]
        wanted = answers["deploy"] in DEPLOYED
        for relative in DEPLOY_FILES:
            assert (project / relative).exists() == wanted, (project, relative)
        # deploy/: the Caddyfile (web), the Kubernetes manifests (kubernetes).
        assert (project / "deploy").exists() == (
            wanted and (answers["app_type"] == "web" or answers["deploy"] == "kubernetes")
        )
        ignored = (project / ".gitignore").read_text(encoding="utf-8").splitlines()
        assert ("secrets/" in ignored and "!.env.prod.example" in ignored) == wanted
        docker_ignored = (project / ".dockerignore").read_text(encoding="utf-8").splitlines()
        assert ("secrets" in docker_ignored) == wanted
        readme = (project / "README.md").read_text(encoding="utf-8")
        assert ("(docs/deploy.md)" in readme) == wanted
        ci = project / ".github" / "workflows" / "ci.yml"
        if ci.exists():
            assert ("workflow_call" in ci.read_text(encoding="utf-8")) == wanted
        assert (project / ".github" / "workflows" / "publish.yml").exists() == (
            wanted and answers["use_github_actions"]
        )


# --- No secret value in a generated file ----------------------------------------

# `NAME: value` or `NAME=value` where NAME names a secret.
SECRET_SETTING = re.compile(
    r"""(?P<name>[\w-]*(?:PASSWORD|SECRET|TOKEN|PRIVATE_KEY|API_KEY)[\w-]*)["']?[ \t]*[:=][ \t]*"""
    r"""(?P<value>[^\n#,)@]*)""",
    re.IGNORECASE,
)
# A workflow's permission (`id-token: write`) or a flag (`hide_password=True`)
# holds no secret.
NOT_SECRETS = {"read", "write", "none", "True", "False", "true", "false"}
# A Kubernetes manifest names a Secret (`secretName: app-database`): its value
# is in the cluster, never in the file.
NAMES_A_SECRET = {"secretName"}
# What a secret setting may hold: a reference, never a value: a variable
# (`${NAME}`, `${NAME:?message}`; a default would be a value), a secret file, a
# GitHub secret or the workflow's own token.
REFERENCE = re.compile(
    r"""["']?(\$\{\w+(:?\?[^}]*)?\}|\$\w+|/run/secrets/\w+"""
    r"""|\$\{\{ *(secrets\.\w+|github\.token)( *\|\| *(secrets\.\w+|github\.token))* *\}\})?["']?"""
)
# The development database's default password, in compose.yaml and its docs:
# local to the machine, never in production (compose.prod.yaml reads a file).
DEVELOPMENT_ONLY = "dev-only-password"


def secret_values(relative, text):
    """The secret settings of a file that hold a value."""
    found = []
    for match in SECRET_SETTING.finditer(text):
        if "#" in text[text.rfind("\n", 0, match.start()) + 1 : match.start()]:
            continue  # in a comment
        value = match["value"].strip().strip("`")
        if relative.endswith(".py") and not value.startswith(("'", '"')):
            continue  # Python: only a string literal is a value
        if not value or REFERENCE.fullmatch(value) or value in NOT_SECRETS:
            continue
        if match["name"].upper().endswith("_FILE") or match["name"] in NAMES_A_SECRET:
            continue
        if DEVELOPMENT_ONLY in value and not relative.startswith(tuple(DEPLOY_FILES)):
            continue
        found.append(f"{relative}: {match[0]}")
    return found


def test_no_generated_file_holds_a_secret_value(all_projects):
    """Every file of every bake but the project's own tests (whose fixtures are
    made up): a password, token or key is a reference to a variable, a secret
    file or a GitHub secret, never a value."""
    checked = 0
    for project in all_projects.values():
        for path in sorted(project.rglob("*")):
            relative = path.relative_to(project).as_posix()
            if path.is_dir() or relative.startswith("tests/"):
                continue
            assert secret_values(relative, path.read_text(encoding="utf-8")) == [], relative
            checked += 1
    assert checked > 1000


@pytest.mark.parametrize(
    ("relative", "text", "caught"),
    [
        ("compose.prod.yaml", "      POSTGRES_PASSWORD: hunter2\n", True),
        ("compose.prod.yaml", "      POSTGRES_PASSWORD: dev-only-password\n", True),
        ("compose.prod.yaml", "      POSTGRES_PASSWORD_FILE: /run/secrets/db\n", False),
        ("compose.prod.yaml", "      DATABASE_PASSWORD: ${DATABASE_PASSWORD}\n", False),
        (".env.prod.example", "DATABASE_PASSWORD=s3cret\n", True),
        (".env.prod.example", "API_KEY=\n", False),
        (".env.prod.example", "# the password: in secrets/password\n", False),
        (".github/workflows/publish.yml", "password: ${{ github.token }}\n", False),
        (".github/workflows/publish.yml", "password: ghp_abc123\n", True),
        (".github/workflows/publish.yml", "      id-token: write\n", False),
        (".github/workflows/publish.yml", "      GH_TOKEN: ${{ secrets.DEPLOY }}\n", False),
        ("compose.prod.yaml", "      API_KEY: ${API_KEY:-abc123}\n", True),
        ("compose.yaml", "POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-dev-only-password}\n", False),
        ("src/p/settings.py", "    password = setting(name)\n", False),
        ("src/p/settings.py", 'API_TOKEN = "abc123"\n', True),
        ("deploy/k8s/base/app.yaml", "            secretName: app-database\n", False),
        ("deploy/k8s/base/app.yaml", "          SECRET_KEY: abc123\n", True),
    ],
)
def test_the_secret_check_catches_a_value(relative, text, caught):
    assert bool(secret_values(relative, text)) == caught


# --- docs/deploy.md quotes only make targets and workflow steps ------------------

# A command in the docs: a line of a ```sh block, or a code span starting with
# one of these words.
COMMAND_WORDS = (
    "make", "docker", "kubectl", "git", "gh", "sh", "bash", "curl", "ssh", "scp", "cp",
    "mv", "echo", "export", "cd", "sudo", "python", "python3", "pip", "uv", "openssl",
)  # fmt: skip


def quoted_commands(markdown):
    blocks = re.findall(r"```(?:sh|shell|console)\n(.*?)```", markdown, flags=re.DOTALL)
    lines = [line.strip() for block in blocks for line in block.splitlines() if line.strip()]
    prose = re.sub(r"```.*?```", "", markdown, flags=re.DOTALL)
    spans = [span.strip() for span in re.findall(r"`([^`\n]+)`", prose)]
    return lines + [
        span for span in spans if span.split(" ", 1)[0] in COMMAND_WORDS and " " in span
    ]


def make_targets(project):
    makefiles = [project / "Makefile", *sorted((project / "make").glob("*.mk"))]
    text = "\n".join(path.read_text(encoding="utf-8") for path in makefiles if path.exists())
    return set(re.findall(r"^([a-z][a-z-]*):", text, flags=re.MULTILINE))


def workflow_steps(project):
    steps = set()
    for path in (project / ".github" / "workflows").glob("*.yml"):
        for job in yaml.safe_load(path.read_text(encoding="utf-8"))["jobs"].values():
            steps |= {step["run"].strip() for step in job.get("steps", []) if "run" in step}
    return steps


def unknown_commands(markdown, targets, steps):
    """The commands quoted that are neither `make <target> [VAR=value...]` nor a
    workflow step's command."""
    unknown = []
    for command in quoted_commands(markdown):
        words = command.split()
        a_target = words[0] == "make" and len(words) > 1 and words[1] in targets
        if a_target and all("=" in word for word in words[2:]):
            continue
        if command not in steps:
            unknown.append(command)
    return unknown


def test_every_command_docs_deploy_quotes_is_a_make_target_or_a_workflow_step(all_projects):
    quoted = 0
    for text, projects in distinct(all_projects, "docs/deploy.md").items():
        for project in projects:
            commands = quoted_commands(text)
            quoted += len(commands)
            assert unknown_commands(text, make_targets(project), workflow_steps(project)) == [], (
                project
            )
    assert quoted > 20


def test_the_docs_check_catches_a_command_that_is_neither(all_projects):
    project = next(project for project in deployed(all_projects) if (project / ".github").exists())
    targets, steps = make_targets(project), workflow_steps(project)
    good = "Run `make deploy`, or `make stack-deploy DOCKER_HOST=ssh://x`.\n"
    assert unknown_commands(good, targets, steps) == []
    for bad in (
        "Then `docker stack deploy -c compose.prod.yaml app`.",
        "```sh\nmake deploy\ndocker compose -f compose.prod.yaml up -d\n```",
        "Run `make deploy-now`.",
        "Run `make deploy && rm -rf /`.",
    ):
        assert unknown_commands(bad, targets, steps), bad


# --- The values other deploy files must agree with -------------------------------


def test_the_shared_values_are_the_file_s_and_the_image_s(all_projects):
    """docs/deploy.md's table of the values compose.prod.yaml shares (with the
    Kubernetes manifests) says what the file and the Dockerfile hold."""
    for project in deployed(all_projects):
        docs = (project / "docs" / "deploy.md").read_text(encoding="utf-8")
        table = dict(re.findall(r"^\| ([a-z ]+) \| (.+) \|$", docs, flags=re.MULTILINE))
        compose = yaml.safe_load((project / "compose.prod.yaml").read_text(encoding="utf-8"))
        app = compose["services"]["app"]
        assert "USER 10001:10001" in (project / "Dockerfile").read_text(encoding="utf-8")
        assert "uid 10001" in table["user"] and "user" not in app
        assert table["root filesystem"].startswith("read-only") and app["read_only"] is True
        assert app["image"].startswith("${IMAGE:?") and "`IMAGE:TAG`" in table["image"]
        if "healthcheck" in app:
            port, path = re.search(
                r"127\.0\.0\.1:(\d+)(/\w+)", app["healthcheck"]["test"][-1]
            ).groups()
            assert (table["container port"], table["health path"]) == (port, f"`{path}`")
        if "db" in compose["services"]:
            for name in app["environment"]:
                if name.startswith("DATABASE_"):
                    assert f"`{name}`" in table["settings"], name
