"""The docs are kept honest by tests: the README's command table and docs/contracts.md against the code."""

from __future__ import annotations

import re
from pathlib import Path

import click

import goals
from cli.main import COMMANDS, main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
CONTRACTS = (ROOT / "docs" / "contracts.md").read_text(encoding="utf-8")


def _command_table() -> list[str]:
    """The first cell of every row of the README's *Command line* table."""
    section = README.split("\n## Command line", 1)[1].split("\n## ", 1)[0]
    table = section.split("\n### ", 1)[0]
    return [line.split(" | ", 1)[0].lstrip("| ") for line in table.splitlines() if line.startswith("| `bibplan")]


def _usages(cell: str) -> list[tuple[str, list[str]]]:
    """``(command path, options)`` for each `` `bibplan …` `` usage in a table cell."""
    out = []
    for usage in re.findall(r"`(bibplan [^`]+)`", cell):
        words = usage.replace("\\|", "|").split()[1:]
        path = [words[0]]
        if len(words) > 1 and re.fullmatch(r"[a-z][a-z-]*", words[1]):
            path.append(words[1])  # a subcommand of a group (`bibplan user add`)
        options = re.findall(r"(?<![\w-])(--?[a-z][a-z-]*)", " ".join(words))
        out.append((" ".join(path), options))
    return out


def _resolve(path: str) -> click.Command:
    ctx = click.Context(main)
    names = path.split()
    cmd = main.get_command(ctx, names[0])
    assert cmd is not None, f"README names `bibplan {names[0]}`, which is not a command"
    if len(names) > 1 and isinstance(cmd, click.Group):
        sub = cmd.get_command(ctx, names[1])
        assert sub is not None, f"README names `bibplan {path}`, which is not a command"
        cmd = sub
    return cmd


def test_every_command_is_in_the_readme_table() -> None:
    documented = {path.split()[0] for cell in _command_table() for path, _ in _usages(cell)}
    assert documented == set(COMMANDS), "README's command table and cli.main.COMMANDS differ"


def test_every_option_in_the_readme_table_exists() -> None:
    for cell in _command_table():
        for path, options in _usages(cell):
            cmd = _resolve(path)
            known = {opt for p in cmd.params for opt in (*p.opts, *p.secondary_opts)} | {"--help", "-h"}
            missing = [o for o in options if o not in known]
            assert not missing, f"README shows `bibplan {path}` with {missing}; the command has {sorted(known)}"


def _backticked_list(after: str) -> list[str]:
    """The comma-separated backticked names in the first backticked run after ``after``."""
    tail = CONTRACTS.split(after, 1)[1]
    run = re.search(r"`([a-z_, \n]+)`", tail)
    assert run is not None, f"docs/contracts.md: no list after {after!r}"
    return [name.strip() for name in run.group(1).replace("\n", " ").split(",")]


def test_contracts_list_the_followup_columns_in_order() -> None:
    assert _backticked_list("Columns (`goals.FOLLOWUP_COLUMNS`, in order):") == list(goals.FOLLOWUP_COLUMNS)


def test_contracts_list_the_status_codes() -> None:
    documented = re.search(r"`status` ∈ `([a-z_, ]+)`", CONTRACTS)
    assert documented is not None
    assert [s.strip() for s in documented.group(1).split(",")] == list(goals.STATUSES)


def test_every_see_reference_in_the_readme_names_a_heading() -> None:
    """``(see *X*)`` points at a heading (or a bold paragraph lead-in ``**X.**``) that exists."""
    headings = {re.sub(r" \(.*\)$", "", m.group(1).strip()) for m in re.finditer(r"^#+ (.+)$", README, re.M)}
    leads = {m.group(1) for m in re.finditer(r"^\*\*([^*]+)\.\*\*", README, re.M)}
    refs = re.findall(r"\(see \*([^*]+)\*", README)
    assert "The dashboard" in refs
    missing = [r for r in refs if r not in headings and r not in leads]
    assert missing == [], f"README refers to sections that do not exist: {missing}"


def test_the_dashboard_section_holds_the_pages_and_the_meeting_workflow() -> None:
    """The pages table, meeting workflow, serving and accessibility sit under ``## The dashboard``,
    not under ``## KB-statistik och jämförelser``."""
    sections = {m.group(1): m.start() for m in re.finditer(r"^## (.+)$", README, re.M)}
    start = sections["The dashboard"]
    after = min(p for p in sections.values() if p > start)
    body = README[start:after]
    for sub in ("### Pages", "### The meeting workflow", "### Serving", "### Accessibility (WCAG 2.1 AA)"):
        assert f"\n{sub}\n" in body, sub
    kb = README[sections["KB-statistik och jämförelser"] : start]
    assert "### Pages" not in kb
