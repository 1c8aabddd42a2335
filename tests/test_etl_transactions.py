"""Transaction exports (Koha ``statistics``-like CSV): what the fast path reads, counts and reports.

Expected values are counted by hand from the rows each test writes."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from etl import transactions
from etl.pipeline import check_paths, load_config
from etl.read import detect_encoding

SOURCES = """\
sources:
  - id: koha_dmy
    kind: loans
    pattern: "koha_dmy*.csv"
    layout: transactions
    date_format: "%d.%m.%Y"
    value_labels:
      category: {BARN: barn, VUXEN: vuxna}
  - id: koha
    kind: loans
    pattern: "koha*.csv"
    layout: transactions
    value_labels:
      category: {BARN: barn, VUXEN: vuxna}
"""
HEADER = "datetime,branch,type,itemtype,categorycode,borrowernumber\n"


@pytest.fixture
def koha(data_dir):
    """``koha(text or bytes, name="koha_1.csv")`` -> the checked file (FileResult)."""
    directory = data_dir(SOURCES)

    def run(content: str | bytes, name: str = "koha_1.csv"):
        path = directory / name
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return check_paths([path], load_config(directory)).files[0]

    return run


def table(res) -> dict[tuple[str, str, str, str], tuple[int, int, int]]:
    """(month, unit, media type, audience) -> (initial loans, renewals, source row)."""
    return {(r.month.strftime("%Y-%m"), r.unit_id, r.media_type, r.audience): (r.initial_loans, r.renewals, r.source_row)
            for r in res.frame.itertuples()}


def only(problems, code):
    hits = [p for p in problems if p.code == code]
    assert len(hits) == 1, [str(p) for p in problems]
    return hits[0]


def test_borrower_column_is_never_read_and_needs_no_key(koha, monkeypatch):
    read = pacsv.read_csv
    included: list[list[str]] = []

    def spy(*args, **kwargs):
        included.append(list(kwargs["convert_options"].include_columns))
        return read(*args, **kwargs)

    monkeypatch.setattr(pacsv, "read_csv", spy)
    res = koha(HEADER
               + "2024-03-01 10:00:00,Gottsunda,issue,BK,BARN,19121212-1212\n"
               + "2024-03-02 11:00:00,Gottsunda,renew,BK,BARN,kalle@example.se\n")
    assert res.problems == []  # nothing about the borrower is read, so nothing to warn about
    assert included and all("borrowernumber" not in cols for cols in included)
    assert table(res) == {("2024-03", "gottsunda", "bok", "barn"): (1, 1, 2)}
    assert "borrower" not in res.frame.columns


def test_rows_are_counted_across_parallel_slices_with_the_first_row_kept(koha, monkeypatch):
    # Three slices of 3, 3 and 4 rows: each group's rows are spread over slices.
    monkeypatch.setattr(transactions, "_ROWS_PER_PART", 3)
    monkeypatch.setattr(transactions.pa, "cpu_count", lambda: 3)
    rows = [
        "2024-01-31 23:59:59,Gottsunda,return,BK,BARN,1",       # row 2: a return, not a loan
        "2024-02-01 00:00:00,Gottsunda,issue,BK,BARN,1",        # row 3: Feb gottsunda bok barn
        "2024-01-05 10:00:00.250,Gottsunda,issue,BK,BARN,2",    # row 4: Jan gottsunda bok barn
        "2024-01-06 10:00:00,Sävja bibliotek,renew,DVD,VUXEN,3",  # row 5: Jan savja film vuxna
        "2024-02-10 10:00:00,Gottsunda,renew,BK,BARN,1",        # row 6: Feb gottsunda bok barn
        "2024-01-20 10:00:00,Gottsunda,issue,BK,BARN,4",        # row 7: Jan gottsunda bok barn
        "2024-01-21 10:00:00,Sävja bibliotek,issue,DVD,VUXEN,3",  # row 8: Jan savja film vuxna
        "2024-02-11 10:00:00,Gottsunda,localuse,BK,BARN,5",     # row 9: not a loan
        "2024-01-22 10:00:00,Gottsunda,renew,BK,BARN,2",        # row 10: Jan gottsunda bok barn
        "2024-02-12 10:00:00,Gottsunda,issue,BK,BARN,6",        # row 11: Feb gottsunda bok barn
    ]
    res = koha(HEADER + "\n".join(rows) + "\n")
    assert not res.has_errors, [str(p) for p in res.problems]
    assert table(res) == {
        ("2024-01", "gottsunda", "bok", "barn"): (2, 1, 4),
        ("2024-01", "savja", "film", "vuxna"): (1, 1, 5),
        ("2024-02", "gottsunda", "bok", "barn"): (2, 1, 3),
    }


def test_day_first_dates_that_are_not_iso_are_parsed(koha):
    rows = (HEADER
            + "05.01.2024 10:00,Gottsunda,issue,BK,BARN,1\n"
            + "01.02.2024 09:00,Gottsunda,issue,BK,BARN,1\n"
            + "29.02.2024 23:59,Gottsunda,renew,BK,BARN,1\n")
    # Without date_format, 05.01.2024 reads two ways (5 January, 1 May): never a guess (issue 10).
    undeclared = koha(rows)
    amb = only(undeclared.problems, "ambiguous_date")
    assert (amb.severity, amb.row, amb.column, amb.value) == ("fel", 2, "datetime", "05.01.2024 10:00")
    assert "2024-01-05 10:00:00" not in amb.message and "2024-01-05 (dag först)" in amb.message
    assert "2024-05-01 (månad först)" in amb.message and "date_format" in amb.message
    res = koha(rows, name="koha_dmy_1.csv")  # the source that declares date_format: "%d.%m.%Y"
    assert not res.has_errors, [str(p) for p in res.problems]
    assert table(res) == {("2024-01", "gottsunda", "bok", "barn"): (1, 0, 2),
                          ("2024-02", "gottsunda", "bok", "barn"): (1, 1, 3)}


def test_unparseable_and_blank_dates_are_errors_with_their_rows(koha):
    res = koha(HEADER
               + "2024-01-05 10:00:00,Gottsunda,issue,BK,BARN,1\n"   # row 2
               + "trasig,Gottsunda,issue,BK,BARN,1\n"                # row 3: unparseable
               + ",Gottsunda,return,BK,BARN,1\n"                     # row 4: blank, but a return
               + ",Gottsunda,renew,BK,BARN,1\n"                      # row 5: blank renewal
               + ",Gottsunda,issue,DVD,VUXEN,1\n")                   # row 6: blank loan
    bad = only(res.problems, "bad_date")
    assert (bad.severity, bad.row, bad.column) == ("fel", 3, "datetime")
    blank = only(res.problems, "missing_value")
    assert (blank.severity, blank.row, blank.column) == ("fel", 5, "datetime")
    assert blank.message.startswith("2 utlån eller omlån saknar tidpunkt")


def test_time_zone_in_the_timestamp_is_moved_to_swedish_time(koha):
    res = koha(HEADER
               + "2024-01-31T23:30:00Z,Gottsunda,issue,BK,BARN,1\n"  # 00:30 on 1 Feb (CET)
               + "2024-07-31T21:30:00Z,Gottsunda,issue,BK,BARN,1\n"  # 23:30 on 31 Jul (CEST)
               + "2024-07-31T22:30:00Z,Gottsunda,issue,BK,BARN,1\n")  # 00:30 on 1 Aug (CEST)
    assert not res.has_errors, [str(p) for p in res.problems]
    assert {m: v[0] for (m, *_), v in table(res).items()} == {"2024-02": 1, "2024-07": 1, "2024-08": 1}


def test_utf8_is_recognised_when_the_first_megabyte_ends_inside_a_letter(koha):
    line = "2024-01-05 10:00:00,Sävja bibliotek,issue,BK,BARN,1\n".encode()
    cut = line.index("ä".encode())  # first byte of the two-byte "ä"
    pad = next(p for p in range(len(line))
               if (len(HEADER) + len(f"2024-01-04 10:00:00,Gottsunda,return,BK,BARN,{'9' * p}\n")
                   + cut) % len(line) == ((1 << 20) - 1) % len(line))
    head = HEADER + f"2024-01-04 10:00:00,Gottsunda,return,BK,BARN,{'9' * pad}\n"
    n = (1 << 20) // len(line) + 10
    data = head.encode() + line * n
    assert data[(1 << 20) - 1:(1 << 20) + 1] == "ä".encode()  # the first MB ends half-way into "ä"
    assert detect_encoding(data[:1 << 20]) == "cp1252"  # which is what a cut sniff would conclude
    res = koha(data)
    assert res.problems == [], [str(p) for p in res.problems]
    assert table(res) == {("2024-01", "savja", "bok", "barn"): (n, 0, 3)}


def test_windows_1252_bytes_after_the_sniffed_start_are_read_and_warned_about(koha):
    start = (HEADER + "2024-01-05 10:00:00,Gottsunda,issue,BK,BARN,1\n" * 30_000).encode()
    assert len(start) > 1 << 20  # the encoding is sniffed from the first megabyte only
    res = koha(start + "2024-01-06 10:00:00,Sävja bibliotek,renew,BK,BARN,1\n".encode("cp1252"))
    warning = only(res.problems, "encoding")
    assert (warning.severity, warning.row, warning.value) == ("varning", 30_002, "Sävja bibliotek")
    assert not res.has_errors
    assert table(res) == {("2024-01", "gottsunda", "bok", "barn"): (30_000, 0, 2),
                          ("2024-01", "savja", "bok", "barn"): (0, 1, 30_002)}


def test_month_index_of_timestamps_with_missing_values():
    ts = pa.array([0, None, 1_709_251_199_000, 1_709_251_200_000], pa.timestamp("ms"))  # 1970-01, -, 2024-02-29 23:59:59, 2024-03-01
    assert transactions._month_index(ts).to_pylist() == [0, None, 54 * 12 + 1, 54 * 12 + 2]
