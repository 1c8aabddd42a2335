"""Actions and the overall analysis in the store (SQLite and PostgreSQL): versions, history, carried to
the next period."""

from __future__ import annotations

import datetime as dt

import pytest

from etl.followup_store import OVERALL, ActionError
from etl.store import Store
from goals.actions import for_period


@pytest.fixture
def store(store_url):
    """An empty store on SQLite and on PostgreSQL (``store_url`` in conftest.py)."""
    store = Store(store_url)
    yield store
    store.engine.dispose()


def test_action_versions_history_and_carry_over(store: Store) -> None:
    a = store.save_action(goal_id="g1", year=2026, period="T1", text="Fler sagostunder i Gottsunda",
                          owner="Anna", due=dt.date(2026, 6, 30), state="planerad", author="anna")
    b = store.save_action(goal_id="g1", year=2026, period="T1", text="Ny skyltning", owner="Bo", due=None,
                          state="pagar", author="bo")
    store.save_action(goal_id="g1", year=2026, period="T2", text="Ny skyltning", owner="Bo", due=None,
                      state="klar", author="cia", action_id=b)
    store.save_action(goal_id="g2", year=2026, period="T1", text="Annat mål", owner="Dan", due=None,
                      state="planerad", author="dan")
    acts = store.actions("g1")
    assert [(x.action_id, x.state, x.author) for x in acts] == [(a, "planerad", "anna"), (b, "klar", "cia")]
    assert acts[1].year == 2026 and acts[1].period == "T1"  # written in T1, closed in T2
    assert (acts[1].saved_year, acts[1].saved_period) == (2026, "T2")
    history = store.action_history(b)
    assert [(h.state, h.author) for h in history] == [("pagar", "bo"), ("klar", "cia")]
    # T2: the open action from T1 and the one closed in T2; next year's T1: only the open one
    assert [x.action_id for x in for_period(acts, 2026, "T2")] == [a, b]
    assert [x.action_id for x in for_period(acts, 2027, "T1")] == [a]
    assert acts[0].due == dt.date(2026, 6, 30)


def test_action_needs_text_owner_and_a_known_state(store: Store) -> None:
    base = dict(goal_id="g1", year=2026, period="T1", due=None, author="anna")
    with pytest.raises(ActionError, match="ansvarar"):
        store.save_action(**base, text="x", owner=" ", state="planerad")
    with pytest.raises(ActionError, match="Skriv"):
        store.save_action(**base, text="", owner="Anna", state="planerad")
    with pytest.raises(ActionError, match="Okänt läge"):
        store.save_action(**base, text="x", owner="Anna", state="kanske")
    with pytest.raises(ActionError, match="finns inte"):
        store.save_action(**base, text="x", owner="Anna", state="klar", action_id=999)


def test_overall_analysis_is_a_versioned_comment(store: Store) -> None:
    store.add_comment(OVERALL, 2026, "T2", None, "analys", "Ett år med fler besök.", "anna")
    store.add_comment(OVERALL, 2026, "T2", None, "analys", "Ett år med fler besök men färre lån.", "bo")
    assert store.comments(OVERALL, 2026, "T2", None)["analys"].text == "Ett år med fler besök men färre lån."
    assert len(store.comment_history(OVERALL, 2026, "T2", None, "analys")) == 2
