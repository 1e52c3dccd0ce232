"""`deploy=kubernetes` on every bake of the design that has it (conftest.COMBINATIONS,
baked once by ``all_projects``). Each distinct deploy/k8s/ tree is rendered once per
overlay with `kubectl kustomize` (and a cli project's with its commented CronJob
uncommented), then:

- every rendered document passes `kubernetes-validate --strict` (its bundled
  schemas, no network) for the oldest and the newest Kubernetes docs/deploy.md
  names;
- every pod spec is hardened: non-root as the image's uid, read-only with /tmp
  an emptyDir, no privilege escalation, every capability dropped, the
  runtime's seccomp profile, requests and limits; a web app's probes;
- the overlays: staging and production, the tag, replicas, resources, a rolling
  update that never has fewer pods ready, no Secret in the repository;
- parity with compose.prod.yaml (read with .env.prod.example's settings): the
  image, command, migrations, container port, health path, uid, the settings'
  names and read-only-ness agree, and the uid is the Dockerfile's;
- scripts/cluster.sh passes shellcheck, and does what docs/deploy.md says
  against a stand-in kubectl that renders with the real one.

Each check is shown to catch what it is for, on a broken copy re-rendered by
kubectl: a wrong port, a missing probe, `runAsNonRoot: false` and more.
Without kubectl the tests skip, saying so; with CI or REQUIRE_DOCKER=1 set they
fail instead. No Docker and no cluster: what only a cluster can show (a real
rollout, the Secret, the migrations in an init container) is not proven here."""

import functools
import json
import os
import re
import shutil
import textwrap
from pathlib import Path

import kubernetes_validate
import kubernetes_validate.utils
import pytest
import yaml

from conftest import COMBINATIONS, combination_id, tool
from helpers import TEMPLATE, run

# The oldest and the newest Kubernetes docs/deploy.md says the manifests are
# valid for (kubernetes-validate bundles the schemas of 1.25 to 1.37).
VERSIONS = ("1.30", "1.37")
OVERLAYS = ("staging", "production")
SLUG = "my-cool-project"
WORKER = f"{SLUG}-worker"  # the worker's Deployment (worker=procrastinate)
UID = 10001
# Where each kind keeps its pod spec.
POD_SPEC = {
    "Deployment": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}
KINDS = {
    "web": ["ConfigMap", "Service", "Deployment", "PodDisruptionBudget"],
    "cli": ["ConfigMap", "Job"],
}
# A setting compose.prod.yaml gives the app that the cluster does not: the
# password of compose's own database (in the cluster, the URL carries it).
COMPOSE_ONLY = {"DATABASE_PASSWORD"}


@pytest.fixture(scope="module")
def kubectl():
    found = shutil.which("kubectl")
    if not found:
        reason = "kubectl (its kustomize renders the manifests) is not on PATH"
        if os.environ.get("CI") or os.environ.get("REQUIRE_DOCKER") == "1":
            pytest.fail(f"{reason} (CI must run these tests)")
        pytest.skip(reason)
    return found


def render(kubectl, overlay):
    """The documents `kubectl kustomize` makes of an overlay directory."""
    return [doc for doc in yaml.safe_load_all(run([kubectl, "kustomize", overlay]).stdout) if doc]


def k8s_tree(project):
    """Every file under deploy/k8s/, with its text: equal trees render alike."""
    root = project / "deploy" / "k8s"
    return tuple(
        (path.relative_to(root).as_posix(), path.read_text(encoding="utf-8"))
        for path in sorted(root.rglob("*"))
        if path.is_file()
    )


def kubernetes_projects(all_projects):
    return [
        (all_projects[combination_id(answers)], answers)
        for answers in COMBINATIONS
        if answers["deploy"] == "kubernetes"
    ]


def uncomment_cronjob(text):
    """base/app.yaml of a cli project with its CronJob example uncommented, as
    its comment says (from `# ---` on)."""
    head, example = text.split("\n# ---\n")
    lines = [
        line[2:] if line.startswith("# ") else line.lstrip("#") for line in example.splitlines()
    ]
    return f"{head}\n---\n" + "\n".join(lines) + "\n"


class Tree:
    """One distinct deploy/k8s/ tree: a project that has it, its answers, and
    {overlay: rendered documents} (a cli project's also "cronjob": production
    with the CronJob example uncommented, in the copy ``cronjob``)."""

    def __init__(self, project, answers, rendered, cronjob=None):
        self.project, self.answers, self.rendered = project, answers, rendered
        self.cronjob = cronjob

    @property
    def web(self):
        return self.answers["app_type"] == "web"


