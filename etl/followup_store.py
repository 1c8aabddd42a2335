"""The follow-up texts in the store: the goal comments (Analys and Åtgärder), append-only.

:class:`FollowupStore` is mixed into :class:`etl.store.Store`; it only needs ``self.engine``.  Its
tables live on their own :data:`followup_metadata`, created by the store's migrations.  A save is a
new version, nothing is updated: the latest version per key holds and the history is kept.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

SECTIONS = ("analys", "atgarder")

followup_metadata = sa.MetaData()

comments_t = sa.Table(
    "comments", followup_metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("goal_id", sa.String(100), nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("period", sa.String(20), nullable=False),
    sa.Column("unit_id", sa.String(100)),
    sa.Column("section", sa.String(20), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("author", sa.String(200), nullable=False),
    sa.Column("saved_at", sa.DateTime, nullable=False),
    sa.Index("ix_comments_key", "goal_id", "year", "period", "unit_id", "section"),
)


@dataclass(frozen=True)
class Comment:
    id: int
    goal_id: str
    year: int
    period: str
    unit_id: str | None
    section: str
    text: str
    author: str
    saved_at: dt.datetime


def now() -> dt.datetime:
    """The store's timestamp: local time to the second."""
    return dt.datetime.now().replace(microsecond=0)


class FollowupStore:
    """Comments of the follow-up; mixed into :class:`etl.store.Store`."""

    engine: Engine

    def add_comment(self, goal_id: str, year: int, period: str, unit_id: str | None, section: str,
                    text: str, author: str) -> int:
        """Save a new version of a comment (nothing is ever overwritten); returns its id."""
        if section not in SECTIONS:
            raise ValueError(f"section must be one of {SECTIONS}, not {section!r}")
        with self.engine.begin() as conn:
            return conn.execute(comments_t.insert().values(
                goal_id=goal_id, year=int(year), period=period, unit_id=unit_id, section=section,
                text=text, author=author, saved_at=now())).inserted_primary_key[0]

    def _comment_rows(self, goal_id: str, year: int, period: str, unit_id: str | None,
                      section: str | None = None) -> list[Comment]:
        c = comments_t.c
        q = sa.select(comments_t).where(c.goal_id == goal_id, c.year == int(year), c.period == period,
                                        c.unit_id.is_(None) if unit_id is None else c.unit_id == unit_id)
        if section is not None:
            q = q.where(c.section == section)
        with self.engine.connect() as conn:
            return [Comment(**dict(r)) for r in conn.execute(q.order_by(c.id)).mappings().all()]

    def comments(self, goal_id: str, year: int, period: str, unit_id: str | None) -> dict[str, Comment]:
        """The latest version per section."""
        return {cm.section: cm for cm in self._comment_rows(goal_id, year, period, unit_id)}

    def comment_history(self, goal_id: str, year: int, period: str, unit_id: str | None,
                        section: str) -> list[Comment]:
        """Every saved version of one comment, oldest first."""
        return self._comment_rows(goal_id, year, period, unit_id, section)
