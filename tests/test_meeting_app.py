"""The meeting's pages as plain functions on the tiny hand-made store (tests/conftest_dashboard.py):
two units, loans Jan 2025 – Oct 2026; Norr 100 + 20 renewals a month in 2025 and 110 + 20 in 2026,
Syd 50 + 10 both years.  T1 2026: 760 against 720, +5,6 % (Norr +40, Syd 0)."""

from __future__ import annotations

from dashboard import actions_panel, state
from dashboard.data import DataSource
from dashboard.pages import goal, overview, present
from tests.conftest_dashboard import tiny_ds  # noqa: F401  (fixture)
from tests.test_dashboard_callbacks import texts

NB = "\u00a0"


def view(**kw) -> state.ViewState:
    return state.ViewState(**{"year": 2026, "period": "T1", "goal": "lasning", "lang": "sv", **kw})


def test_action_written_in_t1_is_listed_in_t2_and_on_the_closing_slide(tiny_ds: DataSource) -> None:
    key = {"goal": "lasning", "year": 2026, "period": "T1", "unit": None, "lang": "sv"}
    message, saved = actions_panel.save_action(tiny_ds, key, actions_panel.NEW, "Läsfrämjande på fritids",
                                               "Anna Ek", "2026-06-30", "planerad", "anna")
    assert saved and message.startswith("Åtgärden sparad")
    message, saved = actions_panel.save_action(tiny_ds, key, actions_panel.NEW, "", "Anna Ek", None, "planerad", "a")
    assert not saved and message == "Skriv vad åtgärden är."
    shown = texts(actions_panel.actions_panel(tiny_ds, view(period="T2")))
    assert "Läsfrämjande på fritids" in shown and "Anna Ek" in shown and "2026-06-30" in shown
    closing = texts(present.slide(tiny_ds, view(period="T2", goal=present.ACTIONS_SLIDE)))
    assert "Läsfrämjande på fritids" in closing and "1. Läsning" in closing


def test_slide_shows_the_goal_texts_and_open_actions(tiny_ds: DataSource) -> None:
    tiny_ds.add_comment("lasning", 2026, "T1", None, "analys", "Norr lånar mer.", "Anna")
    tiny_ds.save_action(goal_id="lasning", year=2026, period="T1", text="Fler sagostunder", owner="Bo",
                        due=None, state="pagar", author="bo")
    shown = texts(present.slide(tiny_ds, view()))
    assert "Norr lånar mer." in shown and "Fler sagostunder" in shown
    assert "Inte skriven ännu." in shown  # no Åtgärder text yet


def test_goal_page_breakdown_draft_and_trail(tiny_ds: DataSource) -> None:
    head, summary, sections = goal.goal_content(tiny_ds, view())
    shown = texts(sections)
    # the change +40 (760 - 720): Norr +40 (+8 %: 480 -> 520), Syd ±0
    assert "Norrbiblioteket" in shown and "+40" in shown and f"+8{NB}%" in shown
    draft = texts(summary)
    assert ("Utlån ökade 5,6" + NB + "% jämfört med jan–apr 2025; per enhet står Norrbiblioteket (+8" + NB
            + "%) för 100" + NB + "% av ökningen.") in draft
    assert "Statushistorik" in draft


def test_overview_card_in_english_names_the_indicator_in_english(tiny_ds: DataSource) -> None:
    _, _, cards = overview.overview_content(tiny_ds, 2026, "T1", None, view(lang="en"))
    assert "Loans" in texts(cards) and "Utlån" not in texts(cards)


def test_the_app_downloads_the_word_report(tiny_ds: DataSource) -> None:
    import io

    from docx import Document

    from dashboard import downloads

    data, filename = downloads.report_docx_bytes(tiny_ds, view(period="T1"))
    assert filename == "uppfoljning-2026-t1-alla.docx"
    doc = Document(io.BytesIO(data))
    assert [p.text for p in doc.paragraphs if p.style.name == "Heading 1"] == ["Innehåll", "Sammanfattning",
                                                                            "Mål 1. Läsning"]
