"""The worker, with no worker process: jobs wait in procrastinate's in-memory
queue and ``run_worker(wait=False)`` runs the due ones, then returns; one job
through the tests' database; the queue's schema there is the one the installed
procrastinate expects; the console script's command."""

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from procrastinate.schema import SchemaManager
from procrastinate.testing import InMemoryConnector
from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session

from {{ cookiecutter.package_name }} import db, tasks
from {{ cookiecutter.package_name }}.cli import main
from {{ cookiecutter.package_name }}.commands.worker import (
    retry_stalled_jobs,
)
from {{ cookiecutter.package_name }}.models import (
    list_items,
)

TOO_LONG = "x" * 201  # the items table takes 200 characters: the database refuses it


@pytest.fixture
def queue() -> Iterator[InMemoryConnector]:
    """The queue, in memory: deferred jobs wait in ``queue.jobs`` (by id)."""
    with tasks.app.replace_connector(InMemoryConnector()) as app:
        yield app.connector


def run_jobs() -> None:
    """Run the jobs that are due, as the worker would, until there is none."""
    tasks.app.run_worker(wait=False, install_signal_handlers=False)


def names(session: Session) -> list[str]:
    return [item.name for item in list_items(session)]


def test_a_deferred_job_waits_until_the_worker_runs_it(queue, session: Session):
    job_id = tasks.add_item.defer(name="later")
    assert queue.jobs[job_id]["status"] == "todo" and names(session) == []
    run_jobs()
    assert queue.jobs[job_id]["status"] == "succeeded"
    assert names(session) == ["later"]


def test_a_failing_job_is_retried_twice_then_failed_with_its_error_logged(
    queue, session: Session, caplog
):
    job_id = tasks.add_item.defer(name=TOO_LONG)
    job = queue.jobs[job_id]
    run_jobs()
    assert (job["status"], job["attempts"]) == ("todo", 1)
    assert 4 < (job["scheduled_at"] - datetime.now(UTC)).total_seconds() <= 5
    for _ in range(2):  # as if 5 s had passed
        job["scheduled_at"] = datetime.now(UTC)
        run_jobs()
    assert (job["status"], job["attempts"]) == ("failed", 3)
    [error] = [record for record in caplog.records if record.levelname == "ERROR"]
    assert f"add_item[{job_id}]" in error.getMessage()
    assert "ended with status: Error" in error.getMessage()
    assert "value too long" in str(error.exc_info[1])
    assert names(session) == []


def test_a_job_left_doing_by_a_killed_worker_is_retried(queue, session: Session):
    killed = tasks.add_item.defer(name="after a crash")
    queue.jobs[killed].update(status="doing", worker_id=41)  # a worker no longer there
    running = tasks.add_item.defer(name="running")
    queue.workers[42] = datetime.now(UTC)  # a worker alive: its heartbeat is fresh
    queue.jobs[running].update(status="doing", worker_id=42)
    assert asyncio.run(retry_stalled_jobs(tasks.app)) == 1
    assert queue.jobs[killed]["status"] == "todo"
    assert queue.jobs[running]["status"] == "doing"
    run_jobs()
    assert queue.jobs[killed]["status"] == "succeeded"
    assert names(session) == ["after a crash"]


def test_the_defer_command_queues_the_example_job(queue, capsys):
    assert main(["defer", "from the command line"]) == 0
    job = queue.jobs[int(capsys.readouterr().out)]
    assert job["task_name"] == tasks.add_item.name
    assert job["args"] == {"name": "from the command line"}


def test_a_job_runs_on_the_tests_database(engine: Engine, session: Session):
    """procrastinate's own SQL on the schema revision 0002 made: a job left
    ``doing`` by a worker killed a minute ago goes back to ``todo``, then runs to
    ``succeeded`` (its item is rolled back with the test)."""
    with tasks.app.open():
        job_id = tasks.add_item.defer(name="through PostgreSQL")
    status = text("SELECT status FROM procrastinate_jobs WHERE id = :id")
    try:
        with engine.begin() as connection:
            assert connection.scalar(status, {"id": job_id}) == "todo"
            killed = connection.scalar(
                text(
                    "INSERT INTO procrastinate_workers (last_heartbeat)"
                    " VALUES (now() - interval '1 minute') RETURNING id"
                )
            )
            connection.execute(
                text("UPDATE procrastinate_jobs SET status = 'doing', worker_id = :w"
                     " WHERE id = :id"),
                {"w": killed, "id": job_id},
            )  # fmt: skip
        assert asyncio.run(retry_stalled_jobs_once()) == 1
        with engine.connect() as connection:
            assert connection.scalar(status, {"id": job_id}) == "todo"
        run_jobs()
        with engine.connect() as connection:
            assert connection.scalar(status, {"id": job_id}) == "succeeded"
        assert names(session) == ["through PostgreSQL"]
    finally:
        with engine.begin() as connection:
            delete = text("DELETE FROM procrastinate_jobs WHERE id = :id")
            connection.execute(delete, {"id": job_id})


async def retry_stalled_jobs_once() -> int:
    async with tasks.app.open_async():
        return await retry_stalled_jobs(tasks.app)


def queue_schema(
    connection: Connection, schema: str
) -> dict[str, list[tuple[str, ...]]]:
    """The procrastinate tables' columns, functions and types in ``schema``."""
    queries = {
        "columns": "SELECT table_name, column_name, data_type, is_nullable"
        " FROM information_schema.columns WHERE table_schema = :schema",
        "functions": "SELECT proname, pronargs::text FROM pg_proc"
        " WHERE pronamespace = CAST(:schema AS regnamespace)",
        "enums": "SELECT typname, enumlabel FROM pg_enum JOIN pg_type ON enumtypid = pg_type.oid"
        " WHERE typnamespace = CAST(:schema AS regnamespace)",
    }
    return {
        kind: sorted(
            tuple(row)
            for row in connection.execute(text(query), {"schema": schema})
            if row[0].startswith("procrastinate")
        )
        for kind, query in queries.items()
    }


def test_the_migrations_build_the_schema_the_installed_procrastinate_expects(
    connection: Connection,
):
    """procrastinate's own schema.sql, run in a scratch schema (rolled back with
    the test), against what the migrations built. After an upgrade of
    procrastinate that brings new SQL, this fails until a revision runs it
    (docs/worker.md)."""
    connection.execute(
        text("CREATE SCHEMA expected; SET LOCAL search_path TO expected")
    )
    connection.connection.driver_connection.execute(SchemaManager.get_schema())
    connection.execute(text("SET LOCAL search_path TO public"))
    built, expected = (
        queue_schema(connection, "public"),
        queue_schema(connection, "expected"),
    )
    assert built["columns"] and built["functions"] and built["enums"]
    assert built == expected


def test_downgrading_below_the_queue_leaves_nothing_of_it(connection: Connection):
    from alembic import command

    config = db.alembic_config(connection)
    command.downgrade(config, "0001")
    left = connection.scalars(
        text(
            "SELECT proname FROM pg_proc UNION ALL SELECT typname FROM pg_type"
            " UNION ALL SELECT relname FROM pg_class"
        )
    )
    assert [name for name in left if name.startswith("procrastinate")] == []
    command.upgrade(config, "head")
