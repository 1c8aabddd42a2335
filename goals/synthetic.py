"""A deterministic synthetic :class:`etl.tables.Tables` of any size, for benchmarks and tests.

Shaped like the sample (a main library without a district, district libraries, bookmobiles; a
seasonal profile with a summer dip; a pandemic dip in 2020–21) but built directly as tidy tables,
so the goal model can be exercised and timed without the ETL.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from etl.tables import AUDIENCES, GENRES, MEDIA_TYPES, SURVEY_ITEMS, Tables, conform

#: Relative activity per calendar month (summer and Christmas dips).
SEASON = np.array([1.05, 1.05, 1.1, 1.0, 0.95, 0.8, 0.55, 0.75, 1.05, 1.1, 1.1, 0.85])
AGE_BANDS = ((0, 5), (6, 12), (13, 17), (18, 29), (30, 49), (50, 64), (65, None))


def _covid(year: int, month: int) -> float:
    if year == 2020 and month >= 3:
        return 0.55
    if year == 2021:
        return 0.7
    return 1.0


def build(
    years: range = range(2019, 2027),
    n_districts: int = 12,
    n_bookmobiles: int = 2,
    last_month: int = 10,
    seed: int = 1,
    respondents: int = 60,
) -> Tables:
    """Tables for ``years`` (data up to ``last_month`` of the last year) with one main library,
    ``n_districts`` district libraries and ``n_bookmobiles`` bookmobiles."""
    rng = np.random.default_rng(seed)
    units = [("stadsbiblioteket", "Stadsbiblioteket", "huvudbibliotek", None)]
    units += [(f"filial{i:02d}", f"Filial {i:02d}", "stadsdelsbibliotek", f"D{i:02d}") for i in range(1, n_districts + 1)]
    units += [(f"bokbuss{i}", f"Bokbuss {i}", "bokbuss", None) for i in range(1, n_bookmobiles + 1)]
    unit_df = pd.DataFrame(units, columns=["unit_id", "name", "type", "district"]).astype(
        {"unit_id": "str", "name": "str", "type": "category", "district": "str"}
    )
    size = {u[0]: (8.0 if u[2] == "huvudbibliotek" else 0.4 if u[2] == "bokbuss" else 1.0 + 0.1 * (i % 5)) for i, u in enumerate(units)}
    ids = [u[0] for u in units]
    months = [(y, m) for y in years for m in range(1, 13) if not (y == years[-1] and m > last_month)]

    # loans: unit × month × media × audience × genre
    combos = [(mt, au, ge) for mt in MEDIA_TYPES for au in AUDIENCES for ge in GENRES]
    mt_w = np.array([10, 2, 0.3, 1.5, 0.5, 0.8, 0.4, 0.6, 0.2])
    au_w = {"barn": 0.35, "unga": 0.1, "vuxna": 0.55}
    ge_w = {"skonlitteratur": 0.55, "facklitteratur": 0.35, "ej_angivet": 0.1}
    base = np.array([mt_w[MEDIA_TYPES.index(mt)] * au_w[au] * ge_w[ge] for mt, au, ge in combos])
    rows_month, rows_unit, rows_scale = [], [], []
    for y, m in months:
        f = SEASON[m - 1] * _covid(y, m) * (1 + 0.02 * (y - years[0]))
        for u in ids:
            rows_month.append(pd.Timestamp(y, m, 1))
            rows_unit.append(u)
            rows_scale.append(f * size[u])
    n_um = len(rows_month)
    scale = np.repeat(np.array(rows_scale), len(combos)) * np.tile(base, n_um) * 90
    initial = rng.poisson(scale)
    loans = pd.DataFrame(
        {
            "month": np.repeat(np.array(rows_month, dtype="datetime64[s]"), len(combos)),
            "unit_id": np.repeat(rows_unit, len(combos)),
            "media_type": np.tile([c[0] for c in combos], n_um),
            "audience": np.tile([c[1] for c in combos], n_um),
            "genre": np.tile([c[2] for c in combos], n_um),
            "initial_loans": initial,
            "renewals": rng.poisson(scale * 0.4),
        }
    )

    # visits: unit × day
    days = pd.date_range(pd.Timestamp(years[0], 1, 1), pd.Timestamp(years[-1], last_month, 1) + pd.offsets.MonthEnd(0), freq="D")
    season_d = SEASON[days.month - 1] * np.array([_covid(d.year, d.month) for d in days])
    season_d = season_d * np.where(days.day_of_week == 6, 0.3, 1.0)
    vis_frames = []
    for u in ids:
        lam = season_d * size[u] * 280
        vis_frames.append(
            pd.DataFrame({"date": days.values.astype("datetime64[s]"), "unit_id": u, "visits": rng.poisson(lam).astype(float), "estimated": u.startswith("bokbuss")})
        )
    visits = pd.concat(vis_frames, ignore_index=True)

    # events: occasions drawn per unit × month
    ev_rows = []
    cats = np.array([101, 102, 103, 104, 105, 106, 108, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120])
    for y, m in months:
        for u in ids:
            k = rng.poisson(6 * size[u] ** 0.5 * SEASON[m - 1] * _covid(y, m))
            for j in range(k):
                cat = int(rng.choice(cats))
                tg = "barn" if cat in (101, 102, 117, 103, 116) else str(rng.choice(["vuxna", "alla", "unga"]))
                ev_rows.append(
                    (pd.Timestamp(y, m, int(rng.integers(1, 29))), u, f"Arr {y}-{m}-{u}-{j}", cat, tg, int(rng.integers(3, 60)), "Studieförbundet" if rng.random() < 0.3 else None)
                )
    events = pd.DataFrame(ev_rows, columns=["date", "unit_id", "title", "kb_category", "target_group", "participants", "partner"])
    events = events.drop_duplicates(["date", "unit_id", "title", "kb_category"])

    # opening hours: one schedule per unit, a longer one from the second year
    oh_rows = []
    for u in ids:
        for vf, close in ((pd.Timestamp(years[0], 1, 1), "19:00"), (pd.Timestamp(years[0] + 1, 1, 1), "20:00")):
            for wd in range(1, 8):
                if u.startswith("bokbuss") and wd >= 6:
                    continue
                opens, closes = ("10:00", close) if wd <= 5 else ("11:00", "15:00")
                hours = (int(closes[:2]) - int(opens[:2]))
                oh_rows.append((u, vf, wd, "bemannad", opens, closes, float(hours)))
            if not u.startswith("bokbuss"):
                oh_rows.append((u, vf, 7, "meroppet", "08:00", "10:00", 2.0))
    opening = pd.DataFrame(oh_rows, columns=["unit_id", "valid_from", "weekday", "service", "opens", "closes", "hours"])

    # survey: respondents per unit and wave
    sv_rows = []
    for y in years:
        for u in ids:
            n = respondents // 3 if u.startswith("bokbuss") else respondents
            for r in range(n):
                rid = f"{y}-{u}-{r}"
                for item, smax in SURVEY_ITEMS.items():
                    p = rng.random()
                    if p < 0.05:
                        val = np.nan
                    elif smax == 5:
                        val = float(rng.choice([1, 2, 3, 4, 5], p=[0.03, 0.07, 0.2, 0.4, 0.3]))
                    else:
                        val = float(rng.choice(np.arange(1, 11), p=[0.01, 0.01, 0.02, 0.04, 0.07, 0.1, 0.2, 0.25, 0.2, 0.1]))
                    sv_rows.append((y, rid, u, "30-49", item, val, smax))
    survey = pd.DataFrame(sv_rows, columns=["wave", "respondent_id", "unit_id", "age_group", "item", "value", "scale_max"])

    # population: district × age band × year (one extra district without a library)
    pop_rows = []
    districts = [u[3] for u in units if u[3]] + ["D99"]
    for y in years:
        for i, d in enumerate(districts):
            for lo, hi in AGE_BANDS:
                width = (hi if hi is not None else 90) - lo + 1
                pop_rows.append((y, d, lo, hi, int(width * (180 + 20 * (i % 4)) * (1 + 0.01 * (y - years[0])))))
    population = pd.DataFrame(pop_rows, columns=["year", "district", "age_from", "age_to", "population"])

    return Tables(
        units=unit_df,
        loans=conform("loans", loans),
        visits=conform("visits", visits),
        events=conform("events", events),
        opening_hours=conform("opening_hours", opening),
        survey=conform("survey", survey),
        population=conform("population", population),
    )
