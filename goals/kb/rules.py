"""KB's consistency rules on an export, as problem records.

- **sum**: a total equals the sum of its parts (``sum_of``, ``also_sum_of``: Utlan399 = Utlan301 +
  … and = Inilan199 + Omlan299), per unit and for the whole municipality;
- **part**: an "of which" value is not larger than its whole (``part_of``: Publ2xx ≤ Publ1xx,
  Barn03 ≤ Utlan399, Population03 ≤ Population01, Open106 ≤ Open103 …);
- **ratio**: KB's own ratios (visits and loans per inhabitant, share of activities for children …)
  lie in a plausible range (``ratios`` in the catalogue); outside it is a warning to check.

The rules read only the values, so they hold for values typed in by hand as well as computed ones.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from etl.problems import Problem
from goals.kb.catalogue import Catalogue

if TYPE_CHECKING:
    from goals.kb.compute import KbExport

#: Rounding slack for sums of decimals (hours per week).
EPS = 1e-6

#: The first data row of the KB sheet (title, subtitle, blank, header above it): problems name it.
FIRST_ROW = 5


def _fmt(x: float) -> str:
    return f"{x:,.1f}".replace(",", " ").replace(".", ",").removesuffix(",0")


def check_rules(cat: Catalogue, export: "KbExport") -> list[Problem]:
    from goals.kb.compute import TOTAL

    file = f"KB-statistik {export.year}"
    names = {u: n for u, n, _ in export.units} | {TOTAL: "Hela kommunen"}
    row_of = {v.key: FIRST_ROW + i for i, v in enumerate(cat.all())}
    columns = [TOTAL] + [u for u, _, _ in export.units]
    out: list[Problem] = []

    def val(key: str, col: str) -> float | None:
        kv = export.values[key][col]
        return kv.value if kv.applicable else None

    for var in cat.all():
        for rule in (var.sum_of, var.also_sum_of):
            if not rule:
                continue
            for col in columns:
                total = val(var.key, col)
                parts = [val(k, col) for k in rule]
                if total is None:
                    continue
                known = [p for p in parts if p is not None]
                if len(known) < len(parts):
                    gaps = [k for k, p in zip(rule, parts) if p is None]
                    out.append(Problem("varning", "kb_sum_parts_missing",
                                       f"{var.key} är ifyllt men delarna {', '.join(gaps)} saknas: KB kräver att "
                                       f"summan stämmer med delarna. Fyll i delarna eller töm {var.key}.",
                                       file=file, row=row_of[var.key], column=names[col], value=_fmt(total)))
                elif abs(total - sum(known)) > EPS * max(1.0, abs(total)):
                    out.append(Problem("fel", "kb_sum",
                                       f"KB:s summeringsregel {var.key} = {' + '.join(rule)} gäller inte: {var.key} är "
                                       f"{_fmt(total)} men delarna summerar till {_fmt(sum(known))}. Rätta delarna "
                                       "eller summan.", file=file, row=row_of[var.key], column=names[col],
                                       value=_fmt(total)))
        if var.part_of:
            for col in columns:
                part, whole = val(var.key, col), val(var.part_of, col)
                if part is not None and whole is not None and part > whole + EPS:
                    out.append(Problem("fel", "kb_part",
                                       f"{var.key} ({_fmt(part)}) är större än {var.part_of} ({_fmt(whole)}), men är en "
                                       f"del av den (varav). Kontrollera båda värdena.", file=file,
                                       row=row_of[var.key], column=names[col], value=_fmt(part)))
    for ratio in cat.ratios:
        num_keys, den_keys = ratio.keys()
        nums = [val(k, TOTAL) for k in num_keys]
        dens = [val(k, TOTAL) for k in den_keys]
        if any(x is None for x in nums + dens) or not sum(dens):  # type: ignore[arg-type]
            continue
        r = sum(nums) / sum(dens)  # type: ignore[arg-type]
        if not ratio.min <= r <= ratio.max:
            out.append(Problem("varning", "kb_ratio",
                               f"{ratio.label} ({'+'.join(num_keys)} / {'+'.join(den_keys)}) är "
                               f"{_fmt(r) if r >= 10 else f'{r:.2f}'.replace('.', ',')}, utanför det rimliga "
                               f"intervallet {_fmt(ratio.min)}–{_fmt(ratio.max)}. Kontrollera täljare och nämnare.",
                               file=file, row=row_of[num_keys[0]], column=names[TOTAL], value=f"{r:.3f}"))
    return out
