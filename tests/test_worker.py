"""Fast checks of the `worker` option on every combination of the design: with
`procrastinate`, the worker's service (compose.worker.yaml, included by
compose.yaml with one line, valid against the Compose Specification, as
hardened as the service it extends), its healthcheck reading the file the
worker touches, autogenerate told to leave the queue's tables alone, the make
targets of each app type, and a one-screen docs/worker.md whose commands
exist. Which files it adds, and that nothing else mentions it: test_features.py;
the pinned dependency: test_bake.py; the refusal without PostgreSQL:
test_validation.py. A real worker on a real engine: test_docker_db.py, steps
05a to 05c."""

import re

import yaml
from test_gates import compose_schema_errors, security_findings

from conftest import COMBINATIONS, combination_id
from helpers import distinct_files, make_targets, makefile_text

PACKAGE = "my_cool_project"
WORKER = [answers for answers in COMBINATIONS if answers["worker"] == "procrastinate"]
NO_WORKER = [answers for answers in COMBINATIONS if answers["worker"] == "none"]
DOCS_MAX_LINES = 70  # one screen


def projects(all_projects, combinations):
    return [all_projects[combination_id(answers)] for answers in combinations]


def test_the_design_bakes_the_worker_with_each_app_type():
    assert {answers["app_type"] for answers in WORKER} == {"cli", "web"}
    assert all(answers["database"] == "postgres" for answers in WORKER)


def test_the_worker_service_extends_migrate_and_compose_yaml_includes_it(all_projects):
    worker_files = distinct_files(projects(all_projects, WORKER), "compose.worker.yaml")
    assert len(worker_files) == 1, "the same for every answer but the names"
    for text, having in worker_files.items():
        document = yaml.safe_load(text)
        assert compose_schema_errors(document) == []
        assert list(document) == ["services"] and list(document["services"]) == ["worker"]
        worker = document["services"]["worker"]
        # The dev image, the checkout and DATABASE_URL: migrate's.
        assert worker["extends"] == {"file": "compose.yaml", "service": "migrate"}
        assert worker["command"] == ["my-cool-project", "worker", "--reload"]
        done = {"condition": "service_completed_successfully"}
        assert worker["depends_on"] == {"migrate": done}
        assert (worker["stop_grace_period"], worker["restart"]) == ("30s", "on-failure")
        for project in having:
            compose = yaml.safe_load((project / "compose.yaml").read_text(encoding="utf-8"))
            assert compose["include"] == ["compose.worker.yaml"]
            migrate = compose["services"]["migrate"]
            merged = {**migrate, **{k: v for k, v in worker.items() if k != "extends"}}
            assert security_findings({"services": {"worker": merged}}) == []
            assert merged["build"]["target"] == "dev" and merged["volumes"] == [".:/src"]
            assert merged["init"] is True, "a stop reaches the worker while it starts"
            assert migrate["depends_on"] == {"db": {"condition": "service_healthy"}}
    for project in projects(all_projects, NO_WORKER):
        compose = yaml.safe_load((project / "compose.yaml").read_text(encoding="utf-8"))
        assert "include" not in compose


def test_the_healthcheck_reads_the_file_the_worker_touches(all_projects):
    project = projects(all_projects, WORKER)[0]
    worker = yaml.safe_load((project / "compose.worker.yaml").read_text(encoding="utf-8"))
    check = worker["services"]["worker"]["healthcheck"]
    assert check["test"][:3] == ["CMD", "python", "-c"]
    compile(check["test"][3], "healthcheck", "exec")
    code = (project / f"src/{PACKAGE}/commands/worker.py").read_text(encoding="utf-8")
    [heartbeat] = re.findall(r'^HEARTBEAT = Path\("([^"]+)"\)', code, flags=re.MULTILINE)
    [every] = re.findall(r"^CHECK_EVERY = (\d+)", code, flags=re.MULTILINE)
    assert f"os.stat('{heartbeat}').st_mtime > 30)" in check["test"][3]
    assert int(every) * 2 < 30, "two missed housekeeping rounds are not yet unhealthy"


def test_production_runs_the_worker_as_the_dev_service_does_but_for_the_reload(all_projects):
    """compose.prod.yaml's `worker` (its hardening and rollout: test_deploy.py;
    the Kubernetes Deployment's parity with it: test_kubernetes.py): the same
    image as the app, migrated first, `worker` without `--reload`, the dev
    service's healthcheck, 30 s for the running job at a stop."""
    for answers in COMBINATIONS:
        if answers["deploy"] == "none":
            continue
        project = all_projects[combination_id(answers)]
        prod = yaml.safe_load((project / "compose.prod.yaml").read_text(encoding="utf-8"))
        if answers["worker"] == "none":
            assert "worker" not in prod["services"], combination_id(answers)
            continue
        worker, app = prod["services"]["worker"], prod["services"]["app"]
        dev = yaml.safe_load((project / "compose.worker.yaml").read_text(encoding="utf-8"))
        assert (worker["image"], worker["entrypoint"]) == (app["image"], app["entrypoint"])
        assert worker["command"] == ["my-cool-project", "worker"]
        assert worker["healthcheck"]["test"] == dev["services"]["worker"]["healthcheck"]["test"]
        assert worker["stop_grace_period"] == "30s" and worker["init"] is True


def test_autogenerate_leaves_the_queue_tables_alone_only_with_the_worker(all_projects):
    for answers in COMBINATIONS:
        if answers["database"] != "postgres":
            continue
        project = all_projects[combination_id(answers)]
        env = (project / f"src/{PACKAGE}/migrations/env.py").read_text(encoding="utf-8")
        has_filter = "include_name=include_name," in env
        assert has_filter == (answers["worker"] == "procrastinate"), combination_id(answers)


def test_web_make_up_and_logs_take_the_worker_and_cli_has_make_worker(all_projects):
    for answers in WORKER:
        project = all_projects[combination_id(answers)]
        makefile, targets = makefile_text(project), make_targets(project)
        if answers["app_type"] == "web":
            assert (project / "make/worker.mk").read_text(encoding="utf-8") == (
                "SERVICES += worker\n"
            )
            assert "docker compose up --detach --wait app $(SERVICES)" in makefile
            assert "docker compose logs --follow app $(SERVICES)\n" in makefile
            assert "worker" not in targets
        else:
            assert "worker" in targets
            assert (
                "\tdocker compose up --detach --wait worker"
                " && docker compose logs --follow worker\n" in makefile
            )


def test_docs_worker_md_is_one_screen_and_names_commands_that_exist(all_projects):
    for answers in WORKER:
        project = all_projects[combination_id(answers)]
        docs = (project / "docs/worker.md").read_text(encoding="utf-8")
        assert len(docs.splitlines()) <= DOCS_MAX_LINES
        for heading in ("**Write a task.**", "**Defer it.**", "**Watch it.**", "**Test it.**"):
            assert heading in docs, heading
        named = set(re.findall(r"`make ([a-z-]+)", docs))
        assert named and named <= make_targets(project), named - make_targets(project)
        assert ("make up" in docs) == (answers["app_type"] == "web")
        commands = (project / f"src/{PACKAGE}/commands/worker.py").read_text(encoding="utf-8")
        assert re.search(r'add_parser\(\s*"defer"', commands)
        if answers["app_type"] == "web":
            assert "`POST /jobs/add-item`" in docs and "my-cool-project defer NAME`" in docs
        else:  # `make run` serves a web app, and runs the console script of a cli one
            assert '`make run ARGS="defer NAME"`' in docs
