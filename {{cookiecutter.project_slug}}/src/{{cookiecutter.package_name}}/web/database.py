"""The database's routes: ``/items``, and ``/ready``, the readiness probe.

A request that finds the database down or refusing answers 503, with one line
in the log.
"""

import logging
from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from {{ cookiecutter.package_name }} import db
from {{ cookiecutter.package_name }}.models import (
    add_item,
    list_items,
)

log = logging.getLogger(__name__)
router = APIRouter()


def register(app: FastAPI) -> None:
    app.include_router(router)
    app.exception_handler(OperationalError)(database_unavailable)


def get_session() -> Iterator[Session]:
    """A database session for one request."""
    with db.session() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


class NewItem(BaseModel):
    name: str = Field(min_length=1, max_length=200)


class ItemOut(NewItem):
    model_config = ConfigDict(from_attributes=True)

    id: int


def database_unavailable(request: Request, error: OperationalError) -> JSONResponse:
    """The database is down or refuses us: 503, and one line in the log."""
    detail = db.describe(error, db.engine())
    log.error("%s %s: %s", request.method, request.url.path, detail)
    return JSONResponse({"detail": "database unavailable"}, status_code=503)


@router.get("/ready")
def ready(response: Response) -> dict[str, str]:
    """Readiness probe: 200 when the database answers, 503 when it does not."""
    try:
        db.ping(db.engine())
    except OperationalError as error:
        log.error("GET /ready: %s", db.describe(error, db.engine()))
        response.status_code = 503
        return {"status": "unavailable", "database": "unavailable"}
    return {"status": "ok", "database": "ok"}


@router.post("/items", status_code=201)
def create_item(item: NewItem, session: SessionDep) -> ItemOut:
    """Add an item; the answer has its id."""
    created = add_item(session, item.name)
    session.commit()
    return ItemOut.model_validate(created)


@router.get("/items")
def read_items(session: SessionDep) -> list[ItemOut]:
    """Every item, oldest first."""
    return [ItemOut.model_validate(item) for item in list_items(session)]