@pytest.fixture(scope="module")
def trees(all_projects, kubectl, tmp_path_factory):
    found = {}
    for project, answers in kubernetes_projects(all_projects):
        found.setdefault(k8s_tree(project), (project, answers))
    result = []
    for project, answers in found.values():
        overlays = project / "deploy" / "k8s" / "overlays"
        rendered = {name: render(kubectl, overlays / name) for name in OVERLAYS}
        copy = None
        if answers["app_type"] == "cli":
            copy = tmp_path_factory.mktemp("cronjob") / "k8s"
            shutil.copytree(project / "deploy" / "k8s", copy)
            app = copy / "base" / "app.yaml"
            app.write_text(uncomment_cronjob(app.read_text(encoding="utf-8")), encoding="utf-8")
            rendered["cronjob"] = render(kubectl, copy / "overlays" / "production")
        result.append(Tree(project, answers, rendered, copy))
    return result


def test_the_trees_are_one_per_app_type_database_and_worker(trees):
    assert sorted(
        (t.answers["app_type"], t.answers["database"], t.answers["worker"]) for t in trees
    ) == [
        ("cli", "none", "none"), ("cli", "postgres", "none"), ("cli", "postgres", "procrastinate"),
        ("web", "none", "none"), ("web", "postgres", "none"), ("web", "postgres", "procrastinate"),
    ]  # fmt: skip


# --- The schemas ------------------------------------------------------------------


@pytest.fixture(scope="module")
def validate():
    """kubernetes-validate's ``validate``, strict, as a list of errors; each schema
    file read once per run rather than once per document."""
    utils = kubernetes_validate.utils
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(utils, "schema_contents", functools.cache(utils.schema_contents))

        def errors(document, version):
            try:
                kubernetes_validate.validate(document, version, strict=True)
            except kubernetes_validate.ValidationError as error:
                where = ".".join(map(str, error.path))
                return [f"{document['kind']} {where}: {error.message} ({version})"]
            except kubernetes_validate.SchemaNotFoundError as error:
                return [error.message]  # the command line only warns: here it fails
            return []

        yield errors


def test_every_overlay_renders_and_passes_the_schemas_strictly(trees, validate):
    checked = 0
    for tree in trees:
        for name, documents in tree.rendered.items():
            expected = KINDS["web" if tree.web else "cli"] + ["CronJob"] * (name == "cronjob")
            expected += ["Deployment"] * (tree.answers["worker"] == "procrastinate")
            assert sorted(doc["kind"] for doc in documents) == sorted(expected), tree.project
            for version in VERSIONS:
                for document in documents:
                    assert validate(document, version) == [], (tree.project, name)
                    checked += 1
    # web: 4 documents per overlay; cli: 2, and 3 with the CronJob; the worker's
    # Deployment one more in each render of its two trees (web and cli + postgres).
    assert checked == len(VERSIONS) * (3 * 2 * 4 + 3 * (2 * 2 + 3) + (2 + 3))


# --- Every pod hardened -----------------------------------------------------------


def dig(node, *path, default=None):
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return default
        node = node[key]
    return node


def pod_specs(documents):
    """[(kind/name, pod spec)] of every document that runs pods."""
    return [
        (f"{doc['kind']}/{doc['metadata']['name']}", dig(doc, *POD_SPEC[doc["kind"]]))
        for doc in documents
        if doc["kind"] in POD_SPEC
    ]


def containers(spec):
    return spec.get("initContainers", []) + spec.get("containers", [])


def container_findings(where, container, pod, volumes):
    own = container.get("securityContext", {})

    def effective(key):
        return own.get(key, pod.get(key))

    checks = {
        "runAsNonRoot": effective("runAsNonRoot") is True,
        f"the image's uid {UID}": effective("runAsUser") == UID,
        "readOnlyRootFilesystem": own.get("readOnlyRootFilesystem") is True,
        "allowPrivilegeEscalation: false": own.get("allowPrivilegeEscalation") is False,
        "capability: all dropped, none added": dig(own, "capabilities", "drop") == ["ALL"]
        and not dig(own, "capabilities", "add"),
        "privileged: false": not own.get("privileged"),
        "seccompProfile RuntimeDefault": dig(effective("seccompProfile"), "type")
        == "RuntimeDefault",
        "requests and limits": all(
            dig(container, "resources", kind, resource)
            for kind in ("requests", "limits")
            for resource in ("cpu", "memory")
        ),
        "emptyDir at /tmp": any(
            mount["mountPath"] == "/tmp" and "emptyDir" in volumes.get(mount["name"], {})
            for mount in container.get("volumeMounts", [])
        ),
    }
    return [f"{where} {container['name']}: no {what}" for what, ok in checks.items() if not ok]


def pod_findings(documents, web):
    """What in rendered documents breaks the hardening every pod must have, the
    probes of a web app, and the worker's liveness probe."""
    findings = []
    for where, spec in pod_specs(documents):
        pod = spec.get("securityContext", {})
        volumes = {volume["name"]: volume for volume in spec.get("volumes", [])}
        findings += [
            f"{where}: {key}" for key in ("hostNetwork", "hostPID", "hostIPC") if spec.get(key)
        ]
        findings += [f"{where}: a hostPath volume" for v in volumes.values() if "hostPath" in v]
        if spec.get("automountServiceAccountToken") is not False:
            findings.append(f"{where}: mounts an API token")
        for container in containers(spec):
            findings += container_findings(where, container, pod, volumes)
        if web and where.endswith(f"/{SLUG}"):
            findings += [
                f"{where} {container['name']}: no {probe}"
                for container in spec["containers"]
                for probe in ("readinessProbe", "livenessProbe")
                if not dig(container, probe, "httpGet", "path")
            ]
        if where.endswith(f"/{WORKER}"):
            findings += [
                f"{where} {container['name']}: no livenessProbe"
                for container in spec["containers"]
                if not dig(container, "livenessProbe", "exec", "command")
            ]
    return findings


