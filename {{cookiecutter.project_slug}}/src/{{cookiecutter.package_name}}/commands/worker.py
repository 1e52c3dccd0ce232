"""The worker's commands: ``worker`` runs the queue's jobs until it is stopped,
``defer NAME`` queues the example job (``tasks.add_item``).

A stop (SIGTERM from `docker compose stop`, or Ctrl-C) lets the running job end
first: procrastinate's graceful shutdown, for up to compose.worker.yaml's
``stop_grace_period``. Beside the jobs, every 10 s, the worker puts back in the
queue the jobs another worker left ``doing`` when it was killed, and touches
HEARTBEAT for the healthcheck. With ``--reload`` (the development service), a
change to a .py file of the package stops it the same way, then starts it again
in a new process: the next job runs the new code.
"""

import argparse
import asyncio
import logging
import os
import sys
import traceback
from pathlib import Path

from procrastinate import App
from procrastinate.exceptions import ConnectorException

from {{ cookiecutter.package_name }}.commands import (
    Commands,
)

PACKAGE = Path(__file__).resolve().parents[1]
HEARTBEAT = Path("/tmp/worker-alive")  # the healthcheck wants it younger than 30 s
CHECK_EVERY = 10  # seconds

log = logging.getLogger(__name__)


def register(commands: Commands) -> None:
    worker = commands.add_parser("worker", help="run the queue's jobs until stopped")
    worker.add_argument(
        "--reload",
        action="store_true",
        help="start again when a .py file of the package changes (development)",
    )
    worker.set_defaults(run=run)
    defer = commands.add_parser(
        "defer", help="queue the example job: add the item NAME"
    )
    defer.add_argument("name")
    defer.set_defaults(run=defer_command)


def defer_command(args: argparse.Namespace) -> int:
    """Queue ``add_item(name)``; print the job's id."""
    from {{ cookiecutter.package_name }}.tasks import (
        add_item,
        app,
    )

    with app.open():
        print(add_item.defer(name=args.name))
    return 0


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        changed = asyncio.run(work(args.reload))
    except Exception as error:  # noqa: BLE001 (the database went away, or the code broke)
        if not args.reload:  # in production: exit, and be restarted
            print(f"error: the worker stopped: {error}", file=sys.stderr)
            return 1
        traceback.print_exc()
        log.error("the worker stopped: starting again after a change, or in 10 s")
        wait_for_change(seconds=10)
        changed = True
    if changed:  # the same command in a new process, with the new code
        os.execv(sys.executable, [sys.executable, "-m", PACKAGE.name, *sys.argv[1:]])
    return 0


async def work(reload: bool) -> bool:
    """Run the worker until it is stopped or, with ``reload``, a .py file of the
    package changes (True then); either way its running job ends first. An error
    of the worker, or beside it, stops it too, and is raised."""
    from {{ cookiecutter.package_name }}.tasks import (
        app,
    )

    async with app.open_async():
        worker = asyncio.create_task(app.run_worker_async())
        beside = [asyncio.create_task(keep_house(app))]
        if reload:
            beside.append(asyncio.create_task(code_changed()))
        await asyncio.wait([worker, *beside], return_when=asyncio.FIRST_COMPLETED)
        for task in (worker, *beside):
            task.cancel()  # the worker stops as on SIGTERM: its running job first
        ended = await asyncio.gather(worker, *beside, return_exceptions=True)
    errors = [result for result in ended if isinstance(result, Exception)]
    if errors:
        raise errors[0]
    return reload and not beside[-1].cancelled()


async def keep_house(app: App) -> None:
    """Every CHECK_EVERY seconds: retry_stalled_jobs, then touch HEARTBEAT."""
    while True:
        await retry_stalled_jobs(app)
        HEARTBEAT.touch()
        await asyncio.sleep(CHECK_EVERY)


async def retry_stalled_jobs(app: App) -> int:
    """Put back in the queue the jobs left ``doing`` by a worker that sent no
    heartbeat for 30 s (killed mid-job: its transaction was rolled back); return
    how many."""
    retried = 0
    for job in await app.job_manager.get_stalled_jobs():
        try:
            await app.job_manager.retry_job(job)
        except ConnectorException:  # another worker retried it first
            continue
        log.warning(
            "%s was left running by a stopped worker: retrying it", job.call_string
        )
        retried += 1
    return retried


async def code_changed() -> None:
    """Return at the first change to a .py file of the package."""
    from watchfiles import PythonFilter, awatch

    async for changes in awatch(PACKAGE, watch_filter=PythonFilter()):
        names = ", ".join(sorted(Path(path).name for _, path in changes))
        log.info("%s changed: restarting (the running job finishes first)", names)
        return


def wait_for_change(seconds: int) -> None:
    """Return at the first change to a .py file of the package, or after ``seconds``."""
    from watchfiles import PythonFilter, watch

    for _ in watch(
        PACKAGE,
        watch_filter=PythonFilter(),
        rust_timeout=seconds * 1000,
        yield_on_timeout=True,
    ):
        return
