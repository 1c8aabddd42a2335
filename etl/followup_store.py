"""The follow-up texts in the store, append-only: the goal comments (Analys and Åtgärder), the
overall analysis for the whole organisation (a comment with ``goal_id`` :data:`OVERALL`) and the
actions (text, goal and unit, owner, due date, state) with their history.

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


#: Section id of the overall analysis for the whole organisation (``goal_id`` of its comments).
OVERALL = "*"

#: States of an action, in the order they are offered; the open ones carry to the next period.
ACTION_STATES = ("planerad", "pagar", "klar", "stoppad")
OPEN_STATES = ("planerad", "pagar")

actions_t = sa.Table(
    "actions", followup_metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("action_id", sa.Integer, nullable=False, index=True),  # the first version's id
    sa.Column("goal_id", sa.String(100), nullable=False),
    sa.Column("unit_id", sa.String(100)),
    sa.Column("year", sa.Integer, nullable=False),  # the period the action was written in
    sa.Column("period", sa.String(20), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("owner", sa.String(200), nullable=False),
    sa.Column("due", sa.Date),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("saved_year", sa.Integer, nullable=False),  # the period the version was saved from
    sa.Column("saved_period", sa.String(20), nullable=False),
    sa.Column("author", sa.String(200), nullable=False),
    sa.Column("saved_at", sa.DateTime, nullable=False),
)


class ActionError(ValueError):
    """An action cannot be saved; ``str()`` is Swedish and says what to fix."""


@dataclass(frozen=True)
class Action:
    """One version of an action; ``action_id`` is the same for all versions of it."""

    id: int
    action_id: int
    goal_id: str
    unit_id: str | None
    year: int
    period: str
    text: str
    owner: str
    due: dt.date | None
    state: str
    saved_year: int
    saved_period: str
    author: str
    saved_at: dt.datetime

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


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

    # ------------------------------------------------------------------ actions
    def save_action(self, *, goal_id: str, year: int, period: str, text: str, owner: str, due: dt.date | None,
                    state: str, author: str, unit_id: str | None = None, action_id: int | None = None) -> int:
        """Save an action: a new one (``action_id=None``; ``year``/``period`` = the period it is
        written in) or a new version of an existing one (``year``/``period`` = the period it is
        changed from).  Nothing is overwritten.  Returns the action's id."""
        text, owner, author = str(text or "").strip(), str(owner or "").strip(), str(author or "").strip()
        if state not in ACTION_STATES:
            raise ActionError(f"Okänt läge {state!r}; välj ett av {', '.join(ACTION_STATES)}.")
        if not text:
            raise ActionError("Skriv vad åtgärden är.")
        if not owner:
            raise ActionError("Ange vem som ansvarar för åtgärden.")
        if not author:
            raise ActionError("Ange ditt namn.")
        with self.engine.begin() as conn:
            values = dict(text=text, owner=owner, due=due, state=state, saved_year=int(year), saved_period=period,
                          author=author, saved_at=now())
            if action_id is None:
                new = conn.execute(actions_t.insert().values(
                    action_id=0, goal_id=goal_id, unit_id=unit_id, year=int(year), period=period, **values))
                ident = new.inserted_primary_key[0]
                conn.execute(actions_t.update().where(actions_t.c.id == ident).values(action_id=ident))
                return int(ident)
            first = conn.execute(sa.select(actions_t).where(actions_t.c.id == int(action_id))).mappings().first()
            if first is None:
                raise ActionError(f"Åtgärd {action_id} finns inte; ladda om sidan.")
            conn.execute(actions_t.insert().values(
                action_id=int(action_id), goal_id=first["goal_id"], unit_id=first["unit_id"], year=first["year"],
                period=first["period"], **values))
            return int(action_id)

    def actions(self, goal_id: str | None = None, unit_id: str | None = None) -> list[Action]:
        """The latest version of every action (of one goal and unit, or all with ``goal_id=None``),
        with the period it was written in; see ``goals.actions.for_period`` for which to list."""
        latest = sa.select(sa.func.max(actions_t.c.id)).group_by(actions_t.c.action_id)
        q = sa.select(actions_t).where(actions_t.c.id.in_(latest))
        if goal_id is not None:
            c = actions_t.c
            q = q.where(c.goal_id == goal_id, c.unit_id.is_(None) if unit_id is None else c.unit_id == unit_id)
        with self.engine.connect() as conn:
            return [Action(**dict(r)) for r in conn.execute(q.order_by(actions_t.c.action_id)).mappings().all()]

    def action_history(self, action_id: int) -> list[Action]:
        """Every version of one action, oldest first: who changed what and when."""
        q = sa.select(actions_t).where(actions_t.c.action_id == int(action_id)).order_by(actions_t.c.id)
        with self.engine.connect() as conn:
            return [Action(**dict(r)) for r in conn.execute(q).mappings().all()]
