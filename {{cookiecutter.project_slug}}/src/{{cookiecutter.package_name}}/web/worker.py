"""The worker's routes: ``POST /jobs/add-item`` queues the example job and answers
at once; ``GET /jobs/{id}`` says where the job is (todo, doing, succeeded, failed).
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, HTTPException
from pydantic import BaseModel

from {{ cookiecutter.package_name }} import tasks
from {{ cookiecutter.package_name }}.web.database import (
    NewItem,
)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """The queue's connections, open while the app serves."""
    async with tasks.app.open_async():
        yield


router = APIRouter(lifespan=lifespan)


def register(app: FastAPI) -> None:
    app.include_router(router)


class Job(BaseModel):
    id: int
    task: str
    status: str | None
    attempts: int


@router.post("/jobs/add-item", status_code=202)
async def defer_add_item(item: NewItem) -> Job:
    """Queue ``add_item(name)``; the worker adds the item."""
    job_id = await tasks.add_item.defer_async(name=item.name)
    return await read_job(job_id)


@router.get("/jobs/{job_id}")
async def read_job(job_id: int) -> Job:
    """A job's task, status and attempts so far."""
    for job in await tasks.app.job_manager.list_jobs_async(id=job_id):
        return Job(
            id=job_id, task=job.task_name, status=job.status, attempts=job.attempts
        )
    raise HTTPException(status_code=404, detail="no such job")
