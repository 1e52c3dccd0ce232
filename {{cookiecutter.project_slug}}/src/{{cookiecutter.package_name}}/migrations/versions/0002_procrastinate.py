"""procrastinate's schema: the job queue's tables, types and functions.

procrastinate ships its schema as SQL files, one per change, named after the
release that brought it, and never changed once released. This revision runs
them in order, up to UP_TO: the last one of the release pyproject.toml pins. A
newer procrastinate with new files takes a new revision that runs the files
after it (docs/worker.md, "Upgrading procrastinate"). Autogenerate leaves these
tables alone (migrations/env.py).

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence
from importlib.resources import files

from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UP_TO = "03.04.00"  # procrastinate 3.10.0's last SQL migration


def sql_files(after: str, up_to: str) -> list[str]:
    """The SQL migrations of the releases after ``after`` up to ``up_to``, in order."""
    folder = files("procrastinate.sql.migrations")
    names = sorted(item.name for item in folder.iterdir() if item.name.endswith(".sql"))
    return [
        folder.joinpath(name).read_text("utf-8")
        for name in names
        if after < name[:8] <= up_to
    ]


def upgrade() -> None:
    for sql in sql_files(after="", up_to=UP_TO):
        op.execute(sql)


def downgrade() -> None:
    op.execute(
        "DROP TABLE procrastinate_events, procrastinate_periodic_defers,"
        " procrastinate_jobs, procrastinate_workers CASCADE"
    )
    # Every procrastinate function, whatever its version suffix.
    op.execute(
        """
        DO $$
        DECLARE routine regprocedure;
        BEGIN
            FOR routine IN SELECT oid::regprocedure FROM pg_proc
                WHERE proname LIKE 'procrastinate%'
                AND pronamespace = current_schema()::regnamespace
            LOOP
                EXECUTE 'DROP FUNCTION ' || routine;
            END LOOP;
        END $$
        """
    )
    op.execute(
        "DROP TYPE procrastinate_job_status, procrastinate_job_event_type,"
        " procrastinate_job_to_defer_v1"
    )
