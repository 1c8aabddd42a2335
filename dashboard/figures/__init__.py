"""Figure builders: pure functions from ``goals`` output frames to plotly ``go.Figure``s."""

from dashboard.figures.coverage import coverage_figure
from dashboard.figures.monthly import ytd_figure
from dashboard.figures.trend import sparkline, trend_figure
from dashboard.figures.units import filter_units, units_bar

__all__ = ["coverage_figure", "filter_units", "sparkline", "trend_figure", "units_bar", "ytd_figure"]