def test_every_pod_is_non_root_read_only_without_capabilities_and_limited(trees):
    pods = 0
    for tree in trees:
        for name, documents in tree.rendered.items():
            assert pod_findings(documents, tree.web) == [], (tree.project, name)
            pods += len(pod_specs(documents))
    # The app's workload in each overlay of the 6 trees, the CronJob beside a
    # Job (3 cli trees), and the worker's Deployment in each render of its 2 trees.
    assert pods == 6 * 2 + 3 * 2 + (2 + 3)


# --- The overlays -----------------------------------------------------------------


def by_kind(documents, kind):
    return [doc for doc in documents if doc["kind"] == kind]


def workload(documents):
    """The app's Deployment or Job."""
    (found,) = [
        doc
        for doc in documents
        if doc["kind"] in ("Deployment", "Job") and doc["metadata"]["name"] == SLUG
    ]
    return found


BASE_RESOURCES = {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "1", "memory": "512Mi"}}  # fmt: skip


def overlay_findings(tree):
    """What breaks the overlays docs/deploy.md describes."""
    findings = []
    namespaces = set()
    for name in OVERLAYS:
        documents = tree.rendered[name]
        namespaces |= {doc["metadata"].get("namespace") for doc in documents}
        if by_kind(documents, "Secret"):
            findings.append(f"{name}: a Secret in the repository")
        app = workload(documents)
        if dig(app, *POD_SPEC[app["kind"]], "containers")[0]["resources"] == BASE_RESOURCES:
            findings.append(f"{name}: the base's resources")
        if not tree.web:
            continue
        rolling = dig(app, "spec", "strategy", "rollingUpdate", default={})
        if rolling.get("maxUnavailable") != 0 or not rolling.get("maxSurge"):
            findings.append(f"{name}: a rolling update may have fewer pods ready")
        if name == "production" and app["spec"].get("replicas", 1) < 2:
            findings.append("production: fewer than 2 replicas")
        (budget,) = by_kind(documents, "PodDisruptionBudget")
        labels = app["spec"]["template"]["metadata"]["labels"]
        selected = budget["spec"]["selector"]["matchLabels"]
        if budget["spec"].get("maxUnavailable") != 1 or selected.items() - labels.items():
            findings.append(f"{name}: no budget of one pod at a time for the app's pods")
    if len(namespaces) != len(OVERLAYS) or None in namespaces:
        findings.append(f"the overlays share a namespace: {sorted(map(str, namespaces))}")
    return findings


def test_staging_and_production_are_the_environments_docs_deploy_describes(trees):
    for tree in trees:
        assert overlay_findings(tree) == [], tree.project
    staging, production = (workload(trees[-1].rendered[name]) for name in OVERLAYS)
    assert (staging["spec"]["replicas"], production["spec"]["replicas"]) == (1, 2)


def test_each_overlay_sizes_a_cli_project_s_uncommented_cronjob_as_its_job(trees, kubectl):
    """The base's nightly CronJob, uncommented, gets each overlay's resources, as
    the Job does, not the base's."""
    for tree in (tree for tree in trees if not tree.web):
        k8s = tree.cronjob
        app = k8s / "base" / "app.yaml"
        base = [doc for doc in yaml.safe_load_all(app.read_text(encoding="utf-8")) if doc]
        (job,) = by_kind(base, "Job")
        sized = {"base": dig(job, *POD_SPEC["Job"])["containers"][0]["resources"]}
        for overlay in OVERLAYS:
            resources = {
                doc["kind"]: dig(doc, *POD_SPEC[doc["kind"]])["containers"][0]["resources"]
                for doc in render(kubectl, k8s / "overlays" / overlay)
                if doc["kind"] in ("Job", "CronJob")
            }
            assert resources["CronJob"] == resources["Job"], (tree.project, overlay, resources)
            sized[overlay] = resources["Job"]
        assert len({json.dumps(value, sort_keys=True) for value in sized.values()}) == 3, sized


# --- Parity with compose.prod.yaml ------------------------------------------------

VARIABLE = re.compile(r"\$\{(\w+)(?:(:?[-?])([^}]*))?\}")


