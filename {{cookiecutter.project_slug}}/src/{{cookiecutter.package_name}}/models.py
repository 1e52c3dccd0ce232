"""The tables, as SQLAlchemy declarative models.

After changing them, `make migration m="what changed"` writes the migration
that brings a database from the previous models to these.
"""

from sqlalchemy import MetaData, String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

# Constraint names that migrations can rely on (and drop by name).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Item(Base):
    """An example table: rename it, or add your own beside it."""

    __tablename__ = "items"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


def add_item(session: Session, name: str) -> Item:
    """Add an item; it gets its id at once, and is saved when the session commits."""
    item = Item(name=name)
    session.add(item)
    session.flush()
    return item


def list_items(session: Session) -> list[Item]:
    """Every item, oldest first."""
    return list(session.scalars(select(Item).order_by(Item.id)))
