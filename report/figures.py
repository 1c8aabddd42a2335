"""The Word report's charts as PNG images, drawn with matplotlib (Agg backend).

Why matplotlib: it renders offline on a fresh machine from its PyPI wheel alone.  Plotly's static
export (kaleido) needs a Chrome it downloads or finds at run time, which a fresh server or CI
machine does not have.  The charts draw the same data as the app's figures (the trend of the
period over the years against the target, this year's full-year forecast with its range; the
units sorted by value with the target line) in the same colours.
"""

from __future__ import annotations

import io
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from report.inputs import IndicatorInfo  # noqa: E402
from report.numbers import sv_number  # noqa: E402

VALUE = "#1F4E79"
VALUE_LIGHT = "#9DB9D5"
TARGET = "#3B3B3B"
FORECAST = "#E69F00"
GRID = "#E6E9ED"
DPI = 150

plt.rcParams.update({"font.family": "DejaVu Sans", "font.size": 8, "axes.edgecolor": "#BFBFBF",
                     "axes.spines.top": False, "axes.spines.right": False})


def _formatter(decimals: int) -> FuncFormatter:
    return FuncFormatter(lambda v, _: sv_number(v, decimals).replace("\u00a0", " "))


def _png(fig: plt.Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def trend_png(trend: pd.DataFrame, info: IndicatorInfo, year: int, width: float = 3.3, height: float = 2.0) -> bytes:
    """The value each year (one line per series segment), the target as dashes, and this year's
    full-year forecast with its range."""
    fig, ax = plt.subplots(figsize=(width, height))
    df = trend.sort_values("year")
    for _, seg in df.groupby("segment", sort=True) if "segment" in df else [(0, df)]:
        ax.plot(seg["year"], seg["value"], marker="o", markersize=3, color=VALUE, linewidth=1.6)
    target = df["target_full_year"] if info.accumulates and "target_full_year" in df else df.get("target")
    if target is not None and target.notna().any():
        ax.plot(df["year"], target, linestyle="--", color=TARGET, linewidth=1, label="Mål")
    if "forecast" in df and df["forecast"].notna().any():
        f = df[df["forecast"].notna()]
        low = (f["forecast"] - f["forecast_low"]).clip(lower=0).fillna(0)
        high = (f["forecast_high"] - f["forecast"]).clip(lower=0).fillna(0)
        ax.errorbar(f["year"], f["forecast"], yerr=[low, high], fmt="D", color=FORECAST, markersize=4,
                    capsize=2, linewidth=1, label=f"Prognos {year}")
    ax.set_xticks([int(y) for y in df["year"]])
    ax.tick_params(axis="x", labelsize=7)
    ax.yaxis.set_major_formatter(_formatter(info.decimals if info.decimals < 2 else 1))
    ax.set_ylim(bottom=0)
    ax.grid(axis="y", color=GRID, linewidth=.6)
    ax.set_title("Utveckling över åren", fontsize=8, loc="left", color="#595959")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=6.5, frameon=False, loc="lower left")
    return _png(fig)


def units_png(comp: pd.DataFrame, info: IndicatorInfo, width: float = 3.3, height: float | None = None) -> bytes | None:
    """The units sorted by value (largest on top), one colour, the target as a vertical line
    (when every unit shares it); None when no unit has a value."""
    df = comp[comp["value"].notna()].sort_values("value")
    if df.empty:
        return None
    height = height or max(1.6, 0.18 * len(df) + 0.6)
    fig, ax = plt.subplots(figsize=(width, height))
    ax.barh(df["unit_name"].astype(str), df["value"], color=VALUE, height=.65)
    targets = df["target"].dropna().unique() if "target" in df else []
    if len(targets) == 1 and not math.isnan(float(targets[0])):
        ax.axvline(float(targets[0]), color=TARGET, linestyle="--", linewidth=1, label="Mål")
        ax.legend(fontsize=6.5, frameon=False, loc="lower right")
    ax.xaxis.set_major_formatter(_formatter(info.decimals if info.decimals < 2 else 1))
    ax.tick_params(axis="y", labelsize=6.5)
    ax.tick_params(axis="x", labelsize=7)
    ax.grid(axis="x", color=GRID, linewidth=.6)
    ax.set_title("Enheterna", fontsize=8, loc="left", color="#595959")
    return _png(fig)