def compose_app(project, service="app"):
    """compose.prod.yaml's ``service``, its variables set from .env.prod.example
    (the defaults where it has none), as `docker compose` reads it."""
    example = (project / ".env.prod.example").read_text(encoding="utf-8")
    settings = dict(line.split("=", 1) for line in example.splitlines() if re.match(r"\w+=", line))

    def value(match):
        name, operator, argument = match.groups()
        if settings.get(name):
            return settings[name]
        assert not (operator or "").endswith("?"), f"{name}: {argument}"
        return argument or ""

    def substitute(node):
        if isinstance(node, dict):
            return {key: substitute(item) for key, item in node.items()}
        if isinstance(node, list):
            return [substitute(item) for item in node]
        return VARIABLE.sub(value, node.replace("$$", "$")) if isinstance(node, str) else node

    compose = yaml.safe_load((project / "compose.prod.yaml").read_text(encoding="utf-8"))
    return substitute(compose["services"][service])


def image_user(project):
    """(uid, gid) of the Dockerfile's prod stage."""
    text = (project / "Dockerfile").read_text(encoding="utf-8")
    stage = re.search(
        r"^FROM \S+ AS prod\n(.*?)(?=^FROM |\Z)", text, flags=re.MULTILINE | re.DOTALL
    )[1]
    uid, gid = re.search(r"^USER (\d+):(\d+)$", stage, flags=re.MULTILINE).groups()
    return int(uid), int(gid)


def setting_name(name):
    return name.removesuffix("_FILE")


def parity_findings(app, documents, user, name=SLUG, shared=frozenset()):
    """Where the rendered manifests disagree with compose.prod.yaml's ``app`` (or
    another service, the worker: the workload ``name``, whose pods read the one
    ConfigMap, with the app's ``shared`` settings too) and the image's ``user``
    (uid, gid)."""
    findings = []
    # The workload's pods (another, a worker, has its own command).
    (spec,) = [spec for where, spec in pod_specs(documents) if where.endswith(f"/{name}")]
    (main,) = spec["containers"]
    pod = spec.get("securityContext", {})
    config = {
        key: value
        for doc in by_kind(documents, "ConfigMap")
        for key, value in doc.get("data", {}).items()
    }
    image = app["image"]
    for container in containers(spec):
        if container["image"] != image:
            findings.append(
                f"image: {container['name']} runs {container['image']}, compose {image}"
            )
    if main.get("command", []) + main.get("args", []) != app["command"]:
        findings.append(
            f"command: {main.get('command')} {main.get('args', '')}, compose {app['command']}"
        )
    # Migrations: compose runs them before the app in its entrypoint; here an init container.
    migrate = re.search(r"(\S+ migrate --wait \d+)", " ".join(app.get("entrypoint", [])))
    commands = [" ".join(c["command"]) for c in spec.get("initContainers", [])]
    if commands != ([migrate[1]] if migrate else []):
        findings.append(f"migrations: init containers {commands}, compose {migrate and migrate[1]}")
    # The port and the health path compose's healthcheck asks.
    health = re.search(r"127\.0\.0\.1:(\d+)(/[\w/]*)", json.dumps(app.get("healthcheck", {})))
    ports = {port["name"]: port["containerPort"] for port in main.get("ports", [])}
    port, path = (int(health[1]), health[2]) if health else (None, None)
    if sorted(ports.values()) != ([port] if port else []):
        findings.append(f"container port: {sorted(ports.values())}, compose {port}")
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        get = dig(main, probe, "httpGet")
        if get and (ports.get(get["port"], get["port"]), get["path"]) != (port, path):
            findings.append(f"{probe}: {get['port']}{get['path']}, compose {port}{path}")
    # A healthcheck that runs a command (the worker's): the same command, alive.
    check = app.get("healthcheck", {}).get("test", [])
    alive = dig(main, "livenessProbe", "exec", "command")
    if check[:1] == ["CMD"] and not health and alive != check[1:]:
        findings.append(f"livenessProbe: {alive}, compose {check}")
    # The Services in front of these pods (none for the worker's).
    (workload_doc,) = [
        doc for doc in documents if doc["kind"] in POD_SPEC and doc["metadata"]["name"] == name
    ]
    labels = dig(workload_doc, "spec", "template", "metadata", "labels", default={})
    for service in by_kind(documents, "Service"):
        if service["spec"]["selector"].items() - labels.items():
            continue
        for entry in service["spec"]["ports"]:
            target = ports.get(entry["targetPort"], entry["targetPort"])
            if target != port:
                findings.append(f"Service port {entry['port']}: to {target}, compose {port}")
    # The user: the image's, which compose leaves alone.
    if "user" in app or (pod.get("runAsUser"), pod.get("runAsGroup")) != user:
        findings.append(f"user: {pod.get('runAsUser')}:{pod.get('runAsGroup')}, image {user}")
    # The settings: the same names (NAME or NAME_FILE), the same values when not secret.
    names = {setting_name(env["name"]) for env in main.get("env", [])}
    if main.get("envFrom"):
        names |= {setting_name(key) for key in config}
    composed = {setting_name(key) for key in app.get("environment", {})} - COMPOSE_ONLY
    if composed - names or names - composed - shared:
        findings.append(f"settings: {sorted(names)}, compose {sorted(composed)}")
    for key, value in app.get("environment", {}).items():
        if key in config and not key.endswith("_FILE") and config[key] != str(value):
            findings.append(f"setting {key}: {config[key]!r}, compose {value!r}")
    # Read-only, /tmp the one place written; a secret's file in a secret volume.
    tmp = {"type": "tmpfs", "target": "/tmp"} in app.get("volumes", [])
    for container in containers(spec):
        writable = not dig(container, "securityContext", "readOnlyRootFilesystem")
        mounts = {mount["mountPath"] for mount in container.get("volumeMounts", [])}
        if writable != (app.get("read_only") is not True) or ("/tmp" in mounts) != tmp:
            findings.append(
                f"read-only: {container['name']} {'writable' if writable else 'read-only'}"
            )
    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    secret_dirs = {
        mount["mountPath"] for mount in main.get("volumeMounts", [])
        if "secret" in volumes.get(mount["name"], {})
    }  # fmt: skip
    for key, value in config.items():
        if key.endswith("_FILE") and str(Path(value).parent) not in secret_dirs:
            findings.append(f"setting {key}: {value} is not a Secret's file")
    return findings


