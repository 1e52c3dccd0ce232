"""Background jobs: procrastinate, with its queue in the project's PostgreSQL.

A task is a function under ``@app.task``. ``add_item.defer(name="x")`` (or
``await add_item.defer_async(name="x")``) puts a job in the queue and returns at
once; the worker (``{{ cookiecutter.project_slug }} worker``, the ``worker``
service) runs it. docs/worker.md: write a task, defer it, watch it, test it.
"""

from procrastinate import App, PsycopgConnector, RetryStrategy

from {{ cookiecutter.package_name }} import db, models
from {{ cookiecutter.package_name }}.settings import (
    database_url,
)


def conninfo() -> str:
    """DATABASE_URL as psycopg reads it; asked when the queue connects, not on import."""
    url = database_url().set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


# Connections made on first use (min_size=0), up to 4: what opens the queue
# starts while the database is down (a reload, a restart) and connects once it is up.
app = App(connector=PsycopgConnector(conninfo=conninfo, min_size=0, max_size=4))


@app.task(retry=RetryStrategy(max_attempts=2, wait=5))
def add_item(name: str) -> int:
    """The example job: add an item named ``name``; its id is the job's result.

    It is one transaction: a job cut short adds nothing, and runs again. An
    error is retried twice, 5 s apart; then the job is ``failed``.
    """
    with db.session() as session:
        item = models.add_item(session, name)
        session.commit()
        return item.id