def settings(app):
    """The names of the settings compose.prod.yaml gives ``app``."""
    return {setting_name(key) for key in app.get("environment", {})}


@pytest.fixture(scope="module")
def compose_values(trees):
    """{tree's project: (compose.prod.yaml's app, the image's user)}."""
    return {tree.project: (compose_app(tree.project), image_user(tree.project)) for tree in trees}


def test_the_manifests_agree_with_compose_prod_yaml(trees, compose_values):
    """The image, command, migrations, container port, health path, user,
    settings and read-only-ness, in every overlay of every tree; the same for
    the worker and compose's `worker`, with its liveness command."""
    workers = 0
    for tree in trees:
        app, user = compose_values[tree.project]
        assert user == (UID, UID)
        assert app["image"] == f"ghcr.io/OWNER/{SLUG}:0.1.0"
        worker = tree.answers["worker"] == "procrastinate"
        for name, documents in tree.rendered.items():
            if name != "cronjob":
                assert parity_findings(app, documents, user) == [], (tree.project, name)
            has_worker = any(where.endswith(f"/{WORKER}") for where, _ in pod_specs(documents))
            assert has_worker == worker, (tree.project, name)
            if worker:
                service = compose_app(tree.project, "worker")
                found = parity_findings(service, documents, user, WORKER, settings(app))
                assert found == [], (tree.project, name)
                workers += 1
    assert workers == 2 * 2 + 1  # both overlays of the 2 worker trees, and the CronJob's


def web_postgres_worker(trees):
    """The tree with the most to check: web, postgres and the worker."""
    (tree,) = [t for t in trees if t.web and t.answers["worker"] == "procrastinate"]
    return tree


def test_the_parity_check_sees_each_value(trees, compose_values):
    """Each value it compares is there to compare: a web app's port and health
    path, a database's settings and migrations; the worker's liveness command."""
    tree = web_postgres_worker(trees)
    app, user = compose_values[tree.project]
    documents = tree.rendered["production"]
    changes = {
        "image": ("image", "ghcr.io/OWNER/other:0.1.0"),
        "command": ("command", [SLUG]),
        "migrations": ("entrypoint", []),
        "container port": ("healthcheck", {"test": ["CMD", "http://127.0.0.1:9/health"]}),
        "user": ("user", "0"),
        "settings": ("environment", {"OTHER": "x"}),
        "read-only": ("read_only", False),
    }
    for finding, (key, value) in changes.items():
        found = parity_findings({**app, key: value}, documents, user)
        assert any(line.startswith(finding) for line in found), (finding, found)
    worker = compose_app(tree.project, "worker")
    for finding, (key, value) in {
        "command": ("command", [SLUG, "worker", "--reload"]),
        "livenessProbe": ("healthcheck", {"test": ["CMD", "python", "-c", "pass"]}),
        "migrations": ("entrypoint", []),
    }.items():
        found = parity_findings({**worker, key: value}, documents, user, WORKER, settings(app))
        assert any(line.startswith(finding) for line in found), (finding, found)


# --- Each check catches what it is for, on a broken copy ------------------------


def broken(tree, kubectl, tmp_path, relative, old, new, overlay="production"):
    """The overlay ``overlay`` rendered from a copy of the tree with ``old``
    replaced by ``new`` in deploy/k8s/``relative``."""
    copy = tmp_path / "k8s"
    shutil.copytree(tree.project / "deploy" / "k8s", copy)
    path = copy / relative
    text = path.read_text(encoding="utf-8")
    assert old in text, (relative, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return render(kubectl, copy / "overlays" / overlay)


PROBE = textwrap.indent(
    "readinessProbe:\n  httpGet:\n    path: /health\n    port: http\n"
    "  periodSeconds: 5\n  timeoutSeconds: 3\n  failureThreshold: 3\n",
    " " * 10,
)


BROKEN = {
    # name: (the check meant to catch it, file, old text, new text, what it reports)
    "wrong-port": ("parity", "base/app.yaml", "containerPort: 8000", "containerPort: 8080", "container port: [8080], compose 8000"),
    "wrong-health-path": ("parity", "base/app.yaml", "path: /health", "path: /healthz", "startupProbe: http/healthz"),
    "other-command": ("parity", "base/app.yaml", '"--host", "0.0.0.0"]', '"--host", "0.0.0.0", "--port", "8080"]', "command:"),
    "other-tag": ("parity", "overlays/production/kustomization.yaml", 'newTag: "0.1.0"', 'newTag: "0.2.0"', "image:"),
    "other-setting": ("parity", "base/kustomization.yaml", "FORWARDED_ALLOW_IPS=*", "FORWARDED_ALLOW_IPS=10.0.0.0/8", "setting FORWARDED_ALLOW_IPS"),
    "url-not-a-secret": ("parity", "base/kustomization.yaml", "=/run/secrets/database/uri", "=/tmp/uri", "setting DATABASE_URL_FILE: /tmp/uri"),
    "missing-probe": ("pods", "base/app.yaml", PROBE, "", "app: no readinessProbe"),
    "root-allowed": ("pods", "base/app.yaml", "runAsNonRoot: true", "runAsNonRoot: false", ": no runAsNonRoot"),
    "writable-root": ("pods", "base/app.yaml", "readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false", "migrate: no readOnlyRootFilesystem"),
    "escalation": ("pods", "base/app.yaml", "allowPrivilegeEscalation: false", "allowPrivilegeEscalation: true", "migrate: no allowPrivilegeEscalation"),
    "a-capability": ("pods", "base/app.yaml", "drop: [ALL]", "drop: [NET_RAW]", "migrate: no capability"),
    "unconfined": ("pods", "base/app.yaml", "type: RuntimeDefault", "type: Unconfined", ": no seccompProfile"),
    "no-memory-limit": ("pods", "base/app.yaml", "              memory: 512Mi\n", "", "migrate: no requests and limits"),
    "api-token": ("pods", "base/app.yaml", "automountServiceAccountToken: false", "automountServiceAccountToken: true", "Deployment/my-cool-project: mounts an API token"),
    "one-replica": ("overlays", "overlays/production/kustomization.yaml", "count: 2", "count: 1", "production: fewer than 2 replicas"),
    "pod-down-in-rollout": ("overlays", "base/app.yaml", "maxUnavailable: 0", "maxUnavailable: 1", "production: a rolling update"),
    "one-namespace": ("overlays", "overlays/production/kustomization.yaml", "namespace: my-cool-project-production", "namespace: my-cool-project-staging", "the overlays share a namespace"),
    "unknown-field": ("schemas", "base/app.yaml", "periodSeconds: 5", "periodSeconds: 5\n            perodSeconds: 5", "Deployment spec.template.spec.containers.0.readinessProbe: Additional properties"),
    "removed-api": ("schemas", "base/app.yaml", "apiVersion: policy/v1\n", "apiVersion: policy/v1beta1\n", "Couldn't find schema for kind PodDisruptionBudget"),
    "worker-as-root": ("pods", "base/worker.yaml", "runAsNonRoot: true", "runAsNonRoot: false", "Deployment/my-cool-project-worker worker: no runAsNonRoot"),
    "worker-writable": ("pods", "base/worker.yaml", "privilege gain.\n          securityContext:\n            allowPrivilegeEscalation: false\n            readOnlyRootFilesystem: true", "privilege gain.\n          securityContext:\n            allowPrivilegeEscalation: false\n            readOnlyRootFilesystem: false", "worker worker: no readOnlyRootFilesystem"),
    "worker-unwatched": ("pods", "base/worker.yaml", "          livenessProbe:\n", "          readinessProbe:\n", "worker: no livenessProbe"),
    "worker-other-command": ("worker-parity", "base/worker.yaml", '"worker"]', '"worker", "--reload"]', "command:"),
    "worker-other-liveness": ("worker-parity", "base/worker.yaml", "'/tmp/worker-alive').st_mtime > 30)\"]\n            periodSeconds: 10", "'/tmp/worker-alive').st_mtime > 60)\"]\n            periodSeconds: 10", "livenessProbe:"),
}  # fmt: skip


@pytest.mark.parametrize("name", BROKEN)
def test_each_check_catches_a_broken_manifest(
    trees, compose_values, validate, kubectl, tmp_path, name
):
    """A wrong port, a missing probe, `runAsNonRoot: false` and the rest, each
    written into a copy of the web + postgres + worker tree and rendered again,
    are reported by the check meant for them."""
    check, relative, old, new, finding = BROKEN[name]
    tree = web_postgres_worker(trees)
    app, user = compose_values[tree.project]
    documents = broken(tree, kubectl, tmp_path, relative, old, new)
    if check == "parity":
        found = parity_findings(app, documents, user)
    elif check == "worker-parity":
        worker = compose_app(tree.project, "worker")
        found = parity_findings(worker, documents, user, WORKER, settings(app))
    elif check == "pods":
        found = pod_findings(documents, web=True)
    elif check == "overlays":
        rendered = {"staging": tree.rendered["staging"], "production": documents}
        found = overlay_findings(Tree(tree.project, tree.answers, rendered))
    else:
        found = [line for document in documents for line in validate(document, VERSIONS[0])]
    assert any(finding in line for line in found), found


# --- scripts/cluster.sh: `make cluster-config` and `make cluster-deploy` ----------

# A stand-in for kubectl on PATH: `kustomize` runs the real one; every other
# call is logged to $KUBECTL_LOG and answered as a cluster would, as the
# variables below say: SECRET=1 (the Secret exists), JOB=1 (a Job from the last
# deploy exists), FAIL_ROLLOUT=1 (the first rollout never gets ready),
# JOB_STATE (the Job's true conditions; Complete by default).
FAKE_KUBECTL = r"""#!/bin/sh
echo "$*" >>"$KUBECTL_LOG"
case "$1 $2" in
"kustomize "*) exec "$REAL_KUBECTL" "$@" ;;
"config current-context") echo test-cluster ;;
"get secret") [ "${SECRET:-}" = 1 ] ;;
"get --filename") cat >/dev/null; [ "${JOB:-}" != 1 ] || echo job.batch/my-cool-project ;;
"get job.batch/my-cool-project") echo "${JOB_STATE:-SuccessCriteriaMet Complete}" ;;
"create secret") echo "kind: Secret" ;;
"apply --filename")
    sed -n 's/^kind: \(Secret\|Deployment\|Job\)$/\1/p' | while read -r kind; do
        case $kind in
        Secret) echo secret/my-cool-project-database ;;
        Deployment) echo deployment.apps/my-cool-project ;;
        Job) echo job.batch/my-cool-project ;;
        esac
    done ;;
"rollout status")
    if [ "${FAIL_ROLLOUT:-}" = 1 ] && ! grep -q "rollout undo" "$KUBECTL_LOG"; then
        echo 'error: deployment "my-cool-project" exceeded its progress deadline' >&2
        exit 1
    fi ;;
"logs job.batch/my-cool-project") echo "Hello from the job" ;;
esac
"""


@pytest.fixture
def cluster(kubectl, trees, tmp_path):
    """run(project kind, *arguments, **variables): scripts/cluster.sh in a copy of
    the web or cli + postgres bake, against the stand-in kubectl; returns the
    result and the calls it made."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "kubectl").write_text(FAKE_KUBECTL, encoding="utf-8")
    (bin_dir / "kubectl").chmod(0o755)

    def run_script(app_type, *arguments, owner="acme", **variables):
        (tree,) = [
            t for t in trees
            if t.answers["app_type"] == app_type and t.answers["database"] == "postgres"
            and t.answers["worker"] == "none"
        ]  # fmt: skip
        # A copy per app type (and per image owner, the template's OWNER apart).
        project = tmp_path / (app_type if owner == "acme" else f"{app_type}-{owner}")
        if not project.exists():
            shutil.copytree(tree.project, project)
            for overlay in OVERLAYS:
                path = project / "deploy" / "k8s" / "overlays" / overlay / "kustomization.yaml"
                text = path.read_text(encoding="utf-8")
                path.write_text(
                    text.replace("ghcr.io/OWNER/", f"ghcr.io/{owner}/"), encoding="utf-8"
                )
        log = tmp_path / f"{app_type}.log"
        log.write_text("", encoding="utf-8")
        env = {
            **os.environ,
            "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
            "REAL_KUBECTL": kubectl,
            "KUBECTL_LOG": str(log),
            **variables,
        }
        result = run(
            ["sh", "scripts/cluster.sh", *arguments], project, env, check=False, timeout=60
        )
        return result, log.read_text(encoding="utf-8").splitlines()

    return run_script


def test_cluster_sh_passes_shellcheck(trees):
    (script,) = {(t.project / "scripts" / "cluster.sh").read_text(encoding="utf-8") for t in trees}
    run(
        [
            tool("shellcheck"),
            "--shell=sh",
            "--severity=style",
            trees[0].project / "scripts" / "cluster.sh",
        ]
    )
    assert script.startswith("#!/bin/sh\n# ")


def test_cluster_config_prints_an_overlay_and_names_the_overlays(cluster):
    result, _ = cluster("web", "config")
    assert result.returncode == 0 and "namespace: my-cool-project-staging" in result.stdout
    result, _ = cluster("web", "config", "production")
    assert "namespace: my-cool-project-production" in result.stdout
    result, calls = cluster("web", "deploy")
    assert (result.returncode, result.stderr) == (
        2,
        "cluster: OVERLAY=?: name an overlay of deploy/k8s/overlays/ (production staging)\n",
    )
    assert calls == []


def test_cluster_deploy_refuses_the_template_s_image_and_a_missing_secret(cluster):
    result, calls = cluster("web", "deploy", "staging", owner="OWNER")
    assert result.returncode == 2 and "set newName in deploy/k8s/overlays/staging" in result.stderr
    assert not [call for call in calls if call.startswith("apply")]
    result, calls = cluster("web", "deploy", "staging")
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines()[-1] == (
        "cluster: no Secret my-cool-project-database in my-cool-project-staging: put each "
        "of its keys in a file in secrets/staging/my-cool-project-database/"
    )
    assert not [call for call in calls if call.startswith("apply")]


def test_cluster_deploy_stores_the_secret_applies_and_waits_for_the_rollout(cluster, tmp_path):
    cluster("web", "config")  # makes the copy
    secret = tmp_path / "web" / "secrets" / "production" / "my-cool-project-database"
    secret.mkdir(parents=True)
    (secret / "uri").write_text("postgresql://app:pw@db.example:5432/app\n", encoding="utf-8")
    result, calls = cluster("web", "deploy", "production")
    assert result.returncode == 0, result.stderr
    assert (
        "cluster: production to test-cluster, namespace my-cool-project-production" in result.stderr
    )
    create = (
        "create secret generic my-cool-project-database --namespace my-cool-project-production "
        "--from-file secrets/production/my-cool-project-database --dry-run=client --output yaml"
    )
    applies = [call for call in calls if call.startswith("apply")]
    assert calls.index(create) < calls.index(applies[-1])
    assert (
        "rollout status deployment.apps/my-cool-project --namespace my-cool-project-production "
        "--timeout 10m"
    ) in calls
    assert not [call for call in calls if call.startswith(("rollout undo", "delete"))]


def test_cluster_deploy_undoes_a_rollout_that_never_gets_ready(cluster):
    result, calls = cluster("web", "deploy", "staging", SECRET="1", FAIL_ROLLOUT="1")
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        "cluster: deployment.apps/my-cool-project never got ready: rolled back to the previous "
        "version, which serves (the new pods' logs say why)"
    )
    assert (
        "rollout undo deployment.apps/my-cool-project --namespace my-cool-project-staging" in calls
    )


def test_cluster_deploy_runs_a_cli_project_s_job_again_and_prints_its_log(cluster):
    result, calls = cluster("cli", "deploy", "staging", SECRET="1", JOB="1")
    assert result.returncode == 0, result.stderr
    delete = "delete job.batch/my-cool-project --namespace my-cool-project-staging --wait"
    applies = [call for call in calls if call.startswith("apply")]
    assert calls.index(delete) < calls.index(applies[-1])
    assert "Hello from the job" in result.stdout
    result, _ = cluster("cli", "deploy", "staging", SECRET="1", JOB_STATE="FailureTarget Failed")
    assert result.returncode == 1
    assert (
        result.stderr.splitlines()[-1]
        == "cluster: job.batch/my-cool-project failed (its log is above)"
    )


# --- What the generated CI runs, and what the docs claim -------------------------


def test_ci_renders_each_overlay_and_validates_it_for_the_versions_the_docs_name(all_projects):
    """The CI job runs the make target for each overlay and the same pinned
    kubernetes-validate as this suite, for the versions above; docs/deploy.md
    names them. Projects without the manifests have no such job."""
    requirements = (TEMPLATE / "requirements-dev.txt").read_text(encoding="utf-8")
    pin = re.search(r"^kubernetes-validate==(\S+)$", requirements, flags=re.MULTILINE)[1]
    checked = 0
    for answers in COMBINATIONS:
        project = all_projects[combination_id(answers)]
        ci = project / ".github" / "workflows" / "ci.yml"
        if not ci.exists():
            continue
        jobs = yaml.safe_load(ci.read_text(encoding="utf-8"))["jobs"]
        assert ("kubernetes" in jobs) == (answers["deploy"] == "kubernetes"), project
        if "kubernetes" not in jobs:
            continue
        steps = jobs["kubernetes"]["steps"]
        (setup,) = [
            step for step in steps if step.get("uses", "").startswith("azure/setup-kubectl@")
        ]
        assert re.fullmatch(r"v\d+\.\d+\.\d+", setup["with"]["version"])
        script = "\n".join(step.get("run", "") for step in steps)
        for overlay in OVERLAYS:
            assert f"make cluster-config OVERLAY={overlay} > {overlay}.yaml" in script
        assert f"kubernetes-validate=={pin} kubernetes-validate --strict" in script
        assert f"for version in {' '.join(f'{v}.0' for v in VERSIONS)}; do" in script
        docs = (project / "docs" / "deploy.md").read_text(encoding="utf-8")
        assert f"the schemas of Kubernetes {VERSIONS[0]} and {VERSIONS[1]}" in docs
        assert f"kubectl\n{VERSIONS[0]} or later, and a cluster of {VERSIONS[0]} or later" in docs
        checked += 1
    assert checked > 3
